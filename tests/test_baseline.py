"""Baselines: loading and checking the file, matching findings, expiry, notes, writing one."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backbeat_fuzz.baseline import (
    Baseline,
    BaselineEntry,
    entry_key,
    load_baseline,
    save_baseline,
    write_baseline,
)
from backbeat_fuzz.errors import UsageError
from backbeat_fuzz.model import Outcome
from backbeat_fuzz.report import Finding

TODAY = date(2027, 1, 15)


def finding(outcome: str, kind: str, rule: str | None, data: bytes = b"{}") -> Finding:
    return Finding(
        Outcome(outcome), f"{outcome}: {kind} {rule}", kind, None, rule, data, "detail", None
    )


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return path


def load(tmp_path: Path, accepted: list[object]) -> Baseline:
    return load_baseline(write(tmp_path, {"accepted": accepted}), today=TODAY)


def test_load_reads_every_field(tmp_path: Path) -> None:
    baseline = load(
        tmp_path,
        [
            {
                "outcome": "false_accept",
                "kind": "beatframe",
                "rule": "hlc.pattern",
                "expires": "2027-01-31",
                "reason": "ticket-123",
            },
            {"outcome": "crash", "kind": "statusclaim"},
            {"outcome": "hang", "kind": "barreport", "rule": None},
        ],
    )
    assert baseline.entries == (
        BaselineEntry(
            Outcome.FALSE_ACCEPT, "beatframe", "hlc.pattern", date(2027, 1, 31), "ticket-123"
        ),
        BaselineEntry(Outcome.CRASH, "statusclaim", None),
        BaselineEntry(Outcome.HANG, "barreport", None),
    )
    assert [e.index for e in baseline.entries] == [0, 1, 2]
    assert (baseline.path, baseline.today) == (str(tmp_path / "baseline.json"), TODAY)


def test_an_empty_baseline_accepts_nothing(tmp_path: Path) -> None:
    baseline = load(tmp_path, [])
    assert baseline.match(finding("crash", "beatframe", None)) is None
    assert baseline.notes([], {("beatframe", None)}) == []


def test_match_is_by_outcome_kind_and_rule(tmp_path: Path) -> None:
    baseline = load(
        tmp_path,
        [
            {"outcome": "false_accept", "kind": "beatframe", "rule": "hlc.pattern"},
            {"outcome": "false_reject", "kind": "statusclaim"},
        ],
    )
    first, second = baseline.entries
    assert baseline.match(finding("false_accept", "beatframe", "hlc.pattern", b"[1]")) is first
    assert baseline.match(finding("false_reject", "statusclaim", None)) is second
    assert baseline.match(finding("crash", "beatframe", "hlc.pattern")) is None
    assert baseline.match(finding("false_accept", "statusclaim", "hlc.pattern")) is None
    assert baseline.match(finding("false_accept", "beatframe", "json.nan")) is None
    assert baseline.match(finding("false_reject", "statusclaim", "hlc.pattern")) is None


def test_an_expired_entry_excuses_nothing_and_says_so(tmp_path: Path) -> None:
    accepted = [
        {"outcome": "crash", "kind": "beatframe", "rule": "hlc.pattern", "expires": "2027-01-14"},
        {"outcome": "crash", "kind": "beatframe", "rule": "json.nan", "expires": "2027-01-15"},
    ]
    baseline = load(tmp_path, accepted)
    expired = finding("crash", "beatframe", "hlc.pattern")
    last_day = finding("crash", "beatframe", "json.nan")
    assert baseline.match(expired) is None
    assert baseline.match(last_day) is baseline.entries[1]
    assert baseline.notes([expired, last_day], {("beatframe", "hlc.pattern")}) == [
        "baseline entry accepted[0] (crash beatframe hlc.pattern) expired on 2027-01-14; "
        "fix the bug or extend the date"
    ]


def test_a_later_entry_can_excuse_what_an_expired_one_no_longer_does(tmp_path: Path) -> None:
    baseline = load(
        tmp_path,
        [
            {"outcome": "hang", "kind": "beatframe", "expires": "2026-01-01"},
            {"outcome": "hang", "kind": "beatframe", "reason": "extended"},
        ],
    )
    assert baseline.match(finding("hang", "beatframe", None)) is baseline.entries[1]


def test_notes_name_entries_that_no_longer_reproduce(tmp_path: Path) -> None:
    baseline = load(
        tmp_path,
        [
            {
                "outcome": "false_accept",
                "kind": "beatframe",
                "rule": "hlc.pattern",
                "reason": "t-1",
            },
            {"outcome": "false_reject", "kind": "beatframe"},
            {"outcome": "crash", "kind": "barreport", "rule": "json.nan"},
            {"outcome": "hang", "kind": "statusclaim", "expires": "2026-12-31"},
        ],
    )
    findings = [finding("false_reject", "beatframe", None)]
    covered = {("beatframe", "hlc.pattern"), ("beatframe", None), ("statusclaim", None)}
    path = tmp_path / "baseline.json"
    assert baseline.notes(findings, covered) == [
        "baseline entry accepted[0] (false_accept beatframe hlc.pattern, t-1) no longer "
        f"reproduces; remove it from {path}",
        # accepted[1] reproduced; accepted[2]'s rule was not exercised: nothing to say
        "baseline entry accepted[3] (hang statusclaim valid) no longer reproduces; "
        f"remove it from {path}",
    ]


def test_an_expired_entry_that_is_not_exercised_is_reported_as_expired(tmp_path: Path) -> None:
    baseline = load(tmp_path, [{"outcome": "crash", "kind": "beatframe", "expires": "2027-01-01"}])
    assert baseline.notes([], set()) == [
        "baseline entry accepted[0] (crash beatframe valid) expired on 2027-01-01; "
        "fix the bug or extend the date"
    ]


def test_today_defaults_to_the_real_date(tmp_path: Path) -> None:
    path = write(tmp_path, {"accepted": []})
    assert load_baseline(path).today == date.today()


ENTRY = {"outcome": "false_accept", "kind": "beatframe", "rule": "hlc.pattern"}
EXAMPLE = '{"accepted": [{"outcome": "false_accept", "kind": "beatframe", "rule": "hlc.pattern"}]}'
SHAPE = 'must be a list of entries or an object with an "accepted" list, like '


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            "{",
            "is not valid JSON (Expecting property name enclosed in double quotes: line 1 "
            "column 2 (char 1)); fix the syntax",
        ),
        ({"accept": []}, f"{SHAPE}{EXAMPLE}"),
        ({"accepted": {}}, f"{SHAPE}{EXAMPLE}"),
        ("3", f"{SHAPE}{EXAMPLE}"),
        (
            {"accepted": [ENTRY, "x"]},
            f": accepted[1] is not an object; write entries like {EXAMPLE}",
        ),
        (
            {"accepted": [{**ENTRY, "expire": "2027-01-01"}]},
            ": accepted[0] has unknown key 'expire'; use outcome, kind, rule, signature, expires, "
            "reason. Did you mean 'expires'?",
        ),
        (
            {"accepted": [{**ENTRY, "outcome": "false_acept"}]},
            ": accepted[0]: outcome 'false_acept' is unknown; use one of: false_reject, "
            "false_accept, crash, hang. Did you mean 'false_accept'?",
        ),
        (
            {"accepted": [{"kind": "beatframe"}]},
            ": accepted[0]: outcome None is unknown; use one of: false_reject, false_accept, "
            "crash, hang.",
        ),
        (
            {"accepted": [{"outcome": "crash"}]},
            ': accepted[0]: kind None is not a message kind; write e.g. "beatframe"',
        ),
        (
            {"accepted": [{**ENTRY, "rule": 3}]},
            ': accepted[0]: rule 3 is not a rule name; write e.g. "hlc.pattern", or null for a '
            "valid message",
        ),
        (
            {"accepted": [ENTRY, {**ENTRY, "expires": "2027-13-01"}]},
            ": accepted[1]: expires '2027-13-01' is not a date; write it as YYYY-MM-DD",
        ),
        (
            {"accepted": [{**ENTRY, "expires": "tomorrow"}]},
            ": accepted[0]: expires 'tomorrow' is not a date; write it as YYYY-MM-DD",
        ),
        (
            {"accepted": [{**ENTRY, "expires": 20270131}]},
            ": accepted[0]: expires 20270131 is not a date; write it as YYYY-MM-DD",
        ),
        (
            {"accepted": [{**ENTRY, "reason": ["t-1"]}]},
            ': accepted[0]: reason must be a string; write e.g. "ticket-123"',
        ),
    ],
)
def test_bad_files_are_one_line_errors_with_the_fix(
    tmp_path: Path, document: object, message: str
) -> None:
    path = write(tmp_path, document)
    with pytest.raises(UsageError) as caught:
        load_baseline(path)
    where = f"baseline {str(path)!r}"
    assert str(caught.value) == f"{where}{'' if message.startswith(':') else ' '}{message}"


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    with pytest.raises(UsageError) as caught:
        load_baseline(path)
    assert str(caught.value) == (
        f"cannot read baseline {str(path)!r}: No such file or directory; "
        "check the path, or write one with --baseline-update"
    )


def test_write_baseline_accepts_each_finding_once(tmp_path: Path) -> None:
    findings = [
        finding("false_accept", "beatframe", "hlc.pattern", b"[1]"),
        finding("false_accept", "beatframe", "hlc.pattern", b"[2]"),
        finding("crash", "beatframe", None),
        finding("hang", "barreport", "json.nan"),
    ]
    path = tmp_path / "baseline.json"
    assert write_baseline(findings, path, reason="adopted", expires=date(2027, 6, 30)) == 3
    assert json.loads(path.read_text()) == {
        "accepted": [
            {
                "outcome": "hang",
                "kind": "barreport",
                "rule": "json.nan",
                "signature": "hang: barreport json.nan",
                "expires": "2027-06-30",
                "reason": "adopted",
            },
            {
                "outcome": "crash",
                "kind": "beatframe",
                "rule": None,
                "signature": "crash: beatframe None",
                "expires": "2027-06-30",
                "reason": "adopted",
            },
            {
                "outcome": "false_accept",
                "kind": "beatframe",
                "rule": "hlc.pattern",
                "signature": "false_accept: beatframe hlc.pattern",
                "expires": "2027-06-30",
                "reason": "adopted",
            },
        ]
    }
    baseline = load_baseline(path, today=TODAY)
    assert all(baseline.match(f) is not None for f in findings)
    assert baseline.notes(findings, {("beatframe", None), ("barreport", "json.nan")}) == []
    assert not list(tmp_path.glob("*.tmp"))


def test_write_baseline_without_expiry(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline([finding("crash", "beatframe", None)], path)
    assert json.loads(path.read_text()) == {
        "accepted": [
            {
                "outcome": "crash",
                "kind": "beatframe",
                "rule": None,
                "signature": "crash: beatframe None",
            }
        ]
    }
    assert load_baseline(path).entries[0].expires is None


def test_a_plain_list_of_entries_is_a_baseline(tmp_path: Path) -> None:
    baseline = load_baseline(write(tmp_path, [ENTRY, {"outcome": "crash", "kind": "barreport"}]))
    assert [e.outcome for e in baseline.entries] == [Outcome.FALSE_ACCEPT, Outcome.CRASH]
    assert baseline.match(finding("false_accept", "beatframe", "hlc.pattern")) is not None


def test_missing_ok_reads_a_missing_file_as_an_empty_baseline(tmp_path: Path) -> None:
    baseline = load_baseline(tmp_path / "new.json", today=TODAY, missing_ok=True)
    assert (baseline.entries, baseline.path) == ((), str(tmp_path / "new.json"))


def test_entry_key_is_what_matching_uses() -> None:
    same = finding("crash", "beatframe", "hlc.pattern", b"[9]")
    entry = BaselineEntry.accepting(same)
    assert entry_key(same) == entry_key(entry) == (Outcome.CRASH, "crash: beatframe hlc.pattern")
    assert entry.matches(same)
    other_cause = Finding(Outcome.CRASH, "crash: elsewhere", "beatframe", None, "hlc.pattern",
                          b"", "", None)  # fmt: skip
    assert not entry.matches(other_cause)  # an entry with a signature accepts that bug alone


def test_a_hand_written_entry_accepts_its_outcome_on_its_kind_and_rule() -> None:
    entry = BaselineEntry(Outcome.FALSE_ACCEPT, "statusclaim", "hlc.type", reason="r")
    spanning = Finding(
        Outcome.FALSE_ACCEPT, "false_accept: statusclaim hlc", "statusclaim", None, "hlc.pattern",
        b"", "", None, rules=("hlc.pattern", "hlc.type"),
    )  # fmt: skip
    assert entry.matches(spanning)  # seen under hlc.type too, though its headline is hlc.pattern
    assert not entry.matches(replace(spanning, outcome=Outcome.CRASH))


#: A baseline of four entries and a run that exercised three of their (kind, rule) pairs.
LIFECYCLE = [
    {"outcome": "false_accept", "kind": "beatframe", "rule": "hlc.pattern", "reason": "t-1"},
    {
        "outcome": "crash",
        "kind": "beatframe",
        "rule": None,
        "expires": "2027-06-30",
        "reason": "t-2",
    },
    {"outcome": "hang", "kind": "statusclaim", "rule": "json.nan"},  # not exercised: kept
    {"outcome": "false_reject", "kind": "barreport", "rule": None, "expires": "2027-01-01"},
]
COVERED = {("beatframe", "hlc.pattern"), ("beatframe", None), ("barreport", None)}
RUN = [
    finding("crash", "beatframe", None),  # accepted[1] reproduces
    finding("false_reject", "barreport", None),  # accepted[3] reproduces (but is expired)
    finding("false_accept", "statusclaim", "hlc.pattern"),  # new
    finding("false_accept", "statusclaim", "hlc.pattern", b"[2]"),  # the same, again
    finding("crash", "barreport", "json.nan"),  # new
]  # accepted[0] (hlc.pattern) was exercised and did not reproduce: stale


def test_stale_entries_are_those_exercised_and_not_reproduced(tmp_path: Path) -> None:
    baseline = load(tmp_path, LIFECYCLE)
    assert baseline.stale(RUN, COVERED) == [baseline.entries[0]]


def test_prune_removes_stale_entries_and_keeps_the_rest_as_written(tmp_path: Path) -> None:
    baseline = load(tmp_path, LIFECYCLE)
    pruned = baseline.updated(RUN, COVERED, add=False)
    assert [e.to_dict() for e in pruned.entries] == LIFECYCLE[1:]
    assert [e.index for e in pruned.entries] == [0, 1, 2]
    assert (pruned.path, pruned.today) == (baseline.path, baseline.today)


def test_update_prunes_and_adds_each_new_finding_once(tmp_path: Path) -> None:
    updated = load(tmp_path, LIFECYCLE).updated(RUN, COVERED, add=True)
    assert [e.to_dict() for e in updated.entries] == [
        *LIFECYCLE[1:],  # reasons and expiry dates kept; the expired one is not extended
        {
            "outcome": "crash",
            "kind": "barreport",
            "rule": "json.nan",
            "signature": "crash: barreport json.nan",
        },
        {
            "outcome": "false_accept",
            "kind": "statusclaim",
            "rule": "hlc.pattern",
            "signature": "false_accept: statusclaim hlc.pattern",
        },
    ]
    assert all(updated.match(f) is not None for f in RUN if f.kind != "barreport" or f.rule)
    assert updated.match(RUN[1]) is None  # still expired: the run still fails on it


def test_save_baseline_writes_what_load_reads(tmp_path: Path) -> None:
    updated = load(tmp_path, LIFECYCLE).updated(RUN, COVERED, add=True)
    save_baseline(updated)
    again = load_baseline(tmp_path / "baseline.json", today=TODAY)
    assert again.entries == updated.entries
    assert json.loads((tmp_path / "baseline.json").read_text())["accepted"][0] == LIFECYCLE[1]
    assert not list(tmp_path.glob(".*.tmp"))


@given(
    st.lists(
        st.builds(
            finding,
            st.sampled_from([o.value for o in Outcome]),
            st.sampled_from(["beatframe", "barreport"]),
            st.sampled_from([None, "hlc.pattern", "json.nan"]),
        ),
        max_size=8,
    ),
    st.lists(st.sampled_from(sorted(COVERED | {("statusclaim", None)}, key=str)), max_size=4),
)
def test_after_an_update_every_finding_is_accepted_and_nothing_is_stale(
    found: list[Finding], covered: list[tuple[str, str | None]]
) -> None:
    """Property: the updated baseline (with no expired entries) accepts every finding of the
    run, and a second update with the same run changes nothing."""
    entries = tuple(
        BaselineEntry(Outcome(e["outcome"]), e["kind"], e.get("rule")) for e in LIFECYCLE
    )
    baseline = Baseline(entries, "b.json", TODAY)
    once = baseline.updated(found, set(covered), add=True)
    assert all(once.match(f) is not None for f in found)
    assert once.stale(found, set(covered)) == []
    assert once.updated(found, set(covered), add=True).entries == once.entries
