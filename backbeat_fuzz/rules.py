"""Cross-field rules: the part of the contract JSON Schema cannot say, kept as data.

The rules live in ``rules-v1.json`` beside the schemas. Each compares two numeric fields of one
message type with an operator from :data:`OPERATORS`. The reference validator checks them and
the generators read them to keep valid messages valid and to break each rule by one step.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import SchemaError

__all__ = ["OPERATORS", "CrossFieldRule", "parse_rules"]

#: Operator spelling -> comparison. A rule holds when ``op(left, right)`` is true.
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
    "!=": operator.ne,
}


def _pointer_field(pointer: str) -> str:
    if not pointer.startswith("/") or pointer.count("/") != 1:
        raise SchemaError(
            f"rule field {pointer!r} is not a top-level JSON Pointer; write it as '/field_name'"
        )
    return pointer[1:]


@dataclass(frozen=True)
class CrossFieldRule:
    """``left op right`` between two top-level numeric fields of one message type."""

    id: str
    message_type: str
    left: str
    op: str
    right: str
    description: str

    @property
    def rule(self) -> str:
        """The stable rule name reported for a violation, ``rules.<id>``."""
        return f"rules.{self.id}"

    def applies(self, message: Mapping[str, Any]) -> bool:
        """True when both fields are present and are numbers (not booleans)."""
        return all(
            isinstance(message.get(f), int | float) and not isinstance(message.get(f), bool)
            for f in (self.left, self.right)
        )

    def holds(self, message: Mapping[str, Any]) -> bool:
        """True when the rule does not apply or is satisfied."""
        return not self.applies(message) or OPERATORS[self.op](
            message[self.left], message[self.right]
        )

    def explain(self, message: Mapping[str, Any]) -> str:
        """A one-line human message for a violation in *message*."""
        left, right = _show(message[self.left]), _show(message[self.right])
        return f"{self.left} ({left}) must be {self.op} {self.right} ({right})"


def _show(number: Any) -> str:
    """``repr`` of a number, or its size when it is an integer too long to print (over 4300
    digits, Python refuses)."""
    if isinstance(number, int) and number.bit_length() > 1024:
        return f"an integer of {int(math.log10(abs(number))) + 1} digits"
    return repr(number)


def parse_rules(document: Mapping[str, Any], source: str) -> list[CrossFieldRule]:
    """Read the rules of one rules document, checking every entry.

    Raises:
        SchemaError: an entry is malformed; the message names the file and the entry.
    """
    rules = []
    for index, entry in enumerate(document.get("rules", [])):
        try:
            op = entry["op"]
            if op not in OPERATORS:
                raise SchemaError(
                    f"{source}: rule {index}: op={op!r} is unknown; use one of {list(OPERATORS)}"
                )
            rules.append(
                CrossFieldRule(
                    id=str(entry["id"]),
                    message_type=str(entry["message_type"]),
                    left=_pointer_field(entry["left"]),
                    op=op,
                    right=_pointer_field(entry["right"]),
                    description=str(entry.get("description", "")),
                )
            )
        except (KeyError, TypeError) as exc:
            raise SchemaError(
                f"{source}: rule {index} lacks {exc}; each rule needs id, message_type, "
                "left, op and right"
            ) from None
    return rules
