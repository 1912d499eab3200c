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

A consumer's text also names values without quotes (``agent_id ▒ is not printable``, Go's
``%s``, a JavaScript template string): :func:`mask_values` masks the values of the message
that was sent wherever the signature names them, or one bug would be a finding per value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["MAX_REASON", "MAX_SIGNATURE", "cause_line", "mask", "mask_values"]

#: A signature is cut to this many characters: long enough to tell causes apart.
MAX_SIGNATURE = 160
#: What a target keeps of a consumer's own words in a signature: the campaign cuts it to
#: MAX_SIGNATURE only once the message's values are masked (a 4,096-character notes value
#: quoted in a reason must not be cut halfway, and so escape :func:`mask_values`).
MAX_REASON = 8192

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


def mask(text: str, limit: int = MAX_SIGNATURE) -> str:
    """*text* as a signature: one line, quoted values and numbers masked, bounded in length.

    >>> mask("invalid literal for int() with base 10: '12x'")
    "invalid literal for int() with base <N>: <str>"
    >>> mask("KeyError: 'hlc'")
    "KeyError: 'hlc'"
    """
    line = " ".join(text.split())
    line = _QUOTED.sub(_quoted, line)
    line = _NUMBER.sub("<N>", line)
    return line[:limit]


#: Values kept as they are: the little words of a sentence, so that "a" or "is" in a message
#: does not change the signature "not a JSON object" (a value is masked only where it stands
#: as a whole token).
_SENTENCE_WORDS = frozenset(
    {
        *("a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "in", "is"),
        *("it", "no", "not", "of", "on", "or", "than", "the", "to", "was", "with"),
    }
)
#: Whitespace as JavaScript's ``\s`` has it too: a Node.js consumer's ``split(/\s+/)`` drops a
#: byte-order mark that Python's ``str.split`` keeps.
_ANY_SPACE = re.compile(r"[\s\ufeff]+")
_WORD = re.compile(r"[A-Za-z0-9_]")


def mask_values(signature: str, values: Iterable[str]) -> str:
    """*signature* with each of *values* (the strings of the message sent) that it names as a
    whole token, quoted or not, replaced by ``<str>`` (and one its end cuts short).

    The little words of a sentence (``a``, ``is``) are kept: they are more often words of the
    text than the message's. Pass the contract's own words (enum values, field names) as not
    *values*.

    >>> mask_values("reject: agent_id ▒ is not printable", ["▒", "7ffd:0001:abcd"])
    'reject: agent_id <str> is not printable'
    """
    forms = sorted({form for value in values for form in _forms(value)}, key=len, reverse=True)
    for form in forms:
        if form in signature:
            token = rf"(?<![A-Za-z0-9_]){re.escape(form)}(?![A-Za-z0-9_])"
            signature = re.sub(token, "<str>", signature)
    return _cut_value(signature, forms)


def _cut_value(signature: str, forms: list[str]) -> str:
    """*signature* with its last token masked when it is the start of a value that a target's
    length limit (MAX_REASON) cut short."""
    if len(signature) < MAX_REASON:
        return signature
    for start in range(len(signature) - 3):
        if start and _WORD.match(signature[start - 1]):
            continue
        tail = signature[start:]
        if any(len(form) > len(tail) and form.startswith(tail) for form in forms):
            return signature[:start] + "<str>"
    return signature


def _forms(value: str) -> set[str]:
    """How *value* can appear in a signature: on one line (as Python or JavaScript folds its
    whitespace), and then masked itself."""
    lines = {" ".join(value.split()), " ".join(_ANY_SPACE.split(value)).strip()}
    forms = {form for line in lines if line for form in (line, mask(line))}
    return {f for f in forms if f.lower() not in _SENTENCE_WORDS} - {"<str>", "<N>"}
