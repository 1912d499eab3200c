"""Python targets: a consumer function called in an isolated worker process.

The worker (:mod:`._worker`) imports the consumer once and then answers one request per
message over a length-prefixed pipe protocol, so a round trip costs tens of microseconds. A
consumer that crashes the interpreter (``os._exit``, a segfault) or never answers only costs a
fresh worker: the call's verdict is a crash or a hang and the next call goes on.

The worker runs in a process group of its own (:mod:`._process`), killed whole when it is
stopped, so what a consumer forks dies with it. A hanging worker's stack is taken before it is
killed: the hang's signature names the function it hung in (:mod:`._pyfailures` lists every
signature format). Its data size is capped at ``memory_limit`` MiB (default
:data:`DEFAULT_MEMORY_LIMIT`): a consumer growing past it gets a ``MemoryError``, a crash of that
input, and the next input gets a fresh worker.
"""

from __future__ import annotations

import functools
import json
import pickle
import site
import sys
import sysconfig
import time
from typing import Any

from ..defaults import DEFAULT_TIMEOUT
from ..errors import UsageError, did_you_mean
from ..model import Verdict
from . import _process, _pyfailures, _worker
from ._process import Died, NoAnswer, WorkerProcess
from .base import InputMode, Response, Target, describe_exit

__all__ = ["DEFAULT_MEMORY_LIMIT", "PythonTarget"]

#: Seconds a worker may take to start and import the consumer.
STARTUP_TIMEOUT = 30.0
#: MiB of data (heap) a worker may use unless told otherwise.
DEFAULT_MEMORY_LIMIT = 2048
#: Rejection replies remembered with their response (most rejections are alike).
MAX_REMEMBERED = 4096

# Load the worker from its file: ``-m backbeat_fuzz.targets._worker`` would import the whole
# package first (jsonschema and all), which triples the start-up time of every restart.
_BOOT = (
    "import importlib.util as u,sys;"
    "s=u.spec_from_file_location('backbeat_fuzz_worker',sys.argv[1]);"
    "m=u.module_from_spec(s);s.loader.exec_module(m);m.main(sys.argv[2:])"
)


@functools.cache
def _foreign() -> list[str]:
    """The folders of this interpreter that are never a consumer's own code."""
    paths = sysconfig.get_paths()
    found = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    found.update(site.getsitepackages())
    found.add(site.getusersitepackages())
    return sorted(found)


def _import_fix(record: dict[str, Any]) -> str:
    module, missing = record["module"], record.get("missing")
    if missing is None:
        return f"fix the module so that `python -c 'import {module}'` works"
    if missing == module.partition(".")[0]:
        return "run from the folder that holds the package or add it to PYTHONPATH"
    if module == missing or module.startswith(missing + "."):
        hint = did_you_mean(missing, record["choices"])
        return f"check the module name.{hint}" if hint else "check the module name"
    return f"install {missing.partition('.')[0]!r} where backbeat-fuzz runs, or fix the import"


def _unresolved_message(record: dict[str, Any]) -> str:
    """Word one failure to resolve the target or a ``reject_on`` class, ending with the fix."""
    what, name, problem = record["what"], record["name"], record["problem"]
    if problem == "not_callable":
        return (
            f"{name!r} is not callable ({record['type']} object); "
            "name a function that takes one message"
        )
    if problem == "memory":
        return (
            f"target {name!r} already uses {record['used']} MiB of data after its import, over "
            f"memory_limit={record['limit']!r} MiB; raise the limit (0 for none)"
        )
    if problem == "not_exception":
        return f"reject_on {name!r} is not an exception class; name a class derived from Exception"
    if problem == "attribute":
        attribute = record["attribute"]
        hint = did_you_mean(attribute, record["choices"])
        fix = hint or f"; check the name in module {record['module']!r}"
        return f"{what} {name!r} has no attribute {attribute!r}{'.' if hint else ''}{fix}"
    return f"cannot import {what} {name!r}: {record['error']}; {_import_fix(record)}"


