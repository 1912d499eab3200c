"""The validator's fast path agrees with the strict path: on every valid message and mutant the
strategies make, on the strictness edge cases one by one, and on unknown fields of any value."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _suite import DRAFT, SKIPS, SuiteTest
from _suite import tests as suite_tests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backbeat_fuzz import MessageValidator
from backbeat_fuzz._fastcheck import (
    _MEMO_LENGTH,
    _MEMO_SIZE,
    _SURE_FORMATS,
    LIMIT,
    NotCompilable,
    _remembering,
    compile_check,
)
from backbeat_fuzz._fastparse import _SPACED_KEY, key_count
from backbeat_fuzz.contract import load_contract
from backbeat_fuzz.formats import is_date_time
from backbeat_fuzz.jsontext import JsonTextError, parse
from backbeat_fuzz.model import canonical_text
from backbeat_fuzz.oracle import SchemaOracle
from backbeat_fuzz.strategies import invalid_messages, valid_messages

KINDS = ("beatframe", "statusclaim", "barreport")
VALIDATOR = MessageValidator()
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


def _readme(kind: str) -> dict[str, Any]:
    return dict(load_contract().kind(kind).schema["examples"][0])


BF, SC, BR = (_readme(kind) for kind in KINDS)


def provable(text: str | bytes) -> bool:
    """Whether the fast path's proofs cover *text*, parsed: its ``":`` pairs are its keys and
    no key has a space before its colon (:mod:`backbeat_fuzz._fastparse`), and every number
    is an integer of 64 bits or a float within ``±2**63`` (:mod:`backbeat_fuzz._fastcheck`)."""
    raw = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    value = json.loads(raw)
    numbers = [x for x in _leaves(value) if type(x) in (int, float)]
    return (
        raw.count(b'":') == key_count(value)
        and _SPACED_KEY.search(raw.decode("utf-8", "surrogatepass")) is None
        and all(-(2**63) <= x < 2**64 if type(x) is int else -(2**63) < x < 2**63 for x in numbers)
    )


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def agree(text: str | bytes, kind: str | None = None) -> bool:
    """Assert the fast path calls no invalid text valid, and every valid text its proofs cover
    valid; that ``fast=True`` changes no result; return the strict verdict."""
    strict = VALIDATOR.validate_message_string(text, kind=kind)
    accepted = VALIDATOR.accepts(text, kind=kind)
    if accepted is not None:
        assert strict.valid, (text, strict.errors)
        assert accepted.message_type == strict.message_type
    elif strict.valid:
        assert not provable(text), (text, "valid and covered by the proofs, yet not sure")
    assert VALIDATOR.validate_message_string(text, kind=kind, fast=True) == strict
    return strict.valid


def test_every_packaged_kind_has_a_fast_check() -> None:
    for kind in load_contract():
        compile_check(kind.schema, kind.rules)  # raises NotCompilable if it had none


@pytest.mark.parametrize("kind", KINDS)
@SETTINGS
@given(data=st.data())
def test_fast_path_accepts_every_valid_message(kind: str, data: st.DataObject) -> None:
    message = data.draw(valid_messages(kind))
    for text in (
        canonical_text(message),
        json.dumps(message),  # ensure_ascii: astral characters as surrogate-pair escapes
        json.dumps(message, ensure_ascii=False, indent=2).encode(),
    ):
        assert agree(text)


@pytest.mark.parametrize("kind", KINDS)
@SETTINGS
@given(data=st.data())
def test_fast_path_accepts_no_mutant(kind: str, data: st.DataObject) -> None:
    mutant = data.draw(invalid_messages(kind))
    assert not agree(mutant.data), mutant
    if mutant.valid_utf8:
        assert not agree(mutant.data.decode("utf-8")), mutant


#: Values no strict JSON text holds once parsed by Python's json (NaN, infinities, integers
#: beyond a double, lone surrogates), and values it does, nested.
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([LIMIT - 1, LIMIT, -LIMIT, 2**1023, 10**400, -(2**2000)]),
    st.floats(),
    st.text(st.characters(codec="utf-8") | st.sampled_from(["\ud800", "\udfff", "\U0001f600"])),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)


@pytest.mark.parametrize("kind", KINDS)
@SETTINGS
@given(value=_VALUES, field=st.sampled_from(["x_extra", "notes", "issues"]))
def test_fast_path_agrees_whatever_a_field_holds(kind: str, value: Any, field: str) -> None:
    message = {**_readme(kind), field: value}
    text = json.dumps(message, ensure_ascii=False)  # NaN, Infinity and raw surrogates kept
    agree(text)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _with(base: dict[str, Any], extra: str) -> str:
    """*base* as JSON text with *extra* (raw JSON text) spliced in before the closing brace."""
    return json.dumps(base)[:-1] + ", " + extra + "}"


#: (JSON text, whether it is valid): each strictness rule at its edge, and its neighbours.
EDGES: list[tuple[str | bytes, bool]] = [
    (json.dumps(BF), True),
    ("  \t" + json.dumps(BF) + " \r\n ", True),
    (json.dumps(BF) + " x", False),
    (_with(BF, '"x": NaN'), False),
    (_with(BF, '"x": -Infinity'), False),
    (_with(BF, '"x": 1e400'), False),
    (_with(BF, '"x": 1e308'), True),
    (_with(BF, f'"x": {LIMIT - 1}'), True),
    (_with(BF, f'"x": {LIMIT}'), False),
    (_with(BF, f'"x": -{LIMIT}'), False),
    (_with(BF, '"x": ' + "9" * 5000), False),
    (_with(BF, '"x": "\\ud800"'), False),
    (_with(BF, '"x": {"\\udc00": 1}'), False),
    (_with(BF, '"x": "\\ud83d\\ude00"'), True),
    (_with(BF, '"x": "\ud800"'), False),  # a raw lone surrogate in a str
    (_with(BF, '"hlc": "7ffd:0001:abcd"'), False),  # the same key twice, same value
    (_with(BF, '"x": {"a": 1, "a": 1}'), False),
    (_with(BF, '"x": ' + _nested(63)), True),  # 64 deep with the message itself
    (_with(BF, '"x": ' + _nested(64)), False),
    (_with(BF, '"x": ' + _nested(5000)), False),
    (b"\xef\xbb\xbf" + json.dumps(BF).encode(), False),
    (_with(BF, '"x": "\xff"').encode("latin-1"), False),
    (json.dumps({**BF, "beat_index": 1337.0}), True),
    (json.dumps({**BF, "beat_index": 2**53 - 1}), True),
    (json.dumps({**BF, "beat_index": 2**53}), False),
    (json.dumps({**BF, "beat_index": True}), False),
    (json.dumps({**BF, "tempo_bpm": 0.1}), True),
    (json.dumps({**BF, "tempo_bpm": 0.09999}), False),
    (json.dumps({**BF, "hlc": "7ffd:0001:abcd\n"}), False),
    (json.dumps({**BF, "deadline_at": "2024-02-29T12:00:00Z"}), True),
    (json.dumps({**BF, "deadline_at": "2025-02-29T12:00:00Z"}), False),
    (json.dumps({**BF, "deadline_at": "2016-12-31T23:59:60Z"}), True),
    (json.dumps({**BF, "deadline_at": "2016-12-31T23:59:60+01:00"}), False),
    (json.dumps({k: v for k, v in BF.items() if k != "hlc"}), False),
    (json.dumps({**SC, "progress": True}), False),
    (json.dumps({**SC, "beats_left": 2**53 - 1}), True),
    (json.dumps({**SC, "beats_left": 2**53}), False),
    (json.dumps({**BR, "tempo_drift_ms": LIMIT - 1}), True),  # no bound: as big as a double
    (json.dumps({**BR, "tempo_drift_ms": LIMIT}), False),
    (json.dumps({**BR, "tempo_drift_ms": -LIMIT}), False),
    (json.dumps({**BR, "from_beat": 5, "to_beat": 5.0}), True),
    (json.dumps({**BR, "from_beat": 6, "to_beat": 5}), False),
    (json.dumps({**BR, "tempo_drift_ms": -1e308}), True),
    (json.dumps({**BR, "issues": [{"code": "a", "severity": "info", "message": ""}]}), True),
    (json.dumps({**BR, "issues": [{"code": "a", "severity": "fatal", "message": ""}]}), False),
    (json.dumps({**BF, "type": "backbeat.nope.v1"}), False),
    ("[1]", False),
    ("null", False),
    ("", False),
]


@pytest.mark.parametrize(("text", "valid"), EDGES, ids=lambda x: repr(x)[:60])
def test_fast_path_agrees_on_every_strictness_edge(text: str | bytes, valid: bool) -> None:
    assert agree(text) is valid


def test_a_told_kind_is_checked_as_that_kind() -> None:
    assert VALIDATOR.accepts(json.dumps(BF), kind="beatframe") is not None
    assert VALIDATOR.accepts(json.dumps(BF), kind="statusclaim") is None
    assert agree(json.dumps(BF), kind="statusclaim") is False


@given(st.from_regex(_SURE_FORMATS["date-time"].__self__, fullmatch=True))
def test_the_sure_date_time_regex_admits_only_date_times(text: str) -> None:
    assert is_date_time(text)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "patternProperties": {"a": {}}},
        {"anyOf": [{"type": "string"}]},
        {"multipleOf": 2},
        {"$ref": "https://example.com/x.json"},
        {"$defs": {"a": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"},
        {"properties": {"a": {"$id": "inner", "type": "string"}}},
        {"const": {"a": 1}},
        {"enum": [[1]]},
        {"someKeyword": 1},
    ],
    ids=repr,
)
def test_schemas_outside_the_fast_path_are_refused(schema: dict[str, Any]) -> None:
    with pytest.raises(NotCompilable):
        compile_check(schema)


@pytest.mark.parametrize("depth", [150, 400, 3000])
def test_a_schema_too_deep_for_the_parser_has_no_fast_check(depth: int) -> None:
    """150 deep compiles (and is right); 400 is over the parser's nesting, 3000 over the
    writer's recursion: both refused, no traceback."""
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(depth):
        schema = {"allOf": [schema]}
    try:
        check = compile_check(schema)
    except NotCompilable:
        return  # the strict path alone judges it (the compiled oracle has its own limits)
    assert check("a") and not check(1)


