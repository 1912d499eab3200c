"""A consumer as careful users write it: ``jsonschema`` Draft 2020-12 with its format checker.

The packaged schemas are read from :func:`backbeat_fuzz.contract.packaged_schemas_dir`, parsed
with ``json.loads`` (as users do) and checked by ``Draft202012Validator`` with
``FORMAT_CHECKER`` (``date-time`` is asserted through ``rfc3339-validator``, the ``format``
extra of jsonschema). ``pattern`` is matched by Python's ``re``; the cross-field rules of
``rules-v1.json`` are not JSON Schema, so nothing checks them.
"""

from __future__ import annotations

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from ._by_type import parse, validators

_VALIDATORS = validators(
    lambda schema: Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
)


def handle(text: str) -> bool:
    """Accept a message the schema of its ``type`` accepts; raise ValueError otherwise."""
    message, validator = parse(text, _VALIDATORS)
    error = best_match(validator.iter_errors(message))
    if error is not None:
        raise ValueError(f"{error.json_path}: {error.message}")
    return True
