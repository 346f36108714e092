#!/usr/bin/env python3
"""sec.py -- raw-socket checks of credo-server's limits before and around
authentication, its transactions and sessions, and its conformance to
docs/protocol.md (issue 13), written from the document. Built on wire.py.

Command line: `sec.py SCENARIO PORT [ARGS...]`; prints one "ok"/"FAIL"
line saying what was seen and exits 0/1. Every socket has a timeout.
Source addresses 127.0.0.2 and up are other loopback addresses (Linux
routes all of 127.0.0.0/8 to lo), used as "other clients".
"""
import socket
import struct
import sys
import threading
import time

import ptyread
import wire
from wire import (AUTH, BYE, CANCEL, CLOSE, DONE, ERROR, EXECUTE, HELLO,
                  OK, PING, PREPARE, QUERY, READY, Conn, Reader, ServerError,
                  error_of, frame, s)

CREDO_BUSY, CREDO_AUTH, CREDO_PROTOCOL, CREDO_LIMIT = -9, -20, -21, -22
CREDO_ERROR, CREDO_TXN, CREDO_CANCELLED = -1, -25, -23


def conn_from(port, src, timeout=30):
    """A wire.Conn whose socket is bound to source address `src`."""
    c = Conn.__new__(Conn)
    c.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                      source_address=(src, 0))
    c.buf, c.req = b"", 0
    return c


def hello_auth(c, user, pw):
    """Sends HELLO and AUTH at once; returns ('ok', role) or ('error',
    code, msg, req) or ('closed',)."""
    c.send(frame(HELLO, 1, b"CRDO" + struct.pack(">HH", 1, 1) + s("sec")) +
           frame(AUTH, 2, s(user) + s(pw)))
    try:
        while True:
            f = c.recv_frame()
            if f is None:
                return ("closed",)
            if f[0] == ERROR:
                e = error_of(f[2], f[1])
                return ("error", e.code, e.msg, f[1])
            if f[0] == wire.AUTH_OK:
                return ("ok", Reader(f[2]).str())
    except OSError as e:
        return ("closed", str(e))


def vm_hwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


