#!/usr/bin/env python3
"""corrupt.py -- the corruption campaign of `credo check` (issue 14, item 2).

Builds a real store (credo gen | credo import, then corrections, repairs
and retractions: 41 corrections, about 45 repairs, 3 retractions, so that
`versions` holds data and its pages get damaged too), compacts it (credo backup, so that nearly every
page holds live data), records what it holds (`credo export --history`),
then RUNS times: copies the data file, damages it at a random place (one
flipped bit, a random byte, 4-64 random bytes, or 64 zeroed bytes), and
runs `credo check` and `credo export --history` on the copy.

Asserts, every run:
  - `credo check` exits 0 (clean) or 1 (problems): never killed by a signal,
    never another status, never a hang (timeout);
  - when the damage changed what the store holds (the export differs, or
    export fails or crashes), check exits 1: every content change is
    reported.

Usage: python3 tests/corrupt.py [--runs N] [--seed S] [--build DIR]
Prints one summary line; on a failure, the run, the damage and the outputs,
and keeps the damaged copy. Exit 0 / 1.
"""
import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile

TIMEOUT = 60  # seconds for one check or export of the small store


def run(cmd, **kw):
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, **kw)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return "timeout", b"", b""


def build_store(credo, tmp):
    env = dict(os.environ, CREDO_PROGRESS="never")
    rc, gen, err = run([credo, "gen", "--subjects", "120", "--seed", "7"], env=env)
    assert rc == 0, err
    src = os.path.join(tmp, "in.jsonl")
    with open(src, "wb") as f:
        f.write(gen)
    live = os.path.join(tmp, "live")
    rc, out, err = run([credo, "import", live, src], env=env)
    assert rc == 0, (out, err)
    # later versions, so that `versions` holds data too: corrections,
    # repairs (of the records public now and repairable) and retractions
    fixes = ["CORRECT EVENT %d SET data.corrected = %d, data.note = 'v2 of "
             "%d' REASON 'campaign';" % (i, i, i) for i in range(10, 410, 10)]
    fixes.append("CORRECT EVENT 20 SET data.corrected = 2020 REASON 'again';")
    fixes.append("REPAIR EVENTS WHERE public AND id % 2 = 0 REASON 'campaign';")
    fixes += ["RETRACT EVENT %d REASON 'campaign';" % i for i in (15, 25, 35)]
    rc, out, err = run([credo, live, "-c", "\n".join(fixes)], env=env)
    assert rc == 0, (out, err)
    rc, hist, err = run([credo, "export", live, "--history"], env=env)
    for op in ("correct", "repair", "retract"):
        assert hist.count(b'"op":"%s"' % op.encode()) > 0, (op, err)
    bak = os.path.join(tmp, "bak")
    rc, out, err = run([credo, "backup", live, bak], env=env)
    assert rc == 0, (out, err)
    return os.path.join(bak, "data.mdb")


def damage(buf, rng):
    n = len(buf)
    kind = rng.choice(["bit", "bit", "byte", "bytes", "zero"])
    at = rng.randrange(n)
    if kind == "bit":
        buf[at] ^= 1 << rng.randrange(8)
    elif kind == "byte":
        buf[at] = rng.randrange(256)
    elif kind == "bytes":
        ln = rng.randint(4, 64)
        for i in range(at, min(n, at + ln)):
            buf[i] = rng.randrange(256)
    else:
        for i in range(at, min(n, at + 64)):
            buf[i] = 0
    return "%s at %d" % (kind, at)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=500)
    ap.add_argument("--seed", type=int, default=int.from_bytes(os.urandom(4), "little"))
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"))
    a = ap.parse_args()
    credo = os.path.abspath(os.path.join(a.build, "bin", "credo"))
    tmp = tempfile.mkdtemp(prefix="credo-corrupt-")
    env = dict(os.environ, CREDO_PROGRESS="never")
    try:
        data = open(build_store(credo, tmp), "rb").read()
        truth_dir = os.path.join(tmp, "truth")
        os.mkdir(truth_dir)
        open(os.path.join(truth_dir, "data.mdb"), "wb").write(data)
        rc, truth, err = run([credo, "export", truth_dir, "--history"], env=env)
        assert rc == 0 and truth, err
        rc, out, err = run([credo, "check", truth_dir], env=env)
        assert rc == 0, (out, err)
        rng = random.Random(a.seed)
        changed = reported = 0
        for i in range(a.runs):
            d = os.path.join(tmp, "run")
            shutil.rmtree(d, ignore_errors=True)
            os.mkdir(d)
            buf = bytearray(data)
            what = damage(buf, rng)
            open(os.path.join(d, "data.mdb"), "wb").write(buf)
            crc, cout, cerr = run([credo, "check", d], env=env)
            erc, eout, _ = run([credo, "export", d, "--history"], env=env)
            content_changed = erc != 0 or eout != truth
            bad = None
            if crc not in (0, 1):
                bad = "check did not exit 0 or 1 (%s%s)" % (
                    crc, "" if crc == "timeout" or crc >= 0 else ", signal %s" %
                    signal.Signals(-crc).name)
            elif content_changed and crc != 1:
                bad = "the content changed (export %s) but check said clean" % (
                    "failed" if erc != 0 else "differs")
            if bad:
                keep = os.path.join(tempfile.gettempdir(), "credo-corrupt-fail-%d" % os.getpid())
                shutil.rmtree(keep, ignore_errors=True)
                shutil.copytree(d, keep)
                print("corrupt.py: FAILED run %d of %d (seed %d, %s): %s\n"
                      "check stdout:\n%s\ncheck stderr:\n%s\nkept in %s" % (
                          i + 1, a.runs, a.seed, what, bad, cout.decode(errors="replace")[-2000:],
                          cerr.decode(errors="replace")[-2000:], keep))
                return 1
            changed += content_changed
            reported += crc == 1
        print("corrupt.py: %d runs (seed %d, %d-byte store): 0 crashes, %d changed the "
              "content, all reported; check reported %d" % (
                  a.runs, a.seed, len(data), changed, reported))
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
