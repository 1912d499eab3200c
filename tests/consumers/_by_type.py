"""What the schema-validating consumers share: one validator per message type, and the message
parsed as users parse it (``json.loads``: NaN, Infinity, duplicate keys, ``"\\ud800"`` and
``1e400`` all taken)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from backbeat_fuzz.contract import packaged_schemas_dir

V = TypeVar("V")


def validators(make: Callable[[dict[str, Any]], V]) -> dict[str, V]:
    """``make(schema)`` for every ``*.schema.json`` shipped, keyed by its ``type`` const."""
    found = {}
    for path in sorted(Path(packaged_schemas_dir()).glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        found[schema["properties"]["type"]["const"]] = make(schema)
    return found


def parse(text: str, by_type: Mapping[str, V]) -> tuple[Any, V]:
    """The message in *text* and the validator of its ``type``; ValueError for another type."""
    message: Any = json.loads(text)
    kind = message.get("type") if isinstance(message, dict) else None
    validator = by_type.get(kind) if isinstance(kind, str) else None
    if validator is None:
        raise ValueError(f"unknown message type {kind!r}")
    return message, validator
