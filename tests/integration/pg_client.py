#!/usr/bin/env python3
"""pg_client.py -- psycopg2 against credo-server's PostgreSQL listener
(tests/integration/pgwire.sh runs it). One sub-command per check; prints
what the shell script greps for, exits non-zero on an unexpected result.

  pg_client.py DSN types       parameters of every type, values back
  pg_client.py DSN rollback    an error in a transaction rolls it back
  pg_client.py DSN cancel      cancel a long aggregate (CancelRequest)
  pg_client.py DSN sqlstate    errors carry SQLSTATE codes
  pg_client.py DSN sessions    PostgreSQL sessions are in SHOW SESSIONS,
                               KILL SESSION ends one (57P01); ALTER USER
                               ROLE applies at the next statement, a new
                               password and DROP USER end the session
                               (28000), as on the credo protocol
"""
import sys
import threading
import time
import datetime
import decimal

import psycopg2
import psycopg2.extras

dsn, what = sys.argv[1], sys.argv[2]
conn = psycopg2.connect(dsn)
cur = conn.cursor()


def types():
    # psycopg2 interpolates on the client: literals with ::casts reach CQL
    cur.execute("SELECT id, subject, occurred, data, public FROM events "
                "WHERE subject = %s AND id >= %s AND id < %s "
                "AND occurred >= %s AND public = true AND ref != %s "
                "AND data.amount >= %s AND data.amount < %s "
                "ORDER BY id INCLUDE HIDDEN",
                ('91350203MA2Y7K3C1Y', 1, decimal.Decimal('9999999.5'),
                 datetime.datetime(2020, 1, 1,
                                   tzinfo=datetime.timezone.utc),
                 'x', 0.25, 1e9))
    rows = cur.fetchall()
    assert rows, "no rows"
    r = rows[0]
    assert isinstance(r[0], int), r
    assert isinstance(r[2], datetime.datetime) and r[2].tzinfo, r
    assert isinstance(r[3], dict), r  # jsonb parsed by psycopg2
    assert r[4] is True, r
    cur.execute("SELECT count(*), sum(data.amount), min(occurred) FROM events "
                "WHERE subject = %s INCLUDE HIDDEN", ('91350203MA2Y7K3C1Y',))
    n, s, t = cur.fetchone()
    assert isinstance(n, int) and isinstance(s, (int, float, decimal.Decimal)), (n, s)
    cur.execute("SELECT id FROM events WHERE reason = %s INCLUDE HIDDEN",
                (None,))
    # numeric: CQL's exact DECIMAL, a Decimal in Python
    cur.execute("SELECT data.amount::numeric FROM events WHERE ref = %s "
                "INCLUDE HIDDEN", ('a1',))
    d = cur.fetchone()[0]
    assert isinstance(d, decimal.Decimal) and d == decimal.Decimal('0.75'), d
    print("types ok", len(rows), n, s, t.isoformat(), "numeric", d)
    conn.rollback()


def rollback():
    conn.autocommit = False
    cur.execute("RECORD penalty FOR '91350203MA2Y7K3C1Y' OCCURRED NOW "
                "SOURCE 'py' REF 'rolled-back-1'")
    try:
        cur.execute("SELECT nope FROM events")
    except psycopg2.Error as e:
        print("error", e.pgcode)
    try:
        cur.execute("SELECT 1")
    except psycopg2.Error as e:
        print("aborted", e.pgcode)
    conn.rollback()
    cur.execute("SELECT count(*) FROM events WHERE ref = 'rolled-back-1' "
                "INCLUDE HIDDEN")
    print("after rollback", cur.fetchone()[0])
    conn.commit()


def cancel():
    conn.autocommit = True
    sql = ("SELECT count(*), sum(data.amount_wan), "
           "avg(length(data.basis)) FROM events "
           "WHERE lower(ref) LIKE '%%1%%' INCLUDE HIDDEN")
    # how long the aggregate runs here, so that the CancelRequest is sent
    # while it runs (a fixed sleep raced a fast machine)
    t0 = time.time()
    cur.execute(sql)
    cur.fetchall()
    full = time.time() - t0
    result = {}

    def run():
        c2 = conn.cursor()
        try:
            c2.execute(sql)
            result['rows'] = c2.fetchall()
        except psycopg2.Error as e:
            result['code'] = e.pgcode

    for frac in (0.25, 0.1, 0.03):
        result.clear()
        th = threading.Thread(target=run)
        th.start()
        time.sleep(full * frac)
        conn.cancel()
        th.join(60)
        if result.get('code'):
            break
    print("cancel", result.get('code'), result.get('rows'))
    cur.execute("SELECT 1")
    print("after cancel", cur.fetchone()[0])


def sqlstate():
    conn.autocommit = True
    for q in ["SELEC 1", "SELECT nope FROM events",
              "RECORD nosuchtype FOR 'x' OCCURRED NOW SOURCE 's' REF 'r'"]:
        try:
            cur.execute(q)
            print("no error for", q)
        except psycopg2.Error as e:
            print("sqlstate", e.pgcode, e.diag.statement_position or "-")


def as_user(user, pw):
    """A second connection, as `user` (the DSN's other settings)."""
    parts = [p for p in dsn.split() if not p.startswith(("user=", "password="))]
    c = psycopg2.connect(" ".join(parts + ["user=" + user, "password=" + pw]))
    c.autocommit = True
    return c


def attempt(c, sql):
    """'ok' or the SQLSTATE of the error (None when the server closed the
    connection without one)."""
    try:
        k = c.cursor()
        k.execute(sql)
        return "ok"
    except psycopg2.Error as e:
        return e.pgcode or "closed: " + str(e).strip().splitlines()[0]


def sessions():
    conn.autocommit = True
    cur.execute("CREATE USER pgboss ROLE admin PASSWORD 'pgboss-password'; "
                "CREATE USER pgpat ROLE analyst PASSWORD 'pgpat-password';")
    boss, pat = as_user("pgboss", "pgboss-password"), \
        as_user("pgpat", "pgpat-password")
    cur.execute("SHOW SESSIONS")
    listed = sorted(r[1] for r in cur.fetchall())
    print("listed", " ".join(listed))
    print("admin creates", attempt(
        boss, "CREATE USER pgm1 ROLE admin PASSWORD 'minion-password'"))
    cur.execute("ALTER USER pgboss ROLE analyst")
    print("demoted creates", attempt(
        boss, "CREATE USER pgm2 ROLE admin PASSWORD 'minion-password'"))
    print("demoted reads", attempt(boss, "SELECT count(*) FROM types"))
    cur.execute("ALTER USER pgpat PASSWORD 'pgpat-new-password'")
    print("after new password", attempt(pat, "SELECT count(*) FROM types"))
    cur.execute("DROP USER pgboss")
    print("after drop", attempt(boss, "SELECT count(*) FROM types"))
    victim = as_user("pgpat", "pgpat-new-password")
    cur.execute("SHOW SESSIONS")
    ids = [r[0] for r in cur.fetchall() if r[1] == "pgpat"]
    cur.execute("KILL SESSION %d" % ids[0])
    print("killed", attempt(victim, "SELECT count(*) FROM types"))
    cur.execute("SHOW SESSIONS")
    left = sorted(r[1] for r in cur.fetchall())
    cur.execute("SHOW USERS")
    users = [r[0] for r in cur.fetchall()]
    print("left", " ".join(left), "| pgm2", "pgm2" in users)


{"types": types, "rollback": rollback, "cancel": cancel,
 "sqlstate": sqlstate, "sessions": sessions}[what]()
conn.close()
