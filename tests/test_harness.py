"""The campaign engine: each outcome class, shrinking that keeps its rule, every distinct finding
in one run, findings on disk as found, replay of the planned units, planning, and Hypothesis's
``ci`` profile.

Consumers live in ``tests/consumers`` (the reference validator plus bugs planted on purpose), so
the findings each campaign must report are known exactly.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from _fuzzing import assert_findings_are_true, fuzz_process, put_consumers_on_path

from backbeat_fuzz import MessageValidator
from backbeat_fuzz.errors import UsageError
from backbeat_fuzz.findings import FindingStatus
from backbeat_fuzz.harness import CampaignConfig, Progress, Unit, plan_units, run_campaign
from backbeat_fuzz.model import canonical_text
from backbeat_fuzz.report import CampaignReport

PLANTED = "consumers.planted"
NEWLINE_HLC = ("hlc.pattern",)


@pytest.fixture
def workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A fresh working folder, with the test consumers importable by the target worker."""
    return put_consumers_on_path(monkeypatch, tmp_path)


def _config(target: str, **changes: Any) -> CampaignConfig:
    options: dict[str, Any] = {
        "target": target,
        "kinds": ("beatframe",),
        "max_examples": 30,
        "seed": 1,
        "database": None,
        "corpus_dir": Path("corpus"),
    }
    options.update(changes)
    return CampaignConfig(**options)


def _keys(report: CampaignReport) -> set[tuple[str, str, str | None]]:
    return {(f.outcome.value, f.kind, f.rule) for f in report.findings}


def _corpus_messages(folder: Path) -> dict[str, bytes]:
    """Message file name -> bytes, for every entry of a corpus folder."""
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.glob("*/*.json"))
        if not p.name.endswith(".meta.json")
    }


# -- outcome classes --------------------------------------------------------------------------


@pytest.mark.usefixtures("workdir")
def test_three_planted_bugs_are_all_found_in_one_run() -> None:
    report = run_campaign(_config(f"{PLANTED}:three_bugs", max_examples=60))
    assert _keys(report) == {
        ("false_reject", "beatframe", None),
        ("crash", "beatframe", "required.window_id"),
        ("false_accept", "beatframe", "hlc.pattern"),
    }
    assert_findings_are_true(report.to_dict()["findings"])
    crash = next(f for f in report.findings if f.outcome == "crash")
    assert crash.detail.startswith("KeyError: 'window_id' (at ")
    for finding in report.findings:  # each on disk, exactly as reported
        assert finding.corpus_path is not None
        assert Path(finding.corpus_path).read_bytes() == finding.data
    assert len(_corpus_messages(Path("corpus"))) == 3  # first-seen messages replaced, not kept


@pytest.mark.usefixtures("workdir")
def test_two_outcomes_on_one_rule_are_both_reported() -> None:
    report = run_campaign(_config(f"{PLANTED}:two_outcomes_one_rule", rules=NEWLINE_HLC))
    assert _keys(report) == {
        ("false_accept", "beatframe", "hlc.pattern"),
        ("crash", "beatframe", "hlc.pattern"),
    }
    by_outcome = {f.outcome.value: json.loads(f.data)["hlc"] for f in report.findings}
    assert by_outcome["false_accept"].endswith("\n")
    assert not by_outcome["crash"].endswith("\n")


@pytest.mark.usefixtures("workdir")
def test_a_hang_is_reported_and_the_run_finishes() -> None:
    config = _config(f"{PLANTED}:loops_on_hlc_newline", rules=NEWLINE_HLC, timeout=0.5)
    report = run_campaign(config)
    assert _keys(report) == {("hang", "beatframe", "hlc.pattern")}
    assert report.findings[0].detail == "no answer within 0.5s"
    assert json.loads(report.findings[0].data)["hlc"].endswith("\n")
    assert report.duration < 30  # at most a few hangs are waited for, then the unit moves on


@pytest.mark.usefixtures("workdir")
def test_a_target_that_kills_its_process_costs_one_input() -> None:
    on_disk_when_next_unit_ran: list[bool] = []

    def watch(progress: Progress) -> None:
        if progress.unit == Unit("beatframe", "window_id.pattern"):
            on_disk_when_next_unit_ran.append(any(Path("corpus").glob("*/crash--*.json")))

    rules = ("hlc.pattern", "window_id.pattern")
    config = _config(f"{PLANTED}:exits_on_hlc_newline", rules=rules)
    report = run_campaign(config, on_progress=watch)
    assert _keys(report) == {
        ("crash", "beatframe", "hlc.pattern"),
        ("false_accept", "beatframe", "window_id.pattern"),  # found after the death: it went on
    }
    crash = next(f for f in report.findings if f.outcome == "crash")
    assert crash.detail == "the worker process died: exit code 3"
    assert on_disk_when_next_unit_ran and all(on_disk_when_next_unit_ran)


# -- shrinking --------------------------------------------------------------------------------


@pytest.mark.usefixtures("workdir")
def test_the_demo_hlc_bug_shrinks_to_the_readme_message_with_only_hlc_changed(
    readme_messages: dict[str, dict[str, Any]], validator: MessageValidator
) -> None:
    report = run_campaign(_config("backbeat_fuzz.demo:handle", rules=NEWLINE_HLC))
    expected = readme_messages["beatframe"] | {"hlc": readme_messages["beatframe"]["hlc"] + "\n"}
    assert _keys(report) == {("false_accept", "beatframe", "hlc.pattern")}
    finding = report.findings[0]
    assert finding.data == canonical_text(expected).encode()
    assert Path(str(finding.corpus_path)).read_bytes() == finding.data
    assert validator.validate_message_string(finding.data).rules == {"hlc.pattern"}


