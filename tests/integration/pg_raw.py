#!/usr/bin/env python3
"""pg_raw.py -- the PostgreSQL protocol spoken by hand (no driver), for
what the drivers in pgwire.sh do not exercise: binary result formats of
every type, binary parameters, Execute with a row limit (PortalSuspended)
and named portals. Usage: pg_raw.py PORT USER PASSWORD SUBJECT.
Prints one line per check; exits 1 on the first unexpected answer."""
import base64
import hashlib
import hmac
import json
import os
import socket
import struct
import sys
import datetime

port, user, password, subj = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.create_connection(("127.0.0.1", port), timeout=30)
buf = b""


def send(t, body=b""):
    s.sendall(t + struct.pack(">i", len(body) + 4) + body)


def recv():
    global buf
    while len(buf) < 5 or len(buf) < 1 + struct.unpack(">i", buf[1:5])[0]:
        chunk = s.recv(65536)
        if not chunk:
            raise SystemExit("FAIL connection closed")
        buf += chunk
    n = 1 + struct.unpack(">i", buf[1:5])[0]
    m, buf = buf[:n], buf[n:]
    return m[0:1], m[5:]


def cstr(x):
    return x.encode() + b"\0"


def fail(msg):
    print("FAIL", msg)
    sys.exit(1)


# startup + SCRAM-SHA-256
body = struct.pack(">i", 196608) + cstr("user") + cstr(user) + cstr("database") + cstr("credo") + b"\0"
s.sendall(struct.pack(">i", len(body) + 4) + body)
t, b = recv()
assert t == b"R" and struct.unpack(">i", b[:4])[0] == 10, (t, b)
cnonce = base64.b64encode(os.urandom(18)).decode()
first_bare = "n=,r=" + cnonce
cf = ("n,," + first_bare).encode()
send(b"p", cstr("SCRAM-SHA-256") + struct.pack(">i", len(cf)) + cf)
t, b = recv()
server_first = b[4:].decode()
attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(attrs["s"]), int(attrs["i"]))
ck = hmac.new(salted, b"Client Key", "sha256").digest()
final_wo = "c=biws,r=" + attrs["r"]
am = ",".join([first_bare, server_first, final_wo]).encode()
sig = hmac.new(hashlib.sha256(ck).digest(), am, "sha256").digest()
proof = base64.b64encode(bytes(a ^ b for a, b in zip(ck, sig))).decode()
send(b"p", (final_wo + ",p=" + proof).encode())
t, b = recv()
assert t == b"R" and struct.unpack(">i", b[:4])[0] == 12, (t, b)
ssig = hmac.new(hmac.new(salted, b"Server Key", "sha256").digest(), am, "sha256").digest()
if b[4:].decode() != "v=" + base64.b64encode(ssig).decode():
    fail("server signature does not verify")
print("ok scram: the server proved it knows the verifier")
while True:
    t, b = recv()
    if t == b"Z":
        break

Q = ("SELECT id, subject, occurred, data, public, data.amount AS amount, "
     "public_until FROM events WHERE subject = $1 AND id >= $2 "
     "AND (data.amount >= $3 OR data.amount IS NULL) ORDER BY id "
     "INCLUDE HIDDEN")


def run(result_format):
    """Bind s1 (param 1 text, param 2 binary int8), Describe, Execute all,
    Sync; returns (fields, rows)."""
    send(b"B", cstr("") + cstr("s1") + struct.pack(">hhhh", 3, 0, 1, 1) +
         struct.pack(">h", 3) + struct.pack(">i", len(subj)) + subj.encode() +
         struct.pack(">i", 8) + struct.pack(">q", 1) +
         struct.pack(">i", 8) + struct.pack(">d", 0.5) +
         struct.pack(">hh", 1, result_format))
    send(b"D", b"P\0")
    send(b"E", b"\0" + struct.pack(">i", 0))
    send(b"S")
    fields, rows = [], []
    while True:
        t, b = recv()
        if t == b"T":
            n = struct.unpack(">h", b[:2])[0]
            off = 2
            for _ in range(n):
                e = b.index(b"\0", off)
                oid, _, _, fmt = struct.unpack(">ihih", b[e + 7:e + 19])
                fields.append((b[off:e].decode(), oid, fmt))
                off = e + 19
        elif t == b"D":
            n = struct.unpack(">h", b[:2])[0]
            off, row = 2, []
            for _ in range(n):
                ln = struct.unpack(">i", b[off:off + 4])[0]
                off += 4
                row.append(None if ln < 0 else b[off:off + ln])
                off += max(ln, 0)
            rows.append(row)
        elif t == b"E":
            fail("error: " + repr(b))
        elif t == b"Z":
            return fields, rows


