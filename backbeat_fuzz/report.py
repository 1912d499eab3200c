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
import shlex
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .corpus import write_atomic
from .errors import UsageError
from .findings import MAX_WITNESSES, FindingStatus, Witness
from .model import Outcome

__all__ = [
    "CampaignReport",
    "Finding",
    "merge_reports",
    "read_json",
    "render_summary",
    "replay_command",
    "sarif_document",
    "write_json",
    "write_junit",
    "write_sarif",
]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DIRECTIONS = ("valid", "invalid")
#: The ``format`` of :func:`write_json`'s document; its JSON Schema is :data:`REPORT_SCHEMA`.
REPORT_FORMAT = "backbeat-fuzz-report/1"
#: The JSON Schema of the JSON report, shipped inside the package.
REPORT_SCHEMA = Path(__file__).with_name("report-v1.schema.json")


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
        where = f" [{', '.join(self.fields)}]" if self.fields else ""
        return _one_line(f"{self.outcome.value}: {what}{where}, seen on {self.seen_on}", 240)


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

    @property
    def failing(self) -> list[Finding]:
        """The findings no baseline entry accepts (new and known ones): these fail the run."""
        return [f for f in self.findings if not f.baselined]

    @property
    def sent(self) -> int:
        """Messages sent in every phase."""
        return sum(sum(cell.values()) for cell in self.counts.values())

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


def _one_line(text: str, limit: int) -> str:
    """*text* on one line of at most *limit* characters, lone surrogates escaped."""
    line = " ".join(text.encode("utf-8", "backslashreplace").decode("utf-8").split())
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


def read_json(path: str | Path) -> CampaignReport:
    """The :class:`CampaignReport` a :func:`write_json` file holds (the inverse of writing it).

    Raises:
        UsageError: the file cannot be read, is not JSON, or is not a report of this format.
    """
    name = str(path)
    try:
        document = json.loads(Path(path).read_bytes())
    except OSError as exc:
        raise UsageError(
            f"cannot read report {name!r}: {exc.strerror or exc}; give a file --report-json wrote"
        ) from None
    except ValueError as exc:
        raise UsageError(
            f"report {name!r} is not JSON ({exc}); give a file --report-json wrote"
        ) from None
    problem = _schema_problem(document)
    if problem:
        raise UsageError(
            f"{name!r} is not a {REPORT_FORMAT} report ({problem}); give a file --report-json wrote"
        )
    return _report_from_dict(document)


def _schema_problem(document: Any) -> str | None:
    """Why *document* does not match :data:`REPORT_SCHEMA`, or None."""
    from jsonschema import Draft202012Validator

    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    error = next(iter(Draft202012Validator(schema).iter_errors(document)), None)
    if error is None:
        return None
    where = "/".join(map(str, error.absolute_path)) or "top level"
    return f"at {where}: {error.message[:160]}"


def _report_from_dict(document: dict[str, Any]) -> CampaignReport:
    return CampaignReport(
        target=document["target"],
        seed=document["seed"],
        tool_version=document["tool_version"],
        counts={k: dict(v) for k, v in document["counts"].items()},
        findings=[_finding_from_dict(f) for f in document["findings"]],
        skipped=list(document["skipped"]),
        duration=float(document["duration"]),
        baseline_notes=list(document["baseline_notes"]),
        coverage_sent=document["coverage_sent"],
        interrupted=document["interrupted"],
    )


def _finding_from_dict(item: dict[str, Any]) -> Finding:
    return Finding(
        outcome=Outcome(item["outcome"]),
        signature=item["signature"],
        kind=item["kind"],
        message_type=item["message_type"],
        rule=item["rule"],
        data=base64.b64decode(item["message_base64"]),
        detail=item["detail"],
        corpus_path=item["corpus_path"],
        note=item["note"],
        status=FindingStatus(item["status"]),
        fields=tuple(item["fields"]),
        kinds=tuple(item["kinds"]),
        rules=tuple(item["rules"]),
        witnesses=tuple(
            Witness(w["kind"], w["rule"], w.get("note", ""), base64.b64decode(w["message_base64"]))
            for w in item["witnesses"]
        ),
        location=item["location"],
        output=item["output"],
    )


# -- merging the reports of shards ------------------------------------------------------------


