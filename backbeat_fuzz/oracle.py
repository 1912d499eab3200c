"""The one judge: a draft 2020-12 validator with the contract's semantics, reporting rules.

It is :mod:`jsonschema`'s ``Draft202012Validator`` with these keywords replaced, so that what it
asserts is what JSON Schema specifies rather than what Python happens to do, and so that each
error carries what the project's message needs:

- ``pattern``, ``patternProperties`` and ``additionalProperties`` match with ECMA-262
  (:mod:`.ecma`);
- ``format`` is asserted for the formats of :data:`.formats.FORMATS`, with our strict checkers;
- ``required``, ``dependentRequired`` and ``additionalProperties`` report one error per
  property, naming it; ``oneOf`` names the branches that match.

Every error becomes a :class:`Violation` with a stable rule name (``hlc.pattern``,
``required.hlc``, ``issues[].code.pattern``) and a message from the project's one table
(:mod:`._messages`): never jsonschema's own text. The generators, the harness and
``backbeat-validate`` all ask this module, so they never disagree.

There are two engines with the same verdicts and violations: the schema compiled into closures
(:mod:`._compiled`, fast, for the keywords our schemas and most users' use) and jsonschema itself
(the reference, for every other schema). :attr:`SchemaOracle.engine` says which one judges.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from . import ecma, resolver
from ._compiled import CompiledSchema, NotCompilable, compile_schema
from ._messages import Failure, Violation, field_name, json_path, printable, violation
from ._semantics import has_huge_int, not_multiple
from .errors import UnsupportedSchemaError, UsageError
from .formats import FORMATS
from .vocabulary import ASSERTED

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

    from .contract import Contract

__all__ = ["ENGINES", "SchemaOracle", "Violation", "field_name", "json_path"]


def _strings_only(check: Callable[[str], bool]) -> Callable[[Any], bool]:
    """A format applies to strings only; any other instance passes (``type`` judges it)."""
    return lambda instance: not isinstance(instance, str) or check(instance)


def _error(name: Any = None, detail: Any = None) -> ValidationError:
    """A jsonschema error for one of our keywords: *name* is the property a required,
    dependentRequired or additionalProperties one names; its text is never shown."""
    from jsonschema.exceptions import ValidationError

    error = ValidationError("see its Violation")
    error.backbeat_name = name  # type: ignore[attr-defined]
    error.backbeat_detail = detail  # type: ignore[attr-defined]
    return error


def _pattern(
    validator: Any, patrn: str, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not ecma.search(patrn, instance):
        yield _error()


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
            yield _error(key)


def _multipleOf(
    validator: Any, divisor: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "number") and not_multiple(instance, divisor):
        yield _error()


def _required(
    validator: Any, names: list[str], instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for name in names:
        if name not in instance:
            yield _error(name)


def _dependentRequired(
    validator: Any, dependencies: Mapping[str, Any], instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for needing, names in dependencies.items():
        if needing in instance:
            yield from (_error(name, needing) for name in names if name not in instance)


def _oneOf(
    validator: Any, branches: list[Any], instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    matched = [
        index
        for index, branch in enumerate(branches)
        if next(validator.descend(instance, branch, schema_path=index), None) is None
    ]
    if len(matched) != 1:
        yield _error(detail=matched)


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
        "dependentRequired": _dependentRequired,
        "multipleOf": _multipleOf,
        "oneOf": _oneOf,
    }
    return validators.extend(Draft202012Validator, keywords), format_checker


#: The keywords under which an instance is a property name, not a value: where the keyword
#: stands in a schema path (not as the name of a property, after one of _NAMING_MAPS).
_NAMING_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas", "$defs"})


def _of_name(schema_path: Any) -> bool:
    """Whether an error with this schema path judged a property *name* (``propertyNames``)."""
    steps = list(schema_path)
    return any(
        step == "propertyNames" and (i == 0 or steps[i - 1] not in _NAMING_MAPS)
        for i, step in enumerate(steps)
    )


def _failure(error: ValidationError) -> Failure:
    """A reference engine's error as the :class:`Failure` the compiled engine would report."""
    return Failure(
        tuple(error.absolute_path),
        str(error.validator),
        error.validator_value,
        error.instance,
        error.schema,
        getattr(error, "backbeat_name", None),
        getattr(error, "backbeat_detail", None),
        _of_name(error.absolute_schema_path),
    )


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
            # jsonschema's own texts (built, never shown) quote schema values: a huge integer
            # there would make them raise, so it is given one that prints (by its size)
            schema = printable(self.schema) if has_huge_int(self.schema) else self.schema
            self._jsonschema = validator_class(
                schema, format_checker=format_checker, registry=self._registry()
            )
        return self._jsonschema

    def is_valid(self, instance: Any) -> bool:
        """Return whether *instance* is valid (stops at the first error)."""
        if self._compiled is not None:
            return self._compiled.is_valid(instance)
        try:
            return self._validator.is_valid(instance)
        except ValueError:  # jsonschema's own text quoting an integer too long to print
            return self._validator.is_valid(printable(instance))

    def violations(self, instance: Any) -> list[Violation]:
        """Every violation in *instance*, in document order (empty when valid)."""
        if self._compiled is not None:
            return self._compiled.violations(instance)
        try:
            errors = list(self._validator.iter_errors(instance))
        except ValueError:  # jsonschema's own text quoting an integer too long to print
            errors = list(self._validator.iter_errors(printable(instance)))
        return [violation(_failure(e)) for e in sorted(errors, key=lambda e: e.path)]