class PythonTarget(Target):
    """A consumer function (``pkg.module.func`` or ``pkg.module:func``) in a worker process.

    Args:
        spec: the function's dotted name.
        input_mode: what the function takes: the text, the bytes or the parsed object.
        reject_on: more exception classes that mean "rejected" (``module.ExcName``).
        timeout: seconds a call may take before it is a hang.
        memory_limit: MiB of data the worker may use (its ``RLIMIT_DATA``: heap and private
            mappings, not shared libraries or thread stacks); 0 or None for no limit.

    Raises:
        UsageError: the module cannot be imported, a name is missing or of the wrong sort, or
            the import alone is over the memory limit.
    """

    def __init__(
        self,
        spec: str,
        *,
        input_mode: InputMode = InputMode.STR,
        reject_on: tuple[str, ...] = (),
        timeout: float = DEFAULT_TIMEOUT,
        memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
    ) -> None:
        module = spec.split(":", 1)[0] if ":" in spec else spec.rpartition(".")[0]
        if module.endswith(".py"):
            fixed = spec.replace(".py", "", 1)
            raise UsageError(f"target {spec!r} names a file; name the module instead: {fixed!r}")
        self.name = spec
        self.input_mode = InputMode(input_mode)
        self.reject_on = reject_on
        self.timeout = timeout
        self.memory_limit = memory_limit or None
        self._worker: WorkerProcess | None = None
        self._own = _worker.OwnCode((), (), ())
        self._main_thread = 0
        self._rejections: dict[bytes, Response] = {}
        self._start()

    # -- the worker's life ------------------------------------------------------------------

    def _config(self) -> dict[str, Any]:
        return {
            "spec": self.name,
            "mode": self.input_mode.value,
            "reject_on": list(self.reject_on),
            "memory_limit": self.memory_limit,
            "foreign": _foreign(),
        }

    def _start(self) -> None:
        worker = self._worker = WorkerProcess(
            [sys.executable, "-c", _BOOT, _worker.__file__], self._config()
        )
        try:
            code, body = worker.reply(time.monotonic() + max(STARTUP_TIMEOUT, self.timeout))
        except NoAnswer:
            self._stop(kill=True)
            raise UsageError(
                f"importing target {self.name!r} took over {STARTUP_TIMEOUT:g}s; "
                "make the module import quickly (no work at import time)"
            ) from None
        except Died:
            returncode = self._stop(kill=False).returncode
            raise UsageError(
                f"cannot import target {self.name!r}: the worker died while importing it "
                f"({describe_exit(returncode)}); check that the module imports in "
                f"{sys.executable}"
            ) from None
        record = json.loads(body)
        if code != _worker.READY:
            self._stop(kill=False)
            raise UsageError(" ".join(_unresolved_message(record).split()))
        self._main_thread = record.pop("main_thread")
        self._own = _worker.OwnCode(**record)

    def _stop(self, *, kill: bool) -> _process.Ended:
        """End the worker and its process group (closing its input, or killing it)."""
        worker, self._worker = self._worker, None
        return worker.stop(kill=kill) if worker else _process.Ended(0, "")

    def close(self) -> None:
        """Stop the worker: close its input and let it exit, then kill what is left of it."""
        self._stop(kill=False)

    # -- one call ---------------------------------------------------------------------------

    def _payload(self, data: bytes, parsed: Any) -> bytes:
        if self.input_mode is InputMode.OBJECT:
            return pickle.dumps(parsed, pickle.HIGHEST_PROTOCOL)
        return data

    def _exchange(self, payload: bytes) -> tuple[int, bytes]:
        if self._worker is None:
            self._start()
        assert self._worker is not None
        deadline = time.monotonic() + self.timeout
        self._worker.send(_worker.REQUEST.pack(len(payload)) + payload)
        return self._worker.reply(deadline)

    def _hang(self, elapsed: float) -> Response:
        assert self._worker is not None
        dump = self._worker.stack()
        self._stop(kill=True)
        self._start()
        return _pyfailures.hang(self.timeout, elapsed, dump, self._main_thread, self._own)

    def _death(self, elapsed: float) -> Response:
        ended = self._stop(kill=False)
        self._start()
        return _pyfailures.death(ended, elapsed, self._main_thread, self._own)

    def _rejection(self, body: bytes, elapsed: float) -> Response:
        """The response to a rejection *body*, built once per distinct body."""
        known = self._rejections.get(body)
        if known is None:
            if len(self._rejections) >= MAX_REMEMBERED:
                self._rejections.clear()
            known = self._rejections[body] = self._rejected(body.decode("utf-8"))
        return Response(
            known.verdict, known.detail, elapsed, known.signature, known.location, known.output
        )

    def _rejected(self, text: str) -> Response:
        if text == _worker.RETURNED_FALSE:
            return Response(Verdict.REJECTED, text, 0.0, signature=text)
        failure = _worker.Failure.decode(text)
        return _pyfailures.exception(Verdict.REJECTED, failure, 0.0, self.memory_limit)

    def call(self, data: bytes, parsed: Any = None) -> Response:
        """Send one message to the worker and report the consumer's verdict.

        Raises:
            ValueError: a ``str`` target was given bytes that are not UTF-8.
        """
        payload = self._payload(data, parsed)
        start = time.perf_counter()
        try:
            code, body = self._exchange(payload)
        except NoAnswer:
            return self._hang(time.perf_counter() - start)
        except Died:
            return self._death(time.perf_counter() - start)
        except BaseException:  # interrupted (Ctrl-C) with a reply in flight: start afresh
            self._stop(kill=True)
            raise
        elapsed = time.perf_counter() - start
        if code == _worker.ACCEPTED:
            return Response(Verdict.ACCEPTED, body.decode("utf-8"), elapsed)
        if code == _worker.FAILED:
            raise ValueError(f"{self.name}: {body.decode('utf-8')}")
        if code == _worker.REJECTED:
            return self._rejection(body, elapsed)
        failure = _worker.Failure.decode(body.decode("utf-8"))
        if failure.type == "MemoryError":  # what the worker holds is not the next input's
            self._stop(kill=True)
            self._start()
        return _pyfailures.exception(Verdict.CRASH, failure, elapsed, self.memory_limit)
