"""The generators on schemas other than BACKBEAT's: every supported keyword, the unsupported ones,
and a copied contract grown by one field, all through ``schemas_dir`` with no code change.

Each schemas folder is built in ``tmp_path``; the oracle is a :class:`MessageValidator` over the
same folder, so what is checked is the generators' agreement with the schema they were given.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from backbeat_fuzz import MessageValidator
from backbeat_fuzz.errors import UnsupportedSchemaError
from backbeat_fuzz.formats import FORMATS
from backbeat_fuzz.generate import violators
from backbeat_fuzz.generate.canonical import canonicalise
from backbeat_fuzz.model import Mutant, canonical_text
from backbeat_fuzz.strategies import invalid_messages, mutation_catalogue, valid_messages

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
SOME = settings(max_examples=500, deadline=None, database=None)
REACH = settings(max_examples=2000, deadline=None, database=None, phases=[Phase.generate])

#: One property per supported keyword (and a few combinations of them).
WIDGET: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.com/widget-v1.schema.json",
    "type": "object",
    "required": ["type", "id", "size", "ratio", "tags"],
    "additionalProperties": False,
    "properties": {
        "type": {"const": "acme.widget.v1"},
        "id": {"type": "string", "format": "uuid"},
        "size": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 100,
                 "multipleOf": 5},
        "ratio": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "both": {"type": "number", "minimum": 0, "exclusiveMinimum": 0, "exclusiveMaximum": 5},
        "step": {"type": "number", "multipleOf": 0.25, "minimum": -10, "maximum": 10},
        "label": {"type": ["string", "null"], "minLength": 2, "maxLength": 10},
        "day": {"type": "string", "format": "date"},
        "at": {"type": "string", "format": "time", "maxLength": 20},
        "owner": {"type": "string", "format": "email"},
        "point": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "string"}],
                  "items": False, "minItems": 2},
        "tags": {"type": "array", "items": {"type": "string", "minLength": 1},
                 "uniqueItems": True, "minItems": 1, "maxItems": 3},
        "value": {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": "^v[0-9]+$"}]},
        "choice": {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "integer",
                                                                  "maximum": 10}]},
        "combo": {"allOf": [{"$ref": "#/$defs/small"}, {"minimum": 1}]},
        "level": {"enum": ["low", "high", 3]},
        "nested": {"type": "object", "properties": {"code": {"$ref": "#/$defs/code"}},
                   "required": ["code"], "additionalProperties": False},
        "open": {"type": "object", "additionalProperties": {"type": "boolean"}},
        "alt": {"type": "string", "pattern": "^(ab|cd)+$"},
        "twice": {"type": "string", "pattern": "^a{2,5}b?$"},
        "digit": {"type": "string", "pattern": "[0-9]"},
        "word": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 40},
        "ranged": {"type": "string", "pattern": "^x[0-9]*$", "minLength": 20, "maxLength": 30},
    },
    "$defs": {
        "small": {"type": "integer", "maximum": 9},
        "code": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{2}$"},
    },
    "examples": [{"type": "acme.widget.v1", "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                  "size": 25, "ratio": 0.5, "tags": ["blue"]}],
}  # fmt: skip

#: A rule per keyword the widget uses: the catalogue must list each one.
WIDGET_RULES = {
    "required.id", "root.additionalProperties", "type.const", "id.format", "size.type",
    "size.exclusiveMinimum", "size.exclusiveMaximum", "size.multipleOf", "ratio.exclusiveMinimum",
    "ratio.maximum", "both.minimum", "both.exclusiveMinimum", "both.exclusiveMaximum",
    "step.multipleOf", "label.type", "label.minLength", "label.maxLength", "day.format",
    "at.format", "at.maxLength", "owner.format", "point.type", "point.minItems", "point.items",
    "point[].type", "tags.uniqueItems", "tags.minItems", "tags.maxItems", "tags[].minLength",
    "value.anyOf", "choice.oneOf", "combo.minimum", "combo.maximum", "level.enum",
    "required.nested.code", "nested.additionalProperties", "nested.code.pattern", "open.type",
    "json.nan", "json.syntax", "alt.pattern", "twice.pattern", "digit.pattern", "word.pattern",
    "word.maxLength", "ranged.minLength", "ranged.maxLength",
}  # fmt: skip
#: Rules whose mutants may carry a second rule: one item too many of a unique array repeats an
#: item when the array has no other value to add; a too-long tuple at maxItems; ...
WIDGET_COUPLED = {"tags.maxItems", "tags.uniqueItems", "both.minimum"}


def _folder(tmp_path: Path, *schemas: dict[str, Any]) -> Path:
    for schema in schemas:
        name = schema["properties"]["type"]["const"].split(".")[1]
        (tmp_path / f"{name}-v1.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    return tmp_path


@pytest.fixture
def widgets(tmp_path: Path) -> Path:
    return _folder(tmp_path, WIDGET)


def test_widget_valid_messages_pass_the_oracle(widgets: Path) -> None:
    oracle = MessageValidator(widgets)

    @SOME
    @given(valid_messages("widget", schemas_dir=widgets))
    def check(message: dict[str, Any]) -> None:
        result = oracle.validate_message_string(canonical_text(message), kind="widget")
        assert result.valid, (message, result.errors)

    check()


def test_widget_mutants_are_rejected_with_their_rule(widgets: Path) -> None:
    oracle = MessageValidator(widgets)
    exact: Counter[bool] = Counter()
    inexact: set[str] = set()

    @SOME
    @given(invalid_messages("widget", schemas_dir=widgets))
    def check(mutant: Mutant) -> None:
        assert oracle.validate_message(mutant.origin, kind="widget").valid
        rules = oracle.validate_message_string(mutant.data, kind="widget").rules
        assert mutant.rule in rules, (mutant, rules)
        exact[rules == {mutant.rule}] += 1
        if rules != {mutant.rule}:
            inexact.add(mutant.rule)

    check()
    assert inexact <= WIDGET_COUPLED
    assert exact[True] / exact.total() >= 0.9, exact


def _produced(strategy: Any, rule: str, oracle: MessageValidator) -> list[Mutant]:
    """A few mutants of *strategy*, each checked to break *rule* per *oracle*."""
    produced: list[Mutant] = []

    @settings(max_examples=10, deadline=None, database=None, phases=[Phase.generate])
    @given(strategy)
    def check(mutant: Mutant) -> None:
        assert mutant.rule == rule
        assert rule in oracle.validate_message_string(mutant.data, kind=mutant.kind).rules
        produced.append(mutant)

    check()
    return produced


def test_widget_catalogue_has_a_rule_per_keyword_and_each_is_produced(widgets: Path) -> None:
    oracle = MessageValidator(widgets)
    catalogue = [info.rule for info in mutation_catalogue("widget", schemas_dir=widgets)]
    assert set(catalogue) >= WIDGET_RULES, WIDGET_RULES - set(catalogue)
    missing = [
        rule
        for rule in catalogue
        if not _produced(
            invalid_messages("widget", rules=[rule], schemas_dir=widgets), rule, oracle
        )
    ]
    assert not missing


#: (what, condition) some valid widget reaches.
WIDGET_REACHES = [
    ("label null (a type union)", lambda m: "label" in m and m["label"] is None),
    ("label a string of 10", lambda m: isinstance(m.get("label"), str) and len(m["label"]) == 10),
    ("size 5, the least multiple above the exclusive 0", lambda m: m["size"] == 5),
    ("size 95, the greatest multiple below the exclusive 100", lambda m: m["size"] == 95),
    ("ratio exactly 1", lambda m: m["ratio"] == 1),
    ("step a fraction of its multipleOf", lambda m: m.get("step", 0) % 1 == 0.25),
    ("both just above 0", lambda m: 0 < m.get("both", -1) < 1e-300),
    ("point a closed tuple", lambda m: len(m.get("point", ())) == 2),
    ("three unique tags", lambda m: len(set(m["tags"])) == 3),
    ("value a pattern string (anyOf)", lambda m: isinstance(m.get("value"), str)),
    ("value an integer (anyOf)", lambda m: isinstance(m.get("value"), int)),
    ("choice in only one oneOf branch", lambda m: m.get("choice", 5) > 10),
    ("combo 1 (allOf: a $ref and a minimum)", lambda m: m.get("combo") == 1),
    ("combo 9", lambda m: m.get("combo") == 9),
    ("level 3 (an enum of mixed types)", lambda m: m.get("level") == 3),
    ("an open object's extra field", lambda m: isinstance(m.get("open"), dict) and m["open"]),
    ("nested.code", lambda m: re.fullmatch("[A-Z]{3}-[0-9]{2}", m.get("nested", {}).get("code",
        ""))),
    ("an upper-case uuid", lambda m: m["id"] == m["id"].upper() and re.search("[A-F]", m["id"])),
    ("an email", lambda m: "@" in m.get("owner", "")),
    ("a time with a fraction", lambda m: "." in m.get("at", "")),
    ("a leap day", lambda m: m.get("day", "").endswith("-02-29")),
    ("an alternation repeated", lambda m: len(m.get("alt", "")) >= 4),
    ("two quantifiers at their most", lambda m: m.get("twice") == "aaaaab"),
    ("a digit anywhere (unanchored)", lambda m: len(m.get("digit", "")) > 1),
    ("a word at its maxLength", lambda m: len(m.get("word", "")) == 40),
    ("a pattern at its minLength", lambda m: len(m.get("ranged", "")) == 20),
    ("a pattern at its maxLength", lambda m: len(m.get("ranged", "")) == 30),
]  # fmt: skip


@pytest.mark.parametrize(("what", "condition"), WIDGET_REACHES, ids=[w for w, _ in WIDGET_REACHES])
def test_widget_valid_messages_reach(widgets: Path, what: str, condition: Any) -> None:
    found = find(valid_messages("widget", schemas_dir=widgets), condition, settings=REACH)
    assert MessageValidator(widgets).validate_message(found, kind="widget").valid


def test_widget_never_gets_unknown_fields_where_closed(widgets: Path) -> None:
    @SOME
    @given(valid_messages("widget", schemas_dir=widgets))
    def check(message: dict[str, Any]) -> None:
        assert set(message) <= set(WIDGET["properties"])
        assert set(message.get("nested", {})) <= {"code"}

    check()


def test_the_widget_shrinks_to_its_example(widgets: Path) -> None:
    found = find(valid_messages("widget", schemas_dir=widgets), lambda m: True, settings=SOME)
    assert found == WIDGET["examples"][0]


# --- what the generators refuse -------------------------------------------------------------


def _with(prop: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A minimal kind with one property *prop* (and extra top-level keywords)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"type": {"const": "acme.thing.v1"}, "x": prop},
        **top,
    }


UNSUPPORTED = [
    ("patternProperties", _with({"type": "object", "patternProperties": {"^a": {}}}),
        "keyword 'patternProperties' at /properties/x"),
    ("if/then", _with({"if": {"type": "string"}, "then": {"minLength": 1}}),
        "keyword 'if' at /properties/x"),
    ("not", _with({"not": {"type": "null"}}), "keyword 'not' at /properties/x"),
    ("contains", _with({"type": "array", "contains": {"type": "integer"}}),
        "keyword 'contains' at /properties/x"),
    ("a $ref to another document", _with({"$ref": "thing-v1.schema.json#/properties/type"}),
        "$ref='thing-v1.schema.json#/properties/type' at /properties/x names another document"),
    ("an unknown format", _with({"type": "string", "format": "hostname"}),
        "format 'hostname' at /properties/x is not supported"),
    ("a recursive $ref", _with({"$ref": "#/$defs/tree"}, **{"$defs": {"tree": {
        "type": "object", "properties": {"kids": {"type": "array", "items": {
            "$ref": "#/$defs/tree"}}}}}}), "is recursive"),
    ("a root keyword", _with({}, minProperties=2), "keyword 'minProperties' at /"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("what", "schema", "message"), UNSUPPORTED, ids=[u[0] for u in UNSUPPORTED]
)
def test_unsupported_keywords_are_a_clear_error(
    tmp_path: Path, what: str, schema: dict[str, Any], message: str
) -> None:
    folder = _folder(tmp_path, schema)
    MessageValidator(folder)  # the schema itself is fine: only the generators refuse it
    for make in (valid_messages, invalid_messages, mutation_catalogue):
        with pytest.raises(UnsupportedSchemaError, match=re.escape(message)):
            make("thing", schemas_dir=folder)


def test_the_unknown_format_error_lists_the_supported_ones(tmp_path: Path) -> None:
    folder = _folder(tmp_path, _with({"type": "string", "format": "ipv4"}))
    with pytest.raises(UnsupportedSchemaError) as info:
        valid_messages("thing", schemas_dir=folder)
    assert all(name in str(info.value) for name in FORMATS)


# --- a copy of the contract, grown by one field -----------------------------------------------

TRACE_ID = {"type": "string", "pattern": "^[0-9a-f]{16}$", "description": "Trace (optional)."}


@pytest.fixture
def grown(tmp_path: Path) -> Path:
    """The v1 schemas and rules, with an optional ``trace_id`` (a new pattern) in BeatFrame."""
    for path in SCHEMAS.glob("*.json"):
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / "beatframe-v1.schema.json"
    schema = json.loads(target.read_text(encoding="utf-8"))
    schema["properties"]["trace_id"] = TRACE_ID
    target.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    return tmp_path


def test_a_new_optional_field_is_generated_with_no_code_change(grown: Path) -> None:
    oracle = MessageValidator(grown)
    strategy = valid_messages("beatframe", schemas_dir=grown)
    with_it = find(strategy, lambda m: "trace_id" in m, settings=REACH)
    assert re.fullmatch("[0-9a-f]{16}", with_it["trace_id"])
    find(strategy, lambda m: "trace_id" not in m, settings=REACH)
    seen: Counter[bool] = Counter()

    @SOME
    @given(strategy)
    def check(message: dict[str, Any]) -> None:
        assert oracle.validate_message(message).valid
        if "trace_id" in message:
            assert re.fullmatch("[0-9a-f]{16}", message["trace_id"])
        seen["trace_id" in message] += 1

    check()
    assert seen[True] and seen[False]


def test_a_new_pattern_is_mutated_with_no_code_change(grown: Path) -> None:
    rules = [info.rule for info in mutation_catalogue("beatframe", schemas_dir=grown)]
    assert {"trace_id.pattern", "trace_id.type"} <= set(rules)
    assert "required.trace_id" not in rules  # optional
    assert "trace_id.pattern" not in {i.rule for i in mutation_catalogue("beatframe")}
    grown_oracle, packaged = MessageValidator(grown), MessageValidator()

    @settings(max_examples=100, deadline=None, database=None)
    @given(invalid_messages("beatframe", rules=["trace_id.pattern"], schemas_dir=grown))
    def check(mutant: Mutant) -> None:
        assert mutant.rule == "trace_id.pattern"
        assert grown_oracle.validate_message_string(mutant.data).rules == {"trace_id.pattern"}
        # the packaged contract does not know trace_id: an unknown field is fine there
        assert packaged.validate_message_string(mutant.data).valid

    check()


def test_the_copied_rules_still_hold_in_the_copy(grown: Path) -> None:
    rules = {info.rule for info in mutation_catalogue("barreport", schemas_dir=grown)}
    assert {"rules.from_beat_le_to_beat", "rules.on_time_reviews_le_agents_reporting"} <= rules


# -- schemas that can match nothing -------------------------------------------------------------

UNSATISFIABLE = [
    ({"type": "number", "minimum": 2, "maximum": 1}, "minimum 2 and maximum 1 leave no number"),
    ({"type": "number", "exclusiveMinimum": 1, "maximum": 1}, "exclusiveMinimum 1 and maximum 1"),
    ({"type": "integer", "minimum": 0.2, "maximum": 0.8}, "no integer lies between minimum 0.2"),
    ({"type": "string", "minLength": 3, "maxLength": 2}, "minLength 3 > maxLength 2"),
    ({"type": "array", "minItems": 2, "maxItems": 1}, "minItems 2 > maxItems 1"),
    ({"allOf": [{"enum": ["a"]}, {"enum": ["b"]}]}, "its enum is empty"),
]


@pytest.mark.parametrize(("node", "why"), UNSATISFIABLE, ids=[w for _, w in UNSATISFIABLE])
def test_a_schema_that_matches_nothing_is_a_clear_error(node: dict[str, Any], why: str) -> None:
    schema = {"type": "object", "properties": {"x": node}}
    with pytest.raises(UnsupportedSchemaError, match=re.escape(why)) as info:
        canonicalise(schema)
    assert str(info.value).startswith("schema at /properties/x can match nothing: ")
    assert str(info.value).endswith("; fix the schema")


def test_bounds_on_strings_are_not_checked_as_numbers() -> None:
    """minimum/maximum say nothing about strings: a string schema with them is satisfiable."""
    canonicalise({"type": "string", "minimum": 2, "maximum": 1})


def test_widget_coverage_lists_hold_every_rule_and_pass_the_oracle(widgets: Path) -> None:
    """Every supported keyword through the coverage phase: each listed mutant breaks its rule,
    each rule has a variant, each valid case is valid."""
    from backbeat_fuzz.strategies import coverage_mutants, coverage_valid

    oracle = MessageValidator(widgets)
    mutants = coverage_mutants("widget", schemas_dir=widgets)
    for mutant in mutants:
        assert mutant.rule in oracle.validate_message_string(mutant.data, kind="widget").rules
    assert {m.rule for m in mutants} >= WIDGET_RULES
    valid = coverage_valid("widget", schemas_dir=widgets)
    assert len(valid) > 30
    for message in valid:
        assert oracle.validate_message(message, kind="widget").valid, message
        assert oracle.validate_message_string(canonical_text(message), kind="widget").valid
    assert coverage_mutants("widget", schemas_dir=widgets) == mutants  # deterministic


@given(st.integers(-40, 40).map(lambda n: n * 0.25))
def test_a_multipleof_mutant_can_stay_inside_the_bounds(value: float) -> None:
    """At either bound, some candidate breaks multipleOf alone (at the maximum both upward
    edits also broke maximum, so the mutant named two rules)."""
    node = WIDGET["properties"]["step"]
    (op,) = violators.violate_multipleOf(node, ("step",), None)  # type: ignore[arg-type]
    inside = [
        e.value
        for e in op.candidates(value, {})
        if node["minimum"] <= e.value <= node["maximum"] and e.value % node["multipleOf"]
    ]
    assert inside, value
