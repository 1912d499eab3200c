"""jsonschema's semantics, as the compiled engine needs them: JSON types, equality, division.

The reference engine (:mod:`jsonschema`) decides what a number, an integer or an equal value is;
the compiled engine must decide alike, keyword for keyword (the differential tests hold it to
that). These are those decisions, with nothing of either engine's plumbing.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def is_number(x: Any) -> bool:
    kind = type(x)
    if kind is int or kind is float:
        return True
    return not isinstance(x, bool) and isinstance(x, numbers.Number)


def is_integer(x: Any) -> bool:
    kind = type(x)
    if kind is int:
        return True
    if isinstance(x, bool):
        return False
    return isinstance(x, int) or (isinstance(x, float) and x.is_integer())


#: JSON type name -> predicate (booleans are never numbers; 1.0 is an integer).
TYPES: dict[str, Callable[[Any], bool]] = {
    "array": lambda x: isinstance(x, list),
    "boolean": lambda x: isinstance(x, bool),
    "integer": is_integer,
    "null": lambda x: x is None,
    "number": is_number,
    "object": lambda x: isinstance(x, dict),
    "string": lambda x: isinstance(x, str),
}

_TRUE, _FALSE = object(), object()


def unbool(x: Any) -> Any:
    """True and False as values no number equals (so that ``1`` and ``True`` differ)."""
    if x is True:
        return _TRUE
    if x is False:
        return _FALSE
    return x


def equal(one: Any, two: Any) -> bool:
    """JSON equality, as jsonschema has it: ``1 == 1.0``, ``True != 1``, recursively."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(equal(a, b) for a, b in zip(one, two, strict=False))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(
            key in two and equal(value, two[key]) for key, value in one.items()
        )
    return bool(unbool(one) == unbool(two))


def unique(items: list[Any]) -> bool:
    """jsonschema's ``uniqueItems`` test: sort and compare neighbours, else compare all pairs."""
    try:
        ordered = sorted(unbool(item) for item in items)
        return not any(equal(a, b) for a, b in itertools.pairwise(ordered))
    except (NotImplementedError, TypeError):
        seen: list[Any] = []
        for item in map(unbool, items):
            if any(equal(other, item) for other in seen):
                return False
            seen.append(item)
    return True


def not_multiple(instance: Any, divisor: Any) -> bool:
    """Whether the number *instance* is not a multiple of *divisor* (the oracle's semantics).

    NaN and the infinities are multiples of nothing; a float divisor divides as jsonschema
    does, exactly (with fractions) where a huge integer overflows a float.
    """
    if isinstance(instance, float) and not math.isfinite(instance):
        return True
    if isinstance(divisor, float):
        try:
            quotient = instance / divisor
            return bool(int(quotient) != quotient)
        except OverflowError:
            from fractions import Fraction  # rare: not paid for at start-up

            return bool(Fraction(instance) % Fraction(divisor) != 0)
    return bool(instance % divisor != 0)


def has_huge_int(value: Any) -> bool:
    """Whether *value* holds an integer of more than 1024 bits (too long to be sure to print)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, int) and not isinstance(item, bool) and item.bit_length() > 1024:
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
