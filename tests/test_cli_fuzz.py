"""The ``backbeat-fuzz`` campaign command: exit codes, one-line errors, the three target kinds,
the JSON, JUnit and SARIF reports, quiet and progress output, baselines, and reproducibility.

CliRunner drives the command in-process; the "as a user types it" cases run the installed
script as a subprocess and check that no traceback ever reaches the terminal.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from _fuzzing import (
    CONSUMERS,
    DEMO,
    assert_findings_are_true,
    campaign_args,
    finding_keys,
    fuzz,
    fuzz_process,
    put_consumers_on_path,
    read_report,
)

from backbeat_fuzz import MessageValidator

REFERENCE = "consumers.reference:handle_text"
HEADLINE = re.compile(
    r"(false_accept: accepts invalid|false_reject: rejects valid \w+:|crash: crashes:|hang: hangs:)"
    r" .+, seen on [\w, ]+ \(.+\)  \[\S+\.json\]"
)
TARGET_FORMS = (
    "use pkg.module.func (or pkg.module:func) for a Python function, cmd:COMMAND ARGS for a "
    "program that reads the message on stdin, stdio:COMMAND ARGS for a long-lived program "
    "answering one line per message, or http://host:port/path for a service the message is "
    "POSTed to"
)


@pytest.fixture
def workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A fresh working folder, with the test consumers importable by the target worker."""
    return put_consumers_on_path(monkeypatch, tmp_path)


# -- usage and configuration errors: exit 2, one line, the fix --------------------------------

