"""The verdict of a schema-evolution check: per kind and direction, and the bump it needs.

:func:`backbeat_fuzz.compat.check_compat` fills these records in; ``backbeat-fuzz compat``
prints them (``--json``: :meth:`CompatReport.to_dict`). :func:`declared_bump` reads the bump two
``x-version`` strings declare. See :mod:`backbeat_fuzz.compat` for the policy.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any

from .validator import Violation

__all__ = ["Bump", "CompatReport", "DirectionVerdict", "KindCompat", "Witness", "declared_bump"]

_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)(?:[-+].*)?")


class Bump(enum.StrEnum):
    """A semantic-version bump, smallest first."""

    NONE = "none"
    PATCH = "patch"
    MINOR = "minor"
    MAJOR = "major"

    @property
    def rank(self) -> int:
        """0 for none up to 3 for major: compare bumps with this."""
        return list(Bump).index(self)


@dataclass(frozen=True)
class Witness:
    """The smallest message found that one version accepts and the other rejects.

    Attributes:
        text: the message as JSON text.
        errors: what the rejecting version's validator says about it.
    """

    text: str
    errors: tuple[Violation, ...]

    @property
    def rules(self) -> list[str]:
        """The rules the rejecting version says the message breaks."""
        return sorted({e.rule for e in self.errors})


@dataclass(frozen=True)
class DirectionVerdict:
    """One direction of one kind: do the consumers of one version accept the other's messages?

    Attributes:
        name: ``forward`` (old consumers, new messages) or ``backward`` (new consumers, old
            messages).
        compatible: True when no witness was found within the budget.
        witness: the shrunk message that proves the break, when there is one.
        examples: the search budget (messages generated at most).
    """

    name: str
    compatible: bool
    witness: Witness | None
    examples: int

    @property
    def summary(self) -> str:
        """``forward (old consumers accept new messages)``: the direction in words."""
        if self.name == "forward":
            return "forward (old consumers accept new messages)"
        return "backward (new consumers accept old messages)"


@dataclass(frozen=True)
class KindCompat:
    """The verdict on one message kind present in both versions.

    Attributes:
        kind: the kind's short name (``beatframe``).
        old_version: the old schema's ``x-version``, or None.
        new_version: the new schema's ``x-version``, or None.
        forward: old consumers, new messages.
        backward: new consumers, old messages.
        added: field paths the new version defines and the old one does not (``issues[].code``).
        removed: field paths the old version defines and the new one does not.
        required: the bump the change needs.
        declared: the bump the versions declare, or None when it cannot be read.
        reasons: why *required* is what it is, one line each.
        problem: why *declared* is None (no or malformed ``x-version``, a version going down).
    """

    kind: str
    old_version: str | None
    new_version: str | None
    forward: DirectionVerdict
    backward: DirectionVerdict
    added: tuple[str, ...]
    removed: tuple[str, ...]
    required: Bump
    declared: Bump | None
    reasons: tuple[str, ...]
    problem: str = ""

    @property
    def ok(self) -> bool:
        """True when the declared bump is at least the required one."""
        return self.declared is not None and self.declared.rank >= self.required.rank


@dataclass(frozen=True)
class CompatReport:
    """The verdict on a change of schemas: per kind, and overall.

    Attributes:
        kinds: one verdict per kind present in both versions.
        added_kinds: kinds only the new version has (new message types: nobody breaks).
        removed_kinds: kinds only the old version has (their consumers break: major).
        max_examples: the search budget per kind and direction.
        seed: the seed of the search.
    """

    kinds: tuple[KindCompat, ...]
    added_kinds: tuple[str, ...]
    removed_kinds: tuple[str, ...]
    max_examples: int
    seed: int

    @property
    def forward_compatible(self) -> bool:
        """Old consumers accept every new message found (and no kind was removed)."""
        return not self.removed_kinds and all(k.forward.compatible for k in self.kinds)

    @property
    def backward_compatible(self) -> bool:
        """New consumers accept every old message found (and no kind was removed)."""
        return not self.removed_kinds and all(k.backward.compatible for k in self.kinds)

    @property
    def required(self) -> Bump:
        """The largest bump any kind needs (major when a kind was removed)."""
        needed = [k.required for k in self.kinds]
        if self.removed_kinds:
            needed.append(Bump.MAJOR)
        return max(needed, key=lambda b: b.rank, default=Bump.NONE)

    @property
    def declared(self) -> Bump | None:
        """The smallest bump any kind declares, or None when one cannot be read."""
        declared = [k.declared for k in self.kinds]
        if any(d is None for d in declared):
            return None
        return min((d for d in declared if d), key=lambda b: b.rank, default=Bump.NONE)

    @property
    def problems(self) -> list[str]:
        """Why a declared bump cannot be read, one line per kind."""
        return [f"{k.kind}: {k.problem}" for k in self.kinds if k.problem]

    @property
    def ok(self) -> bool:
        """True when every kind declares the bump it needs (a removed kind needs major of all)."""
        if not all(k.ok for k in self.kinds):
            return False
        declared = self.declared
        return not self.removed_kinds or (declared is not None and declared is Bump.MAJOR)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (what ``backbeat-fuzz compat --json`` prints)."""
        return {
            "ok": self.ok,
            "required": self.required.value,
            "declared": self.declared.value if self.declared else None,
            "forward_compatible": self.forward_compatible,
            "backward_compatible": self.backward_compatible,
            "added_kinds": list(self.added_kinds),
            "removed_kinds": list(self.removed_kinds),
            "max_examples": self.max_examples,
            "seed": self.seed,
            "kinds": [_kind_dict(k) for k in self.kinds],
        }


