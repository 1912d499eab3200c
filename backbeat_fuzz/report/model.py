"""The records of a campaign's report: one :class:`Finding` per bug, in a :class:`CampaignReport`.

Every writer (:mod:`.jsonfile`, :mod:`.junit`, :mod:`.sarif`, :mod:`.text`) reads only these
records, so they agree with each other; :meth:`CampaignReport.to_dict` is the JSON form.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..findings import FindingStatus, Witness
from ..model import Outcome

if TYPE_CHECKING:
    from ..baseline import Baseline

__all__ = ["DIRECTIONS", "REPORT_FORMAT", "CampaignReport", "Finding", "one_line"]

DIRECTIONS = ("valid", "invalid")
#: The ``format`` of :func:`~backbeat_fuzz.report.write_json`'s document; its JSON Schema is
#: :data:`~backbeat_fuzz.report.REPORT_SCHEMA`.
REPORT_FORMAT = "backbeat-fuzz-report/1"


@dataclass(frozen=True)
class Finding:
    """One bug: its cause, a headline message that shows it, and every witness of it.

    Findings compare equal (and hash) by ``(outcome, signature)`` only, so the same bug seen
    under other kinds, rules or messages is one finding.

    Attributes:
        outcome: how the consumer got it wrong.
        signature: the cause, as :attr:`backbeat_fuzz.findings.FindingKey.label` words it
            (``crash: KeyError at h.py:3 in f``, ``false_accept: beatframe deadline_at``).
        kind: the headline message's kind (``beatframe``).
        message_type: its ``type`` constant, when known.
        rule: the rule the headline message breaks, or None for a valid message.
        data: the headline message's exact bytes (shrunk, attributed).
        detail: what the consumer did with it (``KeyError: 'hlc'``, ``HTTP 500``).
        corpus_path: where the headline message was saved, if it was.
        note: how the headline message was made (the mutation variant), or a baseline reason.
        status: new in this run, known from the corpus, or accepted by the baseline.
        fields: the top-level fields where the headline differs from the schema's example.
        kinds: every kind the bug was seen on.
        rules: every rule it was seen under (None: valid messages).
        witnesses: distinct messages that showed it (kind, rule, variant), the headline first.
        location: ``file:line`` in the consumer's source, when the target knows it.
        output: what the consumer said (stderr, response body, a hang's stack), bounded.
    """

    outcome: Outcome
    signature: str
    kind: str = field(compare=False)
    message_type: str | None = field(compare=False)
    rule: str | None = field(compare=False)
    data: bytes = field(repr=False, compare=False)
    detail: str = field(compare=False)
    corpus_path: str | None = field(compare=False)
    note: str = field(default="", compare=False)
    status: FindingStatus = field(default=FindingStatus.NEW, compare=False)
    fields: tuple[str, ...] = field(default=(), compare=False)
    kinds: tuple[str, ...] = field(default=(), compare=False)
    rules: tuple[str | None, ...] = field(default=(), compare=False)
    witnesses: tuple[Witness, ...] = field(default=(), compare=False, repr=False)
    location: str | None = field(default=None, compare=False)
    output: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcome", Outcome(self.outcome))
        object.__setattr__(self, "status", FindingStatus(self.status))
        if not self.kinds:
            object.__setattr__(self, "kinds", (self.kind,))
        if not self.rules:
            object.__setattr__(self, "rules", (self.rule,))

    @property
    def baselined(self) -> bool:
        """True when a baseline entry accepts this finding (it does not fail the run)."""
        return self.status is FindingStatus.BASELINED

    @property
    def direction(self) -> str:
        """``valid`` for a valid headline message, ``invalid`` for one breaking a rule."""
        return "valid" if self.rule is None else "invalid"

    @property
    def rule_id(self) -> str:
        """The rule the headline breaks, or ``valid.<kind>`` (a valid message must be accepted)."""
        return self.rule if self.rule is not None else f"valid.{self.kind}"

    @property
    def cause(self) -> str:
        """The signature without its outcome: ``KeyError at h.py:3 in f``."""
        return self.signature.removeprefix(f"{self.outcome.value}: ")

    @property
    def fields_label(self) -> str:
        """``[hlc, notes]``: the fields that matter, or "" when there are none or the cause
        already ends with them (a weak signature is completed by them: ``exit code 3 [hlc]``)."""
        label = f"[{', '.join(self.fields)}]" if self.fields else ""
        return "" if self.cause.endswith(f" {label}") else label

    @property
    def title(self) -> str:
        """What the bug is, in a few words: ``accepts invalid hlc``, ``KeyError at h.py:3 in f``."""
        if self.outcome is Outcome.FALSE_ACCEPT:
            return f"accepts invalid {self.cause.removeprefix(self.kind + ' ')}"
        return self.cause

    @property
    def changes(self) -> str:
        """How the headline differs from the schema's example: ``hlc="zz"; notes removed``."""
        try:
            message = json.loads(self.data)
        except ValueError:
            return ""
        if not isinstance(message, dict):
            return ""
        return "; ".join(
            f"{name}={json.dumps(message[name], ensure_ascii=False)}"
            if name in message
            else f"{name} removed"
            for name in self.fields
        )

    @property
    def text(self) -> str:
        """The headline message text (bytes that are not UTF-8 shown as ``\\xNN`` escapes)."""
        return self.data.decode("utf-8", "backslashreplace")

    @property
    def seen_on(self) -> str:
        """``beatframe, statusclaim (valid, hlc.pattern)``: every kind and rule it showed under."""
        rules = ", ".join(r or "valid" for r in self.rules)
        return f"{', '.join(self.kinds)} ({rules})"

    @property
    def headline(self) -> str:
        """One line: ``crash: KeyError at h.py:3 in f [hlc], seen on beatframe (valid)``."""
        what = {
            Outcome.FALSE_ACCEPT: self.title,
            Outcome.FALSE_REJECT: f"rejects valid {self.kind}: {self.cause}",
            Outcome.CRASH: f"crashes: {self.cause}",
            Outcome.HANG: f"hangs: {self.cause}",
        }[self.outcome]
        where = f" {self.fields_label}" if self.fields_label else ""
        return one_line(f"{self.outcome.value}: {what}{where}, seen on {self.seen_on}", 240)


@dataclass(frozen=True)
class CampaignReport:
    """What one campaign ran and found.

    Attributes:
        target: the target spec.
        seed: the campaign's seed (rerun with it to replay).
        tool_version: the backbeat-fuzz version.
        counts: messages sent per kind and direction: ``{"beatframe": {"valid": n, "invalid": n}}``.
        findings: one per bug, baselined and known ones included.
        skipped: human notes on what was not run and why.
        duration: seconds the campaign took.
        baseline_notes: expired baseline entries and ones that no longer reproduce.
        coverage_sent: how many of the messages sent were the coverage phase's.
        interrupted: the run was stopped (Ctrl-C) before its budget was spent.
        covered: the (kind, rule) pairs the run exercised (rule None: valid messages), which a
            baseline entry must be among to be called stale.
        shard: ``(index, count)`` for the report of one ``--shard I/N`` run, None for a whole
            campaign's (what ``merge`` checks: every shard once).
    """

    target: str
    seed: int
    tool_version: str
    counts: dict[str, dict[str, int]]
    findings: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    duration: float = 0.0
    baseline_notes: list[str] = field(default_factory=list)
    coverage_sent: int = 0
    interrupted: bool = False
    covered: tuple[tuple[str, str | None], ...] = ()
    shard: tuple[int, int] | None = None

    @property
    def failing(self) -> list[Finding]:
        """The findings no baseline entry accepts (new and known ones): these fail the run."""
        return [f for f in self.findings if not f.baselined]

    @property
    def sent(self) -> int:
        """Messages sent in every phase."""
        return sum(sum(cell.values()) for cell in self.counts.values())

    def with_baseline(self, baseline: Baseline) -> CampaignReport:
        """This report judged by *baseline*: the findings it accepts are baselined, and its
        notes say which entries expired and which no longer reproduce (of :attr:`covered`)."""
        findings = [
            replace(f, status=FindingStatus.BASELINED) if baseline.match(f) else f
            for f in self.findings
        ]
        notes = baseline.notes(findings, set(self.covered))
        return replace(self, findings=findings, baseline_notes=notes)

    def cells(self) -> list[tuple[str, str]]:
        """Every (kind, direction) that was run or has a finding, kinds in order of first use."""
        kinds = list(self.counts) + [k for f in self.findings for k in f.kinds]
        return [(kind, d) for kind in dict.fromkeys(kinds) for d in DIRECTIONS]

    def kinds(self) -> list[str]:
        """Every kind that was run or has a finding, in order of first use."""
        return list(dict.fromkeys(kind for kind, _ in self.cells()))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form :func:`write_json` writes (its schema: :data:`REPORT_SCHEMA`)."""
        return {
            "format": REPORT_FORMAT,
            "target": self.target,
            "seed": self.seed,
            "tool_version": self.tool_version,
            "duration": round(self.duration, 3),
            "counts": self.counts,
            "sent": self.sent,
            "coverage_sent": self.coverage_sent,
            "interrupted": self.interrupted,
            "skipped": self.skipped,
            "findings": [_finding_dict(f) for f in self.findings],
            "baseline_notes": self.baseline_notes,
            "covered": [[kind, rule] for kind, rule in self.covered],
            "shard": None
            if self.shard is None
            else {"index": self.shard[0], "count": self.shard[1]},
        }


def _message_fields(data: bytes) -> dict[str, str]:
    return {
        "message": data.decode("utf-8", "backslashreplace"),
        "message_base64": base64.b64encode(data).decode("ascii"),
    }


def _finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "outcome": finding.outcome.value,
        "signature": finding.signature,
        "status": finding.status.value,
        "kind": finding.kind,
        "message_type": finding.message_type,
        "rule": finding.rule,
        **_message_fields(finding.data),
        "fields": list(finding.fields),
        "kinds": list(finding.kinds),
        "rules": list(finding.rules),
        "detail": finding.detail,
        "output": finding.output,
        "location": finding.location,
        "corpus_path": finding.corpus_path,
        "note": finding.note,
        "witnesses": [
            {"kind": w.kind, "rule": w.rule, "note": w.note, **_message_fields(w.data)}
            for w in finding.witnesses
        ],
    }


def one_line(text: str, limit: int) -> str:
    """*text* on one line of at most *limit* characters, lone surrogates escaped."""
    line = " ".join(text.encode("utf-8", "backslashreplace").decode("utf-8").split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
