"""ECMA-262 regular expressions, as JSON Schema specifies for ``pattern``.

Python's :mod:`re` differs where it matters: ``$`` matches before a trailing newline, and
``\\d``/``\\w`` match other scripts' digits and letters. ``regress`` (Rust's ECMA-262 engine)
does what the specification says; patterns compile once and are cached.
"""

from __future__ import annotations

import functools
import re

import regress

from .errors import SchemaError

__all__ = ["compile_pattern", "search"]

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@functools.lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> regress.Regex:
    """Compile *pattern* with ECMA-262 semantics and the ``u`` flag.

    Raises:
        SchemaError: the pattern is not a valid ECMA-262 regular expression.
    """
    try:
        return regress.Regex(pattern, "u")
    except regress.RegressError as exc:
        raise SchemaError(
            f"pattern={pattern!r} is not an ECMA-262 regular expression ({exc}); "
            "fix the schema's pattern"
        ) from None


def search(pattern: str, text: str) -> bool:
    """Return whether *pattern* matches anywhere in *text* (JSON Schema ``pattern``).

    A lone surrogate (which no strict JSON text holds, but a Python string can) is matched as
    U+FFFD: ``regress`` takes UTF-8 only, and both are code points outside every letter class.
    """
    regex = compile_pattern(pattern)
    try:
        return regex.find(text) is not None
    except UnicodeEncodeError:
        return regex.find(_LONE_SURROGATE.sub("\ufffd", text)) is not None
