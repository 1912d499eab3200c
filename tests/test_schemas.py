"""Contract facts of the v1 schemas and rules: what the BACKBEAT contract says, checked."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from backbeat_fuzz import MessageValidator, load_contract
from backbeat_fuzz.ecma import compile_pattern

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
SCHEMA_FILES = sorted(SCHEMAS.glob("*.schema.json"))
KINDS = ["barreport", "beatframe", "statusclaim"]
Messages = dict[str, dict[str, Any]]

#: The contract's required fields (the seed README's INT-A/B/C messages).
REQUIRED = {
    "beatframe": {
        "type", "cluster_id", "beat_index", "downbeat", "phase",
        "hlc", "deadline_at", "tempo_bpm", "window_id",
    },
    "statusclaim": {"type", "agent_id", "beat_index", "state", "hlc"},
    "barreport": {
        "type", "window_id", "from_beat", "to_beat", "agents_reporting", "on_time_reviews",
        "help_promises_fulfilled", "secret_rotations_ok", "tempo_drift_ms", "issues",
    },
}  # fmt: skip
OPTIONAL = {
    "beatframe": set(),
    "statusclaim": {"task_id", "beats_left", "progress", "notes"},
    "barreport": set(),
}


def _schema(kind: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{kind}-v1.schema.json").read_text(encoding="utf-8"))


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """*node* merged with the local ``$defs`` entry it ``$ref``s, if any."""
    ref = node.get("$ref")
    if ref is None:
        return node
    target = schema["$defs"][ref.removeprefix("#/$defs/")]
    return {**target, **{k: v for k, v in node.items() if k != "$ref"}}


def _properties(node: dict[str, Any], where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (location, property schema) in *node*, nested objects and ``$defs`` included."""
    for name, prop in node.get("properties", {}).items():
        yield f"{where}/properties/{name}", prop
        yield from _properties(prop, f"{where}/properties/{name}")
    for name, definition in node.get("$defs", {}).items():
        yield from _properties(definition, f"{where}/$defs/{name}")
    if isinstance(node.get("items"), dict):
        yield from _properties(node["items"], f"{where}/items")


# ---------------------------------------------------------------- each schema document


