"""Whether a process is gone: the check of every test that a killed target leaves nothing behind."""

from __future__ import annotations

import time
from pathlib import Path

__all__ = ["eventually_gone", "gone"]


def gone(pid: int) -> bool:
    """Whether *pid* has exited (a zombie counts: it runs nothing)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def eventually_gone(pid: int, seconds: float = 5.0) -> bool:
    """Whether *pid* is gone within *seconds*."""
    deadline = time.monotonic() + seconds
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    return gone(pid)