def test_the_source_holds_no_schema_value() -> None:
    hostile = "'; import os; os.system('true') #"
    schema = {
        "type": "object",
        "properties": {hostile: {"const": hostile, "pattern": "system"}},
        "required": [hostile],
    }
    check = compile_check(schema)
    assert hostile not in check.source  # type: ignore[attr-defined]
    assert check({hostile: hostile}) and not check({hostile: "x"})


# ---------------------------------------------------------------- the official test suite


def _fast_suite() -> list[tuple[SuiteTest, Any]]:
    """Every suite test whose schema has a fast check, with its data parsed strictly (a test
    whose data no strict JSON text holds, as in bignum.json, is left out)."""
    if not DRAFT.is_dir():
        return []
    found, compiles = [], {}
    for test in suite_tests():
        key = json.dumps(test.schema, sort_keys=True)
        if key not in compiles:
            try:
                compile_check(test.schema)
                compiles[key] = True
            except NotCompilable:
                compiles[key] = False
        try:
            value = parse(json.dumps(test.data, ensure_ascii=False))
        except (JsonTextError, ValueError):
            continue
        if compiles[key] and (test.file, test.case) not in SKIPS:
            found.append((test, value))
    return found


FAST_SUITE = _fast_suite()


def test_the_suite_reaches_the_fast_path() -> None:
    if not DRAFT.is_dir():
        pytest.skip("the suite is missing (test_suite_conformance.py says so)")
    assert len(FAST_SUITE) >= 300, len(FAST_SUITE)


@pytest.mark.parametrize(("test", "value"), FAST_SUITE, ids=[t.id for t, _ in FAST_SUITE])
def test_suite_case_fast(test: SuiteTest, value: Any) -> None:
    """The fast check says what the suite and the oracle say, on every schema it takes."""
    assert (
        compile_check(test.schema)(value) is test.valid is SchemaOracle(test.schema).is_valid(value)
    )


def test_a_pattern_remembers_only_short_matching_strings_and_a_bounded_number() -> None:
    seen: dict[str, bool] = {}
    matches = _remembering(lambda text: True if text.startswith("a") else None, seen)
    assert matches("ab") and not matches("b") and matches("a" * (_MEMO_LENGTH + 1))
    assert seen == {"ab": True}  # no miss and no long string is kept
    for number in range(_MEMO_SIZE + 10):
        matches(f"a{number}")
    assert len(seen) <= _MEMO_SIZE
