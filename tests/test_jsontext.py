"""Strict JSON text (jsontext.parse): every hole Python's json leaves open is a named error."""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backbeat_fuzz.jsontext import JSON_RULES, MAX_DEPTH, JsonTextError, parse

FAST = settings(max_examples=60, deadline=None)

# ---------------------------------------------------------------- what is rejected, and why

#: (what, input, rule): each input is rejected with exactly this rule.
REJECTED: list[tuple[str, str | bytes, str]] = [
    ("NaN literal", '{"tempo_bpm": NaN}', "json.nan"),
    ("NaN alone", "NaN", "json.nan"),
    ("Infinity literal", '{"tempo_bpm": Infinity}', "json.infinity"),
    ("-Infinity literal", "[-Infinity]", "json.infinity"),
    ("duplicate key", '{"phase": "plan", "phase": "review"}', "json.duplicate_key"),
    ("duplicate key once escaped", '{"a": 1, "\\u0061": 2}', "json.duplicate_key"),
    ("duplicate key nested", '{"x": [{"k": 1, "k": 1}]}', "json.duplicate_key"),
    ("invalid UTF-8 byte", b'{"cluster_id": "\xff"}', "json.invalid_utf8"),
    ("truncated UTF-8 sequence", b'{"notes": "\xc3"}', "json.invalid_utf8"),
    ("UTF-8 encoded surrogate", b'"\xed\xa0\x80"', "json.invalid_utf8"),
    ("UTF-8 BOM bytes", b'\xef\xbb\xbf{"a": 1}', "json.bom"),
    ("U+FEFF in a str", '\ufeff{"a": 1}', "json.bom"),
    ("two documents", '{"a": 1}\n{"a": 1}', "json.trailing_data"),
    ("garbage after the object", '{"a": 1}x', "json.trailing_data"),
    ("empty str", "", "json.empty"),
    ("empty bytes", b"", "json.empty"),
    ("whitespace only", " \t\r\n ", "json.empty"),
    ("1e400", "1e400", "json.number_overflow"),
    ("-1e400 in an object", '{"tempo_drift_ms": -1e400}', "json.number_overflow"),
    ("1.0e309", "[1.0e309]", "json.number_overflow"),
    ("5000-digit integer", "1" + "0" * 5000, "json.number_overflow"),
    ("400-digit negative integer", "-" + "9" * 400, "json.number_overflow"),
    ("2**1024 as an integer", str(2**1024), "json.number_overflow"),
    ("nested one too deep", "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "json.too_deep"),
    (
        "objects one too deep",
        '{"a":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1),
        "json.too_deep",
    ),
    ("nested 500 deep", "[" * 500 + "]" * 500, "json.too_deep"),
    ("nested 100000 deep", "[" * 100_000 + "]" * 100_000, "json.too_deep"),
    ("lone high surrogate escape", '{"cluster_id": "\\ud800"}', "json.lone_surrogate"),
    ("lone low surrogate escape", '["x\\uDC00y"]', "json.lone_surrogate"),
    ("reversed surrogate pair", '"\\ude00\\ud83d"', "json.lone_surrogate"),
    ("lone surrogate escape in a key", '{"\\ud800": 1}', "json.lone_surrogate"),
    ("raw lone surrogate in a str", '"\ud800"', "json.lone_surrogate"),
    ("truncated object", '{"a": ', "json.syntax"),
    ("trailing comma", '{"a": 1,}', "json.syntax"),
    ("single quotes", "{'a': 1}", "json.syntax"),
    ("comment", '{"a": 1 /* no */}', "json.syntax"),
    ("raw control character in a string", '"a\tb"', "json.syntax"),
    ("Arabic-Indic digit as a number", "\u0664", "json.syntax"),
]


@pytest.mark.parametrize(("text", "rule"), [r[1:] for r in REJECTED], ids=[r[0] for r in REJECTED])
def test_rejected_with_its_rule(text: str | bytes, rule: str) -> None:
    with pytest.raises(JsonTextError) as caught:
        parse(text)
    assert caught.value.rule == rule
    assert str(caught.value)


def test_every_json_rule_is_exercised_above() -> None:
    assert {rule for *_, rule in REJECTED} == set(JSON_RULES)


def test_error_says_where_when_it_knows() -> None:
    with pytest.raises(JsonTextError) as caught:
        parse('{"a": 1} x')
    assert caught.value.position == 9
    assert str(caught.value).endswith("(at character 9)")


def test_error_is_a_value_error_for_callers_that_catch_those() -> None:
    with pytest.raises(ValueError, match="NaN"):
        parse("NaN")


def test_overflow_message_is_short_even_for_huge_numbers() -> None:
    with pytest.raises(JsonTextError) as caught:
        parse("9" * 5000)
    assert len(str(caught.value)) < 120


# ---------------------------------------------------------------- what is accepted


def _nest(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


#: (what, input, expected value): parsed to exactly this (types included).
ACCEPTED: list[tuple[str, str | bytes, Any]] = [
    ("object", '{"a": [1, 2.5, "x", true, false, null]}', {"a": [1, 2.5, "x", True, False, None]}),
    ("bytes", b'{"notes": "caf\xc3\xa9"}', {"notes": "café"}),
    ("bytearray", bytearray(b"[1]"), [1]),
    ("surrounding whitespace", ' \r\n\t{"a": 1}\n ', {"a": 1}),
    ("integer stays int", "1337", 1337),
    ("integral float stays float", "1337.0", 1337.0),
    ("escaped surrogate pair", '"\\ud83d\\ude00"', "\U0001f600"),
    ("escaped backslash before u-d-8", '"\\\\ud800"', "\\ud800"),
    ("BOM inside a string", '"\ufeff"', "\ufeff"),
    ("largest double", "1.7976931348623157e308", sys.float_info.max),
    ("largest double as an integer", str(int(sys.float_info.max)), int(sys.float_info.max)),
    (
        "53-digit bignum",
        "12345678910111213141516171819202122232425262728293031",
        12345678910111213141516171819202122232425262728293031,
    ),
    ("underflow rounds to zero", "1e-400", 0.0),
    ("nested exactly MAX_DEPTH", "[" * MAX_DEPTH + "]" * MAX_DEPTH, _nest(MAX_DEPTH)),
    ("null", "null", None),
    ("same key in two objects", '[{"k": 1}, {"k": 2}]', [{"k": 1}, {"k": 2}]),
]


@pytest.mark.parametrize(
    ("text", "expected"), [r[1:] for r in ACCEPTED], ids=[r[0] for r in ACCEPTED]
)
def test_accepted_as(text: str | bytes, expected: Any) -> None:
    value = parse(text)
    assert value == expected
    assert type(value) is type(expected)


def _parse_under_a_deep_stack(text: str, frames: int) -> Any:
    return parse(text) if frames == 0 else _parse_under_a_deep_stack(text, frames - 1)


def test_verdict_does_not_depend_on_the_callers_stack_depth() -> None:
    ok, deep = "[" * MAX_DEPTH + "]" * MAX_DEPTH, "[" * 800 + "]" * 800
    assert _parse_under_a_deep_stack(ok, 600) == _nest(MAX_DEPTH)
    for frames in (0, 600):
        with pytest.raises(JsonTextError) as caught:
            _parse_under_a_deep_stack(deep, frames)
        assert caught.value.rule == "json.too_deep"


# ---------------------------------------------------------------- properties

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**1000), max_value=2**1000)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
JSON_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def _same(left: Any, right: Any) -> bool:
    """Equal, with the same JSON types all the way down (1 is not 1.0, True is not 1)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(_same, left, right))
    return bool(left == right)


@FAST
@given(JSON_VALUES, st.booleans(), st.sampled_from([None, 2]))
def test_any_json_value_round_trips(value: Any, ascii_only: bool, indent: int | None) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=indent)
    assert _same(parse(text), value)
    assert _same(parse(text.encode()), value)


@FAST
@given(st.text() | st.binary())
def test_any_input_parses_or_raises_a_named_json_error(data: str | bytes) -> None:
    try:
        parse(data)
    except JsonTextError as error:
        assert error.rule in JSON_RULES


@FAST
@given(JSON_VALUES, st.sampled_from([math.nan, math.inf, -math.inf]))
def test_a_non_finite_number_anywhere_is_named(value: Any, bad: float) -> None:
    text = json.dumps([value, {"x": bad}])  # Python writes NaN / Infinity / -Infinity
    with pytest.raises(JsonTextError) as caught:
        parse(text)
    assert caught.value.rule == ("json.nan" if math.isnan(bad) else "json.infinity")


@FAST
@given(st.dictionaries(st.text(), JSON_VALUES, min_size=1, max_size=4), st.data())
def test_any_repeated_key_is_a_duplicate(obj: dict[str, Any], data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(sorted(obj)))
    text = json.dumps(obj)[:-1] + f", {json.dumps(key)}: null}}"
    with pytest.raises(JsonTextError) as caught:
        parse(text)
    assert caught.value.rule == "json.duplicate_key"


@FAST
@given(JSON_VALUES, JSON_VALUES)
def test_a_second_value_is_trailing_data(first: Any, second: Any) -> None:
    with pytest.raises(JsonTextError) as caught:
        parse(f"{json.dumps(first)} {json.dumps(second)}")
    assert caught.value.rule == "json.trailing_data"


@FAST
@given(JSON_VALUES)
def test_a_bom_before_any_value_is_named(value: Any) -> None:
    for data in ("\ufeff" + json.dumps(value), b"\xef\xbb\xbf" + json.dumps(value).encode()):
        with pytest.raises(JsonTextError) as caught:
            parse(data)
        assert caught.value.rule == "json.bom"
