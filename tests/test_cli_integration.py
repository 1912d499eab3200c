"""The installed console scripts run as real processes: exit codes, and never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
BIN = Path(sys.executable).parent
VALIDATE = BIN / "backbeat-validate"
README_BF = EXAMPLES / "valid" / "beatframe-readme.json"


def run(
    args: list[str | Path], stdin: bytes = b"", cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """Run a command and check that stderr holds no traceback, whatever the exit code."""
    proc = subprocess.run(
        [str(a) for a in args],
        input=stdin.decode("utf-8", "surrogateescape"),
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
        cwd=cwd,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stdout, proc.stdout
    return proc


def test_the_console_script_is_installed() -> None:
    assert VALIDATE.is_file(), f"{VALIDATE} is missing; run 'make deps'"


def test_valid_examples_pass_quietly() -> None:
    proc = run([VALIDATE, "--dir", EXAMPLES / "valid", "--quiet", "--exit-code"])
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_every_invalid_example_is_reported_with_its_rule() -> None:
    count = len(list((EXAMPLES / "invalid").iterdir()))
    proc = run([VALIDATE, "--dir", EXAMPLES / "invalid", "--json", "--exit-code"])
    doc = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert doc["summary"] == {"total": count, "valid": 0, "invalid": count}
    assert proc.stderr == ""
    for result in doc["results"]:
        rule = Path(result["source"]["file"]).name.split("--")[1]
        assert rule in {e["rule"] for e in result["errors"]}, result


def test_whole_examples_folder_without_exit_code_exits_0() -> None:
    proc = run([VALIDATE, "--dir", EXAMPLES, "--quiet"])
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[-1].endswith(" invalid")


@pytest.mark.parametrize(
    ("args", "stdin", "code"),
    [
        (["--message", "-", "--exit-code"], README_BF.read_bytes(), 0),
        (["--message", "-", "--exit-code"], b"", 1),
        (["--message", "-", "--exit-code"], b'{"type": "backbeat.beatframe.v1", "a": "\xff"}', 1),
        (["--message", "-", "--exit-code"], b"[" * 100_000, 1),
        (["--message", "-", "--exit-code"], b'{"a": 1e99999}', 1),
        (["--message", "-", "--exit-code"], b'{"a": "\\ud800"}', 1),
        (["--message", "-", "--exit-code"], b'{"a": ' + b"9" * 100_000 + b"}", 1),
        (["--file", "/nonexistent/m.json"], b"", 2),
        (["--dir", "/nonexistent"], b"", 2),
        (["--dir", EXAMPLES / "valid", "--schemas", "/nonexistent"], b"", 2),
        (["--dir", EXAMPLES / "valid", "--schemas", EXAMPLES / "valid"], b"", 2),
        (["--dir", EXAMPLES / "valid", "--kind", "nope"], b"", 2),
        ([], b"", 2),
        (["--no-such-option"], b"", 2),
    ],
    ids=lambda x: repr(x)[:40],
)
def test_error_cases_exit_cleanly(args: list[str | Path], stdin: bytes, code: int) -> None:
    proc = run([VALIDATE, *args], stdin)
    assert proc.returncode == code
    if code == 2:
        assert proc.stderr.splitlines()[-1].startswith("Error: ")
        assert proc.stdout == ""


def test_unreadable_bytes_in_a_file_name_are_printed_without_crashing(tmp_path: Path) -> None:
    name = b"m-\xff.json".decode("utf-8", "surrogateescape")
    (tmp_path / name).write_bytes(README_BF.read_bytes())
    proc = run([VALIDATE, "--dir", tmp_path, "--exit-code"])
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[-1] == "1 checked: 1 valid, 0 invalid"


def test_module_entry_point_matches_the_script() -> None:
    args = ["--dir", EXAMPLES / "valid", "--json"]
    script = run([VALIDATE, *args])
    module = run([sys.executable, "-m", "backbeat_fuzz.cli.validate", *args])
    assert (module.returncode, module.stdout) == (script.returncode, script.stdout)


def test_examples_checker_passes_on_the_examples_folder() -> None:
    proc = run([sys.executable, "-m", "backbeat_fuzz.examples", "check", EXAMPLES])
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.endswith(": 0 problem(s)\n")


def test_examples_checker_exits_2_on_a_folder_without_examples(tmp_path: Path) -> None:
    proc = run([sys.executable, "-m", "backbeat_fuzz.examples", "check", tmp_path])
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1].startswith("Error: ")
