"""The compiled engine's building blocks: a node is a pair of closures for one schema.

``valid(instance) -> bool`` builds nothing; ``collect(instance, location, out)`` appends a
:class:`~backbeat_fuzz._messages.Failure` for every failed keyword below *location*. A keyword
compiler (:mod:`._keywords`) makes one node from a keyword's value with the helpers here, and a
schema's node runs its keywords' nodes in the schema's key order (:func:`combine`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from ._messages import Failure, Location

Check = Callable[[Any], bool]
Collect = Callable[[Any, Location, list[Failure]], None]
#: What a node applies its child to in an instance: ``(key or index, item)`` pairs.
Pick = Callable[[Any], Iterable[tuple[Any, Any]]]


class NotCompilable(Exception):
    """The schema uses something the compiler does not cover; keep the reference engine."""


def require(condition: bool, what: str) -> None:
    """Give up on the schema (:class:`NotCompilable`, saying *what*) unless *condition*."""
    if not condition:
        raise NotCompilable(what)


class Node(NamedTuple):
    """One compiled schema: a yes-or-no check, and the collector of what fails."""

    valid: Check
    collect: Collect


def _always(instance: Any) -> bool:
    return True


def _nothing(instance: Any, location: Location, out: list[Failure]) -> None:
    return None


def _false_schema(instance: Any, location: Location, out: list[Failure]) -> None:
    out.append(Failure(location, "None", None, instance, False))


ALWAYS = Node(_always, _nothing)
#: The ``false`` schema itself. jsonschema reports it where the applicator that reached it
#: stands, not one level down (``{"properties": {"a": false}}`` fails at ``$``), unlike a schema
#: that only leads to ``false`` (through ``$ref`` or ``allOf``): see :func:`below`.
NEVER = Node(lambda instance: False, _false_schema)


def below(location: Location, key: Any, node: Node) -> Location:
    """Where an applicator descending into *node* at *key* reports its failures."""
    return location if node is NEVER else (*location, key)


def leaf(keyword: str, value: Any, schema: dict[str, Any], check: Check) -> Node:
    """A keyword that fails at the instance itself, with no sub-schema."""

    def collect(instance: Any, location: Location, out: list[Failure]) -> None:
        if not check(instance):
            out.append(Failure(location, keyword, value, instance, schema))

    return Node(check, collect)


def each(pick: Pick, node: Node) -> Node:
    """*node* applied to every item *pick* finds in an instance (none where it finds none)."""
    check = node.valid

    def valid(instance: Any) -> bool:
        for _, item in pick(instance):  # noqa: SIM110 - a loop is faster than all()
            if not check(item):
                return False
        return True

    def collect(instance: Any, location: Location, out: list[Failure]) -> None:
        for key, item in pick(instance):
            if not check(item):
                node.collect(item, below(location, key, node), out)

    return Node(valid, collect)


def all_of(checks: list[Check]) -> Check:
    """One check that passes where each of *checks* does (the cheapest closure for the count)."""
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


def combine(parts: list[Node]) -> Node:
    """One node from its keywords' nodes, run in the schema's key order."""
    if not parts:
        return ALWAYS
    if len(parts) == 1 and parts[0] is not NEVER:
        return parts[0]
    collects = tuple(part.collect for part in parts)

    def collect(instance: Any, location: Location, out: list[Failure]) -> None:
        for one in collects:
            one(instance, location, out)

    return Node(all_of([part.valid for part in parts]), collect)
