"""Persistent ``stdio:`` targets beside a Python function target and one-process-per-message
``cmd:`` targets, all running the same trivial consumer logic (parse the JSON, check ``type``;
``bench/stdio_consumers/``; the Go one decodes into a struct, as Go code does).

Two measures, interleaved round by round so that a busy moment of the machine slows every
target alike, each target's median round kept:

- **raw**: ``target.call`` in a loop over the same pre-generated valid messages (MESSAGES,
  RAW_REPEATS short rounds; CMD_MESSAGES once for ``cmd:``), the target started;
- **campaign**: :func:`backbeat_fuzz.harness.run_cell`, the valid direction of every kind
  (CAMPAIGN_EXAMPLES per kind, REPEATS rounds; CMD_EXAMPLES once for ``cmd:``), through the
  already-open target; messages are those the report counts (each distinct message sent once).
  Generation dominates this measure: it shows the ceiling the harness sets, not the target.

Issue 9's targets: each ``stdio:`` adapter runs at >= 0.8x the messages/s of the Python
function target and >= 20x its own language's ``cmd:`` rate. A target whose tool is missing
(``node``, ``go``) is reported as skipped with the reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings

from backbeat_fuzz.harness import CampaignConfig, run_cell
from backbeat_fuzz.model import canonical_text
from backbeat_fuzz.strategies import valid_messages
from backbeat_fuzz.targets import Target, load_target

HERE = Path(__file__).resolve().parent
CONSUMERS = HERE / "stdio_consumers"
ADAPTERS = HERE.parent / "examples" / "adapters"
KINDS = ("beatframe", "statusclaim", "barreport")
SEED = 20250905
#: Rounds of every persistent target's measures (the median round is kept: on a shared machine
#: the best round is a lucky moment); cmd: targets, a hundred times slower, are measured once.
REPEATS = 5
RAW_REPEATS = 7
#: Messages per raw loop: persistent targets, and cmd: targets (one process each).
MESSAGES = 1500
CMD_MESSAGES = 30
#: Hypothesis examples per kind in the campaign measure: persistent targets, and cmd:.
CAMPAIGN_EXAMPLES = 150
CMD_EXAMPLES = 10
#: Issue 9's targets: stdio >= 0.8x the Python function target, >= 20x its own cmd: rate.
FUNCTION_RATIO = 0.8
CMD_RATIO = 20.0


@dataclass(frozen=True)
class Rate:
    """Messages sent and the seconds they took."""

    messages: int
    seconds: float

    @property
    def per_second(self) -> float:
        """Messages per second."""
        return self.messages / self.seconds


def _messages(count: int) -> list[bytes]:
    """*count* valid messages, the three kinds in turn, the same in every run."""
    found: list[bytes] = []
    for kind in KINDS:

        @seed(SEED)
        @settings(
            max_examples=count // len(KINDS),
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(valid_messages(kind))
        def collect(message: object) -> None:
            found.append(canonical_text(message).encode())

        collect()
    return found


def _go_programs(work: Path) -> Path | None:
    """Build the Go adapter with the trivial consumer in *work*; its binary, or None."""
    go = shutil.which("go")
    if go is None:
        return None
    module = work / "module"
    shutil.copytree(ADAPTERS / "go", module)
    (module / "cmd" / "check").mkdir(parents=True)
    shutil.copy(CONSUMERS / "go" / "check.go", module / "cmd" / "check" / "main.go")
    env = {
        **os.environ,
        "GOCACHE": str(work / "cache"),
        "GOPATH": str(work / "gopath"),
        "GOPROXY": "off",
        "GOFLAGS": "-mod=mod",
        "GOTOOLCHAIN": "local",
        "CGO_ENABLED": "0",
    }
    binary = work / "check"
    subprocess.run([go, "build", "-o", str(binary), "./cmd/check"], cwd=module, env=env, check=True)
    return binary


def _specs(go_binary: Path | None) -> tuple[dict[str, str], list[str]]:
    """Target name -> spec, and the targets skipped with why."""
    python, node = sys.executable, shutil.which("node")
    specs = {
        "python function": "trivial_check:check",
        "stdio python": f"stdio:{python} {CONSUMERS / 'stdio_check.py'}",
        "cmd python": f"cmd:{python} {CONSUMERS / 'cmd_check.py'}",
    }
    skipped = []
    if node:
        specs["stdio node"] = f"stdio:{node} {CONSUMERS / 'stdio_check.js'}"
        specs["cmd node"] = f"cmd:{node} {CONSUMERS / 'cmd_check.js'}"
    else:
        skipped.append("node: not installed (apt-get install nodejs)")
    if go_binary:
        specs["stdio go"] = f"stdio:{go_binary}"
        specs["cmd go"] = f"cmd:{go_binary} cmd"
    else:
        skipped.append("go: not installed (apt-get install golang-go)")
    return specs, skipped


@contextlib.contextmanager
def _importable() -> Iterator[None]:
    """Let the Python function target's worker import ``trivial_check`` (it inherits
    PYTHONPATH)."""
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(CONSUMERS), before) if p)
    try:
        yield
    finally:
        if before is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = before


def _raw(target: Target, messages: list[bytes]) -> Rate:
    start = time.perf_counter()
    for data in messages:
        response = target.call(data)
        if response.verdict.value != "accepted":
            raise SystemExit(
                f"{target.name} said {response.detail} to a valid message: bench broken"
            )
    return Rate(len(messages), time.perf_counter() - start)


def _campaign(target: Target, examples: int) -> Rate:
    config = CampaignConfig(
        target=target.name, max_examples=examples, seed=SEED, corpus_dir=None, database=None
    )
    sent, seconds = 0, 0.0
    for kind in KINDS:
        start = time.perf_counter()
        report = run_cell(config, kind, "valid", target=target)
        seconds += time.perf_counter() - start
        if report.failures:
            raise SystemExit(f"{target.name} got {report.failures[0].headline}: bench broken")
        sent += report.counts[kind]["valid"]
    return Rate(sent, seconds)


def _median(measures: dict[str, Callable[[], Rate]], repeats: int) -> dict[str, Rate]:
    """The median of *repeats* runs of each measure (one of a cmd: one), interleaved round by
    round."""
    runs: dict[str, list[Rate]] = {name: [] for name in measures}
    for number in range(repeats):
        for name, measure in measures.items():
            if number == 0 or not name.startswith("cmd"):
                runs[name].append(measure())
    return {
        name: sorted(rates, key=lambda r: r.per_second)[len(rates) // 2]
        for name, rates in runs.items()
    }


def _measure(
    targets: dict[str, Target], messages: list[bytes]
) -> tuple[dict[str, Rate], dict[str, Rate]]:
    """(raw, campaign) rates of every target."""

    def raw(name: str) -> Callable[[], Rate]:
        cmd = name.startswith("cmd")
        return lambda: _raw(targets[name], messages[:CMD_MESSAGES] if cmd else messages)

    def campaign(name: str) -> Callable[[], Rate]:
        examples = CMD_EXAMPLES if name.startswith("cmd") else CAMPAIGN_EXAMPLES
        return lambda: _campaign(targets[name], examples)

    for target in targets.values():  # warm up: started, first calls answered
        _raw(target, messages[:5])
    return (
        _median({n: raw(n) for n in targets}, RAW_REPEATS),
        _median({n: campaign(n) for n in targets}, REPEATS),
    )


def _verdict(ratio: float, target: float) -> str:
    return "meets" if ratio >= target else "misses"


def _report(label: str, rates: dict[str, Rate]) -> None:
    line = ", ".join(f"{name} {rate.per_second:,.0f}" for name, rate in rates.items())
    print(f"  {label}, messages/s: {line}")
    function = rates["python function"].per_second
    for language in ("python", "node", "go"):
        stdio = rates.get(f"stdio {language}")
        if stdio is None:
            continue
        vs_function = stdio.per_second / function
        vs_cmd = stdio.per_second / rates[f"cmd {language}"].per_second
        print(
            f"    stdio {language}: {vs_function:.2f}x the Python function target (target >= "
            f"{FUNCTION_RATIO}x: {_verdict(vs_function, FUNCTION_RATIO)}), {vs_cmd:,.0f}x its "
            f"cmd: rate (target >= {CMD_RATIO:.0f}x: {_verdict(vs_cmd, CMD_RATIO)})"
        )


def run() -> None:
    """Build the Go consumer, start every target, measure and print the rates and ratios."""
    print(
        f"  trivial consumer (parse JSON, check type) as every target; raw loop {MESSAGES} "
        f"messages, median of {RAW_REPEATS}; campaign {CAMPAIGN_EXAMPLES} valid examples per "
        f"kind, median of {REPEATS}; cmd: targets {CMD_MESSAGES} messages and {CMD_EXAMPLES} "
        f"examples per kind, once; seed {SEED}"
    )
    messages = _messages(MESSAGES)
    with tempfile.TemporaryDirectory(prefix="bench-stdio-") as work, _importable():
        specs, skipped = _specs(_go_programs(Path(work)))
        for why in skipped:
            print(f"  skipped {why}")
        with contextlib.ExitStack() as stack:
            targets = {name: stack.enter_context(load_target(spec)) for name, spec in specs.items()}
            raw, campaign = _measure(targets, messages)
    _report("raw target.call loop", raw)
    _report("campaign (run_cell, valid direction of every kind)", campaign)
