"""Schema -> Hypothesis strategies, compiled in two stages.

1. :mod:`.canonical` resolves ``$ref``, merges ``allOf`` and rejects what it cannot honour.
2. :mod:`.values` builds valid values from a canonical node through a type -> builder table;
   :mod:`.mutations` is the keyword -> violator table that derives, for the keywords a node
   states, the operators that break exactly one rule (:mod:`.violators`, from the values of
   :mod:`.near_misses` and :mod:`.formats_violations`; an operator is an :mod:`.edits` record);
   :mod:`.jsontext` breaks the JSON text itself.

:mod:`.plan` puts both together per message kind. The public face is
:mod:`backbeat_fuzz.strategies`.
"""

__all__: list[str] = []
