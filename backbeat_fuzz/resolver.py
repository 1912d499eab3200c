"""Where a schema's ``$ref`` may lead: nowhere the user did not point the tools at.

A schema folder is someone else's file: its ``$ref`` must not make the tools fetch a URL
(jsonschema's deprecated automatic retrieval did, from ``backbeat-validate``) or read another
file (``file:///etc/passwd``). One :class:`referencing.Registry` answers every lookup: it holds
the schemas of the folder (by file name and by ``$id``) and the bundled draft metaschemas, and
its retrieve function refuses everything else. :func:`check_refs` resolves every ``$ref`` and
``$dynamicRef`` of a schema through it when the schema is loaded, so a reference that leads
elsewhere (or nowhere) is one line naming the file, the place and the fix, before any message is
judged or generated. The validator, the oracle and the generators all go through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urljoin

from .errors import SchemaError

if TYPE_CHECKING:
    from referencing import Registry, Resource

__all__ = ["PointerError", "check_refs", "make_registry", "pointer_nodes", "pointer_target"]

#: Draft 2020-12 keywords whose value is a schema, a list of schemas, or a map of schemas:
#: where references can be (``const``, ``enum`` and ``examples`` hold data, never read).
_IN_VALUE = frozenset(
    {
        "additionalProperties",
        "contains",
        "contentSchema",
        "else",
        "if",
        "items",
        "not",
        "propertyNames",
        "then",
        "unevaluatedItems",
        "unevaluatedProperties",
    }
)
_IN_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_IN_MAP = frozenset({"$defs", "definitions", "dependentSchemas", "patternProperties", "properties"})
_REF_KEYWORDS = ("$ref", "$dynamicRef")


class _Refused(LookupError):
    """A retrieval the registry does not make."""


def _refuse(uri: str) -> Resource:
    raise _Refused(uri)


def make_registry(documents: Iterable[tuple[str, Any]] = ()) -> Registry:
    """A registry of *documents* (``(uri, schema)`` pairs) and the bundled metaschemas that
    retrieves nothing: every other URI is unresolvable."""
    from jsonschema_specifications import REGISTRY as METASCHEMAS
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    resources = [(uri, DRAFT202012.create_resource(doc)) for uri, doc in documents]
    return METASCHEMAS.combine(Registry(retrieve=_refuse).with_resources(resources))  # type: ignore[call-arg]


def _refs(node: Any, base: str, where: str) -> Iterator[tuple[str, str, str, str]]:
    """``(base URI, keyword, reference, JSON pointer)`` of every reference below *node*."""
    if not isinstance(node, Mapping):
        return
    if isinstance(node.get("$id"), str):
        base = urldefrag(urljoin(base, node["$id"])).url
    for keyword in _REF_KEYWORDS:
        if isinstance(node.get(keyword), str):
            yield base, keyword, node[keyword], f"{where}/{keyword}"
    for key, value in node.items():
        if key in _IN_VALUE:
            yield from _refs(value, base, f"{where}/{key}")
        elif key in _IN_LIST and isinstance(value, list):
            for i, sub in enumerate(value):
                yield from _refs(sub, base, f"{where}/{key}/{i}")
        elif key in _IN_MAP and isinstance(value, Mapping):
            for name, sub in value.items():
                yield from _refs(sub, base, f"{where}/{key}/{name}")


def check_refs(schema: Any, registry: Registry, source: str) -> None:
    """Resolve every ``$ref`` and ``$dynamicRef`` of *schema* (a document root) in *registry*.

    Args:
        schema: the schema document.
        registry: from :func:`make_registry`: what references may lead to.
        source: how messages name the document (its path).

    Raises:
        SchemaError: a reference leads outside the registry (a URL, another file) or to nothing.
    """
    if not isinstance(schema, Mapping):
        return
    from referencing.exceptions import Unresolvable
    from referencing.jsonschema import DRAFT202012

    root = schema.get("$id") if isinstance(schema.get("$id"), str) else ""
    refs = list(_refs(schema, root, ""))
    if not refs:
        return
    try:
        registry = registry.with_resource(root, DRAFT202012.create_resource(schema)).crawl()
    except (AttributeError, TypeError):  # a subschema that is not a schema
        raise SchemaError(
            f"{source} is not a valid schema; check it against the metaschema"
        ) from None
    for base, keyword, ref, where in refs:
        try:
            registry.resolver(base_uri=base).lookup(ref)
        except Unresolvable as exc:
            raise _unresolvable(exc, f"{source}: {keyword}={ref!r} at {where}") from None
    try:
        _Loops(source).walk(schema, registry.resolver(base_uri=root), "")
    except RecursionError:
        raise SchemaError(f"{source} nests schemas too deeply to check; flatten it") from None


#: Keywords whose subschemas judge the same instance as their schema: a cycle through these
#: and references alone never reaches the end of the message, and recursed without end.
_IN_PLACE_VALUE = ("not", "if", "then", "else")
_IN_PLACE_LIST = ("allOf", "anyOf", "oneOf")


class _Loops:
    """Finds a ``$ref`` cycle that never descends into the message (``a -> b -> a``): the
    reference engine recursed on it until Python's stack ran out, a traceback."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.clear: set[int] = set()  # nodes from which no in-place cycle starts

    def walk(self, node: Any, resolver: Any, where: str) -> None:
        """Check every schema below *node* (at JSON pointer *where*)."""
        if not isinstance(node, Mapping):
            return
        resolver = _enter(resolver, node)
        self._visit(node, resolver, [], where)
        for key, value in node.items():
            if key in _IN_VALUE or key in _IN_PLACE_VALUE:
                self.walk(value, resolver, f"{where}/{key}")
            elif key in _IN_LIST and isinstance(value, list):
                for i, sub in enumerate(value):
                    self.walk(sub, resolver, f"{where}/{key}/{i}")
            elif key in _IN_MAP and isinstance(value, Mapping):
                for name, sub in value.items():
                    self.walk(sub, resolver, f"{where}/{key}/{name}")

    def _visit(self, node: Any, resolver: Any, stack: list[int], where: str) -> None:
        if not isinstance(node, Mapping) or id(node) in self.clear:
            return
        if id(node) in stack:
            raise SchemaError(
                f"{self.source}: the reference at {where or '/'} leads back to itself without "
                "descending into the message (an endless recursion); make the recursive $ref go "
                "through properties or items, or remove the cycle"
            )
        stack.append(id(node))
        for child, child_resolver in _in_place(node, resolver):
            self._visit(child, _enter(child_resolver, child), stack, where)
        stack.pop()
        self.clear.add(id(node))


