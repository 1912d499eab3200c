"""``--workers 2`` vs ``--workers 1`` on the same work, and two shards' total work vs one run.

The target is ``slow_consumers:planted_slow``: a Python function that sleeps 2 ms per message
and has three planted bugs. A sleep rather than a CPU burn: it stands for a consumer waiting
on I/O (a database, a downstream call), whose time is real whatever else runs on the machine,
so the ratio measures how well the workers overlap that wait while the harness's own CPU
work (generation, shrinking) shares the two cores. A CPU-bound consumer would compete with
the harness and with the other users of this shared machine for the same two cores.

Each configuration runs the installed ``backbeat-fuzz`` as a user would (worker start and
merge included), the same seed and budget, ``--database none``, in turns
(1, 2, 1, 2, ...); the best wall time of each is compared. The findings of the two must be the
same set (outcome, signature). Then ``--shard 0/2`` and ``--shard 1/2`` run one after the
other and their messages sent are added up beside the unsharded run's. The load average is
printed beside the figures: the 2 cores are shared.

The issue's target: ``--workers 2`` >= 1.8x faster than ``--workers 1`` on 2 cores.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FUZZ = Path(sys.executable).parent / "backbeat-fuzz"
TARGET = "slow_consumers:planted_slow"
SEED = 20251201
EXAMPLES = 200
REPEATS = 2
TARGET_RATIO = 1.8


def _run(folder: Path, name: str, *extra: str) -> tuple[float, dict[str, Any]]:
    """One campaign; its wall time and JSON report."""
    report = folder / f"{name}.json"
    args = [
        str(FUZZ), "--target", TARGET, "--seed", str(SEED), "--max-examples", str(EXAMPLES),
        "--database", "none", "--corpus", str(folder / f"corpus-{name}"), "--no-replay", "-q",
        "--report-json", str(report), *extra,
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), _path()]))}
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"bench workers: {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return elapsed, json.loads(report.read_text())


def _path() -> str:
    return os.environ.get("PYTHONPATH", "")


def _found(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["outcome"], f["signature"]) for f in report["findings"]}


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        folder = Path(tmp)
        print(f"  target {TARGET} (2 ms sleep a message), --max-examples {EXAMPLES}, seed {SEED}")
        print(f"  before: {_load()}")
        times: dict[int, list[float]] = {1: [], 2: []}
        reports: dict[int, dict[str, Any]] = {}
        for repeat in range(REPEATS):
            for workers in (1, 2):
                name = f"w{workers}-{repeat}"
                elapsed, reports[workers] = _run(folder, name, "--workers", str(workers))
                times[workers].append(elapsed)
        one, two = min(times[1]), min(times[2])
        same = _found(reports[1]) == _found(reports[2])
        print(
            f"  --workers 1: {one:.2f} s, {reports[1]['sent']} messages, "
            f"{len(reports[1]['findings'])} findings  (runs: {_times(times[1])})"
        )
        print(
            f"  --workers 2: {two:.2f} s, {reports[2]['sent']} messages, "
            f"{len(reports[2]['findings'])} findings  (runs: {_times(times[2])})"
        )
        verdict = "met" if one / two >= TARGET_RATIO else "NOT met"
        print(
            f"  --workers 2 is {one / two:.2f}x faster than --workers 1 (target >= "
            f"{TARGET_RATIO}x: {verdict}); same findings: {'yes' if same else 'NO'}"
        )
        timed = [_run(folder, f"shard{i}", "--shard", f"{i}/2") for i in range(2)]
        shards = [report for _, report in timed]
        total = sum(s["sent"] for s in shards)
        union = _found(shards[0]) | _found(shards[1])
        print(
            f"  --shard 0/2 + 1/2: {shards[0]['sent']} + {shards[1]['sent']} = {total} messages "
            f"vs {reports[1]['sent']} unsharded: {total / reports[1]['sent']:.3f}x the work; "
            f"same findings: {'yes' if union == _found(reports[1]) else 'NO'}"
        )
        print(
            "  the shards alone (how even the split is): "
            + ", ".join(f"{w:.2f} s wall, {r['duration']:.2f} s campaign" for w, r in timed)
        )
        print(f"  after: {_load()}")


def _times(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)
