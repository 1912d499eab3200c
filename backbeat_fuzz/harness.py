"""The campaign: feed a consumer valid and invalid messages, shrink what it gets wrong, keep it.

A campaign is a list of units of work, one Hypothesis run each: the valid messages of a kind,
and the mutants of each selected rule of a kind. In a run the consumer is called once per
example; a wrong verdict raises the exception class of its :class:`~backbeat_fuzz.model.Outcome`,
so Hypothesis shrinks each (kind, outcome, rule) separately and never drifts from one finding to
another. The first failing message of a unit is written to the corpus the moment it is seen; the
shrunk one replaces it when shrinking ends. Hypothesis settings are set explicitly (not from its
``ci`` profile), so a run under ``CI=true`` behaves as its flags say.
"""

from __future__ import annotations

import hashlib
import random
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, reject, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisWarning, InvalidArgument, Unsatisfiable

from . import __version__
from .baseline import Baseline, load_baseline
from .contract import load_contract
from .corpus import Corpus, CorpusEntry, Expected
from .database import KeyedDatabase, check_writable_folder, close_database, open_database
from .errors import UsageError
from .model import Mutant, Outcome, Verdict, canonical_text
from .replay import judge, replay_entry
from .report import DIRECTIONS, CampaignReport, Finding
from .strategies import (
    check_rule_patterns,
    invalid_messages,
    reaches,
    select_rules,
    valid_messages,
)
from .targets import Response, Target, load_target

__all__ = ["CampaignConfig", "Progress", "Unit", "judge", "run_campaign", "run_cell"]

#: After this many hangs in one unit, new messages are no longer sent (each costs the timeout).
HANG_BUDGET = 3


class _Failure(Exception):
    """A wrong verdict; one subclass per outcome so Hypothesis keeps them apart."""

    outcome: Outcome

    def __init__(self, data: bytes, response: Response, note: str) -> None:
        super().__init__(f"{self.outcome.value}: {response.detail}")
        self.data, self.response, self.note = data, response, note


_FAILURES: dict[Outcome, type[_Failure]] = {
    outcome: type(f"_{outcome.name.title().replace('_', '')}", (_Failure,), {"outcome": outcome})
    for outcome in Outcome
}


@dataclass(frozen=True)
class Unit:
    """One Hypothesis run: the valid messages of a kind, or the mutants of one rule."""

    kind: str
    rule: str | None = None

    @property
    def direction(self) -> str:
        """``valid`` or ``invalid``."""
        return "valid" if self.rule is None else "invalid"

    @property
    def key(self) -> str:
        """A stable name: ``beatframe/valid`` or ``beatframe/invalid/hlc.pattern``."""
        return f"{self.kind}/{self.direction}" + (f"/{self.rule}" if self.rule else "")


@dataclass(frozen=True)
class CampaignConfig:
    """Everything a campaign needs; the CLI only copies its options into one of these.

    Attributes:
        target: the target spec (see :func:`backbeat_fuzz.targets.load_target`).
        kinds: the message kinds to fuzz (all when empty).
        rules: rule selections (names, fields, families, globs); all when empty.
        max_examples: examples per kind and direction; the invalid direction splits it evenly
            across its rules, at least one each.
        duration: a wall-clock cap in seconds for the whole campaign, or None.
        seed: the campaign seed (a random one, reported, when None).
        input_mode: what a Python target takes: ``str``, ``bytes`` or ``object``.
        reject_on: more exception classes meaning "rejected" for a Python target.
        timeout: seconds per call before the verdict is a hang.
        schemas_dir: the schemas folder (the packaged v1 contract when None).
        corpus_dir: where findings are written; None to write nothing.
        database: Hypothesis example database: a folder, ``redis://...`` or None.
        shard: ``(index, count)``: run only this worker's share of the units.
        baseline: a baseline file of accepted findings, or None.
        integer_floats: also send ``1337.0`` for integers (the strict switch).
        replay_corpus: replay the corpus entries of the selected kinds before fuzzing.
    """

    target: str
    kinds: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    max_examples: int = 100
    duration: float | None = None
    seed: int | None = None
    input_mode: str = "str"
    reject_on: tuple[str, ...] = ()
    timeout: float = 2.0
    schemas_dir: Path | None = None
    corpus_dir: Path | None = Path("corpus")
    database: str | None = None
    shard: tuple[int, int] | None = None
    baseline: Path | None = None
    integer_floats: bool = False
    replay_corpus: bool = True


@dataclass
class Progress:
    """Live counters, handed to the progress callback after each call."""

    unit: Unit | None = None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    findings: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self) -> float:
        """Seconds since the campaign started."""
        return time.monotonic() - self.started


