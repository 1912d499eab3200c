"""The spec forms: which :class:`~.base.Target` a spec string names, loaded and ready.

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

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..defaults import DEFAULT_TIMEOUT
from ..errors import UsageError, did_you_mean
from .base import InputMode, Target

__all__ = ["SPEC_FORMS", "load_target"]

#: The spec forms, as error messages list them.
SPEC_FORMS = (
    "pkg.module.func (or pkg.module:func) for a Python function, "
    "cmd:COMMAND ARGS for a program that reads the message on stdin, "
    "stdio:COMMAND ARGS for a long-lived program answering one line per message, "
    "or http://host:port/path for a service the message is POSTed to"
)

_NAME = r"[A-Za-z_]\w*"
_PYTHON_SPEC = re.compile(rf"{_NAME}(\.{_NAME})*(:{_NAME}(\.{_NAME})*)?")


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
    if spec.startswith(_EXTERNAL):
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
    if spec.startswith(_EXTERNAL):
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


@dataclass(frozen=True)
class _Load:
    """A spec and the checked options :func:`load_target` builds its target from."""

    spec: str
    mode: InputMode
    reject_on: tuple[str, ...]
    timeout: float
    memory_limit: int | None


def _command(load: _Load) -> Target:
    from .command import CommandTarget

    return CommandTarget(load.spec, timeout=load.timeout)


def _stdio(load: _Load) -> Target:
    from .stdio import StdioTarget

    return StdioTarget(load.spec, timeout=load.timeout)


def _http(load: _Load) -> Target:
    from .http import HttpTarget

    return HttpTarget(load.spec, timeout=load.timeout)


def _python(load: _Load) -> Target:
    from .python import DEFAULT_MEMORY_LIMIT, PythonTarget

    limit = DEFAULT_MEMORY_LIMIT if load.memory_limit is None else load.memory_limit
    return PythonTarget(
        load.spec,
        input_mode=load.mode,
        reject_on=load.reject_on,
        timeout=load.timeout,
        memory_limit=limit,
    )


#: Spec prefixes -> the target they name; anything else is a Python function's dotted name.
_FORMS: tuple[tuple[tuple[str, ...], Callable[[_Load], Target]], ...] = (
    (("cmd:",), _command),
    (("stdio:",), _stdio),
    (("http://", "https://"), _http),
)
#: The spec prefixes of the targets that run outside this tool's worker (not Python's).
_EXTERNAL = tuple(prefix for prefixes, _ in _FORMS for prefix in prefixes)


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
    load = _Load(spec, mode, tuple(reject_on), timeout, memory_limit)
    for prefixes, build in _FORMS:
        if spec.startswith(prefixes):
            return build(load)
    if _PYTHON_SPEC.fullmatch(spec) and ("." in spec or ":" in spec):
        return _python(load)
    raise UsageError(f"target {spec!r} is not a target spec; use {SPEC_FORMS}")
