"""``cmd:`` targets: a program run once per message, with the message on its stdin.

Exit code 0 means accepted, any other exit code rejected; a program killed by a signal
crashed, and one still running at the timeout hangs (its whole process group is killed). A
shell that reports a child's signal as exit code 128+N is taken at its word: rejected.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import time
from typing import Any

from ..errors import UsageError
from ..model import Verdict
from .spec import InputMode, Response, Target, describe_exit

__all__ = ["CommandTarget"]

#: How much of the program's stderr a response's detail quotes.
MAX_STDERR = 200


def _argv(spec: str) -> list[str]:
    try:
        argv = shlex.split(spec.removeprefix("cmd:"))
    except ValueError as exc:
        raise UsageError(
            f"target {spec!r} cannot be split into words ({exc}); fix the quoting"
        ) from None
    if not argv:
        raise UsageError(f"target {spec!r} names no program; write cmd:COMMAND ARGS")
    return argv


def _find(program: str, spec: str) -> str:
    if os.sep in program:
        if not os.path.isfile(program):
            raise UsageError(f"target {spec!r}: {program!r} does not exist; check the path")
        if not os.access(program, os.X_OK):
            raise UsageError(
                f"target {spec!r}: {program!r} is not executable; "
                f"run 'chmod +x {program}' or name its interpreter (cmd:sh {program})"
            )
        return program
    found = shutil.which(program)
    if found is None:
        raise UsageError(
            f"target {spec!r}: program {program!r} is not on PATH; "
            "install it or give its path (cmd:./my-consumer)"
        )
    return found


def _last_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "backslashreplace").strip().splitlines()
    if not lines:
        return ""
    line = lines[-1].strip()
    return line if len(line) <= MAX_STDERR else line[:MAX_STDERR] + "..."


class CommandTarget(Target):
    """A program (``cmd:COMMAND ARGS``, split like a shell would) run once per message.

    Args:
        spec: ``cmd:`` followed by the command line.
        timeout: seconds a run may take before it is a hang.

    Raises:
        UsageError: the command line is empty, badly quoted, or its program cannot be found.
    """

    def __init__(self, spec: str, *, timeout: float = 2.0) -> None:
        self.name = spec
        self.input_mode = InputMode.BYTES
        self.timeout = timeout
        argv = _argv(spec)
        self.argv = [_find(argv[0], spec), *argv[1:]]

    def call(self, data: bytes, parsed: Any = None) -> Response:
        """Run the program with *data* on its stdin and judge its exit."""
        start = time.perf_counter()
        with subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, killed whole on a hang
        ) as proc:
            try:
                _, stderr = proc.communicate(data, timeout=self.timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                try:
                    proc.communicate(timeout=1.0)
                except subprocess.TimeoutExpired:  # a grandchild left the group, holding stderr
                    proc.kill()
                elapsed = time.perf_counter() - start
                return Response(Verdict.HANG, f"no answer within {self.timeout}s", elapsed)
        elapsed = time.perf_counter() - start
        detail = describe_exit(proc.returncode)
        said = _last_line(stderr)
        if said:
            detail = f"{detail} (stderr: {said})"
        if proc.returncode < 0:
            return Response(Verdict.CRASH, detail, elapsed)
        verdict = Verdict.ACCEPTED if proc.returncode == 0 else Verdict.REJECTED
        return Response(verdict, detail, elapsed)

    def close(self) -> None:
        """Nothing to release: each call runs and reaps its own process."""


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        proc.kill()
