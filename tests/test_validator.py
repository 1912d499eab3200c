"""MessageValidator: the library API, the README's troubleshooting messages, schemas folders."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backbeat_fuzz import MessageValidator, SchemaError, UsageError, ValidationResult, Violation
from backbeat_fuzz.contract import packaged_schemas_dir
from backbeat_fuzz.jsontext import JSON_RULES
from backbeat_fuzz.rules import CrossFieldRule

FAST = settings(max_examples=60, deadline=None)
Messages = dict[str, dict[str, Any]]
KNOWN_TYPES = ["backbeat.barreport.v1", "backbeat.beatframe.v1", "backbeat.statusclaim.v1"]


# ---------------------------------------------------------------- the README examples


@pytest.mark.parametrize("kind", ["beatframe", "statusclaim", "barreport"])
def test_readme_messages_are_valid(
    validator: MessageValidator, readme_messages: Messages, kind: str
) -> None:
    message = readme_messages[kind]
    result = validator.validate_message(message)
    assert result == ValidationResult(True, f"backbeat.{kind}.v1", ())
    assert validator.validate_message_string(json.dumps(message)) == result


# ---------------------------------------------------------------- troubleshooting, verbatim

#: The seed README's troubleshooting table, verbatim: each must appear in Violation.message.
SEED = {
    "type": "type field is required",
    "hlc": "hlc must match pattern XXXX:XXXX:XXXX",
    "window_id": "window_id must be exactly 32 hex characters",
    "phase": "phase must be one of: plan, execute, review",
    "tempo_bpm": "tempo_bpm must be at least 0.1",
}

#: (kind, field, new value or DELETE, rule): the one violation has this rule and SEED[field].
DELETE = object()
TROUBLESHOOTING: list[tuple[str, str, Any, str]] = [
    ("beatframe", "type", DELETE, "required.type"),
    ("statusclaim", "type", DELETE, "required.type"),
    ("barreport", "type", DELETE, "required.type"),
    ("beatframe", "hlc", "7ffd:0001:abcd\n", "hlc.pattern"),
    ("beatframe", "hlc", "7ffd-0001-abcd", "hlc.pattern"),
    ("statusclaim", "hlc", "7ffd:001:beef", "hlc.pattern"),
    ("beatframe", "window_id", "7e9b0e6c", "window_id.pattern"),
    ("barreport", "window_id", "7e9b0e6c4c9a4e59b7f2d9a3c1b2e4dZ", "window_id.pattern"),
    ("beatframe", "phase", "Execute", "phase.enum"),
    ("beatframe", "tempo_bpm", 0.05, "tempo_bpm.minimum"),
    ("beatframe", "tempo_bpm", 0, "tempo_bpm.minimum"),
]


@pytest.mark.parametrize(
    ("kind", "field", "value", "rule"),
    TROUBLESHOOTING,
    ids=[f"{k}-{r}-{'missing' if v is DELETE else repr(v)}" for k, _, v, r in TROUBLESHOOTING],
)
def test_troubleshooting_message(
    validator: MessageValidator,
    readme_messages: Messages,
    kind: str,
    field: str,
    value: Any,
    rule: str,
) -> None:
    message = readme_messages[kind]
    if value is DELETE:
        del message[field]
    else:
        message[field] = value
    for result in (
        validator.validate_message(message),
        validator.validate_message_string(json.dumps(message)),
    ):
        [error] = result.errors
        assert not result.valid
        assert (error.path, error.rule) == (f"$.{field}", rule)
        assert SEED[field] in error.message


@pytest.mark.parametrize("value", ["backbeat.beatframe.v2", "BACKBEAT.BEATFRAME.V1", "", 5, None])
def test_unknown_type_names_the_known_types(
    validator: MessageValidator, readme_messages: Messages, value: Any
) -> None:
    result = validator.validate_message({**readme_messages["beatframe"], "type": value})
    [error] = result.errors
    assert (result.valid, result.message_type) == (False, None)
    assert (error.path, error.rule) == ("$.type", "type.const")
    assert f"type {value!r} is unknown" in error.message
    assert all(known in error.message for known in KNOWN_TYPES)


@pytest.mark.parametrize(
    ("root", "kind"),
    [
        ([], "an array"),
        ("message", "a string"),
        (1337, "an integer"),
        (None, "null"),
        (True, "a boolean"),
    ],
)
def test_a_message_must_be_an_object(validator: MessageValidator, root: Any, kind: str) -> None:
    """Worded as the schema's own root ``type`` is, when the kind is told (one rule, one text)."""
    result = validator.validate_message_string(json.dumps(root))
    expected = Violation("$", "root.type", f"message must be an object, not {kind}")
    assert result.errors == (expected,)
    assert validator.validate_message(root, kind="beatframe").errors == (expected,)


