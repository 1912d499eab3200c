"""The SARIF 2.1.0 report: one rule per outcome, one result per finding, for code-scanning views."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ..model import Outcome
from ._files import dumps, write_text
from .model import CampaignReport, Finding

__all__ = ["SARIF_SCHEMA", "sarif_document", "write_sarif"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

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
    write_text(path, dumps(sarif_document(report)))
