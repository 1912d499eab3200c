"""One function names a rule, and the catalogue's promise is the oracle's report (invariant 3).

The mutation catalogue names the rule a mutant breaks when it builds its operators; the oracle
names the rule a message breaks when it judges it. Both must call :func:`rulenames.rule_name`,
and for every generated mutant they must call it with the same location and keyword (the
catalogue writes an array item ``[]``, the oracle its index).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backbeat_fuzz import _messages, validator
from backbeat_fuzz.generate import violators
from backbeat_fuzz.generate.plan import compile_kind
from backbeat_fuzz.model import Mutant
from backbeat_fuzz.oracle import SchemaOracle
from backbeat_fuzz.rulenames import ITEM, rule_location, rule_name
from backbeat_fuzz.strategies import invalid_messages

KINDS = ("beatframe", "statusclaim", "barreport")
Call = tuple[tuple[Any, ...], str]  # (location, keyword) as rule_name was called


@contextmanager
def _spy(module: Any) -> Iterator[dict[str, list[Call]]]:
    """Record every rule_name call made from *module*: name -> the (location, keyword) pairs."""
    calls: dict[str, list[Call]] = {}

    def recording(location: Any, keyword: str) -> str:
        name = rule_name(location, keyword)
        calls.setdefault(name, []).append((tuple(location), keyword))
        return name

    saved = module.rule_name
    module.rule_name = recording
    try:
        yield calls
    finally:
        module.rule_name = saved


def _as_catalogue(location: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(ITEM if isinstance(part, int) else part for part in location)


def test_the_oracle_the_catalogue_and_the_validator_share_one_function() -> None:
    assert _messages.rule_name is violators.rule_name is validator.rule_name is rule_name


@pytest.mark.parametrize(
    ("location", "keyword", "name"),
    [
        ((), "type", "root.type"),
        (("type",), "const", "type.const"),
        (("hlc",), "required", "required.hlc"),
        (("issues", 0, "code"), "pattern", "issues[].code.pattern"),
        (("issues", ITEM, "code"), "pattern", "issues[].code.pattern"),
        ((3, 1), "type", "[][].type"),
        ((), "additionalProperties", "root.additionalProperties"),
    ],
)
def test_rule_names(location: tuple[Any, ...], keyword: str, name: str) -> None:
    assert rule_name(location, keyword) == name


_KEYS = st.text("abcxyz_", min_size=1, max_size=4)


@settings(max_examples=200, deadline=None, database=None)
@given(
    st.lists(st.one_of(_KEYS, st.integers(0, 9)), max_size=5),
    st.sampled_from(["type", "required", "pattern"]),
)
def test_an_index_and_the_item_marker_name_the_same_rule(location: list[Any], keyword: str) -> None:
    catalogue = _as_catalogue(tuple(location))
    assert rule_name(location, keyword) == rule_name(catalogue, keyword)
    assert rule_location(location) == (rule_location(catalogue) if location else "root")


@pytest.mark.parametrize("kind", KINDS)
def test_every_mutant_names_its_rule_as_the_oracle_reports_it(kind: str) -> None:
    with _spy(violators) as named:  # a fresh catalogue, not the cached one
        plan = compile_kind(kind)  # compiled anew: no cache to step around
    schema_rules = {op.rule for op in plan.ops if not op.rule.startswith(("json.", "rules."))}
    assert schema_rules and schema_rules <= set(named), schema_rules - set(named)
    judge = SchemaOracle(plan.kind.schema)
    seen: set[str] = set()

    @settings(max_examples=150, deadline=None, database=None)
    @given(invalid_messages(kind, input_mode="object"))
    def check(mutant: Mutant) -> None:
        if mutant.rule not in schema_rules:
            return
        with _spy(_messages) as reported:  # where the oracle names what it reports
            judge.violations(mutant.parsed)
        assert mutant.rule in reported, (mutant, sorted(reported))
        said = {(_as_catalogue(loc), kw) for loc, kw in reported[mutant.rule]}
        assert said & set(named[mutant.rule]), (mutant.rule, said, named[mutant.rule])
        seen.add(mutant.rule)

    check()
    assert len(seen) >= min(5, len(schema_rules)), seen
