"""The running program behind a ``stdio:`` target: its three pipes, its stderr ring, its life.

:mod:`.stdio` decides what an answer means and when to start a program again; this module
only moves bytes. One :class:`Program` is one process in its own process group: a frame is
written to its stdin (as far as the pipe takes it, the rest as room appears), its stdout is
read up to one answer line, and its stderr is read whenever it waits, into a :class:`Tail` of
the last lines, so that a program writing stderr without end never blocks. The clock of a
message starts when the program starts reading it (``FIONREAD`` on its stdin), so a slow start
is not a hang. Ending a program kills its whole group before it is reaped, while its pid (the
group's id) cannot belong to anyone else.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import shlex
import shutil
import signal
import struct
import subprocess
import termios
import time
from collections import deque

from ..errors import UsageError
from ..signature import cause_line

#: Seconds a freshly started program may take to start reading its first message.
STARTUP_TIMEOUT = 30.0
#: Seconds a program may take to exit once its stdin is closed (then its group is killed).
EXIT_GRACE = 1.0
#: Seconds between checks that a program has exited.
EXIT_POLL = 0.002
#: Seconds spent collecting a dead program's last stderr lines.
STDERR_GRACE = 0.2
#: Seconds between checks that a fresh program has started reading.
STARTUP_POLL = 0.002
#: The longest answer line, in bytes.
MAX_LINE = 65536
#: How many stderr lines the ring keeps, and how long each may be (in characters).
STDERR_LINES = 20
MAX_STDERR_LINE = 300
#: How much of a reason or a stray line a detail quotes.
MAX_QUOTE = 200


class Died(Exception):
    """The program closed stdout or stdin: it exited or was killed."""


class NoAnswer(Exception):
    """No answer line before the deadline."""


class ProtocolError(Exception):
    """The program wrote something that is not an answer line."""


class Broken(Exception):
    """The command cannot serve messages at all: a usage error, not a finding."""


def quote(text: str) -> str:
    """*text*, cut to MAX_QUOTE characters."""
    return text if len(text) <= MAX_QUOTE else text[:MAX_QUOTE] + "..."


class Tail:
    """The last lines a program wrote to stderr: a bounded ring, fed chunk by chunk."""

    def __init__(self) -> None:
        self.lines: deque[str] = deque(maxlen=STDERR_LINES)
        self.partial = b""

    @staticmethod
    def _line(raw: bytes) -> str:
        text = raw.decode("utf-8", "backslashreplace").rstrip("\r")
        return text if len(text) <= MAX_STDERR_LINE else text[:MAX_STDERR_LINE] + "..."

    def feed(self, chunk: bytes) -> None:
        """Add a chunk of stderr; only the last lines, cut to length, are kept."""
        *complete, rest = chunk.split(b"\n")
        if complete:
            complete[0] = self.partial + complete[0]
            self.partial = b""
            self.lines.extend(self._line(raw) for raw in complete[-STDERR_LINES:])
        self.partial = (self.partial + rest)[: MAX_STDERR_LINE * 4 + 4]

    def clear(self) -> None:
        """Forget what was written so far (a new message is on its way)."""
        if self.lines or self.partial:
            self.lines.clear()
            self.partial = b""

    def _all(self) -> list[str]:
        return [*self.lines, self._line(self.partial)] if self.partial else list(self.lines)

    def cause_line(self) -> str:
        """The line that names the cause (:func:`~backbeat_fuzz.signature.cause_line`: the last
        one that is not blank, a stack frame or a runtime's trailer), stripped."""
        return cause_line(self._all())

    def text(self) -> str:
        """The kept lines, one a line."""
        return "\n".join(self._all()) if self.lines or self.partial else ""


class Program:
    """One running instance of the command: its three pipes and its unread stdout bytes.

    Attributes:
        fresh: it has not answered a message yet, so it may still be starting.
        took: whether it read any of the message last sent (known once it answers or dies).
    """

    def __init__(self, argv: list[str], tail: Tail) -> None:
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
            # Its own process group, killed whole; not its own session: Linux gives each
            # session a scheduling autogroup, and round trips across two groups measured 1.6x
            # slower on a loaded machine.
            process_group=0,
        )
        assert self.proc.stdin and self.proc.stdout and self.proc.stderr
        self.stdin, self.stdout = self.proc.stdin.fileno(), self.proc.stdout.fileno()
        self.stderr = self.proc.stderr.fileno()
        for fd in (self.stdin, self.stdout, self.stderr):
            os.set_blocking(fd, False)
        # Two poll sets, built once: waiting for output, and for output or room in stdin.
        self._reading, self._writing = select.poll(), select.poll()
        for poller in (self._reading, self._writing):
            poller.register(self.stdout, select.POLLIN)
            poller.register(self.stderr, select.POLLIN)
        self._writing.register(self.stdin, select.POLLOUT)
        self.stderr_open = True
        self.tail = tail
        self.buffer = b""
        self.fresh = True
        self.took = False

    def exchange(self, frame: bytes, timeout: float) -> bytes:
        """Send *frame* and return the answer line (without its end of line).

        The clock starts once the program reads: at once for a program that has answered
        before, and for a fresh one when it has read a byte (it has STARTUP_TIMEOUT for that).

        Raises:
            Died: it exited (see :attr:`took`); NoAnswer: the clock ran out; ProtocolError: an
            overlong line; Broken: a fresh program that never started reading.
        """
        sent, starting, self.took = 0, self.fresh, False
        deadline = time.monotonic() + (STARTUP_TIMEOUT if starting else timeout)
        try:
            while True:
                if sent < len(frame):  # all of it at once, unless it is bigger than the pipe
                    sent += self._write(memoryview(frame)[sent:] if sent else frame)
                if starting and self.unread() < sent:  # it has started reading: clock on
                    starting, deadline = False, time.monotonic() + timeout
                left = deadline - time.monotonic()
                if left <= 0 and starting:
                    raise Broken(f"did not start reading within {STARTUP_TIMEOUT:g}s")
                if left <= 0:
                    raise NoAnswer
                self._pump(min(left, STARTUP_POLL) if starting else left, sent < len(frame))
                if (line := self._line()) is not None:
                    if starting and self.unread() == sent:  # it wrote before reading a byte
                        raise Broken(banner(line))
                    self.fresh, self.took = False, True
                    return line
        except Died:
            self.took = sent > 0 and self.unread() < sent
            raise

    def _write(self, data: bytes | memoryview) -> int:
        try:
            return os.write(self.stdin, data)
        except BlockingIOError:
            return 0
        except BrokenPipeError:
            raise Died from None

    def unread(self) -> int:
        """Bytes written to stdin that the program has not read yet."""
        packed = fcntl.ioctl(self.stdin, termios.FIONREAD, b"\0\0\0\0")
        return int(struct.unpack("i", packed)[0])

    def _pump(self, timeout: float, writing: bool) -> None:
        """Wait up to *timeout* for output (or room in stdin) and take what is there."""
        for fd, _ in (self._writing if writing else self._reading).poll(timeout * 1000):
            if fd == self.stderr:
                self._read_stderr()
            elif fd == self.stdout:
                chunk = os.read(self.stdout, 65536)
                if not chunk:
                    raise Died
                self.buffer += chunk

    def _line(self) -> bytes | None:
        end = self.buffer.find(b"\n")
        if end < 0:
            if len(self.buffer) > MAX_LINE:
                raise ProtocolError(
                    f"expected accept or reject, got over {MAX_LINE} bytes in a line"
                )
            return None
        line, self.buffer = self.buffer[:end], self.buffer[end + 1 :]
        if self.buffer:  # two lines for one message: out of step
            first, rest = (b.decode("utf-8", "backslashreplace") for b in (line, self.buffer))
            raise ProtocolError(f"expected one line, got {quote(first)!r} then {quote(rest)!r}")
        return line

    def _read_stderr(self) -> bool:
        """Take what stderr holds now into the tail; False when nothing is left.

        At its end of file it is no longer polled (a closed stderr would wake every poll).
        """
        try:
            chunk = os.read(self.stderr, 65536)
        except BlockingIOError:
            return False
        if not chunk and self.stderr_open:
            self._reading.unregister(self.stderr)
            self._writing.unregister(self.stderr)
            self.stderr_open = False
        self.tail.feed(chunk)
        return bool(chunk)

    def idle_output(self) -> bytes | None:
        """What the program wrote since its last answer: stderr goes to the tail; stdout is
        returned (b"" when it has exited since), None when it wrote none."""
        stray = None
        for fd, _ in self._reading.poll(0):
            if fd == self.stderr:
                for _ in range(16):  # bounded: a program may write stderr all the time
                    if not self._read_stderr():
                        break
            elif fd == self.stdout:
                stray = self.buffer + os.read(self.stdout, 65536)
        return stray

    def stop(self, *, kill: bool) -> int:
        """End the program (closing its stdin, or killing it) and its group; its exit code.

        The group is killed before the program is reaped: until then its pid, which is the
        group's id, cannot belong to anyone else.
        """
        if kill:
            _kill_group(self.proc)
        with contextlib.suppress(OSError):
            self.proc.stdin.close()  # type: ignore[union-attr]
        self._exited_within(EXIT_GRACE)
        _kill_group(self.proc)  # still running, or what it left running in its group
        returncode = self.proc.wait()
        self._drain_stderr()
        self.proc.stdout.close()  # type: ignore[union-attr]
        self.proc.stderr.close()  # type: ignore[union-attr]
        return returncode

    def _exited_within(self, seconds: float) -> bool:
        """Whether the program exits within *seconds*; it is left for :meth:`stop` to reap."""
        deadline = time.monotonic() + seconds
        flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
        while os.waitid(os.P_PID, self.proc.pid, flags) is None:
            if time.monotonic() >= deadline:
                return False
            time.sleep(EXIT_POLL)
        return True

    def _drain_stderr(self) -> None:
        """Collect the last stderr lines of a program that has exited (bounded in time)."""
        deadline = time.monotonic() + STDERR_GRACE
        while (left := deadline - time.monotonic()) > 0:
            if select.select([self.stderr], [], [], left)[0] and not self._read_stderr():
                return


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def banner(said: bytes) -> str:
    """The usage error of a program that writes to stdout before reading any message."""
    first = said.split(b"\n", 1)[0].decode("utf-8", "backslashreplace")
    return (
        f"wrote {quote(first)!r} to stdout before reading its first message (stdout is only "
        "for answers: write logs and banners to stderr)"
    )


