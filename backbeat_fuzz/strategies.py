"""Hypothesis strategies for BACKBEAT messages, compiled from the schemas.

>>> from hypothesis import given
>>> from backbeat_fuzz.strategies import valid_messages, invalid_messages
>>> @given(valid_messages("beatframe"))
... def test_accepts(message): handle(message)

Valid messages pass the reference validator; each invalid message (a
:class:`~backbeat_fuzz.model.Mutant`) is a valid message with exactly one rule broken, checked
by the reference validator before it is emitted. Both shrink towards the schema's example (the
README message), so a shrunk failure reads like a hand-written test case.
"""

from __future__ import annotations

import copy
import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.errors import FailedHealthCheck

from .errors import UsageError, did_you_mean
from .generate import coverage, lean
from .generate.coverage import Case, Skipped
from .generate.edits import MutationOp
from .generate.mutations import FAMILIES, PROBES, is_probe
from .generate.plan import KindPlan, get_path
from .generate.values import Options
from .model import Mutant
from .session import Session

__all__ = [
    "FAMILIES",
    "INPUT_MODES",
    "PROBES",
    "Case",
    "RuleInfo",
    "Session",
    "Skipped",
    "check_rule_patterns",
    "coverage_mutants",
    "coverage_skipped",
    "coverage_valid",
    "coverage_valid_cases",
    "invalid_messages",
    "is_probe",
    "mutation_catalogue",
    "reaches",
    "select_rules",
    "valid_messages",
]

#: How a consumer takes messages; decides which mutants can reach it.
INPUT_MODES = ("str", "bytes", "object")


@dataclass(frozen=True)
class RuleInfo:
    """One rule of the mutation catalogue for one kind."""

    kind: str
    rule: str
    family: str
    description: str
    probe: bool = False  # an implementation-limit probe: either verdict is right (PROBES)


def _session(session: Session | None, schemas_dir: str | Path | None) -> Session:
    """*session*, or the one of *schemas_dir* (the convenience of the public functions: each
    call with a folder loads it; pass a :class:`~backbeat_fuzz.session.Session` to load once)."""
    return session if session is not None else Session.load(schemas_dir)


