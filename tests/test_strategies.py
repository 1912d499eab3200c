"""The public strategies against the oracle: valid messages pass, every mutant fails its rule.

The two central properties run thousands of examples per kind through the reference validator.
The rest checks that the probing power the generators promise is really reachable (bounds exactly,
huge integers, RFC 3339 variety, astral and invisible characters, every enum value, optional
fields present and absent, unknown fields), that shrinking lands on the README message, and how
rules are selected. What a test looks for is derived from the schemas wherever it can be, by a
walker written here rather than the generators' own (so both cannot be wrong together).
"""

from __future__ import annotations

import copy
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from backbeat_fuzz import MessageValidator
from backbeat_fuzz.errors import UsageError
from backbeat_fuzz.jsontext import parse
from backbeat_fuzz.model import Mutant, canonical_text
from backbeat_fuzz.strategies import (
    FAMILIES,
    PROBES,
    RuleInfo,
    check_rule_patterns,
    coverage_mutants,
    coverage_skipped,
    coverage_valid,
    coverage_valid_cases,
    invalid_messages,
    is_probe,
    mutation_catalogue,
    select_rules,
    valid_messages,
)

KINDS = ("beatframe", "statusclaim", "barreport")
Path = tuple[str, ...]

#: The two big oracle properties: thousands of examples per kind, no per-example deadline (the
#: first examples pay for compiling the kind and the validator's caches).
ORACLE = settings(max_examples=2000, deadline=None, database=None)
#: Smaller properties around the big ones.
SOME = settings(max_examples=200, deadline=None, database=None)

#: Rules whose every mutant necessarily breaks a second rule too, and why. Any other rule must
#: come out alone: the planner tries every candidate edit and keeps one that breaks only its rule.
COUPLED: dict[str, dict[str, str]] = {
    "beatframe": {
        "cluster_id.minLength": "the empty string also fails the pattern (one character first)",
    },
    "statusclaim": {},
    "barreport": {
        "from_beat.maximum": "from_beat > 2^53-1 >= to_beat breaks from_beat <= to_beat",
        "to_beat.minimum": "to_beat < 0 <= from_beat breaks from_beat <= to_beat",
        "on_time_reviews.maximum": "on_time_reviews > 2^53-1 >= agents_reporting",
        "agents_reporting.minimum": "agents_reporting < 0 <= on_time_reviews",
    },
}
#: The share of mutants that must break exactly their rule (coupled rules count against it).
EXACT_SHARE = 0.9

VALIDATOR = MessageValidator()
SCHEMAS = {kind.name: kind.schema for kind in VALIDATOR.contract}
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")


# --- the schema, walked independently of the generators -------------------------------------


