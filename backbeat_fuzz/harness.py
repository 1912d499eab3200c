"""The campaign: feed a consumer valid and invalid messages, report each of its bugs once.

A campaign runs in three phases over units of work (the valid messages of a kind, the mutants
of one rule of a kind):

1. *replay*: the corpus entries of the selected units are sent first; those that still fail
   are findings that are *known*, not new;
2. *coverage*: every mutation variant of every rule, and every valid boundary value of every
   field, is sent once on the schema's README example (deterministic, so rare forms such as a
   ``+24:00`` offset are never left to chance);
3. *exploration*: one Hypothesis run per unit and round; units take turns by kind, in rounds,
   until the budget (``--max-examples``, ``--duration``, or both) is spent.

A wrong verdict becomes a finding keyed by its cause (:class:`~backbeat_fuzz.findings.FindingKey`):
the target's signature for crashes, hangs and rejected valid messages; the field group for
accepted invalid ones. Each new key raises its own exception class inside Hypothesis, so each
bug is shrunk on its own and shrinking keeps the bug; a key already found no longer fails the
run, so exploration goes on hunting for new ones. A last pass (:mod:`.minimize`) resets every
field that does not matter back to the README example and names the fields that do. The
first failing message of a finding is written to the corpus the moment it is seen, and
replaced (same file) by its shrunk form. Hypothesis settings are set explicitly (not from its
``ci`` profile), so a run under ``CI=true`` behaves as its flags say.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import re
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, reject, seed, settings
from hypothesis import strategies as st
from hypothesis.database import ExampleDatabase
from hypothesis.errors import HypothesisWarning, InvalidArgument, Unsatisfiable

from . import __version__
from .baseline import Baseline, load_baseline
from .contract import Contract, load_contract
from .corpus import Corpus, CorpusEntry, Expected
from .database import KeyedDatabase, check_writable_folder, close_database, open_database
from .defaults import DEFAULT_CORPUS, DEFAULT_MAX_EXAMPLES, DEFAULT_TIMEOUT
from .errors import InfrastructureError, UsageError
from .findings import Direction, FindingKey, FindingStatus, Witness, field_group, is_weak
from .jsontext import JsonTextError, parse
from .minimize import attribute
from .model import Mutant, Outcome, Verdict, canonical_text
from .replay import judge, replay_entry
from .report import DIRECTIONS, CampaignReport, Finding
from .signature import mask
from .strategies import (
    check_rule_patterns,
    coverage_mutants,
    coverage_valid,
    invalid_messages,
    is_probe,
    reaches,
    select_rules,
    valid_messages,
)
from .targets import Response, Target, load_target
from .validator import MessageValidator

__all__ = [
    "DEFAULT_MAX_EXAMPLES",
    "CampaignAborted",
    "CampaignConfig",
    "Progress",
    "Unit",
    "judge",
    "plan_units",
    "run_campaign",
    "run_cell",
    "split_units",
]

#: After this many hangs a unit sends nothing more (each costs the timeout).
HANG_BUDGET = 3
#: Exploration runs in rounds of at most this many examples per unit...
ROUND_EXAMPLES = 50
#: ...and, under a deadline, of about this many seconds of target time per unit.
ROUND_SECONDS = 1.0
#: Weak signatures are attributed to fields by extra calls: at most this many per campaign.
ATTRIBUTION_CALLS = 2000
#: Responses remembered per campaign (a message sent twice is answered from memory).
CACHE_SIZE = 100_000


@dataclass(frozen=True)
class Unit:
    """One line of work: the valid messages of a kind, or the mutants of one rule.

    Attributes:
        kind: the message kind's short name.
        rule: the rule its mutants break, or None for valid messages.
        probe: the rule is an implementation limit (either verdict is right).
    """

    kind: str
    rule: str | None = None
    probe: bool = False

    @property
    def direction(self) -> Direction:
        """What a correct consumer does with this unit's messages."""
        if self.rule is None:
            return Direction.VALID
        return Direction.PROBE if self.probe else Direction.INVALID

    @property
    def cell(self) -> str:
        """``valid`` or ``invalid``: the column of the counts table (probes are invalid)."""
        return "valid" if self.rule is None else "invalid"

    @property
    def key(self) -> str:
        """A stable name: ``beatframe/valid`` or ``beatframe/invalid/hlc.pattern``."""
        return f"{self.kind}/{self.cell}" + (f"/{self.rule}" if self.rule else "")


