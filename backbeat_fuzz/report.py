"""Campaign reports: what was run and what was found, as JSON, JUnit XML, SARIF or a text summary.

A :class:`CampaignReport` holds the counts per message kind and direction (valid messages sent,
invalid ones sent) and one :class:`Finding` per bug. The writers are atomic (a reader never sees
half a report) and each reads only the report, so they agree with each other:

- :func:`write_json`: everything, machine-readable;
- :func:`write_junit`: one testcase per kind and direction, one per finding, for CI test views;
- :func:`write_sarif`: SARIF 2.1.0, one result per finding, for code-scanning views;
- :func:`render_summary`: the plain-text table and findings a person reads in a terminal.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .corpus import write_atomic
from .jsontext import JSON_RULES
from .model import Outcome

__all__ = [
    "CampaignReport",
    "Finding",
    "render_summary",
    "sarif_document",
    "write_json",
    "write_junit",
    "write_sarif",
]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DIRECTIONS = ("valid", "invalid")

_WHAT_HAPPENED = {
    Outcome.FALSE_ACCEPT: "was accepted",
    Outcome.FALSE_REJECT: "was rejected",
    Outcome.CRASH: "crashed the target",
    Outcome.HANG: "got no answer",
}


@dataclass(frozen=True)
class Finding:
    """One bug: a message the consumer got wrong.

    Findings compare equal (and hash) by ``(outcome, kind, rule)`` only, so shrinking and
    de-duplication keep one finding per bug whatever the message that shows it.

    Attributes:
        outcome: how the consumer got it wrong.
        kind: the message kind's short name (``beatframe``).
        message_type: its ``type`` constant, when known.
        rule: the rule the message breaks, or None for a valid message.
        data: the exact message bytes.
        detail: what the consumer did (``KeyError: 'hlc'``, ``HTTP 500``).
        corpus_path: where the message was saved, if it was.
        note: how the message was made, or why it is baselined.
        baselined: True when a baseline entry accepts this finding (it does not fail the run).
    """

    outcome: Outcome
    kind: str
    message_type: str | None = field(compare=False)
    rule: str | None
    data: bytes = field(repr=False, compare=False)
    detail: str = field(compare=False)
    corpus_path: str | None = field(compare=False)
    note: str = field(default="", compare=False)
    baselined: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcome", Outcome(self.outcome))

    @property
    def direction(self) -> str:
        """``valid`` for a valid message, ``invalid`` for one breaking a rule."""
        return "valid" if self.rule is None else "invalid"

    @property
    def rule_id(self) -> str:
        """The rule broken, or ``valid.<kind>`` (a valid message must be accepted)."""
        return self.rule if self.rule is not None else f"valid.{self.kind}"

    @property
    def text(self) -> str:
        """The exact message text (bytes that are not UTF-8 shown as ``\\xNN`` escapes)."""
        return self.data.decode("utf-8", "backslashreplace")

    @property
    def headline(self) -> str:
        """One line: ``false_accept: beatframe message breaking hlc.pattern was accepted``."""
        what = (
            f"valid {self.kind} message"
            if self.rule is None
            else f"{self.kind} message breaking {self.rule}"
        )
        line = f"{self.outcome.value}: {what} {_WHAT_HAPPENED[self.outcome]}"
        if self.outcome is not Outcome.FALSE_ACCEPT and self.detail:
            line += f" ({_one_line(self.detail, 120)})"
        return line


@dataclass(frozen=True)
class CampaignReport:
    """What one campaign ran and found.

    Attributes:
        target: the target spec.
        seed: the campaign's seed (rerun with it to replay).
        tool_version: the backbeat-fuzz version.
        counts: examples run per kind and direction: ``{"beatframe": {"valid": n, "invalid": n}}``.
        failures: every finding, baselined ones included.
        skipped: human notes on what was not run and why.
        duration: seconds the campaign took.
        baseline_notes: expired baseline entries and ones that no longer reproduce.
    """

    target: str
    seed: int
    tool_version: str
    counts: dict[str, dict[str, int]]
    failures: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    duration: float = 0.0
    baseline_notes: list[str] = field(default_factory=list)

    @property
    def new_failures(self) -> list[Finding]:
        """The findings no baseline entry accepts: these fail the run."""
        return [f for f in self.failures if not f.baselined]

    def cells(self) -> list[tuple[str, str]]:
        """Every (kind, direction) that was run or has a finding, kinds in order of first use."""
        kinds = list(self.counts) + [f.kind for f in self.failures]
        return [(kind, d) for kind in dict.fromkeys(kinds) for d in DIRECTIONS]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form :func:`write_json` writes."""
        return {
            "target": self.target,
            "seed": self.seed,
            "tool_version": self.tool_version,
            "duration": round(self.duration, 3),
            "counts": self.counts,
            "skipped": self.skipped,
            "failures": [_finding_dict(f) for f in self.failures],
            "baseline_notes": self.baseline_notes,
        }


