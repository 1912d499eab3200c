"""Valid boundary values of each schema node, and the messages that set them one at a time.

:data:`~.edges.EDGES` is a JSON type -> edge-values table (numeric bounds and just inside them,
the integers consumers overflow on, shortest and longest strings, each pattern's edge
characters, date-times with leap seconds and unusual offsets, empty and full arrays); const,
enum and boolean nodes give each of their values. :func:`boundary_cases` walks a kind's plan and
sets one field of the example at a time to each edge, plus each optional field absent and
present and an unknown field where objects are open. Values are candidates: the coverage phase
keeps only those the oracle accepts, after repairing the cross-field rule one edge may break
(``from_beat`` at 2^53-1 moves ``to_beat`` with it).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..rules import CrossFieldRule
from .edges import EDGES, FORMAT_EDGES, Pairs, edge_values
from .edits import json_location
from .plan import KindPlan, get_path
from .values import (
    Path,
    set_path,
)

__all__ = ["EDGES", "FORMAT_EDGES", "Case", "boundary_cases", "edge_values"]


@dataclass(frozen=True)
class Case:
    """One valid message of the coverage phase: what was set (``'2016-12-31T23:59:60Z'``,
    ``absent``, ``an unknown field, null``), where (``deadline_at``, ``issues[0].agent_id``;
    ``""`` for the README example itself), and the whole message."""

    note: str
    location: str
    message: dict[str, Any]


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
