"""What makes two wrong verdicts one bug: the finding key, and the record a finding grows into.

A user's unit of work is a bug, so findings are keyed by their cause, not by the rule of the
message that showed them:

- a crash, a hang or a rejected valid message is keyed by the target's *signature* (the
  exception type and the raise site in the consumer's own code, an exit code with its last
  stderr line, an HTTP status with its body's first line: see
  :attr:`backbeat_fuzz.targets.Response.signature`);
- an accepted invalid message is keyed by the kind and the *field group* the rule belongs to
  (``beatframe deadline_at``, ``barreport issues[]``, ``statusclaim json.nan``): every malformed
  form of one field that a consumer lets through is a witness of one missing check.

A signature that says nothing but the verdict (``exit code 1``, ``HTTP 400``, ``returned
False``) cannot tell two bugs apart, so such a *weak* key is completed by the fields the
failure is attributed to (see :mod:`backbeat_fuzz.minimize`). A finding collects every kind,
rule and mutation variant it was seen under (its witnesses) around one headline message.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from .model import Outcome

__all__ = [
    "Direction",
    "FindingKey",
    "FindingStatus",
    "Witness",
    "field_group",
    "is_weak",
]

#: How many distinct witnesses a finding keeps (every kind and rule is kept in full).
MAX_WITNESSES = 12


class Direction(enum.StrEnum):
    """What a correct consumer must do: accept a valid message, reject an invalid one.

    A *probe* (a message past an implementation limit the contract does not state, such as
    nesting depth) may be accepted or rejected: only a crash or a hang is a finding.
    """

    VALID = "valid"
    INVALID = "invalid"
    PROBE = "probe"


class FindingStatus(enum.StrEnum):
    """Where a finding stands: first seen in this run, replayed from the corpus, or accepted."""

    NEW = "new"
    KNOWN = "known"
    BASELINED = "baselined"


#: Signatures that name only the verdict: what a target says when it cannot say more.
_BARE = re.compile(
    r"(exit code -?\d+|killed by \S+( \d+)?|HTTP \d+|hang|reject(ed)?|returned False"
    r"|connection dropped|crash)?"
)


def is_weak(signature: str) -> bool:
    """True when *signature* names only the verdict, so two bugs would share it."""
    return _BARE.fullmatch(signature.strip().rstrip(":").strip()) is not None


_SEGMENT = re.compile(r"^([^.\[]+)(\[\])?")


def field_group(rule: str) -> str:
    """The group an accepted-invalid finding of *rule* belongs to: a field, or the rule itself.

    ``deadline_at.format`` and ``deadline_at.type`` are ``deadline_at``; every rule inside an
    array item (``issues[].code.pattern``, ``required.issues[].severity``) is ``issues[]``;
    ``required.hlc`` is ``hlc``; JSON-text rules (``json.*``) and cross-field rules
    (``rules.*``) stay themselves: each is its own check in a consumer.
    """
    if rule.startswith(("json.", "rules.")):
        return rule
    match = _SEGMENT.match(rule.removeprefix("required."))
    if match is None:
        return rule
    return match.group(1) + (match.group(2) or "")


@dataclass(frozen=True)
class FindingKey:
    """The identity of a bug: its outcome and its cause.

    Attributes:
        outcome: how the consumer got it wrong.
        signature: the cause (see the module docstring).
        fields: for a weak signature, the fields the failure is attributed to; else empty.
    """

    outcome: Outcome
    signature: str
    fields: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``crash: KeyError at h.py:3 in f`` or ``false_reject: exit code 1 [tempo_bpm]``."""
        attributed = f" [{', '.join(self.fields)}]" if self.fields else ""
        return f"{self.outcome.value}: {self.signature}{attributed}"


@dataclass(frozen=True)
class Witness:
    """One message that showed a finding: its kind, rule and variant.

    Attributes:
        kind: the message kind's short name.
        rule: the rule it breaks, or None for a valid message.
        note: the mutation variant (``trailing newline``), or "" for a valid message.
        data: the exact bytes sent.
    """

    kind: str
    rule: str | None
    note: str
    data: bytes = field(repr=False, compare=False)

    @property
    def text(self) -> str:
        """The message text (bytes that are not UTF-8 shown as ``\\xNN`` escapes)."""
        return self.data.decode("utf-8", "backslashreplace")
