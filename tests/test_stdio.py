"""``stdio:`` targets and their adapters.

The target's plumbing is driven through ``stdio_consumers/scripted.py``, a consumer that does
what each message says (answer a given line, exit, hang, flood stderr), so every path is
reached on purpose: the framing byte for byte, the answer lines, protocol errors, deaths,
hangs and restarts. The Python, Node.js and Go adapters then run as targets of real campaigns,
a correct consumer (no finding) and one with three planted bugs (exactly those findings):
a StatusClaim state check in each language, and strict consumers of the whole contract in
Node.js and Go (``strict.js``, ``go/strict/``), written from the docs alone as a new user would,
whose every raw-byte mutant must be judged right and whose planted bugs are one finding each.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from _fuzzing import campaign_args, fuzz
from _processes import eventually_gone
from hypothesis import given, settings
from hypothesis import strategies as st

from backbeat_fuzz.campaign.runner import UNREPRODUCIBLE
from backbeat_fuzz.errors import UsageError
from backbeat_fuzz.harness import CampaignConfig, run_campaign, run_cell
from backbeat_fuzz.model import Outcome, Verdict
from backbeat_fuzz.report import CampaignReport, Finding
from backbeat_fuzz.targets import InputMode, Target, _program, load_target
from backbeat_fuzz.targets import stdio as stdio_target

ROOT = Path(__file__).resolve().parents[1]
CONSUMERS = Path(__file__).resolve().parent / "stdio_consumers"
ADAPTERS = ROOT / "examples" / "adapters"
SCRIPTED = f"stdio:{sys.executable} {CONSUMERS / 'scripted.py'}"
#: The scripted consumer's commands (a message starting with one of them and ':' obeys it).
VERBS = {b"say", b"say-raw", b"exit", b"signal", b"hang", b"flood", b"late", b"close-stderr"}
VERBS |= {b"ids", b"quit"}
STATES = {"idle", "planning", "executing", "reviewing", "completed", "failed", "blocked", "helping"}


@pytest.fixture(scope="module")
def scripted() -> Iterator[Target]:
    """One scripted consumer shared by the tests that leave it running."""
    with load_target(SCRIPTED, timeout=5.0) as target:
        yield target


def _digest(data: bytes) -> str:
    return f"reject: len={len(data)} sha256={hashlib.sha256(data).hexdigest()}"


# -- framing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"{}",
        b'{"hlc": "7ffd:0001:abcd\n"}',
        b'{"notes": "a\x00b"}',
        b'{"notes": "\xff\xfe\xc3"}',
        b'\xef\xbb\xbf{"type": "backbeat.beatframe.v1"}',
        b"{}\r\n",
        b"3\nabc\n",
        b"\n\n\n",
        b"x" * (1 << 20),
    ],
    ids=[
        "empty",
        "object",
        "raw-newline",
        "nul",
        "invalid-utf8",
        "bom",
        "crlf",
        "a-frame-inside",
        "newlines-only",
        "1MiB",
    ],
)
def test_framing_is_byte_exact(scripted: Target, data: bytes) -> None:
    assert scripted.input_mode is InputMode.BYTES
    assert scripted.call(data).detail == _digest(data)


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=300))
def test_any_bytes_arrive_intact(scripted: Target, data: bytes) -> None:
    if data.partition(b":")[0] in VERBS:
        data = b"." + data  # not a command of the scripted consumer
    assert scripted.call(data).detail == _digest(data)


# -- answer lines -------------------------------------------------------------------------------

_NOT_AN_ANSWER = "protocol error: expected accept or reject, got"


@pytest.mark.parametrize(
    ("message", "verdict", "detail", "signature"),
    [
        (b"say:accept", Verdict.ACCEPTED, "accept", ""),
        (b"say:accept\r", Verdict.ACCEPTED, "accept", ""),
        (b"say:reject", Verdict.REJECTED, "reject", "reject"),
        (
            b"say:reject tempo_bpm 0.05 is below 0.1",
            Verdict.REJECTED,
            "reject: tempo_bpm 0.05 is below 0.1",
            "reject: tempo_bpm <N> is below <N>",
        ),
        (
            b"say:reject  hlc 'abc\xff'  \t bad ",
            Verdict.REJECTED,
            "reject: hlc 'abc\\xff' bad",
            "reject: hlc <str> bad",
        ),
        (b"say:hello", Verdict.CRASH, f"{_NOT_AN_ANSWER} 'hello'", f"{_NOT_AN_ANSWER} 'hello'"),
        (b"say:ACCEPT", Verdict.CRASH, f"{_NOT_AN_ANSWER} 'ACCEPT'", f"{_NOT_AN_ANSWER} 'ACCEPT'"),
        (b"say:accept 1", Verdict.CRASH, f"{_NOT_AN_ANSWER} 'accept 1'", f"{_NOT_AN_ANSWER} <str>"),
        (
            b"say:rejected",
            Verdict.CRASH,
            f"{_NOT_AN_ANSWER} 'rejected'",
            f"{_NOT_AN_ANSWER} 'rejected'",
        ),
        (b"say:", Verdict.CRASH, f"{_NOT_AN_ANSWER} ''", f"{_NOT_AN_ANSWER} <str>"),
        (
            b"say-raw:accept\nreject\n",
            Verdict.CRASH,
            "protocol error: expected one line, got 'accept' then 'reject\\n'",
            "protocol error: expected one line, got 'accept' then <str>",
        ),
        (
            b"say-raw:" + b"a" * 70_000,
            Verdict.CRASH,
            f"{_NOT_AN_ANSWER} over 65536 bytes in a line",
            f"{_NOT_AN_ANSWER} over <N> bytes in a line",
        ),
    ],
    ids=lambda value: value[:30].decode("latin1") if isinstance(value, bytes) else None,
)
def test_answer_lines(
    scripted: Target, message: bytes, verdict: Verdict, detail: str, signature: str
) -> None:
    response = scripted.call(message)
    assert (response.verdict, response.detail, response.signature) == (verdict, detail, signature)
    assert scripted.call(b"say:accept").verdict is Verdict.ACCEPTED  # in step again


# -- deaths, hangs and restarts -----------------------------------------------------------------


def test_a_death_is_a_crash_quoting_stderr_and_the_next_message_gets_a_new_program(
    scripted: Target,
) -> None:
    response = scripted.call(b"exit:3:Traceback...\nKeyError: 'hlc'\n")
    assert response.verdict is Verdict.CRASH
    assert response.detail == "exit code 3 (stderr: KeyError: 'hlc') before answering"
    assert response.signature == "exit code 3: KeyError: 'hlc'"
    assert response.output == "Traceback...\nKeyError: 'hlc'"
    assert response.location is None  # not an adapter's crash line
    killed = scripted.call(b"signal:SIGSEGV")
    assert (killed.verdict, killed.signature) == (Verdict.CRASH, "killed by SIGSEGV")
    assert killed.detail == "killed by SIGSEGV before answering"
    assert scripted.call(b"{}").detail == _digest(b"{}")


def test_a_hang_kills_the_process_group_and_restarts(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    with load_target(SCRIPTED, timeout=0.3) as target:
        assert target.call(b"say:accept").verdict is Verdict.ACCEPTED  # started: the clock is 0.3
        response = target.call(b"hang:" + str(pidfile).encode())
        assert (response.verdict, response.signature) == (Verdict.HANG, "hang")
        assert response.detail == "no answer within 0.3s"
        assert 0.3 <= response.elapsed < 2.0
        assert eventually_gone(int(pidfile.read_text()))
        assert target.call(b"{}").detail == _digest(b"{}")


def test_a_slow_start_is_not_a_hang() -> None:
    spec = f"stdio:sh -c 'sleep 0.6; exec {sys.executable} {CONSUMERS / 'scripted.py'}'"
    with load_target(spec, timeout=0.2) as target:
        assert target.call(b"say:accept").verdict is Verdict.ACCEPTED


def test_a_program_that_exits_between_messages_is_started_again(scripted: Target) -> None:
    assert scripted.call(b"quit").verdict is Verdict.ACCEPTED
    assert scripted.call(b"{}").detail == _digest(b"{}")  # resent to a fresh program
    assert scripted.call(b"quit").verdict is Verdict.ACCEPTED
    time.sleep(0.3)
    response = scripted.call(b"{}")
    assert response.detail == _digest(b"{}")
    assert response.output == "(the program exited after its previous answer: exit code 0)"


def test_output_after_an_answer_is_discarded_and_quoted(scripted: Target) -> None:
    assert scripted.call(b"late").verdict is Verdict.ACCEPTED
    time.sleep(0.5)
    response = scripted.call(b"say:accept")
    assert response.verdict is Verdict.ACCEPTED
    expected = "(discarded stdout written after the previous answer: 'late line\\n')"
    assert response.output == expected


@pytest.mark.parametrize(("flood", "last"), [(b"flood:200000", "line 199999"), (b"flood:raw", "")])
def test_a_stderr_flood_never_blocks_and_is_kept_bounded(
    scripted: Target, flood: bytes, last: str
) -> None:
    response = scripted.call(flood)
    assert response.verdict is Verdict.ACCEPTED
    lines = response.output.split("\n")
    assert len(lines) <= _program.STDERR_LINES
    assert all(len(line) <= _program.MAX_STDERR_LINE + 3 for line in lines)
    assert lines[-1] == last or lines[-1].startswith("xxx")


def test_the_program_leads_its_own_process_group_in_our_session(scripted: Target) -> None:
    """Its group is killed whole; a session of its own would cost a scheduling autogroup."""
    ids = dict(word.split("=") for word in scripted.call(b"ids").detail.split()[1:])
    assert ids["pgid"] == ids["pid"] != str(os.getpgid(0))
    assert ids["sid"] == str(os.getsid(0))


def test_a_closed_stderr_is_not_polled_again(tmp_path: Path) -> None:
    with load_target(SCRIPTED, timeout=0.5) as target:
        assert target.call(b"close-stderr").verdict is Verdict.ACCEPTED
        cpu = time.process_time()
        response = target.call(b"hang:" + str(tmp_path / "pid").encode())
        assert response.verdict is Verdict.HANG
        # It waited (about 1 ms of CPU); spinning on the closed pipe took 250 ms of the 500.
        assert time.process_time() - cpu < 0.05


def test_close_ends_the_program(scripted: Target) -> None:
    with load_target(SCRIPTED) as target:
        target.call(b"{}")
        pid = target._program.proc.pid  # type: ignore[attr-defined]
    assert eventually_gone(pid)
    target.close()  # idempotent


# -- usage errors -------------------------------------------------------------------------------


def test_a_command_that_cannot_start_is_a_usage_error() -> None:
    spec = "stdio:sh -c 'echo cannot start >&2; exit 4'"
    expected = (
        f"target {spec!r}: the program exited before reading its first message: exit code 4 "
        "(stderr: cannot start); check that the command runs on its own and reads framed "
        "messages on stdin (see docs/targets.md)"
    )
    with load_target(spec) as target:
        for _ in range(2):  # and it stays broken
            with pytest.raises(UsageError) as caught:
                target.call(b"{}")
            assert str(caught.value) == expected


@pytest.mark.parametrize("pause", [0.0, 0.3])  # the banner seen while sending, or before
def test_a_banner_on_stdout_is_a_usage_error(pause: float) -> None:
    spec = "stdio:sh -c 'echo listening on stdin; sleep 10'"
    with load_target(spec) as target, pytest.raises(UsageError) as caught:
        time.sleep(pause)
        target.call(b"{}")
    assert str(caught.value).startswith(
        f"target {spec!r}: the program wrote 'listening on stdin' to stdout before reading its "
        "first message (stdout is only for answers: write logs and banners to stderr); check"
    )


def test_a_command_that_never_reads_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_program, "STARTUP_TIMEOUT", 0.3)
    with load_target("stdio:sleep 30") as target, pytest.raises(UsageError) as caught:
        target.call(b"{}")
    assert "the program did not start reading within 0.3s; check that" in str(caught.value)


def test_load_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plain.sh").write_text("exit 0\n")
    cases = {
        "stdio:no-such-program-xyz": "target 'stdio:no-such-program-xyz': program "
        "'no-such-program-xyz' is not on PATH; install it or give its path (stdio:./my-consumer)",
        "stdio:": "target 'stdio:' names no program; write stdio:COMMAND ARGS",
        "stdio:sh -c 'x": 'target "stdio:sh -c \'x" cannot be split into words (No closing '
        "quotation); fix the quoting",
        "stdio:./nope.sh": "target 'stdio:./nope.sh': './nope.sh' does not exist; check the path",
        "stdio:./plain.sh": "target 'stdio:./plain.sh': './plain.sh' is not executable; run "
        "'chmod +x ./plain.sh' or name its interpreter (stdio:sh ./plain.sh)",
    }
    for spec, message in cases.items():
        with pytest.raises(UsageError) as caught:
            load_target(spec)
        assert str(caught.value) == message
    with pytest.raises(UsageError, match="input_mode='object' applies to Python targets only"):
        load_target("stdio:cat", input_mode="object")
    with pytest.raises(UsageError, match="reject_on applies to Python targets only"):
        load_target("stdio:cat", reject_on=["mysvc.Bad"])


# -- the adapters in campaigns ------------------------------------------------------------------


def _tool(name: str, install: str) -> str:
    """The path of *name*; without it, a failure under CI and a skip (with the reason) outside."""
    found = shutil.which(name)
    if found is None:
        reason = f"{name} is not installed ({install}); the adapter it runs is not tested"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}, and CI must test it: .ci/run installs it")
        pytest.skip(reason)
    return found


@pytest.fixture(scope="session")
def go_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Go adapter's module with the state and strict consumers added, built once."""
    go = _tool("go", "apt-get install golang-go")
    work = tmp_path_factory.mktemp("go")
    module = work / "module"
    shutil.copytree(ADAPTERS / "go", module)
    (module / "cmd" / "state").mkdir(parents=True)
    shutil.copy(CONSUMERS / "go" / "state.go", module / "cmd" / "state" / "main.go")
    shutil.copytree(CONSUMERS / "go" / "strict", module / "cmd" / "strict")
    env = {
        **os.environ,
        "GOCACHE": str(work / "cache"),
        "GOPATH": str(work / "gopath"),
        "GOPROXY": "off",
        "GOFLAGS": "-mod=mod",
        "GOTOOLCHAIN": "local",
        "CGO_ENABLED": "0",
    }
    subprocess.run(
        [go, "build", "-o", str(work / "bin") + os.sep, "./cmd/..."],
        cwd=module,
        env=env,
        check=True,
    )
    return work / "bin"


