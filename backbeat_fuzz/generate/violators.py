"""The violators: per keyword (or composite rule), the operators that break exactly that rule.

Each ``violate_<keyword>`` takes ``(node, path, ctx)`` and yields :class:`~.edits.MutationOp`\\ s.
It is called only on the nodes its row of :data:`.mutations.CATALOGUE` applies to (the keyword
is present, or the node is of the types a composite rule names), so it never checks for its
keyword; it still returns nothing where the keyword's *value* breaks nothing (``minLength: 0``,
``additionalProperties: true``). The rule is named by :func:`~backbeat_fuzz.rulenames.rule_name`
from the path and keyword, the same function the oracle names what it reports with.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..jsontext import JSON_RULES
from ..rulenames import ITEM, rule_location, rule_name
from .edits import Context, Edit, EditAction, MutationOp, Pairs, Violate
from .formats_violations import FORMAT_VIOLATIONS, LENGTHENERS
from .near_misses import (
    RUN,
    TYPED_CONFUSIONS,
    above,
    below,
    pattern_near_misses,
    string_near_misses,
    wrong_values,
)
from .values import Path

__all__ = [
    "size_violator",
    "violate_additionalProperties",
    "violate_anyOf",
    "violate_const",
    "violate_enum",
    "violate_exclusiveMaximum",
    "violate_exclusiveMinimum",
    "violate_format",
    "violate_items",
    "violate_maxItems",
    "violate_maxLength",
    "violate_maxProperties",
    "violate_maximum",
    "violate_minItems",
    "violate_minLength",
    "violate_minProperties",
    "violate_minimum",
    "violate_multipleOf",
    "violate_number_literals",
    "violate_oneOf",
    "violate_pattern",
    "violate_required",
    "violate_root_type",
    "violate_type",
    "violate_uniqueItems",
]

Node = Mapping[str, Any]
Edits = Callable[[Any, Any], list[Edit]]


def _keyword_op(
    keyword: str,
    path: Path,
    family: str,
    says: str,
    edits: Edits,
    needs: Path | None = None,
    reads: tuple[str, ...] | None = None,
) -> MutationOp:
    """The operator breaking *keyword* at *path*, named by :func:`rule_name`; *says* completes
    the description after the field's location; *reads* as :attr:`MutationOp.reads` (``()``
    where the edits do not depend on the value)."""
    return MutationOp(
        rule_name(path, keyword), family, f"{rule_location(path)} {says}", path, edits, needs, reads
    )


# --- structure ------------------------------------------------------------------------------


def violate_required(node: Node, path: Path, ctx: Context) -> Iterator[MutationOp]:
    for name in node["required"]:
        child = (*path, name)
        yield MutationOp(
            rule_name(child, "required"),
            "structure",
            f"drop the required field {rule_location(child)}",
            child,
            lambda v, m, c=child: [Edit("field removed", EditAction.DELETE, c)],
            reads=(),  # dropped, whatever its value
        )


def violate_additionalProperties(node: Node, path: Path, ctx: Context) -> Iterator[MutationOp]:
    if node["additionalProperties"] is not False:
        return

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        return [
            Edit("unknown field added", EditAction.SET, (*p, name), 1)
            for name in ("unexpected_field", "extra", "Type")
            if name not in (value or {})
        ]

    where = rule_location(path) if path else "the message"
    yield MutationOp(
        rule_name(path, "additionalProperties"),
        "structure",
        f"an unknown field in {where}, which is closed",
        path,
        edits,
        reads=(),  # only the object's field names
    )


def violate_root_type(node: Node, path: Path, ctx: Context) -> Iterator[MutationOp]:
    def edits(value: Any, message: Any) -> list[Edit]:
        return [
            Edit(n, EditAction.ROOT, (), v)
            for n, v in [
                ("wrapped in an array", [message]),
                ("a JSON string", "message"),
                ("null", None),
                ("a number", 1337),
                ("an empty array", []),
            ]
        ]

    yield MutationOp(
        rule_name((), "type"),
        "structure",
        "the message is not a JSON object (array, string, null, number)",
        path,
        edits,
    )


# --- types ----------------------------------------------------------------------------------


def _jsontype(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}[type(value)]


def _allowed(value: Any, types: list[str]) -> bool:
    kind = _jsontype(value)
    return kind in types or (kind == "integer" and "number" in types)


def violate_type(node: Node, path: Path, ctx: Context) -> Iterator[MutationOp]:
    types = [node["type"]] if isinstance(node["type"], str) else list(node["type"])
    confusions = TYPED_CONFUSIONS.get(node.get("format", ""), lambda v: [])

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        wrong = [*wrong_values(value), *confusions(value)]
        return Edit.sets(p, [(n, v) for n, v in wrong if not _allowed(v, types)])

    yield _keyword_op(
        "type", path, "types", f"with a wrong JSON type (not {' or '.join(types)})", edits
    )


# --- enums and consts ----------------------------------------------------------------------


def violate_const(node: Node, path: Path, ctx: Context) -> Iterator[MutationOp]:
    const = node["const"]

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        pairs = string_near_misses(const, ctx) if isinstance(const, str) else wrong_values(const)
        return Edit.sets(p, [(n, v) for n, v in pairs if v != const or type(v) is not type(const)])

    yield _keyword_op("const", path, "enums", f"a near miss of {const!r}", edits, reads=())


def violate_enum(node: Node, path: Path, ctx: Context) -> Iterator[MutationOp]:
    allowed = node["enum"]

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        pairs = string_near_misses(value, ctx) if isinstance(value, str) else wrong_values(value)
        return Edit.sets(
            p, [(n, v) for n, v in pairs if not any(v == a and type(v) is type(a) for a in allowed)]
        )

    shown = ", ".join(map(str, allowed[:4])) + (", ..." if len(allowed) > 4 else "")
    yield _keyword_op("enum", path, "enums", f"a near miss of one of {shown}", edits)


# --- patterns, sizes, array items -----------------------------------------------------------


def violate_pattern(node: Node, path: Path, ctx: Context) -> Iterator[MutationOp]:
    size = node.get("maxLength", RUN)

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        return Edit.sets(p, pattern_near_misses(value, size)) if isinstance(value, str) else []

    yield _keyword_op("pattern", path, "patterns", f"one step outside {node['pattern']}", edits)


#: ``(value, size, node) -> (note, value)`` pairs just past a size keyword's bound.
Resize = Callable[[Any, int, Node], Pairs]


def size_violator(
    keyword: str, container: type, says: str, resize: Resize, needs_item: bool = False
) -> Violate:
    """The violator of one size keyword (``minLength`` ... ``maxProperties``): operators whose
    edits *resize* a *container* value (``str``, ``list`` or ``dict``) just past the bound.

    *says* completes the description after the location, with ``{size}`` for the bound. A
    ``min`` bound of 0 breaks nothing, so it yields nothing; *needs_item* asks the planner for
    an array's first item first (a longer array repeats it)."""

    def violate(node: Node, path: Path, ctx: Context) -> Iterator[MutationOp]:
        size = node[keyword]
        if keyword.startswith("min") and size <= 0:
            return

        def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
            return Edit.sets(p, resize(value, size, node)) if isinstance(value, container) else []

        needs = (*path, ITEM) if needs_item else None
        yield _keyword_op(keyword, path, "lengths", says.format(size=size), edits, needs)

    violate.__name__ = violate.__qualname__ = f"violate_{keyword}"
    return violate


