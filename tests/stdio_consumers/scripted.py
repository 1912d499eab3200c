"""A stdio: consumer that does what each message tells it, to test the target's plumbing.

It speaks the framing itself (not through an adapter). A message ``verb`` or ``verb:argument``:

- ``digest``-anything-else: answers ``reject len=<n> sha256=<hex>`` of the exact bytes received;
- ``say:LINE``: writes LINE (with ``\\n`` unless it is ``say-raw:``) as its answer;
- ``exit:CODE:TEXT``: writes TEXT to stderr and exits with CODE;
- ``signal:NAME``: kills itself with signal NAME;
- ``hang:PIDFILE``: starts a grandchild that sleeps, writes its pid to PIDFILE, and sleeps;
- ``flood:LINES``: writes LINES lines (or ``flood:raw`` 4 MB without a newline) to stderr,
  then accepts;
- ``late``: accepts, then writes a line on stdout 50 ms later;
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


def act(data: bytes) -> None:
    verb, _, argument = data.partition(b":")
    if verb == b"say":
        answer(argument + b"\n")
    elif verb == b"say-raw":
        answer(argument)
    elif verb == b"exit":
        code, _, text = argument.partition(b":")
        sys.stderr.buffer.write(text)
        sys.stderr.flush()
        os._exit(int(code))
    elif verb == b"signal":
        os.kill(os.getpid(), getattr(signal, argument.decode()))
    elif verb == b"hang":
        child = subprocess.Popen(["sleep", "30"])
        with open(argument, "w") as pidfile:
            pidfile.write(str(child.pid))
        time.sleep(30)
    elif verb == b"flood":
        if argument == b"raw":
            sys.stderr.buffer.write(b"x" * (4 << 20))
        else:
            sys.stderr.buffer.write(b"".join(b"line %d\n" % i for i in range(int(argument))))
        sys.stderr.flush()
        answer(b"accept\n")
    elif verb == b"late":
        answer(b"accept\n")
        threading.Timer(0.05, answer, [b"late line\n"]).start()
    elif verb == b"quit":
        answer(b"accept\n")
        os._exit(0)
    else:
        digest = hashlib.sha256(data).hexdigest()
        answer(b"reject len=%d sha256=%s\n" % (len(data), digest.encode()))


while header := stdin.readline():
    data = stdin.read(int(header))
    assert stdin.read(1) == b"\n", "a message must end with a newline"
    act(data)
