"""Helpers shared by the campaign tests: where the test consumers are, how to run the CLI, and
the truth check every finding must pass (the reference validator disagrees with the consumer).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from backbeat_fuzz import MessageValidator
from backbeat_fuzz.cli.fuzz import main as fuzz_main

TESTS = Path(__file__).resolve().parent
CONSUMERS = TESTS / "consumers"
FUZZ = Path(sys.executable).parent / "backbeat-fuzz"
DEMO = "backbeat_fuzz.demo:handle"
_VALIDATOR = MessageValidator()


def put_consumers_on_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Work in *tmp_path* and let target workers import ``consumers.<module>``; return tmp_path."""
    monkeypatch.chdir(tmp_path)
    paths = [str(TESTS), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    return tmp_path


def fuzz(*args: str | Path) -> Result:
    """Run ``backbeat-fuzz ARGS`` in-process with CliRunner (stdout and stderr kept apart)."""
    arguments = [str(a) for a in args]
    return CliRunner().invoke(
        fuzz_main, arguments, prog_name="backbeat-fuzz", catch_exceptions=False
    )


def fuzz_process(
    *args: str | Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``backbeat-fuzz`` as a user types it; stderr never holds a traceback."""
    proc = subprocess.run(
        [str(FUZZ), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stdout, proc.stdout
    return proc


def campaign_args(target: str, corpus: Path, *extra: str | Path, seed: int = 1) -> list[str]:
    """The options every test campaign uses: no example database, a fixed seed, a corpus."""
    return [
        "--target",
        target,
        "--database",
        "none",
        "--seed",
        str(seed),
        "--corpus",
        str(corpus),
        *map(str, extra),
    ]


def read_report(path: Path) -> dict[str, Any]:
    """A ``--report-json`` file."""
    return json.loads(path.read_text(encoding="utf-8"))


def finding_keys(findings: Iterable[dict[str, Any]]) -> set[tuple[str, str, str | None]]:
    """``(outcome, kind, rule)`` of every kind and rule each finding of a JSON report was seen
    under (one finding can span several)."""
    return {(f["outcome"], k, r) for f in findings for k in f["kinds"] for r in f["rules"]}


def assert_findings_are_true(findings: Sequence[dict[str, Any]]) -> None:
    """Every JSON-report finding is a real nonconformance by the reference validator.

    A false accept is of a message the validator rejects, with the finding's rule among the
    rules it reports; a false reject is of a message it accepts; a crash or hang is wrong
    whatever the message, but the message must still be what its rule says. The same holds
    for every witness of the finding.
    """
    for finding in findings:
        for shown in [finding, *finding["witnesses"]]:
            _assert_true(finding["outcome"], shown)


def _assert_true(outcome: str, shown: dict[str, Any]) -> None:
    result = _VALIDATOR.validate_message_string(_data(shown), kind=shown["kind"])
    where = f"{outcome} {shown['kind']} {shown['rule']}: {shown['message']!r}"
    if shown["rule"] is None:
        assert result.valid, f"{where} is not valid: {result.errors}"
        assert outcome != "false_accept", where
    else:
        assert not result.valid, f"{where} is valid, yet reported as breaking a rule"
        assert shown["rule"] in result.rules, f"{where} breaks {result.rules} instead"
        assert outcome != "false_reject", where


def _data(failure: dict[str, Any]) -> bytes:
    return base64.b64decode(failure["message_base64"])


@contextlib.contextmanager
def sigint_reaches_children() -> Iterator[None]:
    """Start children inside this for a test that sends them SIGINT: whatever this test run
    inherited (a job a non-interactive shell starts in the background ignores SIGINT, and so
    would every child), a handled signal is reset to its default action across exec."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
