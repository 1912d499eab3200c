"""The oracle's words: one table from keyword to what a person reads, for both engines.

Each engine reports a failed keyword as a :class:`Failure` (where, which keyword, its value, the
instance, the schema holding it): the compiled engine builds them itself, the reference engine's
(:mod:`jsonschema`) errors are turned into them by :mod:`.oracle`. :func:`violation` makes the
:class:`Violation` of either from :data:`MESSAGES` alone, so one rule always reads the same,
whichever engine judged; jsonschema's own message texts are never shown. A schema's
``x-messages`` replace the table's text for its keywords.

Values are quoted with :func:`show`: ``repr``, an integer too long to print by its size, and
anything longer than :data:`LONGEST` characters cut.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from .rulenames import rule_name

Location = tuple[Any, ...]

#: The most characters a quoted value takes in a message.
LONGEST = 60


class Failure(NamedTuple):
    """One failed keyword, as either engine found it.

    ``keyword`` is ``"None"`` for a false schema (jsonschema's name for it); ``location`` is
    where the keyword applied (the object, for ``required``, ``dependentRequired`` and
    ``additionalProperties``, whose ``name`` is the property); ``detail`` is what a message
    needs beyond the keyword's value (``oneOf``: the branches the instance matches;
    ``dependentRequired``: the property that needs ``name``); ``of_name`` says the instance is
    a property name of the object at ``location`` (``propertyNames``), not a value.
    """

    location: Location
    keyword: str
    value: Any
    instance: Any
    schema: Any
    name: Any = None
    detail: Any = None
    of_name: bool = False


@dataclass(frozen=True)
class Violation:
    """One broken rule: where, which rule, and what a person should read."""

    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} [{self.rule}]"


def json_path(path: Any) -> str:
    """``['issues', 0, 'code']`` -> ``$.issues[0].code``."""
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def field_name(path: Any) -> str:
    """How a message names a location: ``issues[0].code``, or ``message`` for the root."""
    return _subject(json_path(path))


# ---------------------------------------------------------------- quoting values


class _HugeInt(int):
    """An integer too long for ``repr`` (Python refuses over 4300 digits), shown by its size."""

    def __repr__(self) -> str:
        return f"<an integer of {int(math.log10(abs(self))) + 1} digits>"

    __str__ = __repr__


def printable(value: Any) -> Any:
    """*value* with every integer of more than 1024 bits made safe to print (by its size)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 1024:
        return _HugeInt(value)
    if isinstance(value, dict):
        return {key: printable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [printable(item) for item in value]
    return value


def _cut(text: str) -> str:
    return text if len(text) <= LONGEST else text[: LONGEST - 3] + "..."


def show(value: Any) -> str:
    """*value* as a message quotes it: ``repr``, huge integers by size, at most LONGEST long."""
    return _cut(repr(printable(value)))


def _plural(count: Any, word: str, words: str | None = None) -> str:
    return f"{show(count)} {word if count == 1 else words or word + 's'}"


def _listing(values: Sequence[Any], most: int = 8) -> str:
    """Values unquoted, as the seed's ``phase must be one of: plan, execute, review`` has them."""
    shown = ", ".join(_cut(str(printable(value))) for value in values[:most])
    return shown + (f", ... ({len(values) - most} more)" if len(values) > most else "")


_ARTICLE_TYPES = {
    "integer": "an integer",
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


def _type_phrase(types: Any) -> str:
    names = [types] if isinstance(types, str) else list(types)
    return " or ".join(_ARTICLE_TYPES.get(t, str(t)) for t in names)


_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "a boolean"),
    (int, "an integer"),
    (float, "a number"),
    (str, "a string"),
    (list, "an array"),
    (dict, "an object"),
)


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    kind = next((name for cls, name in _KINDS if isinstance(value, cls)), None)
    return kind or f"a Python {type(value).__name__} (not a JSON value)"


# ---------------------------------------------------------------- the table


def _one_of(f: Failure) -> str:
    matched = f.detail or []
    which = ", ".join(f"#{i}" for i in matched)
    return f"must match exactly one of its {_plural(len(f.value), 'oneOf schema')}; " + (
        f"it matches {len(matched)}: {which}" if matched else "it matches none"
    )


def _items(f: Failure) -> str:
    prefix = f.schema.get("prefixItems", []) if isinstance(f.schema, Mapping) else []
    return f"must have at most {_plural(len(prefix), 'item')}, not {len(f.instance)}"


def _contains(f: Failure) -> str:
    least = f.schema.get("minContains", 1) if isinstance(f.schema, Mapping) else 1
    return (
        f"must contain at least {_plural(least, 'item')} matching its contains schema; it has none"
    )


