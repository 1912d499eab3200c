"""The worker process of a Python target: import the consumer once, then call it per message.

:class:`.python.PythonTarget` starts it; it is not meant to be run by hand. It imports nothing
from backbeat_fuzz (only the standard library), so it starts fast and leaves the consumer's
interpreter as the consumer expects it; the parent loads this file directly, and
``python -m backbeat_fuzz.targets._worker CONFIG`` works too (CONFIG: the JSON object of
:func:`main`).

Protocol, over the stdin and stdout pipes (the worker moves them to private descriptors first
and points fd 0 at /dev/null and fd 1 at stderr, so the consumer's prints and reads cannot
touch it):

- the worker first sends one reply: ``READY`` with a JSON record of itself (its main thread's
  id, and the :class:`OwnCode` folders that say which frames are the consumer's), or
  ``FAILED`` with a JSON record of what could not be resolved (the parent words the error);
- then each request is ``!I`` length + payload (the message bytes, or a pickle of the parsed
  object in ``object`` mode), and each reply is ``!BI`` code + length + UTF-8 body:
  ``ACCEPTED`` with the detail (``returned True``); ``REJECTED`` or ``CRASH`` with an encoded
  :class:`Failure` record (or :data:`RETURNED_FALSE`); ``FAILED`` with the detail of a message
  a ``str`` consumer cannot take (not UTF-8);
- end of input: the worker exits.

With a ``dump_fd``, :mod:`faulthandler` writes every thread's stack to that descriptor when
the worker gets :data:`DUMP_SIGNAL` (the parent's "you are hanging": a stack even from inside
C code) or dies of a fatal signal (SIGSEGV and the like). With a ``memory_limit`` the worker's
data size is capped (``RLIMIT_DATA``), so a consumer growing past it gets a ``MemoryError``.
"""

from __future__ import annotations

import _thread
import importlib
import json
import opcode
import os
import pickle
import pkgutil
import signal
import struct
import sys
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, BinaryIO, NamedTuple

ACCEPTED, REJECTED, CRASH, FAILED, READY = range(5)
REQUEST = struct.Struct("!I")
REPLY = struct.Struct("!BI")
MAX_DETAIL = 2000
#: How much of a crash's formatted traceback the reply carries (its innermost end).
MAX_TRACE = 4000
#: The signal the parent sends a hanging worker: dump every thread's stack, then be killed.
DUMP_SIGNAL = signal.SIGUSR2
#: The body of a rejection by ``return False``.
RETURNED_FALSE = "returned False"
#: Between a failure record's fields: whitespace to ``str.split``, so no message joined from
#: its words holds one.
SEP = "\x1f"
#: The opcodes of a ``raise`` statement (``raise X``, a bare ``raise``).
_RAISES = frozenset(opcode.opmap[n] for n in ("RAISE_VARARGS", "RERAISE") if n in opcode.opmap)
_MIB = 1 << 20
#: The backbeat_fuzz package this file belongs to: never the consumer's own code.
_HOME = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Unresolved(Exception):
    """A name that cannot be resolved; ``record`` says what, for the parent to word."""

    def __init__(self, **record: Any) -> None:
        super().__init__(record)
        self.record = record


class Frame(NamedTuple):
    """One frame of a stack, its file shown by :meth:`OwnCode.shown`."""

    file: str
    line: int
    function: str


class Failure(NamedTuple):
    """A rejection or a crash as the worker reports it: cheap to encode and decode.

    ``frame`` is the innermost frame in the consumer's own code (None when unknown);
    ``keyed`` says the exception is a ``KeyError``, whose key names the cause; ``message`` is
    one line, bounded; ``trace`` (crashes only) the formatted traceback's end; ``raised_here``
    says a ``raise`` statement in ``frame`` made the exception (its message is the consumer's
    own words), not a library or builtin it called (whose message depends on the input).
    """

    type: str
    frame: Frame | None
    keyed: bool
    message: str
    trace: str = ""
    raised_here: bool = False

    def encode(self) -> str:
        """The fields joined by :data:`SEP` (any :data:`SEP` in them becomes a space)."""
        file, line, function = self.frame or ("", 0, "")
        texts = (self.type, file, function, self.message, self.trace)
        kind, file, function, message, trace = (t.replace(SEP, " ") for t in texts)
        flags = ("k" if self.keyed else "") + ("r" if self.raised_here else "")
        return SEP.join((kind, file, str(line), function, flags, message, trace))

    @classmethod
    def decode(cls, body: str) -> Failure:
        """The record :meth:`encode` made *body* from."""
        kind, file, line, function, flags, message, trace = body.split(SEP, 6)
        frame = Frame(file, int(line), function) if file else None
        return cls(kind, frame, "k" in flags, message, trace, "r" in flags)


def _folders(paths: Iterable[str]) -> tuple[str, ...]:
    """Absolute folder prefixes (ending with a separator), longest first."""
    shown = {os.path.join(os.path.abspath(p or os.curdir), "") for p in paths}
    return tuple(sorted(shown, key=len, reverse=True))


