"""Draft 2020-12 schemas compiled ahead of time into small closures, one per keyword.

:class:`~backbeat_fuzz.oracle.SchemaOracle`'s fast engine. :func:`compile_schema` walks a schema
once and turns each keyword into a :class:`~backbeat_fuzz._nodes.Node` through
:data:`~backbeat_fuzz._keywords.COMPILERS` (a keyword -> compiler table, as :mod:`jsonschema`
has keyword functions, but resolved before any instance is seen): ``is_valid(instance)`` builds
nothing, and ``violations(instance)`` reports every failed keyword in the project's words
(:mod:`._messages`, the table the reference engine's errors are read through too). Local
``$ref`` are inlined.

The semantics are the reference engine's, keyword for keyword (ECMA-262 ``pattern``, the
asserted formats, one failure per missing or unknown property, jsonschema's JSON equality: see
:mod:`._semantics`), and violations come at the locations and in the order the reference
engine's errors do (the differential tests compare both). A schema that uses anything else (a
keyword outside the table, a remote or recursive ``$ref``, a value the reference engine would
crash on) raises :class:`NotCompilable`, and the oracle keeps the reference engine for it.
"""

from __future__ import annotations

from typing import Any

from . import resolver
from ._keywords import COMPILERS
from ._messages import Failure, Location, Violation, violation
from ._nodes import ALWAYS, NEVER, Check, Node, NotCompilable, combine, require
from ._semantics import has_huge_int


class Compiler:
    """Compiles the nodes of one root schema, inlining its local ``$ref``."""

    def __init__(self, root: Any, asserted: frozenset[str]) -> None:
        self.root = root
        self.asserted = asserted
        self._done: dict[tuple[int, bool], Node] = {}
        self._active: set[tuple[int, bool]] = set()
        self._scoped = 0  # nested $id resources being compiled: their $ref resolve elsewhere

    def node(self, schema: Any) -> Node:
        """The compiled node of *schema* (a boolean or an object schema)."""
        if schema is True:
            return ALWAYS
        if schema is False:
            return NEVER
        require(isinstance(schema, dict), f"schema {schema!r} is not an object")
        key = (id(schema), self._scoped > 0)
        if key in self._done:
            return self._done[key]
        require(key not in self._active, "recursive $ref")
        scoped = schema is not self.root and "$id" in schema
        self._active.add(key)
        self._scoped += scoped
        try:
            node = combine([n for n in self._keywords(schema) if n is not None])
        finally:
            self._active.discard(key)
            self._scoped -= scoped
        self._done[key] = node
        return node

    def _keywords(self, schema: dict[str, Any]) -> list[Node | None]:
        nodes = []
        for keyword, value in schema.items():
            compiler = COMPILERS.get(keyword)
            if compiler is not None:
                nodes.append(compiler(self, value, schema))
            else:
                require(keyword not in self.asserted, f"keyword {keyword!r}")
        return nodes

    def nodes(self, schemas: Any) -> list[Node]:
        """The compiled nodes of a list of schemas."""
        require(isinstance(schemas, list), f"{schemas!r} is not a list of schemas")
        return [self.node(schema) for schema in schemas]

    def resolve(self, ref: Any) -> Any:
        """The schema a local ``#/json/pointer`` reference names (:func:`.resolver.pointer_nodes`
        reads it), when no ``$id`` on the way changes what it is relative to."""
        require(isinstance(ref, str), f"$ref {ref!r} is not a string")
        require(not self._scoped, "$ref inside a nested $id resource")
        try:
            nodes = resolver.pointer_nodes(self.root, ref)
        except resolver.PointerError as exc:
            raise NotCompilable(str(exc)) from None
        require(not any(isinstance(n, dict) and "$id" in n for n in nodes[1:]), "$ref into a $id")
        return nodes[-1]


def _location_key(failure: Failure) -> Location:
    return failure.location


class CompiledSchema:
    """A schema compiled into closures: ``is_valid`` builds nothing, ``violations`` explains."""

    def __init__(self, node: Node) -> None:
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

    def violations(self, instance: Any) -> list[Violation]:
        """Every violation in *instance*, in document order (empty when valid)."""
        return [violation(failure) for failure in self.failures(instance)]


def compile_schema(schema: Any, asserted: frozenset[str]) -> CompiledSchema:
    """Compile *schema* (draft 2020-12, a boolean or an object).

    Args:
        schema: the schema.
        asserted: every keyword the reference engine asserts; one of them missing from
            :data:`~backbeat_fuzz._keywords.COMPILERS` makes the schema not compilable, any
            other key is an annotation.

    Raises:
        NotCompilable: the schema needs the reference engine.
    """
    require(not has_huge_int(schema), "an integer too long to print")
    return CompiledSchema(Compiler(schema, asserted).node(schema))