BASELINES = {
    "broken.json": "nope",
    "typo.json": '{"accepted": [{"outcome": "false_acept", "kind": "beatframe"}]}',
}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--target", "nosuchmod.handle"],
            "cannot import target 'nosuchmod.handle': No module named 'nosuchmod'; "
            "run from the folder that holds the package or add it to PYTHONPATH",
        ),
        (
            ["--target", "backbeat_fuzz.demo:nope"],
            "target 'backbeat_fuzz.demo:nope' has no attribute 'nope'; "
            "check the name in module 'backbeat_fuzz.demo'",
        ),
        (
            ["--target", "demo.py:handle"],
            "target 'demo.py:handle' names a file; name the module instead: 'demo:handle'",
        ),
        (["--target", "mysvc"], f"target 'mysvc' is not a target spec; {TARGET_FORMS}"),
        (
            ["--target", "cmd:no-such-program"],
            "target 'cmd:no-such-program': program 'no-such-program' is not on PATH; "
            "install it or give its path (cmd:./my-consumer)",
        ),
        (
            ["--target", "cmd:cat", "--input", "object"],
            "input_mode='object' applies to Python targets only; 'cmd:cat' receives the "
            "message bytes, so drop the option",
        ),
        (
            ["--reject-on", "nosuch.Error"],
            "cannot import reject_on 'nosuch.Error': No module named 'nosuch'; "
            "run from the folder that holds the package or add it to PYTHONPATH",
        ),
        (
            ["--schemas", "missing"],
            "schemas folder 'missing' does not exist or is not a folder; pass a folder "
            "holding *.schema.json files, or omit it to use the packaged schemas",
        ),
        (
            ["--schemas", "empty"],
            "schemas folder 'empty' holds no *.schema.json file; point at the folder with "
            "the schemas, or omit it to use the packaged schemas",
        ),
        (
            ["--shard", "2/2"],
            "--shard '2/2' must be I/N with 0 <= I < N, e.g. 0/4 for the first of four workers",
        ),
        (
            ["--shard", "one"],
            "--shard 'one' must be I/N with 0 <= I < N, e.g. 0/4 for the first of four workers",
        ),
        (
            ["--baseline", "missing.json"],
            "cannot read baseline 'missing.json': No such file or directory; check the path, "
            "or write one with --baseline-update",
        ),
        (
            ["--baseline", "broken.json"],
            "baseline 'broken.json' is not valid JSON (Expecting value: line 1 column 1 "
            "(char 0)); fix the syntax",
        ),
        (
            ["--baseline", "typo.json"],
            "baseline 'typo.json': accepted[0]: outcome 'false_acept' is unknown; use one of: "
            "false_reject, false_accept, crash, hang. Did you mean 'false_accept'?",
        ),
        (
            ["--rule", "hlc.patern"],
            "--rule 'hlc.patern' selects no rule; list them with 'backbeat-fuzz mutations'. "
            "Did you mean 'hlc.pattern'?",
        ),
        (
            ["--kind", "beatfram"],
            "unknown message kind 'beatfram'; use one of: barreport, beatframe, statusclaim. "
            "Did you mean 'beatframe'?",
        ),
        (
            ["--kind", "beatframe", "--input", "object", "--rule", "json.nan"],
            "nothing to send: beatframe: json.nan not sent: the target takes object; "
            "choose other --rule values, or --input bytes for a Python target",
        ),
        (["--corpus", "a-file"], "corpus 'a-file' is a file; give a folder path"),
        (
            ["--corpus", "a-file/corpus"],
            "--corpus 'a-file/corpus' is below the file 'a-file'; give a path in a folder",
        ),
        (
            ["--database", "a-file"],
            "--database 'a-file' is a file; give a folder, a redis:// URL or 'none'",
        ),
        (
            ["--database", "a-file/db"],
            "--database 'a-file/db' is below the file 'a-file'; give a path in a folder",
        ),
        (
            ["--report-json", "a-file/report.json"],
            "--report-json 'a-file/report.json' is below the file 'a-file'; give a path in a "
            "folder",
        ),
        (["--junit-xml", "."], "--junit-xml '.' is a folder; give a file path, e.g. report.json"),
    ],
)
def test_configuration_errors_are_one_line_with_the_fix(
    workdir: Path, args: list[str], message: str
) -> None:
    (workdir / "empty").mkdir()
    (workdir / "a-file").write_text("not a folder")
    for name, text in BASELINES.items():
        (workdir / name).write_text(text)
    result = fuzz("--target", DEMO, "--max-examples", "1", *args)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {message.format(tmp=workdir.resolve())}\n"
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Error: --target is required, e.g. --target mysvc.handler (try --help)"),
        (
            ["--target", DEMO, "--max-examples", "0"],
            "Error: Invalid value for '--max-examples': 0 is not in the range x>=1.",
        ),
        (
            ["--target", DEMO, "--timeout", "0"],
            "Error: Invalid value for '--timeout': 0.0 is not in the range x>0.",
        ),
        (
            ["--target", DEMO, "--input", "xml"],
            "Error: Invalid value for '--input': 'xml' is not one of 'str', 'bytes', 'object'.",
        ),
        (["--bogus"], "Error: No such option '--bogus'. Did you mean '--corpus'?"),
    ],
)
def test_usage_errors_print_usage_and_the_help_hint(args: list[str], message: str) -> None:
    result = fuzz(*args)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Usage: backbeat-fuzz [OPTIONS]")
    assert "Try 'backbeat-fuzz --help' for help." in lines
    assert lines[-1] == message


def test_an_unreachable_service_is_a_configuration_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connections are refused
        result = fuzz("--target", f"http://127.0.0.1:{port}/beat", "--database", "none")
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: cannot connect to http://127.0.0.1:{port}/beat: "
        "connection refused; start the service first\n"
    )


@pytest.mark.parametrize(("target", "exit_code"), [(REFERENCE, 0), (DEMO, 1), ("nosuchmod.f", 2)])
def test_exit_codes_as_a_user_sees_them(workdir: Path, target: str, exit_code: int) -> None:
    args = campaign_args(target, workdir / "corpus", "--kind", "beatframe", "--max-examples", "9")
    proc = fuzz_process(*args, "--quiet")
    assert proc.returncode == exit_code
    lines = proc.stdout.splitlines()
    if exit_code == 0:
        assert (lines, proc.stderr) == ([], "")
    elif exit_code == 1:
        assert lines and all(HEADLINE.fullmatch(line) for line in lines)
    else:
        assert (lines, proc.stderr.count("\n")) == ([], 1)
        assert proc.stderr.startswith("Error: cannot import target 'nosuchmod.f'")
        assert not (workdir / "corpus").exists()


