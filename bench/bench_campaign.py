"""Campaign throughput: messages per second end to end against a trivial consumer, beside the
bare floor of the same Hypothesis engine calling the same consumer.

Per kind and direction, three runs of the same number of Hypothesis examples, each Hypothesis
run seeded as the harness seeds that unit:

- **floor**: ``@given(st.fixed_dictionaries({...}))`` over the kind's fields with plain
  strategies (no patterns, formats or cross-field rules), in-process; the body is
  ``consumer(json.dumps(message))``. Every body call counts.
- **our strategies**: the same engine and body over ``valid_messages(kind)`` (or, for the
  invalid direction, ``invalid_messages(kind, rules=[rule])`` one Hypothesis run per rule with
  the harness's budget), in-process: what generation costs before any harness plumbing.
- **harness**: :func:`backbeat_fuzz.harness.run_cell` for that kind and direction, its
  exploration phase (the coverage phase is timed in ``bench_coverage``; the units,
  budgets and seeds :func:`~backbeat_fuzz.harness.run_campaign` gives them) against
  ``trivial_consumers:accept`` (valid) or ``trivial_consumers:reject`` (invalid) in its worker
  process, timed end to end (worker start included). Messages count as ``report.counts``
  counts them: each distinct message sent once; a repeat drawn again is answered from the
  harness's cache and not counted. The harness draws valid messages in batches (one Hypothesis
  example carries 1 to :data:`~backbeat_fuzz.campaign.exploration.BATCH` distinct messages),
  where the floor and our strategies draw one message per example: Hypothesis's own cost of an
  example is the larger part of a message's, so the harness can get past the floor.

The target (issue 9): the harness costs at most 1.5x the floor, in each direction. Both
directions are measured against the same floor, the plain valid ``fixed_dictionaries`` draw in
one Hypothesis run: a mutant is a valid message and an edit, each checked by the reference
validator, so the floor is what the consumer could be sent at best. The invalid direction also
prints the floor split into as many Hypothesis runs as the harness makes (one per rule: the
per-run setup, apart from generation), for information. When a ratio misses the target, one
harness run of the worst kind in that direction is profiled (cProfile) and the worker round
trip, the draws through ``.filter`` and our strategies' hottest functions are printed as shares
of it; ``BENCH_PROFILE=1`` also prints its top functions.
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import json
import os
import pstats
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from hypothesis.strategies._internal.strategies import FilteredStrategy  # the profile's .filter

from backbeat_fuzz.campaign.planning import unit_seed  # the harness's own seeds
from backbeat_fuzz.harness import (
    CampaignConfig,
    Unit,
    plan_units,
    run_cell,
)
from backbeat_fuzz.model import Mutant, canonical_text
from backbeat_fuzz.strategies import invalid_messages, valid_messages

HERE = Path(__file__).resolve().parent
KINDS = ("beatframe", "statusclaim", "barreport")
#: Hypothesis examples per kind and direction, as ``--max-examples``.
EXAMPLES = 500
SEED = 20250905
#: Each timing is the best of this many runs.
REPEATS = 3
TARGET_RATIO = 1.5  # issue 9 (it was 2x in issue 4)
#: Set BENCH_PROFILE=1 to also print the harness run's top functions (cProfile).
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
PROFILE_LINES = 25
#: Substrings of a profiled function's file or name that make it part of the worker round trip.
ROUND_TRIP = ("backbeat_fuzz/targets", "select.select", "posix.write", "posix.read")

_HEX = "0123456789abcdef"
_COUNT = st.integers(min_value=0, max_value=2**53 - 1)
_TEXT = st.text(max_size=64)
_STAMP = st.datetimes().map(lambda d: d.isoformat() + "Z")

#: Kind -> the floor's plain fixed_dictionaries strategy: the kind's fields, simple values.
FLOORS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "beatframe": st.fixed_dictionaries(
        {
            "type": st.just("backbeat.beatframe.v1"),
            "cluster_id": st.text(min_size=1, max_size=64),
            "beat_index": _COUNT,
            "downbeat": st.booleans(),
            "phase": st.sampled_from(["plan", "execute", "review"]),
            "hlc": st.text(_HEX, min_size=14, max_size=14),
            "deadline_at": _STAMP,
            "tempo_bpm": st.floats(min_value=0.1, max_value=10000),
            "window_id": st.text(_HEX, min_size=32, max_size=32),
        }
    ),
    "statusclaim": st.fixed_dictionaries(
        {
            "type": st.just("backbeat.statusclaim.v1"),
            "agent_id": st.text(min_size=1, max_size=256),
            "beat_index": _COUNT,
            "state": st.sampled_from(["idle", "planning", "executing", "completed"]),
            "hlc": st.text(_HEX, min_size=14, max_size=14),
        },
        optional={
            "task_id": _TEXT,
            "beats_left": _COUNT,
            "progress": st.floats(min_value=0, max_value=1),
            "notes": _TEXT,
        },
    ),
    "barreport": st.fixed_dictionaries(
        {
            "type": st.just("backbeat.barreport.v1"),
            "window_id": st.text(_HEX, min_size=32, max_size=32),
            "from_beat": _COUNT,
            "to_beat": _COUNT,
            "agents_reporting": _COUNT,
            "on_time_reviews": _COUNT,
            "help_promises_fulfilled": _COUNT,
            "secret_rotations_ok": st.booleans(),
            "tempo_drift_ms": st.floats(allow_nan=False, allow_infinity=False),
            "issues": st.lists(
                st.fixed_dictionaries(
                    {
                        "code": _TEXT,
                        "severity": st.sampled_from(["info", "warning", "error", "critical"]),
                        "message": _TEXT,
                    }
                ),
                max_size=5,
            ),
        }
    ),
}


@dataclass(frozen=True)
class Timing:
    """One measured run: the examples Hypothesis ran, the distinct messages among them (what
    the consumer is sent once each), and the wall-clock seconds."""

    examples: int
    distinct: int
    seconds: float

    @property
    def rate(self) -> float:
        """Distinct messages per second."""
        return self.distinct / self.seconds

    @property
    def ms_per_example(self) -> float:
        """Milliseconds per Hypothesis example."""
        return self.seconds * 1000 / self.examples


def _best(measures: dict[str, Callable[[], Timing]]) -> dict[str, Timing]:
    """The fastest of REPEATS runs of each measure, interleaved round by round so that a busy
    moment of the machine slows every measure alike."""
    runs: dict[str, list[Timing]] = {name: [] for name in measures}
    for _ in range(REPEATS):
        for name, measure in measures.items():
            runs[name].append(measure())
    return {name: min(timings, key=lambda t: t.seconds) for name, timings in runs.items()}


@dataclass(frozen=True)
class Run:
    """One Hypothesis run: a strategy, its examples, and the seed the harness gives its unit."""

    strategy: st.SearchStrategy[Any]
    examples: int
    seed: int


def _engine(run: Run, body: Callable[[Any], None]) -> None:
    """One in-process Hypothesis test: *run*'s strategy, examples and seed."""

    @seed(run.seed)
    @settings(
        max_examples=run.examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(run.strategy)
    def test(message: Any) -> None:
        body(message)

    test()


def _timed_runs(runs: list[Run], direction: str, encode: Callable[[Any], str]) -> Timing:
    """Time *runs* in-process; each example is encoded, remembered and given to the consumer."""
    import trivial_consumers

    consumer = trivial_consumers.accept if direction == "valid" else trivial_consumers.reject
    seen: set[str] = set()
    examples = [0]

    def body(message: Any) -> None:
        examples[0] += 1
        text = encode(message)
        seen.add(text)
        with contextlib.suppress(ValueError):
            consumer(text)

    start = time.perf_counter()
    for run in runs:
        _engine(run, body)
    return Timing(examples[0], len(seen), time.perf_counter() - start)


def _units(kind: str, direction: str) -> tuple[list[Unit], int]:
    """The units the harness runs for *kind* and *direction*, and the examples each gets."""
    config = CampaignConfig(target="trivial_consumers:accept", kinds=(kind,), corpus_dir=None)
    units = [u for u in plan_units(config, "str")[0] if u.cell == direction]
    return units, max(1, -(-EXAMPLES // len(units)))


def _seed(unit: Unit) -> int:
    """The seed the harness gives *unit* in a campaign seeded with SEED, so that the in-process
    runs draw from the random stream the harness's do."""
    return unit_seed(SEED, unit)


def floor(kind: str, direction: str, *, split: bool = False) -> Timing:
    """The floor: fixed_dictionaries, json.dumps, the consumer; one Hypothesis run, or (split)
    as many as the harness makes, with their seeds."""
    units, share = _units(kind, direction)
    strategy = FLOORS[kind]
    if split:
        runs = [Run(strategy, share, _seed(u)) for u in units]
    else:
        runs = [Run(strategy, EXAMPLES, _seed(units[0]))]
    return _timed_runs(runs, direction, json.dumps)


def ours(kind: str, direction: str) -> Timing:
    """Our strategies in-process, run as the harness runs them (one Hypothesis run per unit)."""
    units, share = _units(kind, direction)
    runs = [
        Run(valid_messages(kind), share, _seed(u))
        if u.rule is None
        else Run(invalid_messages(kind, rules=[u.rule], input_mode="str"), share, _seed(u))
        for u in units
    ]

    def encode(example: Any) -> str:
        if isinstance(example, Mutant):
            return example.data.decode("utf-8", "surrogateescape")
        return canonical_text(example)

    return _timed_runs(runs, direction, encode)


@contextlib.contextmanager
def _importable() -> Iterator[None]:
    """Let the harness's worker process import ``trivial_consumers`` (it inherits PYTHONPATH)."""
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(HERE), before) if p)
    try:
        yield
    finally:
        if before is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = before


def harness(kind: str, direction: str) -> Timing:
    """The harness end to end: run_cell against the trivial consumer in its worker process."""
    consumer = "accept" if direction == "valid" else "reject"
    config = CampaignConfig(
        target=f"trivial_consumers:{consumer}",
        max_examples=EXAMPLES,
        seed=SEED,
        corpus_dir=None,
        database=None,
        coverage=False,  # exploration alone, as the floor explores: bench_coverage times the rest
    )
    start = time.perf_counter()
    with _importable():
        report = run_cell(config, kind, direction)
    seconds = time.perf_counter() - start
    if report.findings:
        raise SystemExit(f"the trivial consumer got {report.findings[0].headline}: bench is broken")
    units, share = _units(kind, direction)
    return Timing(len(units) * share, report.counts[kind][direction], seconds)


def _profile(kind: str, direction: str) -> pstats.Stats:
    """Profile one harness run of *kind* and *direction*."""
    profiler = cProfile.Profile()
    profiler.runcall(harness, kind, direction)
    return pstats.Stats(profiler, stream=io.StringIO())


def _rows(stats: pstats.Stats) -> list[tuple[str, str, float, float]]:
    """(file, function, self seconds, cumulative seconds) per profiled function."""
    table = stats.stats  # type: ignore[attr-defined]  # pstats documents it, typeshed may not
    return [(where[0], where[2], row[2], row[3]) for where, row in table.items()]


#: Substrings of a backbeat_fuzz file that is not our strategies: the harness and its targets.
NOT_STRATEGIES = ("backbeat_fuzz/harness", "backbeat_fuzz/campaign/", "backbeat_fuzz/targets")


#: (file, first line) of ``.filter``'s draw in a profile (``sampled_from`` has a method of the
#: same name, which is not a filter).
_FILTERED = (
    FilteredStrategy.do_filtered_draw.__code__.co_filename,
    FilteredStrategy.do_filtered_draw.__code__.co_firstlineno,
)


def _ours(filename: str) -> bool:
    """A function of our strategies: in backbeat_fuzz but not the harness or its targets."""
    return "backbeat_fuzz/" in filename and not any(part in filename for part in NOT_STRATEGIES)


def _where_time_goes(stats: pstats.Stats) -> list[str]:
    """Where a profiled harness run spends its time, as lines of shares of the whole."""
    rows, total = _rows(stats), stats.total_tt
    round_trip = sum(own for f, n, own, _ in rows if any(m in f"{f}:{n}" for m in ROUND_TRIP))
    table = stats.stats  # type: ignore[attr-defined]
    filtered = sum(row[3] for where, row in table.items() if where[:2] == _FILTERED)
    ours = sorted(((cum, f"{Path(f).stem}.{n}") for f, n, _, cum in rows if _ours(f)), reverse=True)
    hot = ", ".join(f"{name} {seconds / total:.0%}" for seconds, name in ours[:4])
    return [
        f"worker round trip (pipe writes, waiting for replies) {round_trip / total:.0%} of the run",
        f"Hypothesis drawing through .filter (retried draws included) {filtered / total:.0%}",
        f"our strategies' own functions, cumulative: {hot}",
    ]


def _top(stats: pstats.Stats) -> str:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(PROFILE_LINES)
    return out.getvalue()


def _report_valid(kind: str) -> float:
    best = _best(
        {
            "floor": lambda: floor(kind, "valid"),
            "ours": lambda: ours(kind, "valid"),
            "harness": lambda: harness(kind, "valid"),
        }
    )
    base, gen, full = best["floor"], best["ours"], best["harness"]
    ratio = base.rate / full.rate
    verdict = _verdict(ratio)
    print(
        f"  {kind} valid, distinct messages/s: floor {base.rate:,.0f} ({base.distinct} of "
        f"{base.examples}), our strategies in-process {gen.rate:,.0f} ({gen.distinct}), "
        f"harness {full.rate:,.0f} ({full.distinct} sent)"
    )
    print(
        f"  {kind} valid: harness costs {ratio:.1f}x the floor "
        f"(target <= {TARGET_RATIO:g}x: {verdict})"
    )
    print(
        f"    ms per example: floor {base.ms_per_example:.2f}, our strategies "
        f"{gen.ms_per_example:.2f}, harness {full.ms_per_example:.2f} (worker round trip, "
        "cache, progress and worker start on top of our strategies)"
    )
    return ratio


def _report_invalid(kind: str) -> float:
    rules = len(_units(kind, "invalid")[0])
    best = _best(
        {
            "floor": lambda: floor(kind, "invalid"),
            "split": lambda: floor(kind, "invalid", split=True),
            "ours": lambda: ours(kind, "invalid"),
            "harness": lambda: harness(kind, "invalid"),
        }
    )
    base, split, gen, full = best["floor"], best["split"], best["ours"], best["harness"]
    ratio = base.rate / full.rate
    print(
        f"  {kind} invalid, {rules} rules (one Hypothesis run each), distinct messages/s: "
        f"floor {base.rate:,.0f} ({base.distinct} of {base.examples}), floor in {rules} runs "
        f"{split.rate:,.0f}, our strategies in-process {gen.rate:,.0f} ({gen.distinct} of "
        f"{gen.examples}), harness {full.rate:,.0f} ({full.distinct} sent)"
    )
    print(
        f"  {kind} invalid: harness costs {ratio:.1f}x the floor "
        f"(target <= {TARGET_RATIO:g}x: {_verdict(ratio)}), "
        f"{split.rate / full.rate:.1f}x the floor in {rules} runs"
    )
    print(
        f"    ms per example: floor {base.ms_per_example:.2f}, in {rules} runs "
        f"{split.ms_per_example:.2f}, our strategies {gen.ms_per_example:.2f}, "
        f"harness {full.ms_per_example:.2f}"
    )
    return ratio


def _verdict(ratio: float) -> str:
    return "meets" if ratio <= TARGET_RATIO else "misses"


def _worst(direction: str, ratios: dict[str, float]) -> None:
    """Print the worst ratio of *direction*; profile that kind when it misses the target."""
    worst = max(ratios, key=lambda kind: ratios[kind])
    print(
        f"  worst {direction} ratio {ratios[worst]:.1f}x, {worst} "
        f"({_verdict(ratios[worst])} the <= {TARGET_RATIO:g}x target)"
    )
    if ratios[worst] > TARGET_RATIO or PROFILE:
        stats = _profile(worst, direction)
        print(f"  where the harness's time goes ({worst} {direction}, cProfile):")
        for line in _where_time_goes(stats):
            print(f"    {line}")
        if PROFILE:
            print(_top(stats))


def run() -> None:
    """Time the floor, our strategies and the harness per kind; print rates and the ratios."""
    print(
        f"  {EXAMPLES} examples per kind and direction, seed {SEED}, best of {REPEATS}; "
        "trivial consumers (trivial_consumers.accept / reject)"
    )
    valid = {kind: _report_valid(kind) for kind in KINDS}
    invalid = {kind: _report_invalid(kind) for kind in KINDS}
    _worst("valid", valid)
    _worst("invalid", invalid)
