"""One finding per bug: keys, field groups, masking, attribution, and campaigns against
consumers with several bugs of one outcome on one kind (each must be reported exactly once).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _fuzzing import assert_findings_are_true, put_consumers_on_path
from hypothesis import given
from hypothesis import strategies as st

from backbeat_fuzz import MessageValidator
from backbeat_fuzz.findings import FindingKey, field_group, is_weak
from backbeat_fuzz.harness import CampaignConfig, plan_units, run_campaign, run_cell
from backbeat_fuzz.minimize import attribute, differing_fields, shrink_values
from backbeat_fuzz.model import Outcome
from backbeat_fuzz.report import CampaignReport
from backbeat_fuzz.signature import mask

MULTI = "consumers.multibug"


@pytest.fixture
def workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return put_consumers_on_path(monkeypatch, tmp_path)


# -- keys -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "group"),
    [
        ("deadline_at.format", "deadline_at"),
        ("deadline_at.type", "deadline_at"),
        ("required.deadline_at", "deadline_at"),
        ("issues[].code.pattern", "issues[]"),
        ("required.issues[].severity", "issues[]"),
        ("issues.maxItems", "issues"),
        ("required.issues", "issues"),
        ("json.nan", "json.nan"),
        ("rules.window_order", "rules.window_order"),
        ("type.const", "type"),
        ("root.type", "root"),
    ],
)
def test_field_groups(rule: str, group: str) -> None:
    assert field_group(rule) == group


@pytest.mark.parametrize(
    ("signature", "weak"),
    [
        ("", True),
        ("exit code 1", True),
        ("exit code 1:", True),
        ("killed by SIGSEGV", True),
        ("HTTP 400", True),
        ("returned False", True),
        ("reject", True),
        ("exit code 1: bad hlc <str>", False),
        ("HTTP 500: internal error", False),
        ("ValueError at h.py:3 in f: bad hlc", False),
        ("hang at h.py:9 in scan", False),
    ],
)
def test_weak_signatures_name_only_the_verdict(signature: str, weak: bool) -> None:
    assert is_weak(signature) is weak


def test_a_key_label_names_outcome_signature_and_fields() -> None:
    key = FindingKey(Outcome.FALSE_REJECT, "exit code 1", ("tempo_bpm",))
    assert key.label == "false_reject: exit code 1 [tempo_bpm]"
    assert key != FindingKey(Outcome.FALSE_REJECT, "exit code 1", ("hlc",))


@given(st.text(alphabet="abc xyz:=", max_size=40), st.integers(), st.integers())
def test_masking_ignores_numbers_and_quoted_values(prefix: str, a: int, b: int) -> None:
    assert mask(f"{prefix} value {a} at '{a}x y'") == mask(f"{prefix} value {b} at '{b}x y'")


def test_masking_keeps_quoted_field_names_apart() -> None:
    assert mask("KeyError: 'hlc'") != mask("KeyError: 'tempo_bpm'")
    assert mask("codec can't encode character '\\u066a' in position 5") == mask(
        "codec can't encode character '\\u0661' in position 9"
    )


# -- attribution ------------------------------------------------------------------------------

EXAMPLE = {"a": 1, "b": "x", "c": [1], "d": True}


@given(
    st.dictionaries(
        st.sampled_from("abcde"), st.one_of(st.integers(), st.text(max_size=3)), max_size=5
    ),
    st.sampled_from("abcde"),
)
def test_attribution_finds_the_one_field_that_matters(noise: dict[str, Any], cause: str) -> None:
    """Whatever else differs, a failure caused by one field is attributed to that field alone."""
    message = {**EXAMPLE, **noise, cause: "BAD"}
    calls: list[dict[str, Any]] = []

    def reproduces(candidate: dict[str, Any]) -> bool:
        calls.append(candidate)
        return candidate.get(cause) == "BAD"

    attributed, fields = attribute(message, EXAMPLE, reproduces)
    assert fields == (cause,)
    assert differing_fields(attributed, EXAMPLE) == (cause,)
    assert len(calls) <= len(differing_fields(message, EXAMPLE)) + 1


def test_attribution_of_a_failure_needing_two_fields_keeps_both() -> None:
    message = {**EXAMPLE, "a": 2, "b": "y", "d": False}
    attributed, fields = attribute(message, EXAMPLE, lambda m: m["a"] == 2 and m["b"] == "y")
    assert fields == ("a", "b")
    assert attributed == {**EXAMPLE, "a": 2, "b": "y"}


def test_a_failure_of_the_example_itself_is_about_no_field() -> None:
    assert attribute({**EXAMPLE, "a": 9}, EXAMPLE, lambda m: True) == (EXAMPLE, ())


def test_one_and_true_are_not_the_same_value() -> None:
    assert differing_fields({"a": True}, {"a": 1}) == ("a",)
    assert differing_fields({"a": 1}, {"a": 1}) == ()


@given(st.text(min_size=1, max_size=300), st.integers(1, 40), st.integers(0, 64))
def test_shrinking_a_value_keeps_the_failure_and_stays_in_budget(
    text: str, needed: int, budget: int
) -> None:
    """Whatever the value and budget: the result still fails, no more calls than the budget,
    and a failure needing only a long enough value ends below twice the length it needs."""
    calls: list[dict[str, Any]] = []

    def reproduces(candidate: dict[str, Any]) -> bool:
        calls.append(candidate)
        return len(candidate["b"]) >= needed

    message = {**EXAMPLE, "b": text * (needed // len(text) + 1)}
    shrunk = shrink_values(message, ("b",), reproduces, budget)
    assert reproduces(shrunk) and len(calls) <= budget + 1
    assert set(shrunk) == set(message) and shrunk["a"] == message["a"]
    if budget == 64:
        assert len(shrunk["b"]) < 2 * needed


@pytest.mark.parametrize(
    ("value", "fails", "expected"),
    [
        ("é" * 4096, lambda v: any(ord(c) > 127 for c in v), "é"),
        ("ok-é-ok", lambda v: "é" in v, "é"),
        (2**53 + 5, lambda v: v > 2**31, 2**32),  # halving stops above the bound
        (0.75, lambda v: isinstance(v, float), 0.0),
        ([1, 2, 3, 4], lambda v: len(v) > 1, [1, 2]),
        (True, lambda v: v is True, True),  # a boolean is not an integer to shrink
    ],
)
def test_a_value_shrinks_to_the_smallest_candidate_still_failing(
    value: Any, fails: Any, expected: Any
) -> None:
    shrunk = shrink_values({"v": value}, ("v",), lambda m: fails(m["v"]), budget=100)
    assert shrunk["v"] == expected and type(shrunk["v"]) is type(expected)


# -- campaigns --------------------------------------------------------------------------------


def _run(target: str, **options: Any) -> CampaignReport:
    config: dict[str, Any] = {
        "target": target,
        "max_examples": 100,
        "seed": 1,
        "database": None,
        "corpus_dir": Path("corpus"),
    }
    config.update(options)
    return run_campaign(CampaignConfig(**config))


def _by_outcome(report: CampaignReport, outcome: str) -> list[Any]:
    return [f for f in report.findings if f.outcome.value == outcome]


@pytest.mark.usefixtures("workdir")
@pytest.mark.parametrize("seed", [1, 2])
def test_every_bug_of_a_many_bug_consumer_is_reported_exactly_once(seed: int) -> None:
    report = _run(f"{MULTI}:seven_bugs", seed=seed)
    rejects = {(f.kind, f.fields) for f in _by_outcome(report, "false_reject")}
    assert rejects == {
        ("beatframe", ("tempo_bpm",)),
        ("beatframe", ("deadline_at",)),
        ("beatframe", ("hlc",)),
        ("statusclaim", ("notes",)),
        ("statusclaim", ("progress",)),
    }
    crashes = _by_outcome(report, "crash")
    assert len(crashes) == 2, [f.signature for f in crashes]
    on_non_objects = next(f for f in crashes if "AttributeError" in f.signature)
    assert set(on_non_objects.kinds) == {"beatframe", "statusclaim", "barreport"}
    overflow = next(f for f in crashes if "OverflowError" in f.signature)
    assert overflow.fields == ("tempo_drift_ms",)  # filed under the field that crashes it
    assert not _by_outcome(report, "false_accept") and not _by_outcome(report, "hang")
    assert_findings_are_true(report.to_dict()["findings"])
    (notes,) = [f for f in _by_outcome(report, "false_reject") if f.fields == ("notes",)]
    assert len(json.loads(notes.data)["notes"]) == 1, notes.data  # one non-ASCII character


@pytest.mark.usefixtures("workdir")
def test_a_crash_caused_by_one_field_differs_from_the_example_in_that_field_only(
    readme_messages: dict[str, dict[str, Any]],
) -> None:
    report = _run(f"{MULTI}:seven_bugs", kinds=("barreport",))
    (overflow,) = [f for f in _by_outcome(report, "crash") if "OverflowError" in f.signature]
    message, example = json.loads(overflow.data), readme_messages["barreport"]  # 1e400: inf
    assert {k for k in message.keys() | example.keys() if message.get(k) != example.get(k)} == {
        "tempo_drift_ms"
    }
    assert overflow.fields == ("tempo_drift_ms",)
    assert Path(str(overflow.corpus_path)).read_bytes() == overflow.data


@pytest.mark.usefixtures("workdir")
def test_a_crash_on_a_valid_value_is_shrunk_to_a_smaller_valid_value() -> None:
    """0.0 crashes it too but breaks the minimum (0.1): the headline stays a valid message."""
    config = CampaignConfig(
        "consumers.causes:crashes_unless_default_tempo", max_examples=100, seed=1, database=None
    )
    report = run_cell(config, "beatframe", "valid")
    (crash,) = _by_outcome(report, "crash")
    message = json.loads(crash.data)
    assert crash.fields == ("tempo_bpm",) and 0.1 <= message["tempo_bpm"] <= 1.0, crash.data
    assert MessageValidator().validate_message(message).valid


@pytest.mark.usefixtures("workdir")
def test_shrinking_a_crash_stops_at_the_first_candidate_that_hangs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """4,096 ``é`` crash it, ``é`` hangs it: the shrinker stops there (each later candidate
    under 100 characters would hang too, twice the timeout each)."""
    log = tmp_path / "hangs.log"
    monkeypatch.setenv("BACKBEAT_TEST_HANG_LOG", str(log))
    target = "consumers.causes:hangs_on_few_e_acute_notes"
    config = CampaignConfig(target, max_examples=1, seed=1, database=None, timeout=0.3)
    report = run_cell(config, "statusclaim", "valid")
    (crash,) = _by_outcome(report, "crash")
    assert len(json.loads(crash.data)["notes"]) >= 100
    assert log.read_text().split() == ["1", "1"]  # "é" alone, sent twice to confirm the hang


@pytest.mark.usefixtures("workdir")
def test_a_consumer_skipping_issue_items_gets_one_finding_listing_their_rules() -> None:
    report = _run(f"{MULTI}:skips_issue_items", kinds=("barreport",), rules=("issues",))
    (finding,) = report.findings
    assert finding.signature == "false_accept: barreport issues[]"
    item_rules = {r for r in finding.rules if r is not None}
    assert len(item_rules) > 5
    assert all(r.startswith(("issues[]", "required.issues[]")) for r in item_rules)
    assert len(finding.witnesses) > 1


@pytest.mark.usefixtures("workdir")
def test_a_redos_in_one_field_is_one_hang_finding() -> None:
    report = _run(f"{MULTI}:redos_agent_id", kinds=("statusclaim",), timeout=0.5, max_examples=60)
    hangs = _by_outcome(report, "hang")
    assert len(hangs) == 1, [f.signature for f in hangs]
    assert hangs[0].fields == ("agent_id",)
    assert [f for f in report.findings if f.outcome.value != "hang"] == []


@pytest.mark.usefixtures("workdir")
def test_a_duration_alone_is_spent_on_every_kind_even_with_a_slow_target() -> None:
    """--duration without --max-examples runs until the deadline, kinds taking turns."""
    report = _run(f"{MULTI}:slow_correct", max_examples=None, duration=6.0)
    assert report.findings == []
    assert 5.0 <= report.duration <= 9.0, report.duration
    assert set(report.counts) == {"beatframe", "statusclaim", "barreport"}
    for kind, cell in report.counts.items():
        assert cell["valid"] > 0 and cell["invalid"] > 0, (kind, cell)


@pytest.mark.usefixtures("workdir")
def test_max_examples_alone_ends_when_they_are_done() -> None:
    config = {"kinds": ("beatframe",), "max_examples": 5, "coverage": False}
    quick = _run("consumers.reference:handle_text", **config)
    rules = {u.rule for u in plan_units(CampaignConfig("x.y", **config), "str")[0] if u.rule}
    assert quick.coverage_sent == 0 and quick.findings == []
    assert 0 < quick.counts["beatframe"]["valid"] <= 5
    assert 0 < quick.counts["beatframe"]["invalid"] <= len(rules)  # at least one per rule