def _resolve(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """*node* with a local ``$ref`` merged in (the v1 schemas use nothing richer)."""
    if "$ref" not in node:
        return node
    target = root["$defs"][node["$ref"].removeprefix("#/$defs/")]
    return {**_resolve(root, target), **{k: v for k, v in node.items() if k != "$ref"}}


def _fields(kind: str) -> Iterator[tuple[Path, dict[str, Any], bool]]:
    """Every (path, resolved node, required) of *kind*; ``"[]"`` stands for any array item."""
    root = SCHEMAS[kind]

    def walk(node: dict[str, Any], path: Path) -> Iterator[tuple[Path, dict[str, Any], bool]]:
        for name, child in node.get("properties", {}).items():
            resolved = _resolve(root, child)
            yield (*path, name), resolved, name in node.get("required", [])
            yield from walk(resolved, (*path, name))
        if "items" in node:
            yield from walk(_resolve(root, node["items"]), (*path, "[]"))

    yield from walk(root, ())


def _values_at(message: Any, path: Path) -> Iterator[Any]:
    """Every value at *path* in *message* (``"[]"`` goes through every item)."""
    if not path:
        yield message
        return
    head, rest = path[0], path[1:]
    if head == "[]":
        for item in message if isinstance(message, list) else []:
            yield from _values_at(item, rest)
    elif isinstance(message, dict) and head in message:
        yield from _values_at(message[head], rest)


def _where(path: Path) -> str:
    return ".".join(path).replace(".[]", "[]")


INTEGER_FIELDS = {k: [p for p, n, _ in _fields(k) if n.get("type") == "integer"] for k in KINDS}
OPTIONAL_FIELDS = [(k, p) for k in KINDS for p, _, required in _fields(k) if not required]
ENUM_VALUES = [(k, p, v) for k in KINDS for p, n, _ in _fields(k) for v in n.get("enum", [])]


def _example(kind: str) -> dict[str, Any]:
    return copy.deepcopy(SCHEMAS[kind]["examples"][0])


def _reach(strategy: st.SearchStrategy[Any], condition: Callable[[Any], bool]) -> Any:
    """The first generated example that satisfies *condition* (no shrinking: reachability only).

    Fails with NoSuchExample when 2000 examples never get there.
    """
    return find(
        strategy,
        condition,
        settings=settings(max_examples=2000, database=None, deadline=None, phases=[Phase.generate]),
    )


def _shrunk(strategy: st.SearchStrategy[Any], condition: Callable[[Any], bool]) -> Any:
    """The example Hypothesis shrinks to among those satisfying *condition* (found within 2000
    examples)."""
    return find(
        strategy, condition, settings=settings(max_examples=2000, database=None, deadline=None)
    )


# --- valid messages ---------------------------------------------------------------------------


def _assert_valid(kind: str, message: dict[str, Any]) -> None:
    result = VALIDATOR.validate_message(message, kind=kind)
    assert result.valid, result.errors
    as_text = VALIDATOR.validate_message_string(canonical_text(message), kind=kind)
    assert as_text.valid, as_text.errors  # and what a consumer receives, the JSON text


@pytest.mark.parametrize("kind", KINDS)
def test_valid_messages_always_pass_the_oracle(kind: str) -> None:
    @ORACLE
    @given(valid_messages(kind))
    def check(message: dict[str, Any]) -> None:
        _assert_valid(kind, message)
        for path in INTEGER_FIELDS[kind]:  # integer_floats is off by default: ints only
            for value in _values_at(message, path):
                assert type(value) is int, (_where(path), value)

    check()


@pytest.mark.parametrize("kind", KINDS)
def test_integer_floats_are_valid_and_reachable_behind_the_switch(kind: str) -> None:
    strategy = valid_messages(kind, integer_floats=True)

    @SOME
    @given(strategy)
    def check(message: dict[str, Any]) -> None:
        _assert_valid(kind, message)

    check()
    top = next(p for p in INTEGER_FIELDS[kind] if len(p) == 1)[0]
    found = _reach(strategy, lambda m: isinstance(m.get(top), float))
    assert found[top].is_integer()
    assert VALIDATOR.validate_message(found, kind=kind).valid


def test_no_extra_fields_when_switched_off() -> None:
    known = set(SCHEMAS["beatframe"]["properties"])

    @SOME
    @given(valid_messages("beatframe", extra_fields=False))
    def check(message: dict[str, Any]) -> None:
        assert set(message) <= known

    check()


#: (kind, what, condition) that some valid message reaches.
REACHABLE: list[tuple[str, str, Callable[[dict[str, Any]], bool]]] = [
    ("beatframe", "tempo_bpm exactly 0.1", lambda m: m["tempo_bpm"] == 0.1),
    ("beatframe", "tempo_bpm exactly 10000", lambda m: m["tempo_bpm"] == 10000),
    ("beatframe", "beat_index 2^53-1", lambda m: m["beat_index"] == 2**53 - 1),
    ("beatframe", "beat_index 0", lambda m: m["beat_index"] == 0),
    ("statusclaim", "beats_left 2^53-1", lambda m: m.get("beats_left") == 2**53 - 1),
    ("statusclaim", "progress 0 as a JSON integer", lambda m: type(m.get("progress")) is int
        and m["progress"] == 0),
    ("statusclaim", "progress 1 as a JSON integer", lambda m: type(m.get("progress")) is int
        and m["progress"] == 1),
    ("statusclaim", "progress 0.0 as a float", lambda m: type(m.get("progress")) is float
        and m["progress"] == 0),
    ("statusclaim", "progress 1.0 as a float", lambda m: type(m.get("progress")) is float
        and m["progress"] == 1),
    ("barreport", "tempo_drift_ms a very large integer", lambda m: type(m["tempo_drift_ms"]) is int
        and abs(m["tempo_drift_ms"]) >= 2**63),
    ("barreport", "tempo_drift_ms negative", lambda m: m["tempo_drift_ms"] < 0),
    ("barreport", "from_beat == to_beat", lambda m: m["from_beat"] == m["to_beat"]),
    ("barreport", "on_time_reviews == agents_reporting",
        lambda m: m["on_time_reviews"] == m["agents_reporting"]),
    ("beatframe", "deadline_at with 't' and a fraction of 9+ digits", lambda m: re.fullmatch(
        r"\d{4}-\d\d-\d\dt\d\d:\d\d:\d\d\.\d{9,}([Zz]|[+-]\d\d:\d\d)", m["deadline_at"])),
    ("beatframe", "deadline_at with a lower-case z", lambda m: m["deadline_at"].endswith("z")),
    ("beatframe", "deadline_at with a negative offset", lambda m: re.search(
        r"-\d\d:\d\d$", m["deadline_at"])),
    ("beatframe", "deadline_at with a one-digit fraction", lambda m: re.search(
        r":\d\d\.\d([Zz+-])", m["deadline_at"])),
    ("beatframe", "deadline_at without a fraction", lambda m: re.search(
        r":\d\d:\d\d([Zz+-])", m["deadline_at"])),
    ("beatframe", "hlc with upper-case hex", lambda m: re.search("[A-F]", m["hlc"])),
    ("beatframe", "cluster_id of 64 characters", lambda m: len(m["cluster_id"]) == 64),
    ("statusclaim", "notes with an astral character", lambda m: any(
        ord(c) > 0xFFFF for c in m.get("notes", ""))),
    ("statusclaim", "notes with a zero-width character", lambda m: any(
        c in ZERO_WIDTH for c in m.get("notes", ""))),
    ("statusclaim", "agent_id with a combining mark", lambda m: any(
        unicodedata.combining(c) for c in m["agent_id"])),
    ("statusclaim", "notes with a NUL", lambda m: "\x00" in m.get("notes", "")),
    ("statusclaim", "agent_id of exactly 256 astral characters", lambda m: len(m["agent_id"])
        == 256 and all(ord(c) > 0xFFFF for c in m["agent_id"])),
    ("statusclaim", "notes empty", lambda m: m.get("notes") == ""),
    ("barreport", "an issue with agent_id and beat_index", lambda m: any(
        "agent_id" in i and "beat_index" in i for i in m["issues"])),
    ("barreport", "an issue with an unknown field", lambda m: any(
        set(i) - {"code", "severity", "message", "agent_id", "beat_index"} for i in m["issues"])),
    ("barreport", "an issue code of 64 characters", lambda m: any(
        len(i["code"]) == 64 for i in m["issues"])),
] + [
    (kind, "an unknown top-level field", lambda m, k=kind: set(m) - set(SCHEMAS[k]["properties"]))
    for kind in KINDS
]  # fmt: skip


@pytest.mark.parametrize(("kind", "what", "condition"), REACHABLE, ids=[r[1] for r in REACHABLE])
def test_valid_messages_reach(kind: str, what: str, condition: Callable[..., bool]) -> None:
    found = _reach(valid_messages(kind), condition)
    assert condition(found)
    _assert_valid(kind, found)


@pytest.mark.parametrize("present", [True, False], ids=["present", "absent"])
@pytest.mark.parametrize(
    ("kind", "path"), OPTIONAL_FIELDS, ids=[_where(p) for _, p in OPTIONAL_FIELDS]
)
def test_optional_fields_are_reached_present_and_absent(
    kind: str, path: Path, present: bool
) -> None:
    parents = path[:-1]

    def holds(message: dict[str, Any]) -> bool:
        containers = [c for c in _values_at(message, parents) if isinstance(c, dict)]
        return any((path[-1] in c) is present for c in containers)

    _assert_valid(kind, _reach(valid_messages(kind), holds))


@pytest.mark.parametrize(
    ("kind", "path", "value"), ENUM_VALUES, ids=[f"{_where(p)}={v}" for _, p, v in ENUM_VALUES]
)
def test_every_enum_value_is_reached(kind: str, path: Path, value: Any) -> None:
    found = _reach(valid_messages(kind), lambda m: value in list(_values_at(m, path)))
    _assert_valid(kind, found)


def test_the_enum_table_is_derived_from_the_schemas() -> None:
    assert len(ENUM_VALUES) == 3 + 8 + 4  # phase, state, issues[].severity
    assert ("statusclaim", ("progress",)) in OPTIONAL_FIELDS
    assert INTEGER_FIELDS["barreport"][-1] == ("issues", "[]", "beat_index")


# --- shrinking --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_the_simplest_valid_message_is_the_readme_example(kind: str) -> None:
    assert find(valid_messages(kind), lambda m: True, settings=SOME) == _example(kind)


def test_a_shrunk_valid_message_differs_from_the_readme_example_only_where_it_must() -> None:
    found = _shrunk(valid_messages("beatframe"), lambda m: m["phase"] == "review")
    assert found == {**_example("beatframe"), "phase": "review"}
    assert list(found) == list(_example("beatframe"))  # in the schema's order


def test_a_shrunk_hlc_pattern_mutant_reads_like_a_hand_written_case() -> None:
    mutant = _shrunk(invalid_messages("beatframe", rules=["hlc.pattern"]), lambda m: True)
    example = _example("beatframe")
    assert mutant.origin == example
    assert mutant.rule == "hlc.pattern"
    assert mutant.note == "trailing newline"
    assert mutant.text == canonical_text({**example, "hlc": example["hlc"] + "\n"})
    assert mutant.parsed == {**example, "hlc": "7ffd:0001:abcd\n"}


def test_a_shrunk_mutant_of_a_later_rule_still_starts_from_the_readme_example() -> None:
    mutant = _shrunk(invalid_messages("statusclaim"), lambda m: m.rule == "progress.maximum")
    example = _example("statusclaim")
    assert mutant.origin == example
    assert mutant.parsed == {**example, "progress": math.nextafter(1, 2)}
    assert mutant.note == "the float just above the maximum"


# --- invalid messages -------------------------------------------------------------------------


def _assert_rejected(kind: str, mutant: Mutant) -> frozenset[str]:
    """Check one mutant against the oracle and return the rules its text breaks."""
    assert mutant.kind == kind
    _assert_valid(kind, mutant.origin)
    result = VALIDATOR.validate_message_string(mutant.data, kind=kind)
    assert not result.valid, mutant
    assert mutant.rule in result.rules, (mutant, result.errors)
    routed = VALIDATOR.validate_message_string(mutant.data)  # by its type, as consumers route
    assert mutant.rule in routed.rules, (mutant, routed.errors)
    if mutant.is_text_level:
        assert mutant.parsed is None
    else:  # the object a consumer taking objects gets: the same message, the same verdict
        assert parse(mutant.data) == mutant.parsed
        assert mutant.rule in VALIDATOR.validate_message(mutant.parsed, kind=kind).rules
    return result.rules


@pytest.mark.parametrize("kind", KINDS)
def test_every_mutant_is_rejected_with_its_rule_and_most_with_it_alone(kind: str) -> None:
    exact: Counter[bool] = Counter()
    inexact: set[str] = set()

    @ORACLE
    @given(invalid_messages(kind))
    def check(mutant: Mutant) -> None:
        rules = _assert_rejected(kind, mutant)
        exact[rules == {mutant.rule}] += 1
        if rules != {mutant.rule}:
            inexact.add(mutant.rule)

    check()
    assert inexact <= set(COUPLED[kind]), "these rules came with others though they need not"
    assert exact[True] / exact.total() >= EXACT_SHARE, exact


def test_the_coupled_rules_are_catalogued() -> None:
    for kind, rules in COUPLED.items():
        assert set(rules) <= {i.rule for i in mutation_catalogue(kind)}, kind


CATALOGUE = [(kind, info.rule) for kind in KINDS for info in mutation_catalogue(kind)]


@pytest.mark.parametrize(("kind", "rule"), CATALOGUE, ids=[f"{k}:{r}" for k, r in CATALOGUE])
def test_every_catalogued_rule_is_produced(kind: str, rule: str) -> None:
    # @given rather than find(): find() prints the value it returns, and the repr of a mutant
    # with 1001 issues is over Hypothesis' 30 kB repr warning.
    produced: list[Mutant] = []

    @settings(max_examples=10, deadline=None, database=None, phases=[Phase.generate])
    @given(invalid_messages(kind, rules=[rule]))
    def check(mutant: Mutant) -> None:
        assert mutant.rule == rule
        _assert_rejected(kind, mutant)
        produced.append(mutant)

    check()
    assert produced


def test_the_catalogue_covers_every_family_and_describes_each_rule() -> None:
    every = mutation_catalogue()
    assert {i.kind for i in every} == set(KINDS)
    assert {i.family for i in every} == set(FAMILIES)
    assert all(isinstance(i, RuleInfo) and i.description for i in every)
    assert len({(i.kind, i.rule) for i in every}) == len(every)  # each rule once per kind


def test_input_mode_object_never_yields_text_level_mutants() -> None:
    @SOME
    @given(st.sampled_from(KINDS).flatmap(lambda k: invalid_messages(k, input_mode="object")))
    def check(mutant: Mutant) -> None:
        assert not mutant.rule.startswith("json.")
        assert isinstance(mutant.parsed, dict | list | str | int | float | type(None))
        result = VALIDATOR.validate_message(mutant.parsed, kind=mutant.kind)
        assert mutant.rule in result.rules

    check()


def test_input_mode_str_never_yields_invalid_utf8() -> None:
    seen: set[str] = set()

    @settings(max_examples=400, deadline=None, database=None)
    @given(invalid_messages("beatframe", input_mode="str"))
    def check(mutant: Mutant) -> None:
        assert mutant.text == mutant.data.decode("utf-8")  # raises on invalid UTF-8
        assert mutant.valid_utf8 and mutant.rule != "json.invalid_utf8"
        seen.add(mutant.rule)

    check()
    assert any(rule.startswith("json.") for rule in seen)  # the other text rules remain


def test_input_mode_bytes_reaches_invalid_utf8() -> None:
    mutant = _reach(invalid_messages("beatframe"), lambda m: not m.valid_utf8)
    assert mutant.rule == "json.invalid_utf8"
    _assert_rejected("beatframe", mutant)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"input_mode": "text"}, "input_mode='text' is unknown; use one of str, bytes, object"),
        ({"rules": ["json.*"], "input_mode": "object"}, "select no mutation of 'beatframe'"),
        ({"rules": ["progress"]}, "select no mutation of 'beatframe'"),
    ],
)
def test_invalid_messages_refuses_what_selects_nothing(kwargs: Any, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        invalid_messages("beatframe", **kwargs)


def test_unknown_kind_is_a_usage_error_with_a_suggestion() -> None:
    with pytest.raises(UsageError, match="Did you mean 'beatframe'"):
        valid_messages("beatfram")


@pytest.mark.parametrize("kind", KINDS)
def test_strategies_print_short(kind: str) -> None:
    # Hypothesis prints the top-level strategy when a draw raises (an assume() included), and
    # warns past 30 kB; under filterwarnings=error that warning would fail the user's test.
    assert len(repr(invalid_messages(kind))) < 200
    assert len(repr(valid_messages(kind))) < 30_000


# --- rule selection ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "patterns", "expected"),
    [
        ("beatframe", ["deadline_at"],
            ["required.deadline_at", "deadline_at.type", "deadline_at.maxLength",
             "deadline_at.format"]),
        ("beatframe", ["hlc.pattern"], ["hlc.pattern"]),
        ("beatframe", ["formats"], ["deadline_at.format"]),
        ("beatframe", ["*.pattern"], ["cluster_id.pattern", "hlc.pattern", "window_id.pattern"]),
        ("statusclaim", ["progress", "enums"],
            ["type.const", "state.enum", "progress.type", "progress.minimum",
             "progress.maximum"]),
        ("barreport", ["rules"],
            ["rules.from_beat_le_to_beat", "rules.on_time_reviews_le_agents_reporting"]),
        ("barreport", ["issues"],
            ["required.issues", "issues.type", "issues.maxItems", "required.issues[].code",
             "required.issues[].severity", "required.issues[].message", "issues[].type",
             "issues[].code.type", "issues[].code.pattern", "issues[].code.maxLength",
             "issues[].severity.enum", "issues[].message.type", "issues[].message.maxLength",
             "issues[].agent_id.type", "issues[].agent_id.minLength",
             "issues[].agent_id.maxLength", "issues[].beat_index.type",
             "issues[].beat_index.minimum", "issues[].beat_index.maximum"]),
        ("barreport", ["required.issues"], ["required.issues"]),
        ("barreport", ["required.*"],
            ["required.type", "required.window_id", "required.from_beat", "required.to_beat",
             "required.agents_reporting", "required.on_time_reviews",
             "required.help_promises_fulfilled", "required.secret_rotations_ok",
             "required.tempo_drift_ms", "required.issues", "required.issues[].code",
             "required.issues[].severity", "required.issues[].message"]),
        ("barreport", ["issues[].code"],
            ["required.issues[].code", "issues[].code.type", "issues[].code.pattern",
             "issues[].code.maxLength"]),
    ],
)  # fmt: skip
def test_select_rules(kind: str, patterns: list[str], expected: list[str]) -> None:
    assert sorted(select_rules(kind, patterns)) == sorted(expected)


