"""The guides cannot rot: every ```bash runnable block in docs/ is run, and must succeed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDES = (
    "integration-guide.md",
    "schema-evolution.md",
    "tempo-guide.md",
    "corpus.md",
    "validate.md",
)
_BLOCK = re.compile(r"^```bash runnable\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _blocks() -> list[tuple[str, str]]:
    found = []
    for name in GUIDES:
        text = (ROOT / "docs" / name).read_text(encoding="utf-8")
        found += [(f"{name}#{i}", block) for i, block in enumerate(_BLOCK.findall(text), 1)]
    return found


def test_every_guide_exists_and_has_a_heading() -> None:
    for name in GUIDES:
        assert (ROOT / "docs" / name).read_text(encoding="utf-8").startswith("# "), name


def test_the_guides_have_runnable_blocks() -> None:
    assert len(_blocks()) >= 5


@pytest.mark.parametrize(("where", "script"), _blocks(), ids=[w for w, _ in _blocks()])
def test_runnable_block_succeeds(where: str, script: str, tmp_path: Path) -> None:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    env.pop("CI", None)
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{where} failed:\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr
