"""``--workers N``: one campaign split across N local processes, merged into one report.

Worker *i* runs shard ``i/N`` of the campaign (:func:`~backbeat_fuzz.harness.split_units`:
budgets from the whole plan, units dealt by cost), so N workers do one run's work. They share
the corpus folder (entries are written atomically and named by signature, so two workers
finding one bug converge on one file) and the example database (a folder or a Redis URL works
across processes). Each worker opens its own target. The parent picks the seed when none is
given (every worker runs the same campaign), relays merged progress counts, and merges the
reports with :func:`~backbeat_fuzz.report.merge_reports`.

Processes start with the ``spawn`` context: nothing of the parent's state (threads, open
targets, a database connection) is copied into a worker. Ctrl-C: a worker ignores the
terminal's SIGINT and stops when the parent sends it SIGTERM, returning what it found so far,
so every worker stops once and cleanly.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue as queues
import random
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from . import __version__
from .errors import InfrastructureError, UsageError
from .harness import CampaignAborted, CampaignConfig, Progress, run_campaign
from .report import CampaignReport, merge_reports

__all__ = ["parse_workers", "run_workers"]

#: Seconds between two progress snapshots a worker sends.
PROGRESS_EVERY = 0.2
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


@dataclass(frozen=True)
class _Result:
    """What a worker sends back once: its report, and the error that stopped it, if any."""

    index: int
    report: CampaignReport | None = None
    error: str | None = None
    usage: bool = False  # the error is a usage error (else an infrastructure one)


@dataclass(frozen=True)
class _Snapshot:
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
        self.channel.put(_Snapshot(self.index, counts, progress.findings, progress.coverage_sent))


def _stop_once(signum: int, frame: Any) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second request must not cut the report
    raise KeyboardInterrupt


def _work(index: int, config: CampaignConfig, channel: Any, started: float) -> None:
    """The body of worker *index*: run its shard, send back one :class:`_Result`."""
    signal.signal(signal.SIGINT, lambda signum, frame: None)  # the parent decides when to stop
    signal.signal(signal.SIGTERM, _stop_once)
    if config.duration is not None:  # one deadline for every worker: the parent's
        config = replace(config, duration=max(1e-3, config.duration - (time.time() - started)))
    try:
        result = _Result(index, run_campaign(config, on_progress=_Relay(index, channel)))
    except CampaignAborted as exc:
        result = _Result(index, exc.report, str(exc))
    except UsageError as exc:
        result = _Result(index, error=str(exc), usage=True)
    except InfrastructureError as exc:
        result = _Result(index, error=str(exc))
    except KeyboardInterrupt:  # stopped before the campaign could start
        result = _Result(index)
    channel.put(result)


@dataclass
class _Pool:
    """The running workers and what they have sent so far."""

    processes: list[Any]
    channel: Any
    on_progress: Callable[[Progress], None]
    progress: Progress = field(default_factory=Progress)
    snapshots: dict[int, _Snapshot] = field(default_factory=dict)
    results: dict[int, _Result] = field(default_factory=dict)

    def receive(self, timeout: float) -> None:
        """Take what the workers sent within *timeout* seconds."""
        try:
            item = self.channel.get(timeout=timeout)
        except queues.Empty:
            return
        if isinstance(item, _Result):
            self.results[item.index] = item
        else:
            self.snapshots[item.index] = item
            self._relay()

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
        """The workers that have not sent their result and are still alive."""
        return [i for i, p in enumerate(self.processes) if i not in self.results and p.is_alive()]

    def stop(self) -> None:
        """Ask every worker still running to stop and send what it found."""
        for index in self.waiting():
            with contextlib.suppress(ProcessLookupError):  # it just ended
                os.kill(self.processes[index].pid, signal.SIGTERM)

    def drain(self, until: float) -> None:
        """Receive until every worker has sent its result (or died), or *until* passes."""
        while len(self.results) < len(self.processes) and time.monotonic() < until:
            if not self.waiting():
                self.receive(0.5)  # a result may still be in the pipe of a worker just gone
                if not self.waiting():
                    return
            self.receive(0.2)


def run_workers(
    config: CampaignConfig,
    workers: int,
    *,
    on_progress: Callable[[Progress], None] | None = None,
) -> CampaignReport:
    """Run *config* as *workers* processes, each one shard, and return the merged report.

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
    if config.seed is None:  # one campaign: every worker the same seed
        config = replace(config, seed=random.SystemRandom().randrange(2**32))
    started = time.monotonic()
    pool = _start(config, workers, on_progress or (lambda p: None))
    interrupted = False
    try:
        pool.drain(until=float("inf"))
    except KeyboardInterrupt:
        interrupted = True
        pool.stop()
        pool.drain(until=time.monotonic() + STOP_GRACE)
    finally:
        _finish(pool)
    if interrupted and not any(r.report for r in pool.results.values()):  # none had started
        return CampaignReport(config.target, config.seed or 0, __version__, {}, interrupted=True)
    return _merge(pool, workers, time.monotonic() - started, interrupted)


def _start(config: CampaignConfig, workers: int, on_progress: Callable[[Progress], None]) -> _Pool:
    context = multiprocessing.get_context("spawn")
    channel = context.Queue()
    now = time.time()
    processes = [
        context.Process(
            target=_work,
            args=(i, replace(config, shard=(i, workers)), channel, now),
            name=f"backbeat-fuzz worker {i}",
            daemon=True,
        )
        for i in range(workers)
    ]
    for process in processes:
        process.start()
    return _Pool(processes, channel, on_progress)


def _finish(pool: _Pool) -> None:
    """Join every worker; one that does not exit after its report is terminated."""
    for process in pool.processes:
        process.join(timeout=5)
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)
    pool.channel.close()


def _merge(pool: _Pool, workers: int, elapsed: float, interrupted: bool) -> CampaignReport:
    results = [pool.results.get(i) for i in range(workers)]
    usage = next((r for r in results if r is not None and r.usage), None)
    if usage is not None:
        raise UsageError(usage.error or "")
    reports = [r.report for r in results if r is not None and r.report is not None]
    lost = [i for i, r in enumerate(results) if r is None]
    errors = [r.error for r in results if r is not None and r.error]
    if lost and not interrupted:
        code = pool.processes[lost[0]].exitcode
        errors.append(
            f"worker {lost[0]} stopped without a report (exit code {code}); its findings so far "
            "are in the corpus; rerun, or run with --workers 1 to see its error"
        )
    if not reports:
        raise InfrastructureError(errors[0] if errors else "no worker sent a report; rerun")
    merged = replace(merge_reports(reports), duration=elapsed)
    if interrupted:
        merged = replace(merged, interrupted=True)
    if errors:
        raise CampaignAborted(errors[0], merged)
    return merged
