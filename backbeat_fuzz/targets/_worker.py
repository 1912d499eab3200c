"""The worker process of a Python target: import the consumer once, then call it per message.

:class:`.python.PythonTarget` starts it; it is not meant to be run by hand. It imports nothing
from backbeat_fuzz (only the standard library), so it starts fast and leaves the consumer's
interpreter as the consumer expects it; the parent loads this file directly, and
``python -m backbeat_fuzz.targets._worker SPEC MODE [REJECT_ON...]`` works too.

Protocol, over the stdin and stdout pipes (the worker moves them to private descriptors first
and points fd 0 at /dev/null and fd 1 at stderr, so the consumer's prints and reads cannot
touch it):

- the worker first sends one reply: ``READY`` or ``FAILED`` with a JSON record of what could
  not be resolved (the parent words the error);
- then each request is ``!I`` length + payload (the message bytes, or a pickle of the parsed
  object in ``object`` mode), and each reply is ``!BI`` code + length + UTF-8 detail, with
  code ``ACCEPTED``, ``REJECTED``, ``CRASH`` or ``FAILED`` (a message a ``str`` consumer cannot
  take: not UTF-8);
- end of input: the worker exits.
"""

from __future__ import annotations

import importlib
import json
import os
import pickle
import pkgutil
import signal
import struct
import sys
from collections.abc import Callable
from types import TracebackType
from typing import Any, BinaryIO

ACCEPTED, REJECTED, CRASH, FAILED, READY = range(5)
REQUEST = struct.Struct("!I")
REPLY = struct.Struct("!BI")
MAX_DETAIL = 2000


class Unresolved(Exception):
    """A name that cannot be resolved; ``record`` says what, for the parent to word."""

    def __init__(self, **record: Any) -> None:
        super().__init__(record)
        self.record = record


def _submodules(package: str) -> list[str]:
    try:
        paths = importlib.import_module(package).__path__
    except Exception:
        return []
    return [f"{package}.{m.name}" for m in pkgutil.iter_modules(paths)]


def import_module(module: str) -> Any:
    """Import *module*, or raise :class:`Unresolved` saying why."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        missing = exc.name or module
        parent = missing.rpartition(".")[0]
        choices = _submodules(parent) if parent else []
        raise Unresolved(
            problem="import", module=module, missing=missing, error=str(exc), choices=choices
        ) from None
    except BaseException as exc:  # the module itself fails: SyntaxError, SystemExit, ...
        raise Unresolved(problem="import", module=module, error=describe(exc)) from None


def resolve(name: str, *, default_module: str | None = None) -> Any:
    """Find ``pkg.module:attr.path`` or ``pkg.module.attr`` (or a bare name in *default_module*)."""
    if ":" in name:
        module, path = name.split(":", 1)
    elif "." in name or default_module is None:
        module, _, path = name.rpartition(".")
    else:
        module, path = default_module, name
    obj = import_module(module)
    for attribute in path.split("."):
        if not hasattr(obj, attribute):
            choices = [n for n in dir(obj) if not n.startswith("_")]
            raise Unresolved(
                problem="attribute", module=module, attribute=attribute, choices=choices
            )
        obj = getattr(obj, attribute)
    return obj


def _where(tb: TracebackType | None) -> str:
    """``file:line in func`` of the innermost frame in the current folder (else the innermost)."""
    cwd = os.getcwd() + os.sep
    innermost = local = None
    while tb is not None:
        innermost = tb
        if tb.tb_frame.f_code.co_filename.startswith(cwd):
            local = tb
        tb = tb.tb_next
    chosen = local or innermost
    if chosen is None:
        return ""
    code = chosen.tb_frame.f_code
    path = code.co_filename
    shown = path[len(cwd) :] if path.startswith(cwd) else os.path.basename(path)
    return f" (at {shown}:{chosen.tb_lineno} in {code.co_name})"


def describe(exc: BaseException, *, where: bool = False) -> str:
    """``KeyError: 'hlc'``: the exception's class name and message, one line, bounded."""
    try:
        text = str(exc)
    except Exception:
        text = "<unprintable>"
    line = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    line = " ".join(line.split())
    if len(line) > MAX_DETAIL:
        line = line[:MAX_DETAIL] + "..."
    if not where:
        return line
    tb = exc.__traceback__
    return line + _where(tb.tb_next if tb else None)  # tb itself is the worker's own call


