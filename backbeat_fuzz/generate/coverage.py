"""The deterministic coverage phase: every mutation variant once, every valid boundary once.

Random exploration reaches a rare variant (``+24:00``, an Arabic-Indic digit, ``1e400`` in the
third number field) only by luck. Before it, the harness sends two fixed, ordered lists built
here on the schema's README example (its first ``examples`` entry):

- :func:`mutants`: every candidate edit of every operator of the catalogue, applied once, each
  judged by the oracle exactly as a random mutant is (:meth:`~.plan.KindPlan.judge`); a variant
  that stays valid or breaks only other rules is :class:`Skipped`, with the reason, never
  emitted.
- :func:`valid_cases`: the example, then the example with one field at a time set to each of its
  valid boundary values (:mod:`.boundaries`), each checked by the oracle.

Fields an edit needs that the example lacks (an item of an empty array, an optional field) are
filled with the simplest valid value (:mod:`.simplest`, built without a Hypothesis draw), so the
lists are the same in every call and process and can be built inside a running ``@given`` test.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from ..model import Mutant, canonical_text
from .boundaries import Case, boundary_cases
from .edits import MutationOp, json_location
from .plan import KindPlan, apply_edit, get_path

__all__ = [
    "Case",
    "Skipped",
    "Variants",
    "example_of",
    "mutants",
    "valid_cases",
]

T = TypeVar("T")


def example_of(plan: KindPlan) -> dict[str, Any]:
    """The schema's README example when it is valid, else the simplest valid message."""
    for example in plan.kind.schema.get("examples", [])[:1]:
        if plan.validator.validate_message(example, kind=plan.kind.name).valid:
            return copy.deepcopy(example)  # type: ignore[no-any-return]
    return plan.simplest(())  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Skipped:
    """A mutation variant the coverage list does not hold, and why.

    Attributes:
        rule: the operator's rule.
        note: the variant (the edit's note).
        location: where it edits (``issues[0].code``; ``""``: the whole message).
        reason: ``"stays valid"`` or ``"breaks only <rules>"``, as the oracle judged it.
    """

    rule: str
    note: str
    location: str
    reason: str


@dataclass(frozen=True)
class Variants:
    """Every variant of a kind's catalogue on its example: the mutants, and the skipped."""

    mutants: tuple[Mutant, ...]
    skipped: tuple[Skipped, ...]


def _memo(function: Callable[[KindPlan], T]) -> Callable[[KindPlan], T]:
    """Compute *function* once per plan, kept on the plan (so it lives as long as the plan)."""
    name = f"{__name__}.{function.__name__}"

    @functools.wraps(function)
    def wrapper(plan: KindPlan) -> T:
        if name not in plan.memo:
            plan.memo[name] = function(plan)
        return plan.memo[name]  # type: ignore[no-any-return]

    return wrapper


def _skip_reason(plan: KindPlan, data: bytes, rule: str) -> str:
    rules = plan.validator.validate_message_string(data, kind=plan.kind.name).rules
    if not rules:
        return "stays valid"
    if rule in rules:
        return "carries another kind's type"
    return "breaks only " + ", ".join(sorted(rules))


def _variants_of(plan: KindPlan, op: MutationOp) -> Iterator[Mutant | Skipped]:
    message = plan.fill_path(example_of(plan), op.needs or op.path, plan.simplest)
    for edit in op.candidates(get_path(message, op.path), message):
        judged = plan.judge(op, message, edit)
        if judged is not None:
            yield judged.mutant
            continue
        reason = _skip_reason(plan, apply_edit(message, edit)[0], op.rule)
        yield Skipped(op.rule, edit.note, json_location(edit.path), reason)


@_memo
def _all_variants(plan: KindPlan) -> Variants:
    found: list[Mutant] = []
    skipped: list[Skipped] = []
    seen: set[tuple[str, bytes]] = set()
    for op in plan.ops:
        for item in _variants_of(plan, op):
            if isinstance(item, Skipped):
                skipped.append(item)
            elif (item.rule, item.data) not in seen:  # two operators, the same bytes: once
                seen.add((item.rule, item.data))
                found.append(item)
    return Variants(tuple(found), tuple(skipped))


def mutants(plan: KindPlan, wanted: set[str]) -> Variants:
    """Every variant of the rules in *wanted*, in catalogue order, on the kind's example."""
    every = _all_variants(plan)
    return Variants(
        tuple(m for m in every.mutants if m.rule in wanted),
        tuple(s for s in every.skipped if s.rule in wanted),
    )


def _distinct(cases: Iterator[Case]) -> list[Case]:
    """The first case of each distinct message (``0`` and ``0.0`` are two messages)."""
    seen: dict[str, Case] = {}
    for case in cases:
        seen.setdefault(canonical_text(case.message), case)
    return list(seen.values())


def _checked(plan: KindPlan, cases: Iterator[Case]) -> Iterator[Case]:
    for case in cases:
        if plan.validator.validate_message(case.message, kind=plan.kind.name).valid:
            yield case


@_memo
def _valid_cases(plan: KindPlan) -> tuple[Case, ...]:
    example = example_of(plan)
    cases = _checked(plan, boundary_cases(plan, example))
    return tuple(_distinct(iter([Case("the README example", "", example), *cases])))


def valid_cases(plan: KindPlan) -> list[Case]:
    """The example, then one field at a time at each valid boundary; all oracle-valid."""
    return list(_valid_cases(plan))