@pytest.mark.parametrize(
    ("database", "expected"),
    [("none", {"corpus"}), (None, {"corpus", ".backbeat-fuzz"}), ("db", {"corpus", "db"})],
)
def test_a_campaign_writes_only_where_it_was_pointed(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, database: str | None, expected: set[str]
) -> None:
    """No ``.hypothesis/`` of Hypothesis's own in the current folder: with the default database
    its files go in ``.backbeat-fuzz/``, else in a temporary folder removed at exit."""
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    args = ["--target", DEMO, "--seed", "1", "--corpus", "corpus", "--max-examples", "20", "-q"]
    if database is not None:
        args += ["--database", database]
    # A temporary folder of its own: the machine's is shared with other test runs, which
    # create and remove their own backbeat-fuzz-hypothesis-* folders meanwhile.
    temporary = workdir.parent / f"{workdir.name}-tmp"
    temporary.mkdir()
    proc = fuzz_process(*args, "--workers", "2", env={"TMPDIR": str(temporary)})
    assert proc.returncode == 1, proc.stderr
    assert {p.name for p in workdir.iterdir()} == expected
    assert not list(temporary.glob("backbeat-fuzz-hypothesis-*"))


# -- the three target kinds, exit 0 and exit 1 ------------------------------------------------


def _campaign(target: str, *extra: str) -> tuple[int, dict[str, Any]]:
    result = fuzz(*campaign_args(target, Path("corpus"), "--report-json", "r.json", *extra))
    assert result.stderr == "", result.stderr
    return result.exit_code, read_report(Path("r.json"))


@pytest.mark.usefixtures("workdir")
def test_a_correct_python_consumer_exits_0() -> None:
    result = fuzz(*campaign_args(REFERENCE, Path("corpus"), "--max-examples", "20"))
    assert result.exit_code == 0, result.output
    assert "no findings: valid messages were accepted and invalid ones rejected" in result.stdout
    assert not Path("corpus").exists()


FOCUS = ("--kind", "beatframe", "--rule", "hlc.pattern", "--rule", "required.window_id")


@pytest.mark.usefixtures("workdir")
@pytest.mark.parametrize(
    ("flags", "exit_code", "expected"),
    [
        ("", 0, set()),
        (
            " --buggy",
            1,
            {
                ("false_accept", "beatframe", "hlc.pattern"),
                ("crash", "beatframe", "required.window_id"),
            },
        ),
    ],
)
def test_a_program_read_on_stdin(flags: str, exit_code: int, expected: set[Any]) -> None:
    target = f"cmd:{sys.executable} {CONSUMERS / 'stdin_check.py'}{flags}"
    code, report = _campaign(target, *FOCUS, "--max-examples", "4")
    assert code == exit_code
    assert finding_keys(report["findings"]) == expected
    assert_findings_are_true(report["findings"])
    details = {f["outcome"]: f["detail"] for f in report["findings"]}
    assert details.get("crash", "killed by SIGABRT") == "killed by SIGABRT"
    assert report["counts"]["beatframe"]["invalid"] >= 4


class _Service(BaseHTTPRequestHandler):
    """Judges the POSTed message with the reference validator: 200 or 400 (500 when buggy)."""

    protocol_version = "HTTP/1.1"
    buggy: ClassVar[bool] = False
    validator: ClassVar[MessageValidator] = MessageValidator()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        result = self.validator.validate_message_string(body)
        status, text = (200, b"accepted") if result.valid else (400, b"rejected")
        if self.buggy and result.rules == {"hlc.pattern"} and b'\\n"' in body:
            status, text = 500, b"internal error"
        self.send_response(status)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@contextmanager
def _serving(buggy: bool) -> Iterator[str]:
    handler = type("Handler", (_Service,), {"buggy": buggy})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/beat"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.usefixtures("workdir")
@pytest.mark.parametrize(
    ("buggy", "exit_code", "expected"),
    [(False, 0, set()), (True, 1, {("crash", "beatframe", "hlc.pattern")})],
)
def test_a_service_posted_to(buggy: bool, exit_code: int, expected: set[Any]) -> None:
    with _serving(buggy) as url:
        code, report = _campaign(url, "--kind", "beatframe", "--max-examples", "40")
    assert code == exit_code
    assert finding_keys(report["findings"]) == expected
    for finding in report["findings"]:
        assert finding["detail"].startswith("HTTP 500")
        assert json.loads(finding["message"])["hlc"].endswith("\n")
    assert all(report["counts"]["beatframe"].values())  # distinct messages sent, both ways


