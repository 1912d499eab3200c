"""Draft 2020-12 schemas compiled ahead of time into small closures, one per keyword.

:class:`~backbeat_fuzz.oracle.SchemaOracle`'s fast engine. :func:`compile_schema` walks a schema
once and turns each keyword into a pair of closures through :data:`COMPILERS` (a keyword ->
compiler table, as :mod:`jsonschema` has keyword functions, but resolved before any instance is
seen): ``valid(instance) -> bool``, which builds nothing, and ``collect(instance, path, out)``,
which appends a :class:`Failure` for every failed keyword. Local ``$ref`` are inlined.

The semantics are the reference engine's, keyword for keyword (ECMA-262 ``pattern``, the
asserted formats, one failure per missing or unknown property, jsonschema's JSON equality), and
failures come out in the order the reference engine's errors do. A schema that uses anything
else (a keyword outside the table, a remote or recursive ``$ref``, a value the reference engine
would crash on) raises :class:`NotCompilable`, and the oracle keeps the reference engine for it.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from . import ecma, resolver
from .errors import SchemaError
from .formats import FORMATS

Location = tuple[Any, ...]


class NotCompilable(Exception):
    """The schema uses something the compiler does not cover; keep the reference engine."""


class Failure(NamedTuple):
    """One failed keyword, holding what the reference engine's error would.

    ``keyword`` is ``"None"`` for a false schema, as jsonschema reports it; ``location`` is
    where the keyword applied (the object, for ``required`` and ``additionalProperties``, whose
    ``name`` is the property); ``detail`` is what a message needs beyond the keyword's value.
    """

    location: Location
    keyword: str
    value: Any
    instance: Any
    schema: Any
    name: Any = None
    detail: Any = None

    def reference_text(self) -> str:
        """jsonschema's own message, for the keywords the contract has no message for."""
        return _REFERENCE_TEXTS[self.keyword](self)


Check = Callable[[Any], bool]
Collect = Callable[[Any, Location, list[Failure]], None]


class _Node(NamedTuple):
    valid: Check
    collect: Collect


def _always(instance: Any) -> bool:
    return True


def _nothing(instance: Any, location: Location, out: list[Failure]) -> None:
    return None


def _false_schema(instance: Any, location: Location, out: list[Failure]) -> None:
    out.append(Failure(location, "None", None, instance, False))


_ALWAYS = _Node(_always, _nothing)
#: The ``false`` schema itself. jsonschema reports it where the applicator that reached it
#: stands, not one level down (``{"properties": {"a": false}}`` fails at ``$``), unlike a schema
#: that only leads to ``false`` (through ``$ref`` or ``allOf``): see :func:`_below`.
_NEVER = _Node(lambda instance: False, _false_schema)


def _below(location: Location, key: Any, node: _Node) -> Location:
    """Where an applicator descending into *node* at *key* reports its failures."""
    return location if node is _NEVER else (*location, key)


# ---------------------------------------------------------------- jsonschema's semantics


def _is_number(x: Any) -> bool:
    kind = type(x)
    if kind is int or kind is float:
        return True
    return not isinstance(x, bool) and isinstance(x, numbers.Number)


def _is_integer(x: Any) -> bool:
    kind = type(x)
    if kind is int:
        return True
    if isinstance(x, bool):
        return False
    return isinstance(x, int) or (isinstance(x, float) and x.is_integer())


#: JSON type name -> predicate (booleans are never numbers; 1.0 is an integer).
_TYPES: dict[str, Check] = {
    "array": lambda x: isinstance(x, list),
    "boolean": lambda x: isinstance(x, bool),
    "integer": _is_integer,
    "null": lambda x: x is None,
    "number": _is_number,
    "object": lambda x: isinstance(x, dict),
    "string": lambda x: isinstance(x, str),
}

_TRUE, _FALSE = object(), object()


def _unbool(x: Any) -> Any:
    """True and False as values no number equals (so that ``1`` and ``True`` differ)."""
    if x is True:
        return _TRUE
    if x is False:
        return _FALSE
    return x


