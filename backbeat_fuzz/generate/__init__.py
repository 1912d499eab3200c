"""Schema -> Hypothesis strategies, compiled in two stages.

1. :mod:`.canonical` resolves ``$ref``, merges ``allOf`` and rejects what it cannot honour.
2. :mod:`.values` builds valid values from a canonical node through a type -> builder table;
   :mod:`.mutations` derives, per keyword, the operators that break exactly one rule;
   :mod:`.jsontext` breaks the JSON text itself.

:mod:`.plan` puts both together per message kind. The public face is
:mod:`backbeat_fuzz.strategies`.
"""

__all__: list[str] = []