def _spec(language: str, mode: str, request: pytest.FixtureRequest) -> str:
    if language == "python":
        return f"stdio:{sys.executable} {CONSUMERS / 'state.py'} {mode}"
    if language == "node":
        return f"stdio:{_tool('node', 'apt-get install nodejs')} {CONSUMERS / 'state.js'} {mode}"
    return f"stdio:{request.getfixturevalue('go_build') / 'state'} {mode}"


def test_a_consumer_dying_every_seventh_message_is_one_finding_not_one_per_field(
    tmp_path: Path,
) -> None:
    """The same message sent again is accepted: the death is not about its fields, and the
    attribution (whose tries die at random too) would have made a finding of each field."""
    spec = f"stdio:{sys.executable} {CONSUMERS / 'dies_every.py'} 7"
    config = CampaignConfig(spec, max_examples=80, seed=1, corpus_dir=tmp_path, database=None)
    report = run_cell(config, "beatframe", "valid")
    (death,) = report.findings
    assert death.signature == f"crash: exit code 3 [{UNREPRODUCIBLE}]"


def _state_campaign(spec: str, corpus: Path) -> list[Finding]:
    """Valid StatusClaims and the state rules' mutants, through one running target."""
    config = CampaignConfig(target=spec, max_examples=60, seed=7, corpus_dir=corpus, database=None)
    invalid = replace(config, rules=("state.enum", "required.state"))
    with load_target(spec) as target:
        reports: list[CampaignReport] = [
            run_cell(config, "statusclaim", "valid", target=target),
            run_cell(invalid, "statusclaim", "invalid", target=target),
        ]
    return [failure for report in reports for failure in report.findings]


