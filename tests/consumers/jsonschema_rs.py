"""A consumer validating with ``jsonschema-rs`` (Rust), Draft 2020-12, formats asserted.

The packaged schemas are read from :func:`backbeat_fuzz.contract.packaged_schemas_dir`; the
message is parsed with ``json.loads`` (as users do) and checked by
``jsonschema_rs.Draft202012Validator(schema, validate_formats=True)``. The cross-field rules of
``rules-v1.json`` are not JSON Schema, so nothing checks them.
"""

from __future__ import annotations

import jsonschema_rs

from ._by_type import parse, validators

_VALIDATORS = validators(
    lambda schema: jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
)


def handle(text: str) -> bool:
    """Accept a message the schema of its ``type`` accepts; raise ValueError otherwise."""
    message, validator = parse(text, _VALIDATORS)
    for error in validator.iter_errors(message):
        raise ValueError(f"{'/'.join(map(str, error.instance_path))}: {error.message}")
    return True