@pytest.mark.usefixtures("workdir")
def test_no_demo_finding_drifts_from_its_rule() -> None:
    report = run_campaign(_config("backbeat_fuzz.demo:handle", max_examples=60))
    assert len(report.findings) > 20
    assert_findings_are_true(report.to_dict()["findings"])


# -- replay and planning ----------------------------------------------------------------------


@pytest.mark.usefixtures("workdir")
def test_corpus_entries_are_replayed_for_the_planned_units_only() -> None:
    first = run_campaign(_config(f"{PLANTED}:three_bugs", max_examples=60))
    assert len(first.findings) == 3

    focused = run_campaign(_config(f"{PLANTED}:three_bugs", rules=NEWLINE_HLC, max_examples=1))
    assert _keys(focused) == {("false_accept", "beatframe", "hlc.pattern")}
    assert focused.findings[0].status is FindingStatus.KNOWN  # replayed: known, not new
    assert focused.findings[0].note == "trailing newline"

    elsewhere = run_campaign(_config(f"{PLANTED}:three_bugs", rules=("phase.enum",)))
    assert elsewhere.findings == []


@pytest.mark.usefixtures("workdir")
def test_shards_split_the_units_and_replay_only_their_own_entries() -> None:
    config = _config(f"{PLANTED}:three_bugs", max_examples=60)
    whole = run_campaign(config)
    units = {i: plan_units(replace(config, shard=(i, 2)), "str")[0] for i in range(2)}
    assert not set(units[0]) & set(units[1])
    for index in range(2):
        report = run_campaign(replace(config, shard=(index, 2), max_examples=1))
        assert {Unit(f.kind, f.rule) for f in report.findings} <= set(units[index])
        mine = {k for k in _keys(whole) if Unit(k[1], k[2]) in units[index]}
        assert _keys(report) == mine  # every entry of its units replayed, no other shard's


def test_plan_units_selects_kinds_once_and_notes_what_the_input_mode_excludes() -> None:
    config = _config("x.y", kinds=("beatframe", "backbeat.beatframe.v1"), rules=("json.*",))
    units, notes = plan_units(config, "str")
    assert len(units) == len(set(units))
    assert {u.kind for u in units} == {"beatframe"}
    assert Unit("beatframe", "json.invalid_utf8") not in units
    assert notes == ["beatframe: json.invalid_utf8 not sent: the target takes str"]
    assert Unit("beatframe", "json.invalid_utf8") in plan_units(config, "bytes")[0]
    assert plan_units(config, "object")[0] == []


@pytest.mark.usefixtures("workdir")
def test_a_selection_the_target_cannot_receive_is_a_usage_error() -> None:
    config = _config(f"{PLANTED}:three_bugs", rules=("json.nan",), input_mode="object")
    with pytest.raises(UsageError, match=r"^nothing to send: beatframe: json.nan not sent"):
        run_campaign(config)


# -- Hypothesis's ci profile ------------------------------------------------------------------


def _ci_run(workdir: Path, name: str, seed: int) -> tuple[list[str], Path]:
    """A campaign under CI=true; the messages the consumer received, and its database folder."""
    log, database = workdir / f"{name}.log", workdir / f"{name}-db"
    proc = fuzz_process(
        "--target",
        f"{PLANTED}:recording",
        "--kind",
        "beatframe",
        "--max-examples",
        "20",
        "--seed",
        seed,
        "--database",
        database,
        "--corpus",
        workdir / f"{name}-corpus",
        "--quiet",
        "--no-coverage",  # what reaches the consumer is then Hypothesis's alone
        env={"CI": "true", "BACKBEAT_TEST_LOG": str(log)},
    )
    assert proc.returncode == 1, proc.stderr
    return log.read_text(encoding="utf-8").splitlines(), database


def test_under_ci_true_the_database_is_used_and_seeds_are_honoured(workdir: Path) -> None:
    one, database = _ci_run(workdir, "one", seed=1)
    again, _ = _ci_run(workdir, "again", seed=1)
    other, _ = _ci_run(workdir, "other", seed=2)
    assert [p for p in database.rglob("*") if p.is_file()], "nothing saved to --database"
    assert one == again  # the seed decides the run...
    assert one != other  # ...so the ci profile's derandomize=True is not in force


# -- duration ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("workdir")
def test_a_duration_shares_the_time_between_every_rule() -> None:
    """A huge budget capped by --duration must not be spent on the first units alone."""
    config = _config(
        f"{PLANTED}:accept_all", kinds=("statusclaim",), max_examples=10**6, duration=12.0
    )
    report = run_campaign(config)
    units, _ = plan_units(config, "str")
    invalid_rules = {u.rule for u in units if u.rule is not None and not u.probe}
    found = {r for f in report.findings if f.outcome.value == "false_accept" for r in f.rules}
    assert found == invalid_rules
    assert report.counts["statusclaim"]["valid"] > 0
    assert any("--duration reached" in note for note in report.skipped)


def test_plan_units_selects_rules_as_the_strategies_do() -> None:
    """An exact rule name is that rule alone; a field is every rule below it."""
    exact = plan_units(_config("x.y", kinds=("barreport",), rules=("required.issues",)), "str")[0]
    assert [u.key for u in exact] == ["barreport/invalid/required.issues"]
    field = plan_units(_config("x.y", kinds=("barreport",), rules=("issues",)), "str")[0]
    rules = {u.rule for u in field}
    assert {"required.issues", "issues.type", "required.issues[].code"} <= rules
    assert all(r is not None and "issues" in r for r in rules)