send(b"P", cstr("s1") + cstr(Q) + struct.pack(">hiii", 3, 25, 20, 701))
send(b"S")
t, b = recv()
if t != b"1":
    fail("Parse: " + repr((t, b)))
recv()  # Z
ft, rt = run(0)
fb, rb = run(1)
if not rt or len(rt) != len(rb):
    fail("text %d rows, binary %d rows" % (len(rt), len(rb)))
oids = [f[1] for f in fb]
if oids[:5] != [20, 25, 1184, 3802, 16] or any(f[2] != 1 for f in fb):
    fail("binary RowDescription: %r" % fb)
print("ok binary RowDescription: int8 text timestamptz jsonb bool, format 1")
for tr, br in zip(rt, rb):
    if struct.unpack(">q", br[0])[0] != int(tr[0]):
        fail("int8 %r vs %r" % (br[0], tr[0]))
    if br[1] != tr[1]:
        fail("text")
    us = struct.unpack(">q", br[2])[0]
    when = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(microseconds=us)
    txt = tr[2].decode()
    if not txt.startswith(when.strftime("%Y-%m-%d %H:%M:%S")):
        fail("timestamptz binary %s vs text %s" % (when, txt))
    if br[3][0] != 1 or json.loads(br[3][1:]) != json.loads(tr[3]):
        fail("jsonb %r vs %r" % (br[3], tr[3]))
    if br[4] != (b"\x01" if tr[4] == b"t" else b"\x00"):
        fail("bool")
    if tr[5] is not None:  # as described: float8, jsonb or text
        amt, oid = float(tr[5]), fb[5][1]
        got = (struct.unpack(">d", br[5])[0] if oid == 701 else
               float(br[5][1:]) if oid == 3802 else float(br[5]))
        if got != amt:
            fail("amount (oid %d): %r vs %r" % (oid, br[5], tr[5]))
    if br[6] and struct.unpack(">q", br[6])[0] != 2**63 - 1 and tr[6] == b"infinity":
        fail("open window")
print("ok binary values equal the text values (%d rows)" % len(rb))

# Execute with a row limit: one row per Execute, PortalSuspended between
send(b"B", cstr("p1") + cstr("s1") + struct.pack(">hhhh", 3, 0, 1, 1) +
     struct.pack(">h", 3) + struct.pack(">i", len(subj)) + subj.encode() +
     struct.pack(">i", 8) + struct.pack(">q", 1) +
     struct.pack(">i", 8) + struct.pack(">d", 0.5) + struct.pack(">h", 0))
got, susp = 0, 0
for _ in range(len(rt) + 1):
    send(b"E", cstr("p1") + struct.pack(">i", 1))
send(b"C", b"P" + cstr("p1"))
send(b"S")
while True:
    t, b = recv()
    if t == b"D":
        got += 1
    elif t == b"s":
        susp += 1
    elif t == b"C":
        tag = b[:-1].decode()
    elif t == b"E":
        fail("error in limited Execute: %r" % b)
    elif t == b"Z":
        break
if got != len(rt) or susp != len(rt):
    fail("row limit: %d rows, %d suspensions (want %d)" % (got, susp, len(rt)))
if tag != "SELECT 0":
    fail("the last Execute of a suspended portal says %s" % tag)
print("ok Execute with a row limit: %d PortalSuspended, then %s" % (susp, tag))
send(b"X")
