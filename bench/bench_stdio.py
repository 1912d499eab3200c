"""Persistent ``stdio:`` targets beside a Python function target and one-process-per-message
``cmd:`` targets, all running the same trivial consumer logic (parse the JSON, check ``type``;
``bench/stdio_consumers/``; the Go one decodes into a struct, as Go code does).

The machine is shared, and its load swings the speed of a round trip by 5x from one second to
the next, so the persistent targets (the Python function and the three adapters) are measured
together, taking the messages in turn (each turn starting from the next target), each one's
calls timed on their own, so that a busy moment slows them all alike.

- **raw**: ``target.call`` over the same pre-generated valid messages (RAW_PASSES passes over
  MESSAGES, BATCH messages to each target in turn), the targets started and warm; the rate is
  BATCH over the median batch time (a batch the scheduler took the CPU from is an outlier,
  not the target's speed);
- **campaign**: :func:`backbeat_fuzz.harness.run_cell`, the valid direction of every kind
  (CAMPAIGN_EXAMPLES per kind) through a target that hands each message to every persistent
  target in turn. A campaign against one target alone costs the harness's own time (the run's
  time minus all the calls) plus that target's calls (their median times their number): that
  is the rate printed. The harness's share (generation above all) is the ceiling every target
  shares.
- ``cmd:`` targets run alone, once, over CMD_MESSAGES messages and CMD_EXAMPLES examples per
  kind (a process per message).

Issue 9's targets: each ``stdio:`` adapter runs at >= 0.8x the messages/s of the Python
function target and >= 20x its own language's ``cmd:`` rate. A target whose tool is missing
(``node``, ``go``) is reported as skipped with the reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, seed, settings

from backbeat_fuzz.harness import CampaignConfig, run_cell
from backbeat_fuzz.model import Verdict, canonical_text
from backbeat_fuzz.strategies import valid_messages
from backbeat_fuzz.targets import InputMode, Response, Target, load_target

HERE = Path(__file__).resolve().parent
CONSUMERS = HERE / "stdio_consumers"
ADAPTERS = HERE.parent / "examples" / "adapters"
KINDS = ("beatframe", "statusclaim", "barreport")
SEED = 20250905
#: Messages in the raw loop, how many times it runs, and how many each target takes in a row
#: (a few milliseconds: long enough to run warm, short enough that the load is the same for all).
MESSAGES = 3000
RAW_PASSES = 3
BATCH = 100
#: Hypothesis examples per kind in the campaign measure.
CAMPAIGN_EXAMPLES = 300
#: The same for cmd: targets (a process per message: a hundred to ten thousand times slower).
CMD_MESSAGES = 30
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


def _rotated(targets: dict[str, Target], turn: int) -> list[tuple[str, Target]]:
    """The targets, starting from a different one at each turn (no target is always first)."""
    items = list(targets.items())
    start = turn % len(items)
    return items[start:] + items[:start]


def _check(name: str, response: Response) -> None:
    if response.verdict is not Verdict.ACCEPTED:
        raise SystemExit(f"{name} said {response.detail!r} to a valid message: bench broken")


class _Tee(Target):
    """Each message to every one of *targets* in turn, each call timed, so that one campaign
    (or one loop) measures them all under the same load, moment by moment."""

    def __init__(self, targets: dict[str, Target]) -> None:
        self.name = "tee"
        self.input_mode = InputMode.BYTES
        self.targets = targets
        self.seconds: dict[str, list[float]] = {name: [] for name in targets}
        self.calls = 0

    def call(self, data: bytes, parsed: Any = None) -> Response:
        """Send *data* to every target; the first one's response."""
        responses = []
        self.calls += 1
        for name, target in _rotated(self.targets, self.calls):
            start = time.perf_counter()
            response = target.call(data, parsed)
            self.seconds[name].append(time.perf_counter() - start)
            _check(name, response)
            responses.append(response)
        return responses[0]

    def close(self) -> None:
        """The targets are closed by their owner."""


def _raw(targets: dict[str, Target], messages: list[bytes]) -> dict[str, Rate]:
    """The persistent targets in turn, BATCH messages each, RAW_PASSES times over *messages*."""
    batches: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(RAW_PASSES):
        for number, first in enumerate(range(0, len(messages), BATCH)):
            batch = messages[first : first + BATCH]
            for name, target in _rotated(targets, number):
                start = time.perf_counter()
                responses = [target.call(data) for data in batch]
                batches[name].append(time.perf_counter() - start)
                for response in responses:
                    _check(name, response)
    return {name: Rate(BATCH, statistics.median(batches[name])) for name in targets}


def _raw_alone(name: str, target: Target, messages: list[bytes]) -> Rate:
    """A cmd: target on its own, over *messages*."""
    start = time.perf_counter()
    for data in messages:
        _check(name, target.call(data))
    return Rate(len(messages), time.perf_counter() - start)


