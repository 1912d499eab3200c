"""Valid values from canonical schema nodes: a JSON type -> builder table.

Values are built to satisfy the node directly; the oracle filters only where building cannot
be exact (``oneOf``'s "exactly one", float ``multipleOf``, a pattern combined with lengths).
Each builder leans on the boundaries consumers get wrong (bounds exactly, 2^31, 2^53-1, JSON
integers where numbers are expected, -0.0) and shrinks towards the schema's example value when
the document has one, so a shrunk message reads like the README's.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from ..oracle import SchemaOracle
from .canonical import JSON_TYPES, _merge
from .formats_values import FORMAT_LONGEST, FORMAT_STRATEGIES
from .text import free_text, pattern_strings

__all__ = ["BUILDERS", "ObjectFields", "Options", "ValueBuilder", "object_fields", "set_path"]

_BIG = (2**31 - 1, 2**31, 2**32, 2**53 - 1, 2**53, 2**63 - 1, 2**63, 2**64)
_EXTRA_NAMES = ("x_future_field", "x_future_field_2", "x_future_field_3")
_BOUND_KEYWORDS = {"type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}
Path = tuple[str, ...]


@dataclass(frozen=True)
class Options:
    """Switches of valid generation.

    Attributes:
        integer_floats: also send integer-valued floats (``1337.0``) where the schema says
            integer. Valid JSON Schema, but most typed consumers reject them; off by default.
        extra_fields: add unknown fields where the schema leaves objects open (the tolerant-reader
            promise of minor versions).
        max_array: the longest array generated unless ``minItems`` asks for more.
    """

    integer_floats: bool = False
    extra_fields: bool = True
    max_array: int = 4


def _json_scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**53) + 1, 2**53 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
        free_text(max_size=20),
    )


def _any_json() -> st.SearchStrategy[Any]:
    return st.recursive(
        _json_scalars(),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(free_text(max_size=8), inner, max_size=3)
        ),
        max_leaves=6,
    )


def _inferred_types(node: Mapping[str, Any]) -> list[str]:
    if "type" in node:
        return [node["type"]] if isinstance(node["type"], str) else list(node["type"])
    hints = {
        "object": ("properties", "required", "additionalProperties"),
        "string": ("pattern", "format", "minLength", "maxLength"),
        "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
        "array": ("items", "prefixItems", "minItems", "maxItems", "uniqueItems"),
    }
    found = [t for t, keys in hints.items() if any(k in node for k in keys)]
    return found or list(JSON_TYPES)


def set_path(message: Any, path: Path, value: Any) -> Any:
    """A copy of *message* with *value* at *path* (``"[]"`` means the first array item)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if head == "[]":
        items = list(message)
        items[0] = set_path(items[0], rest, value)
        return items
    copy = dict(message)
    copy[head] = set_path(copy.get(head), rest, value)
    return copy


@dataclass
class ValueBuilder:
    """Build strategies of valid values for canonical nodes.

    Args:
        options: generation switches.
        hints: path -> an example value to shrink towards (from the schema's ``examples``).
    """

    options: Options = field(default_factory=Options)
    hints: dict[Path, Any] = field(default_factory=dict)

    def build(self, node: Mapping[str, Any], path: Path = ()) -> st.SearchStrategy[Any]:
        """A strategy of values valid for *node* at *path*."""
        oracle = SchemaOracle(dict(node))
        hinted = path in self.hints and oracle.is_valid(self.hints[path])
        choices = _choices(node, oracle)
        if choices is not None:  # the example first in the one draw there is anyway
            first = [self.hints[path]] if hinted else []
            values = _distinct([*first, *choices])
            return st.just(values[0]) if len(values) == 1 else st.sampled_from(values)
        strategy = self._build(node, path)
        if not hinted or _shrinks_to_example(node):
            return strategy
        return st.one_of(st.just(self.hints[path]), strategy)

    def _build(self, node: Mapping[str, Any], path: Path) -> st.SearchStrategy[Any]:
        for key in ("anyOf", "oneOf"):
            if key in node:
                return self._branches(node, key, path)
        types = _inferred_types(node)
        if types == list(JSON_TYPES) and len(node) == 0:
            return _any_json()
        return st.one_of([BUILDERS[t](self, node, path) for t in types])

    def _branches(self, node: Mapping[str, Any], key: str, path: Path) -> st.SearchStrategy[Any]:
        rest = {k: v for k, v in node.items() if k != key}
        merged = [self._build(_merge(rest, branch, "/".join(path)), path) for branch in node[key]]
        if key == "anyOf":
            return st.one_of(merged)
        oracle = SchemaOracle(dict(node))
        return st.one_of(merged).filter(oracle.is_valid)


