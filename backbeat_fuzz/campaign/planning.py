"""Which units a campaign's config selects, and what each may spend.

The plan is computed from the whole config before any shard takes its share, so shards together
do one run's work: the units after kind and rule selection (:func:`plan_all`), their exploration
budgets (:func:`budgets`), their seeds (:func:`unit_seed`), and the split of them into shards of
about equal cost (:func:`split_units`).
"""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hypothesis.errors import InvalidArgument, Unsatisfiable

from ..defaults import DEFAULT_MAX_EXAMPLES
from ..session import Session
from ..strategies import (
    check_rule_patterns,
    coverage_mutants,
    coverage_valid,
    reaches,
    select_rules,
)
from .config import CampaignConfig, Unit

__all__ = [
    "Plan",
    "budgets",
    "coverage_sizes",
    "interleave",
    "make_plan",
    "plan_all",
    "plan_units",
    "round_robin",
    "split_units",
    "unit_costs",
    "unit_seed",
]


def unit_seed(campaign_seed: int, unit: Unit, round_number: int = 0) -> int:
    salt = f":{round_number}" if round_number else ""
    digest = hashlib.sha256(f"{campaign_seed}:{unit.key}{salt}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def interleave(units: list[Unit]) -> list[Unit]:
    """*units* with kinds taking turns: a slow target spreads its time over every kind."""
    by_kind: dict[str, list[Unit]] = {}
    for unit in units:
        by_kind.setdefault(unit.kind, []).append(unit)
    rows = itertools.zip_longest(*by_kind.values())
    return [unit for row in rows for unit in row if unit is not None]


def round_robin(streams: list[Iterator[tuple[Unit, Any]]]) -> Iterator[tuple[Unit, Any]]:
    """One item of each stream in turn until all are spent."""
    live = list(streams)
    while live:
        for stream in list(live):
            item = next(stream, None)
            if item is None:
                live.remove(stream)
            else:
                yield item


@dataclass(frozen=True)
class Plan:
    """What a campaign sends: its units, each one's exploration budget (None: until the
    deadline), notes on what the selection leaves out, and how many units the whole plan has
    (a shard sends its share of them)."""

    units: tuple[Unit, ...]
    budgets: dict[Unit, int | None]
    notes: tuple[str, ...] = ()
    whole: int = 0

    def only(self, cell: str) -> Plan:
        """This plan's units of one column (``valid`` or ``invalid``), budgets unchanged."""
        units = tuple(u for u in self.units if u.cell == cell)
        return Plan(units, {u: self.budgets[u] for u in units}, self.notes, self.whole)


def make_plan(config: CampaignConfig, input_mode: str, session: Session) -> Plan:
    """The plan of *config*: its units after kind and rule selection, the budgets of the whole
    plan, then (with ``config.shard``) the shard's share of :func:`split_units`."""
    units, notes = plan_all(config, input_mode, session)
    whole, count = budgets(config, units), len(units)  # before the shard's share is taken
    if config.shard is not None:
        index, shards = config.shard
        units = split_units(config, units, input_mode, shards, session)[index]
    return Plan(tuple(units), {u: whole[u] for u in units}, tuple(notes), count)


def plan_units(
    config: CampaignConfig, input_mode: str, session: Session | None = None
) -> tuple[list[Unit], list[str]]:
    """The units of *config* after kind, rule and shard selection, and notes on what is left out.

    With ``config.shard``, the shard's share of :func:`split_units` over the whole plan.
    *session* is the contract, loaded once (the one of ``config.schemas_dir`` when None).
    """
    plan = make_plan(config, input_mode, session or Session.load(config.schemas_dir))
    return list(plan.units), list(plan.notes)


def plan_all(
    config: CampaignConfig, input_mode: str, session: Session | None = None
) -> tuple[list[Unit], list[str]]:
    """Every unit of *config* after kind and rule selection (no sharding), and notes."""
    session = session or Session.load(config.schemas_dir)
    contract = session.contract
    kinds = list(dict.fromkeys(contract.kind(k).name for k in config.kinds)) or list(contract.kinds)
    if config.rules:
        check_rule_patterns(kinds, list(config.rules), session=session)
    units: list[Unit] = []
    notes: list[str] = []
    for kind in kinds:
        if not config.rules:
            units.append(Unit(kind))
        selected = select_rules(kind, list(config.rules) or None, session=session)
        left_out = [r for r in selected if not reaches(r, input_mode)]
        if left_out:
            notes.append(f"{kind}: {', '.join(left_out)} not sent: the target takes {input_mode}")
        units += [Unit(kind, r) for r in selected if reaches(r, input_mode)]
    return units, notes


def split_units(
    config: CampaignConfig,
    units: list[Unit],
    input_mode: str,
    count: int,
    session: Session | None = None,
) -> list[list[Unit]]:
    """*units* dealt into *count* shards of about equal cost, in plan order within each.

    A unit's cost is the messages it sends: its coverage messages plus its exploration budget
    (from the whole plan, as :func:`budgets` gives it). Units go heaviest first to the lightest
    shard (ties: the lower shard), so the split is the same in every process.
    """
    cost = unit_costs(config, units, input_mode, session)
    loads = [0] * count
    shards: list[list[Unit]] = [[] for _ in range(count)]
    for unit in sorted(units, key=lambda u: (-cost[u], units.index(u))):
        lightest = min(range(count), key=lambda i: (loads[i], i))
        loads[lightest] += cost[unit]
        shards[lightest].append(unit)
    return [sorted(shard, key=units.index) for shard in shards]


def unit_costs(
    config: CampaignConfig, units: list[Unit], input_mode: str, session: Session | None = None
) -> dict[Unit, int]:
    """Each unit's estimated cost: the messages it sends, its coverage messages plus its
    exploration budget (from the whole plan, as :func:`budgets` gives it)."""
    budget = budgets(config, units)
    session = session or Session.load(config.schemas_dir)
    covered = coverage_sizes(config, units, input_mode, session) if config.coverage else {}
    return {u: covered.get(u, 0) + (budget[u] or DEFAULT_MAX_EXAMPLES) for u in units}


def coverage_sizes(
    config: CampaignConfig, units: list[Unit], input_mode: str, session: Session | None = None
) -> dict[Unit, int]:
    """How many coverage messages each unit sends (as :meth:`~.runner.Runner.cover` sends them)."""
    session = session or Session.load(config.schemas_dir)
    sizes: dict[Unit, int] = {}
    for kind in dict.fromkeys(u.kind for u in units):
        try:
            valid = coverage_valid(kind, integer_floats=config.integer_floats, session=session)
            rules = [u.rule for u in units if u.kind == kind and u.rule is not None]
            mutants = (
                coverage_mutants(kind, rules=rules, input_mode=input_mode, session=session)
                if rules
                else []
            )
        except (InvalidArgument, Unsatisfiable):
            continue  # the campaign itself reports the unit that cannot be generated
        per_rule = Counter(m.rule for m in mutants)
        for unit in (u for u in units if u.kind == kind):
            sizes[unit] = len(valid) if unit.rule is None else per_rule[unit.rule]
    return sizes


def budgets(config: CampaignConfig, units: list[Unit]) -> dict[Unit, int | None]:
    """Each unit's exploration budget: the kind and direction's share of ``max_examples``.

    Computed over the whole plan before any split, so shards together do one run's work.
    """
    total = config.examples
    per_cell: dict[tuple[str, str], int] = {}
    for unit in units:
        per_cell[(unit.kind, unit.cell)] = per_cell.get((unit.kind, unit.cell), 0) + 1
    if total is None:
        return dict.fromkeys(units)
    return {u: max(1, -(-total // per_cell[(u.kind, u.cell)])) for u in units}
