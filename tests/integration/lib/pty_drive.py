#!/usr/bin/env python3
# pty_drive.py -- runs a program on a pseudo-terminal of a given size and
# plays a dialogue with it, as a user at a terminal would: for the shell's
# interactive tests (Ctrl-C, TAB completion, the pager, \x).
#
# usage: pty_drive.py ROWS COLS STEPS_FILE -- PROGRAM ARGS...
# STEPS_FILE holds one step per line (blank lines and '#' lines skipped):
#   send TEXT      write TEXT (Python string escapes: \n \t \x03 ...)
#   expect REGEX   wait (at most 60 s) until the output so far, with CRs
#                  removed, matches REGEX after the point of the last match
#   signal NAME    send a signal (e.g. INT) to the program
#   pause SECONDS  wait before the next step (only to let a statement
#                  start; never part of what is checked)
#   eof            close the terminal's input side (Ctrl-D is "send \x04")
# The whole output (CRs removed) is written to stdout at the end. Exits 0
# when every expect matched and the program ended by itself within 60 s of
# the last step, 1 otherwise (saying which step failed on stderr).
import os, pty, re, select, signal, struct, sys, termios, fcntl, time

def main():
    rows, cols, steps_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    argv = sys.argv[sys.argv.index("--") + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    out = bytearray()
    mark = 0

    def pump(timeout):
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            return True
        try:
            data = os.read(fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        out.extend(data)
        return True

    def text():
        return out.decode("utf-8", "replace").replace("\r", "")

    ok = True
    for n, line in enumerate(open(steps_file, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        op, _, arg = line.partition(" ")
        if op == "send":
            data = arg.encode("utf-8").decode("unicode_escape").encode(
                "latin-1")
            for i in range(0, len(data), 256):  # read the echo meanwhile
                os.write(fd, data[i:i + 256])
                pump(0.01)
        elif op == "expect":
            rx = re.compile(arg, re.M)
            end = time.time() + 60
            m = None
            while time.time() < end:
                m = rx.search(text(), mark)
                if m:
                    break
                if not pump(0.1):
                    m = rx.search(text(), mark)
                    break
            if not m:
                print(f"pty_drive: step {n}: no match for /{arg}/",
                      file=sys.stderr)
                ok = False
                break
            mark = m.end()
        elif op == "signal":
            os.kill(pid, getattr(signal, "SIG" + arg))
        elif op == "pause":
            end = time.time() + float(arg)
            while time.time() < end:
                pump(0.05)
        elif op == "eof":
            os.write(fd, b"\x04")
        else:
            print(f"pty_drive: step {n}: unknown step {op}", file=sys.stderr)
            ok = False
            break
    end = time.time() + 60
    status = None
    while time.time() < end:
        alive = pump(0.1)
        wpid, st = os.waitpid(pid, os.WNOHANG)
        if wpid:
            status = st
            while pump(0.05):
                pass
            break
        if not alive:
            _, status = os.waitpid(pid, 0)
            break
    if status is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        print("pty_drive: the program did not end", file=sys.stderr)
        ok = False
    elif not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
        print(f"pty_drive: the program ended with status {status:#x}",
              file=sys.stderr)
        ok = False
    sys.stdout.write(text())
    return 0 if ok else 1

sys.exit(main())
