"""The fast path's quick yes for a ``pattern``: a Python :mod:`re` for the simplest ECMA-262 ones.

RE2 matches every pattern in linear time (:mod:`.ecma`), but a call through its binding costs
~0.7 us, a third of a valid BeatFrame's check: its ``hlc`` is new on every message, so no memo
helps. Most contract patterns are a run of ASCII literals and ASCII classes, each maybe
repeated (``^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$``). For such a pattern, with at
most one repeat of variable length, Python's ``re.fullmatch`` of the same atoms matches exactly
the strings that fully match it, and in linear time: with one variable repeat the engine
backtracks at most once a character, each time over a fixed-width rest. :func:`sure_pattern`
writes that regex, or says None for every other pattern (RE2 alone then).

Each atom is written from what ECMA-262 (``u`` flag) means by it, never copied as text: ``.``
is any code point but the four line terminators, ``\\d`` and ``\\w`` are ASCII, a class is its
ranges; every literal is escaped for Python. A pattern without ``^`` and ``$`` matches more than
its atoms in full, so its regex is only a quick yes (:attr:`SurePattern.exact` is False).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: ECMA-262 syntax characters: outside a class each is an operator; escaped, each (and ``/``)
#: is itself.
_SYNTAX = frozenset("^$\\.*+?()[]{}|")
_ESCAPABLE = _SYNTAX | {"/"}
#: Class escapes both engines read the same way, written as ranges.
_CLASS_ESCAPES = {"d": "0-9", "w": "A-Za-z0-9_"}
_DOT = "[^\n\r\u2028\u2029]"
_QUANTIFIER = re.compile(r"\*|\+|\?|\{([0-9]{1,4})(,([0-9]{0,4}))?\}")
_MAX_REPEAT = 1000


@dataclass(frozen=True)
class SurePattern:
    """A Python regex whose every full match the pattern matches (``exact``: and no other)."""

    fullmatch: Callable[[str], Any]
    exact: bool


class _Refused(Exception):
    """The pattern holds a construct this module does not write."""


def _printable(char: str) -> bool:
    return " " <= char <= "~"


def _class_item(source: str, at: int) -> tuple[str, int]:
    """One class atom at *at*: its Python class text and where it ends."""
    char = source[at]
    if char == "\\":
        escaped = source[at + 1 : at + 2]
        if escaped in _CLASS_ESCAPES:
            return _CLASS_ESCAPES[escaped], at + 2
        if escaped in _ESCAPABLE or escaped == "-":
            return re.escape(escaped), at + 2
        raise _Refused(escaped)
    if not _printable(char) or char in "[]":
        raise _Refused(char)
    return re.escape(char), at + 1


def _class(source: str, at: int) -> tuple[str, int]:
    """The class opening at *at* (after ``[``): its Python text and the index past ``]``."""
    if source[at : at + 1] in ("^", "]", ""):
        raise _Refused("negated or empty class")
    parts = []
    while source[at : at + 1] != "]":
        if at >= len(source):
            raise _Refused("unclosed class")
        low_char, (low, at) = source[at], _class_item(source, at)
        if source[at : at + 1] == "-" and source[at + 1 : at + 2] not in ("]", ""):
            high_char, (high, at) = source[at + 1], _class_item(source, at + 1)
            if "\\" in (low_char, high_char) or low_char > high_char:
                raise _Refused("range")
            parts.append(f"{low}-{high}")
        else:
            parts.append(low)
    return "[" + "".join(parts) + "]", at + 1


def _atom(source: str, at: int) -> tuple[str, int]:
    """The atom at *at*: its Python text and where it ends."""
    char = source[at]
    if char == "[":
        return _class(source, at + 1)
    if char == ".":
        return _DOT, at + 1
    if char == "\\":
        escaped = source[at + 1 : at + 2]
        if escaped in _CLASS_ESCAPES:
            return f"[{_CLASS_ESCAPES[escaped]}]", at + 2
        if escaped in _ESCAPABLE:
            return re.escape(escaped), at + 2
        raise _Refused(escaped)
    if char in _SYNTAX or not _printable(char):
        raise _Refused(char)
    return re.escape(char), at + 1


def _quantifier(source: str, at: int) -> tuple[str, bool, int]:
    """The quantifier at *at* (maybe none): its text, whether its length varies, its end."""
    found = _QUANTIFIER.match(source, at)
    if found is None:
        return "", False, at
    if found[1] is None:
        return found[0], True, found.end()
    least = int(found[1])
    most = least if found[2] is None else int(found[3]) if found[3] else None
    if least > _MAX_REPEAT or (most is not None and not least <= most <= _MAX_REPEAT):
        raise _Refused("repeat count")
    return found[0], most != least, found.end()


def _body(source: str) -> tuple[str, bool]:
    """The Python regex of the atoms of *source* (after its ``^``), with one variable repeat,
    and whether *source* ends with the ``$`` anchor."""
    out, variable, at = [], 0, 0
    while at < len(source):
        if source[at] == "$" and at == len(source) - 1:  # unescaped: escapes are atoms
            return _joined(out, variable), True
        atom, at = _atom(source, at)
        quantifier, varies, at = _quantifier(source, at)
        if source[at : at + 1] == "?" and quantifier:
            raise _Refused("lazy quantifier")
        variable += varies
        out.append(atom + quantifier)
    return _joined(out, variable), False


def _joined(atoms: list[str], variable: int) -> str:
    if variable > 1:
        raise _Refused("two repeats of variable length")
    return "".join(atoms)


def sure_pattern(source: str) -> SurePattern | None:
    """The quick yes for the ECMA-262 pattern *source* (valid: ``regress`` accepted it), or None
    when it holds anything but ASCII literals and classes, ``.``, ``\\d``, ``\\w``, one repeat
    of variable length and any number of fixed ones, ``^`` first and ``$`` last."""
    start = source.startswith("^")
    try:
        body, end = _body(source[int(start) :])
    except (_Refused, IndexError):
        return None
    return SurePattern(re.compile(body).fullmatch, exact=start and end)
