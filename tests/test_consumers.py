"""Real consumers through the whole campaign: no false report against a correct one, and the
true nonconformances of the demo, of ``jsonschema`` with its defaults and of a lax pydantic
model.

Every finding is re-judged by the reference validator (:func:`assert_findings_are_true`): a
false accept must be of a message it rejects with the finding's rule, a false reject of a
message it accepts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _fuzzing import (
    DEMO,
    assert_findings_are_true,
    campaign_args,
    finding_keys,
    fuzz,
    put_consumers_on_path,
    read_report,
)


@pytest.fixture
def workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A fresh working folder, with the test consumers importable by the target worker."""
    return put_consumers_on_path(monkeypatch, tmp_path)


def _campaign(target: str, *extra: str, expect_exit: int) -> dict[str, Any]:
    """Run a campaign with the CLI; return its JSON report after checking the exit code."""
    result = fuzz(*campaign_args(target, Path("corpus"), "--report-json", "r.json", *extra))
    assert result.exit_code == expect_exit, result.output
    return read_report(Path("r.json"))


@pytest.mark.usefixtures("workdir")
@pytest.mark.parametrize(
    ("target", "mode"),
    [
        ("consumers.reference:handle_text", "str"),
        ("consumers.reference:handle_text", "bytes"),
        ("consumers.reference:handle_object", "object"),
    ],
)
def test_the_reference_validator_as_a_consumer_gets_no_finding(target: str, mode: str) -> None:
    report = _campaign(target, "--input", mode, "--max-examples", "300", expect_exit=0)
    assert report["findings"] == []
    assert set(report["counts"]) == {"beatframe", "statusclaim", "barreport"}
    for kind, cell in report["counts"].items():
        assert cell["valid"] >= 50 and cell["invalid"] >= 50, (kind, cell)


@pytest.mark.usefixtures("workdir")
def test_every_demo_finding_is_true_and_its_documented_bugs_are_found() -> None:
    report = _campaign(DEMO, "--max-examples", "60", expect_exit=1)
    assert_findings_are_true(report["findings"])
    assert {
        ("false_accept", "beatframe", "json.duplicate_key"),  # json.loads keeps the last key
        ("crash", "beatframe", "required.hlc"),  # KeyError
        ("false_accept", "beatframe", "beat_index.type"),  # isinstance(True, int)
        ("false_accept", "beatframe", "hlc.pattern"),  # $ before a trailing newline
        ("false_accept", "beatframe", "phase.enum"),  # compared case-insensitively
        ("false_accept", "beatframe", "deadline_at.format"),  # fromisoformat takes a bare date
        ("false_reject", "beatframe", None),  # tempo_bpm > 0.1, or upper-case hlc hex
        ("false_reject", "statusclaim", None),  # ASCII-only notes, or upper-case hlc hex
        ("false_accept", "barreport", "rules.on_time_reviews_le_agents_reporting"),
    } <= finding_keys(report["findings"])


@pytest.mark.usefixtures("workdir")
def test_jsonschema_with_its_defaults_misses_formats_newlines_and_json_text_rules() -> None:
    report = _campaign(
        "consumers.jsonschema_default:handle", "--max-examples", "200", expect_exit=1
    )
    assert_findings_are_true(report["findings"])
    found = finding_keys(report["findings"])
    assert {
        ("false_accept", "beatframe", "deadline_at.format"),  # no format checker by default
        ("false_accept", "beatframe", "hlc.pattern"),  # re's $ matches before "\n"
        ("false_accept", "beatframe", "json.nan"),  # json.loads takes NaN
        ("false_accept", "beatframe", "json.duplicate_key"),  # json.loads keeps the last
        ("false_accept", "statusclaim", "json.lone_surrogate"),  # json.loads takes "\ud800"
        ("false_accept", "barreport", "rules.from_beat_le_to_beat"),  # not JSON Schema
        ("false_accept", "barreport", "rules.on_time_reviews_le_agents_reporting"),
    } <= found
    assert {outcome for outcome, _, _ in found} == {"false_accept"}  # never rejects valid ones


@pytest.mark.usefixtures("workdir")
def test_a_lax_pydantic_model_accepts_values_of_the_wrong_type() -> None:
    target = "consumers.pydantic_lax:handle"
    report = _campaign(target, "--kind", "beatframe", "--max-examples", "100", expect_exit=1)
    assert_findings_are_true(report["findings"])
    found = finding_keys(report["findings"])
    assert {
        ("false_accept", "beatframe", "beat_index.type"),  # "1337" and true pass as an int
        ("false_accept", "beatframe", "downbeat.type"),  # "false" passes as a bool
        ("false_accept", "beatframe", "deadline_at.format"),  # a plain str field
        ("false_accept", "beatframe", "json.duplicate_key"),
    } <= found
    assert ("false_accept", "beatframe", "hlc.pattern") not in found  # no $-before-newline
