"""``--workers 2`` vs ``--workers 1`` on the same work, two shards' total work vs one run, and
what starting a worker costs.

The target is ``slow_consumers:planted_slow``: a Python function that sleeps 2 ms per message
and has three planted bugs. A sleep rather than a CPU burn: it stands for a consumer waiting
on I/O (a database, a downstream call), whose time is real whatever else runs on the machine,
so the ratio measures how well the workers overlap that wait while the harness's own CPU
work (generation, shrinking) shares the two cores. A CPU-bound consumer would compete with
the harness and with the other users of this shared machine for the same two cores.

Each configuration runs the installed ``backbeat-fuzz`` as a user would (worker start and
merge included), the same seed and budget, ``--database none``, in turns
(1, 2, 1, 2, ...), :data:`REPEATS` times; the ratio is of the medians, and each side's
spread (min-max) is printed, as is the ratio of every pair run back to back. The findings of
every run must be the same set (outcome, signature). Then ``--shard 0/2`` and ``--shard 1/2``
run one after the other and their messages sent are added up beside the unsharded run's.
Last, the start-up of one ``--workers 2`` campaign is timed from inside: from the parent's
start to each worker's being ready (spawned, imported, planned, target open). The load
average is printed beside the figures: the 2 cores are shared.

The issue's target: ``--workers 2`` >= 1.8x faster than ``--workers 1`` on 2 cores.
"""

from __future__ import annotations

import json
import os
import statistics
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
REPEATS = 5
TARGET_RATIO = 1.8


def _env() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH", "")]))
    return {**os.environ, "PYTHONPATH": path}


def _run(folder: Path, name: str, *extra: str) -> tuple[float, dict[str, Any]]:
    """One campaign; its wall time and JSON report."""
    report = folder / f"{name}.json"
    args = [
        str(FUZZ), "--target", TARGET, "--seed", str(SEED), "--max-examples", str(EXAMPLES),
        "--database", "none", "--corpus", str(folder / f"corpus-{name}"), "--no-replay", "-q",
        "--report-json", str(report), *extra,
    ]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, env=_env(), check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"bench workers: {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return elapsed, json.loads(report.read_text())


def _found(report: dict[str, Any]) -> frozenset[tuple[str, str]]:
    return frozenset((f["outcome"], f["signature"]) for f in report["findings"])


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def _side_by_side(folder: Path) -> dict[int, dict[str, Any]]:
    """``--workers 1`` and ``2`` in turns; their times, reports and findings."""
    runs: dict[int, dict[str, Any]] = {w: {"times": [], "reports": []} for w in (1, 2)}
    for repeat in range(REPEATS):
        for workers in (1, 2):
            elapsed, report = _run(folder, f"w{workers}-{repeat}", "--workers", str(workers))
            runs[workers]["times"].append(elapsed)
            runs[workers]["reports"].append(report)
    return runs


def _print_side_by_side(runs: dict[int, dict[str, Any]]) -> None:
    for workers, run in runs.items():
        times, report = run["times"], run["reports"][0]
        print(
            f"  --workers {workers}: median {statistics.median(times):.2f} s "
            f"(spread {min(times):.2f}-{max(times):.2f}; runs {_times(times)}), "
            f"{report['sent']} messages, {len(report['findings'])} findings"
        )
    one, two = (statistics.median(runs[w]["times"]) for w in (1, 2))
    pairs = [a / b for a, b in zip(runs[1]["times"], runs[2]["times"], strict=True)]
    found = {_found(r) for run in runs.values() for r in run["reports"]}
    verdict = "met" if one / two >= TARGET_RATIO else "NOT met"
    print(
        f"  --workers 2 is {one / two:.2f}x faster than --workers 1 (ratio of medians; target "
        f">= {TARGET_RATIO}x: {verdict}); pair by pair: {_times(pairs)}"
    )
    sent = sorted({r["sent"] for run in runs.values() for r in run["reports"]})
    print(
        f"  same findings in all {2 * REPEATS} runs: {'yes' if len(found) == 1 else 'NO'}; "
        f"messages sent per run: {', '.join(map(str, sent))}"
    )


def _shards(folder: Path, whole: dict[str, Any]) -> None:
    timed = [_run(folder, f"shard{i}", "--shard", f"{i}/2") for i in range(2)]
    shards = [report for _, report in timed]
    total = sum(s["sent"] for s in shards)
    union = _found(shards[0]) | _found(shards[1])
    print(
        f"  --shard 0/2 + 1/2: {shards[0]['sent']} + {shards[1]['sent']} = {total} messages "
        f"vs {whole['sent']} unsharded: {total / whole['sent']:.3f}x the work; "
        f"same findings: {'yes' if union == _found(whole) else 'NO'}"
    )
    print(
        "  the shards alone (how even the split is): "
        + ", ".join(f"{w:.2f} s wall, {r['duration']:.2f} s campaign" for w, r in timed)
    )


def _startup() -> None:
    """Seconds from a ``--workers 2`` parent's start to each worker's being ready."""
    sys.path.insert(0, str(HERE))
    from backbeat_fuzz.harness import CampaignConfig
    from backbeat_fuzz.workers import _finish, _start

    os.environ["PYTHONPATH"] = _env()["PYTHONPATH"]  # the spawned workers import the target
    config = CampaignConfig(
        TARGET, max_examples=1, seed=SEED, database=None, corpus_dir=None, coverage=False
    )
    pool = _start(config, 2, lambda progress: None, share=False)
    try:
        while len(pool.startup) < 2 and not pool.results:
            pool.receive(0.2)
        print(f"  start-up of --workers 2 (spawn, import, plan, target open): {_ready(pool)}")
        pool.run()  # the tiny campaign it was started for
    finally:
        _finish(pool)


def _ready(pool: Any) -> str:
    if pool.results:
        return "a worker failed: " + str(next(iter(pool.results.values())).error)
    return ", ".join(f"worker {i} ready after {s:.2f} s" for i, s in sorted(pool.startup.items()))


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        folder = Path(tmp)
        print(f"  target {TARGET} (2 ms sleep a message), --max-examples {EXAMPLES}, seed {SEED}")
        print(f"  before: {_load()}")
        runs = _side_by_side(folder)
        _print_side_by_side(runs)
        _shards(folder, runs[1]["reports"][0])
        _startup()
        print(f"  after: {_load()}")


def _times(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)
