"""The JSON report: :func:`write_json` writes everything, :func:`read_json` reads it back.

The document is :meth:`~.model.CampaignReport.to_dict`; its JSON Schema, :data:`REPORT_SCHEMA`,
ships inside the package and is checked on reading.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..findings import FindingStatus, Witness
from ..model import Outcome
from ._files import dumps, write_text
from .model import REPORT_FORMAT, CampaignReport, Finding

__all__ = ["REPORT_SCHEMA", "read_json", "write_json"]

#: The JSON Schema of the JSON report, shipped inside the package.
REPORT_SCHEMA = Path(__file__).parent.with_name("report-v1.schema.json")


def write_json(report: CampaignReport, path: str | Path) -> None:
    """Write *report* as JSON (see :meth:`CampaignReport.to_dict`).

    Args:
        report: the campaign's report.
        path: the file to write (its folder is created if needed).
    """
    write_text(path, dumps(report.to_dict()))


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
        covered=tuple((kind, rule) for kind, rule in document.get("covered", ())),
        shard=_shard(document.get("shard")),
    )


def _shard(item: dict[str, int] | None) -> tuple[int, int] | None:
    return None if item is None else (item["index"], item["count"])


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
