"""Baselines: known findings a team accepts for now, so the fuzzer can gate CI from day one.

A baseline is a JSON file (the format is documented in ``docs/corpus.md``)::

    {"accepted": [
        {"outcome": "false_accept", "kind": "beatframe", "rule": "hlc.pattern",
         "expires": "2027-01-31", "reason": "ticket-123"}
    ]}

or just the list. An entry written by ``--baseline-update`` also holds the finding's
``signature`` (its cause, the finding's identity) and then accepts exactly that bug; a
hand-written entry without one accepts every finding of its outcome seen on its kind and rule.
``rule`` is null or omitted for findings on valid messages, ``expires`` (a date, inclusive) and
``reason`` are optional. An expired entry accepts nothing, and an entry whose
finding no longer shows up in a run that exercised its rule is *stale*: reported, and removed
by :meth:`Baseline.updated` (``--baseline-update`` also adds the new findings; ``--baseline-prune``
only removes), so the baseline only ever shrinks unless a person chooses to grow it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from .corpus import write_atomic
from .errors import UsageError, did_you_mean
from .model import Outcome

__all__ = [
    "Baseline",
    "BaselineEntry",
    "FindingLike",
    "entry_key",
    "load_baseline",
    "save_baseline",
    "write_baseline",
]

_KEYS = ("outcome", "kind", "rule", "signature", "expires", "reason")
_EXAMPLE = '{"accepted": [{"outcome": "false_accept", "kind": "beatframe", "rule": "hlc.pattern"}]}'


class FindingLike(Protocol):
    """Anything with a finding's key: :class:`~backbeat_fuzz.report.Finding` and the like."""

    @property
    def outcome(self) -> Outcome: ...
    @property
    def kind(self) -> str: ...
    @property
    def rule(self) -> str | None: ...
    @property
    def signature(self) -> str: ...
    @property
    def kinds(self) -> tuple[str, ...]: ...
    @property
    def rules(self) -> tuple[str | None, ...]: ...


def entry_key(finding: FindingLike) -> tuple[Outcome, str]:
    """What a baseline entry and a finding are matched on: ``(outcome, signature)``, the
    finding's identity (a hand-written entry without a signature: its kind and rule).

    The one place the baseline's notion of "the same finding" lives: entries are
    :class:`FindingLike` too, so matching, de-duplicating and updating all go through here.
    """
    return (
        Outcome(finding.outcome),
        finding.signature or f"{finding.kind} {finding.rule or 'valid'}",
    )


@dataclass(frozen=True)
class BaselineEntry:
    """One accepted finding.

    Attributes:
        outcome: the finding's class.
        kind: the message kind's short name.
        rule: the rule broken, or None for a finding on a valid message.
        expires: the last day the entry accepts the finding, or None for no end.
        reason: why it is accepted (a ticket, a name).
        index: its position in the file's ``accepted`` list.
    """

    outcome: Outcome
    kind: str
    rule: str | None = None
    expires: date | None = None
    reason: str = ""
    index: int = field(default=0, compare=False)
    signature: str = ""

    @property
    def kinds(self) -> tuple[str, ...]:
        return (self.kind,)

    @property
    def rules(self) -> tuple[str | None, ...]:
        return (self.rule,)

    @classmethod
    def accepting(cls, finding: FindingLike) -> BaselineEntry:
        """A new entry accepting *finding*: no expiry, no reason (a person adds them)."""
        outcome = Outcome(finding.outcome)
        return cls(outcome, finding.kind, finding.rule, signature=finding.signature)

    def matches(self, finding: FindingLike) -> bool:
        """True when *finding* is this entry's bug, expired or not: the same
        :func:`entry_key`, or for an entry without a signature, the same outcome seen on the
        entry's kind and rule (one finding may span several kinds and rules)."""
        if self.signature:
            return entry_key(finding) == entry_key(self)
        return (
            Outcome(finding.outcome) is self.outcome
            and self.kind in finding.kinds
            and self.rule in finding.rules
        )

    def to_dict(self) -> dict[str, Any]:
        """The entry as the file holds it (``signature``, ``expires``, ``reason`` when set)."""
        entry: dict[str, Any] = {"outcome": self.outcome.value, "kind": self.kind}
        entry["rule"] = self.rule
        if self.signature:
            entry["signature"] = self.signature
        if self.expires is not None:
            entry["expires"] = self.expires.isoformat()
        if self.reason:
            entry["reason"] = self.reason
        return entry

    def expired(self, today: date) -> bool:
        """True when *today* is past :attr:`expires`."""
        return self.expires is not None and today > self.expires

    def describe(self) -> str:
        """``baseline entry accepted[0] (false_accept beatframe hlc.pattern, ticket-123)``."""
        reason = f", {self.reason}" if self.reason else ""
        what = self.signature or f"{self.outcome.value} {self.kind} {self.rule or 'valid'}"
        return f"baseline entry accepted[{self.index}] ({what}{reason})"


