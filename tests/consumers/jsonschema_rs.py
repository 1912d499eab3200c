"""A consumer validating with ``jsonschema-rs`` (Rust), Draft 2020-12, formats asserted.

The packaged schemas are read from :func:`backbeat_fuzz.contract.packaged_schemas_dir`; the
message is parsed with ``json.loads`` (as users do) and checked by
``jsonschema_rs.Draft202012Validator(schema, validate_formats=True)``. The cross-field rules of
``rules-v1.json`` are not JSON Schema, so nothing checks them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs

from backbeat_fuzz.contract import packaged_schemas_dir


def _validators() -> dict[str, Any]:
    """One validator per message ``type``, from every ``*.schema.json`` shipped."""
    found = {}
    for path in sorted(Path(packaged_schemas_dir()).glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        message_type = schema["properties"]["type"]["const"]
        found[message_type] = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    return found


_VALIDATORS = _validators()


def handle(text: str) -> bool:
    """Accept a message the schema of its ``type`` accepts; raise ValueError otherwise."""
    message: Any = json.loads(text)  # NaN, Infinity, duplicate keys, "\ud800", 1e400: taken
    kind = message.get("type") if isinstance(message, dict) else None
    validator = _VALIDATORS.get(kind) if isinstance(kind, str) else None
    if validator is None:
        raise ValueError(f"unknown message type {kind!r}")
    for error in validator.iter_errors(message):
        raise ValueError(f"{'/'.join(map(str, error.instance_path))}: {error.message}")
    return True