def _kind_dict(kind: KindCompat) -> dict[str, Any]:
    return {
        "kind": kind.kind,
        "old_version": kind.old_version,
        "new_version": kind.new_version,
        "required": kind.required.value,
        "declared": kind.declared.value if kind.declared else None,
        "ok": kind.ok,
        "problem": kind.problem,
        "added": list(kind.added),
        "removed": list(kind.removed),
        "reasons": list(kind.reasons),
        "forward": _direction_dict(kind.forward),
        "backward": _direction_dict(kind.backward),
    }


def _direction_dict(verdict: DirectionVerdict) -> dict[str, Any]:
    witness = verdict.witness
    return {
        "compatible": verdict.compatible,
        "examples": verdict.examples,
        "witness": None
        if witness is None
        else {
            "message": witness.text,
            "errors": [
                {"path": e.path, "rule": e.rule, "message": e.message} for e in witness.errors
            ],
        },
    }


# -- the declared bump ------------------------------------------------------------------------


def declared_bump(old: str | None, new: str | None) -> tuple[Bump | None, str]:
    """The bump from *old* to *new* ``x-version``, or None and why it cannot be read.

    ``1.0.0`` -> ``1.1.0`` is minor, ``1.2.3`` -> ``2.0.0`` major, equal versions declare none.
    """
    if old is None or new is None:
        which = "old" if old is None else "new"
        return None, f'the {which} schema has no "x-version"; add one, e.g. "1.0.0"'
    parsed = [_VERSION.fullmatch(v) for v in (old, new)]
    if parsed[0] is None or parsed[1] is None:
        bad = old if parsed[0] is None else new
        return None, f'x-version {bad!r} is not MAJOR.MINOR.PATCH; write it like "1.1.0"'
    before = tuple(int(n) for n in parsed[0].groups())
    after = tuple(int(n) for n in parsed[1].groups())
    if after < before:
        return None, f"x-version goes down from {old} to {new}; the new version must be higher"
    for bump, index in ((Bump.MAJOR, 0), (Bump.MINOR, 1), (Bump.PATCH, 2)):
        if after[index] != before[index]:
            return bump, ""
    return Bump.NONE, ""
