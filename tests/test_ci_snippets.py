"""The CI snippets: written, valid against the GitHub workflow and GitLab CI schemas, running
real backbeat-validate and backbeat-fuzz options; and every shell step of every job is run as
written in a sample user project, installing backbeat-fuzz from a wheel built from this
checkout into a fresh virtual environment (install, install the service, fuzz, replay)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML  # a dev dependency

from backbeat_fuzz import __version__, ci_snippets
from backbeat_fuzz.ci_snippets import (
    DEFAULT_PACKAGE,
    SNIPPETS,
    SnippetOptions,
    render,
    write_snippets,
)
from backbeat_fuzz.cli.fuzz import main as fuzz_main
from backbeat_fuzz.cli.validate import main as validate_main
from backbeat_fuzz.defaults import DEFAULT_DATABASE

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
        f'BACKBEAT_FUZZ_PACKAGE: "{DEFAULT_PACKAGE}"',
        'run: python -m pip install "$BACKBEAT_FUZZ_PACKAGE"',
        "run: backbeat-validate --dir messages --exit-code",
    ],
    "gitlab-ci.yml": [
        "validate-backbeat:",
        "script:",
        f'BACKBEAT_FUZZ_PACKAGE: "{DEFAULT_PACKAGE}"',
        '- python -m pip install "$BACKBEAT_FUZZ_PACKAGE"',
        "- backbeat-validate --dir messages --exit-code",
    ],
    "Makefile.backbeat": [
        "validate-backbeat:",
        "BACKBEAT_MESSAGES ?= messages",
        f"BACKBEAT_FUZZ_PACKAGE ?= {DEFAULT_PACKAGE}",
        '|| $(BACKBEAT_PIP) install -q "$(BACKBEAT_FUZZ_PACKAGE)"',
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
        f'BACKBEAT_FUZZ_PACKAGE: "{DEFAULT_PACKAGE}"',
        "- name: Install your service (TARGET must import, with its dependencies)",
        'run: backbeat-fuzz replay --target "$TARGET" --allow-empty',
    ],
    "gitlab-ci-fuzz.yml": [
        "fuzz-backbeat:",
        "replay-backbeat:",
        'TARGET: "mysvc.handler"',
        '- if: $CI_PIPELINE_SOURCE == "schedule"',
        "junit: reports/backbeat-fuzz.xml",
        '- python -m pip install "$BACKBEAT_FUZZ_PACKAGE"',
        '- backbeat-fuzz replay --target "$TARGET" --allow-empty',
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


def test_cli_sets_the_package_and_the_service_install(tmp_path: Path) -> None:
    git = "git+https://github.com/OWNER/backbeat-fuzz@v0.1.0"
    args = [str(tmp_path), "--package", git, "--service-install", "make install-deps"]
    assert CliRunner().invoke(ci_snippets.main, args).exit_code == 0
    fuzz = (tmp_path / "github-actions-fuzz.yml").read_text()
    assert f'BACKBEAT_FUZZ_PACKAGE: "{git}"' in fuzz
    jobs = _load_yaml(fuzz)["jobs"].values()
    installs = [
        step["run"] for job in jobs for step in job["steps"] if "service" in step.get("name", "")
    ]
    assert installs == ["make install-deps\n", "make install-deps\n"]


@pytest.mark.parametrize(
    ("make_args", "fragment"),
    [
        (lambda tmp: [], "Missing argument 'OUTDIR'"),
        (lambda tmp: [str(tmp / "file")], "is a file; give a folder to write into"),
        (
            lambda tmp: [str(tmp / "out"), "--service-install", "pip install .\nmake"],
            "--service-install must be one line; join the commands with '&&' or ';'",
        ),
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


# -- the CI schemas -----------------------------------------------------------------------------

#: YAML snippet -> check-jsonschema's vendored schema for it (shipped in the package: no network).
CI_SCHEMAS = {
    "github-actions.yml": "vendor.github-workflows",
    "github-actions-fuzz.yml": "vendor.github-workflows",
    "gitlab-ci.yml": "vendor.gitlab-ci",
    "gitlab-ci-fuzz.yml": "vendor.gitlab-ci",
}


def _check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    tool = Path(sys.executable).parent / "check-jsonschema"
    assert tool.exists(), "check-jsonschema is a dev dependency: make deps installs it"
    return subprocess.run(
        [str(tool), "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_yaml_snippet_has_a_ci_schema() -> None:
    assert sorted(CI_SCHEMAS) == sorted(YAML_FILES)


@pytest.mark.parametrize("name", YAML_FILES)
def test_yaml_snippet_validates_against_its_ci_schema(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(SNIPPETS[name](SnippetOptions()), encoding="utf-8")
    checked = _check_jsonschema(CI_SCHEMAS[name], path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize(
    ("name", "job", "key"),
    [("github-actions.yml", "validate-backbeat", "runs-on"), ("gitlab-ci.yml", None, "stage")],
)
def test_the_schema_check_catches_a_broken_snippet(
    tmp_path: Path, name: str, job: str | None, key: str
) -> None:
    """The check above can fail: a job with a missing runner, or a stage of the wrong type."""
    text = SNIPPETS[name](SnippetOptions())
    if job is not None:
        broken = text.replace("    runs-on: ubuntu-latest\n", "")
    else:
        broken = text.replace("  stage: test\n", "  stage: [1, 2]\n")
    assert broken != text
    path = tmp_path / name
    path.write_text(broken, encoding="utf-8")
    assert _check_jsonschema(CI_SCHEMAS[name], path).returncode == 1


# -- every shell step, run in a sample user project ---------------------------------------------

#: The sample service: a strict consumer with one bug (it rejects every valid StatusClaim).
SERVICE = """\
from backbeat_fuzz import MessageValidator

