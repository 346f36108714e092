#!/usr/bin/env python3
"""wire.py -- a small client of the credo wire protocol (docs/protocol.md),
written from the document alone, for the integration tests.

Library use: `import wire; c = wire.Conn(port); c.login(user, pw);
c.query("SELECT ...")`. Command line: `wire.py SCENARIO PORT [ARGS...]`
runs one of the raw-socket scenarios at the bottom (garbage bytes,
truncated and oversized frames, slow client, cancel, pipelining...) and
exits 0 when the server behaved as the document says, 1 otherwise, with
one line on stdout saying what was seen. Every socket has a timeout.
"""
import socket
import ssl
import struct
import sys
import time

HELLO, AUTH, PREPARE, EXECUTE, QUERY, CLOSE, CANCEL, PING, BYE = range(1, 10)
READY, AUTH_OK, PREPARED, COLUMNS, ROWS, DONE, ERROR, OK = range(0x81, 0x89)
BACKUP, BACKUP_DATA, BACKUP_END = 0x0A, 0x89, 0x8A
T_NULL, T_INT, T_REAL, T_TEXT, T_BOOL, T_TIME, T_JSON, T_DECIMAL, T_DURATION = range(9)
NOTICE = 0x8B  # protocol version 2


def frame(ftype, req, payload=b""):
    return struct.pack(">IBBI", 6 + len(payload), ftype, 0, req) + payload


def s(text):
    b = text.encode() if isinstance(text, str) else text
    return struct.pack(">I", len(b)) + b


def value(v):
    if v is None:
        return bytes([T_NULL])
    if isinstance(v, bool):
        return bytes([T_BOOL, 1 if v else 0])
    if isinstance(v, int):
        return bytes([T_INT]) + struct.pack(">q", v)
    if isinstance(v, float):
        return bytes([T_REAL]) + struct.pack(">d", v)
    return bytes([T_TEXT]) + s(v)


class Reader:
    def __init__(self, b):
        self.b, self.o = b, 0

    def take(self, n):
        if self.o + n > len(self.b):
            raise ValueError("truncated payload")
        r = self.b[self.o:self.o + n]
        self.o += n
        return r

    def u8(self):
        return self.take(1)[0]

    def u16(self):
        return struct.unpack(">H", self.take(2))[0]

    def u32(self):
        return struct.unpack(">I", self.take(4))[0]

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def u64(self):
        return struct.unpack(">Q", self.take(8))[0]

    def i64(self):
        return struct.unpack(">q", self.take(8))[0]

    def str(self):
        return self.take(self.u32()).decode()

    def value(self):
        t = self.u8()
        if t == T_NULL:
            return None
        if t in (T_INT, T_TIME):
            return self.i64()
        if t == T_REAL:
            return struct.unpack(">d", self.take(8))[0]
        if t == T_BOOL:
            return bool(self.u8())
        if t in (T_TEXT, T_JSON, T_DECIMAL):
            return self.str()
        if t == T_DURATION:  # (months, microseconds)
            months = struct.unpack(">i", self.take(4))[0]
            return (months, self.i64())
        raise ValueError("unknown tag %d" % t)


class ServerError(Exception):
    def __init__(self, code, line, col, msg, req):
        super().__init__("%d %s" % (code, msg))
        self.code, self.line, self.col, self.msg, self.req = \
            code, line, col, msg, req


class Conn:
    def __init__(self, port, host="127.0.0.1", timeout=20, tls_ca=None):
        raw = socket.create_connection((host, port), timeout=timeout)
        if tls_ca is not None:
            ctx = ssl.create_default_context(cafile=tls_ca)
            ctx.check_hostname = False
            raw = ctx.wrap_socket(raw, server_hostname="localhost")
        self.sock, self.buf, self.req = raw, b"", 0

    def next_req(self):
        self.req += 1
        return self.req

    def send(self, data):
        self.sock.sendall(data)

    def recv_frame(self):
        """(type, req, payload) or None at end of stream."""
        while True:
            if len(self.buf) >= 4:
                (n,) = struct.unpack(">I", self.buf[:4])
                if len(self.buf) >= 4 + n:
                    f, self.buf = self.buf[:4 + n], self.buf[4 + n:]
                    return f[4], struct.unpack(">I", f[6:10])[0], f[10:]
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk

    def expect(self, want, req=None):
        f = self.recv_frame()
        if f is None:
            raise ConnectionError("server closed the connection")
        t, r, p = f
        if t == ERROR:
            raise error_of(p, r)
        if t != want or (req is not None and r != req):
            raise ValueError("expected 0x%x for %s, got 0x%x for %d" %
                             (want, req, t, r))
        return p

    def hello(self, lo=1, hi=1):
        req = self.next_req()
        self.send(frame(HELLO, req, b"CRDO" + struct.pack(">HH", lo, hi) +
                        s("wire.py")))
        return self.expect(READY, req)

    def login(self, user, password, hi=1):
        self.hello(1, hi)
        req = self.next_req()
        self.send(frame(AUTH, req, s(user) + s(password)))
        r = Reader(self.expect(AUTH_OK, req))
        return r.str(), r.u8()

    def results(self, req):
        """Rows of all result sets of a request, until DONE."""
        rows = []
        while True:
            f = self.recv_frame()
            if f is None:
                raise ConnectionError("server closed the connection")
            t, r, p = f
            if r != req:
                raise ValueError("reply for request %d, waiting %d" % (r, req))
            if t == ERROR:
                raise error_of(p, r)
            if t == ROWS:
                rd = Reader(p)
                ncols, nrows = rd.u16(), rd.u32()
                for _ in range(nrows):
                    rows.append(tuple(rd.value() for _ in range(ncols)))
            elif t == DONE:
                return rows
            elif t != COLUMNS:
                raise ValueError("unexpected frame 0x%x" % t)

    def query(self, sql, tz=0):
        req = self.next_req()
        self.send(frame(QUERY, req, struct.pack(">i", tz) + s(sql)))
        return self.results(req)

    def prepare(self, sql):
        req = self.next_req()
        self.send(frame(PREPARE, req, struct.pack(">i", 0) + s(sql)))
        rd = Reader(self.expect(PREPARED, req))
        return rd.u32()

    def execute_frame(self, stmt, params, req):
        body = struct.pack(">IiH", stmt, 0, len(params))
        return frame(EXECUTE, req, body + b"".join(value(v) for v in params))

    def execute(self, stmt, params=()):
        req = self.next_req()
        self.send(self.execute_frame(stmt, params, req))
        return self.results(req)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def error_of(p, req):
    rd = Reader(p)
    return ServerError(rd.i32(), rd.u32(), rd.u32(), rd.str(), req)


def closed_with_error(c, code):
    """Reads until the server closes; True when an ERROR with `code` and
    request 0 came first."""
    seen = False
    try:
        while True:
            f = c.recv_frame()
            if f is None:
                return seen
            if f[0] == ERROR and f[1] == 0 and error_of(f[2], 0).code == code:
                seen = True
    except (ConnectionError, OSError):
        return seen


# ------------------------------------------------------------ scenarios
# Each takes (port, user, password) and returns (ok, what it saw).

CREDO_AUTH, CREDO_PROTOCOL, CREDO_LIMIT, CREDO_CANCELLED = -20, -21, -22, -23


def sc_garbage(port, user=None, pw=None):
    c = Conn(port)
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + bytes(range(256)))
    ok = closed_with_error(c, CREDO_PROTOCOL) or True  # may be LIMIT
    c.close()
    return ok, "garbage: connection closed"


def sc_garbage_after_auth(port, user=None, pw=None):
    c = Conn(port)
    c.login(user, pw)
    c.send(struct.pack(">IBBI", 6, 0x42, 0, 1))  # unknown frame type
    ok = closed_with_error(c, CREDO_PROTOCOL)
    return ok, "unknown frame type after auth -> PROTOCOL error and close"


def sc_truncated(port, user=None, pw=None):
    c = Conn(port)
    c.login(user, pw)
    # A QUERY whose payload is shorter than its own str length says.
    bad = struct.pack(">i", 0) + struct.pack(">I", 100) + b"SELECT"
    req = c.next_req()
    c.send(frame(QUERY, req, bad))
    try:
        c.results(req)
        return False, "truncated payload accepted"
    except ServerError as e:
        if e.code != CREDO_PROTOCOL:
            return False, "truncated payload: code %d" % e.code
    rows = c.query("SHOW TYPES;")  # the connection is still usable
    c.close()
    return True, "truncated payload -> PROTOCOL error, connection usable " \
        "(%d types)" % len(rows)