def _run_cells(target: Target, examples: int) -> Rate:
    """The valid direction of every kind through *target*: messages sent, seconds taken."""
    config = CampaignConfig(
        target=target.name, max_examples=examples, seed=SEED, corpus_dir=None, database=None
    )
    sent, start = 0, time.perf_counter()
    for kind in KINDS:
        report = run_cell(config, kind, "valid", target=target)
        if report.findings:
            raise SystemExit(f"{target.name} got {report.findings[0].headline}: bench broken")
        sent += report.counts[kind]["valid"]
    return Rate(sent, time.perf_counter() - start)


def _campaign(targets: dict[str, Target]) -> tuple[dict[str, Rate], float]:
    """What a campaign against each persistent target alone costs: the harness's own time in
    one campaign serving all of them, plus that target's calls. Also the harness's seconds."""
    tee = _Tee(targets)
    both = _run_cells(tee, CAMPAIGN_EXAMPLES)
    harness = both.seconds - sum(sum(calls) for calls in tee.seconds.values())
    calls = {n: statistics.median(tee.seconds[n]) * len(tee.seconds[n]) for n in targets}
    return {n: Rate(both.messages, harness + calls[n]) for n in targets}, harness


def _measure(
    targets: dict[str, Target], messages: list[bytes]
) -> tuple[dict[str, Rate], dict[str, Rate], Rate]:
    """Raw and campaign rates of every target, and the harness's own share of the campaign."""
    persistent = {n: t for n, t in targets.items() if not n.startswith("cmd")}
    _raw(persistent, messages[:50])  # warm up: started, first calls answered
    raw = _raw(persistent, messages)
    campaign, harness = _campaign(persistent)
    for name, target in targets.items():
        if name.startswith("cmd"):
            raw[name] = _raw_alone(name, target, messages[:CMD_MESSAGES])
            campaign[name] = _run_cells(target, CMD_EXAMPLES)
    sent = campaign["python function"].messages
    return raw, campaign, Rate(sent, harness)


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
            f"cmd: rate (target >= {CMD_RATIO:g}x: {_verdict(vs_cmd, CMD_RATIO)})"
        )


def _ceilings(raw: dict[str, Rate], harness: Rate) -> None:
    """How the harness's own time per message bounds each language's stdio-over-cmd ratio: a
    campaign message costs the harness's time plus one call, so with the same harness time on
    both sides the ratio is (harness + cmd call) / (harness + stdio call), however fast the
    adapter is. (The cmd: campaign above is a short one, whose start-up and coverage phase
    weigh more per message, so its measured ratio can come out above this.)"""
    own = 1 / harness.per_second
    for language in ("python", "node", "go"):
        if f"stdio {language}" not in raw:
            continue
        cmd, stdio = (1 / raw[f"{form} {language}"].per_second for form in ("cmd", "stdio"))
        bound = (own + cmd) / (own + stdio)
        needed = (cmd - CMD_RATIO * stdio) / (CMD_RATIO - 1)
        print(
            f"    {language}: a cmd: call {cmd * 1000:.2f} ms, a stdio: call "
            f"{stdio * 1000:.3f} ms; with the harness's {own * 1000:.2f} ms a message on both "
            f"the ratio is {bound:.1f}x; {CMD_RATIO:g}x needs the harness under "
            f"{needed * 1000:.3f} ms a message"
        )


def run() -> None:
    """Build the Go consumer, start every target, measure and print the rates and ratios."""
    print(
        f"  trivial consumer (parse JSON, check type) as every target, seed {SEED}; persistent "
        f"targets take the messages in turn (raw: {RAW_PASSES} x {MESSAGES} messages, {BATCH} "
        f"at a time; "
        f"campaign: {CAMPAIGN_EXAMPLES} valid examples per kind), cmd: targets run alone "
        f"({CMD_MESSAGES} messages; {CMD_EXAMPLES} examples per kind)"
    )
    messages = _messages(MESSAGES)
    with tempfile.TemporaryDirectory(prefix="bench-stdio-") as work, _importable():
        specs, skipped = _specs(_go_programs(Path(work)))
        for why in skipped:
            print(f"  skipped {why}")
        with contextlib.ExitStack() as stack:
            targets = {name: stack.enter_context(load_target(spec)) for name, spec in specs.items()}
            raw, campaign, harness = _measure(targets, messages)
    _report("raw target.call loop", raw)
    _report("campaign (run_cell, valid direction of every kind)", campaign)
    print(
        f"    the harness's own time in the campaign: {1000 / harness.per_second:.2f} ms per "
        "message (generation, shrinking bookkeeping), the ceiling every target shares"
    )
    _ceilings(raw, harness)