@dataclass(frozen=True)
class CampaignConfig:
    """Everything a campaign needs; the CLI only copies its options into one of these.

    Attributes:
        target: the target spec (see :func:`backbeat_fuzz.targets.load_target`).
        kinds: the message kinds to fuzz (all when empty).
        rules: rule selections (names, fields, families, globs); all when empty.
        max_examples: exploration examples per kind and direction (the invalid direction
            splits them across its rules, at least one each). None: unbounded when a
            ``duration`` is set, else :data:`DEFAULT_MAX_EXAMPLES`.
        duration: a wall-clock cap in seconds for the whole campaign, or None. Alone, the
            campaign runs until it; with ``max_examples``, whichever ends first.
        seed: the campaign seed (a random one, reported, when None).
        input_mode: what a Python target takes: ``str``, ``bytes`` or ``object``.
        reject_on: more exception classes meaning "rejected" for a Python target.
        timeout: seconds per call before the verdict is a hang.
        schemas_dir: the schemas folder (the packaged v1 contract when None).
        corpus_dir: where findings are written; None to write nothing.
        database: Hypothesis example database: a folder, ``redis://...`` or None.
        shard: ``(index, count)``: run only this shard of the units (see :func:`split_units`;
            budgets come from the whole plan, so the shards together do one run's work).
        baseline: a baseline file of accepted findings, or None.
        integer_floats: also send ``1337.0`` for integers (the strict switch).
        replay_corpus: replay the corpus entries of the selected kinds before fuzzing.
        coverage: send every mutation variant and boundary value once before exploring.
        memory_limit: MiB a Python target's worker may use before a message is a crash (None:
            the targets' default, 2048; 0: no limit).
    """

    target: str
    kinds: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    max_examples: int | None = None
    duration: float | None = None
    seed: int | None = None
    input_mode: str = "str"
    reject_on: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    schemas_dir: Path | None = None
    corpus_dir: Path | None = Path(DEFAULT_CORPUS)
    database: str | None = None
    shard: tuple[int, int] | None = None
    baseline: Path | None = None
    integer_floats: bool = False
    replay_corpus: bool = True
    coverage: bool = True
    memory_limit: int | None = None

    @property
    def examples(self) -> int | None:
        """The exploration budget per kind and direction, None for "until the deadline"."""
        if self.max_examples is None and self.duration is None:
            return DEFAULT_MAX_EXAMPLES
        return self.max_examples


@dataclass
class Progress:
    """Live counters, handed to the progress callback after each call."""

    unit: Unit | None = None
    phase: str = ""
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    findings: int = 0
    coverage_sent: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self) -> float:
        """Seconds since the campaign started."""
        return time.monotonic() - self.started

    @property
    def sent(self) -> int:
        """Messages sent so far, every phase."""
        return sum(sum(cell.values()) for cell in self.counts.values())


@dataclass(frozen=True)
class Observation:
    """One wrong verdict: the message, the unit it came from and what the target did."""

    unit: Unit
    data: bytes
    parsed: Any
    note: str
    response: Response
    outcome: Outcome
    origin: Any = None  # the valid message a mutant was made from
    location: str = ""  # the JSON location a mutant edits (issues[0].code)

    @property
    def field(self) -> str:
        """The top-level field a mutant edits, or ""."""
        return re.split(r"[.\[]", self.location, maxsplit=1)[0]


class CampaignAborted(InfrastructureError):
    """The campaign stopped on an infrastructure failure (the corpus disk, the database).

    Not a finding: the CLI prints :attr:`report` (the findings so far, all on disk) and then
    this one-line message, and exits 2.
    """

    def __init__(self, message: str, report: CampaignReport) -> None:
        super().__init__(message)
        self.report = report


def _infrastructure(exc: BaseException) -> InfrastructureError | None:
    """*exc* as an infrastructure failure, or None when it is something else."""
    if isinstance(exc, InfrastructureError):
        return exc
    if isinstance(exc, OSError):  # the corpus: the only file a campaign writes while it runs
        what = f"the corpus file {str(exc.filename)!r}" if exc.filename else "the corpus"
        return InfrastructureError.from_os_error(
            exc, what, "free space on that disk or choose another --corpus"
        )
    return None


class _NotSent(Exception):
    """The message was not sent: the deadline passed, or the unit spent its hang budget."""


class _OutOfTime(BaseException):
    """--duration is spent: ends the Hypothesis run at once, generation and shrinking alike.

    A BaseException, so Hypothesis does not take it for a failure to shrink; a finding seen
    before it is already on disk (recorded when first seen)."""


class _Failure(Exception):
    """A new bug inside a Hypothesis run; one subclass per finding key (see :func:`_failure`)."""

    def __init__(self, key: FindingKey, observation: Observation) -> None:
        super().__init__(key.label)
        self.key, self.observation = key, observation


