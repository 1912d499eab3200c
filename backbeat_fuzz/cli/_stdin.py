"""``--message -``: stdin as one message, or as NDJSON (one message a line) read as it comes.

Which one is decided from the first two lines that are not blank, so a live feed streams and a
pretty-printed message keeps working: when the first line is a whole JSON text by itself (or is
broken before its end, as a bad NDJSON line is) and another line follows, stdin is NDJSON and
every line is a message; otherwise all of stdin is one message, as it always was. The first
result of a feed is therefore printed when its second message arrives (or at end of input).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from ._output import Source

#: How a message read from stdin is named in results.
STDIN = "<stdin>"
_JSON_SPACE = " \t\r\n"


def is_whole_line(line: bytes) -> bool:
    """Whether *line* ends where its JSON text does: it parses, or fails before its last
    character (a pretty-printed document's first line fails at its end: it needs more)."""
    text = line.decode("utf-8", "replace").removeprefix("\ufeff").strip(_JSON_SPACE)
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return exc.pos < len(text)
    except (ValueError, RecursionError):  # too many digits, too deep: whole, and broken
        return True
    return True


def _next_filled(lines: Iterator[bytes], seen: list[bytes]) -> bytes | None:
    """The next line that is not blank (None at the end); every line read is added to *seen*."""
    for line in lines:
        seen.append(line)
        if not line.isspace():
            return line
    return None


def _numbered(lines: Iterable[bytes]) -> Iterator[tuple[Source, bytes]]:
    for number, line in enumerate(lines, start=1):
        if not line.isspace():  # a line holds no "\n" but at its end: strip "\r\n"
            yield Source(STDIN, number), line.rstrip(b"\r\n")


def read_stdin(stream: BinaryIO) -> tuple[bool, Iterator[tuple[Source, bytes]]]:
    """Whether *stream* is NDJSON, and its messages with their sources (see the module)."""
    seen: list[bytes] = []
    lines = iter(stream.readline, b"")  # returns each line as soon as it arrives
    first = _next_filled(lines, seen)
    if first is None or not is_whole_line(first):
        whole = b"".join(seen) + stream.read()
        return False, iter([(Source(STDIN), whole)])
    if _next_filled(lines, seen) is None:
        return False, iter([(Source(STDIN), b"".join(seen))])
    return True, _numbered(itertools.chain(seen, lines))
