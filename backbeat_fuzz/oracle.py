"""The one judge: a draft 2020-12 validator with the contract's semantics, reporting rules.

It is :mod:`jsonschema`'s ``Draft202012Validator`` with three keyword families replaced, so that
what it asserts is what JSON Schema specifies rather than what Python happens to do:

- ``pattern``, ``patternProperties`` and ``additionalProperties`` match with ECMA-262
  (:mod:`.ecma`);
- ``format`` is asserted for the formats of :data:`.formats.FORMATS`, with our strict checkers;
- ``required`` and ``additionalProperties`` report one error per property, naming it.

Every error becomes a :class:`Violation` with a stable rule name (``hlc.pattern``,
``required.hlc``, ``issues[].code.pattern``) and a human message. The generators, the harness and
``backbeat-validate`` all ask this module, so they never disagree.

There are two engines with the same verdicts and violations: the schema compiled into closures
(:mod:`._compiled`, fast, for the keywords our schemas and most users' use) and jsonschema itself
(the reference, for every other schema). :attr:`SchemaOracle.engine` says which one judges.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import ecma, resolver
from ._compiled import (
    REPR_KEYWORDS,
    CompiledSchema,
    Failure,
    NotCompilable,
    compile_schema,
    has_huge_int,
    not_multiple,
)
from .errors import UnsupportedSchemaError, UsageError
from .formats import FORMATS
from .rulenames import rule_name
from .vocabulary import ASSERTED

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

    from .contract import Contract

__all__ = [
    "ENGINES",
    "SchemaOracle",
    "Violation",
    "field_name",
    "json_path",
    "make_violation",
]


def _strings_only(check: Callable[[str], bool]) -> Callable[[Any], bool]:
    """A format applies to strings only; any other instance passes (``type`` judges it)."""
    return lambda instance: not isinstance(instance, str) or check(instance)


@dataclass(frozen=True)
class Violation:
    """One broken rule: where, which rule, and what a person should read."""

    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} [{self.rule}]"


def _error(message: str, name: str | None = None) -> ValidationError:
    """A jsonschema error; *name* is the property a required/additionalProperties one names."""
    from jsonschema.exceptions import ValidationError

    error = ValidationError(message)
    if name is not None:
        error.backbeat_name = name  # type: ignore[attr-defined]
    return error


def _pattern(
    validator: Any, patrn: str, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not ecma.search(patrn, instance):
        yield _error(f"{instance!r} does not match {patrn!r}")


def _patternProperties(
    validator: Any, patterns: Mapping[str, Any], instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for patrn, subschema in patterns.items():
        for key, value in instance.items():
            if ecma.search(patrn, key):
                yield from validator.descend(value, subschema, path=key, schema_path=patrn)


def _extras(instance: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    known = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    return [
        key
        for key in instance
        if key not in known and not any(ecma.search(p, key) for p in patterns)
    ]


def _additionalProperties(
    validator: Any, extra_schema: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for key in _extras(instance, schema):
        if validator.is_type(extra_schema, "object"):
            yield from validator.descend(instance[key], extra_schema, path=key)
        elif extra_schema is False:
            yield _error(f"unknown field {key!r} is not allowed", key)


def _multipleOf(
    validator: Any, divisor: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "number") and not_multiple(instance, divisor):
        yield _error(f"{instance!r} is not a multiple of {divisor!r}")


def _required(
    validator: Any, names: list[str], instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for name in names:
        if name not in instance:
            yield _error(f"{name!r} is a required property", name)


@functools.cache
def _reference() -> tuple[Any, Any]:
    """jsonschema's validator class with our keywords, and our format checker: made on first
    use, since importing jsonschema costs more than validating thousands of messages compiled."""
    from jsonschema import Draft202012Validator, FormatChecker, validators

    format_checker = FormatChecker(formats=())
    for name, check in FORMATS.items():
        format_checker.checks(name)(_strings_only(check))
    keywords = {
        "pattern": _pattern,
        "patternProperties": _patternProperties,
        "additionalProperties": _additionalProperties,
        "required": _required,
        "multipleOf": _multipleOf,
    }
    return validators.extend(Draft202012Validator, keywords), format_checker


def json_path(path: Any) -> str:
    """``['issues', 0, 'code']`` -> ``$.issues[0].code``."""
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def field_name(path: Any) -> str:
    """How a message names a location: ``issues[0].code``, or ``message`` for the root."""
    return json_path(path)[1:].removeprefix(".") or "message"


def _plural(count: Any, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


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
    return " or ".join(_ARTICLE_TYPES.get(t, t) for t in names)


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


#: keyword -> (keyword value, instance) -> the message after the field name.
_MESSAGES: dict[str, Callable[[Any, Any], str]] = {
    "type": lambda value, instance: f"must be {_type_phrase(value)}, not {_json_kind(instance)}",
    "const": lambda value, _: f"must be {value!r}",
    "enum": lambda value, _: "must be one of: " + ", ".join(str(v) for v in value),
    "pattern": lambda value, _: f"must match pattern {value}",
    "format": lambda value, _: f"must be a valid {value}",
    "minimum": lambda value, _: f"must be at least {value}",
    "maximum": lambda value, _: f"must be at most {value}",
    "exclusiveMinimum": lambda value, _: f"must be greater than {value}",
    "exclusiveMaximum": lambda value, _: f"must be less than {value}",
    "multipleOf": lambda value, _: f"must be a multiple of {value}",
    "minLength": lambda value, _: f"must be at least {_plural(value, 'character')} long",
    "maxLength": lambda value, _: f"must be at most {_plural(value, 'character')} long",
    "minItems": lambda value, _: f"must have at least {_plural(value, 'item')}",
    "maxItems": lambda value, _: f"must have at most {_plural(value, 'item')}",
    "uniqueItems": lambda value, _: "must not hold the same item twice",
}

_DATE_TIME_HINT = " (RFC 3339, e.g. 2025-09-05T12:30:00Z)"


def make_violation(
    keyword: str,
    path: Any,
    value: Any,
    instance: Any,
    schema: Any,
    name: Any = None,
    default: Callable[[], str] = str,
) -> Violation:
    """The :class:`Violation` for one failed keyword, whichever engine found it.

    Args:
        keyword: the keyword that failed (``"None"`` for a false schema).
        path: where it failed, as keys and indices (the object, for ``required`` and
            ``additionalProperties``).
        value: the keyword's value in the schema.
        instance: the value at *path*.
        schema: the schema object holding the keyword (its ``x-messages`` are used).
        name: the property a ``required`` or ``additionalProperties`` failure names.
        default: jsonschema's own message, asked for when the contract has none.
    """
    if keyword == "required" and name is not None:
        child = [*path, name]
        return Violation(
            json_path(child),
            rule_name(child, "required"),
            f"{field_name(child)} field is required",
        )
    if keyword == "additionalProperties" and name is not None:
        child = [*path, name]
        return Violation(
            json_path(child),
            rule_name(path, "additionalProperties"),
            f"unknown field {field_name(child)} is not allowed",
        )
    custom = schema.get("x-messages", {}) if isinstance(schema, Mapping) else {}
    text = custom.get(keyword) or (
        _MESSAGES[keyword](value, instance) if keyword in _MESSAGES else default()
    )
    if keyword == "format" and value == "date-time" and keyword not in custom:
        text += _DATE_TIME_HINT
    return Violation(json_path(path), rule_name(path, keyword), f"{field_name(path)} {text}")


def _from_error(error: ValidationError) -> Violation:
    return make_violation(
        str(error.validator),
        list(error.absolute_path),
        error.validator_value,
        error.instance,
        error.schema,
        getattr(error, "backbeat_name", None),
        lambda: error.message,
    )


def _from_failure(failure: Failure) -> Violation:
    return make_violation(
        failure.keyword,
        failure.location,
        failure.value,
        failure.instance,
        failure.schema,
        failure.name,
        failure.reference_text,
    )


class _HugeInt(int):
    """An integer too long for ``repr`` (Python refuses over 4300 digits), shown by its size."""

    def __repr__(self) -> str:
        return f"<an integer of {int(math.log10(abs(self))) + 1} digits>"

    __str__ = __repr__


def _printable(value: Any) -> Any:
    """*value* with every integer of more than 1024 bits made safe to print in a message."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 1024:
        return _HugeInt(value)
    if isinstance(value, dict):
        return {key: _printable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_printable(item) for item in value]
    return value


