"""A stdio: consumer that does what each message tells it, to test the target's plumbing.

It speaks the framing itself (not through an adapter). A message ``verb`` or ``verb:argument``:

- anything else: answers ``reject len=<n> sha256=<hex>`` of the exact bytes received;
- ``say:LINE``: writes LINE (with ``\\n`` unless it is ``say-raw:``) as its answer;
- ``exit:CODE:TEXT``: writes TEXT to stderr and exits with CODE;
- ``signal:NAME``: kills itself with signal NAME;
- ``hang:PIDFILE``: starts a grandchild that sleeps, writes its pid to PIDFILE, and sleeps;
- ``flood:LINES``: writes LINES lines (or ``flood:raw`` 4 MB without a newline) to stderr,
  then accepts;
- ``late``: accepts, then writes a line on stdout 50 ms later;
- ``close-stderr``: closes its stderr, then accepts;
- ``ids``: answers ``reject pid=N pgid=N sid=N``, its process, group and session ids;
- ``quit``: accepts, then exits 0.
"""

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time

stdin, stdout = sys.stdin.buffer, sys.stdout.buffer


def answer(line: bytes) -> None:
    stdout.write(line)
    stdout.flush()


def _exit(argument: bytes) -> None:
    code, _, text = argument.partition(b":")
    sys.stderr.buffer.write(text)
    sys.stderr.flush()
    os._exit(int(code))


def _hang(argument: bytes) -> None:
    child = subprocess.Popen(["sleep", "30"])
    with open(argument, "w") as pidfile:
        pidfile.write(str(child.pid))
    time.sleep(30)


def _flood(argument: bytes) -> None:
    if argument == b"raw":
        sys.stderr.buffer.write(b"x" * (4 << 20))
    else:
        sys.stderr.buffer.write(b"".join(b"line %d\n" % i for i in range(int(argument))))
    sys.stderr.flush()
    answer(b"accept\n")


def _late(argument: bytes) -> None:
    answer(b"accept\n")
    threading.Timer(0.05, answer, [b"late line\n"]).start()


def _close_stderr(argument: bytes) -> None:
    os.close(2)
    answer(b"accept\n")


def _ids(argument: bytes) -> None:
    answer(b"reject pid=%d pgid=%d sid=%d\n" % (os.getpid(), os.getpgid(0), os.getsid(0)))


def _quit(argument: bytes) -> None:
    answer(b"accept\n")
    os._exit(0)


VERBS = {
    b"say": lambda argument: answer(argument + b"\n"),
    b"say-raw": answer,
    b"exit": _exit,
    b"signal": lambda argument: os.kill(os.getpid(), getattr(signal, argument.decode())),
    b"hang": _hang,
    b"flood": _flood,
    b"late": _late,
    b"close-stderr": _close_stderr,
    b"ids": _ids,
    b"quit": _quit,
}


def act(data: bytes) -> None:
    verb, _, argument = data.partition(b":")
    if verb in VERBS:
        VERBS[verb](argument)
    else:
        digest = hashlib.sha256(data).hexdigest()
        answer(b"reject len=%d sha256=%s\n" % (len(data), digest.encode()))


while header := stdin.readline():
    data = stdin.read(int(header))
    assert stdin.read(1) == b"\n", "a message must end with a newline"
    act(data)
