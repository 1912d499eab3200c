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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .model import canonical_text

__all__ = ["attribute", "differing_fields"]

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
