"""One seed sends the same messages whatever else the fuzzing process has imported.

Hypothesis draws some choices from constants in the source of the process's "local" modules;
a spawned --workers process, a pytest session and the CLI import different ones. A campaign's
runs draw none of them (campaign/constants.py).
"""

from __future__ import annotations

import importlib
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from _fuzzing import put_consumers_on_path

from backbeat_fuzz.harness import CampaignConfig, run_cell

#: String and number constants a local module brings into Hypothesis's pool when imported.
NOISE = "\n".join(f"C{i} = ('noise-{i}-' * {i % 7 + 1}, {i * 7919}, {i}.25)" for i in range(300))


def _sent(folder: Path, monkeypatch: pytest.MonkeyPatch, direction: str) -> Counter[str]:
    folder.mkdir()
    monkeypatch.setenv("BACKBEAT_TEST_RECORD", str(folder))
    config = CampaignConfig(
        target="consumers.recording:recording",
        max_examples=120,
        seed=11,
        corpus_dir=None,
        database=None,
        coverage=False,
    )
    report = run_cell(config, "statusclaim", direction)
    assert not report.findings
    return Counter(line for p in folder.glob("*.sent") for line in p.read_text().split())


@pytest.mark.parametrize("direction", ["valid", "invalid"])
def test_importing_a_local_module_changes_no_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direction: str
) -> None:
    put_consumers_on_path(monkeypatch, tmp_path)
    before = _sent(tmp_path / "before", monkeypatch, direction)
    (tmp_path / "local_noise.py").write_text(NOISE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    module: Any = importlib.import_module("local_noise")
    try:
        assert module.C299[0].startswith("noise-299-")
        after = _sent(tmp_path / "after", monkeypatch, direction)
    finally:
        sys.modules.pop("local_noise", None)
    assert sum(before.values()) > 100
    assert after == before
