"""The simplest valid value of a canonical node, built directly: what the coverage lists fill in.

A field an edit needs that the README example lacks (an item of its empty ``issues``, an
optional field) gets the example's own value when the schema has one for that place, else the
simplest value :data:`SIMPLEST` builds for the node's type: the bound nearest zero, the first
enum value, each pattern's first characters, ``2025-09-05T12:30:00Z``, the fewest items, the
required fields only, and the node's edge values. No Hypothesis draw is involved, so the
coverage lists can be built anywhere, a running ``@given`` test included, and are the same in
every process. Each value is checked against its node; only when none passes (a pattern beyond
the anchored-sequence subset) a derandomised Hypothesis search finds one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis.errors import NoSuchExample

from ..errors import UnsupportedSchemaError
from ..oracle import SchemaOracle
from .canonical import _merge
from .edges import edge_values
from .formats_values import CANONICAL_DATE_TIME
from .text import pattern_edges
from .values import Options, Path, _float_bound, _inferred_types, _integer_bounds

__all__ = ["SIMPLEST", "simplest_value"]

Build = Callable[[Mapping[str, Any], Path, Mapping[Path, Any]], Any]


def _nearest_zero(lo: Any, hi: Any) -> Any:
    if lo is not None and lo > 0:
        return lo
    if hi is not None and hi < 0:
        return hi
    return 0


def _integer(node: Mapping[str, Any], path: Path, hints: Mapping[Path, Any]) -> Any:
    lo, hi = _integer_bounds(node)
    step = node.get("multipleOf")
    value = _nearest_zero(lo, hi)
    if isinstance(step, int) and value % step:
        value = math.ceil(value / step) * step if value > 0 else math.floor(value / step) * step
    return value


def _number(node: Mapping[str, Any], path: Path, hints: Mapping[Path, Any]) -> Any:
    lo, exclusive_lo = _float_bound(node, "minimum", "exclusiveMinimum", max)
    hi, exclusive_hi = _float_bound(node, "maximum", "exclusiveMaximum", min)
    value = _nearest_zero(lo, hi)
    if exclusive_lo and value == lo:
        value = math.nextafter(lo, math.inf)
    if exclusive_hi and value == hi:
        value = math.nextafter(hi, -math.inf)
    return value


#: format -> a plain valid value.
_FORMAT_VALUES = {
    "date-time": CANONICAL_DATE_TIME,
    "date": CANONICAL_DATE_TIME[:10],
    "time": CANONICAL_DATE_TIME[11:],
    "uuid": "00000000-0000-0000-0000-000000000000",
    "email": "a@b.co",
}


def _string(node: Mapping[str, Any], path: Path, hints: Mapping[Path, Any]) -> Any:
    lo = node.get("minLength", 0)
    if "format" in node:
        return _FORMAT_VALUES.get(node["format"], "")
    if "pattern" in node:
        edges = pattern_edges(node["pattern"], lo, node.get("maxLength"))
        return edges[0][1] if edges else ""
    return "0" * lo


def _array(node: Mapping[str, Any], path: Path, hints: Mapping[Path, Any]) -> Any:
    prefix = [simplest_value(s, (*path, "[]"), hints) for s in node.get("prefixItems", [])]
    more = max(node.get("minItems", 0) - len(prefix), 0)
    items = node.get("items", {})
    if not more or items is False:
        return prefix
    item = simplest_value(items, (*path, "[]"), hints)
    return prefix + [item] * more


def _object(node: Mapping[str, Any], path: Path, hints: Mapping[Path, Any]) -> Any:
    props = node.get("properties", {})
    return {
        name: simplest_value(props.get(name, {}), (*path, name), hints)
        for name in node.get("required", [])
    }


#: JSON type -> the simplest value of a node of that type.
SIMPLEST: dict[str, Build] = {
    "null": lambda node, path, hints: None,
    "boolean": lambda node, path, hints: False,
    "integer": _integer,
    "number": _number,
    "string": _string,
    "array": _array,
    "object": _object,
}


def _candidates(node: Mapping[str, Any], path: Path, hints: Mapping[Path, Any]) -> list[Any]:
    """The example's value, then the simplest of each type, then the node's edge values (a
    ``oneOf`` whose branches overlap at the simplest needs one); a branch's own, for each."""
    found = [hints[path]] if path in hints else []
    if "const" in node:
        return [*found, node["const"]]
    found += list(node.get("enum", []))
    found += [SIMPLEST[t](node, path, hints) for t in _inferred_types(node)]
    found += [value for _, value in edge_values(node, Options())]
    for key in ("anyOf", "oneOf"):
        rest = {k: v for k, v in node.items() if k != key}
        for branch in node.get(key, []):
            found += _candidates(_merge(rest, branch, "/".join(path)), path, {})
    return found


def simplest_value(node: Mapping[str, Any], path: Path, hints: Mapping[Path, Any]) -> Any:
    """The example's value at *path* when valid for *node*, else the simplest valid one.

    Raises:
        UnsupportedSchemaError: no candidate is valid (bounds and a pattern that the simple
            values miss together).
    """
    oracle = SchemaOracle(dict(node))
    for value in _candidates(node, path, hints):
        if oracle.is_valid(value):
            return value
    return _searched(node, path)


_SEARCH = settings(
    database=None,
    derandomize=True,
    deadline=None,
    max_examples=100,
    phases=[Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)


def _searched(node: Mapping[str, Any], path: Path) -> Any:
    """The value Hypothesis shrinks the node's strategy to: the last resort, for what the
    simple builders miss (a pattern beyond the anchored-sequence subset, say). Derandomised,
    so deterministic; inside a running ``@given`` test it is a nested search, which Hypothesis
    refuses, so a schema needing it has its coverage lists built outside tests.

    Raises:
        UnsupportedSchemaError: the search finds nothing.
    """
    from .values import ValueBuilder

    try:
        return find(ValueBuilder().build(node, path), lambda _: True, settings=_SEARCH)
    except NoSuchExample:
        where = "/".join(path) or "the root"
        raise UnsupportedSchemaError(
            f"no valid value found for {where} ({dict(node)!r}); "
            "add an 'examples' entry to the schema that has this field"
        ) from None
