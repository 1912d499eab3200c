"""The fast path's parse lets through no text the strict parse refuses, and reads what it lets
through as the strict parse does (an integer beyond 64 bits excepted: the check bounds what
orjson rounds)."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backbeat_fuzz._fastcheck import LIMIT, compile_check
from backbeat_fuzz._fastparse import key_count, parse_plain
from backbeat_fuzz.jsontext import JsonTextError, parse
from backbeat_fuzz.oracle import SchemaOracle
from backbeat_fuzz.rules import CrossFieldRule

#: The largest double's rounding boundary, spelled out: from there on a number overflows.
EDGE = str(LIMIT)

#: Texts the strict parse refuses, one text rule at a time.
REFUSED = [
    '{"a": NaN}',
    '{"a": -Infinity}',
    '{"a": 1, "a": 1}',
    '{"a": 1, "b": {"c": 1, "c": 2}}',
    '{"a" : 1, "a": 2}',  # the spaced key would escape the '":' count
    '{"a"\t:1,"a"\n:2}',
    '{"a": ":", "a": 1}',
    '{"a": "\\ud800"}',
    '{"a": "\\udc00"}',
    '{"\\ud800": 1}',
    '{"a": "\\ud800\\u0041"}',
    '{"a": 1} x',
    '{"a": 1}{}',
    '{"a": 01}',
    '{"a": 1.}',
    '{"a": .5}',
    '{"a": +1}',
    '{"a": [1,]}',
    '{"a": "\t"}',
    '{"a": "\\x"}',
    "\ufeff{}",
    "\x0c{}",
    "",
    " ",
    "[" * 2000 + "]" * 2000,
    '{"a": 1e400}',
    '{"a": -1e400}',
    f'{{"a": {EDGE}}}',  # an integer, exactly the boundary
    f'{{"a": {EDGE[0]}.{EDGE[1:]}e308}}',
    f'{{"a": {EDGE[0]}.{EDGE[1:].rstrip("0")}1e308}}',
    f'{{"a": -{EDGE}0e-1}}',
]


@pytest.mark.parametrize("text", REFUSED, ids=lambda text: repr(text)[:60])
def test_every_text_rule_is_refused(text: str) -> None:
    with pytest.raises(JsonTextError):
        parse(text)
    assert parse_plain(text) is None
    assert parse_plain(text.encode("utf-8")) is None


@pytest.mark.parametrize(
    "data",
    [b"\xef\xbb\xbf{}", b'{"a": "\xff"}', b'{"a": "\xed\xa0\x80"}', b'{"a": "\xc0\xaf"}'],
    ids=repr,
)
def test_bad_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(JsonTextError):
        parse(data)
    assert parse_plain(data) is None


def test_a_raw_lone_surrogate_in_a_str_is_refused() -> None:
    assert parse_plain('{"a": "\ud800"}') is None


def test_key_count_counts_nested_objects() -> None:
    assert key_count({"a": 1, "b": [{"c": 1, "d": {}}, [{"e": 2}]], "f": {"g": 1}}) == 7
    assert key_count([]) == 0


# ---------------------------------------------------------------- the parse, by property


class _Raw(str):
    """A literal written into the text as it is."""


def _spelled(number: int) -> str:
    """*number* as a JSON number literal with an exponent (``1.79...e308``)."""
    digits = str(number)
    return f"{digits[0]}.{digits[1:]}e{len(digits) - 1}"


_KEYS = st.sampled_from(["a", "b", "", '":', '" :', "\\", "ü"]) | st.text(max_size=3)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**63, 2**64, -(2**63) - 1, LIMIT - 1, LIMIT, 10**400]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["NaN", "Infinity", "1e400", "1.7976931348623157e308"]).map(_Raw),
    st.integers(-(2**980), 2**980).map(lambda delta: _Raw(_spelled(LIMIT + delta))),
    st.text(st.characters(codec="utf-8") | st.sampled_from(['"', ":", "\\", " "])),
    st.sampled_from(['":', '" :', ":x"]),
)


def _write(draw: st.DrawFn, value: Any) -> str:
    """*value* as JSON text, spelled as one of many writers would, keys maybe repeated."""
    colon = draw(st.sampled_from([":", ": ", " :", "\t:\n", ":\r"]))
    comma = draw(st.sampled_from([",", ", ", "\n,"]))
    if isinstance(value, _Raw):
        return str(value)
    if isinstance(value, dict):
        pairs = list(value.items())
        if pairs and draw(st.booleans()):
            pairs.append(draw(st.sampled_from(pairs)))  # the same key again
        body = [f"{json.dumps(k)}{colon}{_write(draw, v)}" for k, v in pairs]
        return "{" + comma.join(body) + "}"
    if isinstance(value, list):
        return "[" + comma.join(_write(draw, v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=draw(st.booleans()))


@st.composite
def _texts(draw: st.DrawFn) -> str:
    value = draw(
        st.recursive(
            _SCALARS,
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
            max_leaves=10,
        )
    )
    return _write(draw, value)


def _same(fast: Any, strict: Any) -> bool:
    """Equal, an integer beyond 64 bits read by orjson as its nearest float."""
    if type(strict) is int and type(fast) is float:
        return not -(2**63) <= strict < 2**64 and float(strict) == fast
    if isinstance(strict, dict):
        return (
            type(fast) is dict
            and fast.keys() == strict.keys()
            and all(_same(fast[k], strict[k]) for k in strict)
        )
    if isinstance(strict, list):
        return type(fast) is list and len(fast) == len(strict) and all(map(_same, fast, strict))
    return type(fast) is type(strict) and fast == strict


@settings(max_examples=400, deadline=None)
@given(_texts())
def test_what_the_fast_parse_returns_the_strict_parse_returns(text: str) -> None:
    """As text and as bytes (whose proof deletes whitespace first)."""
    for data in (text, text.encode("utf-8", "surrogatepass")):
        fast = parse_plain(data)
        if fast is not None:
            assert _same(fast, parse(data)), data  # parse() raises JsonTextError if refused


# ---------------------------------------------------------------- the check bounds the rest


def _rule(op: str) -> CrossFieldRule:
    return CrossFieldRule("r", "t", "a", op, "b", "")


#: (schema, cross-field rules, JSON text): the strict path calls each invalid; orjson reads its
#: integer rounded to a float, so only the check's bounds keep it out.
ROUNDED = [
    ({"type": "integer", "maximum": 2**70}, (), str(2**70 + 1)),
    ({"type": "number", "exclusiveMaximum": 2**70}, (), str(2**70 + 1)),
    ({"minimum": 2**70}, (), str(2**70 - 1)),
    ({"const": 2**70}, (), str(2**70 + 1)),
    ({"enum": [2**70, "x"]}, (), str(2**70 + 1)),
    ({"type": "object"}, (_rule("<="),), json.dumps({"a": 2**70 + 1, "b": 2**70})),
    ({"type": "object"}, (_rule("=="),), json.dumps({"a": 2**70 + 1, "b": 2**70 + 2})),
    ({"maximum": sys.float_info.max}, (), str(LIMIT - 1)),  # rounds to that maximum, exceeds it
]


@pytest.mark.parametrize(("schema", "rules", "text"), ROUNDED, ids=repr)
def test_the_check_keeps_out_what_orjson_rounds(
    schema: dict[str, Any], rules: tuple[CrossFieldRule, ...], text: str
) -> None:
    value = parse(text)
    held = all(rule.holds(value) for rule in rules) if isinstance(value, dict) else True
    assert not (SchemaOracle(schema).is_valid(value) and held)
    fast = parse_plain(text)
    assert fast is not None  # orjson read it: the check alone decides
    assert not compile_check(schema, rules)(fast)


@pytest.mark.parametrize(
    ("schema", "text", "sure"),
    [
        ({"type": "integer", "maximum": 2**70}, "5", True),
        ({"type": "integer", "maximum": 2**70}, str(2**64 - 1), True),  # 64 bits: exact
        ({"const": 2**70}, str(2**70), False),  # read as a float: maybe rounded, so not sure
        ({"type": "number"}, "1e308", True),
        ({"type": "integer"}, str(2**64), True),  # no constant to compare with
        ({"type": "number"}, "1.7976931348623157e308", True),
        ({"maximum": 1e300}, "1e299", False),  # a float beyond 2**63, a constant too: not sure
    ],
    ids=repr,
)
def test_the_bounds_cost_only_floats_at_the_edges(
    schema: dict[str, Any], text: str, sure: bool
) -> None:
    assert SchemaOracle(schema).is_valid(parse(text))
    assert compile_check(schema)(parse_plain(text)) is sure
