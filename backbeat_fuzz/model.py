"""The small value types every stage shares: a mutant, a verdict, a finding's class.

Lower layers (strategies, mutations) produce :class:`Mutant`; targets return a :class:`Verdict`
with detail; the harness turns a wrong verdict into a finding of one :class:`Outcome` class.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EditAction", "Mutant", "Outcome", "Verdict", "canonical_text"]


def canonical_text(message: Any) -> str:
    """The JSON text a valid message is sent as: compact, keys in message order, UTF-8 kept."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


_REPR_LIMIT = 300
#: How long a value is shown in a mutant's :attr:`Mutant.summary` before it is cut.
_SHOWN_LIMIT = 60


class EditAction(enum.StrEnum):
    """How a mutation edits a valid message (an ``Edit``'s action, a :class:`Mutant`'s).

    Attributes:
        SET: the value at the edit's path becomes the edit's value (the field is added when
            absent).
        DELETE: the field at the edit's path is removed.
        RAW: the edit's value is JSON text (``1e400``, ``NaN``) written in place of the field's
            value, so the message cannot be held as a Python object.
        ROOT: the whole message becomes the edit's value (an array, a string, a swapped pair).
        BYTES: the edit's value is the exact bytes to send (a truncated text, a byte-order
            mark, invalid UTF-8); its path names the top-level field it is about, if any.
    """

    SET = "set"
    DELETE = "delete"
    RAW = "raw"
    ROOT = "root"
    BYTES = "bytes"


def _shown(value: Any, inside_string: bool = False) -> str:
    """A value as a summary quotes it: JSON text, a string's content alone (escaped, no
    quotes) where both sides are strings, cut after :data:`_SHOWN_LIMIT` characters."""
    text = json.dumps(value, ensure_ascii=False)
    text = text[1:-1] if inside_string and value else text  # "" stays visible
    if len(text) <= _SHOWN_LIMIT:
        return f"`{text}`"
    return f"`{text[:_SHOWN_LIMIT]}...` ({len(text)} characters)"


@dataclass(frozen=True)
class Mutant:
    """One invalid message: a valid message with exactly one rule broken.

    Attributes:
        kind: the message kind's short name (``beatframe``).
        rule: the stable name of the single rule it breaks (``hlc.pattern``, ``json.nan``).
        data: the exact bytes to send to a consumer.
        origin: the valid message it was derived from.
        note: what was done, in a few words (``trailing newline``).
        parsed: the message as an object, or None when the mutation is in the JSON text itself
            (such mutants cannot be given to a consumer that takes objects).
        location: the JSON location the edit is about (``hlc``, ``issues[0].code``); ``""`` for
            the whole message or its text (a wrong root, a BOM, a truncated text).
        before: the value at :attr:`location` in :attr:`origin` (None where it was absent).
        after: what was put there: the new value, the raw JSON literal written in its place
            (``"1e400"``), or None for a removed field and for whole-text edits.
        probe: True for an implementation-limit probe (nesting deeper than 64): the contract
            lets a consumer accept or reject it, so only a crash or a hang is a finding.
        action: how the edit changed the message (:class:`EditAction`); None for a mutant
            not made by the catalogue.
    """

    kind: str
    rule: str
    data: bytes
    origin: dict[str, Any] = field(repr=False)
    note: str = ""
    parsed: Any = field(default=None, repr=False, compare=False)
    location: str = ""
    before: Any = field(default=None, repr=False, compare=False)
    after: Any = field(default=None, repr=False, compare=False)
    probe: bool = False
    action: EditAction | None = field(default=None, compare=False)

    @property
    def summary(self) -> str:
        """What was broken, where, and how, in one line: ``violates `hlc.pattern` at $.hlc
        (was `7ffd:0001:abcd`, became `7ffd:0001:abcd\\n`)``; a whole-text edit names what was
        done instead (``violates `json.bom` in the JSON text (a UTF-8 byte-order mark)``)."""
        where = f"at $.{self.location}" if self.location else "at $"
        if self.action is EditAction.BYTES and not self.location:
            where = "in the JSON text"
        return f"violates `{self.rule}` {where} ({self._change()})"

    def _change(self) -> str:
        strings = isinstance(self.before, str) and isinstance(self.after, str)
        if self.action is EditAction.DELETE:
            return f"was {_shown(self.before)}, removed"
        if self.action is EditAction.RAW:
            return f"was {_shown(self.before)}, became `{self.after}`"
        if self.action is EditAction.SET and self.before is None:
            return f"set to {_shown(self.after)}"
        if self.action is EditAction.SET:
            before, after = _shown(self.before, strings), _shown(self.after, strings)
            return f"was {before}, became {after}"
        return self.note

    def __repr__(self) -> str:
        text = self.text
        shown = text if len(text) <= _REPR_LIMIT else f"{text[:_REPR_LIMIT]}... ({len(text)} chars)"
        where = f", location={self.location!r}" if self.location else ""
        said = f", summary={self.summary!r}" if self.action is not None else ""
        return (
            f"Mutant(kind={self.kind!r}, rule={self.rule!r}, note={self.note!r}{where}{said}, "
            f"text={shown!r})"
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis and IPython print a mutant short, with its :attr:`summary`: a 1001-item
        message is not a report."""
        printer.text(repr(self))

    @property
    def text(self) -> str:
        """The exact JSON text (undecodable bytes shown as ``\\xNN`` escapes)."""
        return self.data.decode("utf-8", "backslashreplace")

    @property
    def is_text_level(self) -> bool:
        """True when the mutation is in the JSON text (malformed JSON, BOM, bad UTF-8)."""
        return self.rule.startswith("json.")

    @property
    def valid_utf8(self) -> bool:
        """False when the bytes are not UTF-8 (only a bytes-taking consumer can receive them)."""
        try:
            self.data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True


class Verdict(enum.StrEnum):
    """What a consumer did with one message."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CRASH = "crash"
    HANG = "hang"


class Outcome(enum.StrEnum):
    """The class of a finding: how a consumer got a message wrong."""

    FALSE_REJECT = "false_reject"
    FALSE_ACCEPT = "false_accept"
    CRASH = "crash"
    HANG = "hang"