def sc_truncated_frame(port, user=None, pw=None):
    c = Conn(port, timeout=30)
    c.login(user, pw)
    c.send(struct.pack(">IBBI", 100, QUERY, 0, 7) + b"\0\0\0\0")  # then stop
    ok = closed_with_error(c, CREDO_LIMIT)  # idle timeout cuts it
    return ok, "frame cut short -> idle timeout ERROR and close"


def sc_oversized(port, user=None, pw=None):
    c = Conn(port)
    c.login(user, pw)
    c.send(struct.pack(">IBBI", 64 << 20, QUERY, 0, 9))
    ok = closed_with_error(c, CREDO_LIMIT)
    return ok, "oversized frame -> LIMIT error and close"


def sc_slow(port, user=None, pw=None):
    """Sends a HELLO one byte a second: the auth timeout must cut it."""
    c = Conn(port, timeout=60)
    data = frame(HELLO, 1, b"CRDO" + struct.pack(">HH", 1, 1) + s("slow"))
    t0 = time.time()
    try:
        for b in data * 10:
            c.send(bytes([b]))
            time.sleep(1)
            if time.time() - t0 > 40:
                break
    except OSError:
        pass
    ok = closed_with_error(c, CREDO_LIMIT)
    return ok, "one byte a second -> cut off by the auth timeout"


def sc_idle(port, user=None, pw=None):
    c = Conn(port, timeout=60)
    c.login(user, pw)
    ok = closed_with_error(c, CREDO_LIMIT)
    return ok, "idle session -> LIMIT idle timeout and close"


def sc_auth_timeout(port, user=None, pw=None):
    c = Conn(port, timeout=60)
    ok = closed_with_error(c, CREDO_LIMIT)
    return ok, "silent client -> LIMIT authentication timeout and close"


def sc_bad_version(port, user=None, pw=None):
    c = Conn(port)
    try:
        c.hello(7, 9)
        return False, "version 7..9 accepted"
    except ServerError as e:
        return e.code == -24, "version 7..9 -> code %d %s" % (e.code, e.msg)


def frames_of(c, req):
    """Frame types answering request `req`, up to its DONE or ERROR, and
    the NOTICE messages among them."""
    types, notices = [], []
    while True:
        t, r, p = c.recv_frame()
        if r != req:
            raise ValueError("reply for request %d, waiting %d" % (r, req))
        types.append(t)
        if t == NOTICE:
            rd = Reader(p)
            notices.append(rd.str())
            if rd.o != len(p):
                raise ValueError("NOTICE with bytes left over")
        if t in (DONE, ERROR):
            return types, notices


def sc_notice(port, user, pw, sql):
    """`sql` (an AS OF before the first transaction) gets a NOTICE just
    before DONE on a version-2 connection, for QUERY and EXECUTE, and
    none on a version-1 connection, whose frames stay as version 1 had
    them."""
    seen = []
    for hi in (1, 2):
        c = Conn(port)
        ver = Reader(c.hello(1, hi)).u16()
        req = c.next_req()
        c.send(frame(AUTH, req, s(user) + s(pw)))
        c.expect(AUTH_OK, req)
        req = c.next_req()
        c.send(frame(QUERY, req, struct.pack(">i", 0) + s(sql)))
        tq, nq = frames_of(c, req)
        stmt = c.prepare(sql)
        req = c.next_req()
        c.send(c.execute_frame(stmt, (), req))
        te, ne = frames_of(c, req)
        c.close()
        seen.append("v%d: QUERY %s EXECUTE %s" % (
            ver, [hex(t) for t in tq], [hex(t) for t in te]))
        if ver != hi:
            return False, "asked for at most %d, got %d" % (hi, ver)
        if hi == 1 and (NOTICE in tq or NOTICE in te):
            return False, "NOTICE sent to a version-1 client: " + seen[-1]
        if hi == 2 and not (tq[-2:] == [NOTICE, DONE] and
                            te[-2:] == [NOTICE, DONE] and
                            "VISIBLE AT" in nq[0] and nq == ne):
            return False, "no NOTICE before DONE: %s %s" % (seen[-1], nq)
    return True, "; ".join(seen) + "; " + nq[0]


def sc_pipeline(port, user=None, pw=None):
    c = Conn(port)
    c.login(user, pw)
    st = c.prepare("SELECT count(*) AS n FROM types")
    reqs = [c.next_req() for _ in range(200)]
    c.send(b"".join(c.execute_frame(st, (), r) for r in reqs))
    for r in reqs:
        rows = c.results(r)
        if len(rows) != 1:
            return False, "pipelined request %d: %r" % (r, rows)
    return True, "200 pipelined EXECUTEs answered in order"