LANGUAGES = ["python", "node", "go"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_adapter_serving_a_correct_consumer_has_no_finding(
    language: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    assert _state_campaign(_spec(language, "correct", request), tmp_path) == []


#: The exit status of every adapter whose handler crashed.
CRASH_STATUS = 70
#: What each adapter's crash line says of the planted crash: the error and where it was raised.
CRASH_SITES = {
    "python": re.compile(r".*KeyError: 'state' at \S*state\.py:\d+ in buggy\) before answering"),
    "node": re.compile(r".*TypeError: .* at \S*state\.js:\d+\) before answering"),
    "go": re.compile(r".*crash: panic: .* at main\.go:\d+ in main\.buggy\) before answering"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_adapter_serving_a_buggy_consumer_finds_its_bugs(
    language: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    findings = _state_campaign(_spec(language, "buggy", request), tmp_path)
    by_outcome: dict[Outcome, list[Finding]] = {}
    for finding in findings:
        by_outcome.setdefault(finding.outcome, []).append(finding)
    assert set(by_outcome) == {Outcome.FALSE_REJECT, Outcome.FALSE_ACCEPT, Outcome.CRASH}
    for finding in by_outcome[Outcome.FALSE_REJECT]:
        assert finding.rule is None
        assert _state(finding) == "helping"
        assert finding.detail == "reject: state helping is not supported"
    for finding in by_outcome[Outcome.FALSE_ACCEPT]:
        state = _state(finding)
        assert finding.rule == "state.enum"
        assert isinstance(state, str) and state not in STATES and state.lower() in STATES
    crashes = by_outcome[Outcome.CRASH]  # a missing state, and a state that is no string
    (missing,) = [f for f in crashes if "required.state" in f.rules]
    assert CRASH_SITES[language].fullmatch(missing.detail), missing.detail
    for finding in crashes:
        assert not isinstance(_state(finding), str)
        assert finding.detail.startswith(f"exit code {CRASH_STATUS} (stderr: crash: ")


#: The signature of each buggy consumer's crash on a message without a state, run from the
#: project's folder: the error and where it was raised (the file from the working folder, as a
#: SARIF location must be; the Go program was built outside it), not the error's text.
CRASH_SIGNATURES = {
    "python": r"exit code 70: crash: KeyError at (tests/stdio_consumers/state\.py:\d+) in buggy: "
    "'state'",
    "node": r"exit code 70: crash: TypeError at (tests/stdio_consumers/state\.js:\d+)",
    "go": r"exit code 70: crash: panic at (main\.go:\d+) in main\.buggy",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_adapter_crash_names_the_error_and_where_it_was_raised(
    language: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    with load_target(_spec(language, "buggy", request)) as target:
        response = target.call(b'{"type": "backbeat.statusclaim.v1"}')
        assert target.call(b'{"state": "helping"}').verdict is Verdict.REJECTED  # restarted
    signed = re.fullmatch(CRASH_SIGNATURES[language], response.signature or "")
    assert response.verdict is Verdict.CRASH and signed, response.signature
    assert response.location == signed[1]


@pytest.mark.parametrize("language", ["python", "node"])
def test_an_adapter_crash_outside_the_working_folder_names_the_files_basename(
    language: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    with load_target(_spec(language, "buggy", request)) as target:
        response = target.call(b'{"type": "backbeat.statusclaim.v1"}')
    assert response.location is not None
    assert re.fullmatch(r"state\.(py|js):\d+", response.location), response.location


#: Crash lines of one bug (a .get on a message that is no object, at one line) and of others.
ONE_BUG = [
    "crash: AttributeError: 'list' object has no attribute 'get' at buggy.py:16 in handle",
    "crash: AttributeError: 'str' object has no attribute 'get' at buggy.py:16 in handle",
    "crash: AttributeError: 'NoneType' object has no attribute 'get' at buggy.py:16 in handle",
]
OTHER_BUGS = [
    "crash: AttributeError: 'list' object has no attribute 'get' at buggy.py:30 in handle",
    "crash: TypeError: 'list' object is not subscriptable at buggy.py:16 in handle",
    "crash: KeyError: 'state' at buggy.py:16 in handle",
    "crash: KeyError: 'hlc' at buggy.py:16 in handle",
    "crash: panic: runtime error: index out of range [100] with length 100 at kinds.go:91 in x.f",
    "crash: TypeError: Cannot set properties of undefined (setting 'second') at strict.js:149",
    "Segmentation fault",
]


def test_an_adapter_crash_is_signed_by_its_error_and_site_not_its_text() -> None:
    """The text words the message ('list', 'str', 'NoneType'): one bug was three findings."""
    signatures = [stdio_target._crash_signature(70, said)[0] for said in ONE_BUG]
    assert signatures == ["exit code 70: crash: AttributeError at buggy.py:16 in handle"] * 3
    others = [stdio_target._crash_signature(70, said)[0] for said in OTHER_BUGS]
    assert len(set(others)) == len(others) and signatures[0] not in others
    assert stdio_target._crash_signature(70, OTHER_BUGS[4]) == (
        "exit code 70: crash: panic at kinds.go:91 in x.f",
        "kinds.go:91",
    )


def _state(finding: Finding) -> object:
    return json.loads(finding.data).get("state")


def test_the_reference_validator_through_the_python_adapter_has_no_finding(
    tmp_path: Path,
) -> None:
    """Every kind and rule, raw-byte mutants included: a strict consumer sees what was sent."""
    config = CampaignConfig(
        target=f"stdio:{sys.executable} {CONSUMERS / 'reference.py'}",
        max_examples=10,
        seed=3,
        corpus_dir=tmp_path,
        database=None,
    )
    report = run_campaign(config)
    assert report.findings == []
    assert all(counts["invalid"] > 30 for counts in report.counts.values()), report.counts


# -- strict consumers of the whole contract in Node.js and Go ----------------------------------


def _strict_campaign(
    language: str, mode: str, request: pytest.FixtureRequest, corpus: Path
) -> CampaignReport:
    """Every kind, rule and raw-byte mutant, through a consumer written from the docs alone."""
    if language == "node":
        spec = f"stdio:{_tool('node', 'apt-get install nodejs')} {CONSUMERS / 'strict.js'} {mode}"
    else:
        spec = f"stdio:{request.getfixturevalue('go_build') / 'strict'} {mode}"
    config = CampaignConfig(target=spec, max_examples=30, seed=11, corpus_dir=corpus, database=None)
    return run_campaign(config)


@pytest.mark.parametrize("language", ["node", "go"])
def test_a_strict_consumer_of_the_whole_contract_has_no_finding(
    language: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Any finding here is a false report: the worst bug the fuzzer can have."""
    report = _strict_campaign(language, "correct", request, tmp_path)
    assert report.findings == []
    assert report.coverage_sent > 1200 and not report.skipped, report.skipped


#: Each strict consumer's three planted bugs: (outcome, kind, the fields that matter, cause).
STRICT_BUGS = {
    "node": [
        (Outcome.FALSE_REJECT, "statusclaim", ("beats_left",), r"reject: beats_left must be .*"),
        (Outcome.FALSE_ACCEPT, "beatframe", ("beat_index",), r"beatframe beat_index"),
        (
            Outcome.CRASH,
            "beatframe",
            ("deadline_at",),
            r"exit code 70: crash: TypeError at \S*strict\.js:\d+",
        ),
    ],
    "go": [
        (Outcome.FALSE_REJECT, "statusclaim", ("progress",), r"reject: progress must be below <N>"),
        (Outcome.FALSE_ACCEPT, "beatframe", ("cluster_id",), r"beatframe cluster_id"),
        (
            Outcome.CRASH,
            "barreport",
            ("issues",),
            r"exit code 70: crash: panic at kinds\.go:\d+ in main\.checker\.issues",
        ),
    ],
}


@pytest.mark.parametrize("language", ["node", "go"])
def test_each_planted_bug_of_a_strict_consumer_is_one_finding(
    language: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    report = _strict_campaign(language, "buggy", request, tmp_path)
    found = sorted(report.findings, key=lambda f: list(Outcome).index(f.outcome))
    assert [(f.outcome, f.kind, f.fields) for f in found] == [
        bug[:3] for bug in STRICT_BUGS[language]
    ], [f.headline for f in found]
    for finding, (*_, cause) in zip(found, STRICT_BUGS[language], strict=True):
        assert re.fullmatch(cause, finding.cause), finding.cause


# -- the examples in docs/targets.md ------------------------------------------------------------

EXAMPLES = {
    "python": ADAPTERS / "python" / "my_consumer.py",
    "node": ADAPTERS / "node" / "my-consumer.js",
    "go": ADAPTERS / "go" / "cmd" / "my-consumer" / "main.go",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_documented_example_is_the_shipped_one_and_it_works(
    language: str,
    request: pytest.FixtureRequest,
    readme_messages: dict[str, dict[str, object]],
) -> None:
    assert EXAMPLES[language].read_text() in (ROOT / "docs" / "targets.md").read_text()
    if language == "go":
        spec = f"stdio:{request.getfixturevalue('go_build') / 'my-consumer'}"
    else:
        interpreter = (
            sys.executable if language == "python" else _tool("node", "apt-get install nodejs")
        )
        spec = f"stdio:{interpreter} {EXAMPLES[language]}"
    with load_target(spec) as target:
        for message in readme_messages.values():
            assert target.call(json.dumps(message).encode()).verdict is Verdict.ACCEPTED
        for bad in (b"{", b"[1]", b'{"type": "backbeat.nope.v1"}', b""):
            response = target.call(bad)
            assert response.verdict is Verdict.REJECTED, (bad, response)


# -- from the command line ----------------------------------------------------------------------


def test_the_cli_reports_a_stdio_targets_findings_and_a_broken_command(tmp_path: Path) -> None:
    spec = f"stdio:{sys.executable} {CONSUMERS / 'state.py'} buggy"
    args = ["--kind", "statusclaim", "--rule", "required.state", "--max-examples", "5"]
    found = fuzz(*campaign_args(spec, tmp_path / "corpus", *args, "--quiet"))
    assert found.exit_code == 1, found.output
    assert re.search(
        r"crash: crashes: exit code 70: crash: KeyError at \S*state\.py:", found.stdout
    )
    assert "[state], seen on statusclaim (required.state)" in found.stdout
    broken = "stdio:sh -c 'echo no such config >&2; exit 4'"
    failed = fuzz(*campaign_args(broken, tmp_path / "corpus", *args, "--no-replay"))
    assert failed.exit_code == 2
    assert failed.stderr.startswith(
        f"Error: target {broken!r}: the program exited before reading its first message: "
        "exit code 4 (stderr: no such config); check that"
    )
    assert failed.stderr.count("\n") == 1