def split_command(spec: str, prefix: str) -> list[str]:
    """The argv of ``prefix + COMMAND ARGS``, split like a shell would, its program found.

    Raises:
        UsageError: the command line is empty, badly quoted, or its program cannot be found.
    """
    try:
        argv = shlex.split(spec.removeprefix(prefix))
    except ValueError as exc:
        raise UsageError(
            f"target {spec!r} cannot be split into words ({exc}); fix the quoting"
        ) from None
    if not argv:
        raise UsageError(f"target {spec!r} names no program; write {prefix}COMMAND ARGS")
    program = argv[0]
    if os.sep in program:
        if os.path.isdir(program):
            raise UsageError(
                f"target {spec!r}: {program!r} is a folder, not a program; name the program in it"
            )
        if not os.path.isfile(program):
            raise UsageError(f"target {spec!r}: {program!r} does not exist; check the path")
        if not os.access(program, os.X_OK):
            raise UsageError(
                f"target {spec!r}: {program!r} is not executable; run 'chmod +x {program}' "
                f"or name its interpreter ({prefix}sh {program})"
            )
        return argv
    found = shutil.which(program)
    if found is None:
        raise UsageError(
            f"target {spec!r}: program {program!r} is not on PATH; "
            f"install it or give its path ({prefix}./my-consumer)"
        )
    return [found, *argv[1:]]
