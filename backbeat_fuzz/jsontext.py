"""Strict JSON text parsing: RFC 8259 plus the I-JSON (RFC 7493) restrictions.

Python's :func:`json.loads` accepts ``NaN`` and ``Infinity``, keeps the last of duplicate keys,
turns ``1e400`` into ``inf`` and accepts lone surrogates. Real consumers fall into exactly
these holes, so the reference validator must not. :func:`parse` rejects each of them with a
:class:`JsonTextError` naming a stable rule (``json.nan``, ``json.duplicate_key``, ...).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["JSON_RULES", "MAX_DEPTH", "JsonTextError", "declared_type", "parse"]

#: Every rule :func:`parse` can report, with a one-line description.
JSON_RULES: dict[str, str] = {
    "json.empty": "the input is empty (or only whitespace)",
    "json.syntax": "the text is not JSON (truncated, trailing comma, single quotes, ...)",
    "json.trailing_data": "valid JSON followed by more data",
    "json.nan": "a NaN literal, which JSON does not have",
    "json.infinity": "an Infinity or -Infinity literal, which JSON does not have",
    "json.number_overflow": "a number too large for a double (e.g. 1e400)",
    "json.duplicate_key": "an object with the same key twice",
    "json.bom": "a byte-order mark before the JSON text",
    "json.invalid_utf8": "bytes that are not valid UTF-8",
    "json.lone_surrogate": "a string with an unpaired UTF-16 surrogate (forbidden by I-JSON)",
    "json.too_deep": "arrays and objects nested more than 64 deep",
}

#: The deepest nesting of arrays and objects the contract allows (a BACKBEAT message needs 3).
MAX_DEPTH = 64

_LONE_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_RAW_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class JsonTextError(ValueError):
    """The text is not strict JSON. ``rule`` is one of :data:`JSON_RULES`."""

    rule: str
    message: str
    position: int | None = None

    def __str__(self) -> str:
        where = f" (at character {self.position})" if self.position is not None else ""
        return f"{self.message}{where}"


class _Reject(Exception):
    """Raised from inside the json hooks; turned into a JsonTextError by parse()."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def _constant(name: str) -> Any:
    if name == "NaN":
        raise _Reject("json.nan", "NaN is not a JSON value")
    raise _Reject("json.infinity", f"{name} is not a JSON value")


def _overflow(text: str) -> _Reject:
    shown = text if len(text) <= 40 else f"{text[:40]}..."
    return _Reject("json.number_overflow", f"number {shown} is too large for a double")


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _overflow(text)
    return value


def _int(text: str) -> int:
    # An integer literal beyond the range of a double is rejected like 1e400 (I-JSON, RFC 7493
    # section 2.2). More than 310 characters always is, and int() would refuse over 4300 digits.
    if len(text) > 310:
        raise _overflow(text)
    value = int(text)
    try:
        float(value)
    except OverflowError:
        raise _overflow(text) from None
    return value


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Reject("json.duplicate_key", f"duplicate key {key!r}")
            seen.add(key)
    return obj


_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs, parse_constant=_constant, parse_float=_float, parse_int=_int
)


def _decode_bytes(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        raise JsonTextError("json.bom", "the text starts with a UTF-8 byte-order mark", 0)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonTextError(
            "json.invalid_utf8", f"invalid UTF-8: {exc.reason}", exc.start
        ) from None


def _check_surrogates(text: str, value: Any) -> None:
    match = _RAW_SURROGATE.search(text)
    if match:
        raise JsonTextError("json.lone_surrogate", "unpaired surrogate in text", match.start())
    if _LONE_SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        raise JsonTextError(
            "json.lone_surrogate", "a string holds an unpaired \\u surrogate escape"
        )


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return _RAW_SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def _too_deep(value: Any) -> bool:
    """True when arrays and objects nest more than MAX_DEPTH deep (iterative: no recursion)."""
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def parse(data: str | bytes) -> Any:
    """Parse one JSON text strictly.

    Args:
        data: the text, or its UTF-8 bytes.

    Returns:
        The value, with objects as ``dict``, arrays as ``list``, integers as ``int``.

    Raises:
        JsonTextError: the input is not strict JSON; ``rule`` says why.
    """
    text = _decode_bytes(data) if isinstance(data, bytes | bytearray) else data
    if text.startswith("\ufeff"):
        raise JsonTextError("json.bom", "the text starts with a byte-order mark (U+FEFF)", 0)
    if not text.strip(" \t\r\n"):
        raise JsonTextError("json.empty", "the input is empty")
    try:
        value = _DECODER.decode(text)
    except _Reject as exc:
        raise JsonTextError(exc.rule, exc.message) from None
    except json.JSONDecodeError as exc:
        rule = "json.trailing_data" if exc.msg == "Extra data" else "json.syntax"
        raise JsonTextError(rule, f"not JSON: {exc.msg}", exc.pos) from None
    except RecursionError:
        raise JsonTextError("json.too_deep", "nesting too deep to parse") from None
    # Cheap guards first: deep nesting needs more than MAX_DEPTH brackets, and a lone surrogate
    # needs a \u escape or (in a str, never in decoded UTF-8 bytes) a surrogate code point.
    if text.count("[") + text.count("{") > MAX_DEPTH and _too_deep(value):
        raise JsonTextError("json.too_deep", f"nested more than {MAX_DEPTH} deep")
    if "\\u" in text or (text is data and not text.isascii()):
        _check_surrogates(text, value)
    return value


def _lenient_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    types = [value for key, value in pairs if key == "type"] if len(obj) != len(pairs) else []
    if any(value != types[0] for value in types):
        del obj["type"]  # two different types: the text declares none
    return obj


_LENIENT = json.JSONDecoder(object_pairs_hook=_lenient_pairs)
_TYPE_FIRST = re.compile(r'[ \t\r\n]*\{[ \t\r\n]*"type"[ \t\r\n]*:[ \t\r\n]*"([^"\\]*)"')


def declared_type(data: str | bytes) -> Any:
    """The top-level ``type`` a text declares, read leniently: for naming the kind of a message
    that is not strict JSON (an ``Infinity``, a duplicate key, a BOM, bad bytes elsewhere).

    Returns:
        The value of ``type`` in the first JSON value of the text (``NaN``, duplicate keys and
        huge numbers allowed), else the string a text that starts ``{"type": "..."`` names (a
        truncated message), else None.
    """
    text = data.decode("utf-8", "replace") if isinstance(data, bytes | bytearray) else data
    text = text.removeprefix("\ufeff")
    try:
        value, _ = _LENIENT.raw_decode(text.lstrip(" \t\r\n"))
    except (ValueError, RecursionError):
        match = _TYPE_FIRST.match(text)
        return match[1] if match else None
    return value.get("type") if isinstance(value, dict) else None
