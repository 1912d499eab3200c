"""Failure signatures: the part of what a consumer said that names the cause, not the message.

Two failures with one cause must compare equal even when the messages differ, so the numbers
and quoted values in an exception text, a stderr line or a response body are masked before
they become part of a signature: ``KeyError: 'hlc'`` and ``KeyError: 'tempo_bpm'`` stay apart
(different fields are different bugs), but ``invalid literal for int() with base 10: '12x'``
and ``...: '9q'`` are one. Every target and the harness use :func:`mask` and nothing else.

Of a program's stderr, the line that names the cause is not always the last: a runtime that
dies of an uncaught error ends with its stack and trailers (Node.js ``Node.js v20.20.2``, Go's
goroutine frames, Java's ``at`` lines, Rust's ``RUST_BACKTRACE`` hint), the same for every
cause. :func:`cause_line` skips those back to the error itself.
"""

from __future__ import annotations

import re

__all__ = ["MAX_SIGNATURE", "cause_line", "mask"]

#: A signature is cut to this many characters: long enough to tell causes apart.
MAX_SIGNATURE = 160

# A quote opens after a non-word character and closes before one: "can't" is no quotation.
_QUOTED = re.compile(
    r"""(?<![A-Za-z0-9])(?:'(?:[^'\\]|\\.){0,200}'|"(?:[^"\\]|\\.){0,200}")(?![A-Za-z0-9])"""
)
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])[-+]?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.\[\]]{0,63}")


#: Lines of stderr that follow the error a runtime died of and name no cause (matched on the
#: line as written, indentation included), one per runtime.
_TRAILER = re.compile(
    r"""\s*
    | Node\.js\ v\d[\d.]*\s*                       # Node.js's version line, after an uncaught error
    | \s+at\ \S.*                                  # a JavaScript or Java stack frame
    | \s+\.\.\.\ \d+\ more\s*                       # Java's elided frames
    | goroutine\ \d+\ \[.*                           # a Go goroutine's header
    | [\w./*()\[\]-]+\((?:\.\.\.|[^()]*)\)\s*        # a Go frame's function: main.handle(...)
    | \t\S+:\d+(?:\ \+0x[0-9a-f]+)?\s*               # a Go frame's file and line
    | created\ by\ \S+.*                            # a Go goroutine's creator
    | \[signal\ .*\]\s*                             # Go's signal line after a nil dereference
    | exit\ status\ \d+\s*                          # go run's trailer
    | note:\ run\ with\ `RUST_BACKTRACE.*           # Rust's hint after a panic
    """,
    re.VERBOSE,
)


#: The last frame of a Node.js error with properties, which follow it up to a closing ``}``.
_PROPERTIES_OPEN = re.compile(r"\s+at\ \S.*\ \{\s*", re.VERBOSE)


def _properties_start(said: list[str], end: int) -> int | None:
    """Where the ``{ code: 'MODULE_NOT_FOUND', ... }`` block closed at *end* opens, if it does."""
    return next((i for i in range(end - 1, -1, -1) if _PROPERTIES_OPEN.fullmatch(said[i])), None)


def cause_line(lines: list[str]) -> str:
    """The line of a program's stderr *lines* that names the cause, stripped.

    The last line that is not blank, a stack frame or a runtime's trailer (a Node.js error's
    ``{ code: ... }`` block included); when every line is one of those, the last non-blank
    line; empty when nothing was written.

    >>> cause_line(["Error: bad hlc", "    at check (/srv/c.js:3:9)", "", "Node.js v20.20.2"])
    'Error: bad hlc'
    """
    said = [line for line in lines if line.strip()]
    index = len(said) - 1
    while index >= 0:
        opened = _properties_start(said, index) if said[index].strip() == "}" else None
        if opened is not None:
            index = opened - 1
        elif _TRAILER.fullmatch(said[index]):
            index -= 1
        else:
            return said[index].strip()
    return said[-1].strip() if said else ""


_PHRASE = re.compile(r"[A-Za-z][A-Za-z ,;:!?()'-]{0,78}[A-Za-z.!?)]")


def _quoted(match: re.Match[str]) -> str:
    inner = match.group(0)[1:-1]
    # A quoted identifier names a field or a key (KeyError: 'hlc'), and a quoted phrase of words
    # is a reason ({"error": "tempo too low"}): those are the cause, keep them. Anything else
    # quoted (digits, symbols: the offending value) is the message's, not the bug's.
    if _IDENTIFIER.fullmatch(inner) or (" " in inner and _PHRASE.fullmatch(inner)):
        return match.group(0)
    return "<str>"


def mask(text: str) -> str:
    """*text* as a signature: one line, quoted values and numbers masked, bounded in length.

    >>> mask("invalid literal for int() with base 10: '12x'")
    "invalid literal for int() with base <N>: <str>"
    >>> mask("KeyError: 'hlc'")
    "KeyError: 'hlc'"
    """
    line = " ".join(text.split())
    line = _QUOTED.sub(_quoted, line)
    line = _NUMBER.sub("<N>", line)
    return line[:MAX_SIGNATURE]
