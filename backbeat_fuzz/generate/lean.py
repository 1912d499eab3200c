"""Cheap valid base messages for random mutants: the fields a rule's edits read drawn in full, the
others from a small pool of valid values.

A random mutant is a valid message with one edit. Drawing the whole valid message for each one
cost more than the edit, its oracle check and the send together (a StatusClaim: ten field
draws, three of them free text of up to 256, 256 and 4096 characters), and most of it went on
fields the edit never looks at. :func:`bases` draws, for one operator, the top-level fields its
edits read (:attr:`~.edits.MutationOp.read_fields`: ``hlc`` for ``hlc.pattern``; none for a
dropped field or a bound's nearest numbers) from their full strategies, always present, and
every other field with one choice from its pool (:func:`pools`): the distinct values the field
takes in the coverage phase's valid messages (the README example's first, then each boundary:
the shortest and longest strings, 0 and 2^53-1, every enum value, leap seconds...), "absent"
for an optional field, and, where the pool cannot hold every valid value, "drawn in full" from
the field's own strategy. The cross-field rules are repaired as in a whole valid message.

Every choice changes the message (one that did not, a "whole message one time in four" switch,
made Hypothesis's mutator repeat about one message in ten), each field costs one choice whether
it is present or not (so shrinking does not prefer dropping optional fields), and every choice
shrinks to the README example's state: a finding shrinks to the README example with the rule's
edit.

Only a message that is a plain object of fields (its root states nothing but ``type``,
``properties``, ``required`` and ``additionalProperties``) is valid whenever its fields are;
any other root gets whole valid messages (:attr:`~.plan.KindPlan.valid`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from ..model import canonical_text
from .coverage import valid_cases
from .plan import KindPlan
from .values import object_fields

__all__ = ["bases", "pools"]

#: The root keywords under which any combination of valid fields is a valid message.
_PLAIN_OBJECT = frozenset({"type", "properties", "required", "additionalProperties"})


class _Pick:
    """A pool entry that is not a value: the field absent, or its value drawn in full."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


_ABSENT = _Pick("absent")
_DRAWN = _Pick("drawn in full")


@dataclass(frozen=True)
class _Only:
    """A field's one possible choice (a const, or a field the edits read: :data:`_DRAWN`),
    taken without a draw."""

    value: Any


#: The choice of a field the edits read: none, it is drawn in full.
_READ = _Only(_DRAWN)


def _memo(plan: KindPlan, name: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, computed once per plan (kept in ``plan.memo`` under this module's name)."""
    key = f"{__name__}.{name}"
    if key not in plan.memo:
        plan.memo[key] = compute()
    return plan.memo[key]


def _distinct(values: Iterable[Any]) -> tuple[Any, ...]:
    """*values* without repeats, in order (``0``, ``0.0`` and ``-0.0`` are three values)."""
    seen: dict[tuple[type, str], Any] = {}
    for value in values:
        seen.setdefault((type(value), canonical_text(value)), value)
    return tuple(seen.values())


def pools(plan: KindPlan) -> dict[str, tuple[Any, ...]]:
    """Top-level field -> the distinct values it takes in the coverage phase's valid messages
    (:func:`~.coverage.valid_cases`), the README example's first; computed once per plan."""

    def compute() -> dict[str, tuple[Any, ...]]:
        messages = [case.message for case in valid_cases(plan)]
        names = dict.fromkeys(name for message in messages for name in message)
        return {name: _distinct(m[name] for m in messages if name in m) for name in names}

    return _memo(plan, "pools", compute)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class _Fields:
    """The root's fields in message order, each with the strategy of its one choice (a value,
    :data:`_ABSENT` or :data:`_DRAWN`) and its full strategy (with a short repr for Hypothesis'
    notes)."""

    names: tuple[str, ...]
    picks: tuple[st.SearchStrategy[Any] | _Only, ...]
    fulls: tuple[st.SearchStrategy[Any], ...]

    def __repr__(self) -> str:
        return f"<lean fields {', '.join(self.names)}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # Hypothesis would print every field's strategy


@st.composite
def _objects(draw: st.DrawFn, fields: _Fields) -> dict[str, Any]:
    """One choice per field, in message order (then a full draw for :data:`_DRAWN`); the
    fields drawn absent left out."""
    out: dict[str, Any] = {}
    for name, picks, full in zip(fields.names, fields.picks, fields.fulls, strict=True):
        value = picks.value if isinstance(picks, _Only) else draw(picks)
        if value is _DRAWN:
            value = draw(full)
        if value is not _ABSENT:
            out[name] = value
    return out


def _few(node: Any) -> bool:
    """Whether the coverage messages hold every valid value of *node* (const, enum, boolean)."""
    return "const" in node or "enum" in node or node.get("type") == "boolean"


def _picks(plan: KindPlan, name: str, optional: bool) -> st.SearchStrategy[Any] | _Only:
    """Field *name*'s one choice: its pool, absent (if *optional*) right after the example's
    state or as it, and :data:`_DRAWN` last unless the pool holds every valid value."""
    values = pools(plan).get(name, ())
    example = valid_cases(plan)[0].message
    entries: list[Any] = list(values)
    if optional:
        entries.insert(1 if name in example else 0, _ABSENT)
    if not values or not _few(plan.nodes.get((name,), {})):
        entries.append(_DRAWN)
    return _Only(entries[0]) if len(entries) == 1 else st.sampled_from(entries)


def _plain(plan: KindPlan) -> bool:
    root = plan.nodes[()]
    return root.get("type") == "object" and set(root) <= _PLAIN_OBJECT


def bases(plan: KindPlan, reads: frozenset[str]) -> st.SearchStrategy[Any]:
    """Valid messages of *plan*'s kind with the fields in *reads* present and drawn in full and
    the others from their :func:`pools` (built once per plan and set of fields)."""
    return _memo(  # type: ignore[no-any-return]
        plan, f"bases{sorted(reads)}", lambda: _bases(plan, reads) if _plain(plan) else plan.valid
    )


def _bases(plan: KindPlan, reads: frozenset[str]) -> st.SearchStrategy[Any]:
    fields = object_fields(plan.builder, plan.nodes[()], ())
    picks = tuple(
        _READ if name in reads else _picks(plan, name, optional)
        for name, optional in zip(fields.names, fields.optional, strict=True)
    )
    return plan.repaired(_objects(_Fields(fields.names, picks, fields.values)))