@dataclass(frozen=True)
class Baseline:
    """The accepted findings of one baseline file, judged on one day.

    Attributes:
        entries: the entries, in file order.
        path: the file they were read from.
        today: the day expiry dates are compared with.
    """

    entries: tuple[BaselineEntry, ...]
    path: str = ""
    today: date = field(default_factory=date.today)

    def match(self, finding: FindingLike) -> BaselineEntry | None:
        """The entry that accepts *finding*, or None (an expired entry accepts nothing)."""
        for entry in self.entries:
            if entry.matches(finding) and not entry.expired(self.today):
                return entry
        return None

    def stale(
        self, findings: Iterable[FindingLike], covered: set[tuple[str, str | None]]
    ) -> list[BaselineEntry]:
        """The entries that no longer reproduce: the run exercised their (kind, rule) and no
        finding matched them.

        Args:
            findings: every finding of the run.
            covered: the (kind, rule) pairs the run exercised; rule None for valid messages.
        """
        found = list(findings)
        return [
            entry
            for entry in self.entries
            if (entry.kind, entry.rule) in covered and not any(entry.matches(f) for f in found)
        ]

    def notes(
        self, findings: Iterable[FindingLike], covered: set[tuple[str, str | None]]
    ) -> list[str]:
        """What to tell the team about the baseline after a run.

        Args:
            findings: every finding of the run.
            covered: the (kind, rule) pairs the run exercised; rule None for valid messages.

        Returns:
            One line per entry that no longer reproduces (see :meth:`stale`) and per expired
            entry, each ending with what to do.
        """
        stale = self.stale(findings, covered)
        where = f" from {self.path}" if self.path else ""
        notes = []
        for entry in self.entries:
            if entry in stale:
                notes.append(f"{entry.describe()} no longer reproduces; remove it{where}")
            elif entry.expired(self.today):
                notes.append(
                    f"{entry.describe()} expired on {entry.expires}; fix the bug or extend the date"
                )
        return notes

    def updated(
        self,
        findings: Iterable[FindingLike],
        covered: set[tuple[str, str | None]],
        *,
        add: bool,
    ) -> Baseline:
        """This baseline after a run: stale entries removed and, with *add*, every finding no
        entry matches (expired or not) added as a new entry.

        Kept entries keep their reason and expiry date, in file order (an expired entry that
        still reproduces stays expired: updating never extends a date); new ones follow,
        sorted by kind, rule and outcome.
        """
        found = list(findings)
        stale = self.stale(found, covered)
        kept = [e for e in self.entries if e not in stale]
        new: dict[tuple[Outcome, str], BaselineEntry] = {}
        if add:
            for finding in found:
                if not any(e.matches(finding) for e in kept):
                    new.setdefault(entry_key(finding), BaselineEntry.accepting(finding))
        ordered = kept + sorted(new.values(), key=lambda e: (e.kind, e.rule or "", e.outcome))
        entries = tuple(replace(e, index=i) for i, e in enumerate(ordered))
        return replace(self, entries=entries)


