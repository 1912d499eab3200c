"""The one JSON-pointer reader (resolver.pointer_nodes) and the three places that follow a $ref
through it: the compiled engine, the generators' canonical form and compat's field walk."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backbeat_fuzz import resolver
from backbeat_fuzz.compat import field_paths
from backbeat_fuzz.errors import UnsupportedSchemaError
from backbeat_fuzz.generate.canonical import canonicalise
from backbeat_fuzz.oracle import SchemaOracle

DOC: dict[str, Any] = {
    "a/b": 1,
    "m~n": 2,
    "%": 3,
    "c d": 4,
    "": 5,
    "list": [10, 11, {"x": 12}],
    "$defs": {"s": {"type": "string"}},
}

#: (what, reference, the node it names)
NAMED: list[tuple[str, str, Any]] = [
    ("the document itself", "#", DOC),
    ("~1 is a slash", "#/a~1b", 1),
    ("~0 is a tilde", "#/m~0n", 2),
    ("a %-escape is decoded first", "#/%25", 3),
    ("%20 is a space", "#/c%20d", 4),
    ("%7E0 is a tilde escape, once decoded", "#/m%7E0n", 2),
    ("an empty token is the key ''", "#/", 5),
    ("an array takes a decimal index", "#/list/1", 11),
    ("through an array", "#/list/2/x", 12),
    ("a schema under $defs", "#/$defs/s", {"type": "string"}),
]


@pytest.mark.parametrize(("ref", "node"), [n[1:] for n in NAMED], ids=[n[0] for n in NAMED])
def test_a_pointer_names_its_node(ref: str, node: Any) -> None:
    assert resolver.pointer_target(DOC, ref) == node


def test_the_nodes_on_the_way_come_root_first() -> None:
    assert resolver.pointer_nodes(DOC, "#/list/2/x") == [DOC, DOC["list"], {"x": 12}, 12]


#: (what, reference, the phrase the error ends with)
REFUSED: list[tuple[str, str, str]] = [
    ("another document", "other.json#/a", "names another document or an anchor"),
    ("an anchor", "#name", "names another document or an anchor"),
    ("a missing key", "#/nope", "names nothing: there is no 'nope' where it leads"),
    ("~1 is not decoded twice", "#/a~01b", "names nothing: there is no 'a~1b'"),
    ("a leading zero", "#/list/01", "names nothing: there is no '01'"),
    ("a negative index", "#/list/-1", "names nothing: there is no '-1'"),
    ("past the end", "#/list/3", "names nothing: there is no '3'"),
    ("a non-ASCII digit", "#/list/\u0661", "names nothing: there is no '\u0661'"),
    ("into a number", "#/a~1b/x", "names nothing: there is no 'x'"),
]


@pytest.mark.parametrize(("ref", "why"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_a_pointer_that_names_nothing_is_one_error(ref: str, why: str) -> None:
    with pytest.raises(resolver.PointerError) as caught:
        resolver.pointer_target(DOC, ref)
    assert caught.value.ref == ref
    assert caught.value.why.startswith(why)
    assert str(caught.value) == f"$ref={ref!r} {caught.value.why}"


KEYS = st.text(alphabet=st.sampled_from("ab~/%0 1"), max_size=4)


def _escape(key: str) -> str:
    """RFC 6901's escaping, then a URI fragment's %-escaping of what is not safe in it."""
    from urllib.parse import quote

    return quote(key.replace("~", "~0").replace("/", "~1"), safe="~")


@settings(max_examples=200, deadline=None)
@given(st.lists(KEYS, min_size=1, max_size=3), st.integers())
def test_any_key_path_escaped_is_read_back(keys: list[str], leaf: int) -> None:
    doc: Any = leaf
    for key in reversed(keys):
        doc = {key: doc, "other": None}
    ref = "#/" + "/".join(_escape(key) for key in keys)
    assert resolver.pointer_target(doc, ref) == leaf


#: A schema whose $ref needs every rule at once: ~1, ~0 and a %-escape.
ESCAPED = {
    "$defs": {"a/b~c d": {"type": "object", "properties": {"n": {"type": "integer"}}}},
    "type": "object",
    "properties": {"x": {"$ref": "#/$defs/a~1b~0c%20d"}},
}


def test_the_compiled_engine_the_generators_and_compat_follow_the_same_pointer() -> None:
    oracle = SchemaOracle(ESCAPED)
    assert oracle.engine == "compiled"
    assert [v.rule for v in oracle.violations({"x": {"n": "1"}})] == ["x.n.type"]
    assert canonicalise(ESCAPED)["properties"]["x"]["properties"]["n"] == {"type": "integer"}
    assert field_paths(ESCAPED) == {"x", "x.n"}


def test_a_pointer_that_names_nothing_reads_alike_where_it_is_followed() -> None:
    schema = {"properties": {"x": {"$ref": "#/$defs/missing"}}}
    with pytest.raises(UnsupportedSchemaError, match="names nothing: there is no '\\$defs'"):
        canonicalise(schema)
    assert field_paths(schema) == {"x"}  # compat: nothing behind it, no crash
