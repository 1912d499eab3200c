"""Mutations of the JSON text itself (the ``json`` family): each yields exact bytes.

These break the text, not a field: truncation, a trailing comma, single quotes, a duplicate key
whose first value differs (Python's ``json`` keeps the last and so accepts it), a byte-order
mark, invalid UTF-8, empty input, nesting past the limit, a lone surrogate escape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from ..jsontext import JSON_RULES, MAX_DEPTH
from ..model import canonical_text
from .edits import Edit, EditAction, MutationOp

__all__ = ["TEXT_MUTATIONS", "text_ops"]

_SENTINEL = "\u0001backbeat-fuzz-sentinel\u0001"


def _bytes(note: str, data: bytes, where: str | None = None) -> Edit:
    """An edit of the whole text; *where* names the top-level field it is about, if any."""
    return Edit(note, EditAction.BYTES, () if where is None else (where,), data)


def _text(message: Any) -> str:
    return canonical_text(message)


def _syntax(message: Any) -> list[Edit]:
    text = _text(message)
    return [
        _bytes("truncated by one character", text[:-1].encode()),
        _bytes("a trailing comma", (text[:-1] + ",}").encode()),
        _bytes("single quotes", text.replace('"', "'").encode()),
        _bytes("cut in half", text[: len(text) // 2].encode()),
        _bytes("unquoted keys", re.sub(r'"(\w+)":', r"\1:", text).encode()),
        _bytes("a comment", ("/* beat */" + text).encode()),
    ]


def _trailing(message: Any) -> list[Edit]:
    text = _text(message)
    return [
        _bytes("a second document", f"{text}\n{text}".encode()),
        _bytes("garbage after the object", f"{text}x".encode()),
    ]


def _other(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + "-first"
    return None


def _duplicate(message: Any) -> list[Edit]:
    if not isinstance(message, dict) or not message:
        return []
    text = _text(message)
    edits = []
    for key, value in list(message.items())[:4]:
        for first in (_other(value), None):
            head = f"{json.dumps(key, ensure_ascii=False)}:{json.dumps(first, ensure_ascii=False)},"
            edits.append(
                _bytes(
                    f"{key} twice, the first {json.dumps(first)}", ("{" + head + text[1:]).encode()
                )
            )
    return edits


def _string_key(message: dict[str, Any]) -> str | None:
    """The top-level string field splices go into: the first one but ``type``."""
    strings = [k for k, v in message.items() if isinstance(v, str)]
    return next((k for k in strings if k != "type"), strings[0]) if strings else None


def _with_sentinel(message: dict[str, Any], piece: bytes) -> bytes | None:
    """The message's text with *piece* spliced into the middle of a string value."""
    key = _string_key(message)
    if key is None:
        return None
    value = message[key]
    middle = len(value) // 2
    text = canonical_text({**message, key: value[:middle] + _SENTINEL + value[middle:]}).encode()
    return text.replace(_SENTINEL.encode().replace(b"\x01", b"\\u0001"), piece)


def _invalid_utf8(message: Any) -> list[Edit]:
    if not isinstance(message, dict):
        return []
    pieces = [
        ("a 0xFF byte", b"\xff"),
        ("an overlong '/'", b"\xc0\xaf"),
        ("a truncated sequence", b"\xe2\x82"),
        ("a UTF-8-encoded surrogate", b"\xed\xa0\x80"),
    ]
    edits = []
    for note, piece in pieces:
        data = _with_sentinel(message, piece)
        if data is not None:
            edits.append(_bytes(f"{note} inside a string", data, _string_key(message)))
    return edits


#: Control characters JSON requires escaped inside strings (U+0000 to U+001F), written raw.
_CONTROLS = (
    ("U+0000", b"\x00"),
    ("U+0001", b"\x01"),
    ("U+001F", b"\x1f"),
    ("tab", b"\t"),
    ("newline", b"\n"),
    ("carriage return", b"\r"),
)


def _control_characters(message: Any) -> list[Edit]:
    """A raw control character inside a string: strict parsers reject it (``json.syntax``),
    lenient ones (``json.loads(strict=False)``, many hand-rolled readers) let it through."""
    if not isinstance(message, dict):
        return []
    edits = []
    for name, piece in _CONTROLS:
        data = _with_sentinel(message, piece)
        if data is not None:
            note = f"a raw {name} inside a string"
            edits.append(_bytes(note, data, _string_key(message)))
    return edits


def _lone_surrogate(message: Any) -> list[Edit]:
    data = _with_sentinel(message, b"\\ud800") if isinstance(message, dict) else None
    note = "a lone \\ud800 escape inside a string"
    return [] if data is None else [_bytes(note, data, _string_key(message))]


def _too_deep(message: Any) -> list[Edit]:
    if not isinstance(message, dict):
        return []
    deep = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    text = _text(message)
    return [
        _bytes(
            f"an extra field nested {MAX_DEPTH + 1} deep",
            (text[:-1] + f',"x_deep":{deep}}}').encode(),
            "x_deep",
        )
    ]


#: rule -> candidate edits for a valid message, most classic first.
TEXT_MUTATIONS: dict[str, Callable[[Any], list[Edit]]] = {
    "json.syntax": lambda m: _syntax(m) + _control_characters(m),
    "json.trailing_data": _trailing,
    "json.duplicate_key": _duplicate,
    "json.bom": lambda m: [_bytes("a UTF-8 byte-order mark", b"\xef\xbb\xbf" + _text(m).encode())],
    "json.invalid_utf8": _invalid_utf8,
    "json.empty": lambda m: [_bytes("empty input", b""), _bytes("only whitespace", b" \n")],
    "json.too_deep": _too_deep,
    "json.lone_surrogate": _lone_surrogate,
}


def text_ops() -> Iterator[MutationOp]:
    """One operator per text-level rule, applying to the whole message."""
    for rule, make in TEXT_MUTATIONS.items():
        yield MutationOp(
            rule, "json", JSON_RULES[rule], (), lambda value, message, make=make: make(message)
        )
