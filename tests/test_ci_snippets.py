"""The CI snippets: written, well-formed, and running real backbeat-validate and backbeat-fuzz
options; the fuzz jobs' commands are run as written against the demo consumer."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML  # a dev dependency

from backbeat_fuzz import ci_snippets
from backbeat_fuzz.ci_snippets import SNIPPETS, SnippetOptions, render, write_snippets
from backbeat_fuzz.cli.fuzz import DEFAULT_DATABASE
from backbeat_fuzz.cli.fuzz import main as fuzz_main
from backbeat_fuzz.cli.validate import main as validate_main

ROOT = Path(__file__).resolve().parents[1]
VALID = ROOT / "examples" / "valid"
INVALID = ROOT / "examples" / "invalid"
YAML_FILES = [name for name in SNIPPETS if name.endswith((".yml", ".yaml"))]
VALIDATE_FILES = ["github-actions.yml", "gitlab-ci.yml"]
FUZZ_FILES = ["github-actions-fuzz.yml", "gitlab-ci-fuzz.yml"]
DEMO = "backbeat_fuzz.demo:handle"
#: The nightly campaign's report options and where they must write.
REPORTS = {
    "junit_xml": Path("reports/backbeat-fuzz.xml"),
    "report_json": Path("reports/backbeat-fuzz.json"),
    "sarif": Path("reports/backbeat-fuzz.sarif"),
}

#: File name -> lines that must appear in it exactly (stripped), the structure CI reads.
KEY_LINES = {
    "github-actions.yml": [
        "on:",
        "jobs:",
        "validate-backbeat:",
        "runs-on: ubuntu-latest",
        "steps:",
        "- uses: actions/checkout@v4",
        'run: python -m pip install "backbeat-fuzz"',
        "run: backbeat-validate --dir messages --exit-code",
    ],
    "gitlab-ci.yml": [
        "validate-backbeat:",
        "script:",
        '- python -m pip install "backbeat-fuzz"',
        "- backbeat-validate --dir messages --exit-code",
    ],
    "Makefile.backbeat": [
        "validate-backbeat:",
        "BACKBEAT_MESSAGES ?= messages",
        "$(BACKBEAT_VALIDATE) --dir $(BACKBEAT_MESSAGES) --exit-code",
    ],
    "github-actions-fuzz.yml": [
        "schedule:",
        "workflow_dispatch:",
        'TARGET: "mysvc.handler"',
        "fuzz-backbeat:",
        "replay-backbeat:",
        "uses: actions/cache/restore@v4",
        "uses: actions/cache/save@v4",
        "uses: actions/upload-artifact@v4",
        "uses: github/codeql-action/upload-sarif@v4",
        'run: backbeat-fuzz replay --target "$TARGET"',
    ],
    "gitlab-ci-fuzz.yml": [
        "fuzz-backbeat:",
        "replay-backbeat:",
        'TARGET: "mysvc.handler"',
        '- if: $CI_PIPELINE_SOURCE == "schedule"',
        "junit: reports/backbeat-fuzz.xml",
        '- backbeat-fuzz replay --target "$TARGET"',
    ],
}


def _load_yaml(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def _commands(name: str, text: str) -> list[str]:
    """The shell commands a YAML snippet runs, in order (GitHub ``run:`` steps, GitLab
    ``script:`` then ``after_script:``)."""
    doc = _load_yaml(text)
    if name.startswith("github"):
        return [
            step["run"] for job in doc["jobs"].values() for step in job["steps"] if "run" in step
        ]
    jobs = [job for job in doc.values() if isinstance(job, dict) and "script" in job]
    return [line for job in jobs for line in job["script"] + job.get("after_script", [])]


def _fuzz_args(commands: list[str]) -> list[list[str]]:
    found = [shlex.split(c) for c in commands if c.startswith("backbeat-fuzz ")]
    assert found, f"no backbeat-fuzz command in {commands}"
    return [args[1:] for args in found]


def _fuzz_context(args: list[str]) -> click.Context:
    """Parse *args* as the ``backbeat-fuzz`` CLI would; unknown options raise."""
    if args and args[0] in fuzz_main.commands:
        command = fuzz_main.commands[args[0]]
        return command.make_context(args[0], args[1:], parent=click.Context(fuzz_main))
    return fuzz_main.make_context("backbeat-fuzz", list(args))


def _default(command: click.Command, name: str) -> Any:
    return next(p.default for p in command.params if p.name == name)


def _validate_args(commands: list[str]) -> list[list[str]]:
    found = [shlex.split(c) for c in commands if c.startswith("backbeat-validate ")]
    assert found, f"no backbeat-validate command in {commands}"
    return [args[1:] for args in found]


def test_every_snippet_is_written(tmp_path: Path) -> None:
    written = write_snippets(tmp_path / "out")
    assert [p.name for p in written] == list(SNIPPETS)
    assert all(p.read_text(encoding="utf-8").strip() for p in written)


def test_writing_twice_gives_the_same_files(tmp_path: Path) -> None:
    first = {p.name: p.read_text() for p in write_snippets(tmp_path)}
    second = {p.name: p.read_text() for p in write_snippets(tmp_path)}
    assert first == second


@pytest.mark.parametrize("name", list(SNIPPETS))
def test_key_lines(name: str) -> None:
    lines = {line.strip() for line in SNIPPETS[name](SnippetOptions()).splitlines()}
    missing = [line for line in KEY_LINES[name] if line not in lines]
    assert not missing


@pytest.mark.parametrize("name", YAML_FILES)
def test_yaml_parses_and_has_no_tabs(name: str) -> None:
    text = SNIPPETS[name](SnippetOptions())
    assert "\t" not in text
    assert isinstance(_load_yaml(text), dict)


def test_github_workflow_structure() -> None:
    doc = _load_yaml(SNIPPETS["github-actions.yml"](SnippetOptions(python="3.12")))
    assert set(doc["on"]) == {"push", "pull_request"}
    steps = doc["jobs"]["validate-backbeat"]["steps"]
    assert steps[1]["with"]["python-version"] == "3.12"


def test_makefile_recipe_lines_start_with_a_tab() -> None:
    text = SNIPPETS["Makefile.backbeat"](SnippetOptions())
    after_target = text.split("validate-backbeat:\n", 1)[1].splitlines()
    assert after_target
    assert all(line.startswith("\t") for line in after_target)


@pytest.mark.parametrize("name", VALIDATE_FILES)
@pytest.mark.parametrize(("folder", "code"), [(VALID, 0), (INVALID, 1)])
def test_yaml_commands_are_real_backbeat_validate_runs(name: str, folder: Path, code: int) -> None:
    text = SNIPPETS[name](SnippetOptions(messages=str(folder)))
    for args in _validate_args(_commands(name, text)):
        result = CliRunner().invoke(validate_main, args)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert result.exit_code == code, result.output


@pytest.mark.parametrize(("folder", "code"), [(VALID, 0), (INVALID, 2)])
def test_makefile_fragment_runs_with_make(tmp_path: Path, folder: Path, code: int) -> None:
    make = shutil.which("make")
    assert make, "make is needed (the project's Makefile needs it too)"
    fragment = tmp_path / "Makefile.backbeat"
    fragment.write_text(SNIPPETS["Makefile.backbeat"](SnippetOptions(messages=str(folder))))
    validate = Path(sys.executable).parent / "backbeat-validate"
    proc = subprocess.run(
        [make, "-s", "-f", str(fragment), "validate-backbeat", f"BACKBEAT_VALIDATE={validate}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == code, proc.stderr  # make exits 2 when a recipe fails
    assert re.search(r"\d+ checked: ", proc.stdout)


def test_render_fills_every_placeholder() -> None:
    options = SnippetOptions(messages="msgs/", package="backbeat-fuzz==9.9", python="3.13")
    for build in SNIPPETS.values():
        text = build(options)
        assert not re.search(r"\{\{\w+\}\}", text)
        assert text.count("{{") == text.count("${{ ")  # only GitHub's own expressions are left
        assert "backbeat-fuzz==9.9" in text


def test_render_refuses_an_unknown_placeholder() -> None:
    with pytest.raises(KeyError, match=r"placeholder \{\{workspace\}\} is unknown"):
        render("dir: {{workspace}}", SnippetOptions())


def test_cli_writes_the_snippets(tmp_path: Path) -> None:
    out = tmp_path / "ci-examples"
    args = [str(out), "--messages", "data/msgs", "--target", "svc.consume"]
    result = CliRunner().invoke(ci_snippets.main, args)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"wrote {out / name}" for name in SNIPPETS]
    assert "--dir data/msgs --exit-code" in (out / "gitlab-ci.yml").read_text()
    assert 'TARGET: "svc.consume"' in (out / "gitlab-ci-fuzz.yml").read_text()


@pytest.mark.parametrize(
    ("make_args", "fragment"),
    [
        (lambda tmp: [], "Missing argument 'OUTDIR'"),
        (lambda tmp: [str(tmp / "file")], "is a file; give a folder to write into"),
    ],
)
def test_cli_usage_errors_exit_2(tmp_path: Path, make_args: Any, fragment: str) -> None:
    (tmp_path / "file").write_text("x")
    result = CliRunner().invoke(ci_snippets.main, make_args(tmp_path))
    assert result.exit_code == 2
    assert fragment in result.stderr


# -- the nightly fuzz jobs ------------------------------------------------------------------


def _fuzz_doc(name: str, **options: Any) -> Any:
    return _load_yaml(SNIPPETS[name](SnippetOptions(**options)))


def _github_steps(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if step.get("uses", "").startswith(action + "@")]


@pytest.mark.parametrize("name", FUZZ_FILES)
def test_fuzz_commands_parse_as_real_backbeat_fuzz_options(name: str) -> None:
    invocations = _fuzz_args(_commands(name, SNIPPETS[name](SnippetOptions())))
    contexts = [_fuzz_context(args) for args in invocations]
    campaign, replay = contexts
    assert campaign.command is fuzz_main and not campaign.args
    assert campaign.params["target"] == "$TARGET"
    assert campaign.params["duration"] == 1800
    assert campaign.params["max_examples"] == SnippetOptions().max_examples
    assert {key: campaign.params[key] for key in REPORTS} == REPORTS
    assert replay.command is fuzz_main.commands["replay"]
    assert replay.params["target"] == "$TARGET"


def test_fuzz_context_refuses_a_misspelt_option() -> None:
    """The check above would catch a snippet with an option the CLI does not have."""
    with pytest.raises(click.NoSuchOption, match="--durration"):
        _fuzz_context(["--target", "x", "--durration", "1800"])
    with pytest.raises(click.NoSuchOption, match="--duration"):
        _fuzz_context(["replay", "--target", "x", "--duration", "1800"])


def test_github_fuzz_runs_nightly_on_demand_and_replays_on_push() -> None:
    doc = _fuzz_doc("github-actions-fuzz.yml")
    (cron,) = [entry["cron"] for entry in doc["on"]["schedule"]]
    assert len(cron.split()) == 5
    assert "workflow_dispatch" in doc["on"] and "push" in doc["on"]
    jobs = doc["jobs"]
    assert jobs["fuzz-backbeat"]["if"] == "github.event_name != 'push'"
    assert jobs["replay-backbeat"]["if"] == "github.event_name == 'push'"
    assert jobs["fuzz-backbeat"]["timeout-minutes"] * 60 > 1800
    assert doc["env"]["TARGET"] == "mysvc.handler"


def test_gitlab_fuzz_runs_on_schedule_and_by_hand_and_replays_on_push() -> None:
    doc = _fuzz_doc("gitlab-ci-fuzz.yml")
    fuzz, replay = doc["fuzz-backbeat"], doc["replay-backbeat"]
    assert [r["if"] for r in fuzz["rules"]] == [
        '$CI_PIPELINE_SOURCE == "schedule"',
        '$CI_PIPELINE_SOURCE == "web"',
    ]
    assert '$CI_PIPELINE_SOURCE == "push"' in [r["if"] for r in replay["rules"]]
    minutes, unit = fuzz["timeout"].split()
    assert unit == "minutes" and int(minutes) * 60 > 1800
    assert fuzz["variables"]["TARGET"] == replay["variables"]["TARGET"] == "mysvc.handler"


def test_cached_paths_are_the_cli_defaults() -> None:
    database = _default(fuzz_main, "database")
    corpus = str(_default(fuzz_main, "corpus_dir"))
    assert database == DEFAULT_DATABASE == ".backbeat-fuzz/examples"
    assert corpus == str(_default(fuzz_main.commands["replay"], "corpus_dir")) == "corpus"

    job = _fuzz_doc("github-actions-fuzz.yml")["jobs"]["fuzz-backbeat"]
    (restore,) = _github_steps(job, "actions/cache/restore")
    (save,) = _github_steps(job, "actions/cache/save")
    assert restore["with"]["path"].split() == save["with"]["path"].split() == [database, corpus]
    assert restore["with"]["key"] == save["with"]["key"]
    (prefix,) = restore["with"]["restore-keys"].split()
    assert restore["with"]["key"].startswith(prefix)
    assert save["if"] == "always()"  # a night with findings fails the job; keep its database

    cache = _fuzz_doc("gitlab-ci-fuzz.yml")["fuzz-backbeat"]["cache"]
    assert cache["paths"] == [database, corpus]
    assert cache["when"] == "always"


def test_github_publishes_the_reports_the_campaign_writes() -> None:
    job = _fuzz_doc("github-actions-fuzz.yml")["jobs"]["fuzz-backbeat"]
    (upload,) = _github_steps(job, "actions/upload-artifact")
    (junit,) = _github_steps(job, "mikepenz/action-junit-report")
    (sarif,) = _github_steps(job, "github/codeql-action/upload-sarif")
    assert upload["with"]["path"] == "reports/"
    assert all(path.parent == Path("reports") for path in REPORTS.values())
    assert Path(junit["with"]["report_paths"]) == REPORTS["junit_xml"]
    assert Path(sarif["with"]["sarif_file"]) == REPORTS["sarif"]
    assert all(step["if"].startswith("always()") for step in (upload, junit, sarif))
    assert job["permissions"]["security-events"] == "write"


def test_gitlab_publishes_the_reports_the_campaign_writes() -> None:
    artifacts = _fuzz_doc("gitlab-ci-fuzz.yml")["fuzz-backbeat"]["artifacts"]
    assert artifacts["when"] == "always"
    assert artifacts["paths"] == ["reports/"]
    assert Path(artifacts["reports"]["junit"]) == REPORTS["junit_xml"]


def _bash(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash")
    assert bash, "bash is needed (CI runs the snippets' commands with it)"
    return subprocess.run(
        [bash, "-c", command], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", FUZZ_FILES)
def test_the_fuzz_job_runs_as_written(tmp_path: Path, name: str) -> None:
    """Every command of the fuzz jobs but ``pip install``, in order, in a fresh checkout."""
    text = SNIPPETS[name](SnippetOptions(target=DEMO, max_examples=1))
    commands = [c for c in _commands(name, text) if "pip install" not in c]
    marker, campaign, collect, replay = commands
    env = {**os.environ, "TARGET": DEMO}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    old = tmp_path / "corpus" / "beatframe" / "old.json"  # restored from the cache
    old.parent.mkdir(parents=True)
    old.write_text("{}")
    os.utime(old, (1_000_000_000, 1_000_000_000))

    assert _bash(marker, tmp_path, env).returncode == 0
    fuzzed = _bash(campaign, tmp_path, env)
    assert fuzzed.returncode == 1, fuzzed.stderr  # the demo consumer's bugs are found
    assert _bash(collect, tmp_path, env).returncode == 0

    for path in REPORTS.values():
        assert (tmp_path / path).stat().st_size > 0
    assert (tmp_path / DEFAULT_DATABASE).is_dir()  # what the cache keeps exists
    written = {p.relative_to(tmp_path) for p in (tmp_path / "corpus").rglob("*.json")}
    collected = {
        p.relative_to(tmp_path / "reports" / "new-corpus")
        for p in (tmp_path / "reports" / "new-corpus").rglob("*.json")
    }
    assert collected == written - {old.relative_to(tmp_path)}
    assert collected

    replayed = _bash(replay, tmp_path, env)
    assert replayed.returncode == 1, replayed.stderr  # the demo still has its bugs
    assert "still failing" in replayed.stdout
