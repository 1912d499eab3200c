"""Reports: the JSON, JUnit XML and SARIF writers and the text summary, from one built report."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from backbeat_fuzz.model import Outcome
from backbeat_fuzz.report import (
    CampaignReport,
    Finding,
    render_summary,
    write_json,
    write_junit,
    write_sarif,
)

ACCEPTED = Finding(
    outcome=Outcome.FALSE_ACCEPT,
    kind="beatframe",
    message_type="backbeat.beatframe.v1",
    rule="hlc.pattern",
    data=b'{"type":"backbeat.beatframe.v1","hlc":"zz"}',
    detail="returned None",
    corpus_path="corpus/beatframe/false_accept--hlc.pattern--0123abcd.json",
    note="hlc of letters",
)
REJECTED = Finding(
    outcome=Outcome.FALSE_REJECT,
    kind="statusclaim",
    message_type="backbeat.statusclaim.v1",
    rule=None,
    data=b'{"type":"backbeat.statusclaim.v1"}',
    detail="HTTP 400 (body: no)",
    corpus_path=None,
)
CRASHED = Finding(
    outcome=Outcome.CRASH,
    kind="beatframe",
    message_type=None,
    rule="json.invalid_utf8",
    data=b'{"hlc":"\xff\x00\x1b[31m"}',
    detail="KeyError: 'hlc'\n  more",
    corpus_path="corpus/beatframe/crash--json.invalid_utf8--89abcdef.json",
)
BASELINED = Finding(
    outcome=Outcome.HANG,
    kind="barreport",
    message_type="backbeat.barreport.v1",
    rule="json.nan",
    data=b'{"x":NaN}',
    detail="no answer within 2.0s",
    corpus_path=None,
    note="ticket-123",
    baselined=True,
)
COUNTS = {
    "beatframe": {"valid": 100, "invalid": 400},
    "statusclaim": {"valid": 50, "invalid": 200},
    "barreport": {"valid": 10, "invalid": 30},
}


def make_report(failures: list[Finding] | None = None) -> CampaignReport:
    return CampaignReport(
        target="mysvc.handler",
        seed=1234,
        tool_version="0.1.0",
        counts=COUNTS,
        failures=[ACCEPTED, REJECTED, CRASHED, BASELINED] if failures is None else failures,
        skipped=["json.* mutations skipped: the target takes objects"],
        duration=12.345,
        baseline_notes=["baseline entry 1 (crash beatframe hlc.pattern) expired on 2026-01-01"],
    )


# -- Finding ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("finding", "headline"),
    [
        (ACCEPTED, "false_accept: beatframe message breaking hlc.pattern was accepted"),
        (REJECTED, "false_reject: valid statusclaim message was rejected (HTTP 400 (body: no))"),
        (
            CRASHED,
            "crash: beatframe message breaking json.invalid_utf8 crashed the target "
            "(KeyError: 'hlc' more)",
        ),
        (
            BASELINED,
            "hang: barreport message breaking json.nan got no answer (no answer within 2.0s)",
        ),
    ],
)
def test_headline_is_one_line(finding: Finding, headline: str) -> None:
    assert finding.headline == headline


def test_findings_are_equal_by_outcome_kind_and_rule() -> None:
    other_message = Finding(
        "false_accept", "beatframe", None, "hlc.pattern", b"{}", "other", None, baselined=True
    )
    assert other_message == ACCEPTED
    assert hash(other_message) == hash(ACCEPTED)
    assert other_message.outcome is Outcome.FALSE_ACCEPT
    assert len({ACCEPTED, other_message, REJECTED}) == 2
    assert Finding("crash", "beatframe", None, "hlc.pattern", b"{}", "", None) != ACCEPTED


def test_direction_rule_id_and_text() -> None:
    assert (ACCEPTED.direction, ACCEPTED.rule_id) == ("invalid", "hlc.pattern")
    assert (REJECTED.direction, REJECTED.rule_id) == ("valid", "valid.statusclaim")
    assert CRASHED.text == '{"hlc":"\\xff\x00\x1b[31m"}'


def test_new_failures_leave_baselined_ones_out() -> None:
    assert make_report().new_failures == [ACCEPTED, REJECTED, CRASHED]


# -- JSON ---------------------------------------------------------------------------------------


def test_json_report(tmp_path: Path) -> None:
    path = tmp_path / "out" / "report.json"
    write_json(make_report(), path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert list(document) == [
        "target",
        "seed",
        "tool_version",
        "duration",
        "counts",
        "skipped",
        "failures",
        "baseline_notes",
    ]
    assert (document["target"], document["seed"], document["duration"]) == (
        "mysvc.handler",
        1234,
        12.345,
    )
    assert document["counts"] == COUNTS
    assert document["skipped"] == ["json.* mutations skipped: the target takes objects"]
    assert document["baseline_notes"] == make_report().baseline_notes
    first, second, third, fourth = document["failures"]
    assert first == {
        "kind": "false_accept",
        "message_kind": "beatframe",
        "message_type": "backbeat.beatframe.v1",
        "rule": "hlc.pattern",
        "message": '{"type":"backbeat.beatframe.v1","hlc":"zz"}',
        "message_base64": base64.b64encode(ACCEPTED.data).decode(),
        "detail": "returned None",
        "corpus_path": "corpus/beatframe/false_accept--hlc.pattern--0123abcd.json",
        "note": "hlc of letters",
        "baselined": False,
    }
    assert (second["kind"], second["rule"], second["corpus_path"]) == ("false_reject", None, None)
    assert third["message"] == '{"hlc":"\\xff\x00\x1b[31m"}'
    assert base64.b64decode(third["message_base64"]) == CRASHED.data
    assert (fourth["kind"], fourth["baselined"]) == ("hang", True)
    assert not list(path.parent.glob("*.tmp"))


# -- JUnit --------------------------------------------------------------------------------------


def _junit(tmp_path: Path, report: CampaignReport) -> ET.Element:
    path = tmp_path / "junit.xml"
    write_junit(report, path)
    assert path.read_text(encoding="utf-8").startswith("<?xml version='1.0' encoding='utf-8'?>")
    return ET.parse(path).getroot()


def test_junit_report(tmp_path: Path) -> None:
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
        "beatframe.invalid.false_accept.hlc.pattern",
        "statusclaim.valid.false_reject.valid.statusclaim",
        "beatframe.invalid.crash.json.invalid_utf8",
        "barreport.invalid.hang.json.nan",
    ]
    failed = {name for name, case in cases.items() if case.find("failure") is not None}
    assert failed == {
        "beatframe.invalid",
        "statusclaim.valid",
        "beatframe.invalid.false_accept.hlc.pattern",
        "statusclaim.valid.false_reject.valid.statusclaim",
        "beatframe.invalid.crash.json.invalid_utf8",
    }
    cell = cases["beatframe.invalid"].find("failure")
    assert cell is not None
    assert cell.get("message") == "2 findings: 1 false_accept, 1 crash"
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("10", "5", "1")
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("10", "5", "0")
    skipped = cases["barreport.invalid.hang.json.nan"].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "accepted by the baseline: ticket-123"
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties == {"target": "mysvc.handler", "seed": "1234", "tool_version": "0.1.0"}


def test_junit_failure_holds_rule_outcome_message_and_detail(tmp_path: Path) -> None:
    root = _junit(tmp_path, make_report())
    crash = root.find(".//testcase[@name='beatframe.invalid.crash.json.invalid_utf8']/failure")
    assert crash is not None
    assert crash.get("type") == "crash"
    assert crash.get("message") == CRASHED.headline
    assert crash.text == (
        "rule: json.invalid_utf8\n"
        "outcome: crash\n"
        'message: {"hlc":"\\xff\\x00\\x1b[31m"}\n'  # XML cannot hold \x00 or ESC: escaped
        "detail: KeyError: 'hlc'\n  more\n"
        "corpus: corpus/beatframe/crash--json.invalid_utf8--89abcdef.json"
    )


def test_junit_names_stay_unique(tmp_path: Path) -> None:
    twin = Finding("false_accept", "beatframe", None, "hlc.pattern", b"[]", "", None)
    root = _junit(tmp_path, make_report([ACCEPTED, twin]))
    names = [case.get("name") for case in root.iter("testcase")]
    assert names[-2:] == [
        "beatframe.invalid.false_accept.hlc.pattern",
        "beatframe.invalid.false_accept.hlc.pattern#2",
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


def _sarif(tmp_path: Path, report: CampaignReport, **options: object) -> dict[str, object]:
    path = tmp_path / "report.sarif"
    write_sarif(report, path, **options)  # type: ignore[arg-type]
    document = json.loads(path.read_text(encoding="utf-8"))
    check_sarif_shape(document)
    return document


def test_sarif_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    absolute = Finding(
        "crash", "beatframe", None, "hlc.pattern", b"{}", "boom", str(tmp_path / "c" / "x.json")
    )
    document = _sarif(tmp_path, make_report([ACCEPTED, REJECTED, CRASHED, BASELINED, absolute]))
    (run,) = document["runs"]  # type: ignore[misc]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("backbeat-fuzz", "0.1.0")
    assert {rule["id"]: rule["shortDescription"]["text"] for rule in driver["rules"]} == {
        "hlc.pattern": "must be rejected: a message breaking hlc.pattern",
        "valid.statusclaim": "must be accepted: a valid statusclaim message",
        "json.invalid_utf8": "must be rejected: bytes that are not valid UTF-8",
        "json.nan": "must be rejected: a NaN literal, which JSON does not have",
    }
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("hlc.pattern", "error"),
        ("valid.statusclaim", "error"),
        ("json.invalid_utf8", "error"),
        ("json.nan", "note"),
        ("hlc.pattern", "error"),
    ]
    assert results[0]["message"]["text"] == (
        "false_accept: beatframe message breaking hlc.pattern was accepted"
    )
    assert results[0]["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {
                    "uri": "corpus/beatframe/false_accept--hlc.pattern--0123abcd.json",
                    "uriBaseId": "%SRCROOT%",
                }
            }
        }
    ]
    assert "locations" not in results[1]
    assert results[4]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "c/x.json"
    assert results[0]["partialFingerprints"] != results[4]["partialFingerprints"]
    assert results[2]["properties"]["message"] == CRASHED.text


def test_sarif_rule_descriptions_can_be_given(tmp_path: Path) -> None:
    document = _sarif(
        tmp_path, make_report([ACCEPTED]), rule_descriptions={"hlc.pattern": "hlc is HH:MM:SS"}
    )
    rules = document["runs"][0]["tool"]["driver"]["rules"]  # type: ignore[index]
    assert rules == [{"id": "hlc.pattern", "shortDescription": {"text": "hlc is HH:MM:SS"}}]


def test_sarif_without_findings(tmp_path: Path) -> None:
    run = _sarif(tmp_path, make_report([]))["runs"][0]  # type: ignore[index]
    assert (run["results"], run["tool"]["driver"]["rules"]) == ([], [])


# -- the text summary ---------------------------------------------------------------------------


def test_summary_layout() -> None:
    assert render_summary(make_report([ACCEPTED, BASELINED])) == (
        "backbeat-fuzz 0.1.0: target mysvc.handler, seed 1234, 12.3s\n"
        "\n"
        "kind         direction  examples  findings\n"
        "beatframe    valid           100  0\n"
        "beatframe    invalid         400  1\n"
        "statusclaim  valid            50  0\n"
        "statusclaim  invalid         200  0\n"
        "barreport    valid            10  0\n"
        "barreport    invalid          30  1 (1 baselined)\n"
        "\n"
        "skipped: json.* mutations skipped: the target takes objects\n"
        "\n"
        "baseline: baseline entry 1 (crash beatframe hlc.pattern) expired on 2026-01-01\n"
        "\n"
        "2 findings (1 new, 1 baselined):\n"
        "\n"
        "1. false_accept  beatframe  hlc.pattern\n"
        '   message: {"type":"backbeat.beatframe.v1","hlc":"zz"}\n'
        "   detail:  returned None\n"
        "   corpus:  corpus/beatframe/false_accept--hlc.pattern--0123abcd.json\n"
        "   note:    hlc of letters\n"
        "\n"
        "2. hang  barreport  json.nan  [baselined]\n"
        '   message: {"x":NaN}\n'
        "   detail:  no answer within 2.0s\n"
        "   corpus:  (not saved)\n"
        "   note:    ticket-123\n"
    )


def test_summary_escapes_control_characters() -> None:
    summary = render_summary(make_report([CRASHED]))
    assert '   message: {"hlc":"\\xff\\x00\\x1b[31m"}\n' in summary
    assert "   detail:  KeyError: 'hlc'\\n  more\n" in summary
    assert "\x1b" not in summary
    assert "\x00" not in summary


def test_summary_without_findings() -> None:
    report = CampaignReport("cmd:true", 1, "0.1.0", {"beatframe": {"valid": 3, "invalid": 4}})
    assert render_summary(report).endswith(
        "beatframe  invalid           4  0\n"
        "\n"
        "no findings: valid messages were accepted and invalid ones rejected\n"
    )
