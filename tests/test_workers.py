"""Shards and workers: budgets from the whole plan, units dealt by cost, ``--workers N`` with one
merged report, and ``merge`` of shard reports run elsewhere.

The consumer has seven known bugs (``consumers.multibug:seven_bugs``), so "the same findings"
is checked against what one unsharded run with the same seed finds.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from _fuzzing import FUZZ, fuzz, put_consumers_on_path, sigint_reaches_children
from hypothesis import given, settings
from hypothesis import strategies as st

from backbeat_fuzz._workqueue import Cover, Done, Explore, Schedule, Whole
from backbeat_fuzz.baseline import Baseline, BaselineEntry, load_baseline, save_baseline
from backbeat_fuzz.campaign.planning import budgets, coverage_sizes, plan_all, unit_costs
from backbeat_fuzz.campaign.runner import HANG_BUDGET
from backbeat_fuzz.errors import InfrastructureError
from backbeat_fuzz.harness import (
    CampaignConfig,
    Runner,
    Unit,
    plan_units,
    run_campaign,
    split_units,
)
from backbeat_fuzz.report import CampaignReport, merge_reports, read_json, write_json
from backbeat_fuzz.workers import run_workers

SEVEN = "consumers.multibug:seven_bugs"
SLOW = "consumers.multibug:slow_correct"


@pytest.fixture
def workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return put_consumers_on_path(monkeypatch, tmp_path)


def _config(**changes: Any) -> CampaignConfig:
    options: dict[str, Any] = {
        "target": SEVEN,
        "max_examples": 12,
        "seed": 5,
        "database": None,
        "corpus_dir": None,
    }
    options.update(changes)
    return CampaignConfig(**options)


def _found(report: CampaignReport) -> set[tuple[str, str]]:
    return {(f.outcome.value, f.signature) for f in report.findings}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One unsharded run, its two shards, and --workers 2: same seed, target and budget."""
    folder = tmp_path_factory.mktemp("runs")
    with pytest.MonkeyPatch.context() as monkeypatch:
        put_consumers_on_path(monkeypatch, folder)
        whole = run_campaign(_config())
        shards = [run_campaign(_config(shard=(i, 2))) for i in range(2)]
        workers = run_workers(_config(corpus_dir=folder / "corpus"), 2)
    return {"whole": whole, "shards": shards, "workers": workers, "folder": folder}


def test_shards_partition_the_plan_deterministically_with_the_whole_plans_budgets() -> None:
    config = _config(max_examples=100)
    whole, _ = plan_all(config, "str")
    budget = budgets(config, whole)
    for count in (2, 3, 7):
        shards = split_units(config, whole, "str", count)
        assert split_units(config, whole, "str", count) == shards  # the same in every process
        assert sorted((u for s in shards for u in s), key=whole.index) == whole
        assert sum(map(len, shards)) == len(whole)
        for index, shard in enumerate(shards):
            assert plan_units(replace(config, shard=(index, count)), "str")[0] == shard
            assert budgets(config, whole) == budget  # planned before the split, never per shard


def test_shards_are_balanced_by_cost_within_one_unit() -> None:
    config = _config(max_examples=100)
    whole, _ = plan_all(config, "str")
    budget, covered = budgets(config, whole), coverage_sizes(config, whole, "str")
    cost = {u: covered[u] + (budget[u] or 0) for u in whole}
    for count in (2, 3):
        loads = [sum(cost[u] for u in shard) for shard in split_units(config, whole, "str", count)]
        assert max(loads) - min(loads) <= max(cost.values())


def test_two_shards_find_what_one_run_finds_and_send_as_many_messages(
    runs: dict[str, Any],
) -> None:
    whole, shards = runs["whole"], runs["shards"]
    assert len(_found(whole)) >= 5, "the planted bugs were not found: the test proves nothing"
    assert _found(shards[0]) | _found(shards[1]) == _found(whole)
    assert shards[0].coverage_sent + shards[1].coverage_sent == whole.coverage_sent
    # Each process answers a message sent twice from its own memory: a message both shards
    # make (the README example, a shrink target) is sent once per shard, so they may send a
    # few more, never fewer beyond what one shard's shrinking of a bug the other found costs.
    total = shards[0].sent + shards[1].sent
    assert abs(total - whole.sent) <= 0.05 * whole.sent, (total, whole.sent)


