"""Attribution: bring a failing message back to the README example in every field that does not
matter, and say which fields do.

Hypothesis shrinks a failure towards the schema's example, but it stops at a local minimum: a
crash on a huge ``tempo_drift_ms`` can end up filed with a ``from_beat`` change too. This last
pass works on the top-level fields of the message, with the target in the loop:

0. when the example itself fails the same way, no field is to blame;
1. *transplant*: the example with ONE field taken from the failing message, field by field; the
   first that still fails is the whole cause (one call per field, cheap for hangs too: only the
   causing field costs the timeout);
2. otherwise *reset*: each field of the failing message set back to the example's (or dropped
   when the example lacks it) wherever the failure survives.

``reproduces`` decides what "still fails" means (same outcome and signature; still valid for a
rejected valid message; still breaking the rule for an accepted invalid one).

:func:`shrink_values` then shrinks *inside* the fields to blame, for failures Hypothesis did
not shrink (the coverage phase's edge values: a crash on 4,096 ``é`` is shown as one ``é``):
each value is replaced by the first smaller candidate of its JSON type (:data:`SMALLER`) that
still reproduces, again and again, within a budget of calls. A candidate is strictly smaller
(shorter, or nearer zero), so the pass ends.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .model import canonical_text

__all__ = ["SMALLER", "attribute", "differing_fields", "shrink_values"]

_ABSENT = object()


def _same(left: Any, right: Any) -> bool:
    if left is _ABSENT or right is _ABSENT:
        return left is right
    return canonical_text(left) == canonical_text(right)  # 1, 1.0 and true are not the same


def differing_fields(message: Mapping[str, Any], example: Mapping[str, Any]) -> tuple[str, ...]:
    """The top-level fields where *message* differs from *example* (message order first)."""
    names = list(dict.fromkeys([*message, *example]))
    return tuple(n for n in names if not _same(message.get(n, _ABSENT), example.get(n, _ABSENT)))


def _with(base: Mapping[str, Any], name: str, source: Mapping[str, Any]) -> dict[str, Any]:
    """*base* with field *name* as *source* has it (removed when *source* lacks it)."""
    if name in source:
        if name in base:
            return {k: (source[name] if k == name else v) for k, v in base.items()}
        return {**base, name: source[name]}
    return {k: v for k, v in base.items() if k != name}


def attribute(
    message: Mapping[str, Any],
    example: Mapping[str, Any],
    reproduces: Callable[[dict[str, Any]], bool],
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The smallest change of *example* found that still *reproduces*, and its fields.

    Args:
        message: the failing message (a JSON object).
        example: the schema's README example of the same kind.
        reproduces: sends a candidate and says whether it fails the same way.

    Returns:
        The attributed message (``message`` itself when nothing could be reset) and the fields
        where it differs from *example*.
    """
    fields = differing_fields(message, example)
    if not fields:
        return dict(message), ()
    if reproduces(dict(example)):  # the failure is not about any field
        return dict(example), ()
    if len(fields) == 1:
        return dict(message), fields
    for name in fields:
        candidate = _with(example, name, message)
        if reproduces(candidate):
            return candidate, (name,)
    current = dict(message)
    for name in fields:
        candidate = _with(current, name, example)
        if reproduces(candidate):
            current = candidate
    return current, differing_fields(current, example)


#: The distinct characters of a string tried alone (the first ones: a string of a thousand
#: different characters is not tried a thousand times before its halves).
ALONE = 2


def _smaller_strings(value: str) -> Iterator[str]:
    """The first distinct characters alone, then the first half, the second, all but the last."""
    if len(value) < 2:
        return
    yield from list(dict.fromkeys(value))[:ALONE]
    half = len(value) // 2
    yield from (value[:half], value[half:], value[:-1])


def _smaller_integers(value: int) -> Iterator[int]:
    half = abs(value) // 2 * (1 if value > 0 else -1)  # exact: no float for 2**53 and up
    yield from (c for c in (0, 1, -1, half) if abs(c) < abs(value))


def _smaller_floats(value: float) -> Iterator[float]:
    if not math.isfinite(value):
        return
    yield from (c for c in (0.0, 1.0, -1.0, float(math.trunc(value))) if abs(c) < abs(value))


def _smaller_lists(value: list[Any]) -> Iterator[list[Any]]:
    if value:
        yield from ([], value[: len(value) // 2], value[:-1])


#: JSON type -> the candidates smaller than a value of it, simplest first. Booleans, null and
#: objects are left as they are (an object's fields are not shrunk one by one).
SMALLER: dict[type, Callable[[Any], Iterator[Any]]] = {
    str: _smaller_strings,
    int: _smaller_integers,
    float: _smaller_floats,
    list: _smaller_lists,
}


def _candidates(value: Any) -> Iterator[Any]:
    smaller = SMALLER.get(type(value))  # exact type: a bool is not an int here
    seen: set[str] = {canonical_text(value)}
    for candidate in smaller(value) if smaller else ():
        text = canonical_text(candidate)
        if text not in seen:
            seen.add(text)
            yield candidate


def shrink_values(
    message: Mapping[str, Any],
    fields: tuple[str, ...],
    reproduces: Callable[[dict[str, Any]], bool],
    budget: int,
) -> dict[str, Any]:
    """*message* with the values of *fields* made as small as still *reproduces*.

    Args:
        message: a message that reproduces (not called again).
        fields: the top-level fields to shrink (the ones the failure is attributed to).
        reproduces: sends a candidate and says whether it fails the same way.
        budget: the most calls of *reproduces*.

    Returns:
        The smallest message found (``message`` itself, copied, when no candidate reproduces).
    """
    current, calls = dict(message), 0
    for name in fields:
        progressed = name in current
        while progressed and calls < budget:
            progressed = False
            for candidate in _candidates(current[name]):
                if calls >= budget:
                    break
                calls += 1
                trial = {**current, name: candidate}
                if reproduces(trial):
                    current, progressed = trial, True
                    break
    return current
