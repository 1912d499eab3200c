"""The compiled engine's keyword table: keyword -> compiler of that keyword's node.

As jsonschema has one function per keyword, resolved for each instance, this has one compiler
per keyword, run once per schema: ``compiler(c, value, schema)`` returns the keyword's
:class:`~backbeat_fuzz._nodes.Node` (or None where the value asserts nothing, such as
``uniqueItems: false``), asking the :class:`~backbeat_fuzz._compiled.Compiler` *c* for the
nodes of its subschemas. A value the reference engine would judge otherwise (a bound that is not
a number, a pattern that is not ECMA-262) raises :class:`~backbeat_fuzz._nodes.NotCompilable`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from . import ecma
from ._messages import Failure, Location
from ._nodes import ALWAYS, Check, Node, NotCompilable, below, combine, each, leaf, require
from ._semantics import TYPES, equal, is_number, not_multiple, unique
from .errors import SchemaError
from .formats import FORMATS

if TYPE_CHECKING:
    from ._compiled import Compiler


def _is_plain_number(value: Any) -> bool:
    return type(value) in (int, float)


KeywordCompiler = Callable[["Compiler", Any, dict[str, Any]], "Node | None"]


def _type(c: Compiler, value: Any, schema: dict[str, Any]) -> Node:
    names = [value] if isinstance(value, str) else value
    require(isinstance(names, list) and all(n in TYPES for n in names), f"type {value!r}")
    checks = [TYPES[name] for name in names]
    if len(checks) == 1:
        return leaf("type", value, schema, checks[0])
    return leaf("type", value, schema, lambda x: any(check(x) for check in checks))


def _const(c: Compiler, value: Any, schema: dict[str, Any]) -> Node:
    if isinstance(value, str):
        return leaf("const", value, schema, lambda x: bool(x == value))
    return leaf("const", value, schema, lambda x: equal(x, value))


def _enum(c: Compiler, value: Any, schema: dict[str, Any]) -> Node:
    require(isinstance(value, list), f"enum {value!r}")
    strings = frozenset(v for v in value if isinstance(v, str))
    only_strings = len(strings) == len(value)

    def check(instance: Any) -> bool:
        if only_strings and type(instance) is str:
            return instance in strings
        return any(equal(each, instance) for each in value)

    return leaf("enum", value, schema, check)


def _number_bound(keyword: str, fails: Callable[[Any, Any], bool]) -> KeywordCompiler:
    def compile_bound(c: Compiler, value: Any, schema: dict[str, Any]) -> Node:
        require(_is_plain_number(value), f"{keyword} {value!r}")

        def check(x: Any) -> bool:
            return not is_number(x) or not fails(x, value)

        return leaf(keyword, value, schema, check)

    return compile_bound


def _minimum(c: Compiler, value: Any, schema: dict[str, Any]) -> Node:
    require(_is_plain_number(value), f"minimum {value!r}")

    def check(x: Any) -> bool:
        kind = type(x)
        if kind is int or kind is float:
            return not x < value
        return not is_number(x) or not x < value

    return leaf("minimum", value, schema, check)


def _maximum(c: Compiler, value: Any, schema: dict[str, Any]) -> Node:
    require(_is_plain_number(value), f"maximum {value!r}")

    def check(x: Any) -> bool:
        kind = type(x)
        if kind is int or kind is float:
            return not x > value
        return not is_number(x) or not x > value

    return leaf("maximum", value, schema, check)


def _multiple_of(c: Compiler, value: Any, schema: dict[str, Any]) -> Node:
    require(_is_plain_number(value) and value > 0, f"multipleOf {value!r}")
    return leaf(
        "multipleOf", value, schema, lambda x: not is_number(x) or not not_multiple(x, value)
    )


def _size_bound(keyword: str, of: type, fails: Callable[[int, Any], bool]) -> KeywordCompiler:
    def compile_bound(c: Compiler, value: Any, schema: dict[str, Any]) -> Node:
        require(_is_plain_number(value), f"{keyword} {value!r}")
        return leaf(
            keyword, value, schema, lambda x: not isinstance(x, of) or not fails(len(x), value)
        )

    return compile_bound


def _pattern(c: Compiler, value: Any, schema: dict[str, Any]) -> Node:
    require(isinstance(value, str), f"pattern {value!r}")
    try:
        regex = ecma.compile_pattern(value)
    except SchemaError:
        raise NotCompilable(f"pattern {value!r}") from None

    def check(x: Any) -> bool:
        if not isinstance(x, str):
            return True
        try:
            return regex.find(x) is not None
        except UnicodeEncodeError:  # a lone surrogate: ecma.search knows what to do
            return ecma.search(value, x)

    return leaf("pattern", value, schema, check)


def _format(c: Compiler, value: Any, schema: dict[str, Any]) -> Node | None:
    require(isinstance(value, str), f"format {value!r}")
    checker = FORMATS.get(value)
    if checker is None:
        return None  # an annotation only
    return leaf("format", value, schema, lambda x: not isinstance(x, str) or bool(checker(x)))


def _unique_items(c: Compiler, value: Any, schema: dict[str, Any]) -> Node | None:
    require(isinstance(value, bool), f"uniqueItems {value!r}")
    if not value:
        return None
    return leaf("uniqueItems", value, schema, lambda x: not isinstance(x, list) or unique(x))


def _required(c: Compiler, value: Any, schema: dict[str, Any]) -> Node:
    require(isinstance(value, list) and all(isinstance(n, str) for n in value), "required")
    names, needed = tuple(value), frozenset(value)
    return _per_property(
        "required",
        value,
        schema,
        lambda instance: not isinstance(instance, dict) or instance.keys() >= needed,
        lambda instance: [name for name in names if name not in instance],
    )


def _per_property(
    keyword: str,
    value: Any,
    schema: dict[str, Any],
    check: Check,
    broken: Callable[[Any], list[Any]],
) -> Node:
    """A keyword that fails once per property *broken* names in an object *check* fails."""

    def collect(instance: Any, location: Location, out: list[Failure]) -> None:
        if not check(instance):
            out += [
                Failure(location, keyword, value, instance, schema, n) for n in broken(instance)
            ]

    return Node(check, collect)


def _properties(c: Compiler, value: Any, schema: dict[str, Any]) -> Node:
    require(isinstance(value, dict), f"properties {value!r}")
    subs = tuple((name, c.node(sub)) for name, sub in value.items())
    checks = tuple((name, node.valid) for name, node in subs if node is not ALWAYS)

    def valid(instance: Any) -> bool:
        if isinstance(instance, dict):
            for name, check in checks:
                if name in instance and not check(instance[name]):
                    return False
        return True

    def collect(instance: Any, location: Location, out: list[Failure]) -> None:
        if isinstance(instance, dict):
            for name, node in subs:
                if name in instance and not node.valid(item := instance[name]):
                    node.collect(item, below(location, name, node), out)

    return Node(valid, collect)


def _additional_properties(c: Compiler, value: Any, schema: dict[str, Any]) -> Node | None:
    known = schema.get("properties", {})
    require(isinstance(known, dict), "properties")
    if value is True:
        return None
    if value is False:
        return _no_additional(value, schema, frozenset(known))

    def unknown(instance: Any) -> Iterable[tuple[Any, Any]]:
        if not isinstance(instance, dict):
            return ()
        return [(key, item) for key, item in instance.items() if key not in known]

    return each(unknown, c.node(value))


def _no_additional(value: Any, schema: dict[str, Any], known: frozenset[Any]) -> Node:
    return _per_property(
        "additionalProperties",
        value,
        schema,
        lambda instance: not isinstance(instance, dict) or instance.keys() <= known,
        lambda instance: [key for key in instance if key not in known],
    )


def _prefix_items(c: Compiler, value: Any, schema: dict[str, Any]) -> Node:
    nodes = c.nodes(value)

    def valid(instance: Any) -> bool:
        if isinstance(instance, list):
            for item, node in zip(instance, nodes, strict=False):
                if not node.valid(item):
                    return False
        return True

    def collect(instance: Any, location: Location, out: list[Failure]) -> None:
        if isinstance(instance, list):
            for index, (item, node) in enumerate(zip(instance, nodes, strict=False)):
                if not node.valid(item):
                    node.collect(item, below(location, index, node), out)

    return Node(valid, collect)


def _items(c: Compiler, value: Any, schema: dict[str, Any]) -> Node | None:
    prefix_items = schema.get("prefixItems", [])
    require(isinstance(prefix_items, list), "prefixItems")
    prefix = len(prefix_items)
    if value is True:
        return None
    if value is False:
        return _no_more_items(value, schema, prefix)

    def rest(instance: Any) -> Iterable[tuple[Any, Any]]:
        if not isinstance(instance, list):
            return ()
        if not prefix:
            return enumerate(instance)
        return [(index, instance[index]) for index in range(prefix, len(instance))]

    return each(rest, c.node(value))


def _no_more_items(value: Any, schema: dict[str, Any], prefix: int) -> Node:
    def valid(instance: Any) -> bool:
        return not isinstance(instance, list) or len(instance) <= prefix

    def collect(instance: Any, location: Location, out: list[Failure]) -> None:
        if not valid(instance):
            out.append(Failure(location, "items", value, instance, schema))

    return Node(valid, collect)


def _ref(c: Compiler, value: Any, schema: dict[str, Any]) -> Node:
    return c.node(c.resolve(value))


def _all_of_keyword(c: Compiler, value: Any, schema: dict[str, Any]) -> Node:
    return combine(c.nodes(value))


def _any_of(c: Compiler, value: Any, schema: dict[str, Any]) -> Node:
    checks = [node.valid for node in c.nodes(value)]
    return leaf("anyOf", value, schema, lambda x: any(check(x) for check in checks))


def _one_of(c: Compiler, value: Any, schema: dict[str, Any]) -> Node:
    checks = [node.valid for node in c.nodes(value)]

    def valid(instance: Any) -> bool:
        return sum(1 for check in checks if check(instance)) == 1

    def collect(instance: Any, location: Location, out: list[Failure]) -> None:
        matched = [index for index, check in enumerate(checks) if check(instance)]
        if len(matched) != 1:
            out.append(Failure(location, "oneOf", value, instance, schema, detail=matched))

    return Node(valid, collect)


def _not(c: Compiler, value: Any, schema: dict[str, Any]) -> Node:
    check = c.node(value).valid
    return leaf("not", value, schema, lambda x: not check(x))


#: keyword -> compiler: the keywords the fast engine asserts. Every other keyword the reference
#: engine asserts makes a schema :class:`NotCompilable`; the rest are annotations.
COMPILERS: dict[str, KeywordCompiler] = {
    "type": _type,
    "const": _const,
    "enum": _enum,
    "minimum": _minimum,
    "maximum": _maximum,
    "exclusiveMinimum": _number_bound("exclusiveMinimum", lambda x, bound: x <= bound),
    "exclusiveMaximum": _number_bound("exclusiveMaximum", lambda x, bound: x >= bound),
    "multipleOf": _multiple_of,
    "minLength": _size_bound("minLength", str, lambda size, bound: size < bound),
    "maxLength": _size_bound("maxLength", str, lambda size, bound: size > bound),
    "minItems": _size_bound("minItems", list, lambda size, bound: size < bound),
    "maxItems": _size_bound("maxItems", list, lambda size, bound: size > bound),
    "uniqueItems": _unique_items,
    "pattern": _pattern,
    "format": _format,
    "required": _required,
    "properties": _properties,
    "additionalProperties": _additional_properties,
    "prefixItems": _prefix_items,
    "items": _items,
    "$ref": _ref,
    "allOf": _all_of_keyword,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "not": _not,
}
