"""One Hypothesis run over one unit of a campaign (:class:`UnitRun`).

Each new finding key raises its own exception class (:func:`failure_class`), so Hypothesis
shrinks each bug on its own and shrinking keeps the bug; a key found before this run is a
witness, not a failure, so exploration goes on. ``--duration`` ends a run at once through
:class:`OutOfTime`, a BaseException Hypothesis does not shrink. Hypothesis settings are set
explicitly (not from its ``ci`` profile), so a run under ``CI=true`` behaves as its flags say.

One Hypothesis example of valid messages is a batch of 1 to :data:`BATCH` distinct ones, sent
in order: Hypothesis's own cost of an example (most of a message's cost when each message is
one example) is paid once per batch. The first message of a batch that shows a new bug raises
and the rest of the batch is not sent, so the shrinker deletes the other messages and shrinks
that one: each finding is still one shrunk message. The batch is a unique collection, so
Hypothesis's mutator (which copies a span over another of the same label) makes no batch of
copies of one message. A rule's mutants are one per example (see :attr:`UnitRun.batched`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, Phase, Verbosity, given, reject, seed, settings
from hypothesis import strategies as st
from hypothesis.database import ExampleDatabase
from hypothesis.errors import HypothesisWarning, InvalidArgument, Unsatisfiable

from ..database import KeyedDatabase
from ..findings import FindingKey
from ..strategies import invalid_messages, valid_messages
from .config import Unit
from .observations import NotSent, Observation, Payload, unsatisfiable
from .planning import unit_seed

if TYPE_CHECKING:
    from .runner import Runner

__all__ = [
    "BATCH",
    "AppendOnly",
    "Failure",
    "OutOfTime",
    "UnitRun",
    "failure_class",
    "run_settings",
]

#: The most messages one Hypothesis example carries.
BATCH = 16
#: The messages a batch of 1 to BATCH carries on average (Hypothesis's mean list size, less a
#: little for the draws its uniqueness rejects): a run of n messages asks for n / MEAN_BATCH
#: examples, and the next round makes up what it fell short by.
MEAN_BATCH = 5


class OutOfTime(BaseException):
    """--duration is spent: ends the Hypothesis run at once, generation and shrinking alike.

    A BaseException, so Hypothesis does not take it for a failure to shrink; a finding seen
    before it is already on disk (recorded when first seen)."""


class Failure(Exception):
    """A new bug inside a Hypothesis run; one subclass per key (see :func:`failure_class`)."""

    def __init__(self, key: FindingKey, observation: Observation) -> None:
        super().__init__(key.label)
        self.key, self.observation = key, observation


_FAILURES: dict[FindingKey, type[Failure]] = {}


def failure_class(key: FindingKey) -> type[Failure]:
    """The exception class of *key*: Hypothesis tells bugs apart by exception type."""
    if key not in _FAILURES:
        _FAILURES[key] = type(f"_Bug{len(_FAILURES)}", (Failure,), {})
    return _FAILURES[key]


class AppendOnly(ExampleDatabase):
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


def run_settings(examples: int, database: Any, unit: Unit, round_number: int) -> settings:
    keyed = None if database is None else KeyedDatabase(database, unit.key)
    if keyed is not None and round_number:
        keyed = AppendOnly(keyed)
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


def _bytes(example: Any) -> bytes:
    """What a batch must not hold twice: the bytes a message is sent as."""
    return Payload.of(example).data


def _alone(example: Any) -> list[Any]:
    return [example]


def _leaves(group: BaseExceptionGroup) -> Iterator[BaseException]:
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            yield from _leaves(exc)
        else:
            yield exc


class UnitRun:
    """One Hypothesis run over *unit*: about *examples* messages in batches, seeded by the
    campaign seed, the unit and the round; each new bug recorded at once and settled once
    shrunk."""

    def __init__(self, runner: Runner, unit: Unit, examples: int, round_number: int = 0) -> None:
        self.runner, self.unit = runner, unit
        self.examples, self.round_number = examples, round_number
        self.known = frozenset(runner.found)  # found before this run: witnesses, not failures
        self.ran = 0

    def run(self) -> int:
        """Run it; returns the messages it checked (rejected draws not counted)."""
        runner, unit = self.runner, self.unit
        runner.progress.unit = unit

        @given(self.strategy())
        def body(batch: list[Any]) -> None:
            for example in batch:
                self.check(example)

        mean = MEAN_BATCH if self.batched else 1
        batches = max(1, -(-self.examples // mean))
        test = settings(run_settings(batches, runner.database, unit, self.round_number))(
            seed(unit_seed(runner.seed, unit, self.round_number))(body)
        )
        for failure in self.failures(test):
            runner.settle(failure.key, failure.observation)
        return self.ran

    @property
    def batched(self) -> bool:
        """Whether the unit draws batches: valid messages do; a rule's mutants do not (each
        rule's share of the budget is a few messages, and mutants drawn in batches came out
        half as many distinct ones per second: repeats of the few edits near the example)."""
        return self.unit.rule is None

    def strategy(self) -> st.SearchStrategy[list[Any]]:
        """Batches of 1 to BATCH distinct messages of the unit (see the module's docstring),
        or of one message for a rule's mutants."""
        if not self.batched:
            return self.messages().map(_alone)
        return st.lists(self.messages(), min_size=1, max_size=BATCH, unique_by=_bytes)

    def messages(self) -> st.SearchStrategy[Any]:
        """The unit's messages: valid ones, or the mutants of its rule the target can receive."""
        config, unit = self.runner.config, self.unit
        if unit.rule is None:
            return valid_messages(
                unit.kind, integer_floats=config.integer_floats, session=self.runner.session
            )
        return invalid_messages(
            unit.kind,
            rules=[unit.rule],
            session=self.runner.session,
            input_mode=self.runner.target.input_mode.value,
        )

    def check(self, example: Any) -> None:
        """Send one message of a batch; raise the failure class of a new bug's key."""
        runner = self.runner
        try:
            observation = runner.observe(self.unit, example)
        except NotSent:
            if runner.past_deadline():
                raise OutOfTime from None
            reject()
        self.ran += 1
        if observation is None:
            return
        key = runner.key_of(observation)
        if key in self.known:  # found before this run: a witness, and exploration goes on
            runner.found[key].witness(observation)
            return
        if key not in runner.found:  # on disk at once; replaced once shrunk
            runner.record(key, observation)
        raise failure_class(key)(key, observation)

    def failures(self, test: Callable[[], None]) -> list[Failure]:
        """Run *test*; the bugs it raised, one per key (Hypothesis groups several)."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", HypothesisWarning)  # "overly large repr" & co
                test()
        except InvalidArgument as exc:  # a schema the generators cannot satisfy, found late
            raise unsatisfiable(self.unit, exc) from None
        except Unsatisfiable as exc:
            if not self.runner.past_deadline() and not self.runner.retired(self.unit):
                raise unsatisfiable(self.unit, exc) from None
        except Failure as failure:
            return [failure]
        except OutOfTime:
            return []
        except BaseExceptionGroup as group:
            failures = [e for e in _leaves(group) if isinstance(e, Failure)]
            if len(failures) < len(group.exceptions):
                raise
            return failures
        return []
