"""Canonicalise a schema: inline ``$ref``, merge ``allOf``, refuse unsupported keywords.

The result is a plain dict per node holding only :data:`SUPPORTED` keywords (annotations are
dropped), ``anyOf``/``oneOf`` kept as lists of canonical branches. Anything else raises
:class:`~backbeat_fuzz.errors.UnsupportedSchemaError` naming the keyword and where it is:
a keyword silently ignored would generate messages the oracle rejects, or miss a rule.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .. import resolver, vocabulary
from ..errors import UnsupportedSchemaError

__all__ = ["ANNOTATIONS", "JSON_TYPES", "SUPPORTED", "canonicalise"]

JSON_TYPES = ("null", "boolean", "integer", "number", "string", "array", "object")

#: Keywords that carry no assertion: dropped (and ``$id``, ``definitions``: references are
#: resolved by then).
ANNOTATIONS = vocabulary.ANNOTATIONS | {"$id", "definitions"}

#: Keywords the generators honour (after ``$ref`` and ``allOf`` are gone).
SUPPORTED = frozenset(
    {
        "type",
        "enum",
        "const",
        "properties",
        "required",
        "additionalProperties",
        "pattern",
        "format",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "anyOf",
        "oneOf",
    }
)

_TIGHTEN_MAX = ("maximum", "exclusiveMaximum", "maxLength", "maxItems")
_TIGHTEN_MIN = ("minimum", "exclusiveMinimum", "minLength", "minItems")


def _pointer(root: Mapping[str, Any], ref: str, where: str) -> Any:
    try:
        return resolver.pointer_target(root, ref)
    except resolver.PointerError as exc:  # the contract refused every $ref out of the folder
        raise UnsupportedSchemaError(
            f"$ref={ref!r} at {where or '/'} {exc.why}; the generators follow '#/...' pointers "
            "into the same schema only: inline what it names under $defs and use '#/$defs/...'"
        ) from None


def _merge_type(a: Any, b: Any) -> list[str]:
    left = {a} if isinstance(a, str) else set(a)
    right = {b} if isinstance(b, str) else set(b)
    if "number" in left and "integer" in right:
        left.add("integer")
    if "number" in right and "integer" in left:
        right.add("integer")
    return [t for t in JSON_TYPES if t in left & right]


def _merge(a: dict[str, Any], b: dict[str, Any], where: str) -> dict[str, Any]:
    out = dict(a)
    for key, value in b.items():
        if key not in out:
            out[key] = value
        elif key in _TIGHTEN_MAX:
            out[key] = min(out[key], value)
        elif key in _TIGHTEN_MIN:
            out[key] = max(out[key], value)
        elif key == "type":
            out[key] = _merge_type(out[key], value)
        elif key == "required":
            out[key] = list(dict.fromkeys([*out[key], *value]))
        elif key == "properties":
            props = dict(out[key])
            for name, sub in value.items():
                props[name] = (
                    _merge(props[name], sub, f"{where}/properties/{name}") if name in props else sub
                )
            out[key] = props
        elif key == "enum":
            out[key] = [v for v in out[key] if v in value]
        elif key == "multipleOf" and out[key] != value:
            out[key] = _lcm(out[key], value, where)
        elif out[key] != value:
            raise UnsupportedSchemaError(
                f"allOf at {where} combines two different {key!r} values; merge them by hand"
            )
    return out


def _lcm(a: Any, b: Any, where: str) -> Any:
    if isinstance(a, int) and isinstance(b, int):
        return a * b // math.gcd(a, b)
    raise UnsupportedSchemaError(
        f"allOf at {where} combines multipleOf {a!r} and {b!r}; use one multipleOf"
    )


class _Canon:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.active: set[str] = set()

    def node(self, schema: Any, where: str) -> dict[str, Any]:
        if schema is True:
            return {}
        if schema is False:
            raise UnsupportedSchemaError(f"schema at {where} is false (matches nothing)")
        if not isinstance(schema, Mapping):
            raise UnsupportedSchemaError(f"schema at {where} is not an object")
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key in ANNOTATIONS or key.startswith("x-"):
                continue
            if key == "$ref":
                out = _merge(out, self.ref(value, where), where)
            elif key == "allOf":
                for i, sub in enumerate(value):
                    out = _merge(out, self.node(sub, f"{where}/allOf/{i}"), where)
            elif key in SUPPORTED:
                out = _merge(out, {key: self.child(key, value, where)}, where)
            else:
                raise UnsupportedSchemaError(
                    f"keyword {key!r} at {where or '/'} is not supported by the generators; "
                    f"supported: {', '.join(sorted(SUPPORTED | {'$ref', 'allOf'}))}"
                )
        _check_satisfiable(out, where)
        return out

    def ref(self, ref: str, where: str) -> dict[str, Any]:
        if ref in self.active:
            raise UnsupportedSchemaError(
                f"$ref={ref!r} at {where} is recursive; recursion is not supported"
            )
        self.active.add(ref)
        try:
            return self.node(_pointer(self.root, ref, where), ref[1:])
        finally:
            self.active.discard(ref)

    def child(self, key: str, value: Any, where: str) -> Any:
        if key == "properties":
            return {n: self.node(s, f"{where}/properties/{n}") for n, s in value.items()}
        if key in ("anyOf", "oneOf", "prefixItems"):
            return [self.node(s, f"{where}/{key}/{i}") for i, s in enumerate(value)]
        if key == "items" and value is False:
            return False  # a closed tuple: nothing past prefixItems
        if key == "items" or (key == "additionalProperties" and not isinstance(value, bool)):
            return self.node(value, f"{where}/{key}")
        if key == "format" and value not in _FORMATS():
            raise UnsupportedSchemaError(
                f"format {value!r} at {where or '/'} is not supported; "
                f"supported: {', '.join(_FORMATS())}"
            )
        return value


def _FORMATS() -> list[str]:
    from ..formats import FORMATS

    return list(FORMATS)


def _nothing(where: str, why: str) -> UnsupportedSchemaError:
    return UnsupportedSchemaError(
        f"schema at {where or '/'} can match nothing: {why}; fix the schema"
    )


def _check_satisfiable(node: Mapping[str, Any], where: str) -> None:
    """Refuse bounds that leave no value: a generator could only fail on them, later."""
    for low, high in (("minLength", "maxLength"), ("minItems", "maxItems")):
        if low in node and high in node and node[low] > node[high]:
            raise _nothing(where, f"{low} {node[low]} > {high} {node[high]}")
    if "enum" in node and not node["enum"]:
        raise _nothing(where, "its enum is empty (after merging allOf)")
    types = node.get("type", ["number"])
    if not {"number", "integer"} & ({types} if isinstance(types, str) else set(types)):
        return
    lows = [(node[k], k) for k in ("minimum", "exclusiveMinimum") if k in node]
    highs = [(node[k], k) for k in ("maximum", "exclusiveMaximum") if k in node]
    if not lows or not highs:
        return
    (lo, lo_key), (hi, hi_key) = max(lows), min(highs)
    exclusive = "exclusive" in lo_key or "exclusive" in hi_key
    if lo > hi or (lo == hi and exclusive):
        raise _nothing(where, f"{lo_key} {lo} and {hi_key} {hi} leave no number")
    if types == "integer" and math.ceil(lo) > math.floor(hi):
        raise _nothing(where, f"no integer lies between {lo_key} {lo} and {hi_key} {hi}")


def canonicalise(schema: Any) -> dict[str, Any]:
    """Return the canonical form of *schema* (a document root).

    Raises:
        UnsupportedSchemaError: a keyword, format or ``$ref`` the generators cannot honour.
    """
    return _Canon(schema if isinstance(schema, Mapping) else {}).node(schema, "")
