"""A random mutant's lean base (``generate/lean.py``): valid, the fields its rule reads drawn
in full, every other field one choice from its pool, and still shrinking to the README example.

What the bases promise is checked against the oracle and the schemas' README examples, not
against the pools themselves: a base is a valid message, a shrunk mutant of every kind of
operator (a field read, a field dropped, a bound, a cross-field rule, the JSON text) is the
README example with the rule's edit, and a base still reaches what whole valid messages reach
(a non-read field drawn in full, an optional field absent, a boundary in a field not read).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import FailedHealthCheck

from backbeat_fuzz import MessageValidator
from backbeat_fuzz.generate import lean
from backbeat_fuzz.model import Mutant, canonical_text
from backbeat_fuzz.session import Session, packaged_session
from backbeat_fuzz.strategies import coverage_valid, invalid_messages

KINDS = ("beatframe", "statusclaim", "barreport")
VALIDATOR = MessageValidator()
SOME = settings(max_examples=150, deadline=None, database=None)
REACH = settings(max_examples=2000, deadline=None, database=None, phases=[Phase.generate])
SHRINK = settings(max_examples=300, deadline=None, database=None)


def _example(kind: str) -> dict[str, Any]:
    return copy.deepcopy(VALIDATOR.contract.kind(kind).schema["examples"][0])


def _read_sets(kind: str) -> list[frozenset[str]]:
    """Every distinct set of fields the operators of *kind* read."""
    ops = packaged_session().plan(kind).ops
    return list(dict.fromkeys(op.read_fields for op in ops))


CASES = [(kind, reads) for kind in KINDS for reads in _read_sets(kind)]


@pytest.mark.parametrize(("kind", "reads"), CASES, ids=[f"{k}-{sorted(r)}" for k, r in CASES])
def test_every_base_is_valid_with_the_fields_it_reads(kind: str, reads: frozenset[str]) -> None:
    @SOME
    @given(lean.bases(packaged_session().plan(kind), reads))
    def check(message: dict[str, Any]) -> None:
        result = VALIDATOR.validate_message_string(canonical_text(message), kind=kind)
        assert result.valid, (message, result.errors)
        assert reads <= set(message)

    check()


@pytest.mark.parametrize("kind", KINDS)
def test_pools_start_with_the_readme_example_and_hold_the_boundaries(kind: str) -> None:
    pools = lean.pools(packaged_session().plan(kind))
    example = _example(kind)
    for name, value in example.items():
        assert pools[name][0] == value, name
    schema = VALIDATOR.contract.kind(kind).schema
    for name, node in schema["properties"].items():
        for value in node.get("enum", []):
            assert value in pools[name], (name, value)
    if "beat_index" in pools:
        assert {0, 2**53 - 1} <= set(pools["beat_index"])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("reads", [frozenset(), frozenset({"type"})])
def test_the_simplest_base_is_the_readme_example(kind: str, reads: frozenset[str]) -> None:
    base = lean.bases(packaged_session().plan(kind), reads)
    assert find(base, lambda m: True, settings=SHRINK) == _example(kind)


def _without(message: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k != name}


#: (kind, rule, what the shrunk mutant's parsed message is, from the README example).
SHRUNK: list[tuple[str, str, Callable[[dict[str, Any]], Any]]] = [
    ("statusclaim", "required.beat_index", lambda e: _without(e, "beat_index")),
    ("statusclaim", "beats_left.minimum", lambda e: {**e, "beats_left": -1}),
    ("beatframe", "phase.enum", lambda e: {**e, "phase": e["phase"].upper()}),
    ("barreport", "rules.from_beat_le_to_beat", lambda e: {**e, "from_beat": e["to_beat"] + 1}),
    ("statusclaim", "json.duplicate_key", lambda e: None),
]


@pytest.mark.parametrize(("kind", "rule", "expected"), SHRUNK, ids=[s[1] for s in SHRUNK])
def test_a_shrunk_mutant_is_the_readme_example_with_the_rules_edit(
    kind: str, rule: str, expected: Callable[[dict[str, Any]], Any]
) -> None:
    mutant = find(invalid_messages(kind, rules=[rule]), lambda m: True, settings=SHRINK)
    example = _example(kind)
    assert mutant.origin == example
    assert mutant.parsed == expected(example)


def _pool(kind: str, name: str) -> tuple[Any, ...]:
    return lean.pools(packaged_session().plan(kind))[name]


#: (what, kind, rule, condition on a mutant): what a lean base reaches beside its rule's field.
REACHED: list[tuple[str, str, str, Callable[[Mutant], bool]]] = [
    ("a field not read, drawn in full", "statusclaim", "hlc.pattern",
        lambda m: m.origin.get("agent_id") not in _pool("statusclaim", "agent_id")),
    ("an optional field absent", "statusclaim", "hlc.pattern",
        lambda m: "task_id" not in m.origin),
    ("an unknown field present", "beatframe", "required.hlc",
        lambda m: "x_future_field" in m.origin),
    ("a boundary in a field not read", "statusclaim", "required.state",
        lambda m: m.origin["beat_index"] == 2**53 - 1),
    ("two boundaries at once", "barreport", "json.bom",
        lambda m: m.origin["from_beat"] == m.origin["to_beat"] == 2**53 - 1),
    ("a number drawn in full", "barreport", "window_id.pattern",
        lambda m: m.origin["tempo_drift_ms"] not in _pool("barreport", "tempo_drift_ms")
        and not math.isnan(m.origin["tempo_drift_ms"])),
]  # fmt: skip


@pytest.mark.parametrize(
    ("what", "kind", "rule", "condition"), REACHED, ids=[r[0] for r in REACHED]
)
def test_lean_bases_reach_beyond_the_example(
    what: str, kind: str, rule: str, condition: Callable[[Mutant], bool]
) -> None:
    found = find(invalid_messages(kind, rules=[rule]), condition, settings=REACH)
    assert rule in VALIDATOR.validate_message_string(found.data, kind=kind).rules


def test_a_root_that_is_more_than_its_fields_gets_whole_valid_messages(tmp_path: Path) -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "type": {"const": "acme.either.v1"},
            "a": {"type": "integer"},
            "b": {"type": "integer"},
        },
        "required": ["type"],
        "anyOf": [{"required": ["a"]}, {"required": ["b"]}],
        "examples": [{"type": "acme.either.v1", "a": 1}],
    }
    (tmp_path / "either-v1.schema.json").write_text(canonical_text(schema), encoding="utf-8")
    plan = Session.load(tmp_path).plan("either")
    assert lean.bases(plan, frozenset()) is plan.valid


#: A kind whose field's simplest value needs a Hypothesis search (no example, a pattern the
#: simple values miss): its coverage lists, and so its pools, cannot be built inside a test.
SEARCHED = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "type": {"const": "acme.pairs.v1"},
        "pairs": {"type": "string", "pattern": "^(ab|cd)+$"},
    },
    "required": ["type", "pairs"],
}


def test_a_strategy_made_inside_a_running_test_edits_whole_valid_messages(
    tmp_path: Path,
) -> None:
    (tmp_path / "pairs-v1.schema.json").write_text(canonical_text(SEARCHED), encoding="utf-8")
    oracle = MessageValidator(tmp_path)

    @settings(max_examples=5, deadline=None, database=None)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        with pytest.raises(FailedHealthCheck):  # what the lean pools would need here
            coverage_valid("pairs", schemas_dir=tmp_path)
        mutant = data.draw(invalid_messages("pairs", schemas_dir=tmp_path))
        assert oracle.validate_message(mutant.origin, kind="pairs").valid
        assert mutant.rule in oracle.validate_message_string(mutant.data, kind="pairs").rules

    check()
