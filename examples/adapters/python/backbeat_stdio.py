"""Serve a BACKBEAT consumer function as a backbeat-fuzz ``stdio:`` target.

Copy this file next to your consumer (it needs only the standard library) and call
:func:`serve` with your handler::

    from backbeat_stdio import Reject, serve

    def handle(message: bytes) -> None:
        ...  # return (or return True) to accept; raise Reject("why") or ValueError to reject

    if __name__ == "__main__":
        serve(handle)

then ``backbeat-fuzz --target 'stdio:python3 my_consumer.py'``. The protocol (see
docs/targets.md): each message arrives as its length in bytes, ``\\n``, the bytes, ``\\n``; the
answer is one line, ``accept`` or ``reject <reason>``. Any other exception is a crash: the
traceback and a last line ``crash: <Type>: <text> at <file>:<line> in <function>`` (the file
from the working folder, its basename when outside it) go to stderr and the process exits
with status 70 (backbeat-fuzz starts it again). ``print`` and ``sys.stdout`` are sent to
stderr (and stdin is /dev/null), so the handler cannot garble the protocol.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import traceback
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

__all__ = ["CRASH_STATUS", "Reject", "serve"]

#: The exit status of a handler that raised something other than a rejection.
CRASH_STATUS = 70

_STDLIB = tuple(sysconfig.get_paths()[name] for name in ("stdlib", "platstdlib"))


class Reject(Exception):
    """Raise to reject a message; the text is the reason."""


def _messages(stream: BinaryIO) -> Iterator[bytes]:
    """The framed messages on *stream*, until it ends."""
    while header := stream.readline():
        size = header.removesuffix(b"\n")
        if not size.isdigit():
            sys.exit(f"backbeat_stdio: expected a length line, got {header[:40]!r}")
        data = stream.read(int(size))
        if len(data) != int(size) or stream.read(1) != b"\n":
            sys.exit("backbeat_stdio: the input ended inside a message")
        yield data


def _claim_pipes() -> tuple[BinaryIO, BinaryIO]:
    """Move the protocol off fds 0 and 1, and point them at /dev/null and stderr, so that
    the handler's prints (and reads) cannot touch it."""
    sys.stdout.flush()
    messages = os.fdopen(os.dup(0), "rb")
    answers = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return messages, answers


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _shown(filename: str) -> str:
    """*filename* from the working folder (as a report's source location), else its basename."""
    relative = os.path.relpath(os.path.abspath(filename))
    return os.path.basename(filename) if relative.startswith(os.pardir) else relative


def _crash(exc: BaseException) -> None:
    """Print the traceback and a one-line summary naming the raise site, and exit."""
    traceback.print_exception(type(exc), exc, exc.__traceback__)
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if not f.filename.startswith(_STDLIB)] or frames
    where = f" at {_shown(own[-1].filename)}:{own[-1].lineno} in {own[-1].name}"
    summary = f"crash: {type(exc).__name__}: {_one_line(str(exc))}{where if own else ''}"
    print(summary, file=sys.stderr, flush=True)
    os._exit(CRASH_STATUS)


def _verdict(
    handler: Callable[[Any], object], data: bytes, text: bool, reject_on: tuple[type, ...]
) -> bytes:
    try:
        result = handler(data.decode("utf-8") if text else data)
    except Reject as exc:
        return f"reject {_one_line(str(exc))}".rstrip().encode() + b"\n"
    except reject_on as exc:  # UnicodeDecodeError (not UTF-8) is a ValueError
        return f"reject {type(exc).__name__}: {_one_line(str(exc))}".encode() + b"\n"
    except Exception as exc:
        _crash(exc)
    return b"reject\n" if result is False else b"accept\n"


def serve(
    handler: Callable[[Any], object],
    *,
    text: bool = False,
    reject_on: tuple[type[BaseException], ...] = (ValueError,),
) -> None:
    """Answer every message on stdin with *handler*'s verdict, until stdin is closed.

    Args:
        handler: called with each message: ``bytes``, or ``str`` with ``text=True`` (a message
            that is not UTF-8 is then rejected without calling it). Returning ``False``
            rejects, returning anything else accepts; raising :class:`Reject` or one of
            *reject_on* rejects with the exception's text as the reason; any other exception
            is a crash.
        text: give the handler the message decoded from UTF-8.
        reject_on: exception classes that mean "rejected" (``json.JSONDecodeError`` and
            ``UnicodeDecodeError`` are ``ValueError`` s).
    """
    messages, answers = _claim_pipes()
    for data in _messages(messages):
        answers.write(_verdict(handler, data, text, tuple(reject_on)))
        answers.flush()
