"""``MessageValidator``: validate BACKBEAT messages (objects, JSON text or files).

This is the reference validator, the project's oracle. It parses JSON strictly
(:mod:`.jsontext`), picks the schema from the message's ``type`` (or the kind it is told),
validates with :class:`.oracle.SchemaOracle`, then checks the cross-field rules.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._fastcheck import Check, NotCompilable, compile_check
from ._fastparse import parse_plain
from ._messages import Failure, violation
from .contract import Contract, MessageKind, load_contract
from .jsontext import JsonTextError, declared_type, parse
from .oracle import SchemaOracle, Violation, field_name, json_path
from .rulenames import rule_name

__all__ = ["MessageValidator", "ValidationResult", "Violation"]


@dataclass(frozen=True)
class ValidationResult:
    """What the validator decided about one message.

    Attributes:
        valid: True when the message conforms.
        message_type: the ``type`` the message was validated as, or None when unknown (for a
            text that is not strict JSON, the known ``type`` it still declares, if any).
        errors: every violation, each with its JSON path, rule and human message.
        source: the file the message came from, when known (``validate_file``).
    """

    valid: bool
    message_type: str | None
    errors: tuple[Violation, ...] = ()
    source: str | None = field(default=None, compare=False)

    @property
    def rules(self) -> frozenset[str]:
        """The names of the broken rules."""
        return frozenset(e.rule for e in self.errors)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, as ``backbeat-validate --json`` prints a result (``source`` as
        ``{"file": ..., "line": null}``, present when known; see ``docs/validate.md``)."""
        out: dict[str, Any] = {"valid": self.valid, "message_type": self.message_type}
        if self.source is not None:
            out = {"source": {"file": self.source, "line": None}, **out}
        out["errors"] = [
            {"path": e.path, "rule": e.rule, "message": e.message} for e in self.errors
        ]
        return out


def _invalid(message_type: str | None, *errors: Violation) -> ValidationResult:
    return ValidationResult(False, message_type, tuple(errors))


_SURROGATE = re.compile("[\ud800-\udfff]")


def _overflows(number: int) -> bool:
    try:
        float(number)
    except OverflowError:
        return True
    return False


def _not_json(value: Any, path: tuple[str | int, ...]) -> Violation | None:
    """The JSON text rule a Python scalar breaks (NaN, infinities, a huge integer, a lone
    surrogate), if any."""
    if isinstance(value, float) and not math.isfinite(value):
        rule, name = ("json.nan", "NaN") if math.isnan(value) else ("json.infinity", "Infinity")
        sign = "-" if value < 0 else ""
        text = f"{field_name(path)} is {sign}{name}, which JSON does not have"
        return Violation(json_path(path), rule, text)
    if isinstance(value, int) and _overflows(value):
        text = f"{field_name(path)} is an integer too large for a double, which I-JSON forbids"
        return Violation(json_path(path), "json.number_overflow", text)
    if isinstance(value, str) and _SURROGATE.search(value):
        text = f"{field_name(path)} holds an unpaired surrogate, which I-JSON forbids"
        return Violation(json_path(path), "json.lone_surrogate", text)
    return None


def _bad_key(key: Any, path: tuple[str | int, ...]) -> Violation | None:
    if isinstance(key, str) and _SURROGATE.search(key):
        text = f"a key in {field_name(path)} holds an unpaired surrogate, which I-JSON forbids"
        return Violation(json_path(path), "json.lone_surrogate", text)
    return None


def _scalar_is_json(value: Any) -> bool:
    """Whether a scalar (or a value of a type JSON has no name for) breaks no JSON text rule."""
    kind = type(value)
    if kind is str:
        return value.isascii() or not _SURROGATE.search(value)
    if kind is int:
        return value.bit_length() < 1024 or not _overflows(value)
    if kind is float:
        return math.isfinite(value)
    return kind is bool or value is None or _not_json(value, ()) is None


def _all_json(message: Any) -> bool:
    """Whether *message* holds nothing a strict JSON text cannot (the fast common case)."""
    stack = [message]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if any(_bad_key(key, ()) is not None for key in value if not _plain(key)):
                return False
            items: Any = value.values()
        elif isinstance(value, list):
            items = value
        else:
            items = (value,)
        for item in items:
            if isinstance(item, dict | list):
                stack.append(item)
            elif not _scalar_is_json(item):
                return False
    return True


def _plain(key: Any) -> bool:
    return type(key) is str and key.isascii()