def test_select_rules_json_family_and_glob_agree() -> None:
    family = select_rules("barreport", ["json"])
    assert family == select_rules("barreport", ["json.*"])
    assert set(family) == {
        "json.nan", "json.infinity", "json.number_overflow", "json.syntax", "json.trailing_data",
        "json.duplicate_key", "json.bom", "json.invalid_utf8", "json.empty", "json.too_deep",
        "json.lone_surrogate",
    }  # fmt: skip


def test_select_rules_without_patterns_is_the_whole_catalogue() -> None:
    assert select_rules("statusclaim", None) == [i.rule for i in mutation_catalogue("statusclaim")]


def test_selected_rules_are_the_only_ones_generated() -> None:
    wanted = set(select_rules("beatframe", ["deadline_at", "numbers"]))

    @SOME
    @given(invalid_messages("beatframe", rules=["deadline_at", "numbers"]))
    def check(mutant: Mutant) -> None:
        assert mutant.rule in wanted

    check()


@pytest.mark.parametrize(
    ("pattern", "suggestion"),
    [
        ("hlc.patern", "hlc.pattern"),
        ("format", "formats"),
        ("deadline_at.fromat", "deadline_at.format"),
        ("issues[].severity.enun", "issues[].severity.enum"),
    ],
)
def test_check_rule_patterns_suggests_a_close_rule(pattern: str, suggestion: str) -> None:
    with pytest.raises(UsageError, match=re.escape(f"--rule {pattern!r} selects no rule")) as info:
        check_rule_patterns(list(KINDS), [pattern])
    assert str(info.value).endswith(f" Did you mean {suggestion!r}?")


