"""``--workers N``: one campaign run by N local processes from one work queue, one report.

The parent spawns N-1 workers (:mod:`._campaign_worker`: each imports, plans the campaign and
opens its target, side by side) and is worker 0 itself: it plans and opens its target while
they start, so their start-up is hidden behind its work. A dispatcher thread of the parent
hands out the campaign's items (:mod:`._workqueue`: a unit whole, or under a deadline its
coverage messages and one exploration round at a time) on one queue every worker takes from,
so a worker that is free takes the next item and no core idles while work is left. Budgets,
rounds and per-round seeds are the single-process run's, so N workers run the same Hypothesis
runs as one process. Each worker keeps its target open from its first item to its last.

Workers share the example database (a folder or a Redis URL works across processes) and the
corpus folder: entries are written atomically and named by kind and signature, so two workers
finding one bug in one kind converge on one file; one bug that two workers each meet first in
a different kind gets a file in each (one process writes one and counts the other kind as a
witness); the merged report has one finding either way. The parent picks the seed when none
is given, relays merged progress counts, merges the reports with
:func:`~backbeat_fuzz.report.merge_reports` and applies the baseline to the merged findings.

Processes start with the ``spawn`` context: nothing of the parent's state (threads, open
targets, a database connection) is copied into a worker. Ctrl-C: a worker ignores the
terminal's SIGINT and stops when the parent sends it SIGTERM, returning what it found so far,
so every worker stops once and cleanly. A worker's error stops the others the same way.
"""

from __future__ import annotations

import _thread
import contextlib
import multiprocessing
import os
import queue as queues
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from . import __version__
from ._campaign_worker import Ready, Result, Snapshot, run_worker, work
from ._workqueue import Item, Schedule
from .baseline import Baseline, load_baseline
from .errors import InfrastructureError, UsageError
from .harness import CampaignAborted, CampaignConfig, Progress, run_campaign
from .report import CampaignReport, merge_reports

__all__ = ["parse_workers", "run_workers"]

#: Seconds the parent waits for the workers' reports after asking them to stop.
STOP_GRACE = 30.0


def parse_workers(value: str) -> int:
    """``--workers`` as a count: a positive integer, or ``auto`` for :func:`os.cpu_count`.

    Raises:
        UsageError: anything else.
    """
    if value == "auto":
        return os.cpu_count() or 1
    if value.isdigit() and int(value) >= 1:
        return int(value)
    raise UsageError(f"--workers {value!r} must be a count >= 1 or 'auto' (one per core), e.g. 2")