def _package_path(top: str) -> list[str]:
    """The folders of the imported top-level package *top*; [] for a plain module."""
    return list(getattr(sys.modules.get(top), "__path__", []))


class OwnCode:
    """Which source files are the consumer's own, and the short path a frame is shown by.

    A file is the consumer's own when it is (or is under) one of ``own`` (the target's
    top-level package, wherever it is installed), or else when it is a real file under none of
    ``foreign`` (the standard library, site-packages, backbeat_fuzz) and under no
    ``site-packages`` or ``dist-packages`` folder. A path is shown relative to the first of
    ``roots`` that holds it (the folder the target's package is imported from, the current
    folder, then the import path, longest first), else by its file name, so one bug has one
    signature on every machine and from every working folder.
    """

    def __init__(self, own: Iterable[str], foreign: Iterable[str], roots: Iterable[str]) -> None:
        self.own = tuple(own)
        self.foreign = _folders(foreign)
        self.roots = tuple(roots)
        self._judged: dict[str, bool] = {}
        self._shown: dict[str, str] = {}

    @classmethod
    def discover(cls, module: str, foreign: Iterable[str]) -> OwnCode:
        """The consumer's own code for a target in *module*, which is imported."""
        top = module.partition(".")[0]
        folders = [os.path.join(os.path.abspath(p), "") for p in _package_path(top)]
        file = getattr(sys.modules.get(module), "__file__", None)
        files = [os.path.abspath(file)] if file else []
        # A target inside backbeat_fuzz (the demo) owns its file, not the whole package.
        own = folders if folders and top != os.path.basename(_HOME) else files
        # Paths are shown from where the top-level package is imported: mysvc/handler.py.
        homes = [os.path.dirname(os.path.dirname(f)) for f in folders] or [
            os.path.dirname(f) for f in files
        ]
        paths = [p for p in sys.path if os.path.isdir(p)]
        roots = (*_folders(homes), os.path.join(os.getcwd(), ""), *_folders(paths))
        return cls(own, (*foreign, _HOME), roots)

    def record(self) -> dict[str, list[str]]:
        """What the parent needs to rebuild this object: ``OwnCode(**record)``."""
        return {"own": list(self.own), "foreign": list(self.foreign), "roots": list(self.roots)}

    def is_own(self, filename: str) -> bool:
        """Whether *filename* is the consumer's own source (cached per file)."""
        judged = self._judged.get(filename)
        if judged is None:
            judged = self._judged[filename] = self._judge(filename)
        return judged

    def _judge(self, filename: str) -> bool:
        if filename.startswith("<"):  # <frozen importlib._bootstrap>, <string>
            return False
        path = os.path.abspath(filename)
        if any(path == own or (own.endswith(os.sep) and path.startswith(own)) for own in self.own):
            return True
        if path.startswith(self.foreign):
            return False
        parts = path.split(os.sep)
        return "site-packages" not in parts and "dist-packages" not in parts

    def shown(self, filename: str) -> str:
        """*filename* relative to the first root that holds it, else its bare name (cached)."""
        shown = self._shown.get(filename)
        if shown is None:
            path = os.path.abspath(filename)
            root = next((r for r in self.roots if path.startswith(r)), None)
            shown = _utf8(path[len(root) :] if root else os.path.basename(path))
            self._shown[filename] = shown
        return shown

    def pick(self, frames: Iterable[tuple[str, int, str]]) -> Frame | None:
        """The first (innermost) of *frames* in own code, else the first; innermost first."""
        first = None
        for filename, line, function in frames:
            if self.is_own(filename):
                return Frame(self.shown(filename), line, function)
            if first is None:
                first = (filename, line, function)
        return None if first is None else Frame(self.shown(first[0]), first[1], first[2])

    def raise_site(self, tb: TracebackType | None) -> Frame | None:
        """The innermost frame of the traceback *tb* in own code, else its innermost."""
        own = innermost = None
        while tb is not None:
            innermost = tb
            if self.is_own(tb.tb_frame.f_code.co_filename):
                own = tb
            tb = tb.tb_next
        chosen = own or innermost
        if chosen is None:
            return None
        code = chosen.tb_frame.f_code
        return Frame(self.shown(code.co_filename), chosen.tb_lineno, code.co_name)


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


def split_name(name: str, default_module: str | None = None) -> tuple[str, str]:
    """``pkg.module:attr.path`` or ``pkg.module.attr`` as (module, attribute path)."""
    if ":" in name:
        module, path = name.split(":", 1)
        return module, path
    if "." in name or default_module is None:
        module, _, path = name.rpartition(".")
        return module, path
    return default_module, name


def resolve(name: str, *, default_module: str | None = None) -> Any:
    """Find ``pkg.module:attr.path`` or ``pkg.module.attr`` (or a bare name in *default_module*)."""
    module, path = split_name(name, default_module)
    obj = import_module(module)
    for attribute in path.split("."):
        if not hasattr(obj, attribute):
            choices = [n for n in dir(obj) if not n.startswith("_")]
            raise Unresolved(
                problem="attribute", module=module, attribute=attribute, choices=choices
            )
        obj = getattr(obj, attribute)
    return obj