def test_check_rule_patterns_accepts_what_selects_something_in_any_kind() -> None:
    check_rule_patterns(list(KINDS), ["progress", "issues[].code", "formats", "json.*"])
    with pytest.raises(UsageError, match="'progress'"):
        check_rule_patterns(["beatframe"], ["progress"])


# --- the deterministic coverage phase -----------------------------------------------------------

COVERAGE_DIGEST = """
import hashlib, json, sys
from backbeat_fuzz.model import canonical_text
from backbeat_fuzz.strategies import coverage_mutants, coverage_valid
digest = hashlib.sha256()
for kind in sys.argv[1:]:
    for mutant in coverage_mutants(kind):
        digest.update(repr((mutant.rule, mutant.note, mutant.location, mutant.data)).encode())
    for message in coverage_valid(kind):
        digest.update(canonical_text(message).encode())
print(digest.hexdigest())
"""


def _coverage_digest(kinds: tuple[str, ...]) -> str:
    import hashlib

    digest = hashlib.sha256()
    for kind in kinds:
        for mutant in coverage_mutants(kind):
            digest.update(repr((mutant.rule, mutant.note, mutant.location, mutant.data)).encode())
        for message in coverage_valid(kind):
            digest.update(canonical_text(message).encode())
    return digest.hexdigest()


