"""A Python target's worker process as the parent sees it: start, exchange, death, stack, stop.

The worker (:mod:`._worker`) runs in a process group of its own, so stopping it kills the whole
group: a consumer that forks leaves no orphans. Its death is noticed through a pidfd
(Linux) even when a child it forked still holds the reply pipe open, so an ``os._exit`` stays a
crash, not a hang. A hanging worker is asked for its stack (:data:`._worker.DUMP_SIGNAL`, which
:mod:`faulthandler` answers on a pipe of its own) before it is killed; a worker killed by a
fatal signal leaves its stack on the same pipe. Every read is bounded.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import time
from typing import Any, NamedTuple

from . import _worker
from ._group import POLL, exit_within, has_exited, kill_group, open_pidfd

#: Seconds a worker may take to exit after its input is closed.
EXIT_GRACE = 1.0
#: Seconds a signalled worker may take to start writing its stack, and the pause that ends it.
DUMP_GRACE = 0.5
DUMP_QUIET = 0.05
#: Bytes of a stack dump kept (100 frames of each of a few threads).
MAX_DUMP = 64 * 1024


class NoAnswer(Exception):
    """The worker did not answer before the deadline."""


class Died(Exception):
    """The worker exited or was killed."""


class Ended(NamedTuple):
    """How a worker ended: its exit code (negative: a signal) and any stack it dumped."""

    returncode: int
    stack: str


class WorkerProcess:
    """One worker process: its pipes, its pidfd, its stack-dump pipe.

    Args:
        argv: the command line that runs :func:`._worker.main`, without its config.
        config: the worker's config (:func:`._worker.main`) but its ``dump_fd``, added here.
    """

    def __init__(self, argv: list[str], config: dict[str, Any]) -> None:
        dump_read, dump_write = os.pipe()
        os.set_blocking(dump_read, False)
        try:
            self.proc = subprocess.Popen(
                [*argv, json.dumps({**config, "dump_fd": dump_write})],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                bufsize=0,
                # Its own process group, killed whole. Not its own session: a session is a
                # scheduler autogroup on Linux, and waking a worker in another autogroup made
                # each round trip several times slower on a busy machine.
                process_group=0,
                pass_fds=(dump_write,),
            )
        except BaseException:
            os.close(dump_read)
            raise
        finally:
            os.close(dump_write)
        self._dump = dump_read
        self._pidfd = open_pidfd(self.proc.pid)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._in = self.proc.stdin.fileno()
        self._out = self.proc.stdout.fileno()

    # -- talking to it ----------------------------------------------------------------------

    def send(self, request: bytes) -> None:
        """Write one request whole; a worker that is gone raises :class:`Died`."""
        view = memoryview(request)
        try:
            while view:
                view = view[os.write(self._in, view) :]
        except BrokenPipeError:
            raise Died from None

    def _wait(self, deadline: float) -> bool:
        """Wait for reply bytes: True when there are some, False when the worker died."""
        fds = [self._out] if self._pidfd is None else [self._out, self._pidfd]
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise NoAnswer
            wait = remaining if self._pidfd is not None else min(remaining, POLL)
            ready = select.select(fds, [], [], wait)[0]
            if self._out in ready:
                return True
            if ready or (self._pidfd is None and has_exited(self.proc.pid)):
                return False

    def reply(self, deadline: float) -> tuple[int, bytes]:
        """Read one reply (code, body) before *deadline*: :class:`NoAnswer` or :class:`Died`."""
        buffer = b""
        size = None
        while size is None or len(buffer) < _worker.REPLY.size + size:
            chunk = os.read(self._out, 65536) if self._wait(deadline) else b""
            if not chunk:
                raise Died
            buffer += chunk
            if size is None and len(buffer) >= _worker.REPLY.size:
                size = _worker.REPLY.unpack_from(buffer)[1]
        return buffer[0], buffer[_worker.REPLY.size : _worker.REPLY.size + size]

    # -- its stack --------------------------------------------------------------------------

    def _read_dump(self, limit: int) -> bytes:
        """What the dump pipe holds now, up to *limit* bytes."""
        chunks, size = [], 0
        while size < limit:
            try:
                chunk = os.read(self._dump, limit - size)
            except BlockingIOError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)

    def stack(self) -> str:
        """Ask the (hanging) worker for every thread's stack; '' if it does not answer."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, _worker.DUMP_SIGNAL)
        dump = b""
        wait = DUMP_GRACE
        while len(dump) < MAX_DUMP and select.select([self._dump], [], [], wait)[0]:
            more = self._read_dump(MAX_DUMP - len(dump))
            if not more:
                break
            dump += more
            wait = DUMP_QUIET  # the dump is written at once: a pause means it is complete
        return dump.decode("utf-8", "backslashreplace")

    # -- ending it --------------------------------------------------------------------------

    def stop(self, *, kill: bool) -> Ended:
        """End the worker and everything in its process group; release every descriptor.

        Without *kill*, its input is closed and it gets :data:`EXIT_GRACE` seconds to exit.
        The group is killed before the worker is reaped, while its id cannot be reused.
        """
        if kill:
            kill_group(self.proc.pid)
        assert self.proc.stdin is not None
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        if not kill:
            exit_within(self.proc.pid, self._pidfd, EXIT_GRACE)
        kill_group(self.proc.pid)  # what is left: a worker that would not exit, or what it forked
        returncode = self.proc.wait()
        stack = self._read_dump(MAX_DUMP).decode("utf-8", "backslashreplace")
        for fd in (self._dump, self._pidfd):
            if fd is not None:
                os.close(fd)
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        return Ended(returncode, stack)