def merge_reports(reports: list[CampaignReport]) -> CampaignReport:
    """One report for the shards of one campaign (workers, or machines of a CI fleet).

    Findings with the same ``(outcome, signature)`` become one: the first report's headline is
    kept (reports in the order given), kinds, rules and witnesses are unioned, and the status is
    ``baselined`` if any shard's baseline accepted it, else ``new`` if any shard found it new.
    Counts and coverage messages add up; the duration is the longest shard's (they run side by
    side); notes are kept once each.

    Raises:
        UsageError: no reports, or reports of different targets or seeds.
    """
    if not reports:
        raise UsageError("no reports to merge; give the JSON reports of the shards")
    first = reports[0]
    for report in reports[1:]:
        for what, mine, theirs in (
            ("target", first.target, report.target),
            ("seed", first.seed, report.seed),
        ):
            if mine != theirs:
                raise UsageError(
                    f"the reports are of different campaigns ({what}={mine!r} and {theirs!r}); "
                    "merge the shards of one campaign (same --target and --seed)"
                )
    return CampaignReport(
        target=first.target,
        seed=first.seed,
        tool_version=first.tool_version,
        counts=_merged_counts(reports),
        findings=_merged_findings(reports),
        skipped=list(dict.fromkeys(note for r in reports for note in r.skipped)),
        duration=max(r.duration for r in reports),
        baseline_notes=list(dict.fromkeys(note for r in reports for note in r.baseline_notes)),
        coverage_sent=sum(r.coverage_sent for r in reports),
        interrupted=any(r.interrupted for r in reports),
    )


def _merged_counts(reports: list[CampaignReport]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for report in reports:
        for kind, cell in report.counts.items():
            total = counts.setdefault(kind, dict.fromkeys(DIRECTIONS, 0))
            for direction in DIRECTIONS:
                total[direction] += cell.get(direction, 0)
    return counts


def _merged_findings(reports: list[CampaignReport]) -> list[Finding]:
    groups: dict[Finding, list[Finding]] = {}
    for report in reports:
        for finding in report.findings:
            groups.setdefault(finding, []).append(finding)
    return [_merged_finding(group) for group in groups.values()]


def _merged_finding(group: list[Finding]) -> Finding:
    """The findings of one bug from several shards as one (the first is the headline)."""
    head = group[0]
    statuses = {f.status for f in group}
    status = next(s for s in _STATUS_ORDER if s in statuses)
    witnesses: dict[tuple[str, str | None, str], Witness] = {}
    for witness in (w for f in group for w in f.witnesses):
        slot = (witness.kind, witness.rule, witness.note)
        if slot not in witnesses and len(witnesses) < MAX_WITNESSES:
            witnesses[slot] = witness
    return replace(
        head,
        status=status,
        corpus_path=head.corpus_path or next((f.corpus_path for f in group if f.corpus_path), None),
        kinds=tuple(dict.fromkeys(k for f in group for k in f.kinds)),
        rules=tuple(dict.fromkeys(r for f in group for r in f.rules)),
        witnesses=tuple(witnesses.values()),
    )


#: Which status a merged finding takes when its shards disagree: the first one any shard has.
_STATUS_ORDER = (FindingStatus.BASELINED, FindingStatus.NEW, FindingStatus.KNOWN)


# -- JUnit XML --------------------------------------------------------------------------------

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(text: str) -> str:
    """*text* with characters XML 1.0 cannot hold written as ``\\xNN``/``\\uNNNN`` escapes."""
    return _NOT_XML.sub(lambda m: ascii(m.group())[1:-1], text)


def _finding_body(finding: Finding) -> str:
    lines = [
        f"signature: {finding.signature}",
        f"outcome: {finding.outcome.value}",
        f"status: {finding.status.value}",
        f"seen on: {finding.seen_on}",
        f"fields: {', '.join(finding.fields) or '(none)'}",
        f"message: {finding.text}",
        f"detail: {finding.detail}",
        f"corpus: {finding.corpus_path or '(not saved)'}",
    ]
    if finding.note:
        lines.append(f"note: {finding.note}")
    if finding.output:
        lines.append(f"output:\n{finding.output}")
    return "\n".join(lines)


def _cell_case(suite: ET.Element, report: CampaignReport, kind: str, direction: str) -> None:
    case = ET.SubElement(
        suite, "testcase", classname=f"backbeat.{kind}", name=f"{kind}.{direction}"
    )
    run = report.counts.get(kind, {}).get(direction, 0)
    ET.SubElement(case, "system-out").text = f"{run} {direction} {kind} messages sent"


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
    """Write *report* as JUnit XML: one testsuite; one testcase per finding, failed unless
    baselined (then skipped); and one passing testcase per kind and direction that says how many
    messages were sent, so a clean run still shows what it covered.

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
    for kind, direction in report.cells():
        _cell_case(suite, report, kind, direction)
    used: set[str] = set()
    failed = 0
    for finding in report.findings:
        name = _unique(f"{finding.kind}.{finding.outcome}.{_slug(finding.cause)}", used)
        failed += _finding_case(suite, finding, name)
    notes = [*report.skipped, *report.baseline_notes]
    if notes:
        ET.SubElement(suite, "system-out").text = _xml_safe("\n".join(notes))
    tests = len(report.cells()) + len(report.findings)
    for element in (root, suite):
        element.set("tests", str(tests))
        element.set("failures", str(failed))
        element.set("errors", "0")
        element.set("time", f"{report.duration:.3f}")
    suite.set("skipped", str(len(report.findings) - len(report.failing)))
    ET.indent(root)
    _write_text(path, ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\[\]-]+", "_", text).strip("_")[:80]


# -- SARIF ------------------------------------------------------------------------------------

#: One SARIF rule per outcome: what a correct consumer does instead.
_SARIF_RULES = {
    Outcome.FALSE_REJECT: "a valid message must be accepted",
    Outcome.FALSE_ACCEPT: "a message breaking a rule of the contract must be rejected",
    Outcome.CRASH: "every message must get a verdict: accept or reject, never a crash",
    Outcome.HANG: "every message must get a verdict within the timeout",
}


def _artifact(path_text: str) -> dict[str, str]:
    path = Path(path_text)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return {"uri": path.as_uri()}
    return {"uri": path.as_posix(), "uriBaseId": "%SRCROOT%"}


def _sarif_location(finding: Finding) -> list[dict[str, Any]]:
    """The consumer's source line when the target knows it, else the corpus entry."""
    if finding.location:
        file, _, line = finding.location.rpartition(":")
        physical: dict[str, Any] = {"artifactLocation": _artifact(file or finding.location)}
        if line.isdigit():
            physical["region"] = {"startLine": int(line)}
        return [{"physicalLocation": physical}]
    if finding.corpus_path:
        return [{"physicalLocation": {"artifactLocation": _artifact(finding.corpus_path)}}]
    return []


def _sarif_result(finding: Finding) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f"backbeat/{finding.outcome.value}",
        "ruleIndex": list(_SARIF_RULES).index(finding.outcome),
        "level": "note" if finding.baselined else "error",
        "message": {"text": finding.headline},
        "partialFingerprints": {
            "backbeatFinding/v2": hashlib.sha256(finding.signature.encode()).hexdigest()
        },
        "properties": {
            "outcome": finding.outcome.value,
            "signature": finding.signature,
            "status": finding.status.value,
            "kind": finding.kind,
            "kinds": list(finding.kinds),
            "rules": list(finding.rules),
            "fields": list(finding.fields),
            "message": finding.text,
            "detail": finding.detail,
            "corpus_path": finding.corpus_path,
        },
    }
    locations = _sarif_location(finding)
    if locations:
        result["locations"] = locations
    return result