def test_the_three_schemas_are_there() -> None:
    assert [p.name for p in SCHEMA_FILES] == [f"{k}-v1.schema.json" for k in KINDS]


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_a_valid_draft_2020_12_schema(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("kind", KINDS)
def test_identity_and_documentation(kind: str) -> None:
    schema = _schema(kind)
    assert schema["$id"] == f"https://chorus.services/backbeat/schemas/{kind}-v1.schema.json"
    assert schema["title"].startswith("BACKBEAT ")
    assert schema["description"]
    assert re.fullmatch(r"1\.\d+\.\d+", schema["x-version"])
    assert schema["properties"]["type"]["const"] == f"backbeat.{kind}.v1"


@pytest.mark.parametrize("kind", KINDS)
def test_every_property_has_a_description(kind: str) -> None:
    found = list(_properties(_schema(kind), ""))
    assert len(found) >= 9
    assert [where for where, prop in found if not prop.get("description")] == []


@pytest.mark.parametrize("kind", KINDS)
def test_every_pattern_is_ecma_262(kind: str) -> None:
    text = (SCHEMAS / f"{kind}-v1.schema.json").read_text(encoding="utf-8")
    patterns = re.findall(r'"pattern":\s*("(?:[^"\\]|\\.)*")', text)
    assert patterns
    for pattern in patterns:
        compile_pattern(json.loads(pattern))


@pytest.mark.parametrize("kind", KINDS)
def test_examples_validate(validator: MessageValidator, kind: str) -> None:
    examples = _schema(kind)["examples"]
    assert examples
    for example in examples:
        assert validator.validate_message(example).errors == ()


def test_readme_messages_are_the_schema_examples(readme_messages: Messages) -> None:
    assert sorted(readme_messages) == KINDS
    assert readme_messages["beatframe"]["hlc"] == "7ffd:0001:abcd"
    assert readme_messages["statusclaim"]["hlc"] == "7ffd:0001:beef"
    assert readme_messages["barreport"]["window_id"] == "7e9b0e6c4c9a4e59b7f2d9a3c1b2e4d5"


# ---------------------------------------------------------------- required and optional fields


@pytest.mark.parametrize("kind", KINDS)
def test_required_fields_are_as_the_contract_says(kind: str) -> None:
    schema = _schema(kind)
    assert set(schema["required"]) == REQUIRED[kind]
    assert set(schema["properties"]) == REQUIRED[kind] | OPTIONAL[kind]


@pytest.mark.parametrize(("kind", "field"), [(k, f) for k in KINDS for f in sorted(REQUIRED[k])])
def test_dropping_a_required_field_is_named(
    validator: MessageValidator, readme_messages: Messages, kind: str, field: str
) -> None:
    message = readme_messages[kind]
    del message[field]
    result = validator.validate_message(message, kind=kind)
    assert [e.rule for e in result.errors] == [f"required.{field}"]
    assert result.errors[0].message == f"{field} field is required"


@pytest.mark.parametrize("field", sorted(OPTIONAL["statusclaim"]))
def test_statusclaim_optional_fields(
    validator: MessageValidator, readme_messages: Messages, field: str
) -> None:
    message = readme_messages["statusclaim"]
    assert field in message
    del message[field]
    assert validator.validate_message(message).valid


# ---------------------------------------------------------------- types


def _numeric_fields(kind: str) -> list[tuple[str, str]]:
    schema = _schema(kind)
    resolved = {name: _resolve(schema, prop) for name, prop in schema["properties"].items()}
    return [
        (name, p["type"]) for name, p in resolved.items() if p.get("type") in ("integer", "number")
    ]


NUMERIC = [(kind, name, t) for kind in KINDS for name, t in _numeric_fields(kind)]


def test_numeric_fields_found() -> None:
    assert len(NUMERIC) == 11  # barreport 6, beatframe 2, statusclaim 3


@pytest.mark.parametrize("boolean", [True, False])
@pytest.mark.parametrize(("kind", "field", "json_type"), NUMERIC)
def test_booleans_are_not_numbers(
    validator: MessageValidator,
    readme_messages: Messages,
    kind: str,
    field: str,
    json_type: str,
    boolean: bool,
) -> None:
    result = validator.validate_message({**readme_messages[kind], field: boolean})
    [error] = [e for e in result.errors if not e.rule.startswith("rules.")]
    assert error.rule == f"{field}.type"
    assert (
        f"{field} must be {'an integer' if json_type == 'integer' else 'a number'}, not a boolean"
        == error.message
    )


@pytest.mark.parametrize(("kind", "field"), [(k, f) for k, f, t in NUMERIC if t == "integer"])
def test_an_integral_float_is_an_integer(
    validator: MessageValidator, readme_messages: Messages, kind: str, field: str
) -> None:
    message = readme_messages[kind]
    message[field] = float(message[field])
    assert validator.validate_message(message).valid
    message[field] += 0.5
    assert validator.validate_message(message).rules == {f"{field}.type"}


def test_beat_index_1337_0_from_text_is_valid(
    validator: MessageValidator, readme_messages: Messages
) -> None:
    text = json.dumps(readme_messages["beatframe"]).replace(
        '"beat_index": 1337', '"beat_index": 1337.0'
    )
    assert "1337.0" in text
    assert validator.validate_message_string(text).valid


# ---------------------------------------------------------------- cross-field rules

RULE_IDS = ["from_beat_le_to_beat", "on_time_reviews_le_agents_reporting"]


def test_rules_file_holds_the_two_rules() -> None:
    document = json.loads((SCHEMAS / "rules-v1.json").read_text(encoding="utf-8"))
    assert [rule["id"] for rule in document["rules"]] == RULE_IDS
    barreport = load_contract(SCHEMAS).kinds["barreport"]
    assert [rule.id for rule in barreport.rules] == RULE_IDS
    assert [(r.left, r.op, r.right) for r in barreport.rules] == [
        ("from_beat", "<=", "to_beat"),
        ("on_time_reviews", "<=", "agents_reporting"),
    ]
    assert load_contract(SCHEMAS).kinds["beatframe"].rules == ()


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_each_rule_is_enforced_at_its_boundary(
    validator: MessageValidator, readme_messages: Messages, rule_id: str
) -> None:
    [rule] = [r for r in validator.contract.kinds["barreport"].rules if r.id == rule_id]
    message = readme_messages["barreport"]
    message[rule.left] = message[rule.right]
    assert validator.validate_message(message).valid
    message[rule.left] = message[rule.right] + 1
    assert validator.validate_message(message).rules == {f"rules.{rule_id}"}


# ---------------------------------------------------------------- package data


def test_schemas_ship_as_package_data() -> None:
    packaged = resources.files("backbeat_fuzz.schemas")
    names = sorted(p.name for p in packaged.iterdir() if p.name.endswith(".json"))
    assert names == sorted(p.name for p in SCHEMAS.glob("*.json"))
    for name in names:
        assert packaged.joinpath(name).read_bytes() == (SCHEMAS / name).read_bytes()
