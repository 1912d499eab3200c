"""The coverage phase: what it costs, and how soon a default run has sent every variant.

The coverage phase sends every mutation variant of every rule (each malformed date-time form,
each bound, each JSON-text mutation...) and every valid boundary value of every field once, on
the README example, before Hypothesis explores. Printed, per kind and for a whole default run
(``backbeat-fuzz --target T``: no budget flags, so 100 exploration examples per kind and
direction) against a correct consumer (``trivial_consumers:reference``, the reference validator
in the worker process):

- the size of the coverage lists (mutation variants, valid boundary cases);
- the coverage phase's time and rate, as a share of the whole default run: the time at which
  every mutation variant has been sent at least once;
- for comparison, how many of those variants exploration alone reaches with the default budget
  (the same Hypothesis runs, seeds and budgets the harness gives each rule, drawn in-process
  and matched to the coverage list by rule and variant note).
"""

from __future__ import annotations

import time
from typing import Any

from bench_campaign import _importable
from hypothesis import HealthCheck, given, seed, settings

from backbeat_fuzz.campaign.planning import unit_seed  # the harness's own seeds
from backbeat_fuzz.harness import (
    DEFAULT_MAX_EXAMPLES,
    CampaignConfig,
    Progress,
    plan_units,
    run_campaign,
)
from backbeat_fuzz.strategies import coverage_mutants, coverage_valid, invalid_messages

KINDS = ("beatframe", "statusclaim", "barreport")
SEED = 20250905


def _variants(kind: str) -> set[tuple[str, str]]:
    return {(m.rule, m.note) for m in coverage_mutants(kind, input_mode="str")}


class _PhaseClock:
    """Records when the campaign left its coverage phase."""

    def __init__(self) -> None:
        self.coverage_done: float | None = None

    def __call__(self, progress: Progress) -> None:
        if self.coverage_done is None and progress.phase == "explore":
            self.coverage_done = progress.elapsed


def _default_run() -> tuple[Any, float | None, float]:
    config = CampaignConfig(
        target="trivial_consumers:reference", seed=SEED, corpus_dir=None, database=None
    )
    clock = _PhaseClock()
    start = time.perf_counter()
    with _importable():
        report = run_campaign(config, on_progress=clock)
    seconds = time.perf_counter() - start
    if report.findings:
        raise SystemExit(f"the reference consumer got {report.findings[0].headline}: bench broken")
    return report, clock.coverage_done, seconds


def _explored(kind: str) -> set[tuple[str, str]]:
    """The (rule, note) pairs exploration alone draws with the default budget and seeds."""
    config = CampaignConfig(target="x.y", kinds=(kind,), seed=SEED)
    units = [u for u in plan_units(config, "str")[0] if u.rule is not None]
    share = max(1, -(-DEFAULT_MAX_EXAMPLES // len(units)))
    seen: set[tuple[str, str]] = set()
    for unit in units:

        @settings(
            max_examples=share,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @seed(unit_seed(SEED, unit))
        @given(invalid_messages(kind, rules=[unit.rule], input_mode="str"))
        def draw(mutant: Any) -> None:
            seen.add((mutant.rule, mutant.note))

        draw()
    return seen


def run() -> None:
    """Print the coverage lists' sizes, the phase's cost, and exploration's reach beside it."""
    for kind in KINDS:
        variants = _variants(kind)
        reached = variants & _explored(kind)
        print(
            f"  {kind:<12} {len(variants)} mutation variants, {len(coverage_valid(kind))} valid "
            f"boundary cases; exploration alone (default budget) reaches {len(reached)} of the "
            f"variants ({100 * len(reached) / len(variants):.0f}%)"
        )
    report, covered_at, seconds = _default_run()
    covered_at = covered_at or seconds
    print(
        f"  one default run (3 kinds, no budget flags), correct consumer: {seconds:.1f}s, "
        f"{report.sent} messages; coverage phase {report.coverage_sent} messages in "
        f"{covered_at:.1f}s ({report.coverage_sent / covered_at:.0f}/s), "
        f"{100 * covered_at / seconds:.0f}% of the run"
    )
    print(f"  every mutation variant sent at least once after {covered_at:.1f}s")
