"""A hand-written BACKBEAT consumer with the bugs hand-written consumers have.

``make demo`` fuzzes it (``backbeat-fuzz --target backbeat_fuzz.demo:handle``). Every bug here
is one seen in real services; each line marked ``BUG`` is found by the fuzzer:

- ``json.loads`` accepts ``NaN``/``Infinity`` and keeps the last of duplicate keys;
- a missing field raises ``KeyError`` (a crash: the consumer fails to decide);
- ``isinstance(True, int)`` is true, so ``true`` passes as a beat index;
- the ``hlc`` regex allows lower-case hex only, and its ``$`` matches before a trailing newline;
- ``phase`` is compared case-insensitively;
- ``datetime.fromisoformat`` accepts a bare date and rejects a leap second;
- ``tempo_bpm`` must be *greater* than 0.1 instead of at least 0.1;
- notes are checked to be ASCII, rejecting valid Unicode text;
- the BarReport rule ``on_time_reviews <= agents_reporting`` is forgotten.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

__all__ = ["handle"]

_HLC = re.compile(r"^[0-9a-f]{4}:[0-9a-f]{4}:[0-9a-f]{4}$")  # BUG: lower-case only; $ before \n
_WINDOW = re.compile(r"^[0-9a-fA-F]{32}$")  # BUG: $ matches before a trailing newline
_PHASES = ("plan", "execute", "review")
_STATES = (
    "idle",
    "planning",
    "executing",
    "reviewing",
    "completed",
    "failed",
    "blocked",
    "helping",
)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _beatframe(msg: dict[str, Any]) -> None:
    _check(isinstance(msg["beat_index"], int) and msg["beat_index"] >= 0, "bad beat_index")  # BUG
    _check(msg["phase"].lower() in _PHASES, "bad phase")  # BUG: "PLAN" passes
    _check(bool(_HLC.match(msg["hlc"])), "bad hlc")
    datetime.fromisoformat(msg["deadline_at"])  # BUG: "2025-09-05" passes; 23:59:60 fails
    _check(msg["tempo_bpm"] > 0.1, "tempo too low")  # BUG: 0.1 itself is valid
    _check(bool(_WINDOW.match(msg["window_id"])), "bad window_id")
    _check(isinstance(msg["cluster_id"], str) and msg["cluster_id"] != "", "bad cluster_id")


def _statusclaim(msg: dict[str, Any]) -> None:
    _check(isinstance(msg["agent_id"], str) and msg["agent_id"] != "", "bad agent_id")
    _check(msg["state"] in _STATES, "bad state")
    _check(isinstance(msg["beat_index"], int) and msg["beat_index"] >= 0, "bad beat_index")
    _check(bool(_HLC.match(msg["hlc"])), "bad hlc")
    if "progress" in msg:
        _check(0 <= msg["progress"] <= 1, "bad progress")
    msg.get("notes", "").encode("ascii")  # BUG: valid Unicode notes are rejected


def _barreport(msg: dict[str, Any]) -> None:
    _check(bool(_WINDOW.match(msg["window_id"])), "bad window_id")
    _check(0 <= msg["from_beat"] <= msg["to_beat"], "bad window")
    _check(msg["agents_reporting"] >= 0 and msg["on_time_reviews"] >= 0, "bad counts")  # BUG
    _check(isinstance(msg["secret_rotations_ok"], bool), "bad secret_rotations_ok")
    for issue in msg["issues"]:
        _check(issue["severity"] in ("info", "warning", "error", "critical"), "bad severity")


_HANDLERS = {
    "backbeat.beatframe.v1": _beatframe,
    "backbeat.statusclaim.v1": _statusclaim,
    "backbeat.barreport.v1": _barreport,
}


def handle(text: str) -> bool:
    """Accept a BACKBEAT message (return True) or reject it (raise ValueError)."""
    msg = json.loads(text)  # BUG: NaN, Infinity and duplicate keys get through
    handler = _HANDLERS.get(msg["type"])  # BUG: a message without "type" is a KeyError
    if handler is None:
        raise ValueError(f"unknown message type {msg['type']!r}")
    handler(msg)
    return True