def _parse_entry(raw: Any, index: int, where: str) -> BaselineEntry:
    at = f"{where}: accepted[{index}]"
    if not isinstance(raw, dict):
        raise UsageError(f"{at} is not an object; write entries like {_EXAMPLE}")
    for key in raw:
        if key not in _KEYS:
            raise UsageError(
                f"{at} has unknown key {key!r}; use {', '.join(_KEYS)}.{did_you_mean(key, _KEYS)}"
            )
    outcomes = [o.value for o in Outcome]
    if raw.get("outcome") not in outcomes:
        hint = did_you_mean(str(raw.get("outcome")), outcomes)
        raise UsageError(
            f"{at}: outcome {raw.get('outcome')!r} is unknown; use one of: "
            f"{', '.join(outcomes)}.{hint}"
        )
    if not isinstance(raw.get("kind"), str) or not raw["kind"]:
        raise UsageError(
            f'{at}: kind {raw.get("kind")!r} is not a message kind; write e.g. "beatframe"'
        )
    rule = raw.get("rule")
    if rule is not None and (not isinstance(rule, str) or not rule):
        raise UsageError(
            f"{at}: rule {rule!r} is not a rule name; "
            'write e.g. "hlc.pattern", or null for a valid message'
        )
    if not isinstance(raw.get("reason", ""), str):
        raise UsageError(f'{at}: reason must be a string; write e.g. "ticket-123"')
    if not isinstance(raw.get("signature", ""), str):
        raise UsageError(f"{at}: signature must be a string, as --baseline-update writes it")
    return BaselineEntry(
        outcome=Outcome(raw["outcome"]),
        kind=raw["kind"],
        rule=rule,
        expires=_parse_date(raw.get("expires"), at),
        reason=raw.get("reason", ""),
        index=index,
        signature=raw.get("signature", ""),
    )


def _parse_date(value: Any, at: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise UsageError(f"{at}: expires {value!r} is not a date; write it as YYYY-MM-DD")


def _read(path: str | Path, where: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"cannot read {where}: {exc.strerror}; "
            "check the path, or write one with --baseline-update"
        ) from None
    except UnicodeDecodeError:
        raise UsageError(f"{where} is not UTF-8 text; save it as UTF-8 JSON") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{where} is not valid JSON ({exc}); fix the syntax") from None


def load_baseline(
    path: str | Path, *, today: date | None = None, missing_ok: bool = False
) -> Baseline:
    """Read and check a baseline file: ``{"accepted": [entries]}`` or just ``[entries]``.

    Args:
        path: the JSON file.
        today: the day to judge expiry dates on (default: today).
        missing_ok: a missing file is an empty baseline (to write one with
            ``--baseline-update``) instead of an error.

    Returns:
        The :class:`Baseline`.

    Raises:
        UsageError: the file is missing or unreadable, not JSON, or not of the baseline shape;
            the message names the entry and the fix.
    """
    where = f"baseline {str(path)!r}"
    if missing_ok and not Path(path).exists():
        return Baseline((), str(path), today or date.today())
    document = _read(path, where)
    accepted = document.get("accepted") if isinstance(document, dict) else document
    if not isinstance(accepted, list):
        raise UsageError(
            f'{where} must be a list of entries or an object with an "accepted" list, '
            f"like {_EXAMPLE}"
        )
    entries = tuple(_parse_entry(raw, i, where) for i, raw in enumerate(accepted))
    return Baseline(entries, str(path), today or date.today())


def save_baseline(baseline: Baseline, path: str | Path | None = None) -> None:
    """Write *baseline*'s entries to *path* (default: the file it was read from), atomically.

    The file is ``{"accepted": [...]}`` with each entry's keys in the documented order.
    """
    target = Path(path if path is not None else baseline.path)
    document = {"accepted": [entry.to_dict() for entry in baseline.entries]}
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    write_atomic(target, text.encode("utf-8"))


def write_baseline(
    findings: Iterable[FindingLike],
    path: str | Path,
    *,
    reason: str = "",
    expires: date | None = None,
) -> int:
    """Write a baseline accepting every one of *findings* (to adopt the fuzzer on a codebase).

    Args:
        findings: the findings to accept; one entry per :func:`entry_key`.
        path: the file to write (replaced atomically).
        reason: the reason written into every entry.
        expires: the expiry date written into every entry, or None for none.

    Returns:
        The number of entries written.
    """
    fresh = Baseline((), str(path)).updated(findings, set(), add=True)
    entries = tuple(replace(e, reason=reason, expires=expires) for e in fresh.entries)
    save_baseline(replace(fresh, entries=entries))
    return len(entries)
