"""The mutation catalogue: which violator breaks which keyword, and on which nodes it runs.

:data:`CATALOGUE` is the table, one :class:`Violator` row per keyword, in the order operators
are listed (most classic rule first; ``backbeat-fuzz mutations`` prints them in this order).
A keyword row runs only on the nodes that state its keyword, as jsonschema's ``iter_errors``
calls a keyword's function only for the keywords a schema holds; a composite row (a rule no
single keyword states alone: the message is not an object, a number written as ``NaN``)
declares the JSON types of the nodes it applies to. :func:`operators` is the dispatch. The
violators are in :mod:`.violators`, the values they try in :mod:`.near_misses`, and what an
operator and an edit are in :mod:`.edits`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from . import violators as v
from .edits import Context, MutationOp, Violate
from .values import Path

__all__ = [
    "CATALOGUE",
    "FAMILIES",
    "PROBES",
    "Violator",
    "is_probe",
    "operators",
]

#: Family -> what it covers. ``--rule FAMILY`` selects all of a family's rules.
FAMILIES: dict[str, str] = {
    "structure": "required fields dropped, unknown fields where closed, wrong root",
    "types": 'wrong JSON types and classic confusions (true for 1, "1337", null)',
    "enums": "near misses of enum and const values (case, whitespace, affixes, other kinds, v2)",
    "patterns": "strings one step outside a pattern (trailing newline, look-alike digits, ...)",
    "lengths": "strings and arrays one item too short or too long",
    "numbers": "the nearest numbers outside each bound, NaN/Infinity literals, 1e400",
    "formats": "near misses of date-time, date, time, uuid and email",
    "rules": "cross-field rules broken by the smallest step",
    "json": "the JSON text itself: truncated, trailing comma, duplicate keys, BOM, bad UTF-8",
}

#: Rules whose mutants are *probes*, not contract violations: they test an implementation limit
#: the schemas do not state, so a consumer may accept or reject them and only a crash or a hang
#: is a finding. ``json.too_deep`` (nesting past 64): nothing in the schemas forbids deep
#: nesting inside an open object, and RFC 8259 section 9 leaves the depth limit to each
#: implementation (jsonschema, ajv, pydantic... all accept it). Every other rule is stated by
#: the schemas or by the contract's strict-JSON rules (I-JSON: numbers within a double, no
#: duplicate keys, no lone surrogates; no byte-order mark) and must be rejected.
PROBES: frozenset[str] = frozenset({"json.too_deep"})


def is_probe(rule: str) -> bool:
    """True when *rule*'s mutants are probes (see :data:`PROBES`): either verdict is right."""
    return rule in PROBES


@dataclass(frozen=True)
class Violator:
    """One row of the catalogue: a violator and the canonical nodes it is called on.

    Attributes:
        violate: the function yielding the row's operators for one node.
        keyword: a keyword row runs on the nodes stating this keyword; None for a composite row.
        types: a composite row runs on the nodes whose (single) ``type`` is one of these.
        root: True for the message itself only, False for its fields only, None for both.
    """

    violate: Violate
    keyword: str | None = None
    types: frozenset[str] = frozenset()
    root: bool | None = None

    def applies(self, node: Mapping[str, Any], path: Path) -> bool:
        """True when this row's violator runs on *node*, found at *path*."""
        if self.root is not None and self.root != (not path):
            return False
        if self.keyword is not None:
            return self.keyword in node
        kind = node.get("type")
        return isinstance(kind, str) and kind in self.types


def _keyword(violate: Violate, keyword: str, root: bool | None = None) -> Violator:
    return Violator(violate, keyword=keyword, root=root)


def _composite(violate: Violate, types: set[str], root: bool | None = None) -> Violator:
    return Violator(violate, types=frozenset(types), root=root)


#: The table, in catalogue order. ``type`` at the root is the composite "not an object" row
#: (its edits replace the whole message); elsewhere it is the wrong-type row.
CATALOGUE: tuple[Violator, ...] = (
    _keyword(v.violate_required, "required"),
    _keyword(v.violate_additionalProperties, "additionalProperties"),
    _composite(v.violate_root_type, {"object"}, root=True),
    _keyword(v.violate_type, "type", root=False),
    _keyword(v.violate_const, "const"),
    _keyword(v.violate_enum, "enum"),
    _keyword(v.violate_pattern, "pattern"),
    _keyword(v.violate_minLength, "minLength"),
    _keyword(v.violate_maxLength, "maxLength"),
    _keyword(v.violate_minItems, "minItems"),
    _keyword(v.violate_maxItems, "maxItems"),
    _keyword(v.violate_minProperties, "minProperties"),
    _keyword(v.violate_maxProperties, "maxProperties"),
    _keyword(v.violate_items, "items"),
    _keyword(v.violate_uniqueItems, "uniqueItems"),
    _keyword(v.violate_minimum, "minimum"),
    _keyword(v.violate_maximum, "maximum"),
    _keyword(v.violate_exclusiveMinimum, "exclusiveMinimum"),
    _keyword(v.violate_exclusiveMaximum, "exclusiveMaximum"),
    _keyword(v.violate_multipleOf, "multipleOf"),
    _composite(v.violate_number_literals, {"integer", "number"}),
    _keyword(v.violate_format, "format"),
    _keyword(v.violate_anyOf, "anyOf", root=False),
    _keyword(v.violate_oneOf, "oneOf", root=False),
)


def operators(node: Mapping[str, Any], path: Path, ctx: Context) -> Iterator[MutationOp]:
    """The operators of every catalogue row that applies to *node* at *path*, in table order."""
    for row in CATALOGUE:
        if row.applies(node, path):
            yield from row.violate(node, path, ctx)