# ------------------------------------------------------------ item 1
def sc_rss_storm(port, pid, n="256"):
    """n concurrent AUTHs with wrong passwords, each from its own loopback
    address and for its own (unknown) user, so that no backoff holds them
    back: only the hashing pool bounds the memory. Peak RSS (VmHWM) of
    the server must stay under 512 MiB."""
    n, pid = int(n), int(pid)
    out = [None] * n

    def one(i):
        src = "127.0.%d.%d" % (1 + i // 250, 1 + i % 250)
        try:
            c = conn_from(port, src, timeout=60)
            out[i] = hello_auth(c, "nobody%d" % i, "wrong-password-%d" % i)
            c.close()
        except OSError as e:
            out[i] = ("closed", str(e))

    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    t0 = time.time()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    secs = time.time() - t0
    hwm = vm_hwm_kib(pid)
    kinds = {}
    for o in out:
        k = o[0] if o[0] != "error" else "%d %s" % (o[1], o[2])
        kinds[k] = kinds.get(k, 0) + 1
    answered = sum(v for k, v in kinds.items() if k != "closed")
    # distinct addresses and users: no backoff applies, only the pool
    throttled = sum(v for k, v in kinds.items() if "failed logins" in k)
    ok = 0 < hwm < 512 * 1024 and answered == n and throttled == 0
    return ok, "%d bad AUTHs at once: peak RSS %.1f MiB in %.1f s; answers %r" \
        % (n, hwm / 1024.0, secs, kinds)


# ------------------------------------------------------------ item 2
def sc_slots(port, user, pw, per_addr="10", unauth_per_addr="4"):
    """30 silent connections from one address do not lock out another
    address; authenticated sessions of one address do not hold every
    slot either."""
    per_addr, unauth_per_addr = int(per_addr), int(unauth_per_addr)
    silent, refused = [], []
    for _ in range(30):
        c = conn_from(port, "127.0.0.1")
        silent.append(c)
    time.sleep(0.5)
    other = conn_from(port, "127.0.0.2")
    r1 = hello_auth(other, user, pw)
    other.close()
    closed = 0
    for c in silent:  # those over the cap were told so (or, past 16
        c.sock.settimeout(0.5)  # refusals at once, just closed)
        try:
            f = c.recv_frame()
            if f and f[0] == ERROR:
                refused.append(error_of(f[2], 0).msg)
            elif f is None:
                closed += 1
        except socket.timeout:
            pass  # still held, waiting to authenticate
        except OSError:
            closed += 1
        c.close()
    held, r2 = [], None
    for _ in range(per_addr + 1):
        c = conn_from(port, "127.0.0.3")
        r = hello_auth(c, user, pw)
        if r[0] != "ok":
            r2 = r
            break
        held.append(c)
    third = conn_from(port, "127.0.0.4")
    r3 = hello_auth(third, user, pw)
    third.close()
    for c in held:
        c.close()
    ok = (r1[0] == "ok" and len(refused) + closed == 30 - unauth_per_addr and
          len(refused) >= 1 and
          all("from this address waiting to authenticate" in m
              for m in refused) and
          len(held) == per_addr and r2 is not None and r2[1] == CREDO_LIMIT
          and "too many connections from this address" in r2[2] and
          r3[0] == "ok")
    return ok, ("another address during 30 silent ones: %r; refused %d "
                "(%s) and %d closed; %d sessions held, next: %r; a fourth "
                "address: %r" % (r1, len(refused), refused[:1], closed,
                                 len(held), r2, r3))


# ------------------------------------------------------------ item 3
def sc_throttle(port, user, n="32"):
    """n parallel connections guessing `user`'s password from one address:
    the backoff (per address and per user, before hashing) lets only a
    few checks run; the others are refused without one."""
    n = int(n)
    out = [None] * n

    def one(i):
        c = conn_from(port, "127.0.0.5", timeout=60)
        out[i] = hello_auth(c, user, "guess-%d" % i)
        c.close()

    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    failed = sum(1 for o in out if o[0] == "error" and o[1] == CREDO_AUTH)
    throttled = sum(1 for o in out if o[0] == "error" and o[1] == CREDO_LIMIT)
    ok = failed <= 10 and failed + throttled == n and failed >= 1
    return ok, "%d parallel guesses: %d checked (authentication failed), " \
        "%d refused before hashing" % (n, failed, throttled)


# ------------------------------------------------------- items 4-6, 9, 12
def request(c, ftype, payload):
    """Sends one request; returns (frames before the terminal one, the
    terminal (type, payload))."""
    req = c.next_req()
    c.send(frame(ftype, req, payload))
    got = []
    while True:
        f = c.recv_frame()
        if f is None:
            raise ConnectionError("server closed the connection")
        if f[1] != req:
            raise ValueError("reply for %d, waiting %d" % (f[1], req))
        if f[0] in (DONE, ERROR, OK, wire.PREPARED):
            return got, (f[0], f[2])
        got.append(f)


def q(c, sql):
    """QUERY: ('done', changes, rows, in_txn, rowlist) or ('error', code,
    msg, in_txn)."""
    frames, (t, p) = request(c, QUERY, struct.pack(">i", 0) + s(sql))
    rows = []
    for f in frames:
        if f[0] == wire.ROWS:
            rd = Reader(f[2])
            nc, nr = rd.u16(), rd.u32()
            rows += [tuple(rd.value() for _ in range(nc)) for _ in range(nr)]
    rd = Reader(p)
    if t == ERROR:
        code, _l, _c, msg = rd.i32(), rd.u32(), rd.u32(), rd.str()
        return ("error", code, msg, rd.u8())
    return ("done", rd.u64(), rd.u64(), (rd.i32(), rd.u8())[1], rows)


def one(c, sql):
    r = q(c, sql)
    if r[0] != "done":
        raise ValueError("%s -> %r" % (sql, r))
    return r[4][0][0] if r[4] else None


SUBJ = "91350100M000100Y43"


def sc_writer_slot(port, user, pw):
    """A session in BEGIN that only PINGs: other writers wait at most
    --max-time and get CREDO_BUSY; the transaction is rolled back after
    --max-txn-time (PING does not reset it) and its session told; then
    the others write."""
    a, b = Conn(port), Conn(port)
    a.login(user, pw)
    b.login(user, pw)
    q(a, "CREATE SUBJECT '%s' KIND org;" % SUBJ)
    begun = q(a, "BEGIN; CREATE SUBJECT '11010519491231002X' KIND person;")
    busy = q(b, "CREATE SUBJECT '914403001922038216' KIND org;")
    pings, told = 0, None
    end = time.time() + 30
    while time.time() < end and told is None:
        req = a.next_req()
        a.send(frame(PING, req))
        while True:
            f = a.recv_frame()
            if f is None:
                told = ("closed without a word",)
                break
            if f[0] == OK and f[1] == req:
                pings += 1
                break
            if f[0] == ERROR:
                e = error_of(f[2], f[1])
                told = (e.code, e.msg, f[1])
                break
        time.sleep(0.3)
    after = q(b, "CREATE SUBJECT '914403001922038216' KIND org;")
    gone = one(b, "SELECT count(*) FROM subjects WHERE id = "
                  "'11010519491231002X';")
    ok = (begun[0] == "done" and begun[3] == 1 and busy[0] == "error" and
          busy[1] == CREDO_BUSY and "waited" in busy[2] and busy[3] == 0 and
          pings >= 2 and told[0] == CREDO_TXN and told[2] == 0 and
          "rolled back" in told[1] and after[0] == "done" and gone == 0)
    return ok, ("BEGIN -> %r; another writer -> %r; %d PINGs answered, "
                "then %r; the other writer afterwards -> %r; the rolled "
                "back subject: %r" % (begun[:4], busy, pings, told,
                                      after[:4], gone))


def sc_stopped_in_txn(port, user, pw):
    """A write stopped by --max-time inside BEGIN: the ERROR's in_txn
    flag says whether the transaction is still open, and it is true: a
    transaction rolled back says so in its message, one still open
    keeps its earlier write until COMMIT. Never a silent partial
    commit."""
    c = Conn(port, timeout=60)
    c.login(user, pw)
    r1 = q(c, "BEGIN; RECORD fine FOR '%s' OCCURRED '2020-01-01' "
              "SOURCE 'txn' REF 'A';" % SUBJ)
    r2 = q(c, "REPAIR EVENTS WHERE id > 0 REASON 'long batch';")
    if r2[0] != "error":
        return False, "the long batch was not stopped: %r" % (r2[:4],)
    r3 = q(c, "RECORD fine FOR '%s' OCCURRED '2020-01-01' SOURCE 'txn' "
              "REF 'B';" % SUBJ)
    if r2[3]:
        q(c, "COMMIT;")
    refs = [r[0] for r in q(c, "SELECT ref FROM events WHERE subject = "
                               "'%s' ORDER BY ref INCLUDE HIDDEN;" % SUBJ)[4]]
    if r2[3]:  # still open: A and B commit together
        ok = refs == ["A", "B"] and "rolled back" not in r2[2]
    else:      # ended: said so; A is gone, B committed alone (told)
        ok = refs == ["B"] and r2[2].endswith(
            "; the transaction was rolled back") and r3[3] == 0
    ok = ok and r1[3] == 1 and r2[1] == CREDO_LIMIT and "max time" in r2[2]
    return ok, "in BEGIN, a stopped batch -> %r; afterwards %r" % (
        r2, refs)


def sc_write_stopped(port, user, pw):
    """--max-time stops a batch write (REPAIR EVENTS WHERE) outside BEGIN:
    nothing of it is written."""
    c = Conn(port, timeout=60)
    c.login(user, pw)
    def versions():
        return dict(q(c, "SHOW STATS;")[4])["versions"]
    before = versions()
    r = q(c, "REPAIR EVENTS WHERE id > 0 REASON 'long batch';")
    after = versions()
    ok = r[0] == "error" and r[1] == CREDO_LIMIT and before == after > 0
    return ok, "batch repair under --max-time -> %r; versions before %r, " \
        "after %r" % (r[:3], before, after)


def sc_done_counts(port, user, pw):
    """DONE: `rows` counts the rows sent (EXECUTE and QUERY), `changes`
    the rows the request's statements changed, not sticky."""
    c = Conn(port)
    c.login(user, pw)
    st = c.prepare("SELECT name FROM types ORDER BY name LIMIT 2")
    frames, (t, p) = request(c, EXECUTE, struct.pack(">IiH", st, 0, 0))
    rd = Reader(p)
    ex = (t, rd.u64(), rd.u64())
    w = q(c, "CREATE SUBJECT '91110000600037341L' KIND org;")
    r = q(c, "SELECT name FROM types ORDER BY name LIMIT 3;")
    multi = q(c, "SELECT name FROM types LIMIT 1; SELECT name FROM types "
                 "LIMIT 2;")
    b = q(c, "BEGIN; ROLLBACK;")
    ok = (ex == (DONE, 0, 2) and w[1:3] == (1, 0) and r[1:3] == (0, 3) and
          multi[1:3] == (0, 3) and b[1:3] == (0, 0))
    return ok, ("EXECUTE of a 2-row SELECT -> changes, rows %r; a write %r; "
                "a read after it %r; two SELECTs in one QUERY %r; BEGIN; "
                "ROLLBACK %r" % (ex[1:], w[1:3], r[1:3], multi[1:3],
                                  b[1:3]))


# ------------------------------------------------------------ item 7
def closed_with(c, code):
    """Reads until the server closes: the request-0 ERROR seen, or None."""
    seen = None
    try:
        while True:
            f = c.recv_frame()
            if f is None:
                return seen
            if f[0] == ERROR and f[1] == 0:
                e = error_of(f[2], 0)
                seen = (e.code, e.msg)
    except OSError:
        return seen


def sc_revocation(port, user, pw):
    """An admin session demoted, then dropped, by another admin: the role
    change applies at its next statement, the drop ends it; a password
    change ends the sessions opened with the old one."""
    root = Conn(port)
    root.login(user, pw)
    one(root, "CREATE USER boss ROLE admin PASSWORD 'boss-password'; "
              "CREATE USER pat ROLE analyst PASSWORD 'pat-password';")
    boss, pat = Conn(port), Conn(port)
    boss.login("boss", "boss-password")
    pat.login("pat", "pat-password")
    before = q(boss, "CREATE USER minion1 ROLE admin PASSWORD "
                     "'minion-password';")
    q(root, "ALTER USER boss ROLE analyst;")
    demoted = q(boss, "CREATE USER minion2 ROLE admin PASSWORD "
                      "'minion-password';")
    still_reads = q(boss, "SHOW TYPES;")
    q(root, "DROP USER boss;")
    boss.send(frame(QUERY, boss.next_req(), struct.pack(">i", 0) +
                    s("CREATE USER minion3 ROLE admin PASSWORD "
                      "'minion-password';")))
    dropped = closed_with(boss, CREDO_AUTH)
    q(root, "ALTER USER pat PASSWORD 'pat-new-password';")
    pat.send(frame(QUERY, pat.next_req(), struct.pack(">i", 0) +
                   s("SHOW TYPES;")))
    repassed = closed_with(pat, CREDO_AUTH)
    users = [r[0] for r in q(root, "SHOW USERS;")[4]]
    ok = (before[0] == "done" and demoted[0] == "error" and
          demoted[1] == -15 and still_reads[0] == "done" and
          dropped is not None and dropped[0] == CREDO_AUTH and
          "was dropped" in dropped[1] and repassed is not None and
          "password" in repassed[1] and "minion2" not in users and
          "minion3" not in users)
    return ok, ("admin -> %r; demoted -> %r; dropped -> %r; password "
                "changed -> %r; users %r" % (before[0], demoted[:3], dropped,
                                              repassed, users))


def sc_sessions(port, user, pw):
    """An admin lists the sessions and ends one that holds the writer in
    BEGIN: it is told why and closed, its transaction rolled back."""
    root = Conn(port)
    root.login(user, pw)
    one(root, "CREATE USER worker ROLE recorder PASSWORD 'worker-password';")
    w = Conn(port, timeout=20)
    w.hello()
    req = w.next_req()
    w.send(frame(wire.AUTH, req, s("worker") + s("worker-password")))
    rd = Reader(w.expect(wire.AUTH_OK, req))
    rd.str(), rd.u8()
    wid = rd.u32()
    held = q(w, "BEGIN; CREATE SUBJECT '91440300708461136T' KIND org;")
    listed = q(root, "SHOW SESSIONS;")
    mine = [r for r in listed[4] if r[0] == wid]
    denied = q(w, "SHOW SESSIONS;")
    killed = q(root, "KILL SESSION %d;" % wid)
    told = closed_with(w, CREDO_AUTH)
    after = q(root, "CREATE SUBJECT '91440300708461136T' KIND org;")
    unknown = q(root, "KILL SESSION 999999;")
    ok = (held[3] == 1 and len(mine) == 1 and mine[0][1] == "worker" and
          mine[0][2] == "recorder" and mine[0][3].startswith("127.0.0.1:")
          and denied[0] == "error" and denied[1] == -15 and
          killed[0] == "done" and killed[1] == 1 and told is not None and
          "killed by %s (KILL SESSION %d)" % (user, wid) in told[1] and
          after[0] == "done" and unknown[0] == "error" and
          unknown[1] == -11)
    return ok, ("SHOW SESSIONS -> %r; as recorder %r; KILL -> %r; the "
                "session was told %r; its subject written afterwards %r; "
                "an unknown id %r" % (mine, denied[:3], killed[:3], told,
                                      after[:3], unknown[:3]))


def sc_kill_read(port, user, pw):
    """A session killed in the middle of a long read (its rows fill the
    socket: the server is mid-statement) gets an ERROR for the request and
    then the request-0 ERROR saying it was killed, before the close."""
    root = Conn(port)
    root.login(user, pw)
    q(root, "CREATE USER reader ROLE analyst PASSWORD 'reader-password';")
    r = Conn(port, timeout=30)
    r.hello()
    req = r.next_req()
    r.send(frame(wire.AUTH, req, s("reader") + s("reader-password")))
    rd = Reader(r.expect(wire.AUTH_OK, req))
    rd.str(), rd.u8()
    rid = rd.u32()
    req = r.next_req()
    r.send(frame(QUERY, req, struct.pack(">i", 0) +
                 s("SELECT * FROM events INCLUDE HIDDEN;")))
    first = r.recv_frame()  # COLUMNS: the read runs; no more is read now
    killed = q(root, "KILL SESSION %d;" % rid)
    frames = []
    try:
        while True:
            f = r.recv_frame()
            if f is None:
                break
            if f[0] != wire.ROWS:
                frames.append((f[0], f[1], error_of(f[2], f[1]).code,
                               error_of(f[2], f[1]).msg)
                              if f[0] == ERROR else (f[0], f[1]))
    except OSError as e:
        frames.append(("closed", str(e)))
    answered = [f for f in frames if f[0] == ERROR and f[1] == req]
    told = [f for f in frames if f[0] == ERROR and f[1] == 0]
    ok = (first is not None and first[0] == wire.COLUMNS and
          killed[0] == "done" and len(answered) == 1 and len(told) == 1 and
          told[0][2] == CREDO_AUTH and
          "killed by %s (KILL SESSION %d)" % (user, rid) in told[0][3] and
          frames[-1] == told[0])
    return ok, "first %r; KILL %r; then %r" % (
        first and first[:2], killed[:3], frames)


# ------------------------------------------------------- items 10, 14
def answer(c):
    """The next frame as (type, req, error or payload), or None."""
    try:
        f = c.recv_frame()
    except OSError as e:
        return ("timeout/closed", str(e))
    if f is None:
        return None
    if f[0] == ERROR:
        e = error_of(f[2], f[1])
        return (ERROR, f[1], e.code, e.msg)
    return (f[0], f[1], f[2])


def sc_conformance(port, user, pw):
    """docs/protocol.md sections 2, 4 and 6, frame by frame."""
    seen = {}
    c = Conn(port, timeout=10)
    c.login(user, pw)
    c.send(frame(CANCEL, 50, b"\x01\x02"))       # malformed CANCEL
    seen["cancel"] = answer(c)
    c.send(frame(PING, 51, b"x"))                 # PING with a payload
    seen["ping"] = answer(c)
    c.send(frame(BYE, 52, b"x"))                  # BYE with a payload
    seen["bye"] = answer(c)
    c.send(frame(PING, 53))                       # still usable
    seen["ping_ok"] = answer(c)
    c.send(frame(HELLO, 54, b"CRDO" + struct.pack(">HH", 1, 1) + s("x")))
    seen["hello"] = answer(c)
    seen["hello_close"] = answer(c)
    c.close()
    c = Conn(port, timeout=10)
    c.login(user, pw)
    c.send(frame(PING, 0))                        # request id 0
    seen["req0"] = answer(c)
    seen["req0_close"] = answer(c)
    c.close()
    c = Conn(port, timeout=10)
    c.send(struct.pack(">I", 3))                  # length < 6, nothing more
    seen["short"] = answer(c)
    c.close()
    c = Conn(port, timeout=10)
    c.login(user, pw)
    c.send(struct.pack(">I", 5))
    seen["short_after_auth"] = answer(c)
    c.close()
    want_err = lambda k, req, code: (seen[k] is not None and
                                     seen[k][0] == ERROR and
                                     seen[k][1] == req and
                                     seen[k][2] == code)
    ok = (want_err("cancel", 50, CREDO_PROTOCOL) and
          want_err("ping", 51, CREDO_PROTOCOL) and
          want_err("bye", 52, CREDO_PROTOCOL) and
          seen["ping_ok"][:2] == (OK, 53) and
          want_err("hello", 0, CREDO_PROTOCOL) and
          "handshake is over" in seen["hello"][3] and
          seen["hello_close"] is None and
          want_err("req0", 0, CREDO_PROTOCOL) and seen["req0_close"] is None
          and want_err("short", 0, CREDO_PROTOCOL) and
          want_err("short_after_auth", 0, CREDO_PROTOCOL))
    return ok, repr(seen)


def raw(port, data, timeout=10):
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.sendall(data)
    got = b""
    try:
        while True:
            d = sock.recv(4096)
            if not d:
                break
            got += d
    except OSError:
        pass
    sock.close()
    return got


def sc_sniff(port):
    """An HTTP request, a TLS ClientHello and a PostgreSQL client on the
    credo port: each gets an answer it can show (HTTP 400, nothing for
    TLS, 'N' then a PostgreSQL FATAL) instead of a frame-size error."""
    http = raw(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    tls = raw(port, bytes.fromhex("160301002c0100002803031234") + b"\0" * 40)
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(struct.pack(">II", 8, 80877103))   # SSLRequest
    ssl_answer = sock.recv(1)
    body = struct.pack(">I", 0x30000) + b"user\0root\0database\0x\0\0"
    sock.sendall(struct.pack(">I", 4 + len(body)) + body)
    pg = b""
    try:
        while True:
            d = sock.recv(4096)
            if not d:
                break
            pg += d
    except OSError:
        pass
    sock.close()
    ok = (http.startswith(b"HTTP/1.0 400 ") and b"credo wire protocol" in http
          and tls == b"" and ssl_answer == b"N" and pg[:1] == b"E" and
          struct.unpack(">I", pg[1:5])[0] == len(pg) - 1 and
          b"C08P01" in pg and b"credo wire protocol" in pg)
    return ok, "http %r; tls %r; pg %r then %r" % (http[:40], tls, ssl_answer,
                                                  pg[:80])


# ------------------------------------------------------------ item 11
def execute_raw(c, stmt, params_bytes, nparams, tz=0):
    frames, (t, p) = request(c, EXECUTE, struct.pack(">IiH", stmt, tz, nparams)
                             + params_bytes)
    rows = []
    for f in frames:
        if f[0] == wire.ROWS:
            rd = Reader(f[2])
            nc, nr = rd.u16(), rd.u32()
            rows += [tuple(rd.value() for _ in range(nc)) for _ in range(nr)]
    if t == ERROR:
        e = error_of(p, 0)
        return ("error", e.code, e.msg)
    return ("done", rows)


def sc_values(port, user, pw):
    """BOOL parameters bind as BOOL (a condition, a comparison with true);
    a JSON parameter must be JSON; a tz must be whole minutes."""
    c = Conn(port)
    c.login(user, pw)
    n = one(c, "SELECT count(*) FROM types;")
    st = c.prepare("SELECT count(*) AS n FROM types WHERE ?")
    t_true = execute_raw(c, st, bytes([wire.T_BOOL, 1]), 1)
    t_false = execute_raw(c, st, bytes([wire.T_BOOL, 0]), 1)
    st2 = c.prepare("SELECT ? = true AS b FROM types LIMIT 1")
    eq = execute_raw(c, st2, bytes([wire.T_BOOL, 1]), 1)
    st3 = c.prepare("SELECT ? AS j FROM types LIMIT 1")
    good = execute_raw(c, st3, bytes([wire.T_JSON]) + s('{"a": [1, 2]}'), 1)
    bad = execute_raw(c, st3, bytes([wire.T_JSON]) + s('{"a": '), 1)
    tz_bad = q_tz(c, "SHOW TYPES;", 30)
    tz_ok = q_tz(c, "SHOW TYPES;", 19800)  # +05:30
    ok = (t_true == ("done", [(n,)]) and t_false == ("done", [(0,)]) and
          eq == ("done", [(True,)]) and good[0] == "done" and
          bad[0] == "error" and bad[1] == CREDO_PROTOCOL and
          "not valid JSON" in bad[2] and tz_bad[0] == "error" and
          tz_bad[1] == CREDO_PROTOCOL and "whole minutes" in tz_bad[2] and
          tz_ok[0] == "done")
    return ok, ("WHERE ? with true %r, false %r; ? = true %r; JSON %r / "
                "%r; tz 30 s %r, +05:30 %r" % (t_true, t_false, eq, good,
                                               bad, tz_bad[:3], tz_ok[0]))


def sc_duration(port, user, pw):
    """DURATION (tag 8: i32 months, i64 microseconds) binds as a duration
    on either version; rows carry tag 8 on a version-2 connection and the
    duration's TEXT on a version-1 one."""
    dur = bytes([wire.T_DURATION]) + struct.pack(">iq", 18, 0)
    sql = "SELECT ? AS d, 3 MONTHS AS m, ? = 1 YEAR 6 MONTHS AS same " \
          "FROM types LIMIT 1"
    got = {}
    for hi in (1, 2):
        c = Conn(port)
        c.login(user, pw, hi=hi)
        st = c.prepare(sql)
        got[hi] = execute_raw(c, st, dur + dur, 2)
    ok = (got[1] == ("done", [("1 YEAR 6 MONTHS", "3 MONTHS", True)]) and
          got[2] == ("done", [((18, 0), (3, 0), True)]))
    return ok, "version 1 %r; version 2 %r" % (got[1], got[2])


def q_tz(c, sql, tz):
    frames, (t, p) = request(c, QUERY, struct.pack(">i", tz) + s(sql))
    if t == ERROR:
        e = error_of(p, 0)
        return ("error", e.code, e.msg)
    return ("done",)


# ------------------------------------------------------------- item 8
def sc_shell_history(_port, credo, store, hist):
    """The interactive shell keeps CREATE/ALTER USER ... PASSWORD lines
    (also a password on a continuation line) out of its history file."""
    import os
    import pty
    os.environ["CREDO_HISTORY"] = hist
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(credo, [credo, store])
    lines = ["CREATE USER hist_a ROLE analyst PASSWORD 'secret-one-123';",
             "ALTER USER hist_a", "  PASSWORD 'secret-two-456';",
             "SHOW USERS;", "\\q"]
    end = time.time() + 20
    for line in lines:
        os.write(fd, line.encode() + b"\n")
        time.sleep(0.3)
    out = ptyread.read_until(fd, end)
    os.waitpid(pid, 0)
    saved = open(hist, encoding="utf-8", errors="replace").read() \
        if os.path.exists(hist) else ""
    saved = saved.replace("\\040", " ")  # libedit's encoding of a space
    ok = ("SHOW USERS;" in saved and "secret" not in saved and
          "PASSWORD" not in saved and b"hist_a" in out)
    return ok, "history file: %r" % saved


# ------------------------------------------------------------ item 13
def doc_frames():
    """The frames of docs/protocol.md section 10, in order, as bytes;
    "..." ends a frame the document shows only in part (a prefix)."""
    import os
    import re
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                        "..", "docs", "protocol.md")
    text = open(path, encoding="utf-8").read()
    sec = text[text.index("## 10. Worked example"):]
    frames = []
    for block in re.findall(r"```\n(.*?)```", sec, re.S):
        for line in block.strip().splitlines():
            partial = "..." in line
            hexs = line.split("...")[0] if partial else line
            if partial:  # keep the fields before the elided message
                hexs = hexs.rsplit("|", 1)[0]
            frames.append((bytes.fromhex(re.sub(r"[|\s]", "", hexs)),
                           partial))
    return frames


def sc_worked_example(port):
    """Sends the client frames of section 10 exactly as written and
    compares the server's frames with the document's."""
    frames = doc_frames()
    client = [f for f, _ in frames if f[4] < 0x80]
    server = [(f, part) for f, part in frames if f[4] >= 0x80]
    # the failed statement's QUERY (request 8) is not shown as hex: it goes
    # before BYE, so its ERROR comes before BYE's OK
    selec = frame(QUERY, 8, struct.pack(">i", 0) + s("SELEC 1;"))
    bye = client.pop()
    c = Conn(port, timeout=20)
    c.send(b"".join(client) + selec + bye)
    got = []
    while True:
        f = c.recv_frame()
        if f is None:
            break
        got.append(struct.pack(">IBBI", 6 + len(f[2]), f[0], 0, f[1]) + f[2])
    server.insert(len(server) - 1, server.pop(-1))  # ERROR after BYE's OK
    want = [w for w in server if w[0][4] != 0x87] + \
        [w for w in server if w[0][4] == 0x87]
    got = [g for g in got if g[4] != 0x87] + [g for g in got if g[4] == 0x87]
    bad = []
    for i, (w, part) in enumerate(want):
        g = got[i] if i < len(got) else b""
        if w[4] == 0x81:    # READY: the server's version string differs
            same = g[:16] == w[:16]
        elif w[4] == 0x82:  # AUTH_OK: the connection id differs
            same = g[:-4] == w[:-4]
        elif part:
            same = g.startswith(w)
        else:
            same = g == w
        if not same:
            bad.append("frame %d: want %s got %s" % (i, w.hex(), g.hex()))
    ok = not bad and len(got) == len(want)
    return ok, "%d server frames as documented%s" % (
        len(got), "" if ok else ": " + "; ".join(bad))


SCENARIOS = {n[3:]: f for n, f in globals().items() if n.startswith("sc_")}

if __name__ == "__main__":
    name, port = sys.argv[1], int(sys.argv[2])
    try:
        ok, what = SCENARIOS[name](port, *sys.argv[3:])
    except Exception as e:  # any surprise is a failure, said plainly
        ok, what = False, "%s: %s" % (type(e).__name__, e)
    print(("ok   " if ok else "FAIL ") + name + ": " + what)
    sys.exit(0 if ok else 1)
