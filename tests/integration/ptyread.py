"""ptyread.py -- reading a program on a pseudo-terminal for the shell
scenarios of the integration tests (sec.py, wire.py): what it writes is
collected until it closes the terminal or a deadline passes, and a
callback may answer what it has seen so far (a password prompt).

Does not: start the program (the scenario forks it with pty.fork, with
its own environment) or wait for it to exit.
"""
import os
import select
import time


def read_until(fd, end, answer=None):
    """The bytes read from `fd` until end of file or time.time() >= end;
    after each wait, answer(out) (when given) sees everything so far."""
    out = b""
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                break
            if not d:
                break
            out += d
        if answer:
            answer(out)
    return out