def _equal(one: Any, two: Any) -> bool:
    """JSON equality, as jsonschema has it: ``1 == 1.0``, ``True != 1``, recursively."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two, strict=False))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(
            key in two and _equal(value, two[key]) for key, value in one.items()
        )
    return bool(_unbool(one) == _unbool(two))


def _unique(items: list[Any]) -> bool:
    """jsonschema's ``uniqueItems`` test: sort and compare neighbours, else compare all pairs."""
    try:
        ordered = sorted(_unbool(item) for item in items)
        return not any(_equal(a, b) for a, b in itertools.pairwise(ordered))
    except (NotImplementedError, TypeError):
        seen: list[Any] = []
        for item in map(_unbool, items):
            if any(_equal(other, item) for other in seen):
                return False
            seen.append(item)
    return True


def not_multiple(instance: Any, divisor: Any) -> bool:
    """Whether the number *instance* is not a multiple of *divisor* (the oracle's semantics).

    NaN and the infinities are multiples of nothing; a float divisor divides as jsonschema
    does, exactly (with fractions) where a huge integer overflows a float.
    """
    if isinstance(instance, float) and not math.isfinite(instance):
        return True
    if isinstance(divisor, float):
        try:
            quotient = instance / divisor
            return bool(int(quotient) != quotient)
        except OverflowError:
            from fractions import Fraction  # rare: not paid for at start-up

            return bool(Fraction(instance) % Fraction(divisor) != 0)
    return bool(instance % divisor != 0)