def sc_cancel_queued(port, user=None, pw=None):
    """EXECUTE then CANCEL of a later pipelined EXECUTE before it runs."""
    c = Conn(port)
    c.login(user, pw)
    st = c.prepare("SELECT count(*) AS n FROM types")
    a, b = c.next_req(), c.next_req()
    c.send(c.execute_frame(st, (), a) + c.execute_frame(st, (), b) +
           frame(CANCEL, c.next_req(), struct.pack(">I", b)))
    c.results(a)
    try:
        c.results(b)
        return True, "cancel arrived late (allowed: best effort)"
    except ServerError as e:
        return e.code == CREDO_CANCELLED, "queued request cancelled: %s" % \
            e.msg


def sc_backup(port, user=None, pw=None):
    """BACKUP: contiguous BACKUP_DATA chunks of an LMDB file, BACKUP_END
    with their size; a BACKUP with a payload is a request error; the
    connection stays usable."""
    c = Conn(port, timeout=60)
    c.login(user, pw)
    req = c.next_req()
    c.send(frame(BACKUP, req))
    data, chunks = b"", 0
    while True:
        f = c.recv_frame()
        if f is None or f[1] != req:
            return False, "unexpected frame %r" % (f and f[:2],)
        if f[0] == ERROR:
            raise error_of(f[2], req)
        rd = Reader(f[2])
        if f[0] == BACKUP_END:
            size, digest = rd.u64(), rd.take(16)
            break
        off, _estimate, n = rd.u64(), rd.u64(), rd.u32()
        if f[0] != BACKUP_DATA or off != len(data) or not 1 <= n <= 1 << 20:
            return False, "bad chunk at %d (offset %d, %d bytes)" % (
                len(data), off, n)
        data += rd.take(n)
        chunks += 1
    lmdb_magic = data[16:20] == struct.pack("<I", 0xBEEFC0DE)
    bad = c.next_req()
    c.send(frame(BACKUP, bad, b"x"))
    try:
        c.expect(OK, bad)
        return False, "a BACKUP with a payload was answered OK"
    except ServerError as e:
        refused = e.code == CREDO_PROTOCOL
    ping = c.next_req()
    c.send(frame(PING, ping))
    c.expect(OK, ping)
    ok = size == len(data) > 0 and lmdb_magic and len(digest) == 16 and refused
    return ok, "%d bytes in %d chunks, LMDB magic %s, payload refused %s" % (
        len(data), chunks, lmdb_magic, refused)


def sc_backup_abandoned(port, user=None, pw=None):
    """A client that asks for a BACKUP and hangs up: the server goes on
    serving others."""
    for _ in range(3):
        c = Conn(port)
        c.login(user, pw)
        c.send(frame(BACKUP, c.next_req()))
        c.close()
    c = Conn(port)
    c.login(user, pw)
    rows = c.query("SELECT count(*) AS n FROM types")
    return len(rows) == 1, "after 3 abandoned backups: %r" % (rows,)


def sc_cancel_running(port, user=None, pw=None):
    """CANCEL of an aggregate already running: it yields no row until it
    has scanned the whole store, so only a check inside the step can stop
    it. Tries a few delays; ok when one run ends CANCELLED "statement
    cancelled" (not "before it started"). It sums length(ref): `ref` is
    not in the projection, so the aggregate reads every row (the batch
    path answers sum(data.amount_wan) in a few ms, before any CANCEL)."""
    c = Conn(port, timeout=60)
    c.login(user, pw)
    seen = []
    for delay in (0.01, 0.003, 0.03, 0.001, 0.1):
        req = c.next_req()
        c.send(frame(QUERY, req, struct.pack(">i", 0) +
                     s("SELECT count(*) AS n, sum(length(ref)) AS t "
                       "FROM events INCLUDE HIDDEN")))
        time.sleep(delay)
        c.send(frame(CANCEL, c.next_req(), struct.pack(">I", req)))
        try:
            c.results(req)
            seen.append("done")
        except ServerError as e:
            seen.append(e.msg)
            if e.code == CREDO_CANCELLED and e.msg == "statement cancelled":
                return True, "cancelled after %g s: %r" % (delay, seen)
    return False, "never stopped inside the step: %r" % seen


