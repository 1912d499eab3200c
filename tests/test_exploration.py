"""Exploration in batches: one Hypothesis example carries several distinct messages, and still
each finding is one shrunk message, every bug of a batch is found, and a seed replays the run.

The targets here are in-process :class:`~backbeat_fuzz.targets.Target` objects that record
what they are sent, so the tests see each message and its order.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from backbeat_fuzz.campaign.exploration import BATCH, UnitRun
from backbeat_fuzz.harness import CampaignConfig, Unit, run_cell
from backbeat_fuzz.model import Verdict
from backbeat_fuzz.strategies import Session, coverage_valid
from backbeat_fuzz.targets import InputMode, Response, Target


class _Recording(Target):
    """Accepts every message but those *bad* says no to (rejected with that reason); records
    every message it is sent, in order."""

    def __init__(self, bad: Any = None) -> None:
        self.name = "recording"
        self.input_mode = InputMode.BYTES
        self.bad = bad or (lambda message: None)
        self.sent: list[bytes] = []

    def call(self, data: bytes, parsed: Any = None) -> Response:
        self.sent.append(data)
        reason = self.bad(json.loads(data))
        if reason:
            return Response(Verdict.REJECTED, reason, 0.0, reason)
        return Response(Verdict.ACCEPTED, "accept", 0.0)

    def close(self) -> None:
        """Nothing to release."""


class _Rejecting(_Recording):
    """Rejects everything, JSON or not; records every message."""

    def call(self, data: bytes, parsed: Any = None) -> Response:
        self.sent.append(data)
        return Response(Verdict.REJECTED, "reject", 0.0, "reject")


def _config(**changes: Any) -> CampaignConfig:
    options: dict[str, Any] = {
        "target": "recording",
        "max_examples": 60,
        "seed": 3,
        "database": None,
        "corpus_dir": None,
    }
    return CampaignConfig(**{**options, **changes})


def _unit_run(rule: str | None = None) -> UnitRun:
    runner = SimpleNamespace(
        config=_config(),
        target=SimpleNamespace(input_mode=InputMode.BYTES),
        found={},
        session=Session.load(),
    )
    return UnitRun(runner, Unit("beatframe", rule), 10)  # type: ignore[arg-type]


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_a_batch_holds_one_to_batch_distinct_messages(data: st.DataObject) -> None:
    batch = data.draw(_unit_run().strategy())
    texts = [json.dumps(m, sort_keys=True) for m in batch]
    assert 1 <= len(batch) <= BATCH
    assert len(set(texts)) == len(texts)


@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_a_rules_mutants_come_one_per_example(data: st.DataObject) -> None:
    batch = data.draw(_unit_run("hlc.pattern").strategy())
    assert len(batch) == 1
    assert batch[0].rule == "hlc.pattern"


def test_a_run_sends_its_budget_and_the_same_seed_sends_the_same_messages() -> None:
    first, second = _Recording(), _Recording()
    for target in (first, second):
        report = run_cell(_config(), "beatframe", "valid", target=target)
        assert report.findings == []
    assert len(first.sent) >= 60  # the budget counts messages, not Hypothesis examples
    assert first.sent == second.sent
    assert len(set(first.sent)) > 40  # distinct messages, not one batch of copies


def _two_bugs(message: dict[str, Any]) -> str | None:
    if message.get("phase") == "review":
        return "no reviews"
    if message.get("downbeat") is True:
        return "no downbeats"
    return None


def test_two_bugs_are_two_findings_each_shrunk_to_one_message_off_the_example() -> None:
    target = _Recording(_two_bugs)
    report = run_cell(_config(), "beatframe", "valid", target=target)
    example = coverage_valid("beatframe")[0]
    assert example["phase"] != "review" and example["downbeat"] is not True
    found = {f.detail: json.loads(f.data) for f in report.findings}
    assert set(found) == {"no reviews", "no downbeats"}
    for detail, field, value in (
        ("no reviews", "phase", "review"),
        ("no downbeats", "downbeat", True),
    ):
        message = found[detail]
        assert message[field] == value
        assert _two_bugs(message) == detail  # the one message shows the bug on its own
        changed = {k for k in message.keys() | example.keys() if message.get(k) != example.get(k)}
        assert changed == {field}  # shrunk: the rest is the README example's


def test_a_unit_with_nothing_new_to_send_gets_no_more_rounds(monkeypatch: Any) -> None:
    """``json.empty`` has two mutants, both sent in the coverage phase: its first round draws
    only those, stops short, and is its last (it took a round per two examples, to the budget)."""
    rounds: list[int] = []
    run = UnitRun.run

    def counted(self: UnitRun) -> int:
        rounds.append(self.round_number)
        return run(self)

    monkeypatch.setattr(UnitRun, "run", counted)
    target = _Rejecting()
    config = _config(rules=("json.empty",), max_examples=400)
    report = run_cell(config, "statusclaim", "invalid", target=target)
    assert report.findings == []
    assert rounds == [0]
    assert 1 <= len(set(target.sent)) <= 4  # the few empty inputs, each sent once
