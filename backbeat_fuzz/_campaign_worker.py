"""One ``--workers`` process: open the target once, then run the items the parent hands out.

A worker plans the campaign itself (the same plan in every process: the same config, the same
target), opens its target and one :class:`~backbeat_fuzz.campaign.runner.Runner`, and keeps both for
the whole campaign: its response cache, its findings and the target's process carry over from
one item to the next. It replays the corpus entries of the whole plan first, so every worker
knows every known bug (a bug from the corpus is reported ``known`` whichever worker meets it;
replay messages are not counted as sent), then takes items from the shared queue until the
parent's ``None``, and sends back one :class:`Result`: its report, without the baseline (the
parent applies it to the merged report, where every worker's findings are).

Signals: the terminal's SIGINT is ignored (the parent decides), SIGTERM stops the worker once
(a second one cannot cut its report short), as KeyboardInterrupt.
"""

from __future__ import annotations

import queue as queues
import signal
import time
from dataclasses import dataclass, replace
from typing import Any, cast

from ._workqueue import Cover, Done, Item, Whole
from .campaign.config import CampaignConfig, Progress, Unit
from .campaign.constants import no_local_constants
from .campaign.planning import budgets, plan_all, unit_costs
from .campaign.run import infrastructure_failure, open_target
from .campaign.runner import Runner
from .errors import InfrastructureError, UsageError
from .report import CampaignReport
from .session import Session
from .targets import Target

#: Seconds between two progress snapshots a worker sends.
PROGRESS_EVERY = 0.2


@dataclass(frozen=True)
class Ready:
    """A worker has its target open and its plan made; the parent schedules from this plan.

    Attributes:
        index: the worker.
        units: the whole plan.
        budget: each unit's exploration budget, from the whole plan.
        cost: each unit's estimated cost in messages (coverage + budget).
        startup: seconds from the parent's start to this message (spawn, import, contract,
            plan, target open).
    """

    index: int
    units: list[Unit]
    budget: dict[Unit, int | None]
    cost: dict[Unit, int]
    startup: float


@dataclass(frozen=True)
class Result:
    """What a worker sends back once: its report, and the error that stopped it, if any."""

    index: int
    report: CampaignReport | None = None
    error: str | None = None
    usage: bool = False  # the error is a usage error (else an infrastructure one)


@dataclass(frozen=True)
class Snapshot:
    """A worker's live counters."""

    index: int
    counts: dict[str, dict[str, int]]
    findings: int
    coverage_sent: int


class _Relay:
    """A worker's progress callback: a snapshot to the parent at most every PROGRESS_EVERY s."""

    def __init__(self, index: int, channel: Any) -> None:
        self.index, self.channel, self.last = index, channel, 0.0

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        counts = {kind: dict(cell) for kind, cell in progress.counts.items()}
        self.channel.put(Snapshot(self.index, counts, progress.findings, progress.coverage_sent))


def _stop_once(signum: int, frame: Any) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second request must not cut the report
    raise KeyboardInterrupt


class _Worker:
    """One worker's campaign: its plan and its runner (target, cache, findings) across items."""

    def __init__(
        self, index: int, config: CampaignConfig, target: Target, channel: Any, started: float
    ) -> None:
        session = Session.load(config.schemas_dir)  # the contract, loaded once per worker
        units, notes = plan_all(config, target.input_mode.value, session)
        if not units:
            raise UsageError(
                f"nothing to send: {'; '.join(notes)}; choose other --rule values, "
                "or --input bytes for a Python target"
            )
        self.index, self.units, self.channel = index, units, channel
        self.budget = budgets(config, units)
        self.cost = unit_costs(config, units, target.input_mode.value, session)
        if config.duration is not None:  # the parent's deadline, on the clock the runner starts now
            left = config.duration - (time.time() - started)
            config = replace(config, duration=max(1e-3, left))
        self.runner = Runner(config, target, session, _Relay(index, channel), notes)

    def run(self, item: Item) -> Done:
        """Run one item; a round's size follows from what the unit's earlier rounds ran."""
        runner, unit = self.runner, item.unit
        if runner.past_deadline():
            return Done(self.index, item, ran_out=True)
        if isinstance(item, Whole):
            before = runner.hangs.get(unit, 0)
            runner.cover([unit])
            runner.explore([unit], {unit: item.budget})
            ran = 0
        elif isinstance(item, Cover):
            before = runner.hangs.get(unit, 0)
            runner.cover([unit])
            ran = 0
        else:
            before = runner.hangs[unit] = item.hangs  # every worker's hangs of this unit
            ran = runner.run_round(unit, item.round_number, item.budget, item.done)
        hangs = runner.hangs.get(unit, 0) - before
        exhausted = unit in runner.exhausted
        return Done(
            self.index, item, ran, hangs, ran_out=runner.past_deadline(), exhausted=exhausted
        )

    def serve(self, tasks: Any, *, guard: bool = True) -> Result:
        """Replay the corpus, run items until the parent's None; the report of it all.

        With *guard*, SIGTERM is ignored once the report is being made (a spawned worker)."""
        runner = self.runner
        try:
            runner.replay(self.units)
            with no_local_constants():
                for item in iter(lambda: _take(tasks), None):
                    self.channel.put(self.run(item))
        except KeyboardInterrupt:
            runner.interrupted = True
        except Exception as exc:
            failure = infrastructure_failure(exc)
            if failure is None:
                raise
            return Result(self.index, runner.report(self.units, None), str(failure))
        finally:
            if guard:  # from here on, the report is sent
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
            runner.close()
        return Result(self.index, runner.report(self.units, None))


def _take(tasks: Any) -> Item | None:
    """The next item, waited for in short slices: an interrupt raised in this thread (the
    parent's share, which the dispatcher stops with :func:`_thread.interrupt_main`) is seen
    within one slice, where a blocking read would never wake up."""
    while True:
        try:
            return cast("Item | None", tasks.get(timeout=0.5))
        except queues.Empty:
            continue


def work(index: int, config: CampaignConfig, tasks: Any, channel: Any, started: float) -> None:
    """The body of spawned worker *index*: :func:`run_worker`, its result sent on *channel*."""
    signal.signal(signal.SIGINT, lambda signum, frame: None)  # the parent decides when to stop
    signal.signal(signal.SIGTERM, _stop_once)
    channel.put(run_worker(index, config, tasks, channel, started, spawned=True))


def run_worker(
    index: int,
    config: CampaignConfig,
    tasks: Any,
    channel: Any,
    started: float,
    *,
    spawned: bool = False,
) -> Result:
    """Be worker *index* until the parent's None on *tasks*; its :class:`Result`.

    The parent runs one in its own process too (its share, while the spawned ones start).
    *started* is the parent's :func:`time.time` at its start: ``--duration`` is one deadline
    for every worker, the parent's. A Result without report or error: stopped (KeyboardInterrupt)
    before the campaign could start.
    """
    try:
        with open_target(config) as target:
            worker = _Worker(index, config, target, channel, started)
            startup = time.time() - started
            channel.put(Ready(index, worker.units, worker.budget, worker.cost, startup))
            return worker.serve(tasks, guard=spawned)
    except UsageError as exc:
        return Result(index, error=str(exc), usage=True)
    except InfrastructureError as exc:
        return Result(index, error=str(exc))
    except KeyboardInterrupt:
        return Result(index)
