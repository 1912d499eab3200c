"""A consumer as careful users write it: ``jsonschema`` Draft 2020-12 with its format checker.

The packaged schemas are read from :func:`backbeat_fuzz.contract.packaged_schemas_dir`, parsed
with ``json.loads`` (as users do) and checked by ``Draft202012Validator`` with
``FORMAT_CHECKER`` (``date-time`` is asserted through ``rfc3339-validator``, the ``format``
extra of jsonschema). ``pattern`` is matched by Python's ``re``; the cross-field rules of
``rules-v1.json`` are not JSON Schema, so nothing checks them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from backbeat_fuzz.contract import packaged_schemas_dir


def _validators() -> dict[str, Draft202012Validator]:
    """One validator per message ``type``, from every ``*.schema.json`` shipped."""
    found = {}
    for path in sorted(Path(packaged_schemas_dir()).glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        message_type = schema["properties"]["type"]["const"]
        found[message_type] = Draft202012Validator(
            schema, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
    return found


_VALIDATORS = _validators()


def handle(text: str) -> bool:
    """Accept a message the schema of its ``type`` accepts; raise ValueError otherwise."""
    message: Any = json.loads(text)  # NaN, Infinity, duplicate keys, "\ud800", 1e400: taken
    kind = message.get("type") if isinstance(message, dict) else None
    validator = _VALIDATORS.get(kind) if isinstance(kind, str) else None
    if validator is None:
        raise ValueError(f"unknown message type {kind!r}")
    error = best_match(validator.iter_errors(message))
    if error is not None:
        raise ValueError(f"{error.json_path}: {error.message}")
    return True