# ---------------------------------------------------------------- kind=


def test_kind_overrides_the_type_field(
    validator: MessageValidator, readme_messages: Messages
) -> None:
    result = validator.validate_message(readme_messages["beatframe"], kind="statusclaim")
    assert result.message_type == "backbeat.statusclaim.v1"
    assert {"type.const", "required.agent_id", "required.state"} <= result.rules


@pytest.mark.parametrize("kind", ["beatframe", "BeatFrame", " beatframe ", "backbeat.beatframe.v1"])
def test_kind_by_short_name_or_type(
    validator: MessageValidator, readme_messages: Messages, kind: str
) -> None:
    message = readme_messages["beatframe"]
    del message["type"]
    result = validator.validate_message(message, kind=kind)
    assert result.message_type == "backbeat.beatframe.v1"
    assert result.rules == {"required.type"}


def test_unknown_kind_is_a_usage_error_with_a_suggestion(validator: MessageValidator) -> None:
    with pytest.raises(
        UsageError, match=r"unknown message kind 'beatfram'.*Did you mean 'beatframe'\?"
    ):
        validator.validate_message({}, kind="beatfram")


def test_kind_is_reported_for_unparseable_text(validator: MessageValidator) -> None:
    result = validator.validate_message_string("{", kind="barreport")
    assert (result.message_type, result.rules) == ("backbeat.barreport.v1", {"json.syntax"})


# ---------------------------------------------------------------- strings, bytes and files


BF_TYPE = "backbeat.beatframe.v1"


@pytest.mark.parametrize(
    ("data", "rule", "declared"),
    [
        ('{"type": "backbeat.beatframe.v1", "tempo_bpm": NaN}', "json.nan", BF_TYPE),
        (b'\xef\xbb\xbf{"type": "backbeat.beatframe.v1"}', "json.bom", BF_TYPE),
        (b'{"type": "backbeat.beatframe.v1", "cluster_id": "\xff"}', "json.invalid_utf8", BF_TYPE),
        ('{"type": "a", "type": "b"}', "json.duplicate_key", None),
        (
            '{"type": "backbeat.beatframe.v1", "type": "backbeat.beatframe.v1"}',
            "json.duplicate_key",
            BF_TYPE,
        ),
        (
            '{"type": "backbeat.beatframe.v1", "type": "backbeat.barreport.v1"}',
            "json.duplicate_key",
            None,
        ),
        ('{"type": "backbeat.beatframe.v1", "hlc": "7ffd', "json.syntax", BF_TYPE),
        ('{"type": "backbeat.beatframe.v1"} trailing', "json.trailing_data", BF_TYPE),
        ('{"type": "backbeat.nope.v1", "a": NaN}', "json.nan", None),
        ('{"a": {"type": "backbeat.beatframe.v1"}, "b": NaN}', "json.nan", None),
        ("", "json.empty", None),
        ('{"tempo_drift_ms": ' + "1" * 5000 + "}", "json.number_overflow", None),
    ],
)
def test_text_errors_are_one_violation_at_the_root(
    validator: MessageValidator, data: str | bytes, rule: str, declared: str | None
) -> None:
    """A text that is not strict JSON still names the known type it declares (issue 10)."""
    result = validator.validate_message_string(data)
    assert (result.valid, result.message_type) == (False, declared)
    [error] = result.errors
    assert (error.path, error.rule) == ("$", rule)


def test_str_and_bytes_get_the_same_result(
    validator: MessageValidator, readme_messages: Messages
) -> None:
    text = json.dumps(readme_messages["statusclaim"], ensure_ascii=False)
    assert validator.validate_message_string(text) == validator.validate_message_string(
        text.encode()
    )


def test_validate_file(
    validator: MessageValidator, readme_messages: Messages, tmp_path: Path
) -> None:
    path = tmp_path / "barreport.json"
    path.write_text(json.dumps(readme_messages["barreport"]), encoding="utf-8")
    for where in (path, str(path)):
        result = validator.validate_file(where)
        assert (result.valid, result.message_type, result.source) == (
            True,
            "backbeat.barreport.v1",
            str(path),
        )
        assert result.to_dict() == {
            "source": {"file": str(path), "line": None},  # as backbeat-validate --json has it
            "valid": True,
            "message_type": "backbeat.barreport.v1",
            "errors": [],
        }


