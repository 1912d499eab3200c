"""How a rule is named: one function, for the oracle, the mutation catalogue and the validator.

A rule name is a location and a keyword: ``hlc.pattern``, ``issues[].code.pattern``,
``root.type``; a missing field is ``required.<its location>`` (``required.hlc``). The location is
a path of keys and array positions; every position is written ``[]`` (a rule is broken at any
item), so the oracle's ``("issues", 0, "code")`` and the catalogue's ``("issues", "[]", "code")``
name the same rule. Invariant 3 ("a mutant breaks the rule it names") holds because the
catalogue's promise and the oracle's report are built by :func:`rule_name` alone.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["ITEM", "rule_location", "rule_name"]

#: The marker of "an item of this array" in a catalogue path (the oracle uses the index).
ITEM = "[]"


def rule_location(location: Iterable[str | int]) -> str:
    """``("issues", 0, "code")`` or ``("issues", "[]", "code")`` -> ``issues[].code``; the empty
    location (the message itself) -> ``root``."""
    out = ""
    for part in location:
        item = isinstance(part, int) or part == ITEM
        out += ITEM if item else (f".{part}" if out else str(part))
    return out or "root"


def rule_name(location: Iterable[str | int], keyword: str) -> str:
    """The rule *keyword* states at *location*: ``rule_name(("hlc",), "pattern")`` is
    ``hlc.pattern``. For ``required``, *location* is the missing field's own:
    ``rule_name(("hlc",), "required")`` is ``required.hlc``."""
    where = rule_location(location)
    return f"required.{where}" if keyword == "required" else f"{where}.{keyword}"