def has_huge_int(value: Any) -> bool:
    """Whether *value* holds an integer of more than 1024 bits (too long to be sure to print)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, int) and not isinstance(item, bool) and item.bit_length() > 1024:
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


# ---------------------------------------------------------------- jsonschema's own messages


def _oneof_text(failure: Failure) -> str:
    if failure.detail is None:
        return f"{failure.instance!r} is not valid under any of the given schemas"
    reprs = ", ".join(repr(schema) for schema in failure.detail)
    return f"{failure.instance!r} is valid under each of {reprs}"


def _items_text(failure: Failure) -> str:
    prefix, instance = failure.detail, failure.instance
    extra = len(instance) - prefix
    rest = instance[prefix:] if extra != 1 else instance[prefix]
    item = "items" if prefix != 1 else "item"
    return f"Expected at most {prefix} {item} but found {extra} extra: {rest!r}"


#: keyword -> jsonschema's message, for the failures whose message quotes the instance.
_REFERENCE_TEXTS: dict[str, Callable[[Failure], str]] = {
    "None": lambda f: f"False schema does not allow {f.instance!r}",
    "not": lambda f: f"{f.instance!r} should not be valid under {f.value!r}",
    "anyOf": lambda f: f"{f.instance!r} is not valid under any of the given schemas",
    "oneOf": _oneof_text,
    "items": _items_text,
}

#: The keywords whose reference message quotes the instance (a huge integer changes it).
REPR_KEYWORDS = frozenset(_REFERENCE_TEXTS)

# ---------------------------------------------------------------- building blocks


def _leaf(keyword: str, value: Any, schema: dict[str, Any], check: Check) -> _Node:
    """A keyword that fails at the instance itself, with no sub-schema."""

    def collect(instance: Any, location: Location, out: list[Failure]) -> None:
        if not check(instance):
            out.append(Failure(location, keyword, value, instance, schema))

    return _Node(check, collect)


def _all_of(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda x: first(x) and second(x)
    fixed = tuple(checks)

    def valid(instance: Any) -> bool:
        for check in fixed:  # noqa: SIM110 - a loop is faster than all() over a generator
            if not check(instance):
                return False
        return True

    return valid


def _combine(parts: list[_Node]) -> _Node:
    """One node from its keywords' nodes, run in the schema's key order."""
    if not parts:
        return _ALWAYS
    if len(parts) == 1 and parts[0] is not _NEVER:
        return parts[0]
    collects = tuple(part.collect for part in parts)

    def collect(instance: Any, location: Location, out: list[Failure]) -> None:
        for each in collects:
            each(instance, location, out)

    return _Node(_all_of([part.valid for part in parts]), collect)


def _is_plain_number(value: Any) -> bool:
    return type(value) in (int, float)


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise NotCompilable(what)


class _Compiler:
    """Compiles the nodes of one root schema, inlining its local ``$ref``."""

    def __init__(self, root: Any, asserted: frozenset[str]) -> None:
        self.root = root
        self.asserted = asserted
        self._done: dict[tuple[int, bool], _Node] = {}
        self._active: set[tuple[int, bool]] = set()
        self._scoped = 0  # nested $id resources being compiled: their $ref resolve elsewhere

    def node(self, schema: Any) -> _Node:
        """The compiled node of *schema* (a boolean or an object schema)."""
        if schema is True:
            return _ALWAYS
        if schema is False:
            return _NEVER
        _require(isinstance(schema, dict), f"schema {schema!r} is not an object")
        key = (id(schema), self._scoped > 0)
        if key in self._done:
            return self._done[key]
        _require(key not in self._active, "recursive $ref")
        scoped = schema is not self.root and "$id" in schema
        self._active.add(key)
        self._scoped += scoped
        try:
            node = _combine([n for n in self._keywords(schema) if n is not None])
        finally:
            self._active.discard(key)
            self._scoped -= scoped
        self._done[key] = node
        return node

    def _keywords(self, schema: dict[str, Any]) -> list[_Node | None]:
        nodes = []
        for keyword, value in schema.items():
            compiler = COMPILERS.get(keyword)
            if compiler is not None:
                nodes.append(compiler(self, value, schema))
            else:
                _require(keyword not in self.asserted, f"keyword {keyword!r}")
        return nodes

    def nodes(self, schemas: Any) -> list[_Node]:
        """The compiled nodes of a list of schemas."""
        _require(isinstance(schemas, list), f"{schemas!r} is not a list of schemas")
        return [self.node(schema) for schema in schemas]

    def resolve(self, ref: Any) -> Any:
        """The schema a local ``#/json/pointer`` reference names (:func:`.resolver.pointer_nodes`
        reads it), when no ``$id`` on the way changes what it is relative to."""
        _require(isinstance(ref, str), f"$ref {ref!r} is not a string")
        _require(not self._scoped, "$ref inside a nested $id resource")
        try:
            nodes = resolver.pointer_nodes(self.root, ref)
        except resolver.PointerError as exc:
            raise NotCompilable(str(exc)) from None
        _require(not any(isinstance(n, dict) and "$id" in n for n in nodes[1:]), "$ref into a $id")
        return nodes[-1]


# ---------------------------------------------------------------- keyword compilers

Compiler = Callable[[_Compiler, Any, dict[str, Any]], "_Node | None"]


def _type(c: _Compiler, value: Any, schema: dict[str, Any]) -> _Node:
    names = [value] if isinstance(value, str) else value
    _require(isinstance(names, list) and all(n in _TYPES for n in names), f"type {value!r}")
    checks = [_TYPES[name] for name in names]
    if len(checks) == 1:
        return _leaf("type", value, schema, checks[0])
    return _leaf("type", value, schema, lambda x: any(check(x) for check in checks))


def _const(c: _Compiler, value: Any, schema: dict[str, Any]) -> _Node:
    if isinstance(value, str):
        return _leaf("const", value, schema, lambda x: bool(x == value))
    return _leaf("const", value, schema, lambda x: _equal(x, value))


def _enum(c: _Compiler, value: Any, schema: dict[str, Any]) -> _Node:
    _require(isinstance(value, list), f"enum {value!r}")
    strings = frozenset(v for v in value if isinstance(v, str))
    only_strings = len(strings) == len(value)

    def check(instance: Any) -> bool:
        if only_strings and type(instance) is str:
            return instance in strings
        return any(_equal(each, instance) for each in value)

    return _leaf("enum", value, schema, check)


def _number_bound(keyword: str, fails: Callable[[Any, Any], bool]) -> Compiler:
    def compile_bound(c: _Compiler, value: Any, schema: dict[str, Any]) -> _Node:
        _require(_is_plain_number(value), f"{keyword} {value!r}")

        def check(x: Any) -> bool:
            return not _is_number(x) or not fails(x, value)

        return _leaf(keyword, value, schema, check)

    return compile_bound


def _minimum(c: _Compiler, value: Any, schema: dict[str, Any]) -> _Node:
    _require(_is_plain_number(value), f"minimum {value!r}")

    def check(x: Any) -> bool:
        kind = type(x)
        if kind is int or kind is float:
            return not x < value
        return not _is_number(x) or not x < value

    return _leaf("minimum", value, schema, check)


def _maximum(c: _Compiler, value: Any, schema: dict[str, Any]) -> _Node:
    _require(_is_plain_number(value), f"maximum {value!r}")

    def check(x: Any) -> bool:
        kind = type(x)
        if kind is int or kind is float:
            return not x > value
        return not _is_number(x) or not x > value

    return _leaf("maximum", value, schema, check)


def _multiple_of(c: _Compiler, value: Any, schema: dict[str, Any]) -> _Node:
    _require(_is_plain_number(value) and value > 0, f"multipleOf {value!r}")
    return _leaf(
        "multipleOf", value, schema, lambda x: not _is_number(x) or not not_multiple(x, value)
    )


def _size_bound(keyword: str, of: type, fails: Callable[[int, Any], bool]) -> Compiler:
    def compile_bound(c: _Compiler, value: Any, schema: dict[str, Any]) -> _Node:
        _require(_is_plain_number(value), f"{keyword} {value!r}")
        return _leaf(
            keyword, value, schema, lambda x: not isinstance(x, of) or not fails(len(x), value)
        )

    return compile_bound


def _pattern(c: _Compiler, value: Any, schema: dict[str, Any]) -> _Node:
    _require(isinstance(value, str), f"pattern {value!r}")
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

    return _leaf("pattern", value, schema, check)


def _format(c: _Compiler, value: Any, schema: dict[str, Any]) -> _Node | None:
    _require(isinstance(value, str), f"format {value!r}")
    checker = FORMATS.get(value)
    if checker is None:
        return None  # an annotation only
    return _leaf("format", value, schema, lambda x: not isinstance(x, str) or bool(checker(x)))


def _unique_items(c: _Compiler, value: Any, schema: dict[str, Any]) -> _Node | None:
    _require(isinstance(value, bool), f"uniqueItems {value!r}")
    if not value:
        return None
    return _leaf("uniqueItems", value, schema, lambda x: not isinstance(x, list) or _unique(x))


def _required(c: _Compiler, value: Any, schema: dict[str, Any]) -> _Node:
    _require(isinstance(value, list) and all(isinstance(n, str) for n in value), "required")
    names, needed = tuple(value), frozenset(value)

    def valid(instance: Any) -> bool:
        return not isinstance(instance, dict) or instance.keys() >= needed

    def collect(instance: Any, location: Location, out: list[Failure]) -> None:
        if isinstance(instance, dict):
            out += [
                Failure(location, "required", value, instance, schema, name)
                for name in names
                if name not in instance
            ]

    return _Node(valid, collect)


def _properties(c: _Compiler, value: Any, schema: dict[str, Any]) -> _Node:
    _require(isinstance(value, dict), f"properties {value!r}")
    subs = tuple((name, c.node(sub)) for name, sub in value.items())
    checks = tuple((name, node.valid) for name, node in subs if node is not _ALWAYS)

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
                    node.collect(item, _below(location, name, node), out)

    return _Node(valid, collect)


def _additional_properties(c: _Compiler, value: Any, schema: dict[str, Any]) -> _Node | None:
    known = schema.get("properties", {})
    _require(isinstance(known, dict), "properties")
    if value is True:
        return None
    if value is False:
        return _no_additional(value, schema, frozenset(known))
    node = c.node(value)

    def valid(instance: Any) -> bool:
        if isinstance(instance, dict):
            for key, item in instance.items():
                if key not in known and not node.valid(item):
                    return False
        return True

    def collect(instance: Any, location: Location, out: list[Failure]) -> None:
        if isinstance(instance, dict):
            for key, item in instance.items():
                if key not in known and not node.valid(item):
                    node.collect(item, _below(location, key, node), out)

    return _Node(valid, collect)


def _no_additional(value: Any, schema: dict[str, Any], known: frozenset[Any]) -> _Node:
    def valid(instance: Any) -> bool:
        return not isinstance(instance, dict) or instance.keys() <= known

    def collect(instance: Any, location: Location, out: list[Failure]) -> None:
        if isinstance(instance, dict):
            out += [
                Failure(location, "additionalProperties", value, instance, schema, key)
                for key in instance
                if key not in known
            ]

    return _Node(valid, collect)


def _prefix_items(c: _Compiler, value: Any, schema: dict[str, Any]) -> _Node:
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
                    node.collect(item, _below(location, index, node), out)

    return _Node(valid, collect)


def _items(c: _Compiler, value: Any, schema: dict[str, Any]) -> _Node | None:
    prefix_items = schema.get("prefixItems", [])
    _require(isinstance(prefix_items, list), "prefixItems")
    prefix = len(prefix_items)
    if value is True:
        return None
    if value is False:
        return _no_more_items(value, schema, prefix)
    node = c.node(value)

    def valid(instance: Any) -> bool:
        if isinstance(instance, list):
            for index in range(prefix, len(instance)):
                if not node.valid(instance[index]):
                    return False
        return True

    def collect(instance: Any, location: Location, out: list[Failure]) -> None:
        if isinstance(instance, list):
            for index in range(prefix, len(instance)):
                if not node.valid(item := instance[index]):
                    node.collect(item, _below(location, index, node), out)

    return _Node(valid, collect)


def _no_more_items(value: Any, schema: dict[str, Any], prefix: int) -> _Node:
    def valid(instance: Any) -> bool:
        return not isinstance(instance, list) or len(instance) <= prefix

    def collect(instance: Any, location: Location, out: list[Failure]) -> None:
        if not valid(instance):
            out.append(Failure(location, "items", value, instance, schema, detail=prefix))

    return _Node(valid, collect)


def _ref(c: _Compiler, value: Any, schema: dict[str, Any]) -> _Node:
    return c.node(c.resolve(value))


def _all_of_keyword(c: _Compiler, value: Any, schema: dict[str, Any]) -> _Node:
    return _combine(c.nodes(value))


def _any_of(c: _Compiler, value: Any, schema: dict[str, Any]) -> _Node:
    checks = [node.valid for node in c.nodes(value)]
    return _leaf("anyOf", value, schema, lambda x: any(check(x) for check in checks))


def _one_of(c: _Compiler, value: Any, schema: dict[str, Any]) -> _Node:
    checks = [node.valid for node in c.nodes(value)]

    def valid(instance: Any) -> bool:
        return sum(1 for check in checks if check(instance)) == 1

    def collect(instance: Any, location: Location, out: list[Failure]) -> None:
        first = next((i for i, check in enumerate(checks) if check(instance)), None)
        if first is None:
            out.append(Failure(location, "oneOf", value, instance, schema))
            return
        more = [value[i] for i in range(first + 1, len(checks)) if checks[i](instance)]
        if more:
            detail = [*more, value[first]]
            out.append(Failure(location, "oneOf", value, instance, schema, detail=detail))

    return _Node(valid, collect)


def _not(c: _Compiler, value: Any, schema: dict[str, Any]) -> _Node:
    check = c.node(value).valid
    return _leaf("not", value, schema, lambda x: not check(x))


#: keyword -> compiler: the keywords the fast engine asserts. Every other keyword the reference
#: engine asserts makes a schema :class:`NotCompilable`; the rest are annotations.
COMPILERS: dict[str, Compiler] = {
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


def _location_key(failure: Failure) -> Location:
    return failure.location


class CompiledSchema:
    """A schema compiled into closures: ``is_valid`` builds nothing, ``failures`` lists."""

    def __init__(self, node: _Node) -> None:
        self.is_valid: Check = node.valid
        self._collect = node.collect

    def failures(self, instance: Any) -> list[Failure]:
        """Every failed keyword, sorted by location as the reference engine's errors are."""
        if self.is_valid(instance):
            return []
        out: list[Failure] = []
        self._collect(instance, (), out)
        out.sort(key=_location_key)
        return out


def compile_schema(schema: Any, asserted: frozenset[str]) -> CompiledSchema:
    """Compile *schema* (draft 2020-12, a boolean or an object).

    Args:
        schema: the schema.
        asserted: every keyword the reference engine asserts; one of them missing from
            :data:`COMPILERS` makes the schema not compilable, any other key is an annotation.

    Raises:
        NotCompilable: the schema needs the reference engine.
    """
    _require(not has_huge_int(schema), "an integer too long to print")
    return CompiledSchema(_Compiler(schema, asserted).node(schema))
