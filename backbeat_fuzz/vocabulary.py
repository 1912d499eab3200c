"""Draft 2020-12's keywords, sorted by what they do: the one list each engine starts from.

The compiled engine, the validator's fast path and the generators each decide which keywords
they honour; what they share is the vocabulary itself, kept here once: the keywords the
reference engine (jsonschema) asserts, and the keywords that never change a verdict.
"""

from __future__ import annotations

__all__ = ["ANNOTATIONS", "ASSERTED"]

#: Every keyword the reference engine asserts (jsonschema's draft 2020-12 ``VALIDATORS``; a test
#: keeps them equal): an engine must cover each one a schema uses, or leave the schema alone.
ASSERTED = frozenset(
    {
        "$dynamicRef",
        "$ref",
        "additionalProperties",
        "allOf",
        "anyOf",
        "const",
        "contains",
        "dependentRequired",
        "dependentSchemas",
        "enum",
        "exclusiveMaximum",
        "exclusiveMinimum",
        "format",
        "if",
        "items",
        "maxItems",
        "maxLength",
        "maxProperties",
        "maximum",
        "minItems",
        "minLength",
        "minProperties",
        "minimum",
        "multipleOf",
        "not",
        "oneOf",
        "pattern",
        "patternProperties",
        "prefixItems",
        "properties",
        "propertyNames",
        "required",
        "type",
        "unevaluatedItems",
        "unevaluatedProperties",
        "uniqueItems",
    }
)

#: Keywords that carry no assertion and change no reference: metadata, comments, the place of
#: ``$defs`` and anchors. (``$id`` is not here: it moves where a ``$ref`` leads.)
ANNOTATIONS = frozenset(
    {
        "$schema",
        "$defs",
        "$comment",
        "$anchor",
        "title",
        "description",
        "examples",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
        "contentMediaType",
        "contentEncoding",
    }
)