def test_validate_file_reports_text_errors(validator: MessageValidator, tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b'\xef\xbb\xbf{"type": "backbeat.beatframe.v1"}')
    assert validator.validate_file(path).rules == {"json.bom"}


def test_validate_file_of_a_missing_file_raises_oserror(
    validator: MessageValidator, tmp_path: Path
) -> None:
    with pytest.raises(FileNotFoundError):
        validator.validate_file(tmp_path / "absent.json")


def test_result_to_dict_lists_errors(validator: MessageValidator) -> None:
    result = validator.validate_message({"type": "backbeat.statusclaim.v1"})
    as_dict = result.to_dict()
    assert as_dict["valid"] is False
    assert {"path": "$.hlc", "rule": "required.hlc", "message": "hlc field is required"} in as_dict[
        "errors"
    ]
    assert "source" not in as_dict


# ---------------------------------------------------------------- cross-field rules


@pytest.mark.parametrize(
    ("changes", "rules"),
    [
        ({"from_beat": 360, "to_beat": 359}, {"rules.from_beat_le_to_beat"}),
        (
            {"on_time_reviews": 979, "agents_reporting": 978},
            {"rules.on_time_reviews_le_agents_reporting"},
        ),
        ({"from_beat": 359, "to_beat": 359, "on_time_reviews": 978}, set()),
        (
            {"from_beat": 400, "on_time_reviews": 1000},
            {"rules.from_beat_le_to_beat", "rules.on_time_reviews_le_agents_reporting"},
        ),
        ({"from_beat": "400"}, {"from_beat.type"}),
        ({"to_beat": True}, {"to_beat.type"}),
    ],
)
def test_cross_field_rules(
    validator: MessageValidator, readme_messages: Messages, changes: dict[str, Any], rules: set[str]
) -> None:
    result = validator.validate_message({**readme_messages["barreport"], **changes})
    assert result.rules == rules
    assert result.valid is not rules


def test_a_cross_field_violation_explains_itself(
    validator: MessageValidator, readme_messages: Messages
) -> None:
    result = validator.validate_message({**readme_messages["barreport"], "from_beat": 400})
    assert result.errors == (
        Violation("$", "rules.from_beat_le_to_beat", "from_beat (400) must be <= to_beat (359)"),
    )


def test_a_rule_explains_a_huge_integer_by_its_size() -> None:
    rule = CrossFieldRule("r", "t", "a", "<=", "b", "")
    assert rule.explain({"a": 10**5000, "b": 1}) == "a (an integer of 5001 digits) must be <= b (1)"


# ---------------------------------------------------------------- values JSON cannot hold


@pytest.mark.parametrize(
    ("field", "value", "rule", "text"),
    [
        ("tempo_bpm", math.nan, "json.nan", "tempo_bpm is NaN"),
        ("tempo_bpm", math.inf, "json.infinity", "tempo_bpm is Infinity"),
        ("tempo_bpm", -math.inf, "json.infinity", "tempo_bpm is -Infinity"),
        ("beat_index", 10**5000, "json.number_overflow", "beat_index is an integer too large"),
        (
            "cluster_id",
            "chorus\ud800",
            "json.lone_surrogate",
            "cluster_id holds an unpaired surrogate",
        ),
        ("extra", {"deep": [1, math.nan]}, "json.nan", "extra.deep[1] is NaN"),
    ],
    ids=["nan", "infinity", "minus-infinity", "huge-integer", "lone-surrogate", "nested-nan"],
)
def test_python_values_json_cannot_hold_get_their_text_rule(
    validator: MessageValidator,
    readme_messages: Messages,
    field: str,
    value: Any,
    rule: str,
    text: str,
) -> None:
    result = validator.validate_message({**readme_messages["beatframe"], field: value})
    [error] = result.errors
    assert (result.valid, error.rule) == (False, rule)
    assert text in error.message


def test_a_key_with_a_lone_surrogate_is_named(
    validator: MessageValidator, readme_messages: Messages
) -> None:
    result = validator.validate_message({**readme_messages["statusclaim"], "x\udc00": 1})
    assert result.errors == (
        Violation(
            "$",
            "json.lone_surrogate",
            "a key in message holds an unpaired surrogate, which I-JSON forbids",
        ),
    )


# ---------------------------------------------------------------- schemas folders


def test_the_packaged_schemas_are_the_default(validator: MessageValidator) -> None:
    assert validator.contract.source == packaged_schemas_dir().resolve()
    assert sorted(validator.contract.message_types) == KNOWN_TYPES


