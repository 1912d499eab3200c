"""A consumer as many are written: ``jsonschema`` with its defaults on ``json.loads(text)``.

Draft 2020-12 with no format checker (``format`` is an annotation, so ``date-time`` is not
asserted) and Python's ``re`` for ``pattern`` (``$`` matches before a trailing newline); the
cross-field rules of ``rules-v1.json`` are not JSON Schema, so they are not checked either.
"""

from __future__ import annotations

from jsonschema import Draft202012Validator

from ._by_type import parse, validators

_VALIDATORS = validators(Draft202012Validator)


def handle(text: str) -> bool:
    """Accept a message the schema of its ``type`` accepts; raise ValidationError otherwise."""
    message, validator = parse(text, _VALIDATORS)  # json.loads keeps the last duplicate key
    validator.validate(message)
    return True