def test_coverage_lists_are_the_same_in_every_call_and_process() -> None:
    import os
    import subprocess
    import sys

    assert coverage_mutants("barreport") == coverage_mutants("barreport")
    assert coverage_valid("statusclaim") == coverage_valid("statusclaim")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # another string hash order
    other = subprocess.run(
        [sys.executable, "-c", COVERAGE_DIGEST, *KINDS],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    assert other.stdout.strip() == _coverage_digest(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_every_coverage_mutant_is_rejected_with_its_rule(kind: str) -> None:
    mutants = coverage_mutants(kind)
    exact = Counter(_assert_rejected(kind, m) == {m.rule} for m in mutants)
    assert exact[True] / exact.total() >= EXACT_SHARE, exact
    assert all(m.probe == is_probe(m.rule) for m in mutants)
    assert {m.rule for m in mutants} == {i.rule for i in mutation_catalogue(kind)}
    variants = [(m.rule, m.note, m.location) for m in mutants]
    assert len(variants) == len(set(variants)), "a variant's note and location name it alone"
    example = _example(kind)
    for mutant in mutants:  # the README message, with what an edit needs filled in
        assert all(mutant.origin.get(k) == v for k, v in example.items() if k != "issues")


@pytest.mark.parametrize("kind", KINDS)
def test_every_variant_of_every_operator_is_covered_or_skipped_for_a_reason(kind: str) -> None:
    from backbeat_fuzz.generate.coverage import example_of
    from backbeat_fuzz.generate.edits import json_location
    from backbeat_fuzz.generate.plan import apply_edit, compile_kind, get_path

    plan = compile_kind(kind)
    listed = {(m.rule, m.note, m.location) for m in coverage_mutants(kind)}
    sent = {(m.rule, m.data) for m in coverage_mutants(kind)}
    skipped = {(s.rule, s.note, s.location): s.reason for s in coverage_skipped(kind)}
    assert not listed & set(skipped)
    for op in plan.ops:
        message = plan.fill_path(example_of(plan), op.needs or op.path, plan.simplest)
        for edit in op.candidates(get_path(message, op.path), message):
            variant = (op.rule, edit.note, json_location(edit.path))
            same_bytes = (op.rule, apply_edit(message, edit)[0]) in sent  # listed once
            assert variant in listed or variant in skipped or same_bytes, variant
    for (rule, _, _), reason in skipped.items():
        assert reason == "stays valid" or reason.startswith(("breaks only ", "carries another"))
        assert rule not in reason
    assert len(skipped) < len(listed) / 10  # skipping is the exception


#: (kind, rule, note) that the coverage list must hold: the blind spots users found.
BLIND_SPOTS = [
    ("beatframe", "deadline_at.format", "offset +24:00"),
    ("beatframe", "deadline_at.format", "an Arabic-Indic digit"),
    ("beatframe", "deadline_at.format", "a Unix time in seconds, as a string"),
    ("beatframe", "deadline_at.type", "a Unix time in seconds"),
    ("beatframe", "deadline_at.type", "a Unix time in milliseconds"),
    ("beatframe", "hlc.pattern", "a '0x' prefix"),
    ("beatframe", "window_id.pattern", "'0x' in place of the first two characters"),
    ("barreport", "window_id.pattern", "a '#' prefix"),
    ("beatframe", "cluster_id.pattern", "a long run of one character, then '!'"),
    ("barreport", "issues[].code.pattern", "a long run of one character, then '!'"),
    ("statusclaim", "json.syntax", "a raw U+0001 inside a string"),
    ("statusclaim", "json.syntax", "a raw newline inside a string"),
    ("barreport", "json.syntax", "a raw U+0000 inside a string"),
    ("beatframe", "json.too_deep", f"an extra field nested {65} deep"),
] + [
    (kind, "json.number_overflow", f"1e400 in {_where(path)}")
    for kind in KINDS
    for path, node, _ in _fields(kind)
    if node.get("type") in ("integer", "number")
]


@pytest.mark.parametrize(("kind", "rule", "note"), BLIND_SPOTS, ids=[b[2] for b in BLIND_SPOTS])
def test_coverage_mutants_hold_the_blind_spots(kind: str, rule: str, note: str) -> None:
    found = [m for m in coverage_mutants(kind) if (m.rule, m.note) == (rule, note)]
    assert len(found) == 1
    _assert_rejected(kind, found[0])


def test_coverage_lists_can_be_built_inside_a_running_given_test() -> None:
    # No Hypothesis draw is involved: a nested find() would fail the outer test's health check.
    from backbeat_fuzz.contract import load_contract
    from backbeat_fuzz.session import Session

    cold = Session.of(load_contract())  # nothing compiled by the tests before

    @settings(max_examples=1, database=None, deadline=None)  # compiling is slow on a busy machine
    @given(st.just(None))
    def build(_: None) -> None:
        assert coverage_mutants("barreport", session=cold)
        assert coverage_valid("barreport", session=cold)

    build()


def test_coverage_mutants_say_where_and_what() -> None:
    mutants = coverage_mutants("barreport", rules=["issues[].code.pattern", "json.number_overflow"])
    code = next(m for m in mutants if m.note == "trailing newline")
    assert (code.location, code.after) == ("issues[0].code", code.before + "\n")
    assert code.parsed["issues"][0]["code"] == code.after
    drift = next(m for m in mutants if m.note == "1e400 in tempo_drift_ms")
    assert (drift.location, drift.before, drift.after) == ("tempo_drift_ms", 7.3, "1e400")
    assert b'"tempo_drift_ms":1e400' in drift.data
    raw = next(m for m in coverage_mutants("statusclaim", rules=["json.syntax"])
               if m.note == "a raw tab inside a string")  # fmt: skip
    assert raw.location == "agent_id" and b"\t" in raw.data


def test_coverage_mutants_follow_the_rule_selection_and_input_mode() -> None:
    assert {m.rule for m in coverage_mutants("beatframe", rules=["hlc"])} == set(
        select_rules("beatframe", ["hlc"])
    )
    as_objects = coverage_mutants("statusclaim", input_mode="object")
    assert as_objects and not any(m.is_text_level for m in as_objects)
    as_text = coverage_mutants("statusclaim", input_mode="str")
    assert all(m.valid_utf8 for m in as_text)
    with pytest.raises(UsageError, match="input_mode='text' is unknown"):
        coverage_mutants("beatframe", input_mode="text")


def test_probes_are_marked_in_the_catalogue_and_on_mutants() -> None:
    assert {"json.too_deep"} == PROBES
    assert is_probe("json.too_deep") and not is_probe("json.nan")
    probes = {(i.kind, i.rule) for i in mutation_catalogue() if i.probe}
    assert probes == {(kind, "json.too_deep") for kind in KINDS}
    mutant = _shrunk(invalid_messages("beatframe", rules=["json.too_deep"]), lambda m: True)
    assert mutant.probe
    assert not _shrunk(invalid_messages("beatframe", rules=["hlc"]), lambda m: True).probe


# --- coverage_valid -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_every_coverage_valid_message_passes_the_oracle(kind: str) -> None:
    messages = coverage_valid(kind)
    assert messages[0] == _example(kind)
    for message in messages:
        _assert_valid(kind, message)
    texts = [canonical_text(m) for m in messages]
    assert len(texts) == len(set(texts))


def _bounds(kind: str) -> Iterator[tuple[Path, Any]]:
    for path, node, _ in _fields(kind):
        for key in ("minimum", "maximum"):
            if key in node:
                yield path, node[key]


COVERED_VALUES = [
    (kind, path, value) for kind in KINDS for path, value in _bounds(kind)
] + ENUM_VALUES  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "path", "value"),
    COVERED_VALUES,
    ids=[f"{_where(p)}={v}" for _, p, v in COVERED_VALUES],
)
def test_coverage_valid_sets_every_bound_and_enum_value(kind: str, path: Path, value: Any) -> None:
    assert any(value in list(_values_at(m, path)) for m in coverage_valid(kind))