def test_a_schemas_folder_argument(tmp_path: Path, readme_messages: Messages) -> None:
    folder = tmp_path / "schemas"
    shutil.copytree(
        packaged_schemas_dir(), folder, ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    (folder / "barreport-v1.schema.json").unlink()
    validator = MessageValidator(folder)
    assert sorted(validator.contract.kinds) == ["beatframe", "statusclaim"]
    assert validator.validate_message(readme_messages["beatframe"]).valid
    assert validator.validate_message(readme_messages["barreport"]).rules == {"type.const"}


def _one_schema_folder(tmp_path: Path, text: str) -> Path:
    (tmp_path / "thing-v1.schema.json").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda p: p / "absent", "does not exist or is not a folder"),
        (lambda p: p, "holds no \\*.schema.json file"),
        (
            lambda p: _one_schema_folder(p, '{"type": "nonsense"}'),
            "is not a valid draft 2020-12 schema at type",
        ),
        (
            lambda p: _one_schema_folder(p, '{"pattern": "(?i)a"}'),
            "schema.json at pattern: pattern=.* is not an ECMA-262 regular expression",
        ),
        (lambda p: _one_schema_folder(p, '{"type": '), "is not valid JSON"),
        (lambda p: _one_schema_folder(p, "[]"), "is not a JSON Schema object"),
    ],
    ids=["missing", "empty", "invalid-schema", "python-only-regex", "not-json", "not-an-object"],
)
def test_a_bad_schemas_folder_is_a_one_line_schema_error(
    tmp_path: Path, make: Any, match: str
) -> None:
    with pytest.raises(SchemaError, match=match) as caught:
        MessageValidator(make(tmp_path))
    assert "\n" not in str(caught.value)


def test_a_bad_rules_file_is_a_schema_error(tmp_path: Path) -> None:
    _one_schema_folder(tmp_path, '{"properties": {"type": {"const": "a.thing.v1"}}}')
    (tmp_path / "rules-v1.json").write_text(
        '{"rules": [{"id": "x", "op": "<~"}]}', encoding="utf-8"
    )
    with pytest.raises(SchemaError, match="op='<~' is unknown"):
        MessageValidator(tmp_path)


def test_an_ecma_only_pattern_loads_and_matches(tmp_path: Path) -> None:
    schema = {
        "properties": {"type": {"const": "a.thing.v1"}, "name": {"pattern": "^\\p{L}+$"}},
    }
    validator = MessageValidator(_one_schema_folder(tmp_path, json.dumps(schema)))
    assert validator.validate_message({"type": "a.thing.v1", "name": "Zoë"}).valid
    assert validator.validate_message({"type": "a.thing.v1", "name": "Zoë1"}).rules == {
        "name.pattern"
    }


# ---------------------------------------------------------------- properties

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _edited(validator: MessageValidator, data: st.DataObject) -> dict[str, Any]:
    kind = data.draw(st.sampled_from(list(validator.contract)))
    message = dict(kind.schema["examples"][0])
    field = data.draw(st.sampled_from([*message, "x_extra"]))
    message[field] = data.draw(JSON_VALUES)
    return message


@FAST
@given(st.data())
def test_object_and_text_get_the_same_verdict(
    validator: MessageValidator, data: st.DataObject
) -> None:
    message = _edited(validator, data)
    result = validator.validate_message(message)
    assert validator.validate_message_string(json.dumps(message)) == result
    assert result.valid == (not result.errors)


@FAST
@given(st.data())
def test_an_unknown_extra_field_is_allowed(
    validator: MessageValidator, data: st.DataObject
) -> None:
    kind = data.draw(st.sampled_from(list(validator.contract)))
    message = {**kind.schema["examples"][0], "x_extra": data.draw(JSON_VALUES)}
    assert validator.validate_message(message).valid


@FAST
@given(st.data(), st.sampled_from([math.nan, math.inf, -math.inf]))
def test_non_finite_numbers_get_the_rule_their_text_would(
    validator: MessageValidator, data: st.DataObject, bad: float
) -> None:
    message = _edited(validator, data)
    message[data.draw(st.sampled_from(list(message)))] = bad
    from_object = validator.validate_message(message)
    from_text = validator.validate_message_string(json.dumps(message))
    assert (
        from_object.rules == from_text.rules == {"json.nan" if math.isnan(bad) else "json.infinity"}
    )


@FAST
@given(st.text() | st.binary())
def test_any_input_gets_a_verdict_never_a_crash(
    validator: MessageValidator, data: str | bytes
) -> None:
    result = validator.validate_message_string(data)
    assert result.valid == (not result.errors)
    assert all(e.rule in JSON_RULES for e in result.errors if e.rule.startswith("json."))