def _non_json_values(message: Any) -> list[Violation]:
    """What no strict JSON text can hold but a Python object can, in document order."""
    if _all_json(message):
        return []
    found: list[Violation] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(message, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            bad_keys = [v for v in (_bad_key(k, path) for k in value) if v is not None]
            found += bad_keys[:1]  # reported once, at the object, whose values are then skipped
            if not bad_keys:
                stack += reversed([(item, (*path, key)) for key, item in value.items()])
        elif isinstance(value, list):
            stack += reversed([(item, (*path, i)) for i, item in enumerate(value)])
        elif (violation := _not_json(value, path)) is not None:
            found.append(violation)
    return found


def _not_sure(message: Any) -> bool:
    return False


class MessageValidator:
    """Validate BACKBEAT messages against a contract.

    Args:
        schemas_dir: a folder of ``*.schema.json`` (and ``rules-*.json``) files; the packaged
            v1 schemas when omitted (a convenience: it loads the folder).
        contract: the contract, already loaded (then *schemas_dir* is not read).

    Raises:
        SchemaError: the folder is missing, empty or holds an invalid schema.
    """

    def __init__(
        self, schemas_dir: str | Path | None = None, *, contract: Contract | None = None
    ) -> None:
        self.contract: Contract = contract if contract is not None else load_contract(schemas_dir)
        self._oracles = {
            k.name: SchemaOracle(k.schema, contract=self.contract) for k in self.contract
        }
        self._types: dict[Any, MessageKind] = {}
        for k in self.contract:  # the first kind of a type, as Contract.by_type finds it
            self._types.setdefault(k.message_type, k)
        self._fast: dict[str, Check] = {}  # kind name -> its fast check, made on first use
        self._told: dict[str, MessageKind] = {}  # --kind spelling -> kind, for the fast path
        self._passed = {k.name: ValidationResult(True, k.message_type) for k in self.contract}

    def _kind_of(self, message: Any) -> MessageKind | ValidationResult:
        if not isinstance(message, dict):  # worded as the schema's root "type" would be
            return _invalid(None, violation(Failure((), "type", "object", message, {})))
        if "type" not in message:
            return _invalid(None, violation(Failure((), "required", ["type"], message, {}, "type")))
        kind = self._types.get(message["type"]) if isinstance(message["type"], str) else None
        if kind is None:
            known = ", ".join(self.contract.message_types)
            return _invalid(
                None,
                Violation(
                    "$.type",
                    rule_name(("type",), "const"),
                    f"type {message['type']!r} is unknown; known types: {known}",
                ),
            )
        return kind

    def validate_message(self, message: Any, *, kind: str | None = None) -> ValidationResult:
        """Validate a parsed message (a dict from :func:`json.loads` or built in code).

        A value no strict JSON text can hold (NaN, an infinity, an integer beyond a double, a
        lone surrogate) is reported with its ``json.*`` rule alone, as its JSON text would be.

        Args:
            message: the message.
            kind: validate as this kind (short name or ``type``) instead of reading ``type``.
        """
        told = self.contract.kind(kind) if kind is not None else None
        not_json = _non_json_values(message)
        if not_json:  # the verdict its JSON text would get: only the text rules
            return _invalid(told.message_type if told else None, *not_json)
        return self._judge(message, told)

    def _judge(self, message: Any, told: MessageKind | None) -> ValidationResult:
        """Validate a message that holds only what JSON text can (schema, then rules)."""
        found = told or self._kind_of(message)
        if isinstance(found, ValidationResult):
            return found
        errors = self._oracles[found.name].violations(message)
        if found.rules and isinstance(message, dict):
            errors += [
                Violation("$", rule.rule, rule.explain(message))
                for rule in found.rules
                if not rule.holds(message)
            ]
        return ValidationResult(not errors, found.message_type, tuple(errors))

    def validate_message_string(
        self, text: str | bytes, *, kind: str | None = None, fast: bool = False
    ) -> ValidationResult:
        """Parse *text* strictly as JSON, then validate it (see :meth:`validate_message`).

        Args:
            text: the JSON text, or its UTF-8 bytes.
            kind: validate as this kind (short name or ``type``) instead of reading ``type``.
            fast: ask :meth:`accepts` first: the same result, sooner when most texts are valid
                (a stream), later when most are not (each invalid text is parsed twice).
        """
        if fast and (found := self.accepts(text, kind=kind)) is not None:
            return self._passed[found.name]
        try:
            message = parse(text)
        except JsonTextError as exc:
            message_type = self.contract.kind(kind).message_type if kind else self._declared(text)
            return _invalid(message_type, Violation("$", exc.rule, str(exc)))
        # parse() lets no NaN, infinity, huge number or lone surrogate through: no need to look
        told = self.contract.kind(kind) if kind is not None else None
        return self._judge(message, told)

    def _declared(self, text: str | bytes) -> str | None:
        """The known ``type`` a text that is not strict JSON declares, or None."""
        found = declared_type(text)
        return found if isinstance(found, str) and found in self._types else None

    def accepts(self, text: str | bytes, *, kind: str | None = None) -> MessageKind | None:
        """The kind *text* is a valid message of, when the fast path can tell; else None.

        The fast path parses with orjson, proving the text rules it can (:mod:`._fastparse`),
        and runs one generated function per kind (:mod:`._fastcheck`); it never calls an
        invalid text valid, and says None (not sure) for every invalid text, for kinds whose
        schema it does not cover and for the rare valid text its proofs do not reach (a string
        holding ``":``, a float beyond ``2**63`` compared with a field): ask
        :meth:`validate_message_string` then, which decides and explains.

        Raises:
            UsageError: *kind* is not a kind of the contract.
        """
        message = parse_plain(text)
        if type(message) is not dict:
            return None
        if kind is None:
            declared = message.get("type")
            found = self._types.get(declared) if type(declared) is str else None
        else:
            found = self._told.get(kind) or self._told.setdefault(kind, self.contract.kind(kind))
        if found is None:
            return None
        check = self._fast.get(found.name) or self._fast_check(found)
        try:
            return found if check(message) else None
        except (ValueError, TypeError, RecursionError):  # a format checker's surprise: not sure
            return None

    def _fast_check(self, kind: MessageKind) -> Check:
        """The fast check of *kind*, compiled on first use (one that always says "not sure"
        when its schema is outside what the fast path covers)."""
        try:
            check = compile_check(kind.schema, kind.rules)
        except NotCompilable:
            check = _not_sure
        return self._fast.setdefault(kind.name, check)

    def validate_file(self, path: str | Path, *, kind: str | None = None) -> ValidationResult:
        """Read and validate one message file (raises :class:`OSError` if it cannot be read)."""
        with open(Path(path), "rb", buffering=0) as file:  # unbuffered: no buffer object
            data = file.readall()
        result = self.validate_message_string(data, kind=kind)
        return ValidationResult(result.valid, result.message_type, result.errors, str(path))
