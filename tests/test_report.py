"""Reports: the JSON, JUnit XML and SARIF writers and the text summary, from one built report."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from backbeat_fuzz.findings import FindingStatus, Witness
from backbeat_fuzz.model import Outcome
from backbeat_fuzz.report import (
    REPORT_SCHEMA,
    CampaignReport,
    Finding,
    render_summary,
    replay_command,
    write_json,
    write_junit,
    write_sarif,
)

ACCEPTED = Finding(
    outcome=Outcome.FALSE_ACCEPT,
    signature="false_accept: beatframe hlc",
    kind="beatframe",
    message_type="backbeat.beatframe.v1",
    rule="hlc.pattern",
    data=b'{"type":"backbeat.beatframe.v1","hlc":"zz"}',
    detail="returned None",
    corpus_path="corpus/beatframe/false_accept--beatframe_hlc--0123abcd.json",
    note="hlc of letters",
    fields=("hlc",),
    rules=("hlc.pattern", "hlc.type"),
    witnesses=(
        Witness("beatframe", "hlc.pattern", "hlc of letters", b'{"hlc":"zz"}'),
        Witness("beatframe", "hlc.type", "a number", b'{"hlc":1}'),
    ),
)
REJECTED = Finding(
    outcome=Outcome.FALSE_REJECT,
    signature="false_reject: HTTP 400: no",
    kind="statusclaim",
    message_type="backbeat.statusclaim.v1",
    rule=None,
    data=b'{"type":"backbeat.statusclaim.v1"}',
    detail="HTTP 400",
    corpus_path=None,
    output="no",
)
CRASHED = Finding(
    outcome=Outcome.CRASH,
    signature="crash: KeyError at mysvc/handler.py:12 in handle",
    kind="beatframe",
    message_type=None,
    rule="json.invalid_utf8",
    data=b'{"hlc":"\xff\x00\x1b[31m"}',
    detail="KeyError: 'hlc'\n  more",
    corpus_path="corpus/beatframe/crash--KeyError_at_mysvc_handler.py_12_in_handle--89abcdef.json",
    kinds=("beatframe", "statusclaim"),
    location="mysvc/handler.py:12",
)
BASELINED = Finding(
    outcome=Outcome.HANG,
    signature="hang: hang at mysvc/parse.py:40 in scan",
    kind="barreport",
    message_type="backbeat.barreport.v1",
    rule="json.nan",
    data=b'{"x":NaN}',
    detail="no answer within 2.0s",
    corpus_path=None,
    note="ticket-123",
    status=FindingStatus.BASELINED,
)
COUNTS = {
    "beatframe": {"valid": 100, "invalid": 400},
    "statusclaim": {"valid": 50, "invalid": 200},
    "barreport": {"valid": 10, "invalid": 30},
}


def make_report(findings: list[Finding] | None = None) -> CampaignReport:
    return CampaignReport(
        target="mysvc.handler",
        seed=1234,
        tool_version="0.1.0",
        counts=COUNTS,
        findings=[ACCEPTED, REJECTED, CRASHED, BASELINED] if findings is None else findings,
        skipped=["json.* mutations skipped: the target takes objects"],
        duration=12.345,
        baseline_notes=["baseline entry 1 (crash beatframe hlc.pattern) expired on 2026-01-01"],
        coverage_sent=40,
    )


# -- Finding ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("finding", "headline"),
    [
        (
            ACCEPTED,
            "false_accept: accepts invalid hlc [hlc], seen on beatframe (hlc.pattern, hlc.type)",
        ),
        (
            REJECTED,
            "false_reject: rejects valid statusclaim: HTTP 400: no, seen on statusclaim (valid)",
        ),
        (
            CRASHED,
            "crash: crashes: KeyError at mysvc/handler.py:12 in handle, "
            "seen on beatframe, statusclaim (json.invalid_utf8)",
        ),
        (
            BASELINED,
            "hang: hangs: hang at mysvc/parse.py:40 in scan, seen on barreport (json.nan)",
        ),
    ],
)
def test_headline_is_one_line(finding: Finding, headline: str) -> None:
    assert finding.headline == headline


def test_a_weak_signatures_fields_are_shown_once() -> None:
    """A weak signature is completed by its fields (``exit code 3 [task_id]``): the headline
    and the summary showed them twice, ``exit code 3 [task_id]  [task_id]``."""
    weak = replace(CRASHED, signature="crash: exit code 3 [task_id]", fields=("task_id",))
    assert weak.headline.startswith("crash: crashes: exit code 3 [task_id], seen on")
    titles = [line for line in render_summary(make_report([weak])).splitlines() if "1. " in line]
    assert titles == ["  1. exit code 3 [task_id]"]
    other = replace(weak, fields=("task_id", "notes"))  # shrunk further: both are shown
    assert other.headline.startswith("crash: crashes: exit code 3 [task_id] [task_id, notes],")


def test_findings_are_equal_by_outcome_and_signature() -> None:
    other_message = Finding(
        "false_accept",
        "false_accept: beatframe hlc",
        "statusclaim",
        None,
        "hlc.type",
        b"{}",
        "other",
        None,
        status=FindingStatus.BASELINED,
    )
    assert other_message == ACCEPTED
    assert hash(other_message) == hash(ACCEPTED)
    assert other_message.outcome is Outcome.FALSE_ACCEPT
    assert len({ACCEPTED, other_message, REJECTED}) == 2
    crash = Finding("crash", "false_accept: beatframe hlc", "beatframe", None, None, b"", "", None)
    assert crash != ACCEPTED


def test_direction_rule_id_text_and_defaults() -> None:
    assert (ACCEPTED.direction, ACCEPTED.rule_id) == ("invalid", "hlc.pattern")
    assert (REJECTED.direction, REJECTED.rule_id) == ("valid", "valid.statusclaim")
    assert CRASHED.text == '{"hlc":"\\xff\x00\x1b[31m"}'
    assert (REJECTED.kinds, REJECTED.rules) == (("statusclaim",), (None,))
    assert CRASHED.cause == "KeyError at mysvc/handler.py:12 in handle"


def test_failing_findings_leave_baselined_ones_out() -> None:
    assert make_report().failing == [ACCEPTED, REJECTED, CRASHED]


# -- JSON ---------------------------------------------------------------------------------------


def test_json_report_follows_its_shipped_schema(tmp_path: Path) -> None:
    path = tmp_path / "out" / "report.json"
    write_json(make_report(), path)
    document = json.loads(path.read_text(encoding="utf-8"))
    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(document)
    assert document["format"] == "backbeat-fuzz-report/1"
    assert (document["target"], document["seed"], document["duration"]) == (
        "mysvc.handler",
        1234,
        12.345,
    )
    assert (document["counts"], document["sent"], document["coverage_sent"]) == (COUNTS, 790, 40)
    assert document["skipped"] == ["json.* mutations skipped: the target takes objects"]
    assert document["baseline_notes"] == make_report().baseline_notes
    first, second, third, fourth = document["findings"]
    assert first == {
        "outcome": "false_accept",
        "signature": "false_accept: beatframe hlc",
        "status": "new",
        "kind": "beatframe",
        "message_type": "backbeat.beatframe.v1",
        "rule": "hlc.pattern",
        "message": '{"type":"backbeat.beatframe.v1","hlc":"zz"}',
        "message_base64": base64.b64encode(ACCEPTED.data).decode(),
        "fields": ["hlc"],
        "kinds": ["beatframe"],
        "rules": ["hlc.pattern", "hlc.type"],
        "detail": "returned None",
        "output": "",
        "location": None,
        "corpus_path": "corpus/beatframe/false_accept--beatframe_hlc--0123abcd.json",
        "note": "hlc of letters",
        "witnesses": [
            {
                "kind": "beatframe",
                "rule": "hlc.pattern",
                "note": "hlc of letters",
                "message": '{"hlc":"zz"}',
                "message_base64": base64.b64encode(b'{"hlc":"zz"}').decode(),
            },
            {
                "kind": "beatframe",
                "rule": "hlc.type",
                "note": "a number",
                "message": '{"hlc":1}',
                "message_base64": base64.b64encode(b'{"hlc":1}').decode(),
            },
        ],
    }
    assert (second["outcome"], second["rule"], second["output"]) == ("false_reject", None, "no")
    assert third["message"] == '{"hlc":"\\xff\x00\x1b[31m"}'
    assert base64.b64decode(third["message_base64"]) == CRASHED.data
    assert (third["kinds"], third["location"]) == (
        ["beatframe", "statusclaim"],
        "mysvc/handler.py:12",
    )
    assert (fourth["outcome"], fourth["status"]) == ("hang", "baselined")
    assert not list(path.parent.glob("*.tmp"))


# -- JUnit --------------------------------------------------------------------------------------


def _junit(tmp_path: Path, report: CampaignReport) -> ET.Element:
    path = tmp_path / "junit.xml"
    write_junit(report, path)
    assert path.read_text(encoding="utf-8").startswith("<?xml version='1.0' encoding='utf-8'?>")
    return ET.parse(path).getroot()


def test_junit_report_has_one_failing_case_per_finding(tmp_path: Path) -> None:
    root = _junit(tmp_path, make_report())
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert list(cases) == [
        "beatframe.valid",
        "beatframe.invalid",
        "statusclaim.valid",
        "statusclaim.invalid",
        "barreport.valid",
        "barreport.invalid",
        "beatframe.false_accept.beatframe_hlc",
        "statusclaim.false_reject.HTTP_400_no",
        "beatframe.crash.KeyError_at_mysvc_handler.py_12_in_handle",
        "barreport.hang.hang_at_mysvc_parse.py_40_in_scan",
    ]
    failed = {name for name, case in cases.items() if case.find("failure") is not None}
    assert failed == {
        "beatframe.false_accept.beatframe_hlc",
        "statusclaim.false_reject.HTTP_400_no",
        "beatframe.crash.KeyError_at_mysvc_handler.py_12_in_handle",
    }
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("10", "3", "1")
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("10", "3", "0")
    skipped = cases["barreport.hang.hang_at_mysvc_parse.py_40_in_scan"].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "accepted by the baseline: ticket-123"
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties == {"target": "mysvc.handler", "seed": "1234", "tool_version": "0.1.0"}


def test_junit_failure_holds_signature_outcome_message_and_detail(tmp_path: Path) -> None:
    root = _junit(tmp_path, make_report())
    name = "beatframe.crash.KeyError_at_mysvc_handler.py_12_in_handle"
    crash = root.find(f".//testcase[@name='{name}']/failure")
    assert crash is not None
    assert crash.get("type") == "crash"
    assert crash.get("message") == CRASHED.headline
    assert crash.text == (
        "signature: crash: KeyError at mysvc/handler.py:12 in handle\n"
        "outcome: crash\n"
        "status: new\n"
        "seen on: beatframe, statusclaim (json.invalid_utf8)\n"
        "fields: (none)\n"
        'message: {"hlc":"\\xff\\x00\\x1b[31m"}\n'  # XML cannot hold \x00 or ESC: escaped
        "detail: KeyError: 'hlc'\n  more\n"
        "corpus: corpus/beatframe/crash--KeyError_at_mysvc_handler.py_12_in_handle--89abcdef.json"
    )


def test_junit_names_stay_unique(tmp_path: Path) -> None:
    twin = Finding(
        "false_accept", "false_accept: beatframe hlc!", "beatframe", None, None, b"", "", None
    )
    root = _junit(tmp_path, make_report([ACCEPTED, twin]))
    names = [case.get("name") for case in root.iter("testcase")]
    assert names[-2:] == [
        "beatframe.false_accept.beatframe_hlc",
        "beatframe.false_accept.beatframe_hlc#2",
    ]


def test_junit_without_findings_passes(tmp_path: Path) -> None:
    root = _junit(tmp_path, make_report([]))
    assert root.get("failures") == "0"
    assert len(root.findall(".//testcase")) == 6
    assert root.find(".//failure") is None


# -- SARIF --------------------------------------------------------------------------------------


def check_sarif_shape(document: dict[str, object]) -> None:
    """The fields SARIF 2.1.0 requires, and the ones code-scanning services read."""
    assert document["version"] == "2.1.0"
    assert str(document["$schema"]).endswith("sarif-2.1.0.json")
    runs = document["runs"]
    assert isinstance(runs, list) and runs
    for run in runs:
        driver = run["tool"]["driver"]
        assert isinstance(driver["name"], str) and driver["name"]
        assert "informationUri" not in driver  # optional; there is no page to point to
        rule_ids = [rule["id"] for rule in driver["rules"]]
        assert len(rule_ids) == len(set(rule_ids))
        for rule in driver["rules"]:
            assert rule["shortDescription"]["text"]
        for result in run["results"]:
            assert result["message"]["text"]
            assert "\n" not in result["message"]["text"]
            assert result["ruleId"] == rule_ids[result["ruleIndex"]]
            assert result["level"] in ("none", "note", "warning", "error")
            for location in result.get("locations", []):
                assert location["physicalLocation"]["artifactLocation"]["uri"]


def _sarif(tmp_path: Path, report: CampaignReport) -> dict[str, object]:
    path = tmp_path / "report.sarif"
    write_sarif(report, path)
    document = json.loads(path.read_text(encoding="utf-8"))
    check_sarif_shape(document)
    return document


def test_sarif_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    absolute = Finding(
        "crash", "crash: x", "beatframe", None, None, b"{}", "boom", str(tmp_path / "c" / "x.json")
    )
    document = _sarif(tmp_path, make_report([ACCEPTED, REJECTED, CRASHED, BASELINED, absolute]))
    (run,) = document["runs"]  # type: ignore[misc]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("backbeat-fuzz", "0.1.0")
    assert [rule["id"] for rule in driver["rules"]] == [
        "backbeat/false_reject",
        "backbeat/false_accept",
        "backbeat/crash",
        "backbeat/hang",
    ]
    results = run["results"]
    assert len(results) == 5  # one result per finding
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("backbeat/false_accept", "error"),
        ("backbeat/false_reject", "error"),
        ("backbeat/crash", "error"),
        ("backbeat/hang", "note"),
        ("backbeat/crash", "error"),
    ]
    assert results[0]["message"]["text"] == ACCEPTED.headline
    assert results[0]["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {
                    "uri": "corpus/beatframe/false_accept--beatframe_hlc--0123abcd.json",
                    "uriBaseId": "%SRCROOT%",
                }
            }
        }
    ]
    assert "locations" not in results[1]
    # a crash points at the consumer's own source line, which the target reported
    assert results[2]["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "mysvc/handler.py", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 12},
            }
        }
    ]
    assert results[4]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "c/x.json"
    assert results[0]["partialFingerprints"] != results[4]["partialFingerprints"]
    assert results[2]["properties"]["message"] == CRASHED.text
    assert results[2]["properties"]["signature"] == CRASHED.signature


def test_sarif_without_findings(tmp_path: Path) -> None:
    run = _sarif(tmp_path, make_report([]))["runs"][0]  # type: ignore[index]
    assert run["results"] == []


# -- the text summary ---------------------------------------------------------------------------


def test_summary_groups_findings_by_outcome_then_kind_and_closes_with_a_table() -> None:
    summary = render_summary(make_report())
    lines = summary.splitlines()
    sections = [line for line in lines if line and not line.startswith(" ")]
    assert sections == [
        "backbeat-fuzz 0.1.0: target mysvc.handler, seed 1234",
        "false_reject (1)",
        "false_accept (1)",
        "crash (1)",
        "hang (1)",
        "skipped: json.* mutations skipped: the target takes objects",
        "baseline: baseline entry 1 (crash beatframe hlc.pattern) expired on 2026-01-01",
        "summary",
    ]
    assert "  2. accepts invalid hlc  [hlc]" in lines  # numbered in print order
    assert '     changed: hlc="zz"' in lines
    assert "     witnesses: hlc.pattern: hlc of letters; hlc.type: a number" in lines
    assert lines[-7:] == [
        "                 beatframe  statusclaim  barreport  total",
        "  false_reject           0            1          0      1",
        "  false_accept           1            0          0      1",
        "  crash                  1            0          0      1",
        "  hang                   0            0          1      1",
        "  messages sent        500          250         40    790",
        "  4 findings (3 new, 0 known, 1 baselined); 790 messages sent "
        "(40 in the coverage phase); 12.3s; seed 1234",
    ]


def test_each_finding_ends_with_the_line_that_reproduces_it() -> None:
    lines = render_summary(make_report([ACCEPTED])).splitlines()
    assert (
        "     reproduce: backbeat-fuzz replay --target mysvc.handler "
        "corpus/beatframe/false_accept--beatframe_hlc--0123abcd.json"
    ) in lines
    http = replay_command(ACCEPTED, "http://127.0.0.1:8080/beat")
    assert http[1] == (
        "curl -sS -X POST -H 'Content-Type: application/json' --data-binary "
        "@corpus/beatframe/false_accept--beatframe_hlc--0123abcd.json http://127.0.0.1:8080/beat"
    )
    assert replay_command(REJECTED, "mysvc.handler") == []  # not saved: nothing to replay


def test_summary_escapes_control_characters_and_colours_only_when_asked() -> None:
    summary = render_summary(make_report([CRASHED]))
    assert '     {"hlc":"\\xff\\x00\\x1b[31m"}' in summary
    assert "     detail: KeyError: 'hlc'\\n more" in summary
    assert "\x1b" not in summary
    assert "\x00" not in summary
    coloured = render_summary(make_report([CRASHED]), color=True)
    assert "\x1b[31m" in coloured  # crash in red


def test_summary_without_findings() -> None:
    report = CampaignReport("cmd:true", 1, "0.1.0", {"beatframe": {"valid": 3, "invalid": 4}})
    summary = render_summary(report)
    assert "\nno findings: valid messages were accepted and invalid ones rejected\n" in summary
    assert summary.endswith(
        "0 known, 0 baselined); 7 messages sent (0 in the coverage phase); 0.0s; seed 1\n"
    )
