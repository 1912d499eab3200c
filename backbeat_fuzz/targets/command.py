"""``cmd:`` targets: a program run once per message, with the message on its stdin.

Exit code 0 means accepted, any other exit code rejected; a program killed by a signal
crashed, and one still running at the timeout hangs. A shell that reports a child's signal as
exit code 128+N is taken at its word: rejected.

The program runs in a process group of its own, killed whole when the program exits or hangs,
so nothing it started outlives the call. One deadline covers writing the message, reading
stderr and the exit; once the program has exited, its stderr gets :data:`LINGER` seconds more,
so a background child that holds stderr open cannot hold the call. Of stderr only the last
:data:`MAX_STDERR` bytes are kept, however much the program writes.

Signatures (the stderr line that names the cause, masked with
:func:`~backbeat_fuzz.signature.mask`): ``exit code 3: bad hlc <str>``,
``killed by SIGSEGV: <the last stderr line>``, or the bare exit (``exit code 2``) when stderr is
empty. The line is the last one that is not a stack frame or a runtime's trailer
(:func:`~backbeat_fuzz.signature.cause_line`): ``Error: bad hlc`` for a Node.js program that
died of it, not the ``Node.js v20.20.2`` it ends with. A hang is signed ``hang``: nothing
from outside tells its causes apart, so they are one.
"""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import time
from typing import Any

from ..defaults import DEFAULT_TIMEOUT
from ..model import Verdict
from ..signature import MAX_REASON, cause_line, mask
from ._group import POLL, has_exited, kill_group, open_pidfd
from ._program import split_command
from .base import InputMode, Response, Target, describe_exit

__all__ = ["CommandTarget"]

#: How much of the program's last stderr line a response's detail quotes.
MAX_QUOTE = 200
#: Bytes of stderr kept: the last ones, where the reason is.
MAX_STDERR = 64 * 1024
#: Lines (and characters) of stderr a response's output shows: its last ones.
OUTPUT_LINES = 10
MAX_OUTPUT = 4000
#: Seconds stderr may stay open once the program has exited.
LINGER = 0.1
#: Bytes written to the program's stdin or read from its stderr at a time.
CHUNK = 65536


def _response(returncode: int, stderr: bytes, elapsed: float) -> Response:
    """The verdict, detail, signature and output of a program that exited."""
    how = describe_exit(returncode)
    written = stderr.decode("utf-8", "backslashreplace").splitlines()
    lines = [line.strip() for line in written if line.strip()]
    last = cause_line(written)
    quoted = last if len(last) <= MAX_QUOTE else last[:MAX_QUOTE] + "..."
    detail = f"{how} (stderr: {quoted})" if last else how
    if returncode == 0:
        return Response(Verdict.ACCEPTED, detail, elapsed)
    signature = f"{how}: {mask(last, MAX_REASON)}" if last else how
    output = "\n".join(lines[-OUTPUT_LINES:])[-MAX_OUTPUT:]
    verdict = Verdict.CRASH if returncode < 0 else Verdict.REJECTED
    return Response(verdict, detail, elapsed, signature[:MAX_REASON], None, output)


class _Run:
    """One run's pipes: the message fed to stdin, the end of stderr kept, the exit watched."""

    def __init__(self, proc: subprocess.Popen[bytes], data: bytes) -> None:
        assert proc.stdin is not None and proc.stderr is not None
        self.proc = proc
        self.stderr = bytearray()
        self.exited = False
        self._data = memoryview(data)
        self._stdin: int | None = proc.stdin.fileno()
        self._err: int | None = proc.stderr.fileno()
        self._pidfd = open_pidfd(proc.pid)
        os.set_blocking(self._stdin, False)
        if not data:
            self._close_stdin()

    def _close_stdin(self) -> None:
        assert self.proc.stdin is not None
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        self._stdin = None

    def _write(self) -> None:
        assert self._stdin is not None
        try:
            self._data = self._data[os.write(self._stdin, self._data[:CHUNK]) :]
        except BlockingIOError:
            return
        except OSError:  # it stopped reading (EPIPE): what it read is what it got
            self._data = self._data[:0]
        if not self._data:
            self._close_stdin()

    def _read(self) -> None:
        assert self._err is not None
        chunk = os.read(self._err, CHUNK)
        if not chunk:
            self._err = None
            return
        self.stderr += chunk
        if len(self.stderr) > MAX_STDERR:
            del self.stderr[:-MAX_STDERR]

    def _step(self, wait: float) -> None:
        readable = [
            fd for fd in (self._err, None if self.exited else self._pidfd) if fd is not None
        ]
        writable = [self._stdin] if self._stdin is not None else []
        if self._pidfd is None:
            wait = min(wait, POLL)
        ready, can_write, _ = select.select(readable, writable, [], wait)
        if can_write:
            self._write()
        if self._err is not None and self._err in ready:
            self._read()
        if not self.exited:
            if self._pidfd is None:
                self.exited = has_exited(self.proc.pid)
            else:
                self.exited = self._pidfd in ready

    def until(self, deadline: float) -> bool:
        """Feed, drain and watch until the program has exited and its stderr is closed (or
        has lingered), or until *deadline*; True when the program exited."""
        linger = deadline
        while not (self.exited and self._err is None):
            now = time.monotonic()
            end = linger if self.exited else deadline
            if now >= end:
                break
            self._step(end - now)
            if self.exited and linger == deadline:
                linger = min(deadline, time.monotonic() + LINGER)
        if self._pidfd is not None:
            os.close(self._pidfd)
        return self.exited


class CommandTarget(Target):
    """A program (``cmd:COMMAND ARGS``, split like a shell would) run once per message.

    Args:
        spec: ``cmd:`` followed by the command line.
        timeout: seconds a run may take before it is a hang.

    Raises:
        UsageError: the command line is empty, badly quoted, or its program cannot be found.
    """

    def __init__(self, spec: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.name = spec
        self.input_mode = InputMode.BYTES
        self.timeout = timeout
        self.argv = split_command(spec, "cmd:")

    def call(self, data: bytes, parsed: Any = None) -> Response:
        """Run the program with *data* on its stdin and judge its exit."""
        start = time.perf_counter()
        deadline = time.monotonic() + self.timeout
        with subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, killed whole
        ) as proc:
            run = _Run(proc, data)
            try:
                exited = run.until(deadline)
            finally:
                kill_group(proc.pid)  # before the wait that reaps it: the group id is its own
        elapsed = time.perf_counter() - start
        if not exited:
            return Response(Verdict.HANG, f"no answer within {self.timeout}s", elapsed, "hang")
        return _response(proc.returncode, bytes(run.stderr), elapsed)

    def close(self) -> None:
        """Nothing to release: each call runs and reaps its own process."""
