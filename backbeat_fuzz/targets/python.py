"""Python targets: a consumer function called in an isolated worker process.

The worker (:mod:`._worker`) imports the consumer once and then answers one request per
message over a length-prefixed pipe protocol, so a round trip costs tens of microseconds. A
consumer that crashes the interpreter (``os._exit``, a segfault) or never answers only costs a
fresh worker: the call's verdict is a crash or a hang and the next call goes on.
"""

from __future__ import annotations

import json
import os
import pickle
import select
import subprocess
import sys
import time
from typing import Any

from ..errors import UsageError, did_you_mean
from ..model import Verdict
from . import _worker
from .spec import InputMode, Response, Target, describe_exit

__all__ = ["PythonTarget"]

#: Seconds a worker may take to start and import the consumer.
STARTUP_TIMEOUT = 30.0
#: Seconds a worker may take to exit after its input is closed.
EXIT_GRACE = 1.0

# Load the worker from its file: ``-m backbeat_fuzz.targets._worker`` would import the whole
# package first (jsonschema and all), which triples the start-up time of every restart.
_BOOT = (
    "import importlib.util as u,sys;"
    "s=u.spec_from_file_location('backbeat_fuzz_worker',sys.argv[1]);"
    "m=u.module_from_spec(s);s.loader.exec_module(m);m.main(sys.argv[2:])"
)

_VERDICTS = {
    _worker.ACCEPTED: Verdict.ACCEPTED,
    _worker.REJECTED: Verdict.REJECTED,
    _worker.CRASH: Verdict.CRASH,
}


class _NoAnswer(Exception):
    """The worker did not answer before the deadline."""


class _Died(Exception):
    """The worker closed its end: it exited or was killed."""


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

    Raises:
        UsageError: the module cannot be imported, or a name is missing or of the wrong sort.
    """

    def __init__(
        self,
        spec: str,
        *,
        input_mode: InputMode = InputMode.STR,
        reject_on: tuple[str, ...] = (),
        timeout: float = 2.0,
    ) -> None:
        module = spec.split(":", 1)[0] if ":" in spec else spec.rpartition(".")[0]
        if module.endswith(".py"):
            fixed = spec.replace(".py", "", 1)
            raise UsageError(f"target {spec!r} names a file; name the module instead: {fixed!r}")
        self.name = spec
        self.input_mode = InputMode(input_mode)
        self.reject_on = reject_on
        self.timeout = timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._start()

    # -- the worker's life ------------------------------------------------------------------

    def _start(self) -> None:
        argv = [sys.executable, "-c", _BOOT, _worker.__file__, self.name, self.input_mode.value]
        proc = subprocess.Popen(
            [*argv, *self.reject_on],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            bufsize=0,
        )
        self._proc = proc
        try:
            code, detail = self._read_reply(time.monotonic() + max(STARTUP_TIMEOUT, self.timeout))
        except _NoAnswer:
            self._stop(kill=True)
            raise UsageError(
                f"importing target {self.name!r} took over {STARTUP_TIMEOUT:g}s; "
                "make the module import quickly (no work at import time)"
            ) from None
        except _Died:
            returncode = self._stop(kill=False)
            raise UsageError(
                f"cannot import target {self.name!r}: the worker died while importing it "
                f"({describe_exit(returncode)}); check that the module imports in "
                f"{sys.executable}"
            ) from None
        if code != _worker.READY:
            self._stop(kill=False)
            raise UsageError(" ".join(_unresolved_message(json.loads(detail)).split()))

    def _stop(self, *, kill: bool) -> int:
        """End the worker (closing its input, or killing it); return its exit code."""
        proc, self._proc = self._proc, None
        if proc is None:
            return 0
        assert proc.stdin is not None and proc.stdout is not None
        try:
            if kill:
                proc.kill()
            proc.stdin.close()
        except OSError:
            pass
        try:
            returncode = proc.wait(EXIT_GRACE)
        except subprocess.TimeoutExpired:
            proc.kill()
            returncode = proc.wait()
        proc.stdout.close()
        return returncode

    def close(self) -> None:
        """Stop the worker: close its input and let it exit (kill it if it does not)."""
        self._stop(kill=False)

    # -- one call ---------------------------------------------------------------------------

    def _read_reply(self, deadline: float) -> tuple[int, str]:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        buffer = b""
        size = None
        while size is None or len(buffer) < _worker.REPLY.size + size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise _NoAnswer
            chunk = os.read(fd, 65536)
            if not chunk:
                raise _Died
            buffer += chunk
            if size is None and len(buffer) >= _worker.REPLY.size:
                code, size = _worker.REPLY.unpack_from(buffer)
        body = buffer[_worker.REPLY.size : _worker.REPLY.size + size]
        return code, body.decode("utf-8")

    def _payload(self, data: bytes, parsed: Any) -> bytes:
        if self.input_mode is InputMode.OBJECT:
            return pickle.dumps(parsed, pickle.HIGHEST_PROTOCOL)
        return data

    def _exchange(self, payload: bytes) -> tuple[int, str]:
        if self._proc is None:
            self._start()
        assert self._proc is not None and self._proc.stdin is not None
        deadline = time.monotonic() + self.timeout
        fd = self._proc.stdin.fileno()
        view = memoryview(_worker.REQUEST.pack(len(payload)) + payload)
        try:
            while view:
                view = view[os.write(fd, view) :]
        except BrokenPipeError:
            raise _Died from None
        return self._read_reply(deadline)

    def call(self, data: bytes, parsed: Any = None) -> Response:
        """Send one message to the worker and report the consumer's verdict.

        Raises:
            ValueError: a ``str`` target was given bytes that are not UTF-8.
        """
        payload = self._payload(data, parsed)
        start = time.perf_counter()
        try:
            code, detail = self._exchange(payload)
        except _NoAnswer:
            elapsed = time.perf_counter() - start
            self._stop(kill=True)
            self._start()
            return Response(Verdict.HANG, f"no answer within {self.timeout}s", elapsed)
        except _Died:
            elapsed = time.perf_counter() - start
            detail = f"the worker process died: {describe_exit(self._stop(kill=False))}"
            self._start()
            return Response(Verdict.CRASH, detail, elapsed)
        except BaseException:  # interrupted (Ctrl-C) with a reply in flight: start afresh
            self._stop(kill=True)
            raise
        elapsed = time.perf_counter() - start
        if code == _worker.FAILED:
            raise ValueError(f"{self.name}: {detail}")
        return Response(_VERDICTS[code], detail, elapsed)
