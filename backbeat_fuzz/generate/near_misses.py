"""Near misses of a valid value: the wrong values a consumer most likely lets through.

Each function lists ``(note, value)`` pairs, most classic first, derived from a valid value or a
bound so they look real (as :mod:`.formats_violations` does per format). They judge nothing: a
violator in :mod:`.violators` picks those that break its keyword, and the planner keeps the
first the oracle rejects with that rule.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from .edits import Context, Pairs
from .formats_violations import unix_seconds

__all__ = [
    "RUN",
    "TYPED_CONFUSIONS",
    "above",
    "below",
    "pattern_near_misses",
    "string_near_misses",
    "wrong_values",
]


def wrong_values(value: Any) -> Pairs:
    """Classic confusions for a value, most likely first."""
    as_string = str(value).lower() if isinstance(value, bool) else f"{value}"
    return [
        ("true instead of a value", True),
        ("false instead of a value", False),
        *([] if isinstance(value, str) else [("the value as a string", as_string)]),
        ("null", None),
        ("a number", 1337),
        (
            "a non-integer number",
            (value + 0.5) if isinstance(value, int) and not isinstance(value, bool) else 1.5,
        ),
        ("an empty string", ""),
        ("the value in an array", [value]),
        ("an empty object", {}),
    ]


def _unix_times(value: Any) -> Pairs:
    """A date-time as the integers a consumer parsing Unix time would take: seconds and
    milliseconds since 1970 (of the value itself when it parses)."""
    seconds = unix_seconds(value)
    return [("a Unix time in seconds", seconds), ("a Unix time in milliseconds", seconds * 1000)]


#: format -> extra wrong-type values for a string of that format.
TYPED_CONFUSIONS: dict[str, Callable[[Any], Pairs]] = {
    "date-time": _unix_times,
    "date": _unix_times,
}


def string_near_misses(value: str, ctx: Context) -> Pairs:
    """Near misses of an enum or const string: case, whitespace, affixes, the next major
    version, other kinds' values, other types."""
    misses = [
        ("upper case", value.upper()),
        ("title case", value[:1].upper() + value[1:]),
        ("leading space", f" {value}"),
        ("trailing space", f"{value} "),
        ("trailing newline", f"{value}\n"),
        ("a prefix", f"x{value}"),
        ("a suffix", f"{value}s"),
        ("one character short", value[:-1]),
    ]
    bumped = re.sub(r"v(\d+)$", lambda m: f"v{int(m[1]) + 1}", value)
    if bumped != value:
        misses.insert(0, ("the next major version", bumped))
    misses += [(f"another kind's value {s!r}", s) for s in ctx.other_strings if s != value]
    misses += [("null", None), ("a number", 1), ("true", True), ("an empty string", "")]
    return misses


_FULLWIDTH = {d: chr(0xFF10 + int(d)) for d in "0123456789"}
_ARABIC = {d: chr(0x0660 + int(d)) for d in "0123456789"}
_PROBES = ("g", "G", "!", " ", "_", "-", ":", ".", "é", "/", "Z", "0")
#: Prefixes written before hex and other identifiers (``int(s, 16)`` takes ``0x``).
_PREFIXES = ("0x", "0X", "#", "x")
#: How long a run a pattern mutant reaches when the field states no maxLength.
RUN = 256


def _prefixed(value: str) -> Pairs:
    misses = [(f"a {p!r} prefix", p + value) for p in _PREFIXES]
    if len(value) > 2:
        misses.append(("'0x' in place of the first two characters", "0x" + value[2:]))
    return misses


def _runs(value: str, size: int) -> Pairs:
    """Long runs of one character: what catastrophic backtracking in a consumer's regex needs
    (``a{n}!`` against nested quantifiers), kept within *size* so only the pattern breaks."""
    first, repeated = value[:1] or "a", value[1:2] or value[:1] or "a"
    return [
        ("a long run of one character, then '!'", first + repeated * (size - 2) + "!"),
        ("a long run of one character", first + repeated * (size - 1)),
    ]


def _look_alike_digits(value: str) -> Pairs:
    digits = [i for i, ch in enumerate(value) if ch in _FULLWIDTH]
    if not digits:
        return []
    i = digits[0]
    return [
        ("a full-width digit", value[:i] + _FULLWIDTH[value[i]] + value[i + 1 :]),
        ("an Arabic-Indic digit", value[:i] + _ARABIC[value[i]] + value[i + 1 :]),
    ]


def pattern_near_misses(value: str, size: int = RUN) -> Pairs:
    """Strings one step outside a pattern *value* matches, none longer than *size*."""
    middle = len(value) // 2
    misses = [
        ("trailing newline", f"{value}\n"),
        ("one character short", value[:-1]),
        ("one character too many", value + (value[-1:] or "a")),
        ("leading space", f" {value}"),
        ("trailing space", f"{value} "),
        ("garbage after a valid prefix", f"{value}zz!"),
        ("zero-width space inside", value[:middle] + "\u200b" + value[middle:]),
        *_look_alike_digits(value),
    ]
    for probe in _PROBES:
        misses.append(
            (f"one character replaced by {probe!r}", value[:middle] + probe + value[middle + 1 :])
        )
        misses.append((f"first character replaced by {probe!r}", probe + value[1:]))
    misses += _prefixed(value) + _runs(value, max(size, 2))
    misses.append(("an empty string", ""))
    return misses


def below(bound: Any, integer: bool) -> Pairs:
    """The nearest numbers under *bound* (the nearest integer for an integer field)."""
    if integer:
        return [
            (
                "one below the minimum",
                math.ceil(bound) - 1 if bound == int(bound) else math.floor(bound),
            )
        ]
    return [
        ("the float just below the minimum", math.nextafter(bound, -math.inf)),
        ("one below the minimum", bound - 1),
    ]


def above(bound: Any, integer: bool) -> Pairs:
    """The nearest numbers over *bound* (the nearest integer for an integer field)."""
    if integer:
        return [
            (
                "one above the maximum",
                math.floor(bound) + 1 if bound == int(bound) else math.ceil(bound),
            )
        ]
    return [
        ("the float just above the maximum", math.nextafter(bound, math.inf)),
        ("one above the maximum", bound + 1),
    ]