def _longer_string(value: str, size: int, node: Node) -> Pairs:
    padded = (value or "a") * (size // max(len(value), 1) + 1)
    pairs = [
        ("one character too long", padded[: size + 1]),
        ("one astral character too long", (value + "😀" * (size + 1))[: size + 1]),
        ("its last character repeated", (value + (value[-1:] or "a") * (size + 1))[: size + 1]),
    ]
    grow = LENGTHENERS.get(node.get("format", ""))
    grown = grow(value, size + 1) if grow else None
    if grown is not None:
        pairs.append(("a fraction of seconds long enough to be too long", grown))
    return pairs


def _more_items(value: list[Any], size: int, node: Node) -> Pairs:
    return [("one item too many", (value * (size + 1))[: size + 1])] if value else []


def _more_properties(value: dict[str, Any], size: int, node: Node) -> Pairs:
    fresh = (f"extra_{i}" for i in itertools.count() if f"extra_{i}" not in value)
    added = dict(zip(fresh, [1] * (size + 1 - len(value)), strict=False))
    return [("one property too many", {**value, **added})]


violate_minLength = size_violator(
    "minLength",
    str,
    "shorter than {size} characters",
    lambda v, size, node: [("one character too short", v[: size - 1])],
)
violate_maxLength = size_violator("maxLength", str, "longer than {size} characters", _longer_string)
violate_minItems = size_violator(
    "minItems",
    list,
    "with fewer than {size} items",
    lambda v, size, node: [("one item too few", list(v)[: size - 1])],
)
violate_maxItems = size_violator(
    "maxItems", list, "with more than {size} items", _more_items, needs_item=True
)
violate_minProperties = size_violator(
    "minProperties",
    dict,
    "with fewer than {size} properties",
    lambda v, size, node: [("one property too few", dict(list(v.items())[: size - 1]))],
)
violate_maxProperties = size_violator(
    "maxProperties", dict, "with more than {size} properties", _more_properties
)


def violate_items(node: Node, path: Path, ctx: Context) -> Iterator[MutationOp]:
    if node["items"] is not False:
        return
    size = len(node.get("prefixItems", []))

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        if not isinstance(value, list) or len(value) < size:
            return []  # a shorter tuple: one more item is still within prefixItems
        extra = value[-1] if value else 0
        return Edit.sets(
            p, [("one item past the tuple", [*value, extra]), ("null past it", [*value, None])]
        )

    yield _keyword_op("items", path, "lengths", f"with an item past its {size} prefixItems", edits)


def violate_uniqueItems(node: Node, path: Path, ctx: Context) -> Iterator[MutationOp]:
    if not node["uniqueItems"]:
        return

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        return (
            Edit.sets(p, [("an item repeated", [*value, value[0]])])
            if isinstance(value, list) and value
            else []
        )

    yield _keyword_op(
        "uniqueItems", path, "lengths", "with an item repeated", edits, needs=(*path, ITEM)
    )


# --- numbers -------------------------------------------------------------------------------


def _bound_violator(keyword: str, past: Callable[[Any, bool], Pairs]) -> Violate:
    """The violator of a numeric bound: the nearest numbers *past* it (integers for an
    integer field)."""

    def violate(node: Node, path: Path, ctx: Context) -> Iterator[MutationOp]:
        pairs = past(node[keyword], node.get("type") == "integer")
        says = f"just past its {keyword} {node[keyword]}"
        yield _keyword_op(
            keyword, path, "numbers", says, lambda v, m: Edit.sets(path, pairs), reads=()
        )

    violate.__name__ = violate.__qualname__ = f"violate_{keyword}"
    return violate


violate_minimum = _bound_violator("minimum", below)
violate_maximum = _bound_violator("maximum", above)
violate_exclusiveMinimum = _bound_violator(
    "exclusiveMinimum",
    lambda b, integer: [("exactly the exclusive minimum", b), *below(b, integer)],
)
violate_exclusiveMaximum = _bound_violator(
    "exclusiveMaximum",
    lambda b, integer: [("exactly the exclusive maximum", b), *above(b, integer)],
)


def violate_multipleOf(node: Node, path: Path, ctx: Context) -> Iterator[MutationOp]:
    step = node["multipleOf"]

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return []
        # Down as well as up: at the maximum both upward edits also break the bound.
        edits = [("half a step off", value + step / 2), ("one off", value + 1)]
        return Edit.sets(p, [*edits, ("half a step below", value - step / 2)])

    yield _keyword_op("multipleOf", path, "numbers", f"not a multiple of {step}", edits)


def violate_number_literals(node: Node, path: Path, ctx: Context) -> Iterator[MutationOp]:
    where = rule_location(path)
    literals = {
        "json.nan": [(f"NaN literal in {where}", "NaN")],
        "json.infinity": [
            (f"Infinity literal in {where}", "Infinity"),
            (f"-Infinity literal in {where}", "-Infinity"),
        ],
        "json.number_overflow": [
            (f"1e400 in {where}", "1e400"),
            (f"-1e400 in {where}", "-1e400"),
            (f"a 400-digit integer in {where}", "1" + "0" * 400),
        ],
    }
    for rule, pairs in literals.items():
        yield MutationOp(
            rule,
            "numbers",
            f"{JSON_RULES[rule]}, in place of a number",
            path,
            lambda v, m, p=path, pairs=pairs: [Edit(n, EditAction.RAW, p, lit) for n, lit in pairs],
            reads=(),
        )


# --- formats and composition ---------------------------------------------------------------


def violate_format(node: Node, path: Path, ctx: Context) -> Iterator[MutationOp]:
    fmt = node["format"]
    if fmt not in FORMAT_VIOLATIONS:
        return

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        return Edit.sets(p, FORMAT_VIOLATIONS[fmt](value)) if isinstance(value, str) else []

    yield _keyword_op("format", path, "formats", f"a near miss of a {fmt}", edits)


def _branches_violator(keyword: str) -> Violate:
    """The violator of ``anyOf`` or ``oneOf``: classic confusions that match no branch."""

    def violate(node: Node, path: Path, ctx: Context) -> Iterator[MutationOp]:
        says = f"matching none of its {keyword} branches"
        yield _keyword_op(
            keyword, path, "types", says, lambda v, m: Edit.sets(path, wrong_values(v))
        )

    violate.__name__ = violate.__qualname__ = f"violate_{keyword}"
    return violate


violate_anyOf = _branches_violator("anyOf")
violate_oneOf = _branches_violator("oneOf")