def _utf8(text: str) -> str:
    """*text* with what UTF-8 cannot carry (lone surrogates) as ``\\udcff`` escapes."""
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


def _text(exc: BaseException) -> str:
    # jsonschema's str() appends the whole schema and instance; its .message is the line.
    module = sys.modules.get("jsonschema.exceptions")
    try:
        if module is not None and isinstance(exc, module.ValidationError):
            return _utf8(str(exc.message))
        return _utf8(str(exc))
    except Exception:
        return "<unprintable>"


def describe(exc: BaseException) -> str:
    """``KeyError: 'hlc'``: the exception's class name and message, one line, bounded."""
    text = _text(exc)
    line = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    line = " ".join(line.split())
    return line if len(line) <= MAX_DETAIL else line[:MAX_DETAIL] + "..."


def _trace(exc: BaseException, tb: TracebackType | None) -> str:
    import traceback  # only a crash pays for it

    text = _utf8("".join(traceback.format_exception(type(exc), exc, tb)))
    return text if len(text) <= MAX_TRACE else "..." + text[-MAX_TRACE:]


def failure(exc: BaseException, own: OwnCode, *, rejected: bool) -> str:
    """The :class:`Failure` record of a rejection or a crash by *exc*, encoded."""
    tb = exc.__traceback__
    tb = tb.tb_next if tb is not None else None  # tb itself is the worker's own call
    message = " ".join(_text(exc).split())
    if len(message) > MAX_DETAIL:
        message = message[:MAX_DETAIL] + "..."
    trace = "" if rejected else _trace(exc, tb)
    return Failure(
        type(exc).__name__,
        own.raise_site(tb),
        isinstance(exc, KeyError),
        message,
        trace,
        _raised_by_statement(tb, own),
    ).encode()


def _raised_by_statement(tb: TracebackType | None, own: OwnCode) -> bool:
    """True when the innermost frame is own code stopped at a ``raise`` statement."""
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    if not own.is_own(code.co_filename) or not 0 <= tb.tb_lasti < len(code.co_code):
        return False
    return code.co_code[tb.tb_lasti] in _RAISES


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
    func: Callable[[Any], Any],
    arg: Any,
    rejections: tuple[type[BaseException], ...],
    own: OwnCode,
) -> tuple[int, str]:
    """Call the consumer once; return the reply code and body."""
    try:
        result = func(arg)
    except BaseException as exc:
        rejected = _is_rejection(exc, rejections)
        return (REJECTED if rejected else CRASH), failure(exc, own, rejected=rejected)
    if result is False:
        return REJECTED, RETURNED_FALSE
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
    own: OwnCode,
    pipes: tuple[BinaryIO, int],
) -> None:
    """Answer requests until the parent closes the pipe."""
    decode = _decoder(mode)
    read = pipes[0].read
    out = pipes[1]
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
        code, body = call(func, arg, rejections, own)
        _send(out, code, body)


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


def arm_dumps(fd: int | None) -> None:
    """Write every thread's stack to *fd* on :data:`DUMP_SIGNAL` and on a fatal signal."""
    if fd is None:
        return
    import faulthandler

    faulthandler.enable(file=fd, all_threads=True)
    faulthandler.register(DUMP_SIGNAL, file=fd, all_threads=True, chain=False)


def _data_mib() -> int | None:
    """The worker's data size now (Linux ``VmData``), in MiB; None where unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) >> 10
    except (OSError, ValueError, IndexError):
        pass
    return None


def limit_memory(mib: int | None, spec: str) -> None:
    """Cap the data size at *mib* MiB, or raise :class:`Unresolved` if the import is over it."""
    if not mib:
        return
    try:
        import resource
    except ImportError:  # not on this platform: no limit
        return
    used = _data_mib()
    if used is not None and used >= mib:
        raise Unresolved(problem="memory", what="target", name=spec, used=used, limit=mib)
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    soft = mib * _MIB if hard == resource.RLIM_INFINITY else min(mib * _MIB, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def main(argv: list[str]) -> None:
    """Run a worker for one JSON CONFIG argument.

    CONFIG: ``spec``, ``mode`` (``str``, ``bytes`` or ``object``), optional ``reject_on``
    (names), ``memory_limit`` (MiB, null for none), ``dump_fd`` (a descriptor for stack dumps)
    and ``foreign`` (folders that are never the consumer's own code).
    """
    config = json.loads(argv[0])
    pipes = claim_pipes()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when the worker stops
    arm_dumps(config.get("dump_fd"))
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    spec = config["spec"]
    try:
        func, rejections = load(spec, config.get("reject_on", []))
        limit_memory(config.get("memory_limit"), spec)
    except Unresolved as exc:
        _send(pipes[1], FAILED, json.dumps(exc.record))
        return
    own = OwnCode.discover(split_name(spec)[0], config.get("foreign", []))
    _send(pipes[1], READY, json.dumps({"main_thread": _thread.get_ident(), **own.record()}))
    serve(func, config["mode"], rejections, own, pipes)


if __name__ == "__main__":
    main(sys.argv[1:])