#: What ``SchemaOracle(engine=...)`` takes.
ENGINES = ("auto", "compiled", "jsonschema")


class SchemaOracle:
    """Validate instances against one schema with the contract's semantics.

    Args:
        schema: a draft 2020-12 schema (a dict, or a boolean schema).
        engine: ``"auto"`` (the compiled engine when the schema compiles, else jsonschema),
            ``"compiled"`` (raise :class:`~backbeat_fuzz.errors.UnsupportedSchemaError` when it
            does not) or ``"jsonschema"`` (the reference engine).
        contract: the contract *schema* belongs to: a ``$ref`` may lead to its other schemas
            (:attr:`.Contract.registry`); without one, only within *schema* and to the
            metaschemas. Nothing is ever fetched.

    Raises:
        SchemaError: a ``$ref`` leads anywhere else, or to nothing.

    Attributes:
        engine: the engine that judges, ``"compiled"`` or ``"jsonschema"``.
    """

    def __init__(
        self, schema: Any, *, engine: str = "auto", contract: Contract | None = None
    ) -> None:
        if engine not in ENGINES:
            raise UsageError(f"engine={engine!r} is unknown; use one of {', '.join(ENGINES)}")
        self.schema = schema
        self._jsonschema: Any = None  # the reference engine's validator, made on first use
        self._compiled: CompiledSchema | None = None
        if engine != "jsonschema":
            try:
                self._compiled = compile_schema(schema, ASSERTED)
            except NotCompilable as exc:
                if engine == "compiled":
                    raise UnsupportedSchemaError(
                        f"the schema cannot be compiled ({exc}); use engine='auto'"
                    ) from None
        self.engine = "jsonschema" if self._compiled is None else "compiled"
        self._contract = contract
        if self._compiled is None:  # the compiled engine follows local references only
            resolver.check_refs(schema, self._registry(), "the schema")

    def _registry(self) -> Any:
        """Where the reference engine's ``$ref`` may lead (see :mod:`.resolver`)."""
        return self._contract.registry if self._contract else resolver.make_registry()

    @property
    def _validator(self) -> Any:
        if self._jsonschema is None:
            validator_class, format_checker = _reference()
            self._jsonschema = validator_class(
                self.schema, format_checker=format_checker, registry=self._registry()
            )
        return self._jsonschema

    def is_valid(self, instance: Any) -> bool:
        """Return whether *instance* is valid (stops at the first error)."""
        if self._compiled is not None:
            return self._compiled.is_valid(instance)
        try:
            return self._validator.is_valid(instance)
        except ValueError:  # an error message quoting an integer too long to print
            return self._validator.is_valid(_printable(instance))

    def violations(self, instance: Any) -> list[Violation]:
        """Every violation in *instance*, in document order (empty when valid)."""
        if self._compiled is None:
            return self._reference_violations(instance)
        failures = self._compiled.failures(instance)
        if any(f.keyword in REPR_KEYWORDS for f in failures) and has_huge_int(instance):
            # jsonschema shows every integer as _HugeInt once one was too long to print
            return self._reference_violations(instance)
        return [_from_failure(f) for f in failures]

    def _reference_violations(self, instance: Any) -> list[Violation]:
        try:
            errors = list(self._validator.iter_errors(instance))
        except ValueError:  # an error message quoting an integer too long to print
            errors = list(self._validator.iter_errors(_printable(instance)))
        return [_from_error(e) for e in sorted(errors, key=lambda e: e.path)]