def _shrinks_to_example(node: Mapping[str, Any]) -> bool:
    """Whether the node's own strategy draws its example, and first (an object's does, one draw
    in :data:`EXAMPLE_ODDS`): a ``just(example)`` branch beside it would make that one message
    half of all draws (the README example was half of a batch's messages, all repeats)."""
    return _inferred_types(node) == ["object"] and not {"anyOf", "oneOf"} & set(node)


def _choices(node: Mapping[str, Any], oracle: SchemaOracle) -> list[Any] | None:
    """Every valid value of a node that has few (const, enum, a boolean), else None; an empty
    list (an enum nothing in satisfies) makes an empty strategy."""
    if "const" in node:
        return [node["const"]]
    if "enum" in node:
        return [v for v in node["enum"] if oracle.is_valid(v)]
    if node.get("type") == "boolean" and set(node) == {"type"}:
        return [False, True]
    return None


def _integer_bounds(node: Mapping[str, Any]) -> tuple[int | None, int | None]:
    lo = hi = None
    if "minimum" in node:
        lo = math.ceil(node["minimum"])
    if "exclusiveMinimum" in node:
        bound = math.floor(node["exclusiveMinimum"]) + 1
        lo = bound if lo is None else max(lo, bound)
    if "maximum" in node:
        hi = math.floor(node["maximum"])
    if "exclusiveMaximum" in node:
        bound = math.ceil(node["exclusiveMaximum"]) - 1
        hi = bound if hi is None else min(hi, bound)
    return lo, hi


def _within(values: list[int], lo: int | None, hi: int | None) -> list[int]:
    return sorted({v for v in values if (lo is None or v >= lo) and (hi is None or v <= hi)})


