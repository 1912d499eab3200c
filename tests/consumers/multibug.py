"""Consumers with several distinct bugs of one outcome on one kind: one finding per bug.

Each judges like the reference validator except where a comment says BUG, so the findings a
campaign must report are known exactly, and each bug must be reported once.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from backbeat_fuzz import MessageValidator

_VALIDATOR = MessageValidator()


def _beatframe(message: dict[str, Any]) -> None:
    if message["tempo_bpm"] == 0.1:
        raise ValueError("tempo too low")  # BUG 1: 0.1 is the schema's minimum, valid
    if message["deadline_at"][17:19] == "60":
        raise ValueError("leap seconds are not supported")  # BUG 2: RFC 3339 allows them
    if any(c in "ABCDEF" for c in message["hlc"]):
        raise ValueError("hlc must be lower-case hex")  # BUG 3: the pattern allows upper case


def _statusclaim(message: dict[str, Any]) -> None:
    message.get("notes", "").encode("ascii")  # BUG 4: valid Unicode notes are rejected
    if message.get("progress") == 1:
        raise ValueError("a finished task must say state completed")  # BUG 5: not a rule


_CHECKS = {"backbeat.beatframe.v1": _beatframe, "backbeat.statusclaim.v1": _statusclaim}


def seven_bugs(text: str) -> bool:
    """Five false rejects (three BeatFrame, two StatusClaim) and two crashes."""
    message = json.loads(text)
    kind = message.get("type")  # BUG 6: a top-level array (or any non-object) crashes here
    if kind == "backbeat.barreport.v1":
        drift = message.get("tempo_drift_ms")
        if isinstance(drift, float):
            int(drift * 1000)  # BUG 7: 1e400 parses as inf: OverflowError, a crash
    result = _VALIDATOR.validate_message_string(text)
    if not result.valid:
        raise ValueError(result.errors[0].rule)
    _CHECKS.get(kind, lambda m: None)(message)
    return True


def skips_issue_items(text: str) -> bool:
    """BUG: the items of a BarReport's issues[] are never checked (one bug, many rules)."""
    result = _VALIDATOR.validate_message_string(text)
    if result.valid or all(r.startswith(("issues[]", "required.issues[]")) for r in result.rules):
        return True
    raise ValueError(result.errors[0].rule)


_AGENT = re.compile(r"^(\w+\s?)+$")  # BUG: nested quantifiers, catastrophic backtracking


def redos_agent_id(text: str) -> bool:
    """A StatusClaim's agent_id matched by a backtracking regex: hangs on long word runs."""
    result = _VALIDATOR.validate_message_string(text)
    message = json.loads(text) if result.rules.isdisjoint({"json.syntax"}) else None
    if isinstance(message, dict) and isinstance(message.get("agent_id"), str):
        _AGENT.match(message["agent_id"])
    if not result.valid:
        raise ValueError(result.errors[0].rule)
    return True


def slow_correct(text: str) -> bool:
    """A correct consumer that takes 20 ms a message, as a service doing real work does."""
    time.sleep(0.02)
    result = _VALIDATOR.validate_message_string(text)
    if not result.valid:
        raise ValueError(result.errors[0].rule)
    return True


_HELD: list[bytearray] = []


def hog(text: str) -> bool:
    """BUG: keeps 256 MiB per message (a leak): past a worker's memory limit, a crash."""
    _HELD.append(bytearray(256 * 1024 * 1024))
    return True
