// bench/analytics_duckdb.js -- DuckDB's side of bench/analytics.sh, through
// the npm package @duckdb/node-api (installed by the script under
// BUILD/node). Not a test: it loads and measures.
//
//   node analytics_duckdb.js DBFILE load CSVDIR
//     builds DBFILE (DuckDB's own format) from CSVDIR/versions.csv and
//     CSVDIR/events.csv (written by the script from the same export that
//     SQLite loads): typed columns, amount_wan DECIMAL(18,2).
//   node analytics_duckdb.js DBFILE query QUERYFILE OUTDIR RUNS
//     for each "-- NAME" block of QUERYFILE: one untimed run (warm), then
//     RUNS timed runs; prints "NAME MIN_MS MEDIAN_MS ROWS" and writes the
//     rows of the warm-up run to OUTDIR/NAME.csv (NULL as empty).
'use strict';
const fs = require('fs');
const path = require('path');
const { DuckDBInstance } = require('@duckdb/node-api');

const COLS = `{'id': 'BIGINT', 'version': 'INTEGER', 'recorded': 'TIMESTAMP',
  'op': 'VARCHAR', 'retracted': 'INTEGER', 'subject': 'VARCHAR',
  'type': 'VARCHAR', 'occurred': 'TIMESTAMP', 'public_from': 'TIMESTAMP',
  'public_until': 'TIMESTAMP', 'source': 'VARCHAR', 'ref': 'VARCHAR',
  'amount_wan': 'DECIMAL(18,2)', 'authority': 'VARCHAR'}`;

async function load(conn, dir) {
  for (const t of ['versions', 'events']) {
    const f = path.join(dir, t + '.csv');
    await conn.run(`CREATE TABLE ${t} AS SELECT * FROM read_csv('${f}',
      header = true, columns = ${COLS})`);
  }
  await conn.run('CHECKPOINT');
}

function readQueries(file) {
  const out = [];
  let cur = null;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('-- ')) {
      cur = { name: line.slice(3).trim(), sql: '' };
      out.push(cur);
    } else if (cur) cur.sql += line + '\n';
  }
  return out;
}

function cell(v) {
  return v === null || v === undefined ? '' : String(v);
}

async function query(conn, file, outdir, runs) {
  for (const q of readQueries(file)) {
    const warm = await conn.runAndReadAll(q.sql);
    const rows = warm.getRows();
    fs.writeFileSync(path.join(outdir, q.name + '.csv'),
      rows.map((r) => r.map(cell).join(',') + '\n').join(''));
    const t = [];
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      await conn.runAndReadAll(q.sql);
      t.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    t.sort((a, b) => a - b);
    console.log(`${q.name} ${t[0].toFixed(2)} ${t[t.length >> 1].toFixed(2)} ${rows.length}`);
  }
}

async function main() {
  const [db, mode, a, b, c] = process.argv.slice(2);
  const inst = await DuckDBInstance.create(db);
  const conn = await inst.connect();
  try {
    await conn.run("SET TimeZone = 'UTC'"); // TIMESTAMPs are UTC anyway
  } catch (e) { /* no ICU: plain TIMESTAMP columns need none */ }
  if (mode === 'load') await load(conn, a);
  else await query(conn, a, b, Number(c) || 5);
}

main().catch((e) => {
  console.error('analytics_duckdb.js: ' + e.message);
  process.exit(1);
});