def _enter(resolver: Any, node: Any) -> Any:
    """*resolver* inside *node* (its ``$id``, if any, is the new base)."""
    from referencing.jsonschema import DRAFT202012

    return resolver.in_subresource(DRAFT202012.create_resource(node))


def _in_place(node: Mapping[str, Any], resolver: Any) -> Iterator[tuple[Any, Any]]:
    """``(subschema, resolver)``: what judges the same instance as *node*."""
    from referencing.exceptions import Unresolvable

    for keyword in _REF_KEYWORDS:
        if isinstance(node.get(keyword), str):
            try:
                resolved = resolver.lookup(node[keyword])
            except Unresolvable:  # check_refs judged it resolvable from its own base
                continue
            yield resolved.contents, resolved.resolver
    for keyword in _IN_PLACE_VALUE:
        if keyword in node:
            yield node[keyword], resolver
    for keyword in _IN_PLACE_LIST:
        for sub in node.get(keyword) if isinstance(node.get(keyword), list) else ():
            yield sub, resolver


def _unresolvable(exc: Exception, what: str) -> SchemaError:
    from referencing.exceptions import Unretrievable

    if isinstance(exc.__cause__, Unretrievable):  # the document is not in the registry
        return SchemaError(
            f"{what} leads outside the schemas folder; backbeat-fuzz fetches no URL and reads "
            "no other file: copy the schema it names into the folder (or under $defs) and "
            "refer to it there"
        )
    return SchemaError(f"{what} does not resolve; fix the reference or add what it names")


class PointerError(LookupError):
    """A ``$ref`` that is no JSON pointer into its own document, or names nothing there.

    Attributes:
        ref: the reference.
        why: what is wrong, as a phrase after the reference ("names nothing: ...").
    """

    def __init__(self, ref: str, why: str) -> None:
        super().__init__(f"$ref={ref!r} {why}")
        self.ref = ref
        self.why = why


def _step(node: Any, key: str, ref: str) -> Any:
    """The child *key* (an unescaped reference token) names in *node*."""
    if isinstance(node, list):
        if key.isascii() and key.isdigit() and str(int(key)) == key and int(key) < len(node):
            return node[int(key)]  # RFC 6901: a decimal index, no sign, no leading zero
    elif isinstance(node, Mapping) and key in node:
        return node[key]
    raise PointerError(ref, f"names nothing: there is no {key!r} where it leads")


def pointer_nodes(root: Any, ref: str) -> list[Any]:
    """The nodes a document-local ``#/json/pointer`` reference passes through in *root*: the
    root first, the node it names last.

    The one reading of a JSON pointer in the package: the fragment is %-decoded (it is a URI
    fragment), split on ``/``, and each token unescaped by RFC 6901 (``~1`` is ``/``, then ``~0``
    is ``~``); an array takes a decimal index without sign or leading zero.

    Raises:
        PointerError: *ref* is not ``#`` or ``#/...`` (another document, an anchor), or names
            nothing in *root*.
    """
    from urllib.parse import unquote

    fragment = unquote(ref[1:]) if ref.startswith("#") else None
    if fragment is None or fragment[:1] not in ("", "/"):
        raise PointerError(ref, "names another document or an anchor, not a '#/...' pointer")
    nodes = [root]
    for token in fragment.split("/")[1:]:
        nodes.append(_step(nodes[-1], token.replace("~1", "/").replace("~0", "~"), ref))
    return nodes


def pointer_target(root: Any, ref: str) -> Any:
    """The node a document-local ``#/json/pointer`` reference names in *root* (see
    :func:`pointer_nodes`).

    Raises:
        PointerError: *ref* is not document-local, or names nothing.
    """
    return pointer_nodes(root, ref)[-1]
