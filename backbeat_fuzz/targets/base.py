"""What every target is: the :class:`Target` interface, its :class:`Response`, its input mode.

The target modules (:mod:`.python`, :mod:`.command`, :mod:`.stdio`, :mod:`.http`) implement
these; :mod:`.spec` picks one from a spec string. Kept apart from :mod:`.spec` so that the
targets import their base types from a module that imports none of them (no import circle).
"""

from __future__ import annotations

import enum
import signal
from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from ..model import Verdict

__all__ = ["InputMode", "Response", "Target", "describe_exit"]


class InputMode(enum.StrEnum):
    """What a Python target's function is given: the text, the bytes, or the parsed object.

    ``cmd:``, ``stdio:`` and ``http://`` targets always receive the bytes.
    """

    STR = "str"
    BYTES = "bytes"
    OBJECT = "object"


@dataclass(frozen=True)
class Response:
    """What a target did with one message.

    Attributes:
        verdict: accepted, rejected, crash or hang.
        detail: why, in a few words: ``KeyError: 'hlc'``, ``exit code 3``, ``HTTP 500``,
            ``killed by SIGSEGV``, ``no answer within 2.0s``.
        elapsed: seconds from sending the message to the verdict.
        signature: the cause, stable across messages that hit it (built with
            :func:`backbeat_fuzz.signature.mask`): ``KeyError at consumer.py:12 in handle``,
            ``exit code 3: bad hlc <str>``, ``HTTP 500: internal error``. Empty when the target
            cannot tell causes apart; the harness then keys the finding by outcome and rule.
        location: ``path/to/file.py:12`` in the consumer's own source, when known.
        output: what the consumer said, bounded: the last stderr lines, the response body's
            first lines, a hanging worker's stack. Shown in the finding, never part of its key.
    """

    verdict: Verdict
    detail: str
    elapsed: float
    signature: str = ""
    location: str | None = None
    output: str = ""


class Target(ABC):
    """A consumer under test: give it one message at a time, get a :class:`Response`.

    A target holds resources (a worker process, a connection): use it as a context manager or
    call :meth:`close`.

    Attributes:
        name: the spec it was loaded from.
        input_mode: what it receives; the harness sends an ``object`` target only messages with
            a parsed value and a ``str`` target only UTF-8 bytes.
    """

    name: str
    input_mode: InputMode

    @abstractmethod
    def call(self, data: bytes, parsed: Any = None) -> Response:
        """Send one message and report the consumer's verdict.

        Args:
            data: the exact bytes of the message.
            parsed: the message as an object, when it is valid JSON (used by ``object`` mode).

        Returns:
            The verdict, its detail and the time it took. A crash or a hang is a verdict, not
            an exception: the target recovers and is ready for the next call.
        """

    def confirmed_call(self, data: bytes, parsed: Any = None) -> Response:
        """:meth:`call`, with a hang confirmed by sending the message once more.

        A consumer that does not answer in time may be hanging, or only slowed by the machine
        (a loaded CI runner, a page fault storm). As AFL++ re-runs a timeout before keeping it,
        a hang counts only when the same message hangs twice; otherwise the second answer is
        the verdict. Of two hangs, the one whose stack named a place in the consumer is kept.
        """
        first = self.call(data, parsed)
        if first.verdict is not Verdict.HANG:
            return first
        second = self.call(data, parsed)
        if second.verdict is not Verdict.HANG or (second.location and not first.location):
            return second
        return first

    @abstractmethod
    def close(self) -> None:
        """Release the worker process or connection (idempotent)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


def describe_exit(returncode: int) -> str:
    """``exit code 3`` for a normal exit, ``killed by SIGSEGV`` for a negative return code."""
    if returncode >= 0:
        return f"exit code {returncode}"
    try:
        return f"killed by {signal.Signals(-returncode).name}"
    except ValueError:
        return f"killed by signal {-returncode}"
