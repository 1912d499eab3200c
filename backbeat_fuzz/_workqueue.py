"""The work queue of ``--workers N``: what a worker is handed, and the parent's schedule.

A campaign's work is cut into items. Without a deadline, an item is one unit whole
(:class:`Whole`: its coverage messages and every exploration round), handed out costliest
first. Under a deadline, an item is the coverage messages of one unit (:class:`Cover`) or one
exploration round of one unit (:class:`Explore`), so every unit gets its turns before the time
is up. The parent keeps one :class:`Schedule` and puts the items that are ready on a queue
every worker takes from, so whichever worker is free takes the next item and every core stays
busy to the end. Rounds follow the one-process schedule
(:meth:`~backbeat_fuzz.campaign.runner.Runner.explore`): the whole plan's budgets, kinds
taking turns, round *r + 1* of a unit once its round *r* is done (its size depends on what
round *r* ran), the same per-round seeds, a unit retired after
:data:`~backbeat_fuzz.campaign.runner.HANG_BUDGET` hangs counted across every worker or once
a round finds its messages exhausted. So N
workers run the same Hypothesis runs as one process, and find the same bugs.

Pure bookkeeping: nothing here sends a message or starts a process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .campaign.config import Unit
from .campaign.planning import interleave
from .campaign.runner import HANG_BUDGET


@dataclass(frozen=True)
class Whole:
    """All of *unit*: its coverage messages, then every exploration round to its *budget*.

    The item of a campaign without a deadline: a unit run whole in one process sends what it
    sends in any process (its rounds answer repeats from one cache), so N workers do exactly
    one run's work.
    """

    unit: Unit
    budget: int | None


@dataclass(frozen=True)
class Cover:
    """Send every coverage message of *unit* once."""

    unit: Unit


@dataclass(frozen=True)
class Explore:
    """One exploration round of *unit*.

    Attributes:
        unit: the unit.
        round_number: the round (its Hypothesis seed is the unit's seed for that round).
        budget: the unit's whole budget, None for "until the deadline".
        done: the examples its earlier rounds ran (the round's size follows from it).
        hangs: the hangs the unit has had so far, on every worker.
    """

    unit: Unit
    round_number: int
    budget: int | None
    done: int
    hangs: int


Item = Whole | Cover | Explore


@dataclass(frozen=True)
class Done:
    """A worker's answer for one item.

    Attributes:
        index: the worker.
        item: the item it ran.
        ran: the examples an exploration round ran (0 for coverage).
        hangs: the hangs this item added to its unit.
        ran_out: the deadline had passed: the item was not run, or cut short.
        exhausted: the round found nothing new to send: the unit has no more rounds.
    """

    index: int
    item: Item
    ran: int = 0
    hangs: int = 0
    ran_out: bool = False
    exhausted: bool = False


@dataclass
class Schedule:
    """The parent's view of the campaign: what is left, what is out with a worker.

    Attributes:
        units: the whole plan.
        budget: each unit's exploration budget, from the whole plan.
        cost: each unit's estimated cost in messages (coverage + budget).
        coverage: run the coverage phase.
        deadline: a :func:`time.monotonic` time after which nothing new is handed out, or None.
    """

    units: list[Unit]
    budget: dict[Unit, int | None]
    cost: dict[Unit, int] = field(default_factory=dict)
    coverage: bool = True
    deadline: float | None = None
    done: dict[Unit, int] = field(default_factory=dict)
    hangs: dict[Unit, int] = field(default_factory=dict)
    rounds: dict[Unit, int] = field(default_factory=dict)
    exhausted: set[Unit] = field(default_factory=set)
    outstanding: int = 0
    ran_out: bool = False

    def first(self) -> list[Item]:
        """The items to hand out first.

        Without a deadline, every unit whole, the costliest first (so the last items handed
        out are the cheapest, and the workers end together). Under a deadline, every coverage
        item, then the first round of every unit, kinds taking turns, as one process does.
        """
        if self.deadline is None:
            order = sorted(self.units, key=lambda u: -self.cost.get(u, 0))  # stable: plan order
            self.outstanding += len(order)
            return [Whole(u, self.budget[u]) for u in order]
        order = interleave(self.units)
        items: list[Item] = [Cover(u) for u in order] if self.coverage else []
        items += [self._round(u) for u in order if self._left(u)]
        self.outstanding += len(items)
        return items

    def after(self, done: Done) -> list[Item]:
        """Record *done*; the items it makes ready (the unit's next round, if any)."""
        self.outstanding -= 1
        unit = done.item.unit
        self.hangs[unit] = self.hangs.get(unit, 0) + done.hangs
        if done.exhausted:
            self.exhausted.add(unit)
        self.ran_out = self.ran_out or done.ran_out or self._past_deadline()
        if not isinstance(done.item, Explore) or self.ran_out:
            return []
        self.done[unit] = self.done.get(unit, 0) + max(1, done.ran)
        self.rounds[unit] = done.item.round_number + 1
        if not self._left(unit):
            return []
        self.outstanding += 1
        return [self._round(unit)]

    @property
    def finished(self) -> bool:
        """Nothing is out with a worker and nothing is left to hand out."""
        return self.outstanding == 0

    def note(self) -> str | None:
        """What the deadline left undone, as a report note, or None when nothing was."""
        left = [u for u in self.units if self._left(u)]
        if not self.ran_out or not left:
            return None
        first = min(self.rounds.get(u, 0) for u in left)
        waiting = [u for u in left if self.rounds.get(u, 0) == first]
        return (
            f"--duration reached in round {first + 1} of exploration, {len(waiting)} of "
            f"{len(self.units)} units yet to take their turn"
        )

    def _round(self, unit: Unit) -> Explore:
        return Explore(
            unit,
            self.rounds.get(unit, 0),
            self.budget[unit],
            self.done.get(unit, 0),
            self.hangs.get(unit, 0),
        )

    def _left(self, unit: Unit) -> bool:
        budget = self.budget[unit]
        spent = budget is not None and self.done.get(unit, 0) >= budget
        return not spent and self.hangs.get(unit, 0) < HANG_BUDGET and unit not in self.exhausted

    def _past_deadline(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline
