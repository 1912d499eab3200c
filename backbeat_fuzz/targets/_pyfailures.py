"""A Python worker's failures as :class:`~.spec.Response`: rejections, crashes, hangs, deaths.

The worker reports an exception as a small record (:class:`._worker.Failure`); a hang or a
death by a fatal signal leaves a :mod:`faulthandler` stack dump. This module turns either into
the response's detail (a short line, as before), signature, location and output. Signatures,
with every quoted value and number of a message masked by :func:`~backbeat_fuzz.signature.mask`:

=====================  ============================================================
rejection (raised)     ``ValueError at mysvc/handler.py:30 in check_hlc: bad hlc <str>``
rejection (called)     ``ValueError at mysvc/handler.py:41 in parse`` (by a library or builtin)
rejection (returned)   ``returned False``
crash                  ``AttributeError at mysvc/handler.py:12 in handle``
crash by ``KeyError``  ``KeyError at mysvc/handler.py:12 in handle: 'hlc'`` (the key)
hang                   ``hang at mysvc/check.py in match_agent`` (main thread; no line)
death                  ``exit code 3``; ``killed by SIGSEGV at mysvc/native.py:8 in parse``
=====================  ============================================================

The frame is the innermost one in the consumer's own code (:class:`._worker.OwnCode`), else
the innermost. A rejection's message is part of its signature only when the consumer's own
``raise`` statement made it (one helper raising ``ValueError(reason)`` for many causes): a
rejection raised by a library or builtin the consumer called (``datetime.fromisoformat``,
``str.encode``) words the input, not the cause, so its call site alone is the signature.
A hang's signature names the file and function but not the line: a loop is
caught on any of its lines, and one loop is one cause (its location has the line it was on).
A hang with no stack (a worker that ignores the dump signal) is signed ``hang``, as an
``stdio:``, ``cmd:`` or ``http://`` hang is: nothing else tells its causes apart.
"""

from __future__ import annotations

import re

from ..model import Verdict
from ..signature import MAX_REASON, MAX_SIGNATURE, mask
from ._process import Ended
from ._worker import Failure, Frame, OwnCode
from .base import Response, describe_exit

#: Characters of a traceback or a stack a response's output keeps.
MAX_OUTPUT = 4000

_THREAD = re.compile(r"^(Current thread|Thread) (0x[0-9a-fA-F]+) \(most recent call first\):$")
_FILE = re.compile(r'^  File "(.*)", line (\d+) in (.*)$')


def _where(frame: Frame) -> str:
    return f"{frame.file}:{frame.line} in {frame.function}"


def _location(frame: Frame | None) -> str | None:
    return f"{frame.file}:{frame.line}" if frame else None


def _bounded(text: str) -> str:
    return text if len(text) <= MAX_OUTPUT else text[:MAX_OUTPUT] + "\n..."


def exception(
    verdict: Verdict, failure: Failure, elapsed: float, memory_limit: int | None
) -> Response:
    """The response to a rejection or crash the worker reported as *failure*."""
    frame, kind, message = failure.frame, failure.type, failure.message
    if kind == "MemoryError" and not message and memory_limit:
        message = f"over the memory limit of {memory_limit} MiB"
    detail = f"{kind}: {message}" if message else kind
    signature = f"{kind} at {_where(frame)}" if frame else kind
    if verdict is Verdict.CRASH and frame:
        detail += f" (at {_where(frame)})"
    if message and ((verdict is Verdict.REJECTED and failure.raised_here) or failure.keyed):
        signature += f": {mask(message, MAX_REASON)}"
    output = _bounded(failure.trace)
    return Response(verdict, detail, elapsed, signature[:MAX_REASON], _location(frame), output)


def _thread_blocks(dump: str) -> list[tuple[str, int, list[str]]]:
    """(header, thread id, lines) of each thread in a faulthandler dump, in its order."""
    blocks: list[tuple[str, int, list[str]]] = []
    for line in dump.splitlines():
        header = _THREAD.match(line)
        if header:
            blocks.append((header.group(1), int(header.group(2), 16), [line]))
        elif blocks and line.startswith("  "):
            blocks[-1][2].append(line)
    return blocks


def main_stack(dump: str, main_thread: int) -> tuple[list[tuple[str, int, str]], str]:
    """The main thread's frames (innermost first) in *dump*, and its text ('' if absent)."""
    blocks = _thread_blocks(dump)
    chosen = next((b for b in blocks if b[1] == main_thread), None)
    chosen = chosen or next((b for b in blocks if b[0] == "Current thread"), None)
    if chosen is None:
        return [], ""
    frames = []
    for line in chosen[2]:
        found = _FILE.match(line)
        if found:
            frames.append((found.group(1), int(found.group(2)), found.group(3)))
    return frames, _bounded("\n".join(chosen[2]))


def hang(timeout: float, elapsed: float, dump: str, main_thread: int, own: OwnCode) -> Response:
    """The response to a worker that gave no answer in time, from its stack *dump*."""
    frames, text = main_stack(dump, main_thread)
    frame = own.pick(frames)
    signature = f"hang at {frame.file} in {frame.function}" if frame else "hang"
    detail = f"no answer within {timeout}s"
    return Response(
        Verdict.HANG, detail, elapsed, signature[:MAX_SIGNATURE], _location(frame), text
    )


def death(ended: Ended, elapsed: float, main_thread: int, own: OwnCode) -> Response:
    """The response to a worker that died mid-call (``os._exit``, a segfault, the kernel)."""
    how = describe_exit(ended.returncode)
    frames, text = main_stack(ended.stack, main_thread)
    frame = own.pick(frames)
    signature = f"{how} at {_where(frame)}" if frame else how
    detail = f"the worker process died: {how}"
    return Response(
        Verdict.CRASH, detail, elapsed, signature[:MAX_SIGNATURE], _location(frame), text
    )
