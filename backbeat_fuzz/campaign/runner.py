"""One campaign while it runs (:class:`Runner`): the target, the contract, the corpus and the
findings, and the three phases that send messages (replay, coverage, exploration).

The runner judges nothing itself: it compares the target's verdict with what the generator
promised (:func:`~backbeat_fuzz.replay.judge`), keys each wrong verdict by its cause
(:meth:`Runner.key_of`), writes a new finding's first message to the corpus the moment it is
seen, and replaces it with the shrunk, attributed one (:meth:`Runner.settle`).
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

from hypothesis.errors import InvalidArgument, Unsatisfiable

from .. import __version__
from ..baseline import Baseline
from ..corpus import Corpus, Expected
from ..database import check_writable_folder, close_database, open_database
from ..findings import FindingKey, FindingStatus, field_group, is_weak
from ..minimize import attribute, shrink_values
from ..model import Mutant, Outcome, Verdict, canonical_text
from ..replay import judge, replay_entry
from ..report import CampaignReport
from ..session import Session
from ..strategies import coverage_mutants, coverage_valid
from ..targets import Response, Target
from .config import CampaignConfig, Progress, Unit
from .exploration import UnitRun
from .observations import (
    Found,
    NotSent,
    Observation,
    Payload,
    attributable,
    contract_words,
    expected_of,
    parsed_or_none,
    signature_of,
    unsatisfiable,
)
from .planning import interleave, round_robin

__all__ = [
    "ATTRIBUTION_CALLS",
    "CACHE_SIZE",
    "EXHAUSTED_ROUND",
    "HANG_BUDGET",
    "ROUND_EXAMPLES",
    "ROUND_SECONDS",
    "UNREPRODUCIBLE",
    "Runner",
]

#: After this many hangs a unit sends nothing more (each costs the timeout).
HANG_BUDGET = 3
#: Exploration runs in rounds of at most this many examples per unit...
ROUND_EXAMPLES = 50
#: ...and, under a deadline, of about this many seconds of target time per unit.
ROUND_SECONDS = 1.0
#: Weak signatures are attributed to fields by extra calls: at most this many per campaign.
ATTRIBUTION_CALLS = 2000
#: A valid headline's values are shrunk inside its fields by at most this many candidates (see
#: :func:`~backbeat_fuzz.minimize.shrink_values`), for these outcomes. A mutant is not: it is
#: already its rule's edit of the example (``"240"`` for ``240`` reads better than ``"2"``);
#: nor a hang: each try of one costs the timeout.
SHRINK_CALLS = 32
SHRUNK_OUTCOMES = (Outcome.FALSE_REJECT, Outcome.CRASH)
#: The fields of a weak signature whose message, sent again, does not fail the same way: the
#: consumer's state failed (it dies every 7th message), not one field, and attributing it to
#: fields would make a finding of each field the attempts happened to land on.
UNREPRODUCIBLE = "not reproducible alone"
#: A round of this many examples or more that sends nothing new ends its unit's exploration.
EXHAUSTED_ROUND = 10
#: Responses remembered per campaign (a message a unit sends twice is answered from memory).
CACHE_SIZE = 100_000


class Runner:
    """One campaign while it runs: the target, the contract, the corpus and the findings.

    The CLI's :func:`run_campaign` and the pytest plugin's :func:`run_cell` both drive one of
    these; each only chooses the units.
    """

    def __init__(
        self,
        config: CampaignConfig,
        target: Target,
        session: Session,
        on_progress: Callable[[Progress], None] | None = None,
        notes: Iterable[str] = (),
    ) -> None:
        self.config, self.target, self.session = config, target, session
        self.contract, self.validator = session.contract, session.validator
        self.words = contract_words(kind.schema for kind in self.contract)
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
        self.found: dict[FindingKey, Found] = {}
        self.skipped: list[str] = list(notes)
        # Per unit: what a unit sends does not depend on the units run before it in this
        # process, so shards and workers send what one process sends.
        self._cache: dict[tuple[Unit, bytes], Response] = {}
        self.hangs: dict[Unit, int] = {}  # per unit; it retires at HANG_BUDGET
        self.exhausted: set[Unit] = set()  # units with nothing new left to send
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
        """The target's response to *data* (from memory if *unit* sent it before).

        Raises:
            NotSent: past the deadline, or (when *budgeted*) the unit spent its hang budget.
        """
        if (unit, data) in self._cache:
            return self._cache[(unit, data)]
        if (budgeted and self.retired(unit)) or self.past_deadline():
            raise NotSent
        response = self.target.confirmed_call(data, parsed)
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[(unit, data)] = response
        self._calls += 1
        self._target_time += response.elapsed
        if response.verdict is Verdict.HANG:
            self.hangs[unit] = self.hangs.get(unit, 0) + 1
        cell = self.progress.counts.setdefault(unit.kind, {"valid": 0, "invalid": 0})
        cell[unit.cell] += 1
        self.on_progress(self.progress)
        return response

    def observe(self, unit: Unit, example: Any) -> Observation | None:
        """Send one example: its wrong verdict, or None when the target got it right."""
        sent = Payload.of(example)
        response = self.send(unit, sent.data, sent.parsed)
        outcome = judge(expected_of(unit.direction), response.verdict)
        if outcome is None:
            return None
        return sent.observed(unit, response, outcome)

    # -- what makes two failures one bug ----------------------------------------------------

    def key_of(self, observation: Observation) -> FindingKey:
        """The finding *observation* belongs to (attributing weak signatures to fields)."""
        if observation.outcome is Outcome.FALSE_ACCEPT:
            assert observation.unit.rule is not None
            group = field_group(observation.unit.rule)
            return FindingKey(observation.outcome, f"{observation.unit.kind} {group}")
        signature = signature_of(observation.response, observation.parsed, self.words)
        key = FindingKey(observation.outcome, signature)
        if not is_weak(signature) or not attributable(observation.parsed):
            return key
        if self._attribution_calls >= ATTRIBUTION_CALLS:
            return replace(key, fields=("?",))
        if not self._again(observation, key):
            return replace(key, fields=(UNREPRODUCIBLE,))
        _, fields = self._attribute(observation, key)
        return replace(key, fields=fields)

    def _again(self, observation: Observation, key: FindingKey) -> bool:
        """Whether *observation*'s message, sent again (not answered from memory), fails the
        same way. A hang is confirmed already (:meth:`Target.confirmed_call`)."""
        if key.outcome is Outcome.HANG:
            return True
        self._attribution_calls += 1
        response = self.target.confirmed_call(observation.data, observation.parsed)
        expected = expected_of(observation.unit.direction)
        return self._fails_alike(key, expected, response, observation.parsed)

    def _fails_alike(
        self, key: FindingKey, expected: Expected, response: Response, message: Any
    ) -> bool:
        """Whether *response* to *message* (which should get *expected*) is *key* again."""
        if judge(expected, response.verdict) is not key.outcome:
            return False
        if key.outcome is Outcome.FALSE_ACCEPT:
            return True
        return signature_of(response, message, self.words) == key.signature

    def _reproduces(
        self, observation: Observation, key: FindingKey, *, valid_only: bool = False
    ) -> Callable[[Any], bool]:
        """The check that a candidate fails as *observation* did (see :mod:`..minimize`);
        with *valid_only*, only a valid candidate can."""
        unit = observation.unit

        def reproduces(candidate: dict[str, Any]) -> bool:
            rules = self.validator.validate_message(candidate, kind=unit.kind).rules
            if (valid_only or key.outcome is Outcome.FALSE_REJECT) and rules:
                return False
            if key.outcome is Outcome.FALSE_ACCEPT and unit.rule not in rules:
                return False
            self._attribution_calls += 1
            try:
                data = canonical_text(candidate).encode()
                response = self.send(unit, data, candidate, budgeted=False)
            except NotSent:
                return False
            expected = Expected.REJECT if rules else Expected.ACCEPT
            if key.outcome in (Outcome.CRASH, Outcome.HANG):
                expected = expected_of(unit.direction)
            return self._fails_alike(key, expected, response, candidate)

        return reproduces

    def _attribute(
        self, observation: Observation, key: FindingKey
    ) -> tuple[dict[str, Any], tuple[str, ...]]:
        example = self.contract.kind(observation.unit.kind).schema.get("examples", [{}])[0]
        return attribute(observation.parsed, example, self._reproduces(observation, key))

    def _shrunk(
        self,
        observation: Observation,
        key: FindingKey,
        message: dict[str, Any],
        fields: tuple[str, ...],
    ) -> dict[str, Any]:
        """*message* (attributed to *fields*) with those fields' values shrunk, when valid.

        A candidate stays valid (a crash on valid input is shown on valid input), and the
        first one that hangs ends the pass: each try past it could cost the timeout twice."""
        budget = min(SHRINK_CALLS, ATTRIBUTION_CALLS - self._attribution_calls)
        unit = observation.unit
        if unit.rule is not None or key.outcome not in SHRUNK_OUTCOMES or budget <= 0:
            return message
        reproduces = self._reproduces(observation, key, valid_only=True)
        hangs = self.hangs.get(unit, 0)

        def until_a_hang(candidate: dict[str, Any]) -> bool:
            return self.hangs.get(unit, 0) == hangs and reproduces(candidate)

        return shrink_values(message, fields, until_a_hang, budget)

    # -- recording --------------------------------------------------------------------------

    def record(
        self, key: FindingKey, observation: Observation, status: FindingStatus = FindingStatus.NEW
    ) -> Found:
        """Add *observation* to the finding *key* (new ones are written to the corpus at once)."""
        found = self.found.get(key)
        if found is None:
            found = self.found[key] = Found(key, observation, status)
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
        if not attributable(observation.parsed):  # a JSON-text mutant: where it was made
            found.fields = key.fields or tuple(filter(None, [observation.field]))
        else:
            message, fields = self._attribute(observation, key)
            message = self._shrunk(observation, key, message, fields)
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
                    response=self._cache.get((observation.unit, data), observation.response),
                )
        if found.status is FindingStatus.NEW:
            found.corpus_path = self._save(found)

    def _unmutated(self, observation: Observation, key: FindingKey) -> Observation:
        """The valid message a crashing or hanging mutant came from, when it fails alike:
        the mutation was not the cause (a hang on a long ``agent_id`` inside a mutant)."""
        origin = observation.origin
        if key.outcome not in (Outcome.CRASH, Outcome.HANG) or not attributable(origin):
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
            response=self._cache.get((observation.unit, data), observation.response),
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
        return Unit(unit.kind, rule)

    def _save(self, found: Found) -> str | None:
        if self.corpus is None:
            return None
        kind = self.contract.kind(found.headline.unit.kind)
        entry = found.corpus_entry(kind.message_type, self.config.target, self.seed)
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
            sent = Payload(entry.data, parsed_or_none(entry.data), entry.note)
            observation = sent.observed(unit, result.response, result.outcome)
            found = self.record(self.key_of(observation), observation, FindingStatus.KNOWN)
            found.corpus_path = found.corpus_path or str(self.corpus.path_for(entry))
            found.fields = found.fields or tuple(entry.fields)

    def cover(self, units: list[Unit]) -> None:
        """Send every coverage message of *units* once, kinds taking turns."""
        if not self.config.coverage:
            return
        self.progress.phase = "coverage"
        streams = [self._coverage(unit) for unit in interleave(units)]
        for unit, example in round_robin(streams):
            if self.past_deadline():
                self.skipped.append("--duration reached during the coverage phase")
                return
            try:
                observation = self.observe(unit, example)
            except NotSent:
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
                    unit.kind, integer_floats=config.integer_floats, session=self.session
                )
            else:
                examples = coverage_mutants(
                    unit.kind,
                    rules=[unit.rule],
                    session=self.session,
                    input_mode=self.target.input_mode.value,
                )
        except (InvalidArgument, Unsatisfiable) as exc:
            raise unsatisfiable(unit, exc) from None
        for example in examples:
            if isinstance(example, Mutant) and example.rule != unit.rule:
                continue
            yield unit, example

    def explore(self, units: list[Unit], budget: dict[Unit, int | None]) -> None:
        """Run every unit to its budget in rounds, kinds taking turns, until the deadline."""
        self.progress.phase = "explore"
        order = interleave(units)
        done = dict.fromkeys(order, 0)
        for round_number in itertools.count():
            pending = [u for u in order if _left(budget[u], done[u]) and not self._ended(u)]
            if not pending:
                return
            for number, unit in enumerate(pending):
                if self.past_deadline():
                    self.skipped.append(
                        f"--duration reached in round {round_number + 1} of exploration, "
                        f"{len(pending) - number} of {len(order)} units yet to take their turn"
                    )
                    return
                done[unit] += max(1, self.run_round(unit, round_number, budget[unit], done[unit]))

    def run_round(self, unit: Unit, round_number: int, budget: int | None, done: int) -> int:
        """One exploration round of *unit*, sized from its *budget* and the examples its
        earlier rounds ran (*done*); the examples it ran.

        A round of at least :data:`EXHAUSTED_ROUND` examples that drew not one message it had
        not sent before has exhausted the unit (``json.empty`` has two mutants, both sent in
        the coverage phase; it took a round per fifty repeats of them, to its budget): the
        unit is :attr:`exhausted`, and has no more rounds."""
        size = self._round_size(budget, done)
        calls = self._calls
        ran = UnitRun(self, unit, size, round_number).run()
        if size >= EXHAUSTED_ROUND and self._calls == calls and not self.past_deadline():
            self.exhausted.add(unit)
        return ran

    def retired(self, unit: Unit) -> bool:
        return self.hangs.get(unit, 0) >= HANG_BUDGET

    def _ended(self, unit: Unit) -> bool:
        return self.retired(unit) or unit in self.exhausted

    def _round_size(self, budget: int | None, done: int) -> int:
        size = ROUND_EXAMPLES
        if self.deadline is not None and self._calls:
            per_call = self._target_time / self._calls
            size = max(5, min(ROUND_EXAMPLES, int(ROUND_SECONDS / max(per_call, 1e-6))))
        return size if budget is None else min(size, budget - done)

    # -- the report -------------------------------------------------------------------------

    def report(self, units: list[Unit], baseline: Baseline | None) -> CampaignReport:
        findings = [
            found.finding(self.contract.kind(found.headline.unit.kind).message_type)
            for found in self.found.values()
        ]
        counts = {
            u.kind: self.progress.counts.get(u.kind, {"valid": 0, "invalid": 0}) for u in units
        }
        report = CampaignReport(
            target=self.config.target,
            seed=self.seed,
            tool_version=__version__,
            counts=counts,
            findings=findings,
            skipped=self.skipped,
            duration=self.progress.elapsed,
            coverage_sent=self.progress.coverage_sent,
            interrupted=self.interrupted,
            covered=tuple((u.kind, u.rule) for u in units),
            shard=self.config.shard,
        )
        return report.with_baseline(baseline) if baseline is not None else report


def _left(budget: int | None, done: int) -> bool:
    return budget is None or done < budget
