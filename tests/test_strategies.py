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
    RuleInfo,
    check_rule_patterns,
    invalid_messages,
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
