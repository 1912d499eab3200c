"""``stdio:`` targets: one long-lived program, sent every message over its stdin.

A consumer in any language becomes a target by wrapping its handler in a small adapter
(``examples/adapters/``, documented in ``docs/targets.md``) that speaks this protocol, fixed
because users write adapters against it:

- for each message the tool writes its length in bytes as a decimal number and ``\\n``, then
  exactly that many bytes, then ``\\n``; the bytes are the mutant as it is (raw newlines,
  invalid UTF-8, a byte-order mark and NUL bytes all arrive intact);
- the program answers with one line on stdout: ``accept``, or ``reject`` optionally followed
  by a space and a reason (the reason becomes part of the finding's signature). A ``\\r``
  before the ``\\n`` is ignored.

The program runs in its own process group and is started again whenever it is gone:

- it dies with a message in flight: that message is a **crash** (the signature is its exit
  code or signal and its last stderr line, masked);
- it does not answer within the timeout: a **hang** (its process group is killed);
- it writes any other line (or two lines for one message): a **protocol error**, reported as a
  crash of that message whose detail quotes the line; the program is restarted, since its
  answers are out of step with the messages. Output that arrives only after a correct answer
  is discarded before the next message (the program is restarted then) and quoted in that
  message's ``output``.

stderr is read whenever the tool waits, into a ring of the last lines, so a flood never blocks
the program. The clock of a message starts when the program starts reading it: a freshly
started program gets up to :data:`STARTUP_TIMEOUT` to start reading, so a slow start is never
a hang. A program that exits before reading a message it was sent is started again and the
message resent, once; a fresh one that does so (a command that cannot start), or that writes to
stdout before reading anything (a banner), is a usage error.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import shlex
import shutil
import signal
import struct
import subprocess
import termios
import time
from collections import deque
from typing import Any

from ..errors import UsageError
from ..model import Verdict
from ..signature import mask
from .spec import InputMode, Response, Target, describe_exit

__all__ = ["StdioTarget"]

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

_WORDS = {b"accept": Verdict.ACCEPTED, b"reject": Verdict.REJECTED}
#: The adapters' last stderr line on a crash, ``crash: <error> at <file>:<line>[ in <func>]``:
#: the file and line become the response's location.
_CRASH_SITE = re.compile(r"crash: .* at (\S+:\d+)(?: in \S+)?")


class _Died(Exception):
    """The program closed stdout or stdin: it exited or was killed."""


class _NoAnswer(Exception):
    """No answer line before the deadline."""


class _Protocol(Exception):
    """The program wrote something that is not an answer line."""


class _Broken(Exception):
    """The command cannot serve messages at all: a usage error, not a finding."""


def _quote(text: str) -> str:
    return text if len(text) <= MAX_QUOTE else text[:MAX_QUOTE] + "..."


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


class _Tail:
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

    def last_line(self) -> str:
        """The last non-blank line, stripped; empty when nothing was written."""
        return next((line.strip() for line in reversed(self._all()) if line.strip()), "")

    def text(self) -> str:
        """The kept lines, one a line."""
        return "\n".join(self._all()) if self.lines or self.partial else ""


class _Program:
    """One running instance of the command: its three pipes and its unread stdout bytes.

    Attributes:
        fresh: it has not answered a message yet, so it may still be starting.
        took: whether it read any of the message last sent (known once it answers or dies).
    """

    def __init__(self, argv: list[str], tail: _Tail) -> None:
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
            _Died: it exited (see :attr:`took`); _NoAnswer: the clock ran out; _Protocol: an
            overlong line; _Broken: a fresh program that never started reading.
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
                    raise _Broken(f"did not start reading within {STARTUP_TIMEOUT:g}s")
                if left <= 0:
                    raise _NoAnswer
                self._pump(min(left, STARTUP_POLL) if starting else left, sent < len(frame))
                if (line := self._line()) is not None:
                    if starting and self.unread() == sent:  # it wrote before reading a byte
                        raise _Broken(_banner(line))
                    self.fresh, self.took = False, True
                    return line
        except _Died:
            self.took = sent > 0 and self.unread() < sent
            raise

    def _write(self, data: bytes | memoryview) -> int:
        try:
            return os.write(self.stdin, data)
        except BlockingIOError:
            return 0
        except BrokenPipeError:
            raise _Died from None

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
                    raise _Died
                self.buffer += chunk

    def _line(self) -> bytes | None:
        end = self.buffer.find(b"\n")
        if end < 0:
            if len(self.buffer) > MAX_LINE:
                raise _Protocol(f"expected accept or reject, got over {MAX_LINE} bytes in a line")
            return None
        line, self.buffer = self.buffer[:end], self.buffer[end + 1 :]
        if self.buffer:  # two lines for one message: out of step
            first, rest = (b.decode("utf-8", "backslashreplace") for b in (line, self.buffer))
            raise _Protocol(f"expected one line, got {_quote(first)!r} then {_quote(rest)!r}")
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


def _banner(said: bytes) -> str:
    """The usage error of a program that writes to stdout before reading any message."""
    first = said.split(b"\n", 1)[0].decode("utf-8", "backslashreplace")
    return (
        f"wrote {_quote(first)!r} to stdout before reading its first message (stdout is only "
        "for answers: write logs and banners to stderr)"
    )


def _frame(data: bytes) -> bytes:
    """The bytes the protocol sends for one message."""
    return b"%d\n%b\n" % (len(data), data)


def _answer(line: bytes, elapsed: float, output: str) -> Response:
    """The response an answer line means; raises _Protocol for any other line."""
    word, space, reason_bytes = line.removesuffix(b"\r").partition(b" ")
    verdict = _WORDS.get(word)
    if verdict is None or (verdict is Verdict.ACCEPTED and space):
        said = line.decode("utf-8", "backslashreplace")
        raise _Protocol(f"expected accept or reject, got {_quote(said)!r}")
    if verdict is Verdict.ACCEPTED:
        return Response(verdict, "accept", elapsed, output=output)
    reason = " ".join(reason_bytes.decode("utf-8", "backslashreplace").split())
    if not reason:
        return Response(verdict, "reject", elapsed, "reject", output=output)
    return Response(
        verdict, f"reject: {_quote(reason)}", elapsed, f"reject: {mask(reason)}", output=output
    )


class StdioTarget(Target):
    """A long-lived program (``stdio:COMMAND ARGS``) that answers one line per message.

    Args:
        spec: ``stdio:`` followed by the command line, split like a shell would.
        timeout: seconds the program may take to answer a message before it is a hang.

    Raises:
        UsageError: the command line is empty, badly quoted, or its program cannot be found
            or started; from :meth:`call`, a command that exits (or never reads) before it
            reads a message.
    """

    def __init__(self, spec: str, *, timeout: float = 2.0) -> None:
        self.name = spec
        self.input_mode = InputMode.BYTES
        self.timeout = timeout
        self.argv = split_command(spec, "stdio:")
        self._tail = _Tail()
        self._broken: str | None = None
        self._program: _Program | None = None
        self._start()

    # -- the program's life -----------------------------------------------------------------

    def _start(self) -> _Program:
        try:
            self._program = _Program(self.argv, self._tail)
        except OSError as exc:
            raise UsageError(
                f"target {self.name!r} cannot be started ({exc.strerror or exc}); "
                "check that the command runs on its own"
            ) from None
        return self._program

    def _stop(self, *, kill: bool) -> int:
        """End the running program (if any); its exit code."""
        program, self._program = self._program, None
        return 0 if program is None else program.stop(kill=kill)

    def close(self) -> None:
        """Close the program's stdin and let it exit (its group is killed after EXIT_GRACE)."""
        self._stop(kill=False)

    def _exit(self, returncode: int) -> str:
        """``exit code 3 (stderr: KeyError: 'hlc')``: how the program ended, and what it said."""
        said = self._tail.last_line()
        return (
            f"{describe_exit(returncode)} (stderr: {said})" if said else describe_exit(returncode)
        )

    # -- one call ---------------------------------------------------------------------------

    def call(self, data: bytes, parsed: Any = None) -> Response:
        """Send one framed message and judge the program's answer line.

        Raises:
            UsageError: the command exits, or does not start reading, before it reads a
                message (then every later call raises it too).
        """
        if self._broken is None:
            try:
                return self._call(_frame(data))
            except _Broken as exc:
                self._stop(kill=True)
                self._broken = (
                    f"target {self.name!r}: the program {exc}; check that the command runs on "
                    "its own and reads framed messages on stdin (see docs/targets.md)"
                )
        raise UsageError(self._broken)

    def _call(self, frame: bytes) -> Response:
        discarded = self._ready()
        start = time.perf_counter()
        try:
            line = self._deliver(frame)
            return _answer(line, time.perf_counter() - start, self._output(discarded))
        except _NoAnswer:
            return self._restart(Verdict.HANG, f"no answer within {self.timeout}s", "hang", start)
        except _Protocol as exc:
            detail = f"protocol error: {exc}"
            return self._restart(Verdict.CRASH, detail, mask(detail), start)
        except _Died:
            return self._died(start)
        except BaseException:  # interrupted (Ctrl-C) mid-exchange: start afresh next time
            self._stop(kill=True)
            raise

    def _ready(self) -> str:
        """A running program with nothing unread on stdout; a note on what was discarded."""
        program = self._program or self._start()
        stray = program.idle_output()
        self._tail.clear()  # what it wrote to stderr since its last answer is not this message's
        if stray is None:
            return ""
        if stray and program.fresh:
            raise _Broken(_banner(stray))
        returncode = self._stop(kill=True)  # it wrote after its answer, or it exited
        self._tail.clear()
        self._start()
        if not stray:
            return f"the program exited after its previous answer: {describe_exit(returncode)}"
        said = stray.decode("utf-8", "backslashreplace")
        return f"discarded stdout written after the previous answer: {_quote(said)!r}"

    def _output(self, discarded: str) -> str:
        stderr = self._tail.text()
        if not discarded:
            return stderr
        return f"{stderr}\n({discarded})" if stderr else f"({discarded})"

    def _deliver(self, frame: bytes) -> bytes:
        """The answer line to *frame*. A program that answered before and then exited without
        reading it is replaced and the frame resent; a fresh one that does so is broken."""
        while True:
            program = self._program or self._start()
            try:
                return program.exchange(frame, self.timeout)
            except _Died:
                if program.took:
                    raise
            ended = self._exit(self._stop(kill=False))
            if program.fresh:
                raise _Broken(f"exited before reading its first message: {ended}")
            self._tail.clear()

    def _died(self, start: float) -> Response:
        """The program died with the message in flight: a crash; start a fresh one."""
        elapsed = time.perf_counter() - start
        returncode = self._stop(kill=False)
        said = self._tail.last_line()
        signature = describe_exit(returncode) + (f": {mask(said)}" if said else "")
        site = _CRASH_SITE.fullmatch(said)
        response = Response(
            Verdict.CRASH,
            f"{self._exit(returncode)} before answering",
            elapsed,
            signature,
            location=site.group(1) if site else None,
            output=self._tail.text(),
        )
        self._start()
        return response

    def _restart(self, verdict: Verdict, detail: str, signature: str, start: float) -> Response:
        """A hang or a protocol error: kill the program's group, start a fresh one."""
        elapsed = time.perf_counter() - start
        self._stop(kill=True)
        response = Response(verdict, detail, elapsed, signature, output=self._tail.text())
        self._start()
        return response