def _describe_return(result: Any) -> str:
    if result is None or isinstance(result, bool | int | float):
        return f"returned {result!r}"
    if isinstance(result, str | bytes) and len(result) <= 60:
        return f"returned {result!r}"
    return f"returned a {type(result).__name__}"


def _is_rejection(exc: BaseException, rejections: tuple[type[BaseException], ...]) -> bool:
    if isinstance(exc, rejections):
        return True
    # jsonschema's ValidationError is no ValueError. If one was raised, jsonschema is imported.
    module = sys.modules.get("jsonschema.exceptions")
    return module is not None and isinstance(exc, module.ValidationError)


def call(
    func: Callable[[Any], Any], arg: Any, rejections: tuple[type[BaseException], ...]
) -> tuple[int, str]:
    """Call the consumer once; return the reply code and detail."""
    try:
        result = func(arg)
    except BaseException as exc:
        if _is_rejection(exc, rejections):
            return REJECTED, describe(exc)
        return CRASH, describe(exc, where=True)
    if result is False:
        return REJECTED, "returned False"
    return ACCEPTED, _describe_return(result)


def _decoder(mode: str) -> Callable[[bytes], Any]:
    if mode == "object":
        return pickle.loads
    if mode == "str":
        return lambda payload: payload.decode("utf-8")
    return bytes


def _send(out: int, code: int, detail: str) -> None:
    body = detail.encode("utf-8", "backslashreplace")
    view = memoryview(REPLY.pack(code, len(body)) + body)
    while view:
        view = view[os.write(out, view) :]


def serve(
    func: Callable[[Any], Any],
    mode: str,
    rejections: tuple[type[BaseException], ...],
    pipe_in: BinaryIO,
    out: int,
) -> None:
    """Answer requests until the parent closes the pipe."""
    decode = _decoder(mode)
    read = pipe_in.read
    while True:
        head = read(REQUEST.size)
        if len(head) < REQUEST.size:
            return
        (size,) = REQUEST.unpack(head)
        payload = read(size)
        if len(payload) < size:
            return
        try:
            arg = decode(payload)
        except UnicodeDecodeError as exc:
            _send(out, FAILED, f"the message is not UTF-8 ({exc.reason}); a str target needs text")
            continue
        code, detail = call(func, arg, rejections)
        _send(out, code, detail)


def claim_pipes() -> tuple[BinaryIO, int]:
    """Move the protocol off fds 0 and 1; point fd 0 at /dev/null and fd 1 at stderr."""
    pipe_in = os.fdopen(os.dup(0), "rb")
    out = os.dup(1)
    sys.stdout.flush()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    return pipe_in, out


def load(
    spec: str, reject_on: list[str]
) -> tuple[Callable[[Any], Any], tuple[type[BaseException], ...]]:
    """Resolve the consumer and the rejection classes, or raise :class:`Unresolved`."""
    rejections: list[type[BaseException]] = [ValueError]
    for name in reject_on:
        try:
            cls = resolve(name, default_module="builtins")
        except Unresolved as exc:
            exc.record.update(what="reject_on", name=name)
            raise
        if not (isinstance(cls, type) and issubclass(cls, BaseException)):
            raise Unresolved(problem="not_exception", what="reject_on", name=name)
        rejections.append(cls)
    try:
        func = resolve(spec)
    except Unresolved as exc:
        exc.record.update(what="target", name=spec)
        raise
    if not callable(func):
        raise Unresolved(problem="not_callable", what="target", name=spec, type=type(func).__name__)
    return func, tuple(rejections)


def main(argv: list[str]) -> None:
    """Run a worker for ``SPEC MODE [REJECT_ON...]``."""
    spec, mode, *reject_on = argv
    pipe_in, out = claim_pipes()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when the worker stops
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        func, rejections = load(spec, reject_on)
    except Unresolved as exc:
        _send(out, FAILED, json.dumps(exc.record))
        return
    _send(out, READY, "")
    serve(func, mode, rejections, pipe_in, out)


if __name__ == "__main__":
    main(sys.argv[1:])