@dataclass
class _Pool:
    """The workers, the work queue they take from, and what they have sent so far.

    Worker 0 is the parent's own share when it takes part (see :func:`run_workers`); the
    others are spawned processes. :meth:`run` is the dispatcher: it hands out the items as
    the workers finish theirs.
    """

    config: CampaignConfig
    processes: dict[int, Any]  # the spawned workers, by index
    size: int  # every worker, the parent's own share included
    tasks: Any
    channel: Any
    on_progress: Callable[[Progress], None]
    started: float = field(default_factory=time.time)
    schedule: Schedule | None = None
    progress: Progress = field(default_factory=Progress)
    snapshots: dict[int, Snapshot] = field(default_factory=dict)
    results: dict[int, Result] = field(default_factory=dict)
    startup: dict[int, float] = field(default_factory=dict)
    closed: bool = False  # every worker has been told there is no more work
    trouble: bool = False  # a spawned worker failed: every worker is being stopped
    failure: str | None = None  # the dispatcher's own failure, if it failed
    halted: threading.Event = field(default_factory=threading.Event)

    def receive(self, timeout: float) -> bool:
        """Take what the workers sent within *timeout* seconds, and hand out what it frees;
        False when nothing came."""
        try:
            message = self.channel.get(timeout=timeout)
        except queues.Empty:
            return False
        if isinstance(message, Result):
            self.results[message.index] = message
        elif isinstance(message, Snapshot):
            self.snapshots[message.index] = message
            self._relay()
        elif isinstance(message, Ready):
            self._ready(message)
        elif self.schedule is not None:
            self._hand_out(self.schedule.after(message))
        return True

    def _ready(self, ready: Ready) -> None:
        self.startup[ready.index] = ready.startup
        if self.schedule is None:  # every worker plans the same; the first one's is used
            deadline = None
            if self.config.duration is not None:
                deadline = self.progress.started + self.config.duration
            self.schedule = Schedule(
                ready.units, ready.budget, ready.cost, self.config.coverage, deadline
            )
            self._hand_out(self.schedule.first())

    def _hand_out(self, items: list[Item]) -> None:
        for item in items:
            self.tasks.put(item)
        if self.schedule is not None and self.schedule.finished:
            self.close()

    def close(self) -> None:
        """Tell every worker there is no more work (each then sends its report)."""
        if not self.closed:
            self.closed = True
            for _ in range(self.size):
                self.tasks.put(None)

    def _relay(self) -> None:
        counts: dict[str, dict[str, int]] = {}
        for snapshot in self.snapshots.values():
            for kind, cell in snapshot.counts.items():
                total = counts.setdefault(kind, {"valid": 0, "invalid": 0})
                for direction, sent in cell.items():
                    total[direction] += sent
        self.progress.counts = counts
        self.progress.findings = sum(s.findings for s in self.snapshots.values())
        self.progress.coverage_sent = sum(s.coverage_sent for s in self.snapshots.values())
        self.on_progress(self.progress)

    def waiting(self) -> list[int]:
        """The spawned workers that have not sent their result and are still alive."""
        return [i for i, p in self.processes.items() if i not in self.results and p.is_alive()]

    def troubled(self) -> bool:
        """A spawned worker sent an error or ended without a report: all must stop."""
        until = time.monotonic() + 2.0  # a worker that just ended has its report in the pipe
        while self._lost() and time.monotonic() < until:
            self.receive(0.1)
        errors = [r for i, r in self.results.items() if i in self.processes and r.error]
        return self._lost() or bool(errors)

    def _lost(self) -> bool:
        return any(i not in self.results and not p.is_alive() for i, p in self.processes.items())

    def stop(self) -> None:
        """Ask every spawned worker still running to stop and send what it found."""
        for index in self.waiting():
            with contextlib.suppress(ProcessLookupError):  # it just ended
                os.kill(self.processes[index].pid, signal.SIGTERM)

    def run(self) -> None:
        """Hand out the work until every worker has reported, or trouble, or :attr:`halted`.

        On trouble, the parent's own share (worker 0, still running) is interrupted too."""
        try:
            while len(self.results) < self.size and not self.halted.is_set():
                self.receive(0.2)
                if self.troubled():
                    break
            else:
                return
        except Exception as exc:  # a bug here must not leave every worker waiting for work
            self.failure = f"the dispatcher of --workers failed ({exc!r}); rerun with --workers 1"
        self.trouble = True
        if self.size > len(self.processes) and 0 not in self.results:
            _thread.interrupt_main()  # the parent's share stops as on Ctrl-C

    def drain(self, until: float) -> None:
        """Receive until every spawned worker has sent its result (or died), or *until*."""
        while any(i not in self.results for i in self.processes) and time.monotonic() < until:
            if not self.waiting():
                self.receive(0.5)
                if not self.waiting():
                    return
            self.receive(0.2)


def run_workers(
    config: CampaignConfig,
    workers: int,
    *,
    on_progress: Callable[[Progress], None] | None = None,
) -> CampaignReport:
    """Run *config* as *workers* workers sharing one work queue; the merged report.

    The parent is worker 0: it plans, opens its target and takes items while the other
    *workers* - 1 processes start (their start-up is hidden behind its work), and a thread
    of it hands out the items.

    Raises:
        UsageError: a worker's usage error (a bad target, rule...), or ``--shard`` given too.
        CampaignAborted: a worker's infrastructure failure; holds the merged findings so far.
    """
    if workers == 1:
        return run_campaign(config, on_progress=on_progress)
    if config.shard is not None:
        raise UsageError(
            "--workers and --shard cannot be combined; on each machine run either --workers N "
            "or --shard I/N (split further with a larger N)"
        )
    baseline = load_baseline(config.baseline) if config.baseline else None
    if config.seed is None:  # one campaign: every worker the same seed
        config = replace(config, seed=random.SystemRandom().randrange(2**32))
    pool = _start(config, workers, on_progress or (lambda p: None))
    try:
        interrupted = _take_part(pool)
    finally:
        _finish(pool)
    if interrupted and not any(r.report for r in pool.results.values()):  # none had started
        return CampaignReport(config.target, config.seed or 0, __version__, {}, interrupted=True)
    return _merge(pool, baseline, interrupted)