_FAILURES: dict[FindingKey, type[_Failure]] = {}


def _failure(key: FindingKey) -> type[_Failure]:
    """The exception class of *key*: Hypothesis tells bugs apart by exception type."""
    if key not in _FAILURES:
        _FAILURES[key] = type(f"_Bug{len(_FAILURES)}", (_Failure,), {})
    return _FAILURES[key]


@dataclass
class _Found:
    """A finding while the campaign runs: its headline and everything it was seen under."""

    key: FindingKey
    headline: Observation
    status: FindingStatus
    corpus_path: str | None = None
    fields: tuple[str, ...] = ()
    witnesses: dict[tuple[str, str | None, str], Witness] = field(default_factory=dict)
    kinds: dict[str, None] = field(default_factory=dict)
    rules: dict[str | None, None] = field(default_factory=dict)

    def witness(self, observation: Observation) -> None:
        unit = observation.unit
        self.kinds.setdefault(unit.kind)
        self.rules.setdefault(unit.rule)
        slot = (unit.kind, unit.rule, observation.note)
        if slot not in self.witnesses and len(self.witnesses) < 12:
            self.witnesses[slot] = Witness(unit.kind, unit.rule, observation.note, observation.data)


def _unit_seed(campaign_seed: int, unit: Unit, round_number: int = 0) -> int:
    salt = f":{round_number}" if round_number else ""
    digest = hashlib.sha256(f"{campaign_seed}:{unit.key}{salt}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class _AppendOnly(ExampleDatabase):
    """A database that keeps what it is given: later rounds of a unit replay examples of bugs
    already found (they pass: known bugs are witnesses), and Hypothesis would delete them."""

    def __init__(self, inner: ExampleDatabase) -> None:
        super().__init__()
        self.inner = inner

    def save(self, key: bytes, value: bytes) -> None:
        self.inner.save(key, value)

    def fetch(self, key: bytes) -> Iterable[bytes]:
        return self.inner.fetch(key)

    def delete(self, key: bytes, value: bytes) -> None:
        """Kept: the next campaign's first round decides what no longer fails."""

    def move(self, src: bytes, dest: bytes, value: bytes) -> None:
        self.inner.save(dest, value)


def _settings(examples: int, database: Any, unit: Unit, round_number: int) -> settings:
    keyed = None if database is None else KeyedDatabase(database, unit.key)
    if keyed is not None and round_number:
        keyed = _AppendOnly(keyed)
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


def _leaves(group: BaseExceptionGroup) -> Iterator[BaseException]:
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            yield from _leaves(exc)
        else:
            yield exc


def _expected(direction: Direction) -> Expected:
    return {
        Direction.VALID: Expected.ACCEPT,
        Direction.INVALID: Expected.REJECT,
        Direction.PROBE: Expected.EITHER,
    }[direction]


def _payload(example: Any) -> tuple[bytes, Any, str, Any, str]:
    if isinstance(example, Mutant):
        return example.data, example.parsed, example.note, example.origin, example.location
    return canonical_text(example).encode(), example, "", None, ""


class Runner:
    """One campaign while it runs: the target, the contract, the corpus and the findings.

    The CLI's :func:`run_campaign` and the pytest plugin's :func:`run_cell` both drive one of
    these; each only chooses the units.
    """

    def __init__(
        self,
        config: CampaignConfig,
        target: Target,
        contract: Contract,
        on_progress: Callable[[Progress], None] | None = None,
        notes: Iterable[str] = (),
    ) -> None:
        self.config, self.target, self.contract = config, target, contract
        self.validator = MessageValidator(config.schemas_dir)
        self.seed = (
            config.seed if config.seed is not None else random.SystemRandom().randrange(2**32)
        )
        self.corpus = None if config.corpus_dir is None else Corpus(config.corpus_dir)
        if config.corpus_dir is not None:
            check_writable_folder(config.corpus_dir, "--corpus")
        self.progress = Progress()
        self.on_progress = on_progress or (lambda p: None)
        self.deadline = None if config.duration is None else self.progress.started + config.duration
        self.database = open_database(config.database)
        self.found: dict[FindingKey, _Found] = {}
        self.skipped: list[str] = list(notes)
        self._cache: dict[bytes, Response] = {}
        self._hangs: dict[Unit, int] = {}
        self._attribution_calls = 0
        self._target_time = 0.0
        self._calls = 0
        self.interrupted = False

    def close(self) -> None:
        close_database(self.database)

    # -- sending ----------------------------------------------------------------------------

    def past_deadline(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    def send(self, unit: Unit, data: bytes, parsed: Any, *, budgeted: bool = True) -> Response:
        """The target's response to *data* (from memory if sent before).

        Raises:
            _NotSent: past the deadline, or (when *budgeted*) the unit spent its hang budget.
        """
        if data in self._cache:
            return self._cache[data]
        if (budgeted and self._retired(unit)) or self.past_deadline():
            raise _NotSent
        response = self.target.call(data, parsed)
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[data] = response
        self._calls += 1
        self._target_time += response.elapsed
        if response.verdict is Verdict.HANG:
            self._hangs[unit] = self._hangs.get(unit, 0) + 1
        cell = self.progress.counts.setdefault(unit.kind, {"valid": 0, "invalid": 0})
        cell[unit.cell] += 1
        self.on_progress(self.progress)
        return response

    def observe(self, unit: Unit, example: Any) -> Observation | None:
        """Send one example: its wrong verdict, or None when the target got it right."""
        data, parsed, note, origin, location = _payload(example)
        response = self.send(unit, data, parsed)
        outcome = judge(_expected(unit.direction), response.verdict)
        if outcome is None:
            return None
        return Observation(unit, data, parsed, note, response, outcome, origin, location)

    # -- what makes two failures one bug ----------------------------------------------------

    def key_of(self, observation: Observation) -> FindingKey:
        """The finding *observation* belongs to (attributing weak signatures to fields)."""
        if observation.outcome is Outcome.FALSE_ACCEPT:
            assert observation.unit.rule is not None
            group = field_group(observation.unit.rule)
            return FindingKey(observation.outcome, f"{observation.unit.kind} {group}")
        signature = _signature(observation.response)
        key = FindingKey(observation.outcome, signature)
        if not is_weak(signature) or not _attributable(observation.parsed):
            return key
        if self._attribution_calls >= ATTRIBUTION_CALLS:
            return replace(key, fields=("?",))
        _, fields = self._attribute(observation, key)
        return replace(key, fields=fields)

    def _reproduces(self, observation: Observation, key: FindingKey) -> Callable[[Any], bool]:
        unit = observation.unit

        def reproduces(candidate: dict[str, Any]) -> bool:
            rules = self.validator.validate_message(candidate, kind=unit.kind).rules
            if key.outcome is Outcome.FALSE_REJECT and rules:
                return False
            if key.outcome is Outcome.FALSE_ACCEPT and unit.rule not in rules:
                return False
            self._attribution_calls += 1
            try:
                data = canonical_text(candidate).encode()
                response = self.send(unit, data, candidate, budgeted=False)
            except _NotSent:
                return False
            expected = Expected.REJECT if rules else Expected.ACCEPT
            if key.outcome in (Outcome.CRASH, Outcome.HANG):
                expected = _expected(unit.direction)
            if judge(expected, response.verdict) is not key.outcome:
                return False
            return key.outcome is Outcome.FALSE_ACCEPT or _signature(response) == key.signature

        return reproduces

    def _attribute(
        self, observation: Observation, key: FindingKey
    ) -> tuple[dict[str, Any], tuple[str, ...]]:
        example = self.contract.kind(observation.unit.kind).schema.get("examples", [{}])[0]
        return attribute(observation.parsed, example, self._reproduces(observation, key))

    # -- recording --------------------------------------------------------------------------

    def record(
        self, key: FindingKey, observation: Observation, status: FindingStatus = FindingStatus.NEW
    ) -> _Found:
        """Add *observation* to the finding *key* (new ones are written to the corpus at once)."""
        found = self.found.get(key)
        if found is None:
            found = self.found[key] = _Found(key, observation, status)
            if status is FindingStatus.NEW:
                found.corpus_path = self._save(found)
            self.progress.findings = len(self.found)
        found.witness(observation)
        return found

    def settle(self, key: FindingKey, observation: Observation) -> None:
        """Make the shrunk *observation* the headline of *key*, attributed to its fields."""
        found = self.record(key, observation)
        observation = self._unmutated(observation, key)
        found.headline, found.fields = observation, key.fields
        if not _attributable(observation.parsed):  # a JSON-text mutant: where it was made
            found.fields = key.fields or tuple(filter(None, [observation.field]))
        else:
            message, fields = self._attribute(observation, key)
            found.fields = key.fields or fields
            data = canonical_text(message).encode()
            if data != observation.data:
                unit = self._unit_of(message, observation.unit)
                found.headline = replace(
                    observation,
                    unit=unit,
                    data=data,
                    parsed=message,
                    note=observation.note if unit == observation.unit else "",
                    response=self._cache.get(data, observation.response),
                )
        if found.status is FindingStatus.NEW:
            found.corpus_path = self._save(found)

    def _unmutated(self, observation: Observation, key: FindingKey) -> Observation:
        """The valid message a crashing or hanging mutant came from, when it fails alike:
        the mutation was not the cause (a hang on a long ``agent_id`` inside a mutant)."""
        origin = observation.origin
        if key.outcome not in (Outcome.CRASH, Outcome.HANG) or not _attributable(origin):
            return observation
        if not self._reproduces(observation, key)(origin):
            return observation
        data = canonical_text(origin).encode()
        return replace(
            observation,
            unit=self._unit_of(origin, observation.unit),
            data=data,
            parsed=origin,
            note="",
            response=self._cache.get(data, observation.response),
            origin=None,
        )

    def _unit_of(self, message: dict[str, Any], unit: Unit) -> Unit:
        """The unit an attributed message belongs to: it may have become valid, or break
        another rule than the one it was made for (a crash is a crash either way)."""
        rules = self.validator.validate_message(message, kind=unit.kind).rules
        if unit.rule in rules or (unit.rule is None and not rules):
            return unit
        if not rules:
            return Unit(unit.kind)
        rule = sorted(rules)[0]
        return Unit(unit.kind, rule, is_probe(rule))

    def _save(self, found: _Found) -> str | None:
        if self.corpus is None:
            return None
        headline = found.headline
        entry = CorpusEntry(
            kind=headline.unit.kind,
            message_type=self.contract.kind(headline.unit.kind).message_type,
            rule=headline.unit.rule,
            expected=_expected(headline.unit.direction),
            outcome=found.key.outcome,
            data=headline.data,
            detail=headline.response.detail,
            target=self.config.target,
            seed=self.seed,
            note=headline.note,
            signature=found.key.label,
            fields=found.fields,
            location=headline.response.location,
        )
        return str(self.corpus.save(entry))

    # -- the phases -------------------------------------------------------------------------

    def replay(self, units: list[Unit]) -> None:
        """Send the corpus entries of *units* first: what they still show is known, not new.

        Only entries of the units this run fuzzes are sent, so ``--rule`` and ``--shard`` select
        the corpus as they select the work (shards do not report each other's entries).
        """
        if self.corpus is None or not self.config.replay_corpus:
            return
        planned = {(u.kind, u.rule): u for u in units}
        self.progress.phase = "replay"
        for entry in self.corpus.entries():
            unit = planned.get((entry.kind, entry.rule))
            if unit is None:
                continue
            result = replay_entry(self.target, entry, self.corpus.path_for(entry))
            if result.outcome is None or result.response is None:
                continue
            observation = Observation(
                unit, entry.data, _parsed(entry.data), entry.note, result.response, result.outcome
            )
            found = self.record(self.key_of(observation), observation, FindingStatus.KNOWN)
            found.corpus_path = found.corpus_path or str(self.corpus.path_for(entry))
            found.fields = found.fields or tuple(entry.fields)

    def cover(self, units: list[Unit]) -> None:
        """Send every coverage message of *units* once, kinds taking turns."""
        if not self.config.coverage:
            return
        self.progress.phase = "coverage"
        streams = [self._coverage(unit) for unit in _interleave(units)]
        for unit, example in _round_robin(streams):
            if self.past_deadline():
                self.skipped.append("--duration reached during the coverage phase")
                return
            try:
                observation = self.observe(unit, example)
            except _NotSent:
                continue
            self.progress.coverage_sent += 1
            if observation is None:
                continue
            key = self.key_of(observation)
            if key in self.found:
                self.found[key].witness(observation)
            else:
                self.settle(key, observation)

    def _coverage(self, unit: Unit) -> Iterator[tuple[Unit, Any]]:
        config = self.config
        try:
            if unit.rule is None:
                examples: list[Any] = coverage_valid(
                    unit.kind, schemas_dir=config.schemas_dir, integer_floats=config.integer_floats
                )
            else:
                examples = coverage_mutants(
                    unit.kind,
                    rules=[unit.rule],
                    schemas_dir=config.schemas_dir,
                    input_mode=self.target.input_mode.value,
                )
        except (InvalidArgument, Unsatisfiable) as exc:
            raise _unsatisfiable(unit, exc) from None
        for example in examples:
            if isinstance(example, Mutant) and example.rule != unit.rule:
                continue
            yield unit, example

    def explore(self, units: list[Unit], budget: dict[Unit, int | None]) -> None:
        """Run every unit to its budget in rounds, kinds taking turns, until the deadline."""
        self.progress.phase = "explore"
        order = _interleave(units)
        done = dict.fromkeys(order, 0)
        for round_number in itertools.count():
            pending = [u for u in order if _left(budget[u], done[u]) and not self._retired(u)]
            if not pending:
                return
            for number, unit in enumerate(pending):
                if self.past_deadline():
                    self.skipped.append(
                        f"--duration reached in round {round_number + 1} of exploration, "
                        f"{len(pending) - number} of {len(order)} units yet to take their turn"
                    )
                    return
                size = self._round_size(budget[unit], done[unit])
                done[unit] += max(1, self.run_unit(unit, size, round_number))

    def _retired(self, unit: Unit) -> bool:
        return self._hangs.get(unit, 0) >= HANG_BUDGET

    def _round_size(self, budget: int | None, done: int) -> int:
        size = ROUND_EXAMPLES
        if self.deadline is not None and self._calls:
            per_call = self._target_time / self._calls
            size = max(5, min(ROUND_EXAMPLES, int(ROUND_SECONDS / max(per_call, 1e-6))))
        return size if budget is None else min(size, budget - done)

    def _strategy(self, unit: Unit) -> st.SearchStrategy[Any]:
        config = self.config
        if unit.rule is None:
            return valid_messages(
                unit.kind, schemas_dir=config.schemas_dir, integer_floats=config.integer_floats
            )
        return invalid_messages(
            unit.kind,
            rules=[unit.rule],
            schemas_dir=config.schemas_dir,
            input_mode=self.target.input_mode.value,
        )

    def run_unit(self, unit: Unit, examples: int, round_number: int = 0) -> int:
        """One Hypothesis run over *unit*; returns the examples it ran."""
        self.progress.unit = unit
        known = frozenset(self.found)
        ran = [0]

        def body(example: Any) -> None:
            try:
                observation = self.observe(unit, example)
            except _NotSent:
                if self.past_deadline():
                    raise _OutOfTime from None
                reject()
            ran[0] += 1
            if observation is None:
                return
            key = self.key_of(observation)
            if key in known:  # found before this run: a witness, and exploration goes on
                self.found[key].witness(observation)
                return
            if key not in self.found:  # on disk at once; replaced once shrunk
                self.record(key, observation)
            raise _failure(key)(key, observation)

        test = settings(_settings(examples, self.database, unit, round_number))(
            seed(_unit_seed(self.seed, unit, round_number))(given(self._strategy(unit))(body))
        )
        for failure in self._failures(test, unit):
            self.settle(failure.key, failure.observation)
        return ran[0]

    def _failures(self, test: Callable[[], None], unit: Unit) -> list[_Failure]:
        try:
            with warnings.catch_warnings():  # e.g. "overly large repr" of a 1001-item mutant
                warnings.simplefilter("ignore", HypothesisWarning)
                test()
        except InvalidArgument as exc:  # a schema the generators cannot satisfy, found late
            raise _unsatisfiable(unit, exc) from None
        except Unsatisfiable as exc:
            if not self.past_deadline() and not self._retired(unit):
                raise _unsatisfiable(unit, exc) from None
        except _Failure as failure:
            return [failure]
        except _OutOfTime:
            return []
        except BaseExceptionGroup as group:
            failures = [e for e in _leaves(group) if isinstance(e, _Failure)]
            if len(failures) < len(group.exceptions):
                raise
            return failures
        return []

    # -- the report -------------------------------------------------------------------------

    def report(self, units: list[Unit], baseline: Baseline | None) -> CampaignReport:
        findings = [self._finding(found) for found in self.found.values()]
        covered = tuple((u.kind, u.rule) for u in units)
        notes: list[str] = []
        if baseline is not None:
            findings = [
                replace(f, status=FindingStatus.BASELINED) if baseline.match(f) else f
                for f in findings
            ]
            notes = baseline.notes(findings, set(covered))
        counts = {
            u.kind: self.progress.counts.get(u.kind, {"valid": 0, "invalid": 0}) for u in units
        }
        return CampaignReport(
            target=self.config.target,
            seed=self.seed,
            tool_version=__version__,
            counts=counts,
            findings=findings,
            skipped=self.skipped,
            duration=self.progress.elapsed,
            baseline_notes=notes,
            coverage_sent=self.progress.coverage_sent,
            interrupted=self.interrupted,
            covered=covered,
        )

    def _finding(self, found: _Found) -> Finding:
        headline = found.headline
        return Finding(
            outcome=found.key.outcome,
            signature=found.key.label,
            kind=headline.unit.kind,
            message_type=self.contract.kind(headline.unit.kind).message_type,
            rule=headline.unit.rule,
            data=headline.data,
            detail=headline.response.detail,
            corpus_path=found.corpus_path,
            note=headline.note,
            status=found.status,
            fields=found.fields,
            kinds=tuple(found.kinds),
            rules=tuple(found.rules),
            witnesses=tuple(found.witnesses.values()),
            location=headline.response.location,
            output=headline.response.output,
        )


def _unsatisfiable(unit: Unit, exc: Exception) -> UsageError:
    """One line for a schema the generators cannot draw *unit*'s messages from."""
    if isinstance(exc, InvalidArgument):
        return UsageError(
            f"cannot generate {unit.key} messages from the schema ({exc}); fix the schema"
        )
    return UsageError(
        f"no {unit.key} message could be generated: every draw was rejected; check "
        "that the schema can be satisfied (its example should validate)"
    )


def _signature(response: Response) -> str:
    """The target's signature, or its detail masked when the target gives none."""
    return response.signature or mask(response.detail)


def _attributable(parsed: Any) -> bool:
    """True for a JSON object that can be sent as canonical text (no NaN or inf in it)."""
    if not isinstance(parsed, dict):
        return False
    try:
        canonical_text(parsed)
    except ValueError:
        return False
    return True


def _parsed(data: bytes) -> Any:
    try:
        return parse(data)
    except JsonTextError:
        return None


def _left(budget: int | None, done: int) -> bool:
    return budget is None or done < budget


def _interleave(units: list[Unit]) -> list[Unit]:
    """*units* with kinds taking turns: a slow target spreads its time over every kind."""
    by_kind: dict[str, list[Unit]] = {}
    for unit in units:
        by_kind.setdefault(unit.kind, []).append(unit)
    rows = itertools.zip_longest(*by_kind.values())
    return [unit for row in rows for unit in row if unit is not None]


def _round_robin(streams: list[Iterator[tuple[Unit, Any]]]) -> Iterator[tuple[Unit, Any]]:
    """One item of each stream in turn until all are spent."""
    live = list(streams)
    while live:
        for stream in list(live):
            item = next(stream, None)
            if item is None:
                live.remove(stream)
            else:
                yield item


def plan_units(
    config: CampaignConfig, input_mode: str, contract: Contract | None = None
) -> tuple[list[Unit], list[str]]:
    """The units of *config* after kind, rule and shard selection, and notes on what is left out.

    With ``config.shard``, the shard's share of :func:`split_units` over the whole plan.
    """
    units, notes = _plan_all(config, input_mode, contract)
    if config.shard is not None:
        index, count = config.shard
        units = split_units(config, units, input_mode, count)[index]
    return units, notes


def _plan_all(
    config: CampaignConfig, input_mode: str, contract: Contract | None = None
) -> tuple[list[Unit], list[str]]:
    """Every unit of *config* after kind and rule selection (no sharding), and notes."""
    contract = contract or load_contract(config.schemas_dir)
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
        units += [Unit(kind, r, is_probe(r)) for r in selected if reaches(r, input_mode)]
    return units, notes


def split_units(
    config: CampaignConfig, units: list[Unit], input_mode: str, count: int
) -> list[list[Unit]]:
    """*units* dealt into *count* shards of about equal cost, in plan order within each.

    A unit's cost is the messages it sends: its coverage messages plus its exploration budget
    (from the whole plan, as :func:`_budget` gives it). Units go heaviest first to the lightest
    shard (ties: the lower shard), so the split is the same in every process.
    """
    budget = _budget(config, units)
    covered = _coverage_sizes(config, units, input_mode) if config.coverage else {}
    cost = {u: covered.get(u, 0) + (budget[u] or DEFAULT_MAX_EXAMPLES) for u in units}
    loads = [0] * count
    shards: list[list[Unit]] = [[] for _ in range(count)]
    for unit in sorted(units, key=lambda u: (-cost[u], units.index(u))):
        lightest = min(range(count), key=lambda i: (loads[i], i))
        loads[lightest] += cost[unit]
        shards[lightest].append(unit)
    return [sorted(shard, key=units.index) for shard in shards]


def _coverage_sizes(config: CampaignConfig, units: list[Unit], input_mode: str) -> dict[Unit, int]:
    """How many coverage messages each unit sends (as :meth:`Runner._coverage` makes them)."""
    sizes: dict[Unit, int] = {}
    for kind in dict.fromkeys(u.kind for u in units):
        try:
            valid = coverage_valid(
                kind, schemas_dir=config.schemas_dir, integer_floats=config.integer_floats
            )
            rules = [u.rule for u in units if u.kind == kind and u.rule is not None]
            mutants = (
                coverage_mutants(
                    kind, rules=rules, schemas_dir=config.schemas_dir, input_mode=input_mode
                )
                if rules
                else []
            )
        except (InvalidArgument, Unsatisfiable):
            continue  # the campaign itself reports the unit that cannot be generated
        per_rule = Counter(m.rule for m in mutants)
        for unit in (u for u in units if u.kind == kind):
            sizes[unit] = len(valid) if unit.rule is None else per_rule[unit.rule]
    return sizes


def _budget(config: CampaignConfig, units: list[Unit]) -> dict[Unit, int | None]:
    """Each unit's exploration budget: the kind and direction's share of ``max_examples``.

    Computed over the whole plan before any split, so shards together do one run's work.
    """
    total = config.examples
    per_cell: dict[tuple[str, str], int] = {}
    for unit in units:
        per_cell[(unit.kind, unit.cell)] = per_cell.get((unit.kind, unit.cell), 0) + 1
    if total is None:
        return dict.fromkeys(units)
    return {u: max(1, -(-total // per_cell[(u.kind, u.cell)])) for u in units}


def _open_target(config: CampaignConfig) -> Target:
    return load_target(
        config.target,
        input_mode=config.input_mode,
        reject_on=config.reject_on,
        timeout=config.timeout,
        memory_limit=config.memory_limit,
    )


def _execute(
    config: CampaignConfig,
    target: Target,
    units: list[Unit],
    notes: list[str],
    on_progress: Callable[[Progress], None] | None,
    *,
    replay: bool,
    interruptible: bool,
    budget: dict[Unit, int | None] | None = None,
) -> CampaignReport:
    """The one execution path: replay, coverage, exploration, report.

    With *interruptible*, Ctrl-C ends the run with the report of what was found so far
    (``interrupted`` set). An infrastructure failure raises :class:`CampaignAborted` holding
    that report.
    """
    baseline: Baseline | None = load_baseline(config.baseline) if config.baseline else None
    contract = load_contract(config.schemas_dir)
    runner = Runner(config, target, contract, on_progress, notes)
    try:
        if replay:
            runner.replay(units)
        runner.cover(units)
        runner.explore(units, budget if budget is not None else _budget(config, units))
    except KeyboardInterrupt:
        if not interruptible:
            raise
        runner.interrupted = True
    except Exception as exc:
        failure = _infrastructure(exc)
        if failure is None:
            raise
        raise CampaignAborted(str(failure), runner.report(units, baseline)) from None
    finally:
        runner.close()
    return runner.report(units, baseline)


def run_campaign(
    config: CampaignConfig, *, on_progress: Callable[[Progress], None] | None = None
) -> CampaignReport:
    """Run one campaign and return its report (findings are already in the corpus).

    Raises:
        UsageError: a bad target, kind, rule, database, corpus, baseline or schemas folder, or
            a selection of rules none of which the target can receive.
    """
    with _open_target(config) as target:
        input_mode = target.input_mode.value
        units, notes = _plan_all(config, input_mode)
        if not units:
            raise UsageError(
                f"nothing to send: {'; '.join(notes)}; choose other --rule values, "
                "or --input bytes for a Python target"
            )
        budget = _budget(config, units)  # the whole plan's, before the shard's share is taken
        if config.shard is not None:
            index, count = config.shard
            units = split_units(config, units, input_mode, count)[index]
        return _execute(
            config,
            target,
            units,
            notes,
            on_progress,
            replay=True,
            interruptible=True,
            budget={u: budget[u] for u in units},
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
        The cell's report; its ``findings`` are the cell's, already in the corpus.

    Raises:
        UsageError: a bad direction, target, kind, rule, database, baseline or schemas folder.
    """
    if direction not in DIRECTIONS:
        raise UsageError(f"direction={direction!r} is unknown; use 'valid' or 'invalid'")
    if target is None:
        with _open_target(config) as loaded:
            return run_cell(config, kind, direction, target=loaded, on_progress=on_progress)
    name = load_contract(config.schemas_dir).kind(kind).name
    cell_config = replace(config, kinds=(name,), shard=None)
    units, notes = plan_units(cell_config, target.input_mode.value)
    units = [u for u in units if u.cell == direction]
    return _execute(
        cell_config, target, units, notes, on_progress, replay=False, interruptible=False
    )