def _integer(builder: ValueBuilder, node: Mapping[str, Any], path: Path) -> st.SearchStrategy[Any]:
    lo, hi = _integer_bounds(node)
    step = node.get("multipleOf")
    if isinstance(step, int):
        k_lo = None if lo is None else -(-lo // step)
        k_hi = None if hi is None else hi // step
        ints = st.integers(k_lo, k_hi).map(lambda k: k * step)
    else:
        edges = [e for b in (lo, hi) if b is not None for e in (b - 1, b, b + 1)]
        boundary = _within([0, 1, -1, *edges, *_BIG, *(-b for b in _BIG)], lo, hi)
        ints = (
            st.one_of(st.integers(lo, hi), st.sampled_from(boundary))
            if boundary
            else st.integers(lo, hi)
        )
        if step is not None:
            ints = ints.filter(SchemaOracle(dict(node)).is_valid)
    if builder.options.integer_floats:
        return st.one_of(ints, ints.filter(lambda v: abs(v) < 2**53).map(float))
    return ints


def _float_bound(
    node: Mapping[str, Any], inclusive: str, exclusive: str, tighter: Callable[..., Any]
) -> tuple[Any, bool]:
    """The binding bound of one side and whether it is exclusive (both keywords may be set)."""
    if inclusive in node and exclusive in node:
        bound = tighter(node[inclusive], node[exclusive])
        return bound, bound == node[exclusive]
    if exclusive in node:
        return node[exclusive], True
    return node.get(inclusive), False


def _number(builder: ValueBuilder, node: Mapping[str, Any], path: Path) -> st.SearchStrategy[Any]:
    lo, exclude_lo = _float_bound(node, "minimum", "exclusiveMinimum", max)
    hi, exclude_hi = _float_bound(node, "maximum", "exclusiveMaximum", min)
    floats = st.floats(
        min_value=lo,
        max_value=hi,
        allow_nan=False,
        allow_infinity=False,
        exclude_min=exclude_lo,
        exclude_max=exclude_hi,
    )
    bounds = [b for b in (lo, hi) if b is not None]
    edges = [math.nextafter(b, d) for b in bounds for d in (-math.inf, math.inf)]
    candidates = [
        *_both_forms(bounds),
        *edges,
        0,
        1,
        -1,
        0.0,
        -0.0,
        1.0,
        0.5,
        1e-300,
        1.7976931348623157e308,
    ]
    oracle = SchemaOracle(dict(node))
    boundary = [v for v in _distinct(candidates) if oracle.is_valid(v)]
    ints = _integer(
        ValueBuilder(builder.options), {k: v for k, v in node.items() if k != "multipleOf"}, path
    )
    exact = set(node) <= _BOUND_KEYWORDS  # integers within the bounds are valid as built
    parts = [floats, ints if exact else ints.filter(oracle.is_valid)]
    if boundary:
        parts.append(st.sampled_from(boundary))
    if "multipleOf" in node:
        parts = [_multiples(node["multipleOf"], lo, hi).filter(oracle.is_valid)]
    return st.one_of(parts)


def _multiples(step: Any, lo: Any, hi: Any) -> st.SearchStrategy[Any]:
    """``k * step`` for every k that may land within [lo, hi] (one more each side: the float
    division may round; the caller's oracle filter drops what falls out or is no multiple)."""
    k_lo = None if lo is None else math.floor(lo / step) - 1
    k_hi = None if hi is None else math.ceil(hi / step) + 1
    if k_lo is None and k_hi is None:
        k_lo, k_hi = -(10**6), 10**6
    return st.integers(k_lo, k_hi).map(lambda k: k * step)


def _both_forms(numbers: list[Any]) -> list[Any]:
    """Each number as written and as the other JSON form (``1`` and ``1.0``) where exact."""
    out = []
    for number in numbers:
        out.append(number)
        try:
            other = float(number) if isinstance(number, int) else int(number)
        except (OverflowError, ValueError):
            continue
        if other == number:
            out.append(other)
    return out


def _distinct(values: list[Any]) -> list[Any]:
    """*values* without repeats, where ``0``, ``0.0`` and ``-0.0`` are three different values
    (``dict.fromkeys`` would keep only the first: they are equal and hash alike)."""
    return list({(type(v), repr(v)): v for v in values}.values())


def _string(builder: ValueBuilder, node: Mapping[str, Any], path: Path) -> st.SearchStrategy[Any]:
    lo, hi = node.get("minLength", 0), node.get("maxLength")
    if "format" not in node:
        return pattern_strings(node["pattern"], lo, hi) if "pattern" in node else free_text(lo, hi)
    base = FORMAT_STRATEGIES[node["format"]](hi)
    if "pattern" in node:
        return base.filter(SchemaOracle(dict(node)).is_valid)
    longest = FORMAT_LONGEST.get(node["format"])
    if lo == 0 and (hi is None or (longest is not None and hi >= longest)):
        return base  # within the lengths by construction
    return base.filter(lambda s: lo <= len(s) and (hi is None or len(s) <= hi))


def _array(builder: ValueBuilder, node: Mapping[str, Any], path: Path) -> st.SearchStrategy[Any]:
    prefix = [builder.build(s, (*path, "[]")) for s in node.get("prefixItems", [])]
    items_node = node.get("items", {})
    lo = max(node.get("minItems", 0) - len(prefix), 0)
    hi = node.get("maxItems")
    cap = (
        max(lo, builder.options.max_array)
        if hi is None
        else min(hi - len(prefix), max(lo, builder.options.max_array))
    )
    unique = node.get("uniqueItems", False)
    if items_node is False:  # a closed tuple
        rest: st.SearchStrategy[list[Any]] = st.just([])
    else:
        item = builder.build(items_node, (*path, "[]"))
        rest = st.lists(
            item, min_size=lo, max_size=max(cap, lo), unique_by=_canonical if unique else None
        )
    if not prefix:
        return rest
    strategy = st.tuples(st.tuples(*prefix), rest).map(lambda pr: [*pr[0], *pr[1]])
    return strategy.filter(SchemaOracle(dict(node)).is_valid) if unique else strategy


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


#: An object node with a valid example draws that example once in this many draws, and as its
#: simplest draw (the shrink target). A ``one_of`` with it would make it half of all draws.
EXAMPLE_ODDS = 16
_PICK_EXAMPLE = st.integers(0, EXAMPLE_ODDS - 1)


@dataclass(frozen=True)
class ObjectFields:
    """An object node's fields in message order: name, value strategy, whether optional, and
    which optional fields the example has (a bit mask: what a drawn mask of 0 means); the
    strategy of masks, built once; the example itself when it is valid for the node."""

    names: tuple[str, ...]
    values: tuple[st.SearchStrategy[Any], ...]
    optional: tuple[bool, ...]
    default: int
    example: dict[str, Any] | None = None
    masks: st.SearchStrategy[int] | None = field(init=False, compare=False, default=None)

    def __post_init__(self) -> None:
        count = sum(self.optional)
        object.__setattr__(self, "masks", st.integers(0, 2**count - 1) if count else None)

    def __repr__(self) -> str:
        return f"<fields {', '.join(self.names)}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # Hypothesis would print every field's strategy


@st.composite
def _objects(draw: st.DrawFn, fields: ObjectFields) -> dict[str, Any]:
    """The example one draw in EXAMPLE_ODDS (the simplest draw); else one draw picks which
    optional fields are present (not fixed_dictionaries: it also shuffles the keys, a draw per
    key, which the message order then undid), then one per field. Shrinks to the example."""
    if fields.example is not None and draw(_PICK_EXAMPLE) == 0:
        return fields.example
    mask = 0 if fields.masks is None else draw(fields.masks) ^ fields.default
    out: dict[str, Any] = {}
    bit = 0
    for name, values, optional in zip(fields.names, fields.values, fields.optional, strict=True):
        if optional:
            present, bit = mask >> bit & 1, bit + 1
            if not present:
                continue
        out[name] = draw(values)
    return out


def object_fields(builder: ValueBuilder, node: Mapping[str, Any], path: Path) -> ObjectFields:
    """The fields of the object *node* at *path*, each with its strategy of valid values."""
    props: dict[str, Any] = node.get("properties", {})
    required = set(node.get("required", []))
    fields = [(n, builder.build(s, (*path, n)), n not in required) for n, s in props.items()]
    fields += [(n, _any_json(), False) for n in node.get("required", []) if n not in props]
    extra = node.get("additionalProperties", True)
    if extra is not False and builder.options.extra_fields:
        name = next(n for n in _EXTRA_NAMES if n not in props)
        value = _json_scalars() if extra is True else builder.build(extra, (*path, "*"))
        fields.append((name, value, True))
    example = builder.hints.get(path)
    if not isinstance(example, dict) or not SchemaOracle(dict(node)).is_valid(example):
        example = None
    present = [n for n, _, optional in fields if optional]
    default = sum(1 << i for i, n in enumerate(present) if example is not None and n in example)
    names, values, optional = zip(*fields, strict=True) if fields else ((), (), ())
    return ObjectFields(names, values, optional, default, example)


def _object(builder: ValueBuilder, node: Mapping[str, Any], path: Path) -> st.SearchStrategy[Any]:
    return _objects(object_fields(builder, node, path))


#: JSON type -> builder of valid values of that type.
BUILDERS: dict[str, Callable[[ValueBuilder, Mapping[str, Any], Path], st.SearchStrategy[Any]]] = {
    "null": lambda b, n, p: st.none(),
    "boolean": lambda b, n, p: st.booleans(),
    "integer": _integer,
    "number": _number,
    "string": _string,
    "array": _array,
    "object": _object,
}
assert set(BUILDERS) == set(JSON_TYPES), "every JSON type needs a builder"
