"""Generation speed: our strategies against hypothesis-jsonschema, in examples per second.

For each kind, three sides run through the Hypothesis engine the same way: a ``@given`` test
with a no-op body, ``max_examples`` = :data:`EXAMPLES`, no database, no deadline, every health
check suppressed, the generate phase only, after a short warm-up that compiles the strategy;
the best of :data:`REPEATS` timed runs counts.
The sides are our ``valid_messages(kind)`` and ``invalid_messages(kind)`` (each mutant checked
by the reference validator before it is emitted, so that work is counted), and
hypothesis-jsonschema's ``from_schema(schema)`` on the same schema file.

hypothesis-jsonschema 0.23.1 imports Hypothesis internals that hypothesis 6.170.10 removed, so
it runs in the side virtualenv of :mod:`side_env` (``bench/.side-env``, gitignored) with
:data:`SIDE_PACKAGES`, installed by pip only when missing. Every side runs in its own process
(the same driver, :data:`DRIVER`), which prints its rate as one JSON line.

A second table compares our two sides with the same sides of an earlier commit of this project
(:data:`BASELINE_REF`, the implementation before issue 9's strategy work; another with
``BENCH_BASELINE_REF=<commit>``): its ``backbeat_fuzz`` and ``schemas`` are taken from git into
``bench/.baseline/<commit>`` (gitignored) and the same driver runs there, interleaved with the
current tree's runs, so the ratio is measured side by side in one run.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

from side_env import side_python

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "schemas"
SIDE_PACKAGES = {"hypothesis": "6.170.9", "hypothesis-jsonschema": "0.23.1"}
KINDS = ("beatframe", "statusclaim", "barreport")
EXAMPLES = 200
WARMUP = 20
#: Each rate is the best of this many timed runs in one process (the machine's noise removed).
REPEATS = 3
TARGET_RATIO = 10.0
#: A side that takes longer than this is stopped (and reported as such).
TIMEOUT = 120
#: The commit the "now vs before" ratios compare against: main before issue 9's speed work.
BASELINE_REF = os.environ.get("BENCH_BASELINE_REF", "868a3caf4863f7c73b0de53a90532426d4def7be")
BASELINE_ROOT = ROOT / "bench" / ".baseline"

#: The timing driver, the same text on every side: ``python -c DRIVER SIDE KIND SCHEMA N W R``.
DRIVER = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
import hypothesis
from hypothesis import HealthCheck, Phase, given, settings

side, kind, schema_path, examples, warmup, repeats = sys.argv[1:7]

if side == "hypothesis-jsonschema":
    from hypothesis_jsonschema import from_schema
    with open(schema_path, encoding="utf-8") as f:
        strategy = from_schema(json.load(f))
elif side == "valid":
    from backbeat_fuzz.strategies import valid_messages
    strategy = valid_messages(kind)
else:
    from backbeat_fuzz.strategies import invalid_messages
    strategy = invalid_messages(kind)

def run(n):
    count = [0]
    @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def body(value):
        count[0] += 1
    start, cpu = time.perf_counter(), time.process_time()
    body()
    return count[0], time.perf_counter() - start, time.process_time() - cpu

run(int(warmup))
runs = [run(int(examples)) for _ in range(int(repeats))]
done, seconds, _ = min(runs, key=lambda r: r[1] / r[0])
cpu_done, _, cpu_seconds = min(runs, key=lambda r: r[2] / r[0])
package = sys.modules.get("backbeat_fuzz")
print(json.dumps({"examples": done, "seconds": seconds, "rate": done / seconds,
                  "cpu_rate": cpu_done / cpu_seconds,
                  "hypothesis": hypothesis.__version__,
                  "package": getattr(package, "__file__", None)}))
"""