_validator = MessageValidator()


def handle(text):
    result = _validator.validate_message_string(text)
    if not result.valid:
        raise ValueError(str(result.errors[0]))
    if result.message_type == "backbeat.statusclaim.v1":
        raise ValueError("statusclaims are not supported yet")  # the bug: a false reject
    return True
"""


@dataclass(frozen=True)
class Installed:
    """A wheel built from this checkout and a fresh virtual environment to install it into."""

    wheel: Path
    venv: Path

    def env(self, **extra: str) -> dict[str, str]:
        """A CI-like environment: the venv first on PATH, then the system only (not .venv)."""
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env["PATH"] = os.pathsep.join(
            [str(self.venv / "bin"), "/usr/local/bin", "/usr/bin", "/bin"]
        )
        return {**env, "PIP_NO_INPUT": "1", **extra}


def _dependencies(folder: Path) -> Path:
    """A folder of links to this environment's installed packages but backbeat-fuzz itself, so
    that the fresh venv's ``pip install wheel`` finds every dependency without a network."""
    folder.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(("backbeat_fuzz", "__editable__")):
            (folder / entry.name).symlink_to(entry)
    return folder


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel (built once per session, as ``make build`` does) and an empty venv whose pip
    and dependencies come from this environment; nothing of backbeat-fuzz is in it yet."""
    root = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(root), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = root.glob("backbeat_fuzz-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "_dependencies.pth").write_text(f"{_dependencies(root / 'deps')}\n")
    return Installed(wheel, venv)


def _project(folder: Path, installed: Installed) -> Path:
    """A user's repository: the wheel in vendor/ (the snippets' default package), the service
    and its requirements, and a messages folder."""
    (folder / "vendor").mkdir(parents=True)
    shutil.copy(installed.wheel, folder / "vendor")
    assert installed.wheel.name == f"backbeat_fuzz-{__version__}-py3-none-any.whl"
    assert f"./vendor/{installed.wheel.name}" == DEFAULT_PACKAGE
    (folder / "mysvc.py").write_text(SERVICE, encoding="utf-8")
    (folder / "requirements.txt").write_text("jsonschema>=4.18\n", encoding="utf-8")
    shutil.copytree(VALID, folder / "messages")
    return folder


def _bash(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """One step as CI runs it: ``bash -e`` in the repository root."""
    bash = shutil.which("bash")
    assert bash, "bash is needed (CI runs the snippets' commands with it)"
    return subprocess.run(
        [bash, "-e", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def _run(commands: list[str], cwd: Path, env: dict[str, str]) -> list[tuple[str, int, str]]:
    """Run every step in order, also after a failing one (as the ``if: always()`` steps and the
    other job do): (command, exit code, output) per step."""
    results = []
    for command in commands:
        done = _bash(command, cwd, env)
        results.append((command, done.returncode, done.stdout + done.stderr))
    return results


def _installed_from_the_wheel(installed: Installed) -> None:
    """backbeat-validate and backbeat-fuzz are the venv's, installed from the wheel."""
    where = subprocess.run(
        [
            str(installed.venv / "bin" / "python"),
            "-c",
            "import backbeat_fuzz; print(backbeat_fuzz.__file__)",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=installed.venv,  # not this checkout: its backbeat_fuzz/ would be imported instead
    ).stdout
    assert where.startswith(str(installed.venv)), where
    assert (installed.venv / "bin" / "backbeat-fuzz").exists()


@pytest.mark.parametrize("name", VALIDATE_FILES)
def test_the_validate_job_runs_as_written(tmp_path: Path, installed: Installed, name: str) -> None:
    project = _project(tmp_path, installed)
    commands = _commands(name, SNIPPETS[name](SnippetOptions()))
    env = installed.env(BACKBEAT_FUZZ_PACKAGE=DEFAULT_PACKAGE)
    results = _run(commands, project, env)
    assert [code for _, code, _ in results] == [0, 0], results
    assert re.search(r"\d+ checked: ", results[-1][2])
    _installed_from_the_wheel(installed)


@pytest.mark.slow
@pytest.mark.parametrize("name", FUZZ_FILES)
def test_the_fuzz_jobs_run_as_written(tmp_path: Path, installed: Installed, name: str) -> None:
    """Every shell step of both jobs, in order, in a fresh checkout of a user's repository:
    install backbeat-fuzz from the wheel, install the service, fuzz it (its bug is found:
    exit 1), collect tonight's corpus entries; then the push job replays them (still failing)."""
    text = SNIPPETS[name](SnippetOptions(target="mysvc.handle", max_examples=1))
    project = _project(tmp_path, installed)
    old = project / "corpus" / "beatframe" / "old.json"  # restored from the cache
    old.parent.mkdir(parents=True)
    old.write_text("{}")
    os.utime(old, (1_000_000_000, 1_000_000_000))
    env = installed.env(TARGET="mysvc.handle", BACKBEAT_FUZZ_PACKAGE=DEFAULT_PACKAGE)

    results = _run(_commands(name, text), project, env)
    steps = [(command.split()[0], code) for command, code, _ in results]
    assert [code for _, code in steps] == [0, 0, 0, 1, 0, 0, 0, 1], results
    assert [c for c, _ in steps].count("backbeat-fuzz") == 2
    _installed_from_the_wheel(installed)

    for path in REPORTS.values():
        assert (project / path).stat().st_size > 0
    assert (project / DEFAULT_DATABASE).is_dir()  # what the cache keeps exists
    written = {p.relative_to(project) for p in (project / "corpus").rglob("*.json")}
    collected = {
        p.relative_to(project / "reports" / "new-corpus")
        for p in (project / "reports" / "new-corpus").rglob("*.json")
    }
    assert collected == written - {old.relative_to(project)}
    assert any(p.name.startswith("false_reject--") for p in collected)
    *_, (_, _, replayed) = results
    assert "still failing" in replayed and "FAILING" in replayed