#: (kind, what, condition) that some coverage_valid message meets.
COVERED: list[tuple[str, str, Callable[[dict[str, Any]], bool]]] = [
    ("beatframe", "a leap second", lambda m: m["deadline_at"].startswith("2016-12-31T23:59:60")),
    ("beatframe", "offset +14:00", lambda m: m["deadline_at"].endswith("+14:00")),
    ("beatframe", "deadline_at at its maxLength", lambda m: len(m["deadline_at"]) == 64),
    ("beatframe", "a fraction of nine digits", lambda m: ".123456789" in m["deadline_at"]),
    ("beatframe", "hlc in upper-case hex", lambda m: m["hlc"] == "FFFF:FFFF:FFFF"),
    ("beatframe", "hlc in lower-case hex", lambda m: m["hlc"] == "ffff:ffff:ffff"),
    ("beatframe", "cluster_id a run of 64", lambda m: m["cluster_id"] == "A" + "-" * 63),
    ("beatframe", "tempo_bpm just above 0.1", lambda m: m["tempo_bpm"] == math.nextafter(0.1, 1)),
    ("statusclaim", "progress 0 as an integer", lambda m: type(m.get("progress")) is int),
    ("statusclaim", "notes a run of 'a' then '!'", lambda m: m.get("notes") == "a" * 4095 + "!"),
    ("statusclaim", "agent_id of 256 astral characters", lambda m: m["agent_id"] == "😀" * 256),
    ("statusclaim", "agent_id one character", lambda m: len(m["agent_id"]) == 1),
    ("statusclaim", "notes with a NUL", lambda m: "\x00" in m.get("notes", "")),
    ("barreport", "1000 issues", lambda m: len(m["issues"]) == 1000),
    ("barreport", "an issue with an agent_id", lambda m: any("agent_id" in i for i in m["issues"])),
    ("barreport", "an issue code of 64 characters", lambda m: any(
        len(i["code"]) == 64 for i in m["issues"])),
    ("barreport", "an unknown field in an issue", lambda m: any(
        "x_future_field" in i for i in m["issues"])),
    ("barreport", "from_beat 2^53-1", lambda m: m["from_beat"] == 2**53 - 1),
    ("barreport", "tempo_drift_ms 2^64", lambda m: m["tempo_drift_ms"] == 2**64),
] + [
    (kind, "an unknown top-level field", lambda m, k=kind: set(m) - set(SCHEMAS[k]["properties"]))
    for kind in KINDS
]  # fmt: skip


