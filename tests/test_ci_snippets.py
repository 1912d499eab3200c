"""The CI snippets: written, well-formed, and running real backbeat-validate options."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML  # installed with check-jsonschema (the dev extra)

from backbeat_fuzz import ci_snippets
from backbeat_fuzz.ci_snippets import SNIPPETS, SnippetOptions, render, write_snippets
from backbeat_fuzz.cli.validate import main as validate_main

ROOT = Path(__file__).resolve().parents[1]
VALID = ROOT / "examples" / "valid"
INVALID = ROOT / "examples" / "invalid"
YAML_FILES = [name for name in SNIPPETS if name.endswith((".yml", ".yaml"))]

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
}


def _load_yaml(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def _commands(name: str, text: str) -> list[str]:
    """The shell commands a YAML snippet runs (GitHub ``run:`` steps, GitLab ``script:``)."""
    doc = _load_yaml(text)
    if name == "github-actions.yml":
        return [
            step["run"] for job in doc["jobs"].values() for step in job["steps"] if "run" in step
        ]
    return [line for job in doc.values() for line in job["script"]]


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


@pytest.mark.parametrize("name", YAML_FILES)
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
        assert "{{" not in text
        assert "backbeat-fuzz==9.9" in text


def test_render_refuses_an_unknown_placeholder() -> None:
    with pytest.raises(KeyError, match=r"placeholder \{\{workspace\}\} is unknown"):
        render("dir: {{workspace}}", SnippetOptions())


def test_cli_writes_the_snippets(tmp_path: Path) -> None:
    out = tmp_path / "ci-examples"
    result = CliRunner().invoke(ci_snippets.main, [str(out), "--messages", "data/msgs"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"wrote {out / name}" for name in SNIPPETS]
    assert "--dir data/msgs --exit-code" in (out / "gitlab-ci.yml").read_text()


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