def sarif_document(report: CampaignReport) -> dict[str, Any]:
    """The SARIF 2.1.0 document :func:`write_sarif` writes."""
    rules = [
        {"id": f"backbeat/{outcome.value}", "shortDescription": {"text": text}}
        for outcome, text in _SARIF_RULES.items()
    ]
    driver = {"name": "backbeat-fuzz", "version": report.tool_version, "rules": rules}
    run = {
        "tool": {"driver": driver},
        "results": [_sarif_result(f) for f in report.findings],
        "properties": {"target": report.target, "seed": report.seed, "counts": report.counts},
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def write_sarif(report: CampaignReport, path: str | Path) -> None:
    """Write *report* as SARIF 2.1.0: one rule per outcome, one result per finding, located at
    the consumer's source line when the target reports it (Python targets do).

    Args:
        report: the campaign's report.
        path: the file to write (its folder is created if needed).
    """
    _write_text(path, _dumps(sarif_document(report)))


# -- the text summary -------------------------------------------------------------------------

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


def _shown(text: str) -> str:
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
    where = f"  [{', '.join(finding.fields)}]" if finding.fields else ""
    title = style(_one_line(_shown(finding.title), width), finding.outcome, bold=True)
    lines = [
        f"  {number}. {title}{style(mark, finding.status)}{where}",
        f"     {_one_line(_shown(finding.text), width)}",
    ]
    if finding.changes:
        lines.append(f"     changed: {_one_line(_shown(finding.changes), width)}")
    lines.append(f"     seen on {_one_line(_shown(finding.seen_on), width)}")
    witnesses = _witness_labels(finding)
    if len(witnesses) > 1 or (witnesses and finding.note not in witnesses[0]):
        lines.append(f"     witnesses: {_one_line(_shown('; '.join(witnesses[:6])), width)}")
    if finding.outcome is not Outcome.FALSE_ACCEPT and finding.detail:
        lines.append(f"     detail: {_one_line(_shown(finding.detail), width)}")
    if finding.note and finding.baselined:
        lines.append(f"     baseline: {_shown(finding.note)}")
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