RECORDING = "consumers.recording:recording"


def _received(folder: Path) -> Counter[str]:
    """Every message the recording consumer's processes received, counted."""
    return Counter(line for path in folder.glob("*.sent") for line in path.read_text().split())


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A correct consumer's inbox and each unit's sends: one run, its two shards, --workers 2.

    Per-unit sends are counted in this process (the shards run here); the inbox, written by
    the target's processes, also sees what spawned workers send.
    """
    folder = tmp_path_factory.mktemp("recorded")
    sent: Counter[str] = Counter()
    original = Runner.send

    def send(runner: Runner, unit: Unit, data: bytes, parsed: Any, **options: Any) -> Any:
        before = runner.progress.sent
        response = original(runner, unit, data, parsed, **options)
        sent[unit.key] += runner.progress.sent - before  # 0 when answered from memory
        return response

    config = _config(target=RECORDING, kinds=("beatframe",), max_examples=60)
    runs: dict[str, Any] = {}
    with pytest.MonkeyPatch.context() as monkeypatch:
        put_consumers_on_path(monkeypatch, folder)
        monkeypatch.setattr(Runner, "send", send)
        for name, run in [
            ("whole", lambda: run_campaign(config)),
            ("shard0", lambda: run_campaign(replace(config, shard=(0, 2)))),
            ("shard1", lambda: run_campaign(replace(config, shard=(1, 2)))),
            ("workers", lambda: run_workers(config, 2)),
        ]:
            inbox = folder / name
            inbox.mkdir()
            monkeypatch.setenv("BACKBEAT_TEST_RECORD", str(inbox))
            sent.clear()
            report = run()
            runs[name] = {"report": report, "inbox": _received(inbox), "units": Counter(sent)}
    return runs


def test_two_shards_send_exactly_what_one_run_sends_unit_by_unit(recorded: dict[str, Any]) -> None:
    whole, shards = recorded["whole"], [recorded["shard0"], recorded["shard1"]]
    assert len(whole["units"]) > 20 and not whole["report"].findings  # a correct consumer
    assert shards[0]["units"] + shards[1]["units"] == whole["units"]
    assert not set(shards[0]["units"]) & set(shards[1]["units"])  # each unit in one shard
    assert shards[0]["inbox"] + shards[1]["inbox"] == whole["inbox"]
    assert shards[0]["report"].sent + shards[1]["report"].sent == whole["report"].sent


def test_two_workers_send_exactly_the_messages_one_process_sends(recorded: dict[str, Any]) -> None:
    whole, workers = recorded["whole"], recorded["workers"]
    assert sum(whole["inbox"].values()) > 300
    assert workers["inbox"] == whole["inbox"]  # the same messages, each as many times
    assert workers["report"].counts == whole["report"].counts
    assert workers["report"].coverage_sent == whole["report"].coverage_sent
    assert not workers["report"].findings


def test_two_workers_find_what_one_finds_in_one_report_of_one_finding_per_bug(
    runs: dict[str, Any],
) -> None:
    workers, whole = runs["workers"], runs["whole"]
    assert _found(workers) == _found(whole)
    assert len(workers.findings) == len(_found(workers))  # one finding per bug
    assert workers.counts.keys() == whole.counts.keys()
    assert workers.coverage_sent == whole.coverage_sent
    saved = sorted((runs["folder"] / "corpus").glob("*/*.meta.json"))
    assert len(saved) >= len([f for f in workers.findings if f.corpus_path])


def _shard_files(runs: dict[str, Any], folder: Path) -> list[Path]:
    """The shards' reports as --report-json files in *folder*."""
    paths = [folder / f"shard{i}.json" for i in range(len(runs["shards"]))]
    for report, path in zip(runs["shards"], paths, strict=True):
        write_json(report, path)
    return paths


def test_merge_of_shard_reports_equals_the_workers_report(
    runs: dict[str, Any], tmp_path: Path
) -> None:
    paths = _shard_files(runs, tmp_path)
    merged = merge_reports([read_json(p) for p in paths])
    assert _found(merged) == _found(runs["workers"])
    assert len(merged.findings) == len(_found(merged))
    assert merged.sent == sum(r.sent for r in runs["shards"])


