"""The text summary a person reads in a terminal: findings grouped by outcome and kind, then
the table of counts; and :func:`replay_command`, the lines that reproduce one finding."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Collection, Iterable
from typing import Any

from ..findings import FindingStatus
from ..model import Outcome
from .model import CampaignReport, Finding, one_line

__all__ = ["FINDING_PARTS", "finding_parts", "render_summary", "replay_command", "shown"]

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
#: Terminal colours per outcome and status, as click.style takes them.
_COLOURS = {
    Outcome.FALSE_REJECT: "yellow",
    Outcome.FALSE_ACCEPT: "magenta",
    Outcome.CRASH: "red",
    Outcome.HANG: "cyan",
    FindingStatus.NEW: "red",
    FindingStatus.KNOWN: "yellow",
    FindingStatus.BASELINED: "green",
}


def shown(text: str) -> str:
    """*text* with control characters and lone surrogates escaped, safe to print anywhere."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return _CONTROL.sub(lambda m: ascii(m.group())[1:-1], text)


class _Style:
    """Colours on a terminal, nothing elsewhere (``NO_COLOR``, ``--no-color``, pipes)."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, key: Any = None, *, bold: bool = False) -> str:
        if not self.color:
            return text
        import click

        return click.style(text, fg=_COLOURS.get(key), bold=bold)


#: A finding's parts as the reports label them (JUnit's failure text, the pytest items), each
#: as text ("" when the finding has none).
FINDING_PARTS: dict[str, Callable[[Finding], str]] = {
    "signature": lambda f: f.signature,
    "outcome": lambda f: f.outcome.value,
    "status": lambda f: f.status.value,
    "rule": lambda f: f.rule_id,
    "seen on": lambda f: f.seen_on,
    "fields": lambda f: ", ".join(f.fields) or "(none)",
    "message": lambda f: f.text,
    "changed": lambda f: f.changes,
    "note": lambda f: f.note,
    "detail": lambda f: f.detail,
    "corpus": lambda f: f.corpus_path or "(not saved)",
    "output": lambda f: f.output,
}


def finding_parts(
    finding: Finding, names: Iterable[str], *, optional: Collection[str] = ()
) -> list[tuple[str, str]]:
    """``(label, text)`` for each part of *finding* that *names* lists (:data:`FINDING_PARTS`),
    in that order; an *optional* part only when the finding has it."""
    parts = [(name, FINDING_PARTS[name](finding)) for name in names]
    return [(name, text) for name, text in parts if text or name not in optional]


def replay_command(finding: Finding, target: str) -> list[str]:
    """The lines that reproduce *finding* alone: a ``replay`` call, and ``curl`` for HTTP."""
    if not finding.corpus_path:
        return []
    lines = [
        f"backbeat-fuzz replay --target {shlex.quote(target)} {shlex.quote(finding.corpus_path)}"
    ]
    if target.startswith(("http://", "https://")):
        lines.append(
            "curl -sS -X POST -H 'Content-Type: application/json' "
            f"--data-binary @{shlex.quote(finding.corpus_path)} {shlex.quote(target)}"
        )
    return lines


def _finding_lines(
    number: int, finding: Finding, target: str, width: int, style: _Style
) -> list[str]:
    mark = "" if finding.status is FindingStatus.NEW else f"  [{finding.status.value}]"
    where = f"  {finding.fields_label}" if finding.fields_label else ""
    title = style(one_line(shown(finding.title), width), finding.outcome, bold=True)
    lines = [
        f"  {number}. {title}{style(mark, finding.status)}{where}",
        f"     {one_line(shown(finding.text), width)}",
    ]
    if finding.changes:
        lines.append(f"     changed: {one_line(shown(finding.changes), width)}")
    lines.append(f"     seen on {one_line(shown(finding.seen_on), width)}")
    witnesses = _witness_labels(finding)
    if len(witnesses) > 1 or (witnesses and finding.note not in witnesses[0]):
        lines.append(f"     witnesses: {one_line(shown('; '.join(witnesses[:6])), width)}")
    if finding.outcome is not Outcome.FALSE_ACCEPT and finding.detail:
        lines.append(f"     detail: {one_line(shown(finding.detail), width)}")
    if finding.note and finding.baselined:
        lines.append(f"     baseline: {shown(finding.note)}")
    lines += [f"     reproduce: {line}" for line in replay_command(finding, target)]
    return lines


def _witness_labels(finding: Finding) -> list[str]:
    """``hlc.pattern: trailing newline`` per distinct witness (its kind first when the finding
    spans kinds), in the order they were seen."""
    many_kinds = len(finding.kinds) > 1
    labels = []
    for w in finding.witnesses:
        label = f"{w.rule or 'valid'}: {w.note}" if w.note else w.rule or "valid"
        labels.append(f"{w.kind} {label}" if many_kinds else label)
    return list(dict.fromkeys(labels))


def _findings_section(report: CampaignReport, width: int, style: _Style) -> list[str]:
    lines: list[str] = []
    number = 0
    for outcome in Outcome:
        mine = [f for f in report.findings if f.outcome is outcome]
        if not mine:
            continue
        lines += ["", style(f"{outcome.value} ({len(mine)})", outcome, bold=True)]
        for kind in dict.fromkeys(f.kind for f in mine):
            lines.append(f" {kind}")
            for finding in (f for f in mine if f.kind == kind):
                number += 1
                lines += _finding_lines(number, finding, report.target, width, style)
    return lines


def _table(report: CampaignReport) -> list[str]:
    kinds = report.kinds()
    header = ["", *kinds, "total"]
    rows = [header]
    for outcome in Outcome:
        counts = [sum(f.kind == k and f.outcome is outcome for f in report.findings) for k in kinds]
        rows.append([outcome.value, *map(str, counts), str(sum(counts))])
    sent = [sum(report.counts.get(k, {}).values()) for k in kinds]
    rows.append(["messages sent", *map(str, sent), str(sum(sent))])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return [
        "  "
        + "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]


def _closing(report: CampaignReport, style: _Style) -> str:
    statuses = [
        style(f"{sum(f.status is s for f in report.findings)} {s.value}", s) for s in FindingStatus
    ]
    return (
        f"  {len(report.findings)} findings ({', '.join(statuses)}); "
        f"{report.sent} messages sent ({report.coverage_sent} in the coverage phase); "
        f"{report.duration:.1f}s; seed {report.seed}"
    )


def render_summary(report: CampaignReport, *, color: bool = False, width: int = 100) -> str:
    """The text report: findings grouped by outcome, then kind, then the summary table.

    Args:
        report: the campaign's report.
        color: colour outcomes and statuses (for a terminal).
        width: cut messages and lines to about this many characters (the corpus has them whole).

    Returns:
        Lines ending in a newline; control characters in messages are escaped.
    """
    style = _Style(color)
    lines = [f"backbeat-fuzz {report.tool_version}: target {report.target}, seed {report.seed}"]
    if report.findings:
        lines += _findings_section(report, width, style)
    else:
        lines += ["", "no findings: valid messages were accepted and invalid ones rejected"]
    if report.skipped:
        lines += ["", *(f"skipped: {note}" for note in report.skipped)]
    if report.baseline_notes:
        lines += ["", *(f"baseline: {note}" for note in report.baseline_notes)]
    lines += ["", style("summary", bold=True), *_table(report), _closing(report, style)]
    return "\n".join(lines) + "\n"