def sc_same_auth_error(port, user=None, pw=None):
    msgs = []
    for u, p in ((user, pw + "x"), ("nosuchuser", pw)):
        c = Conn(port, timeout=30)
        try:
            c.login(u, p)
            return False, "login %s succeeded" % u
        except ServerError as e:
            msgs.append((e.code, e.msg))
        c.close()
    same = msgs[0] == msgs[1] and msgs[0][0] == CREDO_AUTH
    return same, "wrong password / unknown user: %r" % msgs


def sc_ping(port, user=None, pw=None):
    c = Conn(port)
    c.login(user, pw)
    req = c.next_req()
    c.send(frame(PING, req))
    c.expect(OK, req)
    req = c.next_req()
    c.send(frame(BYE, req))
    c.expect(OK, req)
    return c.recv_frame() is None, "PING -> OK, BYE -> OK and close"


def prepared_names(port, user, pw, hi):
    """PREPARE a statement with :a and :b on a version-`hi` connection;
    the names after PREPARED's coldescs, None when the frame ends there."""
    c = Conn(port)
    c.login(user, pw, hi)
    req = c.next_req()
    c.send(frame(PREPARE, req, struct.pack(">i", 0) +
                 s("SELECT id FROM events WHERE id = :a OR id = :b")))
    rd = Reader(c.expect(PREPARED, req))
    rd.u32(), rd.u32()
    nparams, ncols = rd.u16(), rd.u16()
    for _ in range(ncols):
        rd.str(), rd.u8()
    names = None
    if rd.o < len(rd.b):
        names = [rd.str() for _ in range(nparams)]
    c.close()
    return names, rd.o == len(rd.b)


def sc_pnames(port, user=None, pw=None):
    v1, end1 = prepared_names(port, user, pw, 1)
    v2, end2 = prepared_names(port, user, pw, 2)
    ok = v1 is None and end1 and v2 == [":a", ":b"] and end2
    return ok, "PREPARED names: version 1 %r, version 2 %r" % (v1, v2)


def sc_max_conn(port, user=None, pw=None):
    """Opens connections until the server refuses one with LIMIT."""
    held = []
    try:
        for _ in range(64):
            c = Conn(port)
            c.login(user, pw)
            held.append(c)
    except ServerError as e:
        return e.code == CREDO_LIMIT, "connection %d refused: %s" % \
            (len(held) + 1, e.msg)
    finally:
        for c in held:
            c.close()
    return False, "64 connections accepted"


def sc_max_rows(port, user=None, pw=None):
    c = Conn(port)
    c.login(user, pw)
    try:
        c.query("SELECT id FROM events;")
        return False, "no max rows error"
    except ServerError as e:
        return e.code == CREDO_LIMIT and "max rows" in e.msg, e.msg


def sc_tls(port, user, pw, ca):
    c = Conn(port, tls_ca=ca)
    c.login(user, pw)
    rows = c.query("SELECT count(*) AS n FROM types;")
    return len(rows) == 1 and rows[0][0] >= 1, "TLS query -> %r" % rows


def sc_shell_prompt(port, credo, password):
    """The credo shell on a terminal asks for the password, echo off."""
    import os
    import pty
    import ptyread
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.pop("CREDO_PASSWORD", None)
        os.execv(credo, [credo, "credo://root@127.0.0.1:%d" % port, "-c",
                         "SHOW TYPES;"])
    sent = []

    def answer(out):
        if not sent and b"password for" in out:
            os.write(fd, password.encode() + b"\n")
            sent.append(True)
    out = ptyread.read_until(fd, time.time() + 20, answer)
    sent = bool(sent)
    for _ in range(50):  # at most 5 s more for it to exit
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.1)
    else:  # still waiting for something: a failure, not a hang
        os.kill(pid, 9)
        _, st = os.waitpid(pid, 0)
    ok = sent and os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0 and b"penalty_general" in out \
        and password.encode() not in out
    return ok, "prompted=%s exit=%d echoed=%s" % (
        sent, os.WEXITSTATUS(st), password.encode() in out)


SCENARIOS = {n[3:]: f for n, f in globals().items() if n.startswith("sc_")}

if __name__ == "__main__":
    name, port = sys.argv[1], int(sys.argv[2])
    args = sys.argv[3:]
    try:
        ok, what = SCENARIOS[name](port, *args)
    except Exception as e:  # any surprise is a failure, said plainly
        ok, what = False, "%s: %s" % (type(e).__name__, e)
    print(("ok   " if ok else "FAIL ") + name + ": " + what)
    sys.exit(0 if ok else 1)
