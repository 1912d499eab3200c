"""The JUnit XML report: one testcase per kind and direction, one per finding, for CI test views."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from ._files import write_text
from .model import CampaignReport, Finding
from .text import finding_parts

__all__ = ["write_junit"]

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(text: str) -> str:
    """*text* with characters XML 1.0 cannot hold written as ``\\xNN``/``\\uNNNN`` escapes."""
    return _NOT_XML.sub(lambda m: ascii(m.group())[1:-1], text)


#: What a failed testcase's text shows of its finding, in order (:data:`.text.FINDING_PARTS`).
_BODY = ("signature", "outcome", "status", "seen on", "fields", "message", "detail", "corpus")


def _finding_body(finding: Finding) -> str:
    parts = finding_parts(finding, (*_BODY, "note", "output"), optional=("note", "output"))
    return "\n".join(
        f"{name}:\n{text}" if name == "output" else f"{name}: {text}" for name, text in parts
    )


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
    write_text(path, ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\[\]-]+", "_", text).strip("_")[:80]
