// pg_client.js -- node-postgres (npm `pg`) against credo-server's
// PostgreSQL listener (tests/integration/pgwire.sh runs it with
// NODE_PATH=build/node/node_modules). Extended query protocol: Parse /
// Bind / Describe / Execute / Sync with $n parameters.
//   node pg_client.js params    parameters of every type
//   node pg_client.js prepared  one named statement run 10,000 times
//   node pg_client.js errors    SQLSTATE and position of errors
//   node pg_client.js ssl       a TLS connection
const { Client } = require('pg');
const what = process.argv[2];
const cfg = {
  host: '127.0.0.1',
  port: Number(process.env.PGPORT),
  user: process.env.PGUSER,
  password: process.env.PGPASSWORD,
  database: 'credo',
  ssl: what === 'ssl' ? { rejectUnauthorized: false } : false,
};
const SUBJ = '91350203MA2Y7K3C1Y';

function assert(c, m) { if (!c) { throw new Error('assertion: ' + m); } }

async function params(c) {
  const q = 'SELECT id, subject, occurred, data, public, data.amount AS amount ' +
    'FROM events WHERE subject = $1 AND id >= $2::int8 AND occurred >= $3 ' +
    'AND public = $8::bool AND ref != $4 AND data.amount >= $5 AND data.amount < $6::float8 ' +
    'AND ($7::text IS NULL) ORDER BY id INCLUDE HIDDEN';
  const vals = [SUBJ, 1, new Date('2020-01-01T00:00:00Z'), 'x', 0.25, 1e9, null, true];
  const t = await c.query(q, vals);
  assert(t.rows.length > 0, 'text rows');
  // node-postgres cannot read binary results (its parser refuses binary
  // mode), so the binary formats are checked by tests/unit/test_pgwire.c.
  const r = t.rows[0];
  assert(r.occurred instanceof Date, 'dates');
  assert(r.public === true, 'bool');
  assert(typeof r.data === 'object' && r.data.amount === Number(r.amount), 'jsonb ' + JSON.stringify(r));

  const j = await c.query('SELECT count(*) AS n FROM events WHERE data.amount = $1::float8 INCLUDE HIDDEN',
    [r.data.amount]);
  const d = await c.query('SELECT count(*) AS n FROM events WHERE data.amount::numeric = $1::numeric INCLUDE HIDDEN',
    ['0.75']);
  assert(Number(d.rows[0].n) === 1, 'numeric parameter');
  console.log('params ok rows=' + t.rows.length + ' id=' + r.id +
    ' occurred=' + r.occurred.toISOString() + ' amount=' + r.amount +
    ' jsonmatch=' + j.rows[0].n);
}

async function prepared(c) {
  let total = 0;
  for (let i = 0; i < 10000; i++) {
    const r = await c.query({
      name: 'by_subject',
      text: 'SELECT count(*) AS n FROM events WHERE subject = $1 AND id >= $2 INCLUDE HIDDEN',
      values: [SUBJ, i % 3],
    });
    total += Number(r.rows[0].n);
  }
  console.log('prepared ok runs=10000 total=' + total);
}

async function errors(c) {
  for (const q of ['SELEC 1', 'SELECT nope FROM events', 'SELECT id FROM events WHERE id = $1']) {
    try {
      await c.query(q, q.includes('$1') ? ['x', 'y'] : undefined);
      console.log('no error for ' + q);
    } catch (e) {
      console.log('sqlstate ' + e.code + ' position ' + (e.position || '-'));
    }
  }
  const r = await c.query('SELECT 1');
  console.log('after errors ' + r.rows[0]['?column?']);
}

async function ssl(c) {
  const r = await c.query('SELECT count(*) AS n FROM events INCLUDE HIDDEN');
  console.log('ssl ok n=' + r.rows[0].n);
}

(async () => {
  const c = new Client(cfg);
  await c.connect();
  try {
    await { params, prepared, errors, ssl }[what](c);
  } finally {
    await c.end();
  }
})().catch((e) => { console.log('FAILED ' + (e.code || '') + ' ' + e.message); process.exit(1); });
