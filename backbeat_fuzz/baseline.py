"""Baselines: known findings a team accepts for now, so the fuzzer can gate CI from day one.

A baseline is a JSON file::

    {"accepted": [
        {"outcome": "false_accept", "kind": "beatframe", "rule": "hlc.pattern",
         "expires": "2027-01-31", "reason": "ticket-123"}
    ]}

An entry accepts every finding with its (outcome, kind, rule); ``rule`` is null or omitted for
findings on valid messages, ``expires`` (a date, inclusive) and ``reason`` are optional. An
expired entry accepts nothing, and an entry whose finding no longer shows up in a run that
exercised its rule is reported, so the baseline only ever shrinks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from .corpus import write_atomic
from .errors import UsageError, did_you_mean
from .model import Outcome

__all__ = ["Baseline", "BaselineEntry", "load_baseline", "write_baseline"]

_KEYS = ("outcome", "kind", "rule", "expires", "reason")
_EXAMPLE = '{"accepted": [{"outcome": "false_accept", "kind": "beatframe", "rule": "hlc.pattern"}]}'


class FindingLike(Protocol):
    """Anything with a finding's key: :class:`~backbeat_fuzz.report.Finding` and the like."""

    @property
    def outcome(self) -> Outcome: ...
    @property
    def kind(self) -> str: ...
    @property
    def rule(self) -> str | None: ...


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

    def matches(self, finding: FindingLike) -> bool:
        """True when *finding* has this entry's (outcome, kind, rule), expired or not."""
        return (finding.outcome, finding.kind, finding.rule) == (self.outcome, self.kind, self.rule)

    def expired(self, today: date) -> bool:
        """True when *today* is past :attr:`expires`."""
        return self.expires is not None and today > self.expires

    def describe(self) -> str:
        """``baseline entry accepted[0] (false_accept beatframe hlc.pattern, ticket-123)``."""
        reason = f", {self.reason}" if self.reason else ""
        what = f"{self.outcome.value} {self.kind} {self.rule or 'valid'}"
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

    def notes(
        self, findings: Iterable[FindingLike], covered: set[tuple[str, str | None]]
    ) -> list[str]:
        """What to tell the team about the baseline after a run.

        Args:
            findings: every finding of the run.
            covered: the (kind, rule) pairs the run exercised; rule None for valid messages.

        Returns:
            One line per entry that no longer reproduces (its pair was exercised but nothing
            matched it) and per expired entry, each ending with what to do.
        """
        found = list(findings)
        notes = []
        for entry in self.entries:
            reproduced = any(entry.matches(f) for f in found)
            if (entry.kind, entry.rule) in covered and not reproduced:
                where = f" from {self.path}" if self.path else ""
                notes.append(f"{entry.describe()} no longer reproduces; remove it{where}")
            elif entry.expired(self.today):
                notes.append(
                    f"{entry.describe()} expired on {entry.expires}; fix the bug or extend the date"
                )
        return notes


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
    return BaselineEntry(
        outcome=Outcome(raw["outcome"]),
        kind=raw["kind"],
        rule=rule,
        expires=_parse_date(raw.get("expires"), at),
        reason=raw.get("reason", ""),
        index=index,
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


def load_baseline(path: str | Path, *, today: date | None = None) -> Baseline:
    """Read and check a baseline file.

    Args:
        path: the JSON file.
        today: the day to judge expiry dates on (default: today).

    Returns:
        The :class:`Baseline`.

    Raises:
        UsageError: the file is missing or unreadable, not JSON, or not of the baseline shape;
            the message names the entry and the fix.
    """
    where = f"baseline {str(path)!r}"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"cannot read {where}: {exc.strerror}; "
            "check the path, or write one from a run's findings"
        ) from None
    except UnicodeDecodeError:
        raise UsageError(f"{where} is not UTF-8 text; save it as UTF-8 JSON") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{where} is not valid JSON ({exc}); fix the syntax") from None
    if not isinstance(document, dict) or not isinstance(document.get("accepted"), list):
        raise UsageError(f'{where} must be an object with an "accepted" list, like {_EXAMPLE}')
    entries = tuple(_parse_entry(raw, i, where) for i, raw in enumerate(document["accepted"]))
    return Baseline(entries, str(path), today or date.today())


def write_baseline(
    findings: Iterable[FindingLike],
    path: str | Path,
    *,
    reason: str = "",
    expires: date | None = None,
) -> int:
    """Write a baseline accepting every one of *findings* (to adopt the fuzzer on a codebase).

    Args:
        findings: the findings to accept; one entry per (outcome, kind, rule).
        path: the file to write (replaced atomically).
        reason: the reason written into every entry.
        expires: the expiry date written into every entry, or None for none.

    Returns:
        The number of entries written.
    """
    unique = {(f.kind, f.rule or "", Outcome(f.outcome).value): f.rule for f in findings}
    accepted = []
    for (kind, _, outcome), rule in sorted(unique.items()):
        entry: dict[str, Any] = {"outcome": outcome, "kind": kind, "rule": rule}
        if expires is not None:
            entry["expires"] = expires.isoformat()
        entry["reason"] = reason
        accepted.append(entry)
    text = json.dumps({"accepted": accepted}, indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, text.encode("utf-8"))
    return len(accepted)
