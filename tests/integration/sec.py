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
    ok = 0 < hwm < 512 * 1024 and answered == n
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


SCENARIOS = {n[3:]: f for n, f in globals().items() if n.startswith("sc_")}

if __name__ == "__main__":
    name, port = sys.argv[1], int(sys.argv[2])
    try:
        ok, what = SCENARIOS[name](port, *sys.argv[3:])
    except Exception as e:  # any surprise is a failure, said plainly
        ok, what = False, "%s: %s" % (type(e).__name__, e)
    print(("ok   " if ok else "FAIL ") + name + ": " + what)
    sys.exit(0 if ok else 1)
