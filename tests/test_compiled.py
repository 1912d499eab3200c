"""The compiled engine judges exactly as the reference (jsonschema) engine does.

Equivalence is shown four ways: the official JSON-Schema-Test-Suite (every case whose schema
compiles), generated BACKBEAT messages and mutants, the examples folder, and random schemas of
the covered keywords; plus tables for what compiles, what is refused, and the quirks kept.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _suite import DRAFT, SKIPS, SuiteTest
from _suite import tests as suite_tests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from backbeat_fuzz import (
    MessageValidator,
    UnsupportedSchemaError,
    UsageError,
    Violation,
    _keywords,
    _nodes,
    oracle,
)
from backbeat_fuzz.jsontext import JsonTextError, parse
from backbeat_fuzz.model import Mutant
from backbeat_fuzz.oracle import SchemaOracle
from backbeat_fuzz.strategies import invalid_messages, valid_messages
from backbeat_fuzz.vocabulary import ASSERTED

KINDS = ["beatframe", "statusclaim", "barreport"]
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HUGE = 10**5000  # over Python's 4300-digit limit for int -> str


def _engines(schema: Any) -> tuple[SchemaOracle, SchemaOracle]:
    """The compiled engine (which must take *schema*) and the reference engine."""
    fast = SchemaOracle(schema, engine="compiled")
    assert fast.engine == "compiled"
    return fast, SchemaOracle(schema, engine="jsonschema")


def _assert_same(fast: SchemaOracle, reference: SchemaOracle, instance: Any) -> list[Violation]:
    """Both engines give the same verdict and break the same rules at the same places, in the
    same order; and, speaking through one message table, say it in the same words."""
    violations = reference.violations(instance)
    found = fast.violations(instance)
    assert [(v.path, v.rule) for v in found] == [(v.path, v.rule) for v in violations]
    assert fast.is_valid(instance) is reference.is_valid(instance) is (violations == [])
    assert [v.message for v in found] == [v.message for v in violations], "two wordings"
    return violations


# ---------------------------------------------------------------- the official test suite


def _compiles(schema: Any) -> bool:
    return SchemaOracle(schema).engine == "compiled"


def _compiled_suite_tests() -> list[SuiteTest]:
    if not DRAFT.is_dir():
        return []
    return [t for t in suite_tests() if (t.file, t.case) not in SKIPS and _compiles(t.schema)]


COMPILED_SUITE = _compiled_suite_tests()


@pytest.mark.parametrize("test", COMPILED_SUITE, ids=[t.id for t in COMPILED_SUITE])
def test_suite_case_compiled(test: SuiteTest) -> None:
    fast, reference = _engines(test.schema)
    assert fast.is_valid(test.data) is test.valid
    _assert_same(fast, reference, test.data)


#: Suite files whose every (unskipped) case uses only compiled keywords: all must compile.
FULLY_COMPILED_FILES = [
    "allOf.json",
    "anyOf.json",
    "boolean_schema.json",
    "const.json",
    "enum.json",
    "exclusiveMaximum.json",
    "exclusiveMinimum.json",
    "format.json",
    "maxItems.json",
    "maxLength.json",
    "maximum.json",
    "minItems.json",
    "minLength.json",
    "minimum.json",
    "multipleOf.json",
    "oneOf.json",
    "pattern.json",
    "prefixItems.json",
    "required.json",
    "type.json",
    "uniqueItems.json",
    "optional/bignum.json",
    "optional/float-overflow.json",
    "optional/format/date-time.json",
    "optional/format/date.json",
    "optional/format/email.json",
    "optional/format/time.json",
    "optional/format/uuid.json",
]


def test_the_covered_part_of_the_suite_compiles() -> None:
    if not DRAFT.is_dir():
        pytest.skip("the suite is missing (test_suite_conformance.py says so)")
    left = [
        t.id
        for t in suite_tests()
        if t.file in FULLY_COMPILED_FILES and (t.file, t.case) not in SKIPS
        if not _compiles(t.schema)
    ]
    assert left == []
    assert len(COMPILED_SUITE) >= 1000


# ---------------------------------------------------------------- BACKBEAT messages

MESSAGES = settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


@pytest.fixture(scope="module")
def engines(validator: MessageValidator) -> dict[str, tuple[SchemaOracle, SchemaOracle]]:
    """Kind short name -> (compiled engine, reference engine) of its schema."""
    return {kind.name: _engines(kind.schema) for kind in validator.contract}


@pytest.mark.parametrize("kind", KINDS)
def test_generated_valid_messages(
    engines: dict[str, tuple[SchemaOracle, SchemaOracle]], kind: str
) -> None:
    fast, reference = engines[kind]

    @MESSAGES
    @given(valid_messages(kind))
    def check(message: dict[str, Any]) -> None:
        assert _assert_same(fast, reference, message) == []

    check()


@pytest.mark.parametrize("kind", KINDS)
def test_generated_mutants(
    engines: dict[str, tuple[SchemaOracle, SchemaOracle]], kind: str
) -> None:
    fast, reference = engines[kind]
    judged: list[str] = []

    @settings(MESSAGES, max_examples=500)
    @given(invalid_messages(kind))
    def check(mutant: Mutant) -> None:
        try:
            message = parse(mutant.data)
        except JsonTextError:  # a mutant of the JSON text itself: no schema to ask
            return
        if _assert_same(fast, reference, message):
            judged.append(mutant.rule)

    check()
    assert len(set(judged)) >= 10  # many schema rules were broken, and judged alike


def _example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*/*.json"))


@pytest.mark.parametrize("path", _example_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_examples_get_the_same_violations_under_every_schema(
    engines: dict[str, tuple[SchemaOracle, SchemaOracle]], path: Path
) -> None:
    try:
        message = parse(path.read_bytes())
    except JsonTextError:
        return
    for fast, reference in engines.values():
        _assert_same(fast, reference, message)


def test_the_examples_folder_is_there() -> None:
    assert len(_example_files()) >= 150


# ---------------------------------------------------------------- random schemas

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-4, 4)
    | st.sampled_from([0.5, 1.0, 2.5, -1.0, 3.0])
    | st.sampled_from(["", "a", "ab", "abc", "x1", "\u0664", "2025-09-05T12:30:00Z"])
)


def _json(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.sampled_from("abcd"), inner, max_size=4)
        ),
        max_leaves=10,
    )


#: Values a schema holds (const, enum); instances may also hold an integer of 401 digits.
VALUES = _json(SCALARS)
INSTANCES = _json(SCALARS | st.just(10**400))
TYPES = st.sampled_from(["array", "boolean", "integer", "null", "number", "object", "string"])
NUMBERS = st.integers(-3, 3) | st.sampled_from([0.5, 1.5, 2.0])
MESSAGE_KEYWORDS = ["type", "minimum", "anyOf", "oneOf", "not", "pattern", "format", "items"]


def _keyword(name: str | list[str], values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    names = st.sampled_from(name) if isinstance(name, list) else st.just(name)
    return st.builds(lambda k, v: {k: v}, names, values)


LEAVES = st.one_of(
    _keyword("type", TYPES | st.lists(TYPES, min_size=1, max_size=3, unique=True)),
    _keyword("const", VALUES),
    _keyword("enum", st.lists(VALUES, min_size=1, max_size=4)),
    _keyword(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"], NUMBERS),
    _keyword("multipleOf", st.sampled_from([1, 2, 0.5, 1.5])),
    _keyword(["minLength", "maxLength", "minItems", "maxItems"], st.integers(0, 3)),
    _keyword("uniqueItems", st.booleans()),
    _keyword("pattern", st.sampled_from(["^a", "b$", "^\\d+$", "."])),
    _keyword("format", st.sampled_from(["date-time", "uuid", "ipv4"])),
    _keyword("required", st.lists(st.sampled_from("abcd"), max_size=3)),
    _keyword(
        "x-messages",
        st.dictionaries(st.sampled_from(MESSAGE_KEYWORDS), st.just("custom"), max_size=2),
    ),
    _keyword("$ref", st.sampled_from(["#/$defs/d0", "#/$defs/d1"])),
    st.booleans(),
)


def _merged(parts: list[Any]) -> dict[str, Any]:
    return {k: v for part in parts if isinstance(part, dict) for k, v in part.items()}


def _applicators(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    optional = st.none() | inner
    return st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(_merged),
        st.builds(
            lambda p, a: {"properties": p} | ({} if a is None else {"additionalProperties": a}),
            st.dictionaries(st.sampled_from("abcd"), inner, max_size=3),
            optional,
        ),
        _keyword("additionalProperties", inner),
        st.builds(
            lambda p, i: {"prefixItems": p} | ({} if i is None else {"items": i}),
            st.lists(inner, max_size=2),
            optional,
        ),
        _keyword("items", inner),
        _keyword(["allOf", "anyOf", "oneOf"], st.lists(inner, min_size=1, max_size=3)),
        _keyword("not", inner),
    )


SCHEMAS = st.recursive(LEAVES, _applicators, max_leaves=8)
#: The $defs a schema may $ref: no $ref of their own, so never recursive.
DEFS = SCHEMAS.filter(lambda schema: "$ref" not in json.dumps(schema))


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(SCHEMAS, DEFS, DEFS, st.lists(INSTANCES, min_size=1, max_size=4))
def test_random_schemas_of_the_covered_keywords(
    schema: Any, d0: Any, d1: Any, instances: list[Any]
) -> None:
    if isinstance(schema, dict):
        schema = {**schema, "$defs": {"d0": d0, "d1": d1}}
    fast, reference = _engines(schema)
    for instance in instances:
        _assert_same(fast, reference, instance)


# ---------------------------------------------------------------- what compiles, what does not

ANNOTATIONS = {
    "title": "t",
    "description": "d",
    "examples": [1],
    "default": 1,
    "$comment": "c",
    "$id": "https://example.com/s.json",
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {"unused": {"patternProperties": {"a": {}}}},
    "x-version": "1.0.0",
    "readOnly": True,
    "deprecated": False,
    "contentMediaType": "application/json",
    "then": {"type": "string"},
}


@pytest.mark.parametrize("kind", KINDS)
def test_the_backbeat_schemas_compile(validator: MessageValidator, kind: str) -> None:
    assert SchemaOracle(validator.contract.kind(kind).schema).engine == "compiled"


def test_annotations_are_ignored() -> None:
    fast, reference = _engines({**ANNOTATIONS, "type": "integer"})
    for instance in (1, "1", None):
        _assert_same(fast, reference, instance)


#: (why, schema): each keeps the reference engine. (A $ref or $dynamicRef that leads outside the
#: schema or to nothing is refused outright: see test_attacks.py.)
REFUSED: list[tuple[str, Any]] = [
    ("patternProperties", {"patternProperties": {"^a": {"type": "string"}}}),
    ("propertyNames", {"propertyNames": {"maxLength": 3}}),
    ("if", {"if": {"type": "string"}, "then": {"minLength": 1}}),
    ("contains", {"contains": {"const": 1}}),
    ("dependentRequired", {"dependentRequired": {"a": ["b"]}}),
    ("unevaluatedProperties", {"unevaluatedProperties": False}),
    ("minProperties", {"minProperties": 1}),
    ("anchor $ref", {"$ref": "#name", "$defs": {"a": {"$anchor": "name"}}}),
    ("root $ref", {"properties": {"next": {"$ref": "#"}}}),
    (
        "recursive $ref",
        {"$defs": {"node": {"items": {"$ref": "#/$defs/node"}}}, "$ref": "#/$defs/node"},
    ),
    (
        "$ref inside a nested $id",
        {
            "properties": {
                "x": {"$id": "https://example.com/x", "$ref": "#/$defs/a", "$defs": {"a": {}}}
            },
        },
    ),
    ("a pattern that is not ECMA-262", {"pattern": "(?P<n>a)"}),
    ("a bound that is not a number", {"minimum": "1"}),
    ("a divisor of zero", {"multipleOf": 0}),
    ("an unknown type", {"type": "float"}),
    ("an integer too long to print", {"maximum": HUGE}),
    ("not a schema", {"properties": {"a": 1}}),
]


@pytest.mark.parametrize(("why", "schema"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_schemas_keep_the_reference_engine(why: str, schema: Any) -> None:
    assert SchemaOracle(schema).engine == "jsonschema"
    with pytest.raises(UnsupportedSchemaError, match=r"cannot be compiled.*engine='auto'"):
        SchemaOracle(schema, engine="compiled")


def test_an_unknown_engine_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"engine='fast' is unknown; use one of auto, compiled"):
        SchemaOracle({}, engine="fast")


def test_the_asserted_keywords_are_jsonschemas() -> None:
    validator_class, _ = oracle._reference()
    assert frozenset(Draft202012Validator.VALIDATORS) == ASSERTED
    assert frozenset(validator_class.VALIDATORS) == ASSERTED


def test_every_keyword_the_reference_asserts_is_compiled_or_refused() -> None:
    compiled = set(_keywords.COMPILERS)
    assert compiled <= ASSERTED  # the table names real keywords only
    for keyword in ASSERTED - compiled:
        assert SchemaOracle({keyword: {}}).engine == "jsonschema", keyword


def test_a_ref_used_twice_is_compiled_once_and_judged_at_each_place() -> None:
    schema = {
        "$defs": {"n": {"type": "integer", "x-messages": {"type": "must be a count"}}},
        "properties": {"a": {"$ref": "#/$defs/n"}, "b": {"$ref": "#/$defs/n"}},
    }
    fast, reference = _engines(schema)
    assert _assert_same(fast, reference, {"a": "x", "b": 1.5}) == [
        Violation("$.a", "a.type", "a must be a count"),
        Violation("$.b", "b.type", "b must be a count"),
    ]


# ---------------------------------------------------------------- the reference's quirks, kept

#: (what, schema, instance, valid): where jsonschema's verdict or report may surprise, kept.
QUIRKS: list[tuple[str, Any, Any, bool]] = [
    ("false property reported at its object", {"properties": {"a": False}}, {"a": 1}, False),
    ("false prefix item reported at its array", {"prefixItems": [True, False]}, [1, 2], False),
    (
        "false inside allOf is at the instance",
        {"properties": {"a": {"allOf": [False]}}},
        {"a": 1},
        False,
    ),
    (
        "false reached through $ref is one level down",
        {"properties": {"a": {"$ref": "#/$defs/f"}}, "$defs": {"f": False}},
        {"a": 1},
        False,
    ),
    ("false root schema", False, [1], False),
    ("items false quotes the extra items", {"prefixItems": [{}], "items": False}, [1, 2], False),
    ("oneOf valid twice names both", {"oneOf": [{"type": "integer"}, {"minimum": 0}]}, 1, False),
    ("anyOf quotes the instance", {"anyOf": [{"type": "string"}]}, {"a": [1]}, False),
    ("not quotes its schema", {"not": {"type": "integer"}}, 3, False),
    ("required twice reported twice", {"required": ["a", "a"]}, {}, False),
    ("uniqueItems: 1 and 1.0 are the same", {"uniqueItems": True}, [1, 1.0], False),
    ("uniqueItems: 1 and true are not", {"uniqueItems": True}, [1, True], True),
    ("enum: 0 is not false", {"enum": [False]}, 0, False),
    ("const: [1.0] is [1]", {"const": [1]}, [1.0], True),
    ("integer-valued float is an integer", {"type": "integer"}, 3.0, True),
    ("a custom message for not", {"not": {}, "x-messages": {"not": "no"}}, 1, False),
    (
        "errors sort by location",
        {"properties": {"b": {"type": "string"}}, "required": ["z"]},
        {"b": 1},
        False,
    ),
    ("one location keeps the schema's order", {"pattern": "^x", "minLength": 2}, "a", False),
]


@pytest.mark.parametrize(
    ("what", "schema", "instance", "valid"), QUIRKS, ids=[q[0] for q in QUIRKS]
)
def test_quirks_of_the_reference_are_kept(
    what: str, schema: Any, instance: Any, valid: bool
) -> None:
    fast, reference = _engines(schema)
    assert (_assert_same(fast, reference, instance) == []) is valid


def test_a_false_property_is_reported_where_the_reference_reports_it() -> None:
    fast, reference = _engines({"properties": {"a": False}})
    assert _assert_same(fast, reference, {"a": 1}) == [
        Violation("$", "root.None", "message is 1, where the schema is false and allows no value")
    ]


# ---------------------------------------------------------------- huge integers


def test_a_huge_integer_is_quoted_by_its_size_by_both_engines() -> None:
    """An integer over 1024 bits is shown by its size (Python cannot print one over 4300
    digits), wherever it stands in the quoted value and whichever engine judged."""
    schema = {"properties": {"a": {"maximum": 5}, "b": False, "c": {"not": {"const": HUGE}}}}
    fast = SchemaOracle(schema)
    reference = SchemaOracle(schema, engine="jsonschema")
    assert fast.engine == "jsonschema"  # a schema holding a huge integer is not compiled
    instance = {"a": HUGE, "b": [10**400], "c": 1}
    assert [v.message for v in reference.violations(instance)] == [
        "message is [<an integer of 401 digits>], where the schema is false and allows no value",
        "a must be at most 5",
    ]
    fast, reference = _engines({"properties": {"b": False}})
    [violation] = _assert_same(fast, reference, {"b": [10**400]})
    assert "[<an integer of 401 digits>]" in violation.message


def test_a_long_value_is_cut() -> None:
    fast, reference = _engines({"const": "x" * 200})
    [violation] = _assert_same(fast, reference, "y")
    assert violation.message == "message must be '" + "x" * 56 + "..."


# ---------------------------------------------------------------- the fast path builds nothing


def _explode(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("built an error where only a verdict was asked for")


@pytest.mark.parametrize("kind", KINDS)
def test_is_valid_builds_no_error_and_asks_no_jsonschema(
    validator: MessageValidator,
    monkeypatch: pytest.MonkeyPatch,
    readme_messages: dict[str, dict[str, Any]],
    kind: str,
) -> None:
    fast = SchemaOracle(validator.contract.kind(kind).schema)
    monkeypatch.setattr(_nodes, "Failure", _explode)
    monkeypatch.setattr(_keywords, "Failure", _explode)
    monkeypatch.setattr(oracle, "_reference", _explode)
    assert fast.is_valid(readme_messages[kind])
    assert not fast.is_valid({**readme_messages[kind], "type": 5})
    assert fast.violations(readme_messages[kind]) == []
