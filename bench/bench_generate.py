"""Generation speed: our strategies against hypothesis-jsonschema, in examples per second.

For each kind, three sides run through the Hypothesis engine the same way: a ``@given`` test
with a no-op body, ``max_examples`` = :data:`EXAMPLES`, no database, no deadline, every health
check suppressed, the generate phase only, after a short warm-up that compiles the strategy;
the best of :data:`REPEATS` timed runs counts.
The sides are our ``valid_messages(kind)`` and ``invalid_messages(kind)`` (each mutant checked
by the reference validator before it is emitted, so that work is counted), and
hypothesis-jsonschema's ``from_schema(schema)`` on the same schema file.

hypothesis-jsonschema 0.23.1 imports Hypothesis internals that hypothesis 6.170.10 removed, so
it runs in a side virtualenv the benchmark makes at ``bench/.side-env`` (gitignored) with
:data:`SIDE_PACKAGES`, installed by pip only when missing. Every side runs in its own process
(the same driver, :data:`DRIVER`), which prints its rate as one JSON line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "schemas"
SIDE_ENV = ROOT / "bench" / ".side-env"
SIDE_PYTHON = SIDE_ENV / "bin" / "python"
SIDE_PACKAGES = {"hypothesis": "6.170.9", "hypothesis-jsonschema": "0.23.1"}
KINDS = ("beatframe", "statusclaim", "barreport")
EXAMPLES = 200
WARMUP = 20
#: Each rate is the best of this many timed runs in one process (the machine's noise removed).
REPEATS = 3
TARGET_RATIO = 10.0
#: A side that takes longer than this is stopped (and reported as such).
TIMEOUT = 120

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
    start = time.perf_counter()
    body()
    return count[0], time.perf_counter() - start

run(int(warmup))
done, seconds = min((run(int(examples)) for _ in range(int(repeats))), key=lambda r: r[1] / r[0])
print(json.dumps({"examples": done, "seconds": seconds, "rate": done / seconds,
                  "hypothesis": hypothesis.__version__}))
"""


def _installed(python: Path) -> dict[str, str]:
    """Package -> version of :data:`SIDE_PACKAGES` in the environment of *python*."""
    code = (
        "import json, importlib.metadata as m\n"
        "out = {}\n"
        f"for name in {list(SIDE_PACKAGES)!r}:\n"
        "    try: out[name] = m.version(name)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    proc = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=False)
    return json.loads(proc.stdout) if proc.returncode == 0 else {}


def side_env() -> Path | None:
    """The side virtualenv's python, made and filled by pip when needed; None if that fails."""
    if not SIDE_PYTHON.exists():
        print(f"  making {SIDE_ENV.relative_to(ROOT)} (once)", flush=True)
        venv.create(SIDE_ENV, with_pip=True, clear=True)
    if _installed(SIDE_PYTHON) != SIDE_PACKAGES:
        wanted = [f"{name}=={version}" for name, version in SIDE_PACKAGES.items()]
        print(f"  pip install {' '.join(wanted)} into the side env", flush=True)
        command = [str(SIDE_PYTHON), "-m", "pip", "install", "--quiet", *wanted]
        proc = subprocess.run(command, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            tail = proc.stderr.strip().splitlines()[-1:]
            print(f"  pip failed (exit {proc.returncode}): {tail}")
            return None
    return SIDE_PYTHON


def measure(python: Path | str, side: str, kind: str) -> dict[str, Any] | None:
    """Run the driver for one side and kind; its JSON result, or None (and why) on failure."""
    schema = SCHEMAS / f"{kind}-v1.schema.json"
    command = [
        str(python),
        "-c",
        DRIVER,
        side,
        kind,
        str(schema),
        str(EXAMPLES),
        str(WARMUP),
        str(REPEATS),
    ]
    try:
        proc = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=TIMEOUT, cwd=ROOT
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


def _print_table(rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in [list(HEADER), *rows]) for i in range(len(HEADER))]
    for row in [list(HEADER), *rows]:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        print("  " + "  ".join(cells))


def run() -> None:
    """Measure the three sides per kind and print the table."""
    side_python = side_env()
    versions: dict[str, str] = {}
    rows = []
    for kind in KINDS:
        valid = measure(sys.executable, "valid", kind)
        invalid = measure(sys.executable, "invalid", kind)
        theirs = measure(side_python, "hypothesis-jsonschema", kind) if side_python else None
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


if __name__ == "__main__":
    run()