def _unit_seed(campaign_seed: int, unit: Unit, round_number: int = 0) -> int:
    salt = f":{round_number}" if round_number else ""
    digest = hashlib.sha256(f"{campaign_seed}:{unit.key}{salt}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _settings(config: CampaignConfig, examples: int, database: Any, unit: Unit) -> settings:
    keyed = None if database is None else KeyedDatabase(database, unit.key)
    return settings(
        settings.get_profile("default"),
        max_examples=examples,
        database=keyed,
        derandomize=False,
        deadline=None,
        phases=tuple(p for p in Phase if p is not Phase.explain),  # explain costs ~10x the shrink
        report_multiple_bugs=True,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        print_blob=False,
    )


@dataclass
class _Run:
    """The state of one campaign while it runs."""

    config: CampaignConfig
    target: Target
    seed: int
    corpus: Corpus | None
    database: Any
    progress: Progress
    on_progress: Callable[[Progress], None]
    deadline: float | None
    findings: dict[tuple[str, Outcome, str | None], Finding] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def count(self, unit: Unit) -> None:
        cell = self.progress.counts.setdefault(unit.kind, {"valid": 0, "invalid": 0})
        cell[unit.direction] += 1
        self.on_progress(self.progress)

    def past_deadline(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    def save(
        self, kind: str, rule: str | None, outcome: Outcome, data: bytes, detail: str, note: str
    ) -> str | None:
        if self.corpus is None:
            return None
        entry = CorpusEntry(
            kind=kind,
            message_type=load_contract(self.config.schemas_dir).kind(kind).message_type,
            rule=rule,
            expected=Expected.ACCEPT if rule is None else Expected.REJECT,
            outcome=outcome,
            data=data,
            detail=detail,
            target=self.config.target,
            seed=self.seed,
            note=note,
        )
        return str(self.corpus.save(entry))

    def record(
        self, kind: str, rule: str | None, outcome: Outcome, data: bytes, detail: str, note: str
    ) -> None:
        key = (kind, outcome, rule)
        if key in self.findings:
            return
        path = self.save(kind, rule, outcome, data, detail, note)
        message_type = load_contract(self.config.schemas_dir).kind(kind).message_type
        self.findings[key] = Finding(outcome, kind, message_type, rule, data, detail, path, note)
        self.progress.findings = len(self.findings)


def _payload(example: Any, unit: Unit) -> tuple[bytes, Any, str]:
    if isinstance(example, Mutant):
        return example.data, example.parsed, example.note
    return canonical_text(example).encode(), example, ""


def _run_unit(run: _Run, unit: Unit, examples: int, round_number: int = 0) -> None:
    """One Hypothesis run over *unit*; its findings are recorded in *run*."""
    config = run.config
    expected = Expected.ACCEPT if unit.rule is None else Expected.REJECT
    strategy: st.SearchStrategy[Any]
    if unit.rule is None:
        strategy = valid_messages(
            unit.kind, schemas_dir=config.schemas_dir, integer_floats=config.integer_floats
        )
    else:
        strategy = invalid_messages(
            unit.kind,
            rules=[unit.rule],
            schemas_dir=config.schemas_dir,
            input_mode=run.target.input_mode.value,
        )
    cache: dict[bytes, Response] = {}
    first_seen: dict[Outcome, str | None] = {}
    hangs = [0]

    def call(data: bytes, parsed: Any) -> Response | None:
        if data in cache:
            return cache[data]
        if hangs[0] >= HANG_BUDGET or (run.past_deadline() and not first_seen):
            return None
        response = run.target.call(data, parsed)
        cache[data] = response
        hangs[0] += response.verdict is Verdict.HANG
        run.count(unit)
        return response

    def body(example: Any) -> None:
        data, parsed, note = _payload(example, unit)
        response = call(data, parsed)
        if response is None:
            reject()
        outcome = judge(expected, response.verdict)
        if outcome is not None:
            if outcome not in first_seen:  # on disk at once; replaced once shrunk
                first_seen[outcome] = run.save(
                    unit.kind, unit.rule, outcome, data, response.detail, note
                )
            raise _FAILURES[outcome](data, response, note)

    test = settings(_settings(config, examples, run.database, unit))(
        seed(_unit_seed(run.seed, unit, round_number))(given(strategy)(body))
    )
    try:
        with warnings.catch_warnings():  # e.g. "overly large repr" of a 1001-item mutant
            warnings.simplefilter("ignore", HypothesisWarning)
            test()
    except InvalidArgument as exc:  # a schema the generators cannot satisfy, found late
        raise UsageError(
            f"cannot generate {unit.key} messages from the schema ({exc}); fix the schema"
        ) from None
    except Unsatisfiable:
        if not run.past_deadline():  # not the clock: the schema admits (almost) no message
            raise UsageError(
                f"no {unit.key} message could be generated: every draw was rejected; check that "
                "the schema can be satisfied (its example should validate)"
            ) from None
        run.skipped.append(f"{unit.key}: no example could be sent before the deadline")
    except _Failure as failure:
        _collect(run, unit, [failure], first_seen)
    except BaseExceptionGroup as group:
        failures = [e for e in _leaves(group) if isinstance(e, _Failure)]
        if not failures:
            raise
        _collect(run, unit, failures, first_seen)


def _leaves(group: BaseExceptionGroup) -> Iterator[BaseException]:
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            yield from _leaves(exc)
        else:
            yield exc


def _collect(
    run: _Run, unit: Unit, failures: list[_Failure], first_seen: dict[Outcome, str | None]
) -> None:
    for failure in failures:
        run.record(
            unit.kind,
            unit.rule,
            failure.outcome,
            failure.data,
            failure.response.detail,
            failure.note,
        )
        kept = run.findings[(unit.kind, failure.outcome, unit.rule)].corpus_path
        first = first_seen.get(failure.outcome)
        if first and kept and Path(first) != Path(kept) and run.corpus is not None:
            _delete_entry(Path(first))


def _delete_entry(message: Path) -> None:
    message.with_name(message.name.removesuffix(".json") + ".meta.json").unlink(missing_ok=True)
    message.unlink(missing_ok=True)


def _replay(run: _Run, units: list[Unit]) -> None:
    """Send the corpus entries of *units* first: known bugs are checked before new ones.

    Only entries of the units this run fuzzes are sent, so ``--rule`` and ``--shard`` select
    the corpus as they select the work (shards do not report each other's entries).
    """
    if run.corpus is None or not run.config.replay_corpus:
        return
    planned = {(u.kind, u.rule) for u in units}
    for entry in run.corpus.entries():
        if (entry.kind, entry.rule) not in planned:
            continue
        result = replay_entry(run.target, entry, run.corpus.path_for(entry))
        if result.still_fails and result.response is not None and result.outcome is not None:
            note = "from the corpus" + (f": {entry.note}" if entry.note else "")
            run.record(
                entry.kind, entry.rule, result.outcome, entry.data, result.response.detail, note
            )


def plan_units(config: CampaignConfig, input_mode: str) -> tuple[list[Unit], list[str]]:
    """The units of *config* after kind, rule and shard selection, and notes on what is left out."""
    contract = load_contract(config.schemas_dir)
    kinds = list(dict.fromkeys(contract.kind(k).name for k in config.kinds)) or list(contract.kinds)
    if config.rules:
        check_rule_patterns(kinds, list(config.rules), schemas_dir=config.schemas_dir)
    units: list[Unit] = []
    notes: list[str] = []
    for kind in kinds:
        if not config.rules:
            units.append(Unit(kind))
        selected = select_rules(kind, list(config.rules) or None, schemas_dir=config.schemas_dir)
        left_out = [r for r in selected if not reaches(r, input_mode)]
        if left_out:
            notes.append(f"{kind}: {', '.join(left_out)} not sent: the target takes {input_mode}")
        units += [Unit(kind, r) for r in selected if reaches(r, input_mode)]
    if config.shard is not None:
        index, count = config.shard
        units = [u for i, u in enumerate(units) if i % count == index]
    return units, notes


def _budget(config: CampaignConfig, units: list[Unit]) -> dict[Unit, int]:
    per_cell: dict[tuple[str, str], int] = {}
    for unit in units:
        per_cell[(unit.kind, unit.direction)] = per_cell.get((unit.kind, unit.direction), 0) + 1
    return {u: max(1, -(-config.max_examples // per_cell[(u.kind, u.direction)])) for u in units}


#: With a --duration, units run in rounds of at most this many examples each, so that the time
#: is shared by every kind and rule instead of going to the first units in the list.
ROUND_EXAMPLES = 50


def _run_units(run: _Run, units: list[Unit], budget: dict[Unit, int]) -> None:
    """Run every unit to its budget: in one pass, or in rounds when a deadline is set."""
    done = dict.fromkeys(units, 0)
    size = None if run.deadline is None else ROUND_EXAMPLES
    round_number = 0
    while pending := [u for u in units if done[u] < budget[u]]:
        for number, unit in enumerate(pending):
            if run.past_deadline():
                run.skipped.append(
                    f"--duration reached in round {round_number + 1}: "
                    f"{len(pending) - number} of {len(units)} units had budget left"
                )
                return
            left = budget[unit] - done[unit]
            examples = left if size is None else min(size, left)
            run.progress.unit = unit
            found = len(run.findings)
            _run_unit(run, unit, examples, round_number)
            # A unit ends at its first findings, as a Hypothesis run does: later rounds would
            # only find and shrink the same bug again.
            done[unit] += examples if len(run.findings) == found else left
        round_number += 1


def _open_target(config: CampaignConfig) -> Target:
    return load_target(
        config.target,
        input_mode=config.input_mode,
        reject_on=config.reject_on,
        timeout=config.timeout,
    )


def _start(
    config: CampaignConfig,
    target: Target,
    notes: list[str],
    on_progress: Callable[[Progress], None] | None,
) -> _Run:
    """The state of a run starting now: its seed, corpus, database and deadline."""
    corpus = None
    if config.corpus_dir is not None:
        corpus = Corpus(config.corpus_dir)
        check_writable_folder(config.corpus_dir, "--corpus")
    progress = Progress()
    return _Run(
        config,
        target,
        config.seed if config.seed is not None else random.SystemRandom().randrange(2**32),
        corpus,
        open_database(config.database),
        progress,
        on_progress or (lambda p: None),
        None if config.duration is None else progress.started + config.duration,
        skipped=notes,
    )


def run_campaign(
    config: CampaignConfig, *, on_progress: Callable[[Progress], None] | None = None
) -> CampaignReport:
    """Run one campaign and return its report (findings are already in the corpus).

    Raises:
        UsageError: a bad target, kind, rule, database, corpus, baseline or schemas folder, or
            a selection of rules none of which the target can receive.
    """
    baseline: Baseline | None = load_baseline(config.baseline) if config.baseline else None
    with _open_target(config) as target:
        units, notes = plan_units(config, target.input_mode.value)
        if not units and config.shard is None:
            raise UsageError(
                f"nothing to send: {'; '.join(notes)}; choose other --rule values, "
                "or --input bytes for a Python target"
            )
        run = _start(config, target, notes, on_progress)
        try:
            _replay(run, units)
            _run_units(run, units, _budget(config, units))
        finally:
            close_database(run.database)
    return _report(run, units, baseline)


def _report(run: _Run, units: list[Unit], baseline: Baseline | None) -> CampaignReport:
    failures = list(run.findings.values())
    notes: list[str] = []
    if baseline is not None:
        failures = [
            Finding(
                f.outcome,
                f.kind,
                f.message_type,
                f.rule,
                f.data,
                f.detail,
                f.corpus_path,
                f.note,
                baselined=True,
            )
            if baseline.match(f)
            else f
            for f in failures
        ]
        notes = baseline.notes(failures, {(u.kind, u.rule) for u in units})
    counts = {u.kind: run.progress.counts.get(u.kind, {"valid": 0, "invalid": 0}) for u in units}
    return CampaignReport(
        target=run.config.target,
        seed=run.seed,
        tool_version=__version__,
        counts=counts,
        failures=failures,
        skipped=run.skipped,
        duration=run.progress.elapsed,
        baseline_notes=notes,
    )


def run_cell(
    config: CampaignConfig,
    kind: str,
    direction: str,
    *,
    target: Target | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> CampaignReport:
    """Run one kind x direction of *config*: the valid messages, or the mutants of every rule.

    The pytest plugin runs one of these per test item. The units, their budgets, seeds and
    example-database keys are those :func:`run_campaign` gives the same cell, so findings and
    databases are shared with the CLI. The corpus is not replayed (replay entries with
    :func:`~backbeat_fuzz.replay.replay_entries`), ``config.shard`` is ignored, and
    ``config.duration`` caps this cell alone.

    Args:
        config: the campaign configuration (``config.kinds`` is ignored: *kind* is run).
        kind: the message kind (short name or ``type``).
        direction: ``valid`` or ``invalid``.
        target: an open target to reuse (left open); loaded from ``config`` and closed when None.
        on_progress: called after each message sent.

    Returns:
        The cell's report; its ``failures`` are the cell's findings, already in the corpus.

    Raises:
        UsageError: a bad direction, target, kind, rule, database, baseline or schemas folder.
    """
    if direction not in DIRECTIONS:
        raise UsageError(f"direction={direction!r} is unknown; use 'valid' or 'invalid'")
    if target is None:
        with _open_target(config) as loaded:
            return run_cell(config, kind, direction, target=loaded, on_progress=on_progress)
    baseline: Baseline | None = load_baseline(config.baseline) if config.baseline else None
    name = load_contract(config.schemas_dir).kind(kind).name
    cell_config = replace(config, kinds=(name,), shard=None)
    units, notes = plan_units(cell_config, target.input_mode.value)
    units = [u for u in units if u.direction == direction]
    run = _start(cell_config, target, notes, on_progress)
    try:
        _run_units(run, units, _budget(cell_config, units))
    finally:
        close_database(run.database)
    return _report(run, units, baseline)
