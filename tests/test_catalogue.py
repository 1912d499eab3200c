"""The mutation catalogue as a table: rows dispatch on real keywords, sizes come from one
factory, edits say their action with an enum, and a mutant renders in one line.

Dispatch is checked with spies on every row (a violator never sees a node without its
keyword, or of a type its composite row does not name); the size factory with the oracle on
one-keyword schemas drawn by Hypothesis; the rendering with a table of exact lines.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from backbeat_fuzz.generate import mutations
from backbeat_fuzz.generate.edits import Context, Edit, EditAction, MutationOp
from backbeat_fuzz.generate.plan import apply_edit, compile_kind
from backbeat_fuzz.model import Mutant
from backbeat_fuzz.oracle import SchemaOracle
from backbeat_fuzz.strategies import coverage_mutants

KINDS = ("beatframe", "statusclaim", "barreport")
ROWS = mutations.CATALOGUE


def test_every_keyword_row_is_a_real_keyword_once() -> None:
    keywords = [row.keyword for row in ROWS if row.keyword is not None]
    assert len(keywords) == len(set(keywords))
    real = set(Draft202012Validator.VALIDATORS)  # the draft's keyword -> function table
    assert set(keywords) <= real, set(keywords) - real
    composite = [row for row in ROWS if row.keyword is None]
    assert composite and all(row.types for row in composite)


def _recording(row: mutations.Violator, called: list[mutations.Violator]) -> mutations.Violator:
    def violate(node: Mapping[str, Any], path: Any, ctx: Context) -> Iterator[MutationOp]:
        called.append(row)
        yield from ()

    return dataclasses.replace(row, violate=violate)


def _expected(row: mutations.Violator, node: Mapping[str, Any], path: Any) -> bool:
    """When a row must run, said again independently of :meth:`Violator.applies`."""
    if (row.root is True and path) or (row.root is False and not path):
        return False
    if row.keyword is not None:
        return row.keyword in node
    return isinstance(node.get("type"), str) and node["type"] in row.types


_NODES = st.dictionaries(
    st.sampled_from([row.keyword for row in ROWS if row.keyword] + ["properties", "title"]),
    st.sampled_from(["string", "integer", "number", "object", "array", 3, ["a"]]),
)


@settings(max_examples=300, deadline=None, database=None)
@given(_NODES, st.sampled_from([(), ("f",), ("f", "[]")]))
def test_a_violator_runs_exactly_where_its_row_applies(node: dict[str, Any], path: Any) -> None:
    called: list[mutations.Violator] = []
    original = mutations.CATALOGUE
    mutations.CATALOGUE = tuple(_recording(row, called) for row in ROWS)
    try:
        list(mutations.operators(node, path, Context()))
    finally:
        mutations.CATALOGUE = original
    assert called == [row for row in ROWS if _expected(row, node, path)]


@pytest.mark.parametrize("kind", KINDS)
def test_each_operator_names_a_keyword_its_node_states(kind: str) -> None:
    """On the real schemas: a schema rule's keyword is one its node holds (or ``type`` at the
    root, the composite "not an object" row)."""
    plan = compile_kind(kind)
    for op in plan.ops:
        if op.rule.startswith(("json.", "rules.", "required.")):
            continue
        node = plan.nodes[op.path]
        keyword = op.rule.rsplit(".", 1)[-1]
        assert keyword in node, (op.rule, sorted(node))


SIZES = {
    "minLength": ("string", st.text(min_size=1, max_size=8)),
    "maxLength": ("string", st.text(max_size=8)),
    "minItems": ("array", st.lists(st.integers(), min_size=1, max_size=6)),
    "maxItems": ("array", st.lists(st.integers(), min_size=1, max_size=6)),
    "minProperties": ("object", st.dictionaries(st.text(max_size=3), st.integers(), min_size=1)),
    "maxProperties": ("object", st.dictionaries(st.text(max_size=3), st.integers(), max_size=5)),
}


@st.composite
def _at_a_bound(draw: st.DrawFn) -> tuple[str, dict[str, Any], Any]:
    """A one-keyword size schema and a valid value exactly at its bound."""
    keyword = draw(st.sampled_from(sorted(SIZES)))
    kind, values = SIZES[keyword]
    value = draw(values)
    size = len(value)
    return keyword, {"type": kind, keyword: size}, value


@settings(max_examples=200, deadline=None, database=None)
@given(_at_a_bound())
def test_the_size_factory_breaks_exactly_its_keyword(case: tuple[str, dict[str, Any], Any]) -> None:
    keyword, schema, value = case
    oracle = SchemaOracle(schema)
    assert not oracle.violations(value)
    (op,) = [o for o in mutations.operators(schema, ("f",), Context()) if o.family == "lengths"]
    assert op.rule == f"f.{keyword}"
    edits = op.candidates(value, {"f": value})
    assert edits, (schema, value)
    for edit in edits:
        assert edit.action is EditAction.SET
        assert {v.rule for v in oracle.violations(edit.value)} == {f"root.{keyword}"}, edit


def test_a_min_size_of_zero_breaks_nothing() -> None:
    for keyword in ("minLength", "minItems", "minProperties"):
        assert not list(mutations.operators({keyword: 0}, ("f",), Context()))


def test_every_edit_action_is_an_enum_member_and_every_member_is_used() -> None:
    used = set()
    for kind in KINDS:
        for mutant in coverage_mutants(kind):
            assert isinstance(mutant.action, EditAction), mutant
            used.add(mutant.action)
    assert used == set(EditAction)


def test_a_bytes_edit_is_sent_as_its_bytes() -> None:
    data, parsed = apply_edit({"a": 1}, Edit("empty input", EditAction.BYTES, (), b""))
    assert (data, parsed) == (b"", None)
    assert EditAction("bytes") is EditAction.BYTES  # the corpus and old notes spell it so


def _mutant(action: EditAction, location: str, before: Any, after: Any, note: str = "") -> Mutant:
    rule = "json.bom" if action is EditAction.BYTES else "hlc.pattern"
    return Mutant("beatframe", rule, b"{}", {}, note, None, location, before, after, False, action)


@pytest.mark.parametrize(
    ("mutant", "line"),
    [
        (
            _mutant(EditAction.SET, "hlc", "7ffd:0001:abcd", "7ffd:0001:abcd\n"),
            "violates `hlc.pattern` at $.hlc (was `7ffd:0001:abcd`, became `7ffd:0001:abcd\\n`)",
        ),
        (
            _mutant(EditAction.SET, "hlc", "7ffd", 1337),
            'violates `hlc.pattern` at $.hlc (was `"7ffd"`, became `1337`)',
        ),
        (
            _mutant(EditAction.SET, "hlc", "ab", ""),
            'violates `hlc.pattern` at $.hlc (was `ab`, became `""`)',
        ),
        (
            _mutant(EditAction.SET, "extra", None, 1),
            "violates `hlc.pattern` at $.extra (set to `1`)",
        ),
        (
            _mutant(EditAction.DELETE, "hlc", "7ffd", None),
            'violates `hlc.pattern` at $.hlc (was `"7ffd"`, removed)',
        ),
        (
            _mutant(EditAction.RAW, "issues[0].beat_index", 3, "1e400"),
            "violates `hlc.pattern` at $.issues[0].beat_index (was `3`, became `1e400`)",
        ),
        (
            _mutant(EditAction.ROOT, "", None, [], "an empty array"),
            "violates `hlc.pattern` at $ (an empty array)",
        ),
        (
            _mutant(EditAction.BYTES, "", None, None, "a UTF-8 byte-order mark"),
            "violates `json.bom` in the JSON text (a UTF-8 byte-order mark)",
        ),
        (
            _mutant(EditAction.BYTES, "hlc", "7ffd", None, "a 0xFF byte inside a string"),
            "violates `json.bom` at $.hlc (a 0xFF byte inside a string)",
        ),
        (
            _mutant(EditAction.SET, "hlc", "a", "a" * 100),
            f"violates `hlc.pattern` at $.hlc (was `a`, became `{'a' * 60}...` (100 characters))",
        ),
    ],
)
def test_a_mutant_renders_in_one_line(mutant: Mutant, line: str) -> None:
    assert mutant.summary == line


def test_coverage_mutants_render_what_they_changed() -> None:
    mutant = next(
        m for m in coverage_mutants("beatframe") if m.rule == "hlc.pattern" and "newline" in m.note
    )
    assert mutant.summary == (
        "violates `hlc.pattern` at $.hlc (was `7ffd:0001:abcd`, became `7ffd:0001:abcd\\n`)"
    )
