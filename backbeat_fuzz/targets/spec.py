"""What every target is: the :class:`Target` interface, its :class:`Response`, and the spec forms.

A target spec names the consumer under test in one of four forms:

- ``pkg.module.func`` or ``pkg.module:func``: a Python function, run in a worker process
  (:mod:`.python`);
- ``cmd:COMMAND ARGS``: a program that reads the message on stdin (:mod:`.command`);
- ``stdio:COMMAND ARGS``: a long-lived program sent every message over stdin, answering one
  line each (:mod:`.stdio`);
- ``http://host:port/path`` (or ``https://``): a service the message is POSTed to (:mod:`.http`).

:func:`load_target` picks the form and returns a ready :class:`Target`.
"""

from __future__ import annotations

import enum
import re
import signal
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from ..defaults import DEFAULT_TIMEOUT
from ..errors import UsageError, did_you_mean
from ..model import Verdict

__all__ = [
    "SPEC_FORMS",
    "InputMode",
    "Response",
    "Target",
    "describe_exit",
    "load_target",
]

#: The spec forms, as error messages list them.
SPEC_FORMS = (
    "pkg.module.func (or pkg.module:func) for a Python function, "
    "cmd:COMMAND ARGS for a program that reads the message on stdin, "
    "stdio:COMMAND ARGS for a long-lived program answering one line per message, "
    "or http://host:port/path for a service the message is POSTed to"
)

_NAME = r"[A-Za-z_]\w*"
_PYTHON_SPEC = re.compile(rf"{_NAME}(\.{_NAME})*(:{_NAME}(\.{_NAME})*)?")


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


def _input_mode(value: str) -> InputMode:
    try:
        return InputMode(value)
    except ValueError:
        modes = ", ".join(m.value for m in InputMode)
        raise UsageError(
            f"input_mode={value!r} is unknown; use one of: {modes}."
            + did_you_mean(str(value), [m.value for m in InputMode])
        ) from None


def _check_memory_limit(spec: str, memory_limit: int | None) -> None:
    if memory_limit is None:
        return
    if isinstance(memory_limit, bool) or not isinstance(memory_limit, int) or memory_limit < 0:
        raise UsageError(
            f"memory_limit={memory_limit!r} must be a whole number of MiB, e.g. 2048 (0 for none)"
        )
    if spec.startswith(("cmd:", "stdio:", "http://", "https://")):
        raise UsageError(
            f"memory_limit applies to Python targets only; {spec!r} runs outside this tool's "
            "worker, so drop the option (limit the program or service itself)"
        )


def _check_options(spec: str, mode: InputMode, reject_on: Sequence[str], timeout: float) -> None:
    if isinstance(reject_on, str):
        raise UsageError(f"reject_on={reject_on!r} must be a list of names, e.g. [{reject_on!r}]")
    for name in reject_on:
        if not _PYTHON_SPEC.fullmatch(name):
            raise UsageError(
                f"reject_on name {name!r} is not a dotted name; "
                "write module.ExcName, e.g. mysvc.errors.BadMessage"
            )
    if not timeout > 0:
        raise UsageError(f"timeout={timeout!r} must be a positive number of seconds, e.g. 2.0")
    if spec.startswith(("cmd:", "stdio:", "http://", "https://")):
        if mode is InputMode.OBJECT:
            raise UsageError(
                f"input_mode='object' applies to Python targets only; {spec!r} receives the "
                "message bytes, so drop the option"
            )
        if reject_on:
            raise UsageError(
                f"reject_on applies to Python targets only; {spec!r} rejects by its exit code, "
                "answer line or HTTP status, so drop the option"
            )


def load_target(
    spec: str,
    *,
    input_mode: str = "str",
    reject_on: Sequence[str] = (),
    timeout: float = DEFAULT_TIMEOUT,
    memory_limit: int | None = None,
) -> Target:
    """Load the consumer named by *spec*, ready to be called.

    Args:
        spec: ``pkg.module.func``, ``pkg.module:func``, ``cmd:COMMAND ARGS``,
            ``stdio:COMMAND ARGS`` or ``http://host:port/path``.
        input_mode: for Python targets, what the function takes: ``str`` (the text),
            ``bytes`` or ``object`` (the parsed message).
        reject_on: for Python targets, more exception classes (``module.ExcName``) that mean
            "rejected", besides ``ValueError`` and ``jsonschema``'s ``ValidationError``.
        timeout: seconds one message may take before the verdict is a hang.
        memory_limit: for Python targets, the MiB of data (heap) the worker may use; past it
            the input is a crash (``MemoryError``). None: the default (2048 MiB); 0: no limit.

    Returns:
        A :class:`Target`; close it when done.

    Raises:
        UsageError: an unknown spec form, a target that cannot be imported, found or reached,
            or an option that does not apply; the message says how to fix it.
    """
    mode = _input_mode(input_mode)
    timeout = float(timeout)
    _check_options(spec, mode, reject_on, timeout)
    _check_memory_limit(spec, memory_limit)
    if spec.startswith("cmd:"):
        from .command import CommandTarget

        return CommandTarget(spec, timeout=timeout)
    if spec.startswith("stdio:"):
        from .stdio import StdioTarget

        return StdioTarget(spec, timeout=timeout)
    if spec.startswith(("http://", "https://")):
        from .http import HttpTarget

        return HttpTarget(spec, timeout=timeout)
    if _PYTHON_SPEC.fullmatch(spec) and ("." in spec or ":" in spec):
        from .python import DEFAULT_MEMORY_LIMIT, PythonTarget

        limit = DEFAULT_MEMORY_LIMIT if memory_limit is None else memory_limit
        return PythonTarget(
            spec, input_mode=mode, reject_on=tuple(reject_on), timeout=timeout, memory_limit=limit
        )
    raise UsageError(f"target {spec!r} is not a target spec; use {SPEC_FORMS}")