def _extract(ref: str, folder: str, into: Path) -> None:
    """Write *folder* of commit *ref* under *into* (raises CalledProcessError if git cannot)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, folder],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


def baseline_tree(ref: str = BASELINE_REF) -> Path | None:
    """A folder holding commit *ref*'s package (schemas inside it, as installed), made once;
    None (and why) when git does not have that commit (a shallow clone)."""
    tree = BASELINE_ROOT / ref
    if (tree / "backbeat_fuzz" / "schemas").is_dir():
        return tree
    try:
        _extract(ref, "backbeat_fuzz", tree)
        _extract(ref, "schemas", tree / "backbeat_fuzz")
    except (subprocess.CalledProcessError, OSError) as exc:
        print(f"  baseline {ref[:12]} unavailable ({exc}); fetch the full history to compare")
        return None
    return tree


def measure(
    python: Path | str, side: str, kind: str, tree: Path = ROOT, examples: int = EXAMPLES
) -> dict[str, Any] | None:
    """Run the driver for one side and kind in *tree* (the package imported from there); its
    JSON result, or None (and why) on failure."""
    schema = SCHEMAS / f"{kind}-v1.schema.json"
    command = [
        str(python),
        "-c",
        DRIVER,
        side,
        kind,
        str(schema),
        str(examples),
        str(WARMUP),
        str(REPEATS),
    ]
    try:
        proc = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=TIMEOUT, cwd=tree
        )
    except subprocess.TimeoutExpired:
        print(f"  {side} on {kind}: stopped after {TIMEOUT}s")
        return None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
        print(f"  {side} on {kind} failed (exit {proc.returncode}): {tail}")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


HEADER = ("kind", "ours valid/s", "ours invalid/s", "h-jsonschema/s", "ratio valid",
          "ratio invalid", "target")  # fmt: skip


def _cell(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _rate(result: dict[str, Any] | None) -> float | None:
    return None if result is None else result["rate"]


def _ratio(ours: float | None, theirs: float | None) -> float | None:
    return None if ours is None or theirs is None else ours / theirs


def _row(kind: str, valid: float | None, invalid: float | None, theirs: float | None) -> list[str]:
    ratios = [_ratio(valid, theirs), _ratio(invalid, theirs)]
    known = [r for r in ratios if r is not None]
    verdict = "-" if not known else ("meets" if min(known) >= TARGET_RATIO else "misses")
    return [
        kind,
        _cell(valid, 0),
        _cell(invalid, 0),
        _cell(theirs, 1),
        *(_cell(r, 1) + "x" if r is not None else "-" for r in ratios),
        f"{verdict} {TARGET_RATIO:.0f}x",
    ]


def _print_table(rows: list[list[str]], header: tuple[str, ...] = HEADER) -> None:
    widths = [max(len(row[i]) for row in [list(header), *rows]) for i in range(len(header))]
    for row in [list(header), *rows]:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        print("  " + "  ".join(cells))


BEFORE_HEADER = ("kind", "valid/cpu-s now", "before", "ratio valid", "invalid/cpu-s now",
                 "before", "ratio invalid")  # fmt: skip


def _before_row(kind: str, rates: list[float | None]) -> list[str]:
    valid, valid_before, invalid, invalid_before = rates
    return [
        kind,
        _cell(valid, 0),
        _cell(valid_before, 0),
        _cell(_ratio(valid, valid_before), 2) + "x",
        _cell(invalid, 0),
        _cell(invalid_before, 0),
        _cell(_ratio(invalid, invalid_before), 2) + "x",
    ]


#: Alternating runs per side and kind in the now-vs-before table (machine load drifts), and
#: examples per timed run there (more than above: message sizes vary from run to run).
ROUNDS = 3
BEFORE_EXAMPLES = 600


def _best_of_rounds(side: str, kind: str, tree: Path) -> tuple[float | None, float | None]:
    """The best rate of *side* on *kind* now and in *tree*, the two run in turns."""
    now: list[float] = []
    before: list[float] = []
    for _ in range(ROUNDS):
        for where, rates in ((ROOT, now), (tree, before)):
            result = measure(sys.executable, side, kind, where, BEFORE_EXAMPLES)
            if result is not None and Path(result["package"]).is_relative_to(where):
                rates.append(result["cpu_rate"])
    return max(now, default=None), max(before, default=None)


def run_against_baseline() -> None:
    """Our valid and invalid sides now and at :data:`BASELINE_REF`, interleaved per kind."""
    tree = baseline_tree()
    if tree is None:
        return
    rows = []
    for kind in KINDS:
        rates = [_best_of_rounds(side, kind, tree) for side in ("valid", "invalid")]
        rows.append(_before_row(kind, [rate for pair in rates for rate in pair]))
    print(
        f"  now vs before (commit {BASELINE_REF[:12]}): the same driver, {BEFORE_EXAMPLES} "
        f"examples, the two trees alternating {ROUNDS} times per side and kind, the best "
        "rate of each, per second of "
        "CPU time (what the process itself spent: steadier than wall time on a shared machine)"
    )
    _print_table(rows, BEFORE_HEADER)


#: Builds each kind's coverage lists in a fresh process: ``python -c COVERAGE KIND``.
COVERAGE = """
import json, sys, time
start = time.perf_counter()
from backbeat_fuzz.strategies import coverage_mutants, coverage_valid
imported = time.perf_counter()
mutants, valid = coverage_mutants(sys.argv[1]), coverage_valid(sys.argv[1])
print(json.dumps({"mutants": len(mutants), "valid": len(valid),
                  "seconds": time.perf_counter() - imported}))
"""


def run_coverage() -> None:
    """How many messages the coverage phase sends per kind, and what building them costs."""
    print("  coverage lists (built once per process, cold, after the import):")
    for kind in KINDS:
        proc = subprocess.run(
            [sys.executable, "-c", COVERAGE, kind],
            capture_output=True,
            text=True,
            check=False,
            timeout=TIMEOUT,
            cwd=ROOT,
        )
        if proc.returncode != 0:
            print(f"  {kind}: failed: {proc.stderr.strip().splitlines()[-1:]}")
            continue
        found = json.loads(proc.stdout)
        print(
            f"  {kind:<12} {found['mutants']} mutants + {found['valid']} valid messages "
            f"in {found['seconds']:.2f}s"
        )


def run() -> None:
    """Measure the three sides per kind and print the table, then the now-vs-before table and
    the coverage lists' size and cost."""
    side = side_python(SIDE_PACKAGES)
    versions: dict[str, str] = {}
    rows = []
    for kind in KINDS:
        valid = measure(sys.executable, "valid", kind)
        invalid = measure(sys.executable, "invalid", kind)
        theirs = measure(side, "hypothesis-jsonschema", kind) if side else None
        for name, result in (("ours", valid), ("hypothesis-jsonschema", theirs)):
            if result is not None:
                versions[name] = result["hypothesis"]
        rows.append(_row(kind, _rate(valid), _rate(invalid), _rate(theirs)))
    used = ", ".join(f"{version} for {name}" for name, version in versions.items())
    print(
        f"  {EXAMPLES} examples per side and kind after {WARMUP} to warm up, best of {REPEATS}, "
        f"generate phase only (hypothesis {used})"
    )
    _print_table(rows)
    run_against_baseline()
    run_coverage()


if __name__ == "__main__":
    run()
