"""Valid edge values of one schema node: :data:`EDGES`, a JSON type -> edge-values table.

Numeric bounds and just inside them, the integers consumers overflow on, shortest and longest
strings, each pattern's edge characters, date-times with leap seconds and unusual offsets;
const and enum nodes give each of their values. :mod:`.boundaries` sets them in messages one at
a time; :mod:`.simplest` takes them as candidates for a ``oneOf`` whose branches overlap. Apart
from :mod:`.boundaries` (which builds on :mod:`.plan`) so that :mod:`.simplest`, which
:mod:`.plan` builds on, imports no module below it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from .formats_violations import LENGTHENERS
from .text import free_text_edges, pattern_edges
from .values import (
    _BIG,
    Options,
    _both_forms,
    _distinct,
    _float_bound,
    _integer_bounds,
)

__all__ = ["EDGES", "FORMAT_EDGES", "Pairs", "edge_values"]

Pairs = list[tuple[str, Any]]


def _integer_edges(node: Mapping[str, Any], options: Options) -> Pairs:
    lo, hi = _integer_bounds(node)
    near = [b + d for b in (lo, hi) if b is not None for d in (0, 1, -1)]
    values = _distinct([*near, 0, 1, -1, *_BIG, *(-b for b in _BIG)])
    pairs: Pairs = [(f"{v}", v) for v in values if isinstance(v, int)]
    if options.integer_floats:
        pairs += [(f"{float(v)!r}", float(v)) for _, v in pairs if abs(v) < 2**53]
    return pairs


def _number_edges(node: Mapping[str, Any], options: Options) -> Pairs:
    lo, _ = _float_bound(node, "minimum", "exclusiveMinimum", max)
    hi, _ = _float_bound(node, "maximum", "exclusiveMaximum", min)
    bounds = [b for b in (lo, hi) if b is not None]
    inside = [math.nextafter(lo, math.inf)] if lo is not None else []
    inside += [math.nextafter(hi, -math.inf)] if hi is not None else []
    extremes = [0, 1, -1, 0.0, -0.0, 0.5, 1e-300, 5e-324, 1.7976931348623157e308]
    extremes += [-1.7976931348623157e308, 2**53, 2**63, 2**64, -(2**63)]
    values = _distinct([*_both_forms(bounds), *inside, *extremes])
    return [(f"{v!r}", v) for v in values]


#: format -> valid edge values consumers get wrong.
FORMAT_EDGES: dict[str, list[str]] = {
    "date-time": [
        "2016-12-31T23:59:60Z",  # a leap second (23:59:60 UTC only)
        "1990-12-31T15:59:60-08:00",  # the same second, at an offset (RFC 3339 section 5.8)
        "2025-09-05t12:30:00z",
        "2025-09-05T12:30:00+00:00",
        "2025-09-05T12:30:00-00:00",
        "2025-09-05T12:30:00+14:00",
        "2025-09-05T12:30:00-12:00",
        "2025-09-05T12:30:00+23:59",
        "2025-09-05T12:30:00-23:59",
        "2025-09-05T12:30:00+05:45",
        "2025-09-05T12:30:00.5Z",
        "2025-09-05T12:30:00.123456789Z",
        "2024-02-29T00:00:00Z",
        "2000-02-29T00:00:00Z",
        "1970-01-01T00:00:00Z",
        "2038-01-19T03:14:08Z",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
    ],
    "date": ["2024-02-29", "2000-02-29", "1970-01-01", "0001-01-01", "9999-12-31"],
    "time": ["23:59:60Z", "00:00:00z", "12:30:00.123456789+05:45", "12:30:00-23:59"],
    "uuid": [
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
        "7e9b0e6c-4c9a-4e59-b7f2-d9a3c1b2e4d5",
    ],
    "email": ["a@b.co", "first.last+tag@example.com", "x_y-z@sub.example.org"],
}


def _format_edges(node: Mapping[str, Any]) -> Pairs:
    values = list(FORMAT_EDGES.get(node["format"], []))
    grow = LENGTHENERS.get(node["format"])
    if grow is not None and "maxLength" in node and values:
        longest = grow(values[-1], node["maxLength"])  # the longest valid: a long fraction
        values += [longest] if longest is not None else []
    return [(repr(v), v) for v in values]


def _string_edges(node: Mapping[str, Any], options: Options) -> Pairs:
    lo, hi = node.get("minLength", 0), node.get("maxLength")
    if "format" in node:
        return _format_edges(node)
    if "pattern" in node:
        return pattern_edges(node["pattern"], lo, hi)
    return free_text_edges(lo, hi)


#: JSON type -> valid edge values of a node of that type (candidates: the oracle decides).
EDGES: dict[str, Callable[[Mapping[str, Any], Options], Pairs]] = {
    "null": lambda node, options: [("null", None)],
    "boolean": lambda node, options: [("false", False), ("true", True)],
    "integer": _integer_edges,
    "number": _number_edges,
    "string": _string_edges,
    "array": lambda node, options: [("empty", [])] if node.get("minItems", 0) == 0 else [],
    "object": lambda node, options: [],
}


def edge_values(node: Mapping[str, Any], options: Options) -> Pairs:
    """``(note, value)`` for every edge of *node*: each const or enum value, else its types'."""
    if "const" in node:
        return [(repr(node["const"]), node["const"])]
    if "enum" in node:
        return [(repr(v), v) for v in node["enum"]]
    kinds = node.get("type", [])
    types = [kinds] if isinstance(kinds, str) else list(kinds)
    return [pair for t in types for pair in EDGES[t](node, options)]
