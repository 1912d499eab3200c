"""Valid boundary values of each schema node, and the messages that set them one at a time.

:data:`EDGES` is a JSON type -> edge-values table (numeric bounds and just inside them, the
integers consumers overflow on, shortest and longest strings, each pattern's edge characters,
date-times with leap seconds and unusual offsets, empty and full arrays); const, enum and
boolean nodes give each of their values. :func:`boundary_cases` walks a kind's plan and sets one
field of the example at a time to each edge, plus each optional field absent and present and an
unknown field where objects are open. Values are candidates: the coverage phase keeps only those
the oracle accepts, after repairing the cross-field rule one edge may break (``from_beat`` at
2^53-1 moves ``to_beat`` with it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..rules import CrossFieldRule
from .formats_violations import LENGTHENERS
from .mutations import json_location
from .plan import KindPlan, get_path
from .text import free_text_edges, pattern_edges
from .values import (
    _BIG,
    Options,
    Path,
    _both_forms,
    _distinct,
    _float_bound,
    _integer_bounds,
    set_path,
)

__all__ = ["EDGES", "FORMAT_EDGES", "Case", "boundary_cases", "edge_values"]

Pairs = list[tuple[str, Any]]


@dataclass(frozen=True)
class Case:
    """One valid message of the coverage phase: what was set (``'2016-12-31T23:59:60Z'``,
    ``absent``, ``an unknown field, null``), where (``deadline_at``, ``issues[0].agent_id``;
    ``""`` for the README example itself), and the whole message."""

    note: str
    location: str
    message: dict[str, Any]


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


def _repaired(message: dict[str, Any], path: Path, rules: tuple[CrossFieldRule, ...]) -> Any:
    """Keep a cross-field rule the edge broke: the other field takes the edge's value."""
    for rule in rules:
        if rule.holds(message) or len(path) != 1:
            continue
        other = rule.right if path[0] == rule.left else rule.left if path[0] == rule.right else None
        if other is not None:
            message = {**message, other: message[path[0]]}
    return message


def _full_array(plan: KindPlan, path: Path, node: Mapping[str, Any]) -> Pairs:
    size, item = node.get("maxItems"), (*path, "[]")
    if size is None or item not in plan.nodes or node.get("uniqueItems") or size > 10_000:
        return []
    return [(f"{size} items", [plan.simplest(item)] * size)]


def _presence(plan: KindPlan, base: Any, path: Path) -> Pairs:
    """An optional field absent when the example has it, present when it has not."""
    parent = plan.nodes[path[:-1]]
    if path[-1] in parent.get("required", []) or path[-1] == "[]":
        return []
    container = get_path(base, path[:-1])
    if isinstance(container, dict) and path[-1] in container:
        return []  # absent: yielded by _absent
    return [("present", plan.simplest(path))]


#: Values of an unknown field where an object is open (tolerant readers must ignore them).
_EXTRA_VALUES: Pairs = [
    ("a number", 1),
    ("a string", "from a later minor version"),
    ("null", None),
    ("an object", {"nested": {"deeper": [1, "two", None]}}),
    ("an empty array", []),
]


def _field_cases(plan: KindPlan, example: Any, path: Path) -> Iterator[Case]:
    node = plan.nodes[path]
    base = plan.fill_path(example, path[:-1], plan.simplest)
    pairs = edge_values(node, plan.builder.options) + _full_array(plan, path, node)
    pairs += _presence(plan, base, path)
    for note, value in pairs:
        message = _repaired(set_path(base, path, value), path, plan.kind.rules)
        yield Case(note, json_location(path), message)
    container = get_path(base, path[:-1])
    optional = path[-1] not in plan.nodes[path[:-1]].get("required", [])
    if optional and isinstance(container, dict) and path[-1] in container:
        trimmed = {k: v for k, v in container.items() if k != path[-1]}
        yield Case("absent", json_location(path), set_path(base, path[:-1], trimmed))


def _extra_cases(plan: KindPlan, example: Any, path: Path) -> Iterator[Case]:
    node = plan.nodes[path]
    if node.get("additionalProperties", True) is not True or not plan.builder.options.extra_fields:
        return
    base = plan.fill_path(example, path, plan.simplest)
    name = next(
        n for n in ("x_future_field", "x_future_field_2") if n not in node.get("properties", {})
    )
    for note, value in _EXTRA_VALUES:
        yield Case(
            f"an unknown field, {note}",
            json_location((*path, name)),
            set_path(base, (*path, name), value),
        )


def boundary_cases(plan: KindPlan, example: Any) -> Iterator[Case]:
    """Every candidate, in schema order: per field its edges, then presence; per open object
    an unknown field. What a field needs and the example lacks gets its simplest value."""
    for path, node in plan.nodes.items():
        if path and path[-1] != "[]":
            yield from _field_cases(plan, example, path)
        if "properties" in node or node.get("type") == "object":
            yield from _extra_cases(plan, example, path)