@pytest.mark.parametrize(("kind", "what", "condition"), COVERED, ids=[c[1] for c in COVERED])
def test_coverage_valid_reaches(kind: str, what: str, condition: Callable[..., bool]) -> None:
    assert any(condition(m) for m in coverage_valid(kind))


@pytest.mark.parametrize(
    ("kind", "path"), OPTIONAL_FIELDS, ids=[_where(p) for _, p in OPTIONAL_FIELDS]
)
def test_coverage_valid_has_each_optional_field_present_and_absent(kind: str, path: Path) -> None:
    messages = coverage_valid(kind)
    containers = [c for m in messages for c in _values_at(m, path[:-1]) if isinstance(c, dict)]
    assert any(path[-1] in c for c in containers) and any(path[-1] not in c for c in containers)


#: Cross-field partners: a boundary on one side moves the other with it.
PARTNERS = {"from_beat": "to_beat", "to_beat": "from_beat", "on_time_reviews": "agents_reporting",
            "agents_reporting": "on_time_reviews"}  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_coverage_valid_cases_name_the_one_field_they_change(kind: str) -> None:
    cases = coverage_valid_cases(kind)
    assert [c.message for c in cases] == coverage_valid(kind)
    assert (cases[0].location, cases[0].message) == ("", _example(kind))
    example = _example(kind)
    for case in cases[1:]:
        top = re.split(r"[.\[]", case.location)[0]
        changed = {k for k in example.keys() | case.message.keys()
                   if example.get(k, ...) != case.message.get(k, ...)}  # fmt: skip
        assert changed <= {top, PARTNERS.get(top)}, (case.note, case.location, changed)
        assert changed, case.note