def _take_part(pool: _Pool) -> bool:
    """Run the parent's share beside the dispatcher; stop every worker if it must. True when
    the user interrupted (Ctrl-C)."""
    dispatcher = threading.Thread(target=pool.run, name="backbeat-fuzz dispatcher", daemon=True)
    dispatcher.start()
    try:
        own = pool.results[0] = run_worker(0, pool.config, pool.tasks, pool.channel, pool.started)
        stopped = own.report is None or own.report.interrupted
        interrupted = own.error is None and stopped and not pool.trouble
        if own.error or stopped:
            pool.halted.set()
        dispatcher.join()
    except KeyboardInterrupt:  # after the parent's share ended, while the others still ran
        interrupted = not pool.trouble
        pool.halted.set()
        dispatcher.join()
    if pool.halted.is_set() or pool.trouble:
        pool.stop()
        pool.drain(until=time.monotonic() + STOP_GRACE)
    return interrupted


def _start(
    config: CampaignConfig,
    workers: int,
    on_progress: Callable[[Progress], None],
    *,
    share: bool = True,
) -> _Pool:
    """Spawn the workers (with *share*, one fewer: the parent is worker 0)."""
    context = multiprocessing.get_context("spawn")
    tasks, channel = context.Queue(), context.Queue()
    now = time.time()
    processes = {
        i: context.Process(
            target=work,
            args=(i, config, tasks, channel, now),
            name=f"backbeat-fuzz worker {i}",
            daemon=True,
        )
        for i in range(1 if share else 0, workers)
    }
    for process in processes.values():
        process.start()
    return _Pool(config, processes, workers, tasks, channel, on_progress, started=now)


def _finish(pool: _Pool) -> None:
    """Join every spawned worker; one that does not exit after its report is terminated."""
    for process in pool.processes.values():
        process.join(timeout=5)
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)
    for channel in (pool.tasks, pool.channel):
        channel.cancel_join_thread()  # items no worker took are dropped, not waited on
        channel.close()


def _merge(pool: _Pool, baseline: Baseline | None, interrupted: bool) -> CampaignReport:
    results = [pool.results.get(i) for i in range(pool.size)]
    usage = next((r for r in results if r is not None and r.usage), None)
    if usage is not None:
        raise UsageError(usage.error or "")
    reports = [r.report for r in results if r is not None and r.report is not None]
    lost = [i for i, r in enumerate(results) if r is None]
    errors = [r.error for r in results if r is not None and r.error]
    if pool.failure:
        errors.insert(0, pool.failure)
    if lost and not interrupted:
        code = pool.processes[lost[0]].exitcode if lost[0] in pool.processes else None
        errors.append(
            f"worker {lost[0]} stopped without a report (exit code {code}); its findings so far "
            "are in the corpus; rerun, or run with --workers 1 to see its error"
        )
    if not reports:
        raise InfrastructureError(errors[0] if errors else "no worker sent a report; rerun")
    merged = _whole(merge_reports(reports), pool, baseline, interrupted)
    if errors:
        raise CampaignAborted(errors[0], merged)
    return merged


def _whole(
    merged: CampaignReport, pool: _Pool, baseline: Baseline | None, interrupted: bool
) -> CampaignReport:
    """The merged report as one process's: its duration, deadline note, coverage, baseline."""
    schedule = pool.schedule
    covered = tuple((u.kind, u.rule) for u in schedule.units) if schedule else merged.covered
    skipped = list(merged.skipped)
    note = schedule.note() if schedule else None
    if note:
        skipped.append(note)
    whole = replace(
        merged,
        skipped=skipped,
        covered=covered,
        duration=pool.progress.elapsed,
        interrupted=interrupted,
    )
    return whole.with_baseline(baseline) if baseline is not None else whole