def test_a_json_report_reads_back_as_the_same_report(runs: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    write_json(runs["whole"], path)
    again = read_json(path)
    assert again.to_dict() == runs["whole"].to_dict()
    assert [f.data for f in again.findings] == [f.data for f in runs["whole"].findings]


def test_merging_unions_kinds_rules_and_witnesses_of_one_bug(runs: dict[str, Any]) -> None:
    report = runs["whole"]
    finding = report.findings[0]
    other = replace(finding, kinds=("zzz",), rules=("zzz.rule",), witnesses=())
    second = replace(report, findings=[other], counts={"zzz": {"valid": 1, "invalid": 2}})
    merged = merge_reports([report, second])
    head = next(f for f in merged.findings if f == finding)
    assert head.data == finding.data  # the first report's headline
    assert head.kinds == (*finding.kinds, "zzz")
    assert head.rules == (*finding.rules, "zzz.rule")
    assert merged.counts["zzz"] == {"valid": 1, "invalid": 2}
    assert merged.sent == report.sent + 3


def test_merge_refuses_reports_of_different_campaigns(runs: dict[str, Any]) -> None:
    other = replace(runs["whole"], seed=runs["whole"].seed + 1)
    with pytest.raises(Exception, match=r"different campaigns \(seed=.*same --target and --seed"):
        merge_reports([runs["whole"], other])


def test_merge_command_writes_one_report_and_exits_1_on_findings(
    runs: dict[str, Any], tmp_path: Path
) -> None:
    paths = _shard_files(runs, tmp_path)
    out = tmp_path / "merged.json"
    result = fuzz("merge", *paths, "--report-json", out, "--junit-xml", tmp_path / "j.xml", "-q")
    assert result.exit_code == 1, result.output
    assert _found(read_json(out)) == _found(runs["workers"])
    assert (tmp_path / "j.xml").read_text().count("<failure") == len(runs["workers"].findings)
    clean = replace(runs["whole"], findings=[])
    write_json(clean, paths[0])
    assert fuzz("merge", paths[0]).exit_code == 0


def test_a_shards_report_says_which_shard_it_is(runs: dict[str, Any]) -> None:
    assert [r.shard for r in runs["shards"]] == [(0, 2), (1, 2)]
    assert runs["whole"].shard is None and runs["workers"].shard is None


@pytest.mark.parametrize(
    ("shards", "message"),
    [
        ([0], r"shard 1/2 of the campaign is missing, so its work would go unreported"),
        ([0, 0, 1], r"reports '.*shard0.json' and '.*shard0.json' are both shard 0/2"),
        ([0, "whole"], r"report '.*whole.json' is a whole campaign's, not a shard's"),
        (["whole", "whole"], r"report '.*whole.json' is a whole campaign's"),
        ([0, "of three"], r"shards of different splits \(--shard I/2 and I/3\)"),
    ],
)
def test_merge_command_refuses_a_missing_or_repeated_shard(
    runs: dict[str, Any], tmp_path: Path, shards: list[int | str], message: str
) -> None:
    """A CI shard job that failed left its report out: the merge passed on half the work."""
    paths = _shard_files(runs, tmp_path)
    write_json(runs["whole"], tmp_path / "whole.json")
    write_json(replace(runs["shards"][0], shard=(0, 3)), tmp_path / "of three.json")
    files = [paths[s] if isinstance(s, int) else tmp_path / f"{s}.json" for s in shards]
    result = fuzz("merge", *files)
    assert result.exit_code == 2, result.output
    assert re.search(message, result.stderr), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "is not JSON"),
        ('{"format": "other"}', "is not a backbeat-fuzz-report/1 report"),
    ],
)
def test_merge_command_refuses_a_file_that_is_not_a_report(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    result = fuzz("merge", path)
    assert result.exit_code == 2
    assert message in result.stderr and "give a file --report-json wrote" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "0"], "--workers '0' must be a count >= 1 or 'auto'"),
        (["--workers", "two"], "--workers 'two' must be a count >= 1 or 'auto'"),
        (["--workers", "2", "--shard", "0/2"], "--workers and --shard cannot be combined"),
    ],
)
def test_bad_workers_options_are_one_line_exit_2(
    workdir: Path, args: list[str], message: str
) -> None:
    result = fuzz("--target", SEVEN, "--database", "none", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_shard_alone_runs_in_one_process(workdir: Path) -> None:
    result = fuzz(
        "--target", SEVEN, "--database", "none", "--shard", "1/2", "--max-examples", "2",
        "--seed", "5", "--report-json", "r.json",
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    mine = {u.kind for u in plan_units(_config(shard=(1, 2)), "str")[0]}
    assert set(read_json(workdir / "r.json").counts) == mine


def test_a_workers_usage_error_is_one_line_exit_2(workdir: Path) -> None:
    result = fuzz("--target", "consumers.nosuch:handler", "--database", "none", "--workers", "2")
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "consumers.nosuch" in lines[0]


def test_workers_exit_1_on_findings_with_one_summary(workdir: Path) -> None:
    result = fuzz(
        "--target", SEVEN, "--database", "none", "--workers", "2", "--max-examples", "5",
        "--seed", "5", "--report-json", "r.json",
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert result.output.count("summary") == 1
    assert read_json(workdir / "r.json").findings


def test_ctrl_c_stops_every_worker_and_prints_the_merged_findings(workdir: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.environ["PYTHONPATH"]}
    args = [FUZZ, "--target", SLOW, "--database", "none", "--workers", "2", "--duration", "60"]
    with sigint_reaches_children():
        proc = subprocess.Popen(
            [str(a) for a in args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )
    time.sleep(6)  # two spawned workers import and start sending
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal does: the whole process group
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in err and "summary" in out
    assert "interrupted" in err


def test_workers_auto_is_the_core_count() -> None:
    from backbeat_fuzz.workers import parse_workers

    assert parse_workers("auto") == (os.cpu_count() or 1)
    assert parse_workers("3") == 3


def test_the_report_json_is_valid_against_its_schema(runs: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    write_json(runs["workers"], path)
    document = json.loads(path.read_text())
    assert document["sent"] == runs["workers"].sent
    assert read_json(path).to_dict() == document


# -- the work queue ---------------------------------------------------------------------------


def _schedule(**changes: Any) -> Schedule:
    config = _config(max_examples=120)
    units, _ = plan_all(config, "str")
    options: dict[str, Any] = {
        "units": units,
        "budget": budgets(config, units),
        "cost": unit_costs(config, units, "str"),
    }
    options.update(changes)
    return Schedule(**options)


def test_without_a_deadline_every_unit_is_handed_out_once_whole_costliest_first() -> None:
    schedule = _schedule()
    items = schedule.first()
    assert all(isinstance(i, Whole) for i in items)
    assert sorted((i.unit for i in items), key=schedule.units.index) == schedule.units
    costs = [schedule.cost[i.unit] for i in items]
    assert costs == sorted(costs, reverse=True)
    assert [i.budget for i in items] == [schedule.budget[i.unit] for i in items]
    for item in items[:-1]:
        assert schedule.after(Done(0, item)) == [] and not schedule.finished
    assert schedule.after(Done(1, items[-1])) == [] and schedule.finished
    assert schedule.note() is None


def _rounds_in_one_process(budget: int | None, ran: list[int], hangs: list[int]) -> list[int]:
    """The sizes-so-far (``done``) of each round :meth:`Runner.explore` would run."""
    done, spent_hangs, starts = 0, 0, []
    for round_ran, round_hangs in zip(ran, hangs, strict=False):
        if (budget is not None and done >= budget) or spent_hangs >= HANG_BUDGET:
            break
        starts.append(done)
        done += max(1, round_ran)
        spent_hangs += round_hangs
    return starts


@settings(max_examples=60, deadline=None)
@given(
    ran=st.lists(st.integers(0, 60), min_size=12, max_size=12),
    hangs=st.lists(st.integers(0, 1), min_size=12, max_size=12),
    order=st.randoms(use_true_random=False),
)
def test_under_a_deadline_each_unit_runs_the_rounds_one_process_runs_in_any_order(
    ran: list[int], hangs: list[int], order: random.Random
) -> None:
    """Whichever worker finishes first, a unit's rounds are the single process's: round r + 1
    once round r is done, sized from what r ran, retired after HANG_BUDGET hangs in all."""
    units = [Unit("beatframe"), Unit("beatframe", "hlc.pattern"), Unit("barreport")]
    budget: dict[Unit, int | None] = {units[0]: 120, units[1]: 7, units[2]: 200}
    schedule = _schedule(units=units, budget=budget, cost={}, deadline=time.monotonic() + 600)
    out = schedule.first()
    assert [type(i) for i in out] == [Cover] * 3 + [Explore] * 3
    seen: dict[Unit, list[int]] = {u: [] for u in units}
    while out:
        item = out.pop(order.randrange(len(out)))  # any worker, any order
        if isinstance(item, Explore):
            assert item.round_number == len(seen[item.unit])  # r + 1 only after r
            seen[item.unit].append(item.done)
            step = item.round_number % len(ran)
            out += schedule.after(Done(0, item, ran[step], hangs[step]))
        else:
            out += schedule.after(Done(1, item))
    assert schedule.finished
    for unit in units:
        steps = len(seen[unit]) + 1
        cycle = (ran * (steps // len(ran) + 1))[:steps], (hangs * (steps // len(hangs) + 1))[:steps]
        assert seen[unit] == _rounds_in_one_process(budget[unit], *cycle)[: len(seen[unit])]
        assert len(seen[unit]) == len(_rounds_in_one_process(budget[unit], *cycle))


def test_an_exhausted_round_is_its_units_last_and_the_others_go_on() -> None:
    schedule = _schedule(deadline=time.monotonic() + 600)
    rounds = [i for i in schedule.first() if isinstance(i, Explore)]
    assert schedule.after(Done(0, rounds[0], ran=50, exhausted=True)) == []
    (following,) = schedule.after(Done(0, rounds[1], ran=5))
    assert following.unit == rounds[1].unit and following.round_number == 1
    schedule.deadline = time.monotonic() - 1
    assert schedule.after(Done(0, following, ran=5)) == []
    count = len(schedule.units)  # the exhausted unit is not work the deadline left undone
    assert schedule.note() == (
        f"--duration reached in round 1 of exploration, {count - 2} of {count} units yet to "
        "take their turn"
    )


def test_past_the_deadline_nothing_new_is_handed_out_and_the_report_says_so() -> None:
    schedule = _schedule(deadline=time.monotonic() + 600)
    items = schedule.first()
    explore = next(i for i in items if isinstance(i, Explore))
    assert schedule.after(Done(0, explore, ran=5)) != []  # the unit's next round
    schedule.deadline = time.monotonic() - 1
    assert all(schedule.after(Done(0, i, ran=5)) == [] for i in items if i is not explore)
    note = schedule.note()
    count = len(schedule.units)
    assert note == (
        f"--duration reached in round 1 of exploration, {count - 1} of {count} units yet to "
        "take their turn"  # all but the one that ran its first round
    )


def test_a_failing_dispatcher_stops_every_worker_with_one_error(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(schedule: Schedule) -> list[Any]:
        raise RuntimeError("planted")

    monkeypatch.setattr(Schedule, "first", broken)
    started = time.monotonic()
    with pytest.raises(InfrastructureError, match=r"dispatcher of --workers failed .*planted"):
        run_workers(_config(), 2)
    assert time.monotonic() - started < 30  # nobody waited for work that never came


def test_merge_with_the_baseline_judges_the_shards_as_one_run(
    runs: dict[str, Any], tmp_path: Path
) -> None:
    """A shard that did not meet a baselined bug would call its entry stale; judged after the
    merge (the exercised pairs are in each JSON report), no entry is stale and every bug is
    baselined, so the merge passes."""
    whole = runs["whole"]
    assert whole.findings and whole.covered
    baseline = Baseline(tuple(BaselineEntry.accepting(f) for f in whole.findings))
    save_baseline(baseline, tmp_path / "baseline.json")
    met, missed = tmp_path / "met.json", tmp_path / "missed.json"
    write_json(replace(whole, shard=(0, 2)), met)
    write_json(replace(whole, findings=[], shard=(1, 2)), missed)
    assert read_json(missed).covered == whole.covered  # the JSON report carries them
    alone = read_json(missed).with_baseline(load_baseline(tmp_path / "baseline.json"))
    assert len(alone.baseline_notes) == len(whole.findings)  # every entry "no longer reproduces"
    out = tmp_path / "merged.json"
    result = fuzz(
        "merge", met, missed, "--baseline", tmp_path / "baseline.json", "--report-json", out
    )
    assert result.exit_code == 0, result.output
    merged = read_json(out)
    assert merged.baseline_notes == [] and not merged.failing
    assert all(f.baselined for f in merged.findings)