def _finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "kind": finding.outcome.value,
        "message_kind": finding.kind,
        "message_type": finding.message_type,
        "rule": finding.rule,
        "message": finding.text,
        "message_base64": base64.b64encode(finding.data).decode("ascii"),
        "detail": finding.detail,
        "corpus_path": finding.corpus_path,
        "note": finding.note,
        "baselined": finding.baselined,
    }


def _one_line(text: str, limit: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _write_text(path: str | Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text.encode("utf-8", "backslashreplace"))


def _dumps(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_json(report: CampaignReport, path: str | Path) -> None:
    """Write *report* as JSON (see :meth:`CampaignReport.to_dict`).

    Args:
        report: the campaign's report.
        path: the file to write (its folder is created if needed).
    """
    _write_text(path, _dumps(report.to_dict()))


# -- JUnit XML --------------------------------------------------------------------------------

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(text: str) -> str:
    """*text* with characters XML 1.0 cannot hold written as ``\\xNN``/``\\uNNNN`` escapes."""
    return _NOT_XML.sub(lambda m: ascii(m.group())[1:-1], text)


def _finding_body(finding: Finding) -> str:
    return "\n".join(
        [
            f"rule: {finding.rule_id}",
            f"outcome: {finding.outcome.value}",
            f"message: {finding.text}",
            f"detail: {finding.detail}",
            f"corpus: {finding.corpus_path or '(not saved)'}",
        ]
    )


def _cell_case(suite: ET.Element, report: CampaignReport, kind: str, direction: str) -> int:
    case = ET.SubElement(
        suite, "testcase", classname=f"backbeat.{kind}", name=f"{kind}.{direction}"
    )
    mine = [f for f in report.new_failures if (f.kind, f.direction) == (kind, direction)]
    run = report.counts.get(kind, {}).get(direction, 0)
    ET.SubElement(case, "system-out").text = f"{run} {direction} {kind} messages sent"
    if not mine:
        return 0
    counts: dict[str, int] = {}
    for finding in mine:
        counts[finding.outcome.value] = counts.get(finding.outcome.value, 0) + 1
    summary = ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
    failure = ET.SubElement(case, "failure", message=f"{len(mine)} findings: {summary}")
    failure.set("type", "findings")
    failure.text = _xml_safe("\n".join(f.headline for f in mine))
    return 1


def _finding_case(suite: ET.Element, finding: Finding, name: str) -> int:
    case = ET.SubElement(suite, "testcase", classname=f"backbeat.{finding.kind}", name=name)
    if finding.baselined:
        reason = f": {finding.note}" if finding.note else ""
        ET.SubElement(case, "skipped", message=_xml_safe(f"accepted by the baseline{reason}"))
        return 0
    failure = ET.SubElement(case, "failure", message=_xml_safe(finding.headline))
    failure.set("type", finding.outcome.value)
    failure.text = _xml_safe(_finding_body(finding))
    return 1


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 1
    while candidate in used:
        n += 1
        candidate = f"{name}#{n}"
    used.add(candidate)
    return candidate


def write_junit(report: CampaignReport, path: str | Path) -> None:
    """Write *report* as JUnit XML: one testsuite, testcases per kind/direction and per finding.

    A ``<kind>.<direction>`` testcase fails when a finding not in the baseline is in it; each
    finding is a testcase of its own (skipped when baselined) whose failure holds the rule,
    outcome, message text, detail and corpus path.

    Args:
        report: the campaign's report.
        path: the file to write (its folder is created if needed).
    """
    root = ET.Element("testsuites", name="backbeat-fuzz")
    suite = ET.SubElement(root, "testsuite", name=f"backbeat-fuzz {_xml_safe(report.target)}")
    properties = ET.SubElement(suite, "properties")
    for name, value in (("target", report.target), ("seed", report.seed)):
        ET.SubElement(properties, "property", name=name, value=_xml_safe(str(value)))
    ET.SubElement(properties, "property", name="tool_version", value=report.tool_version)
    failed = sum(_cell_case(suite, report, kind, d) for kind, d in report.cells())
    used: set[str] = set()
    for finding in report.failures:
        name = _unique(
            f"{finding.kind}.{finding.direction}.{finding.outcome}.{finding.rule_id}", used
        )
        failed += _finding_case(suite, finding, name)
    notes = [*report.skipped, *report.baseline_notes]
    if notes:
        ET.SubElement(suite, "system-out").text = _xml_safe("\n".join(notes))
    tests = len(report.cells()) + len(report.failures)
    skipped = len(report.failures) - len(report.new_failures)
    for element in (root, suite):
        element.set("tests", str(tests))
        element.set("failures", str(failed))
        element.set("errors", "0")
        element.set("time", f"{report.duration:.3f}")
    suite.set("skipped", str(skipped))
    ET.indent(root)
    _write_text(path, ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n")


# -- SARIF ------------------------------------------------------------------------------------


def _rule_description(rule_id: str, descriptions: Mapping[str, str]) -> str:
    if rule_id in descriptions:
        return descriptions[rule_id]
    if rule_id in JSON_RULES:
        return f"must be rejected: {JSON_RULES[rule_id]}"
    if rule_id.startswith("valid."):
        return f"must be accepted: a valid {rule_id.removeprefix('valid.')} message"
    return f"must be rejected: a message breaking {rule_id}"


def _artifact(corpus_path: str) -> dict[str, str]:
    path = Path(corpus_path)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return {"uri": path.as_uri()}
    return {"uri": path.as_posix(), "uriBaseId": "%SRCROOT%"}


def _sarif_result(finding: Finding, rule_index: int) -> dict[str, Any]:
    key = f"{finding.outcome.value}|{finding.kind}|{finding.rule_id}"
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": "note" if finding.baselined else "error",
        "message": {"text": finding.headline},
        "partialFingerprints": {"backbeatFinding/v1": hashlib.sha256(key.encode()).hexdigest()},
        "properties": {
            "outcome": finding.outcome.value,
            "messageKind": finding.kind,
            "messageType": finding.message_type,
            "message": finding.text,
            "detail": finding.detail,
            "baselined": finding.baselined,
        },
    }
    if finding.corpus_path:
        location = {"physicalLocation": {"artifactLocation": _artifact(finding.corpus_path)}}
        result["locations"] = [location]
    return result


def sarif_document(
    report: CampaignReport, rule_descriptions: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The SARIF 2.1.0 document :func:`write_sarif` writes."""
    rule_ids = list(dict.fromkeys(f.rule_id for f in report.failures))
    descriptions = rule_descriptions or {}
    rules = [
        {"id": rule_id, "shortDescription": {"text": _rule_description(rule_id, descriptions)}}
        for rule_id in rule_ids
    ]
    driver = {
        "name": "backbeat-fuzz",
        "version": report.tool_version,
        "informationUri": "https://pypi.org/project/backbeat-fuzz/",
        "rules": rules,
    }
    results = [_sarif_result(f, rule_ids.index(f.rule_id)) for f in report.failures]
    run = {
        "tool": {"driver": driver},
        "results": results,
        "properties": {"target": report.target, "seed": report.seed, "counts": report.counts},
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def write_sarif(
    report: CampaignReport,
    path: str | Path,
    *,
    rule_descriptions: Mapping[str, str] | None = None,
) -> None:
    """Write *report* as SARIF 2.1.0: one rule per broken rule, one result per finding.

    Args:
        report: the campaign's report.
        path: the file to write (its folder is created if needed).
        rule_descriptions: rule id -> one-line description, for the rules' short descriptions
            (a generic one is used for rules not in it).
    """
    _write_text(path, _dumps(sarif_document(report, rule_descriptions)))


# -- the text summary -------------------------------------------------------------------------

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _shown(text: str) -> str:
    """*text* with control characters escaped, safe to print to a terminal."""
    return _CONTROL.sub(lambda m: ascii(m.group())[1:-1], text)


def _table(report: CampaignReport) -> list[str]:
    rows = [("kind", "direction", "examples", "findings")]
    for kind, direction in report.cells():
        mine = [f for f in report.failures if (f.kind, f.direction) == (kind, direction)]
        baselined = sum(f.baselined for f in mine)
        found = f"{len(mine)}" + (f" ({baselined} baselined)" if baselined else "")
        rows.append((kind, direction, str(report.counts.get(kind, {}).get(direction, 0)), found))
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    return [
        f"{kind:<{widths[0]}}  {direction:<{widths[1]}}  {run:>8}  {found}"
        for kind, direction, run, found in rows
    ]


def _finding_block(number: int, finding: Finding) -> list[str]:
    mark = "  [baselined]" if finding.baselined else ""
    lines = [
        f"{number}. {finding.outcome.value}  {finding.kind}  {finding.rule_id}{mark}",
        f"   message: {_shown(finding.text)}",
        f"   detail:  {_shown(finding.detail)}",
        f"   corpus:  {finding.corpus_path or '(not saved)'}",
    ]
    if finding.note:
        lines.append(f"   note:    {_shown(finding.note)}")
    return lines


def render_summary(report: CampaignReport) -> str:
    """The plain-text summary: a table of kind x direction, then one block per finding.

    Returns:
        Lines ending in a newline; control characters in messages are escaped.
    """
    lines = [
        f"backbeat-fuzz {report.tool_version}: target {report.target}, seed {report.seed}, "
        f"{report.duration:.1f}s",
        "",
        *_table(report),
    ]
    if report.skipped:
        lines += ["", *(f"skipped: {note}" for note in report.skipped)]
    if report.baseline_notes:
        lines += ["", *(f"baseline: {note}" for note in report.baseline_notes)]
    new = len(report.new_failures)
    if not report.failures:
        lines += ["", "no findings: valid messages were accepted and invalid ones rejected"]
    else:
        baselined = len(report.failures) - new
        lines += ["", f"{len(report.failures)} findings ({new} new, {baselined} baselined):"]
        for number, finding in enumerate(report.failures, 1):
            lines += ["", *_finding_block(number, finding)]
    return "\n".join(lines) + "\n"
