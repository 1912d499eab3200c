"""Failure signatures: the part of what a consumer said that names the cause, not the message.

Two failures with one cause must compare equal even when the messages differ, so the numbers
and quoted values in an exception text, a stderr line or a response body are masked before
they become part of a signature: ``KeyError: 'hlc'`` and ``KeyError: 'tempo_bpm'`` stay apart
(different fields are different bugs), but ``invalid literal for int() with base 10: '12x'``
and ``...: '9q'`` are one. Every target and the harness use :func:`mask` and nothing else.
"""

from __future__ import annotations

import re

__all__ = ["MAX_SIGNATURE", "mask"]

#: A signature is cut to this many characters: long enough to tell causes apart.
MAX_SIGNATURE = 160

# A quote opens after a non-word character and closes before one: "can't" is no quotation.
_QUOTED = re.compile(
    r"""(?<![A-Za-z0-9])(?:'(?:[^'\\]|\\.){0,200}'|"(?:[^"\\]|\\.){0,200}")(?![A-Za-z0-9])"""
)
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])[-+]?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.\[\]]{0,63}")


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
