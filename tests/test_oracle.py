"""The oracle's semantics (SchemaOracle, ECMA-262 patterns) and how it names what is broken."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backbeat_fuzz import MessageValidator, SchemaError, Violation, _messages
from backbeat_fuzz.ecma import compile_pattern, search
from backbeat_fuzz.oracle import SchemaOracle, field_name, json_path
from backbeat_fuzz.rulenames import rule_location
from backbeat_fuzz.vocabulary import ASSERTED

FAST = settings(max_examples=60, deadline=None)
HLC = "^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$"

# ---------------------------------------------------------------- ECMA-262 patterns

#: (what, pattern, text, ECMA-262 matches?): each differs from Python's re where noted.
ECMA_CASES: list[tuple[str, str, str, bool]] = [
    ("$ is not before a trailing newline", HLC, "7ffd:0001:abcd\n", False),
    ("the hlc itself", HLC, "7ffd:0001:abcd", True),
    ("\\d is ASCII only: Arabic-Indic 4", r"^\d$", "\u0664", False),
    ("\\d is ASCII only: full-width 1", r"^\d+$", "\uff11\uff12", False),
    ("\\d matches 7", r"^\d$", "7", True),
    ("\\w is ASCII only: e acute", r"^\w+$", "caf\u00e9", False),
    ("\\w is ASCII only: Cyrillic", r"^\w+$", "\u0436", False),
    ("\\s includes U+FEFF", r"^\s$", "\ufeff", True),
    ("\\p{L} is a Unicode property", r"^\p{L}+$", "caf\u00e9", True),
    ("a non-BMP character is one code point", r"^.$", "\U0001f600", True),
    ("search, not match", "b", "abc", True),
]


@pytest.mark.parametrize(
    ("pattern", "text", "matches"), [c[1:] for c in ECMA_CASES], ids=[c[0] for c in ECMA_CASES]
)
def test_ecma_semantics(pattern: str, text: str, matches: bool) -> None:
    assert search(pattern, text) is matches
    assert SchemaOracle({"pattern": pattern}).is_valid(text) is matches


def test_python_re_would_get_the_newline_and_digits_wrong() -> None:
    assert re.search(HLC, "7ffd:0001:abcd\n")
    assert re.search(r"^\d$", "\u0664")


@pytest.mark.parametrize("pattern", ["(?P<n>a)", "a{", "(?i)a", "[z-a]", "\\"])
def test_a_pattern_that_is_not_ecma_is_a_schema_error(pattern: str) -> None:
    with pytest.raises(SchemaError, match=r"pattern=.*is not an ECMA-262 regular expression"):
        compile_pattern(pattern)


def test_patterns_compile_once() -> None:
    assert compile_pattern(HLC) is compile_pattern(HLC)


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [("^.$", "\ud800", True), ("^a$", "a\udc00", False), ("a", "\ud800a", True)],
)
def test_a_lone_surrogate_is_one_code_point_not_a_crash(
    pattern: str, text: str, matches: bool
) -> None:
    assert search(pattern, text) is matches


# ---------------------------------------------------------------- keyword semantics


def test_pattern_properties_match_with_ecma() -> None:
    oracle = SchemaOracle(
        {"patternProperties": {r"^\d+$": {"type": "string"}}, "additionalProperties": False}
    )
    assert oracle.violations({"12": "x"}) == []
    assert oracle.violations({"12": 5}) == [
        Violation("$.12", "12.type", "12 must be a string, not an integer")
    ]
    assert [v.rule for v in oracle.violations({"\u0661": "x"})] == ["root.additionalProperties"]
    assert [v.rule for v in oracle.violations({"1\n": "x"})] == ["root.additionalProperties"]


def test_additional_properties_name_each_unknown_field() -> None:
    oracle = SchemaOracle({"properties": {"a": {}}, "additionalProperties": False})
    assert oracle.violations({"a": 1, "b": 2, "c": 3}) == [
        Violation("$.b", "root.additionalProperties", "unknown field b is not allowed"),
        Violation("$.c", "root.additionalProperties", "unknown field c is not allowed"),
    ]


def test_additional_properties_schema_applies_to_each_unknown_field() -> None:
    oracle = SchemaOracle({"properties": {"a": {}}, "additionalProperties": {"type": "integer"}})
    assert oracle.is_valid({"a": "x", "b": 1})
    assert [v.path for v in oracle.violations({"a": "x", "b": "y"})] == ["$.b"]


def test_required_names_each_missing_field() -> None:
    oracle = SchemaOracle({"required": ["a", "b"], "properties": {"x": {"required": ["c"]}}})
    assert oracle.violations({"x": {}}) == [
        Violation("$.a", "required.a", "a field is required"),
        Violation("$.b", "required.b", "b field is required"),
        Violation("$.x.c", "required.x.c", "x.c field is required"),
    ]


@pytest.mark.parametrize("text", ["2025-09-05", "2025-09-05T12:30:00Z\n", "not a date"])
def test_format_date_time_is_asserted_with_a_hint(text: str) -> None:
    assert SchemaOracle({"format": "date-time"}).violations(text) == [
        Violation(
            "$",
            "root.format",
            "message must be a valid date-time (RFC 3339, e.g. 2025-09-05T12:30:00Z)",
        )
    ]


@pytest.mark.parametrize("fmt", ["date-time", "date", "time", "uuid", "email"])
@pytest.mark.parametrize("instance", [5, 1.5, None, True, [], {}])
def test_formats_ignore_non_strings(fmt: str, instance: Any) -> None:
    assert SchemaOracle({"format": fmt}).is_valid(instance)


@pytest.mark.parametrize("fmt", ["ipv4", "hostname", "uri", "no-such-format"])
def test_other_formats_are_annotations_only(fmt: str) -> None:
    assert SchemaOracle({"format": fmt}).is_valid("certainly not one \n")


def test_x_messages_replace_the_default_message() -> None:
    schema = {"pattern": "^a$", "x-messages": {"pattern": "must be the letter a"}}
    assert SchemaOracle(schema).violations("b") == [
        Violation("$", "root.pattern", "message must be the letter a")
    ]


def test_booleans_are_not_integers_but_integral_floats_are() -> None:
    integer = SchemaOracle({"type": "integer"})
    assert not integer.is_valid(True)
    assert not SchemaOracle({"type": "number"}).is_valid(False)
    assert integer.is_valid(1337.0)
    assert not integer.is_valid(1337.5)


def test_boolean_schemas() -> None:
    assert SchemaOracle(True).is_valid({"anything": [1]})
    assert not SchemaOracle(False).is_valid(None)


# ---------------------------------------------------------------- messages, table-driven

#: (schema, instance, rule, message): the one violation reported.
MESSAGES: list[tuple[dict[str, Any], Any, str, str]] = [
    ({"type": "integer"}, True, "root.type", "message must be an integer, not a boolean"),
    (
        {"type": ["string", "null"]},
        1.5,
        "root.type",
        "message must be a string or null, not a number",
    ),
    (
        {"type": "array"},
        (1,),
        "root.type",
        "message must be an array, not a Python tuple (not a JSON value)",
    ),
    ({"type": "object"}, None, "root.type", "message must be an object, not null"),
    (
        {"const": "backbeat.beatframe.v1"},
        "x",
        "root.const",
        "message must be 'backbeat.beatframe.v1'",
    ),
    (
        {"enum": ["plan", "execute", "review"]},
        "Plan",
        "root.enum",
        "message must be one of: plan, execute, review",
    ),
    ({"minimum": 0.1}, 0, "root.minimum", "message must be at least 0.1"),
    ({"maximum": 10000}, 10001, "root.maximum", "message must be at most 10000"),
    ({"exclusiveMinimum": 0}, 0, "root.exclusiveMinimum", "message must be greater than 0"),
    ({"exclusiveMaximum": 1}, 1, "root.exclusiveMaximum", "message must be less than 1"),
    ({"multipleOf": 0.5}, 0.7, "root.multipleOf", "message must be a multiple of 0.5"),
    ({"minLength": 1}, "", "root.minLength", "message must be at least 1 character long"),
    ({"maxLength": 2}, "abc", "root.maxLength", "message must be at most 2 characters long"),
    ({"minItems": 2}, [1], "root.minItems", "message must have at least 2 items"),
    ({"maxItems": 1}, [1, 2], "root.maxItems", "message must have at most 1 item"),
    (
        {"uniqueItems": True},
        [1, 1],
        "root.uniqueItems",
        "message must not hold the same item twice",
    ),
    (
        {"items": {"pattern": "^[a-z]+$"}},
        ["ok", "No"],
        "[].pattern",
        "[1] must match pattern ^[a-z]+$",
    ),
    (
        {"properties": {"a": False}},
        {"a": [1]},
        "root.None",
        "message is [1], where the schema is false and allows no value",
    ),
    ({"not": {"type": "integer"}}, 3, "root.not", "message must not match {'type': 'integer'}"),
    (
        {"anyOf": [{"type": "string"}, {"type": "null"}]},
        1,
        "root.anyOf",
        "message must match at least one of its 2 anyOf schemas",
    ),
    (
        {"oneOf": [{"type": "string"}]},
        1,
        "root.oneOf",
        "message must match exactly one of its 1 oneOf schema; it matches none",
    ),
    (
        {"oneOf": [{"type": "integer"}, {"type": "string"}, {"minimum": 0}]},
        1,
        "root.oneOf",
        "message must match exactly one of its 3 oneOf schemas; it matches 2: #0, #2",
    ),
    (
        {"prefixItems": [{}], "items": False},
        [1, 2, 3],
        "root.items",
        "message must have at most 1 item, not 3",
    ),
    ({"items": False}, [1], "root.items", "message must have at most 0 items, not 1"),
    (
        {"contains": {"const": 1}},
        [2],
        "root.contains",
        "message must contain at least 1 item matching its contains schema; it has none",
    ),
    (
        {"contains": {"const": 1}, "minContains": 2},
        [1, 2],
        "root.minContains",
        "message must contain at least 2 items matching its contains schema",
    ),
    (
        {"contains": {"const": 1}, "maxContains": 1},
        [1, 1],
        "root.maxContains",
        "message must contain at most 1 item matching its contains schema",
    ),
    (
        {"properties": {"x": {"dependentRequired": {"a": ["b"]}}}},
        {"x": {"a": 1}},
        "x.dependentRequired",
        "x.b field is required when x.a is present",
    ),
    ({"minProperties": 2}, {"a": 1}, "root.minProperties", "message must have at least 2 fields"),
    (
        {"maxProperties": 1},
        {"a": 1, "b": 2},
        "root.maxProperties",
        "message must have at most 1 field",
    ),
    (
        {"propertyNames": {"maxLength": 2}},
        {"abc": 1},
        "root.maxLength",
        "property name 'abc' of message must be at most 2 characters long",
    ),
    (
        {"properties": {"propertyNames": {"type": "string"}}},
        {"propertyNames": 1},
        "propertyNames.type",
        "propertyNames must be a string, not an integer",
    ),
    (
        {"properties": {"a": {}}, "unevaluatedProperties": False},
        {"a": 1, "b": 2},
        "root.unevaluatedProperties",
        "message must have no field beyond those its schema evaluates (unevaluatedProperties"
        " is false)",
    ),
    (
        {"prefixItems": [{}], "unevaluatedItems": False},
        [1, 2],
        "root.unevaluatedItems",
        "message must have no item beyond those its schema evaluates (unevaluatedItems is false)",
    ),
    ({"const": "a" * 80}, "b", "root.const", "message must be '" + "a" * 56 + "..."),
    ({"not": {}}, 10**5000, "root.not", "message must not match {}"),
    (
        {"enum": list(range(10))},
        10,
        "root.enum",
        "message must be one of: 0, 1, 2, 3, 4, 5, 6, 7, ... (2 more)",
    ),
]


@pytest.mark.parametrize("engine", ["auto", "jsonschema"])
@pytest.mark.parametrize(
    ("schema", "instance", "rule", "message"), MESSAGES, ids=[m[3] for m in MESSAGES]
)
def test_message_for_each_keyword(
    schema: dict[str, Any], instance: Any, rule: str, message: str, engine: str
) -> None:
    """One table, whichever engine judges (auto: the compiled one, for the schemas it takes)."""
    [violation] = SchemaOracle(schema, engine=engine).violations(instance)
    assert (violation.rule, violation.message) == (rule, message)


#: Keywords that only lead to subschemas (whose own keywords report), never fail themselves.
APPLICATORS = {
    "$ref",
    "$dynamicRef",
    "allOf",
    "properties",
    "patternProperties",
    "prefixItems",
    "dependentSchemas",
    "propertyNames",
    "if",
}


def test_every_keyword_that_fails_on_its_own_has_a_line_in_the_table() -> None:
    assert set(_messages.MESSAGES) >= ASSERTED - APPLICATORS
    assert set(_messages.MESSAGES) <= ASSERTED | {"None", "minContains", "maxContains"}
    covered = {rule.rsplit(".", 1)[1] for _, _, rule, _ in MESSAGES}
    covered |= {"required", "additionalProperties", "format"}  # tested above, one each
    assert set(_messages.MESSAGES) <= covered


#: jsonschema's own wordings: none reaches a user.
JSONSCHEMA_TEXTS = re.compile(
    r"False schema|is not valid under|should not be valid|is valid under each|Expected at most"
    r"|is a dependency of|Unevaluated|does not contain|Too (few|many)|is not one of"
    r"|was expected|is a required property|is too (long|short)|does not match"
)


@FAST
@given(st.data())
def test_no_message_is_jsonschemas(data: st.DataObject) -> None:
    schema, instance, _, _ = data.draw(st.sampled_from(MESSAGES))
    for engine in ("auto", "jsonschema"):
        for violation in SchemaOracle(schema, engine=engine).violations(instance):
            assert not JSONSCHEMA_TEXTS.search(violation.message), violation


@pytest.mark.parametrize(
    ("path", "rule", "json", "field"),
    [
        ([], "root", "$", "message"),
        (["hlc"], "hlc", "$.hlc", "hlc"),
        (["issues", 0, "code"], "issues[].code", "$.issues[0].code", "issues[0].code"),
        ([3, 1], "[][]", "$[3][1]", "[3][1]"),
    ],
)
def test_path_renderings(path: list[str | int], rule: str, json: str, field: str) -> None:
    assert (rule_location(path), json_path(path), field_name(path)) == (rule, json, field)


def test_violation_reads_as_one_line() -> None:
    violation = Violation("$.hlc", "hlc.pattern", "hlc must match pattern XXXX:XXXX:XXXX")
    assert str(violation) == "$.hlc: hlc must match pattern XXXX:XXXX:XXXX [hlc.pattern]"


def test_violations_come_in_path_order() -> None:
    oracle = SchemaOracle({"properties": {k: {"type": "string"} for k in "cab"}})
    assert [v.path for v in oracle.violations({"c": 1, "a": 1, "b": 1})] == ["$.a", "$.b", "$.c"]


# ---------------------------------------------------------------- never a crash

HUGE = 10**5000  # over Python's 4300-digit limit for int -> str


#: (schema, instance, valid): pytest ids are the schemas, since the instances cannot print.
HUGE_CASES: list[tuple[Any, Any, bool]] = [
    ({"maximum": 5}, HUGE, False),
    ({"minimum": 5}, -HUGE, False),
    ({"type": "string"}, HUGE, False),
    ({"const": 1}, HUGE, False),
    ({"enum": [1, 2]}, HUGE, False),
    ({"not": {}}, HUGE, False),
    ({"items": False}, [HUGE], False),
    ({"uniqueItems": True}, [HUGE, HUGE], False),
    ({"multipleOf": 0.5}, HUGE, True),
    ({"multipleOf": 3}, HUGE, False),
    ({"multipleOf": 0.3}, HUGE, False),
    ({"properties": {"n": {"type": "integer"}}}, {"n": HUGE}, True),
]


@pytest.mark.parametrize(
    ("schema", "instance", "valid"), HUGE_CASES, ids=[str(c[0]) for c in HUGE_CASES]
)
def test_huge_integers_are_judged_not_crashed_on(schema: Any, instance: Any, valid: bool) -> None:
    oracle = SchemaOracle(schema)
    assert oracle.is_valid(instance) is valid
    assert (oracle.violations(instance) == []) is valid


@pytest.mark.parametrize("engine", ["auto", "jsonschema"])
def test_a_huge_integer_is_shown_by_its_size(engine: str) -> None:
    [violation] = SchemaOracle({"properties": {"a": False}}, engine=engine).violations({"a": HUGE})
    assert violation.message == (
        "message is <an integer of 5001 digits>, where the schema is false and allows no value"
    )


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_multiples_of_nothing(value: float) -> None:
    assert not SchemaOracle({"multipleOf": 0.5}).is_valid(value)
    assert not SchemaOracle({"multipleOf": 2}).is_valid(value)


# ---------------------------------------------------------------- is_valid agrees with violations

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@FAST
@given(st.data())
def test_is_valid_agrees_with_violations(validator: MessageValidator, data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(list(validator.contract)))
    message = dict(kind.schema["examples"][0])
    field = data.draw(st.sampled_from([*message, "extra"]))
    message[field] = data.draw(JSON_VALUES)
    oracle = SchemaOracle(kind.schema)
    assert oracle.is_valid(message) == (oracle.violations(message) == [])