def _unevaluated(what: str, keyword: str) -> Callable[[Failure], str]:
    def text(f: Failure) -> str:
        if f.value is False:
            return f"must have no {what} beyond those its schema evaluates ({keyword} is false)"
        return f"has {what}s beyond those its schema evaluates that break its {keyword} schema"

    return text


#: keyword -> the text after the field's name, from the failure. Every keyword the reference
#: engine asserts on its own has a line (the others only lead to subschemas, whose keywords
#: report); a keyword missing here still reads as ours (:func:`_text`).
MESSAGES: dict[str, Callable[[Failure], str]] = {
    "type": lambda f: f"must be {_type_phrase(f.value)}, not {_json_kind(f.instance)}",
    "const": lambda f: f"must be {show(f.value)}",
    "enum": lambda f: f"must be one of: {_listing(f.value)}",
    "pattern": lambda f: f"must match pattern {_cut(str(f.value))}",
    "format": lambda f: f"must be a valid {_cut(str(f.value))}",
    "minimum": lambda f: f"must be at least {show(f.value)}",
    "maximum": lambda f: f"must be at most {show(f.value)}",
    "exclusiveMinimum": lambda f: f"must be greater than {show(f.value)}",
    "exclusiveMaximum": lambda f: f"must be less than {show(f.value)}",
    "multipleOf": lambda f: f"must be a multiple of {show(f.value)}",
    "minLength": lambda f: f"must be at least {_plural(f.value, 'character')} long",
    "maxLength": lambda f: f"must be at most {_plural(f.value, 'character')} long",
    "minItems": lambda f: f"must have at least {_plural(f.value, 'item')}",
    "maxItems": lambda f: f"must have at most {_plural(f.value, 'item')}",
    "uniqueItems": lambda f: "must not hold the same item twice",
    "minProperties": lambda f: f"must have at least {_plural(f.value, 'field')}",
    "maxProperties": lambda f: f"must have at most {_plural(f.value, 'field')}",
    "required": lambda f: "field is required",
    "dependentRequired": lambda f: f"field is required when {f.detail} is present",
    "additionalProperties": lambda f: "is not allowed",
    "None": lambda f: f"is {show(f.instance)}, where the schema is false and allows no value",
    "not": lambda f: f"must not match {show(f.value)}",
    "anyOf": lambda f: f"must match at least one of its {_plural(len(f.value), 'anyOf schema')}",
    "oneOf": _one_of,
    "items": _items,
    "contains": _contains,
    "minContains": lambda f: (
        f"must contain at least {_plural(f.value, 'item')} matching its contains schema"
    ),
    "maxContains": lambda f: (
        f"must contain at most {_plural(f.value, 'item')} matching its contains schema"
    ),
    "unevaluatedProperties": _unevaluated("field", "unevaluatedProperties"),
    "unevaluatedItems": _unevaluated("item", "unevaluatedItems"),
}

_DATE_TIME_HINT = " (RFC 3339, e.g. 2025-09-05T12:30:00Z)"


def _unknown(failure: Failure) -> str:
    return f"breaks its {failure.keyword} keyword"


def _text(failure: Failure) -> str:
    """The table's text for *failure*, or the schema's own ``x-messages`` one."""
    schema = failure.schema
    custom = schema.get("x-messages") if type(schema) is dict else None
    if custom and isinstance(custom, Mapping) and isinstance(custom.get(failure.keyword), str):
        return str(custom[failure.keyword])
    text = MESSAGES.get(failure.keyword, _unknown)(failure)
    if failure.keyword == "format" and failure.value == "date-time":
        text += _DATE_TIME_HINT
    return text


#: The keywords a failure names a property for, reported at that property (``name``).
_NAMING = frozenset({"required", "dependentRequired", "additionalProperties"})


def _subject(path: str) -> str:
    """:func:`field_name`, from the :func:`json_path` already made."""
    return path[1:].removeprefix(".") or "message"


def violation(failure: Failure) -> Violation:
    """The :class:`Violation` one failed keyword is, whichever engine found it."""
    location, keyword = failure.location, failure.keyword
    if keyword in _NAMING and failure.name is not None:
        return _naming(failure)
    path = json_path(location)
    subject = _subject(path)
    if failure.of_name:
        subject = f"property name {show(failure.instance)} of {subject}"
    return Violation(path, rule_name(location, keyword), f"{subject} {_text(failure)}")


def _naming(failure: Failure) -> Violation:
    """The violation of a keyword that names a property: at that property's path."""
    location, keyword = failure.location, failure.keyword
    child = (*location, failure.name)
    path = json_path(child)
    rule = rule_name(child if keyword == "required" else location, keyword)
    subject = _subject(path)
    if keyword == "additionalProperties":
        subject = f"unknown field {subject}"
    elif keyword == "dependentRequired":
        failure = failure._replace(detail=field_name((*location, failure.detail)))
    return Violation(path, rule, f"{subject} {_text(failure)}")