def valid_messages(
    kind: str,
    *,
    schemas_dir: str | Path | None = None,
    integer_floats: bool = False,
    extra_fields: bool = True,
    session: Session | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid messages of *kind* (``beatframe``, ``statusclaim``, ``barreport`` or a ``type``).

    Args:
        kind: the message kind.
        schemas_dir: another schemas folder (default: the packaged v1 contract).
        integer_floats: also send ``1337.0`` where an integer is expected (valid JSON Schema,
            rejected by most typed consumers: the strict switch, off by default).
        extra_fields: add unknown fields where the schema is open (minor versions may add
            optional fields, so consumers must tolerate them).
        session: the contract, loaded once (then *schemas_dir* is not read).

    Shrinks towards the schema's first example, field by field.
    """
    options = Options(integer_floats=integer_floats, extra_fields=extra_fields)
    return _session(session, schemas_dir).plan(kind, options).valid


def reaches(rule: str, input_mode: str) -> bool:
    """Whether a consumer taking *input_mode* can receive mutants of *rule*: an ``object``
    consumer gets no JSON-text mutant, a ``str`` one no invalid UTF-8."""
    if input_mode == "object":
        return not rule.startswith("json.")
    if input_mode == "str":
        return rule != "json.invalid_utf8"
    return True


def _matches(rule: str, family: str, pattern: str) -> bool:
    if pattern in (rule, family) or fnmatch.fnmatchcase(rule, pattern):
        return True
    location = rule.removeprefix("required.")  # a field's rules include those of its fields
    return location == pattern or location.startswith((pattern + ".", pattern + "[]"))


def select_rules(
    kind: str,
    patterns: list[str] | None,
    *,
    schemas_dir: str | Path | None = None,
    session: Session | None = None,
) -> list[str]:
    """The rule names of *kind* that *patterns* select (all when None).

    A pattern is a rule (``hlc.pattern``; ``required.issues`` is that rule alone, not the
    ``required.issues[].code`` below it), a field (``deadline_at``: all its rules), a family
    (``formats``, see :data:`FAMILIES`) or a glob (``*.minimum``, ``json.*``).

    Raises:
        UsageError: a pattern selects nothing in any kind; the message suggests a close rule.
    """
    catalogue = mutation_catalogue(kind, session=_session(session, schemas_dir))
    if not patterns:
        return [info.rule for info in catalogue]
    names = {info.rule for info in catalogue}
    return [
        info.rule
        for info in catalogue
        if any(
            info.rule == p if p in names else _matches(info.rule, info.family, p) for p in patterns
        )
    ]


def check_rule_patterns(
    kinds: list[str],
    patterns: list[str],
    *,
    schemas_dir: str | Path | None = None,
    session: Session | None = None,
) -> None:
    """Raise UsageError for a pattern that selects no rule in any of *kinds*."""
    session = _session(session, schemas_dir)
    catalogue = [i for k in kinds for i in mutation_catalogue(k, session=session)]
    for pattern in patterns:
        if not any(_matches(i.rule, i.family, pattern) for i in catalogue):
            names = sorted({i.rule for i in catalogue} | set(FAMILIES))
            raise UsageError(
                f"--rule {pattern!r} selects no rule; list them with 'backbeat-fuzz mutations'."
                + did_you_mean(pattern, names)
            )


def mutation_catalogue(
    kind: str | None = None,
    *,
    schemas_dir: str | Path | None = None,
    session: Session | None = None,
) -> list[RuleInfo]:
    """Every rule the mutations can break, for *kind* or for every kind, in catalogue order."""
    session = _session(session, schemas_dir)
    if kind is None:
        return [
            info for k in session.contract.kinds for info in mutation_catalogue(k, session=session)
        ]
    plan = session.plan(kind)
    seen: dict[str, RuleInfo] = {}
    for op in plan.ops:
        if op.rule not in seen:
            seen[op.rule] = RuleInfo(
                plan.kind.name, op.rule, op.family, op.description, is_probe(op.rule)
            )
    return list(seen.values())


@dataclass(frozen=True)
class _Source:
    """What one invalid-message strategy draws from (with a short repr for Hypothesis' notes):
    the rules in catalogue order, each with its operators (``json.nan``: one per number field),
    the strategies that pick them, and the base messages of each set of fields operators read
    (:func:`_lean_bases`), built once."""

    plan: KindPlan
    by_rule: tuple[tuple[MutationOp, ...], ...]
    pick_rule: st.SearchStrategy[tuple[MutationOp, ...]] = field(init=False, compare=False)
    pick_op: dict[str, st.SearchStrategy[MutationOp]] = field(init=False, compare=False)
    bases: dict[frozenset[str], st.SearchStrategy[Any]] | None = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pick_rule", st.sampled_from(self.by_rule))
        picks = {g[0].rule: st.sampled_from(g) for g in self.by_rule if len(g) > 1}
        object.__setattr__(self, "pick_op", picks)
        ops = [op for group in self.by_rule for op in group]
        object.__setattr__(self, "bases", _lean_bases(self.plan, ops))

    def op(self, draw: st.DrawFn) -> MutationOp:
        """Every rule alike, however many operators it has; then one of its operators."""
        group = draw(self.pick_rule)
        return group[0] if len(group) == 1 else draw(self.pick_op[group[0].rule])

    def __repr__(self) -> str:
        return f"<{self.plan.kind.name}: {len(self.by_rule)} rules>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # Hypothesis pretty-prints a dataclass field by field, ignoring __repr__: the whole plan
        # (over 30 kB) each time a draw raises, with a HypothesisWarning that fails a test run
        # under filterwarnings=error. The pretty-printing protocol makes it use the short form.
        printer.text(repr(self))


_STARTS: dict[int, st.SearchStrategy[int]] = {}


def _start(count: int) -> st.SearchStrategy[int]:
    """Which of *count* candidate edits to try first (built once per count)."""
    if count not in _STARTS:
        _STARTS[count] = st.integers(0, count - 1)
    return _STARTS[count]


def _lean_bases(
    plan: KindPlan, ops: list[MutationOp]
) -> dict[frozenset[str], st.SearchStrategy[Any]] | None:
    """Each set of fields *ops* read -> its lean base messages
    (:func:`~backbeat_fuzz.generate.lean.bases`), with the simplest value of every field on
    the ops' paths, computed now, when the strategy is made. Both come from the coverage
    phase's lists, whose simplest values may need a Hypothesis search (a pattern the simple
    values miss), which Hypothesis refuses inside a running test: a strategy made inside one,
    for such a schema, edits whole valid messages (None)."""
    try:
        for op in ops:
            path = op.needs or op.path
            for prefix in (path[:depth] for depth in range(1, len(path) + 1)):
                if prefix in plan.nodes:
                    plan.simplest(prefix)
        return {op.read_fields: lean.bases(plan, op.read_fields) for op in ops}
    except FailedHealthCheck:
        return None


def _base(source: _Source, op: MutationOp, draw: st.DrawFn) -> Any:
    """The valid message *op* edits: the fields it reads drawn in full, the others lean; the
    fields on its path made present, those it does not read with their simplest value (the
    edit replaces or drops it). Whole valid messages when there are no lean bases."""
    plan = source.plan
    if source.bases is None:
        return plan.materialise(draw(plan.valid), op.needs or op.path, draw)
    reads = op.read_fields
    message = draw(source.bases[reads])

    def value_at(prefix: tuple[str, ...]) -> Any:
        return draw(plan.fill(prefix)) if prefix[0] in reads else plan.simplest(prefix)

    return plan.fill_path(message, op.needs or op.path, value_at)


@st.composite
def _mutants(draw: st.DrawFn, source: _Source) -> Mutant:
    plan = source.plan
    op = source.op(draw)
    message = _base(source, op, draw)
    edits = op.candidates(get_path(message, op.path), message)
    assume(edits)
    start = draw(_start(len(edits))) if len(edits) > 1 else 0
    fallback = None
    for edit in edits[start:] + edits[:start]:
        judged = plan.judge(op, message, edit)
        if judged is not None and judged.exact:
            return judged.mutant
        if fallback is None and judged is not None:
            fallback = judged.mutant
    assume(fallback is not None)
    return fallback  # type: ignore[return-value]


def _selected_ops(
    kind: str, rules: list[str] | None, session: Session, input_mode: str
) -> tuple[KindPlan, tuple[MutationOp, ...]]:
    """The plan of *kind* and its operators that *rules* select and *input_mode* can reach.

    Raises:
        UsageError: an unknown input mode, or a selection that leaves no operator.
    """
    if input_mode not in INPUT_MODES:
        raise UsageError(
            f"input_mode={input_mode!r} is unknown; use one of {', '.join(INPUT_MODES)}"
        )
    plan = session.plan(kind)
    wanted = set(select_rules(kind, rules, session=session))
    ops = tuple(op for op in plan.ops if op.rule in wanted and reaches(op.rule, input_mode))
    if not ops:
        raise UsageError(
            f"rules={rules!r} select no mutation of {plan.kind.name!r} "
            f"for input_mode={input_mode!r}; "
            "list the rules with 'backbeat-fuzz mutations'"
        )
    return plan, ops


def invalid_messages(
    kind: str,
    *,
    rules: list[str] | None = None,
    schemas_dir: str | Path | None = None,
    input_mode: str = "bytes",
    session: Session | None = None,
) -> st.SearchStrategy[Mutant]:
    """Invalid messages of *kind*, each breaking one rule, as :class:`~backbeat_fuzz.model.Mutant`.

    Args:
        kind: the message kind.
        rules: only these rules (names, fields, families or globs; see :func:`select_rules`).
        schemas_dir: another schemas folder (default: the packaged v1 contract).
        input_mode: what the consumer takes: ``"bytes"`` (every mutant), ``"str"`` (no invalid
            UTF-8) or ``"object"`` (no JSON-text mutants).
        session: the contract, loaded once (then *schemas_dir* is not read).

    Every mutant is rejected by the reference validator with its rule; a candidate that stays
    valid is discarded, never emitted. The valid message it edits has the fields the rule's
    edits read drawn as :func:`valid_messages` draws them, and each other field one of its
    values in the README example and :func:`coverage_valid` (the boundaries), absent, or now
    and then drawn in full (:mod:`backbeat_fuzz.generate.lean`). Shrinks towards the first
    rule, the schema's example as the base message, and the most classic edit of the rule.
    """
    plan, ops = _selected_ops(kind, rules, _session(session, schemas_dir), input_mode)
    groups: dict[str, list[MutationOp]] = {}
    for op in ops:
        groups.setdefault(op.rule, []).append(op)
    return _mutants(_Source(plan, tuple(tuple(group) for group in groups.values())))


def coverage_mutants(
    kind: str,
    *,
    rules: list[str] | None = None,
    schemas_dir: str | Path | None = None,
    input_mode: str = "bytes",
    session: Session | None = None,
) -> list[Mutant]:
    """Every mutation variant of *kind*'s catalogue once, on the schema's README example.

    The deterministic phase before random exploration: for every rule that *rules* select and
    *input_mode* reaches, every candidate edit of every operator (each malformed date-time,
    each bound, each JSON-text mutation, ``1e400`` in each number field...) applied to the
    schema's first ``examples`` entry, fields it lacks filled with their simplest valid value.
    Each is judged by the reference validator as random mutants are: it breaks its rule (most
    that rule alone); a variant that stays valid or breaks only other rules is left out (see
    :func:`coverage_skipped`). Each :class:`~backbeat_fuzz.model.Mutant` names its variant in
    ``note`` and the field it edits in ``location``; probes have ``probe=True``.

    Args: as :func:`invalid_messages`.

    Returns:
        The same list, in catalogue order, in every call and every process.

    Raises:
        UsageError: as :func:`invalid_messages`.
    """
    plan, ops = _selected_ops(kind, rules, _session(session, schemas_dir), input_mode)
    return list(coverage.mutants(plan, {op.rule for op in ops}).mutants)


def coverage_skipped(
    kind: str,
    *,
    rules: list[str] | None = None,
    schemas_dir: str | Path | None = None,
    input_mode: str = "bytes",
    session: Session | None = None,
) -> list[Skipped]:
    """The variants :func:`coverage_mutants` leaves out, each with the oracle's reason (on the
    README example a ``0x`` prefix keeps ``cluster_id`` valid, an empty ``cluster_id`` breaks
    its minLength rather than its pattern, ...)."""
    plan, ops = _selected_ops(kind, rules, _session(session, schemas_dir), input_mode)
    return list(coverage.mutants(plan, {op.rule for op in ops}).skipped)


def coverage_valid(
    kind: str,
    *,
    schemas_dir: str | Path | None = None,
    integer_floats: bool = False,
    extra_fields: bool = True,
    session: Session | None = None,
) -> list[dict[str, Any]]:
    """The README example, then the example with one field at a time at each valid boundary.

    Numeric bounds and just inside them (and the integers consumers overflow on), each enum
    value, shortest and longest strings (long runs of one character up to ``maxLength``), each
    pattern's edge characters (upper and lower case where allowed), date-times with a leap
    second, unusual offsets and long fractions, optional fields absent and present, arrays
    empty and at ``maxItems``, and unknown fields where objects are open (with
    *extra_fields*). Every message passes the reference validator; a boundary that would break
    a cross-field rule moves the other field with it.

    Args: as :func:`valid_messages`.

    Returns:
        The same list, in schema order, in every call and every process.
    """
    cases = coverage_valid_cases(
        kind,
        schemas_dir=schemas_dir,
        integer_floats=integer_floats,
        extra_fields=extra_fields,
        session=session,
    )
    return [case.message for case in cases]


def coverage_valid_cases(
    kind: str,
    *,
    schemas_dir: str | Path | None = None,
    integer_floats: bool = False,
    extra_fields: bool = True,
    session: Session | None = None,
) -> list[Case]:
    """:func:`coverage_valid` with what each message sets and where, as
    :class:`~backbeat_fuzz.generate.boundaries.Case` records (``note``, ``location``,
    ``message``), so a false reject can name the field and value it is about."""
    options = Options(integer_floats=integer_floats, extra_fields=extra_fields)
    plan = _session(session, schemas_dir).plan(kind, options)
    return copy.deepcopy(coverage.valid_cases(plan))