def test_coverage_valid_switches() -> None:
    known = set(SCHEMAS["beatframe"]["properties"])
    assert all(set(m) <= known for m in coverage_valid("beatframe", extra_fields=False))
    floats = coverage_valid("beatframe", integer_floats=True)
    assert any(type(m["beat_index"]) is float for m in floats)
    for message in floats:
        _assert_valid("beatframe", message)


# --- blind spots in random generation -----------------------------------------------------------


#: (kind, rules, what, condition on a mutant) that random invalid messages reach.
RANDOM_BLIND_SPOTS: list[tuple[str, list[str], str, Callable[[Mutant], bool]]] = [
    ("statusclaim", ["json.syntax"], "a raw control character in a string",
        lambda m: "raw" in m.note and re.search(rb'"[^"]*[\x00-\x1f][^"]*"', m.data) is not None),
    ("beatframe", ["hlc.pattern"], "a 0x prefix", lambda m: m.parsed["hlc"].startswith("0x")),
    ("beatframe", ["deadline_at.type"], "a Unix time", lambda m: type(
        m.parsed["deadline_at"]) is int and m.parsed["deadline_at"] > 10**9),
    ("barreport", ["json.number_overflow"], "1e400 in the last number field",
        lambda m: m.location == "issues[0].beat_index" and b"1e400" in m.data),
    ("beatframe", ["cluster_id.pattern"], "a long run then '!'",
        lambda m: len(m.parsed["cluster_id"]) == 64 and m.parsed["cluster_id"].endswith("!")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "rules", "what", "condition"),
    RANDOM_BLIND_SPOTS,
    ids=[b[2] for b in RANDOM_BLIND_SPOTS],
)
def test_invalid_messages_reach_the_blind_spots(
    kind: str, rules: list[str], what: str, condition: Callable[[Mutant], bool]
) -> None:
    found: list[Mutant] = []

    @settings(max_examples=2000, deadline=None, database=None, phases=[Phase.generate])
    @given(invalid_messages(kind, rules=rules))
    def check(mutant: Mutant) -> None:
        if condition(mutant):
            found.append(mutant)
            raise _Found

    with pytest.raises(_Found):
        check()
    _assert_rejected(kind, found[0])


class _Found(Exception):
    """Stops a search at the first example that meets its condition."""


def test_valid_free_text_reaches_long_runs_of_one_character() -> None:
    found = _reach(valid_messages("statusclaim"), lambda m: re.fullmatch(
        r"(.)\1{200,}[!\n\x00é]", m.get("notes", ""), re.S) is not None)  # fmt: skip
    _assert_valid("statusclaim", found)


def test_random_mutants_say_where_and_what() -> None:
    mutant = _shrunk(invalid_messages("beatframe", rules=["hlc.pattern"]), lambda m: True)
    assert (mutant.location, mutant.before, mutant.after) == (
        "hlc",
        "7ffd:0001:abcd",
        "7ffd:0001:abcd\n",
    )
    assert "location='hlc'" in repr(mutant)
    summary = "violates `hlc.pattern` at $.hlc (was `7ffd:0001:abcd`, became `7ffd:0001:abcd\\n`)"
    assert mutant.summary == summary and f"summary={summary!r}" in repr(mutant)
