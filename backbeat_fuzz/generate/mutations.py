"""The mutation catalogue: per keyword, the edits that break exactly that keyword's rule.

An operator (:class:`MutationOp`) knows its rule name, family, the path it edits and how to list
candidate edits (:class:`Edit`) for a concrete valid message, most classic first. The planner
tries them in turn and keeps one the oracle rejects with that rule, so no mutant is mislabelled.

Each ``violate_<keyword>`` function takes ``(node, path, ctx)`` and yields operators, or nothing
where the keyword does not apply; :data:`VIOLATORS` is the keyword -> function table.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..jsontext import JSON_RULES
from ..rulenames import ITEM, rule_location, rule_name
from .formats_violations import FORMAT_VIOLATIONS, LENGTHENERS, unix_seconds
from .values import Path

__all__ = [
    "FAMILIES",
    "PROBES",
    "VIOLATORS",
    "Context",
    "Edit",
    "MutationOp",
    "is_probe",
    "json_location",
    "violate_additionalProperties",
    "violate_bounds",
    "violate_branches",
    "violate_const",
    "violate_enum",
    "violate_format",
    "violate_items",
    "violate_maxItems",
    "violate_maxLength",
    "violate_minItems",
    "violate_minLength",
    "violate_multipleOf",
    "violate_number_literals",
    "violate_pattern",
    "violate_required",
    "violate_root_type",
    "violate_type",
    "violate_uniqueItems",
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


RAW = "raw"  # marks an Edit whose value is a literal JSON token, not a Python value


@dataclass(frozen=True)
class Edit:
    """One concrete change: set, delete or write a raw JSON literal at ``path``.

    ``action`` is ``"set"``, ``"delete"``, ``"raw"`` (``value`` is JSON text put in place of the
    field's value) or ``"root"`` (the whole message becomes ``value``).
    """

    note: str
    action: str
    path: Path
    value: Any = None


@dataclass(frozen=True)
class Context:
    """What operators may borrow from the rest of the contract."""

    other_strings: tuple[str, ...] = ()  # enum/const strings of every kind (near misses)


@dataclass(frozen=True)
class MutationOp:
    """One rule of the catalogue bound to one place in a message kind."""

    rule: str
    family: str
    description: str
    path: Path
    edits: Callable[[Any, Any], list[Edit]] = field(repr=False, compare=False)
    needs: Path | None = None  # a deeper path that must exist first (an array's first item)

    def candidates(self, value: Any, message: Any) -> list[Edit]:
        """Candidate edits for a message whose value at :attr:`path` is *value*."""
        return self.edits(value, message)


def json_location(path: Path) -> str:
    """``("issues", "[]", "code")`` -> ``issues[0].code`` (``"[]"`` is the first item, which is
    the one edits change); ``()`` -> ``""``, the whole message."""
    return rule_location(path).replace(ITEM, "[0]") if path else ""


def _name(path: Path) -> str:
    return rule_location(path) if path else "the message"


def _op(
    rule: str,
    family: str,
    description: str,
    path: Path,
    fn: Callable[[Any, Any], list[Edit]],
    needs: Path | None = None,
) -> MutationOp:
    return MutationOp(rule, family, description, path, fn, needs)


def _sets(path: Path, pairs: list[tuple[str, Any]]) -> list[Edit]:
    return [Edit(note, "set", path, value) for note, value in pairs]


# --- structure ------------------------------------------------------------------------------


def violate_required(node: Mapping[str, Any], path: Path, ctx: Context) -> Iterator[MutationOp]:
    for name in node.get("required", []):
        child = (*path, name)
        yield _op(
            rule_name(child, "required"),
            "structure",
            f"drop the required field {rule_location(child)}",
            child,
            lambda v, m, c=child: [Edit("field removed", "delete", c)],
        )


def violate_additionalProperties(
    node: Mapping[str, Any], path: Path, ctx: Context
) -> Iterator[MutationOp]:
    if node.get("additionalProperties", True) is not False:
        return

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        return [
            Edit("unknown field added", "set", (*p, name), 1)
            for name in ("unexpected_field", "extra", "Type")
            if name not in (value or {})
        ]

    yield _op(
        rule_name(path, "additionalProperties"),
        "structure",
        f"an unknown field in {_name(path)}, which is closed",
        path,
        edits,
    )


def violate_root_type(node: Mapping[str, Any], path: Path, ctx: Context) -> Iterator[MutationOp]:
    if path:
        return

    def edits(value: Any, message: Any) -> list[Edit]:
        return [
            Edit(n, "root", (), v)
            for n, v in [
                ("wrapped in an array", [message]),
                ("a JSON string", "message"),
                ("null", None),
                ("a number", 1337),
                ("an empty array", []),
            ]
        ]

    yield _op(
        rule_name((), "type"),
        "structure",
        "the message is not a JSON object (array, string, null, number)",
        path,
        edits,
    )


# --- types ----------------------------------------------------------------------------------


def _wrong_values(value: Any) -> list[tuple[str, Any]]:
    """Classic confusions for a value, most likely first."""
    as_string = str(value).lower() if isinstance(value, bool) else f"{value}"
    return [
        ("true instead of a value", True),
        ("false instead of a value", False),
        *([] if isinstance(value, str) else [("the value as a string", as_string)]),
        ("null", None),
        ("a number", 1337),
        (
            "a non-integer number",
            (value + 0.5) if isinstance(value, int) and not isinstance(value, bool) else 1.5,
        ),
        ("an empty string", ""),
        ("the value in an array", [value]),
        ("an empty object", {}),
    ]


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


def _unix_times(value: Any) -> list[tuple[str, Any]]:
    """A date-time as the integers a consumer parsing Unix time would take: seconds and
    milliseconds since 1970 (of the value itself when it parses)."""
    seconds = unix_seconds(value)
    return [("a Unix time in seconds", seconds), ("a Unix time in milliseconds", seconds * 1000)]


#: format -> extra wrong-type values for a string of that format.
_TYPED_CONFUSIONS: dict[str, Callable[[Any], list[tuple[str, Any]]]] = {
    "date-time": _unix_times,
    "date": _unix_times,
}


def violate_type(node: Mapping[str, Any], path: Path, ctx: Context) -> Iterator[MutationOp]:
    if "type" not in node or not path:
        return
    types = [node["type"]] if isinstance(node["type"], str) else list(node["type"])
    confusions = _TYPED_CONFUSIONS.get(node.get("format", ""), lambda v: [])

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        wrong = [*_wrong_values(value), *confusions(value)]
        return _sets(p, [(n, v) for n, v in wrong if not _allowed(v, types)])

    yield _op(
        rule_name(path, "type"),
        "types",
        f"{rule_location(path)} with a wrong JSON type (not {' or '.join(types)})",
        path,
        edits,
    )


# --- enums and consts ----------------------------------------------------------------------


def _near_misses(value: str, ctx: Context) -> list[tuple[str, Any]]:
    misses = [
        ("upper case", value.upper()),
        ("title case", value[:1].upper() + value[1:]),
        ("leading space", f" {value}"),
        ("trailing space", f"{value} "),
        ("trailing newline", f"{value}\n"),
        ("a prefix", f"x{value}"),
        ("a suffix", f"{value}s"),
        ("one character short", value[:-1]),
    ]
    bumped = re.sub(r"v(\d+)$", lambda m: f"v{int(m[1]) + 1}", value)
    if bumped != value:
        misses.insert(0, ("the next major version", bumped))
    misses += [(f"another kind's value {s!r}", s) for s in ctx.other_strings if s != value]
    misses += [("null", None), ("a number", 1), ("true", True), ("an empty string", "")]
    return misses


def violate_const(node: Mapping[str, Any], path: Path, ctx: Context) -> Iterator[MutationOp]:
    if "const" not in node:
        return
    const = node["const"]

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        pairs = _near_misses(const, ctx) if isinstance(const, str) else _wrong_values(const)
        return _sets(p, [(n, v) for n, v in pairs if v != const or type(v) is not type(const)])

    yield _op(
        rule_name(path, "const"),
        "enums",
        f"{rule_location(path)} a near miss of {const!r}",
        path,
        edits,
    )


def violate_enum(node: Mapping[str, Any], path: Path, ctx: Context) -> Iterator[MutationOp]:
    if "enum" not in node:
        return
    allowed = node["enum"]

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        pairs = _near_misses(value, ctx) if isinstance(value, str) else _wrong_values(value)
        return _sets(
            p, [(n, v) for n, v in pairs if not any(v == a and type(v) is type(a) for a in allowed)]
        )

    shown = ", ".join(map(str, allowed[:4])) + (", ..." if len(allowed) > 4 else "")
    yield _op(
        rule_name(path, "enum"),
        "enums",
        f"{rule_location(path)} a near miss of one of {shown}",
        path,
        edits,
    )


# --- patterns and lengths ------------------------------------------------------------------

_FULLWIDTH = {d: chr(0xFF10 + int(d)) for d in "0123456789"}
_ARABIC = {d: chr(0x0660 + int(d)) for d in "0123456789"}
_PROBES = ("g", "G", "!", " ", "_", "-", ":", ".", "é", "/", "Z", "0")


#: Prefixes written before hex and other identifiers (``int(s, 16)`` takes ``0x``).
_PREFIXES = ("0x", "0X", "#", "x")
#: How long a run a pattern mutant reaches when the field states no maxLength.
_RUN = 256


def _prefixed(value: str) -> list[tuple[str, str]]:
    misses = [(f"a {p!r} prefix", p + value) for p in _PREFIXES]
    if len(value) > 2:
        misses.append(("'0x' in place of the first two characters", "0x" + value[2:]))
    return misses


def _runs(value: str, size: int) -> list[tuple[str, str]]:
    """Long runs of one character: what catastrophic backtracking in a consumer's regex needs
    (``a{n}!`` against nested quantifiers), kept within *size* so only the pattern breaks."""
    first, repeated = value[:1] or "a", value[1:2] or value[:1] or "a"
    return [
        ("a long run of one character, then '!'", first + repeated * (size - 2) + "!"),
        ("a long run of one character", first + repeated * (size - 1)),
    ]


def _pattern_misses(value: str, size: int = _RUN) -> list[tuple[str, str]]:
    middle = len(value) // 2
    misses = [
        ("trailing newline", f"{value}\n"),
        ("one character short", value[:-1]),
        ("one character too many", value + (value[-1:] or "a")),
        ("leading space", f" {value}"),
        ("trailing space", f"{value} "),
        ("garbage after a valid prefix", f"{value}zz!"),
        ("zero-width space inside", value[:middle] + "\u200b" + value[middle:]),
    ]
    digits = [i for i, ch in enumerate(value) if ch in _FULLWIDTH]
    if digits:
        i = digits[0]
        misses.append(("a full-width digit", value[:i] + _FULLWIDTH[value[i]] + value[i + 1 :]))
        misses.append(("an Arabic-Indic digit", value[:i] + _ARABIC[value[i]] + value[i + 1 :]))
    for probe in _PROBES:
        misses.append(
            (f"one character replaced by {probe!r}", value[:middle] + probe + value[middle + 1 :])
        )
        misses.append((f"first character replaced by {probe!r}", probe + value[1:]))
    misses += _prefixed(value) + _runs(value, max(size, 2))
    misses.append(("an empty string", ""))
    return misses


def violate_pattern(node: Mapping[str, Any], path: Path, ctx: Context) -> Iterator[MutationOp]:
    if "pattern" not in node:
        return

    size = node.get("maxLength", _RUN)

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        return _sets(p, _pattern_misses(value, size)) if isinstance(value, str) else []

    yield _op(
        rule_name(path, "pattern"),
        "patterns",
        f"{rule_location(path)} one step outside {node['pattern']}",
        path,
        edits,
    )


def violate_minLength(node: Mapping[str, Any], path: Path, ctx: Context) -> Iterator[MutationOp]:
    size = node.get("minLength", 0)
    if size <= 0:
        return

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        return (
            _sets(p, [("one character too short", value[: size - 1])])
            if isinstance(value, str)
            else []
        )

    yield _op(
        rule_name(path, "minLength"),
        "lengths",
        f"{rule_location(path)} shorter than {size} characters",
        path,
        edits,
    )


def violate_maxLength(node: Mapping[str, Any], path: Path, ctx: Context) -> Iterator[MutationOp]:
    if "maxLength" not in node:
        return
    size = node["maxLength"]
    grow = LENGTHENERS.get(node.get("format", ""))

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        if not isinstance(value, str):
            return []
        padded = (value or "a") * (size // max(len(value), 1) + 1)
        pairs = [
            ("one character too long", padded[: size + 1]),
            ("one astral character too long", (value + "😀" * (size + 1))[: size + 1]),
            ("its last character repeated", (value + (value[-1:] or "a") * (size + 1))[: size + 1]),
        ]
        grown = grow(value, size + 1) if grow else None
        if grown is not None:
            pairs.append(("a fraction of seconds long enough to be too long", grown))
        return _sets(p, pairs)

    yield _op(
        rule_name(path, "maxLength"),
        "lengths",
        f"{rule_location(path)} longer than {size} characters",
        path,
        edits,
    )


def violate_minItems(node: Mapping[str, Any], path: Path, ctx: Context) -> Iterator[MutationOp]:
    size = node.get("minItems", 0)
    if size <= 0:
        return

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        return (
            _sets(p, [("one item too few", list(value)[: size - 1])])
            if isinstance(value, list)
            else []
        )

    yield _op(
        rule_name(path, "minItems"),
        "lengths",
        f"{rule_location(path)} with fewer than {size} items",
        path,
        edits,
    )


def violate_maxItems(node: Mapping[str, Any], path: Path, ctx: Context) -> Iterator[MutationOp]:
    if "maxItems" not in node:
        return
    size = node["maxItems"]

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        if not isinstance(value, list) or not value:
            return []
        return _sets(p, [("one item too many", (value * (size + 1))[: size + 1])])

    yield _op(
        rule_name(path, "maxItems"),
        "lengths",
        f"{rule_location(path)} with more than {size} items",
        path,
        edits,
        needs=(*path, "[]"),
    )


def violate_items(node: Mapping[str, Any], path: Path, ctx: Context) -> Iterator[MutationOp]:
    if node.get("items") is not False:
        return
    size = len(node.get("prefixItems", []))

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        if not isinstance(value, list) or len(value) < size:
            return []  # a shorter tuple: one more item is still within prefixItems
        extra = value[-1] if value else 0
        return _sets(
            p, [("one item past the tuple", [*value, extra]), ("null past it", [*value, None])]
        )

    yield _op(
        rule_name(path, "items"),
        "lengths",
        f"{rule_location(path)} with an item past its {size} prefixItems",
        path,
        edits,
    )


def violate_uniqueItems(node: Mapping[str, Any], path: Path, ctx: Context) -> Iterator[MutationOp]:
    if not node.get("uniqueItems"):
        return

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        return (
            _sets(p, [("an item repeated", [*value, value[0]])])
            if isinstance(value, list) and value
            else []
        )

    yield _op(
        rule_name(path, "uniqueItems"),
        "lengths",
        f"{rule_location(path)} with an item repeated",
        path,
        edits,
        needs=(*path, "[]"),
    )


# --- numbers -------------------------------------------------------------------------------


def _below(bound: Any, integer: bool) -> list[tuple[str, Any]]:
    if integer:
        return [
            (
                "one below the minimum",
                math.ceil(bound) - 1 if bound == int(bound) else math.floor(bound),
            )
        ]
    return [
        ("the float just below the minimum", math.nextafter(bound, -math.inf)),
        ("one below the minimum", bound - 1),
    ]


def _above(bound: Any, integer: bool) -> list[tuple[str, Any]]:
    if integer:
        return [
            (
                "one above the maximum",
                math.floor(bound) + 1 if bound == int(bound) else math.ceil(bound),
            )
        ]
    return [
        ("the float just above the maximum", math.nextafter(bound, math.inf)),
        ("one above the maximum", bound + 1),
    ]


def _is_integer(node: Mapping[str, Any]) -> bool:
    return node.get("type") == "integer"


def violate_bounds(node: Mapping[str, Any], path: Path, ctx: Context) -> Iterator[MutationOp]:
    integer = _is_integer(node)
    table = {
        "minimum": lambda b: _below(b, integer),
        "maximum": lambda b: _above(b, integer),
        "exclusiveMinimum": lambda b: [("exactly the exclusive minimum", b), *_below(b, integer)],
        "exclusiveMaximum": lambda b: [("exactly the exclusive maximum", b), *_above(b, integer)],
    }
    for keyword, make in table.items():
        if keyword in node:
            pairs = make(node[keyword])
            yield _op(
                rule_name(path, keyword),
                "numbers",
                f"{rule_location(path)} just past its {keyword} {node[keyword]}",
                path,
                lambda v, m, p=path, pairs=pairs: _sets(p, pairs),
            )


def violate_multipleOf(node: Mapping[str, Any], path: Path, ctx: Context) -> Iterator[MutationOp]:
    if "multipleOf" not in node:
        return
    step = node["multipleOf"]

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return []
        return _sets(p, [("half a step off", value + step / 2), ("one off", value + 1)])

    yield _op(
        rule_name(path, "multipleOf"),
        "numbers",
        f"{rule_location(path)} not a multiple of {step}",
        path,
        edits,
    )


def violate_number_literals(
    node: Mapping[str, Any], path: Path, ctx: Context
) -> Iterator[MutationOp]:
    types = node.get("type")
    if types not in ("integer", "number"):
        return
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
        yield _op(
            rule,
            "numbers",
            f"{JSON_RULES[rule]}, in place of a number",
            path,
            lambda v, m, p=path, pairs=pairs: [Edit(n, RAW, p, lit) for n, lit in pairs],
        )


# --- formats -------------------------------------------------------------------------------


def violate_format(node: Mapping[str, Any], path: Path, ctx: Context) -> Iterator[MutationOp]:
    fmt = node.get("format")
    if fmt not in FORMAT_VIOLATIONS:
        return

    def edits(value: Any, message: Any, p: Path = path) -> list[Edit]:
        return _sets(p, FORMAT_VIOLATIONS[fmt](value)) if isinstance(value, str) else []

    yield _op(
        rule_name(path, "format"),
        "formats",
        f"{rule_location(path)} a near miss of a {fmt}",
        path,
        edits,
    )


# --- composition ---------------------------------------------------------------------------


def violate_branches(node: Mapping[str, Any], path: Path, ctx: Context) -> Iterator[MutationOp]:
    for keyword in ("anyOf", "oneOf"):
        if keyword in node and path:
            yield _op(
                rule_name(path, keyword),
                "types",
                f"{rule_location(path)} matching none of its {keyword} branches",
                path,
                lambda v, m, p=path: _sets(p, _wrong_values(v)),
            )


#: keyword -> operators for one canonical node. Every violator is tried on every node.
VIOLATORS: dict[str, Callable[[Mapping[str, Any], Path, Context], Iterator[MutationOp]]] = {
    "required": violate_required,
    "additionalProperties": violate_additionalProperties,
    "root": violate_root_type,
    "type": violate_type,
    "const": violate_const,
    "enum": violate_enum,
    "pattern": violate_pattern,
    "minLength": violate_minLength,
    "maxLength": violate_maxLength,
    "minItems": violate_minItems,
    "maxItems": violate_maxItems,
    "items": violate_items,
    "uniqueItems": violate_uniqueItems,
    "bounds": violate_bounds,
    "multipleOf": violate_multipleOf,
    "literals": violate_number_literals,
    "format": violate_format,
    "branches": violate_branches,
}