# -- the reports of one demo campaign ---------------------------------------------------------


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One demo campaign with every report written: paths, exit code and stdout."""
    folder = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        result = fuzz(
            *campaign_args(DEMO, Path("corpus"), "--max-examples", "30"),
            "--report-json",
            "out/report.json",
            "--junit-xml",
            "out/junit.xml",
            "--sarif",
            "out/report.sarif",
        )
    return {"folder": folder, "exit_code": result.exit_code, "stdout": result.stdout}


def test_the_json_report_holds_counts_and_each_finding(demo_run: dict[str, Any]) -> None:
    report = read_report(demo_run["folder"] / "out/report.json")
    assert demo_run["exit_code"] == 1
    assert (report["target"], report["seed"]) == (DEMO, 1)
    assert set(report["counts"]) == {"beatframe", "statusclaim", "barreport"}
    for cell in report["counts"].values():
        assert set(cell) == {"valid", "invalid"} and all(n > 0 for n in cell.values())
    types = {"beatframe": "backbeat.beatframe.v1", "statusclaim": "backbeat.statusclaim.v1"}
    types["barreport"] = "backbeat.barreport.v1"
    assert report["findings"]
    for finding in report["findings"]:
        assert finding["outcome"] in {"false_accept", "false_reject", "crash", "hang"}
        assert finding["message_type"] == types[finding["kind"]]
        if finding["outcome"] == "false_reject":
            assert finding["rule"] is None
        if finding["outcome"] == "false_accept":
            assert finding["rule"] is not None
        corpus_file = demo_run["folder"] / finding["corpus_path"]
        assert corpus_file.read_text(encoding="utf-8") == finding["message"]
        assert isinstance(finding["detail"], str) and finding["detail"]
    signatures = [f["signature"] for f in report["findings"]]
    assert len(signatures) == len(set(signatures))  # one finding per bug
    assert_findings_are_true(report["findings"])


def test_the_junit_report_has_a_case_per_cell_and_per_finding(demo_run: dict[str, Any]) -> None:
    report = read_report(demo_run["folder"] / "out/report.json")
    suite = ET.parse(demo_run["folder"] / "out/junit.xml").getroot().find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    cells = {f"{k}.{d}" for k in report["counts"] for d in ("valid", "invalid")}
    assert [c.get("name") for c in cases][: len(cells)] == sorted(cells, key=_cell_order)
    assert len(cases) == len(cells) + len(report["findings"]) == int(suite.get("tests", ""))
    failed = [c for c in cases if c.find("failure") is not None]
    assert not {c.get("name") for c in failed} & cells  # cells pass: each finding fails once
    assert len(failed) == len(report["findings"]) == int(suite.get("failures", ""))
    messages = {c.find("failure").get("message") for c in failed}  # type: ignore[union-attr]
    assert messages == {_headline(f) for f in report["findings"]}
    assert "message: {" in (failed[0].findtext("failure") or "")


def _headline(finding: dict[str, Any]) -> str:
    from backbeat_fuzz.report import Finding

    return Finding(
        finding["outcome"],
        finding["signature"],
        finding["kind"],
        None,
        finding["rule"],
        b"",
        "",
        None,
        fields=tuple(finding["fields"]),
        kinds=tuple(finding["kinds"]),
        rules=tuple(finding["rules"]),
    ).headline


def _cell_order(name: str) -> tuple[int, int]:
    kind, direction = name.split(".")
    return ["barreport", "beatframe", "statusclaim"].index(kind), ["valid", "invalid"].index(
        direction
    )


def test_the_sarif_report_has_one_result_per_finding(demo_run: dict[str, Any]) -> None:
    report = read_report(demo_run["folder"] / "out/report.json")
    sarif = json.loads((demo_run["folder"] / "out/report.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    results = run["results"]
    assert len(results) == len(report["findings"])
    for result, finding in zip(results, report["findings"], strict=True):
        assert result["ruleId"] == f"backbeat/{finding['outcome']}"
        assert result["properties"]["message"] == finding["message"]
        assert result["properties"]["signature"] == finding["signature"]
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        if finding["location"]:  # the consumer's source line, where the target knows it
            assert uri == finding["location"].rpartition(":")[0]
        else:
            assert uri == finding["corpus_path"]


def test_the_summary_lists_every_finding(demo_run: dict[str, Any]) -> None:
    report = read_report(demo_run["folder"] / "out/report.json")
    stdout = demo_run["stdout"]
    assert stdout.startswith(f"backbeat-fuzz 0.1.0: target {DEMO}, seed 1\n")
    count = len(report["findings"])
    assert f"\n  {count} findings ({count} new, 0 known, 0 baselined); " in stdout
    assert stdout.count("     reproduce: backbeat-fuzz replay --target ") == count
    assert "(rerun with --seed" not in stdout  # the seed was given


# -- quiet, progress and the seed -------------------------------------------------------------


@pytest.mark.usefixtures("workdir")
def test_quiet_prints_only_the_finding_headlines() -> None:
    args = campaign_args(DEMO, Path("corpus"), "--kind", "beatframe", "--max-examples", "20")
    result = fuzz(*args, "--quiet", "--report-json", "r.json")
    lines = result.stdout.splitlines()
    assert result.exit_code == 1
    assert len(lines) == len(read_report(Path("r.json"))["findings"])
    assert all(HEADLINE.fullmatch(line) for line in lines), lines
    assert result.stderr == ""


@pytest.mark.usefixtures("workdir")
def test_without_a_terminal_there_is_no_progress_line_and_the_seed_is_printed() -> None:
    args = ["--target", DEMO, "--database", "none", "--corpus", "corpus"]
    result = fuzz(*args, "--kind", "beatframe", "--max-examples", "10")
    assert result.exit_code == 1
    assert result.stderr == ""
    assert "\r" not in result.stdout
    seed = re.fullmatch(r"seed (\d+) \(rerun with --seed \1\)", result.stdout.splitlines()[-1])
    assert seed, result.stdout.splitlines()[-1]
    assert result.stdout.startswith(f"backbeat-fuzz 0.1.0: target {DEMO}, seed {seed[1]}\n")


# -- baselines --------------------------------------------------------------------------------


def _baseline(entry: dict[str, Any]) -> Path:
    path = Path("baseline.json")
    path.write_text(json.dumps({"accepted": [entry]}), encoding="utf-8")
    return path


HLC_FINDING = {"outcome": "false_accept", "kind": "beatframe", "rule": "hlc.pattern"}
HLC_ONLY = ("--kind", "beatframe", "--rule", "hlc.pattern", "--max-examples", "10")


@pytest.mark.usefixtures("workdir")
def test_a_baselined_finding_is_reported_but_does_not_fail_the_run() -> None:
    baseline = _baseline({**HLC_FINDING, "reason": "ticket-7"})
    args = campaign_args(DEMO, Path("corpus"), *HLC_ONLY, "--baseline", baseline)
    result = fuzz(*args, "--report-json", "r.json")
    assert result.exit_code == 0, result.output
    assert "  1. accepts invalid hlc  [baselined]  [hlc]" in result.stdout
    assert "  1 findings (0 new, 0 known, 1 baselined); " in result.stdout
    (finding,) = read_report(Path("r.json"))["findings"]
    assert finding["status"] == "baselined"


@pytest.mark.usefixtures("workdir")
def test_an_expired_baseline_entry_is_reported_and_fails_the_run() -> None:
    baseline = _baseline({**HLC_FINDING, "expires": "2020-01-31"})
    result = fuzz(*campaign_args(DEMO, Path("corpus"), *HLC_ONLY, "--baseline", baseline))
    assert result.exit_code == 1
    assert (
        "baseline: baseline entry accepted[0] (false_accept beatframe hlc.pattern) expired on "
        "2020-01-31; fix the bug or extend the date\n"
    ) in result.stdout


@pytest.mark.usefixtures("workdir")
def test_a_baseline_entry_that_no_longer_reproduces_is_reported() -> None:
    baseline = _baseline(HLC_FINDING)
    result = fuzz(*campaign_args(REFERENCE, Path("corpus"), *HLC_ONLY, "--baseline", baseline))
    assert result.exit_code == 0
    assert (
        "baseline: baseline entry accepted[0] (false_accept beatframe hlc.pattern) no longer "
        "reproduces; remove it from baseline.json\n"
    ) in result.stdout


# -- reproducibility, as a user runs it -------------------------------------------------------


def _corpus_files(folder: Path) -> dict[str, Any]:
    """Relative path -> bytes (messages) or metadata without its timestamp."""
    files: dict[str, Any] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = str(path.relative_to(folder))
        if name.endswith(".meta.json"):
            meta = json.loads(path.read_text(encoding="utf-8"))
            del meta["found_at"]  # when it was found: the one field a rerun changes
            files[name] = meta
        else:
            files[name] = path.read_bytes()
    return files


def _without_run_details(report: dict[str, Any], corpus: Path) -> dict[str, Any]:
    del report["duration"]
    for failure in report["findings"]:
        failure["corpus_path"] = str(Path(failure["corpus_path"]).relative_to(corpus))
    return report


def test_the_same_seed_target_and_budget_give_the_same_findings_and_files(
    tmp_path: Path,
) -> None:
    runs = []
    for name in ("one", "two"):
        corpus, report = tmp_path / f"{name}-corpus", tmp_path / f"{name}.json"
        args = campaign_args(DEMO, corpus, "--max-examples", "30", "--report-json", report)
        proc = fuzz_process(*args, "--quiet")
        assert proc.returncode == 1
        runs.append((_corpus_files(corpus), _without_run_details(read_report(report), corpus)))
    (files_one, report_one), (files_two, report_two) = runs
    assert len(files_one) > 100
    assert files_one == files_two
    assert report_one == report_two


def test_a_schemas_folder_that_admits_no_message_is_one_line(workdir: Path) -> None:
    schema = MessageValidator().contract.kind("statusclaim").schema
    broken = json.loads(json.dumps(schema))
    broken["properties"]["progress"]["minimum"] = 2
    (workdir / "bad").mkdir()
    (workdir / "bad" / "statusclaim-v1.schema.json").write_text(json.dumps(broken))
    result = fuzz("--target", DEMO, "--max-examples", "1", "--schemas", "bad")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: schema at /properties/progress can match nothing: minimum 2 and maximum 1 "
        "leave no number; fix the schema\n"
    )


def test_a_schema_no_message_of_which_can_be_drawn_is_a_usage_error(workdir: Path) -> None:
    """Bounds that look satisfiable but are not (a pattern longer than maxLength) stop the run:
    a campaign that sends nothing must not report "no findings"."""
    schema = MessageValidator().contract.kind("beatframe").schema
    broken = json.loads(json.dumps(schema))
    broken["properties"]["cluster_id"].update(pattern="^[a-z]{10}$", maxLength=5)
    broken["examples"] = []
    (workdir / "bad").mkdir()
    (workdir / "bad" / "beatframe-v1.schema.json").write_text(json.dumps(broken))
    result = fuzz("--target", DEMO, "--max-examples", "2", "--schemas", "bad", "--rule", "hlc")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: no beatframe/invalid/")
    assert "message could be generated: every draw was rejected" in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.usefixtures("workdir")
def test_memory_limit_makes_a_growing_python_target_a_crash_and_is_refused_elsewhere() -> None:
    args = ["--kind", "beatframe", "--rule", "hlc.pattern", "--no-coverage", "--max-examples", "2"]
    grown = fuzz(*campaign_args("consumers.multibug:hog", Path("corpus"), *args),
                 "--memory-limit", "128", "--quiet")  # fmt: skip
    assert grown.exit_code == 1, grown.output
    assert "crash: crashes: MemoryError" in grown.stdout
    refused = fuzz(*campaign_args("cmd:true", Path("corpus"), *args), "--memory-limit", "128")
    assert refused.exit_code == 2
    assert "memory_limit applies to Python targets only" in refused.stderr


@pytest.mark.parametrize(
    ("tty", "no_color_env", "flag", "expected"),
    [
        (True, "", False, True),
        (True, "1", False, False),
        (True, "", True, False),
        (False, "", False, False),
    ],
)
def test_colour_only_on_a_terminal_and_never_when_asked_not_to(
    monkeypatch: pytest.MonkeyPatch, tty: bool, no_color_env: str, flag: bool, expected: bool
) -> None:
    from backbeat_fuzz.cli import _campaign as cli

    monkeypatch.setattr(cli.sys.stdout, "isatty", lambda: tty)
    monkeypatch.setenv("NO_COLOR", no_color_env)
    assert cli.color(flag) is expected
