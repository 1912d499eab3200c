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
started program gets 30 seconds to start reading, so a slow start is never a hang. A program
that has answered before and exits before reading a message it was sent is started again and
the message resent, once; a fresh one that does so (a command that cannot start), or that
writes to stdout before reading anything (a banner), is a usage error. The pipes and the
process are :mod:`._program`'s; this module says what an answer means and when to restart.
"""

from __future__ import annotations

import re
import time
from typing import Any

from ..defaults import DEFAULT_TIMEOUT
from ..errors import UsageError
from ..model import Verdict
from ..signature import MAX_REASON, mask
from ._program import (
    Broken,
    Died,
    NoAnswer,
    Program,
    ProtocolError,
    Tail,
    banner,
    quote,
    split_command,
)
from .base import InputMode, Response, Target, describe_exit

__all__ = ["StdioTarget"]

_WORDS = {b"accept": Verdict.ACCEPTED, b"reject": Verdict.REJECTED}
#: The adapters' last stderr line on a crash, ``crash: <Error>: <text> at <file>:<line>[ in
#: <function>]`` (the Go adapter's error is ``panic``): the file and line become the response's
#: location, and the error and its site the signature.
_CRASH_LINE = re.compile(
    r"crash: (?:(?P<error>[^\s:]+): )?(?P<text>.*) at (?P<site>\S+:\d+)(?: in (?P<function>\S+))?"
)
#: Errors whose text names the cause (the missing key), as a Python target's ``KeyError`` does.
_KEYED = frozenset({"KeyError"})


def _crash_signature(returncode: int, said: str) -> tuple[str, str | None]:
    """The signature and location of a program that died, its last stderr line *said*.

    An adapter's crash line is signed by the error and where it was raised, as a Python
    target's crash is (``exit code 70: crash: TypeError at handler.js:12``; a ``KeyError``
    adds its key): its text words the message (``'list' object has no attribute 'get'``,
    ``'NoneType' ...``), so one bug would be a finding per message. Any other last line is
    the signature, masked.
    """
    ended = describe_exit(returncode)
    crash = _CRASH_LINE.fullmatch(said)
    if crash is None:
        return ended + (f": {mask(said, MAX_REASON)}" if said else ""), None
    where = crash["site"] + (f" in {crash['function']}" if crash["function"] else "")
    if crash["error"] is None:
        cause = f"{mask(crash['text'], MAX_REASON)} at {where}"
    else:
        keyed = f": {mask(crash['text'], MAX_REASON)}" if crash["error"] in _KEYED else ""
        cause = f"{crash['error']} at {where}{keyed}"
    return f"{ended}: crash: {cause}"[:MAX_REASON], crash["site"]


def _frame(data: bytes) -> bytes:
    """The bytes the protocol sends for one message."""
    return b"%d\n%b\n" % (len(data), data)


def _answer(line: bytes, elapsed: float, output: str) -> Response:
    """The response an answer line means; raises ProtocolError for any other line."""
    word, space, reason_bytes = line.removesuffix(b"\r").partition(b" ")
    verdict = _WORDS.get(word)
    if verdict is None or (verdict is Verdict.ACCEPTED and space):
        said = line.decode("utf-8", "backslashreplace")
        raise ProtocolError(f"expected accept or reject, got {quote(said)!r}")
    if verdict is Verdict.ACCEPTED:
        return Response(verdict, "accept", elapsed, output=output)
    reason = " ".join(reason_bytes.decode("utf-8", "backslashreplace").split())
    if not reason:
        return Response(verdict, "reject", elapsed, "reject", output=output)
    return Response(
        verdict,
        f"reject: {quote(reason)}",
        elapsed,
        f"reject: {mask(reason, MAX_REASON)}",
        output=output,
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

    def __init__(self, spec: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.name = spec
        self.input_mode = InputMode.BYTES
        self.timeout = timeout
        self.argv = split_command(spec, "stdio:")
        self._tail = Tail()
        self._broken: str | None = None
        self._program: Program | None = None
        self._start()

    # -- the program's life -----------------------------------------------------------------

    def _start(self) -> Program:
        try:
            self._program = Program(self.argv, self._tail)
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
        said = self._tail.cause_line()
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
            except Broken as exc:
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
        except NoAnswer:
            return self._restart(Verdict.HANG, f"no answer within {self.timeout}s", "hang", start)
        except ProtocolError as exc:
            detail = f"protocol error: {exc}"
            return self._restart(Verdict.CRASH, detail, mask(detail), start)
        except Died:
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
            raise Broken(banner(stray))
        returncode = self._stop(kill=True)  # it wrote after its answer, or it exited
        self._tail.clear()
        self._start()
        if not stray:
            return f"the program exited after its previous answer: {describe_exit(returncode)}"
        said = stray.decode("utf-8", "backslashreplace")
        return f"discarded stdout written after the previous answer: {quote(said)!r}"

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
            except Died:
                if program.took:
                    raise
            ended = self._exit(self._stop(kill=False))
            if program.fresh:
                raise Broken(f"exited before reading its first message: {ended}")
            self._tail.clear()

    def _died(self, start: float) -> Response:
        """The program died with the message in flight: a crash; start a fresh one."""
        elapsed = time.perf_counter() - start
        returncode = self._stop(kill=False)
        signature, site = _crash_signature(returncode, self._tail.cause_line())
        response = Response(
            Verdict.CRASH,
            f"{self._exit(returncode)} before answering",
            elapsed,
            signature,
            location=site,
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
