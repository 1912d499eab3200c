"""ECMA-262 regular expressions, as JSON Schema specifies for ``pattern``, matched in linear time.

Python's :mod:`re` differs where it matters: ``$`` matches before a trailing newline, and
``\\d``/``\\w`` match other scripts' digits and letters. ``regress`` (Rust's ECMA-262 engine)
says whether a pattern is valid ECMA-262, but it backtracks: ``^(a+)+$`` took 35 s on 29
characters. The oracle judges text that consumers and users control, so every pattern is matched
by RE2 (linear in the text, whatever the pattern), rewritten from ECMA-262 syntax with the same
meaning (:mod:`._re2_syntax`). A pattern RE2 cannot match in linear time (a backreference, a
lookaround, a repeat count over 1000) is refused when the schema is loaded, naming the construct,
never matched with a backtracking engine. Patterns compile once and are cached.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import re2
import regress
from re2 import _re2  # the binding itself: re2.compile's wrapper costs ~12 us a search in Python

from ._re2_syntax import Untranslatable, translate
from .errors import SchemaError

__all__ = ["Pattern", "compile_pattern", "search"]

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is our one-line error, not RE2's stderr log
_OPTIONS.max_mem = 32 << 20  # room for large classes repeated (the default is 8 MiB)
_OPTIONS.never_capture = True  # only whether it matches counts


_UNANCHORED = _re2.RE2.Anchor.UNANCHORED
_NO_MATCH = (-1, -1)


class Pattern:
    """One compiled ECMA-262 pattern: :meth:`find` says whether it matches in a text."""

    def __init__(self, source: str, compiled: Any) -> None:
        self.source = source
        self._re2 = compiled

    def find(self, text: str) -> bool | None:
        """True if the pattern matches anywhere in *text*, else None (as ``regress``'s ``find``
        returns a match or None); time linear in ``len(text)``.

        A lone surrogate (which no strict JSON text holds, but a Python string can) is matched
        as U+FFFD: both are code points outside every letter class, and UTF-8 holds only one.
        """
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            data = _LONE_SURROGATE.sub("\ufffd", text).encode("utf-8")
        return self._re2.Match(_UNANCHORED, data, 0, len(data))[0] != _NO_MATCH or None

    def __repr__(self) -> str:
        return f"Pattern({self.source!r})"


@functools.lru_cache(maxsize=256)  # a contract has a few patterns; each costs RE2 some memory
def compile_pattern(pattern: str) -> Pattern:
    """Compile *pattern* with ECMA-262 semantics and the ``u`` flag, for linear-time matching.

    Raises:
        SchemaError: the pattern is not ECMA-262, or has no linear-time form; the message
            names the construct and the fix.
    """
    try:
        regress.Regex(pattern, "u")
    except regress.RegressError as exc:
        raise SchemaError(
            f"pattern={pattern!r} is not an ECMA-262 regular expression ({exc}); "
            "fix the schema's pattern"
        ) from None
    try:
        compiled = _re2.RE2(translate(pattern).encode("utf-8"), _OPTIONS)
        if not compiled.ok():
            raise re2.error(compiled.error())
        return Pattern(pattern, compiled)
    except (Untranslatable, re2.error) as exc:
        why = exc if isinstance(exc, Untranslatable) else f"what RE2 refuses ({_re2_reason(exc)})"
        raise SchemaError(
            f"pattern={pattern!r} uses {why}, which backbeat-fuzz cannot match in linear time "
            "(patterns run on RE2, so that hostile text cannot make them backtrack); "
            "rewrite the pattern without it"
        ) from None


def _re2_reason(exc: Exception) -> str:
    reason = exc.args[0] if exc.args else exc
    return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)


def search(pattern: str, text: str) -> bool:
    """Return whether *pattern* matches anywhere in *text* (JSON Schema ``pattern``)."""
    return compile_pattern(pattern).find(text) is not None
