"""A consumer as many are written: ``jsonschema`` with its defaults on ``json.loads(text)``.

Draft 2020-12 with no format checker (``format`` is an annotation, so ``date-time`` is not
asserted) and Python's ``re`` for ``pattern`` (``$`` matches before a trailing newline); the
cross-field rules of ``rules-v1.json`` are not JSON Schema, so they are not checked either.
"""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from backbeat_fuzz import load_contract

_VALIDATORS = {
    kind.message_type: Draft202012Validator(kind.schema) for kind in load_contract().kinds.values()
}


def handle(text: str) -> bool:
    """Accept a message the schema of its ``type`` accepts; raise ValidationError otherwise."""
    message = json.loads(text)  # accepts NaN and Infinity, keeps the last of duplicate keys
    kind = message.get("type") if isinstance(message, dict) else None
    validator = _VALIDATORS.get(kind) if isinstance(kind, str) else None
    if validator is None:
        raise ValueError(f"unknown message type {kind!r}")
    validator.validate(message)
    return True
