"""Consumers that are the reference validator plus bugs planted on purpose, one per finding.

Every function here judges like the reference validator except where a comment says BUG, so the
findings a campaign reports against them are exactly the planted ones.
"""

from __future__ import annotations

import json
import os

from backbeat_fuzz import MessageValidator

_VALIDATOR = MessageValidator()


def _hlc_newline_only(text: str, rules: set[str]) -> bool:
    """True for a message whose one problem is an hlc with a trailing newline."""
    if rules != {"hlc.pattern"}:
        return False
    message = json.loads(text)
    hlc = message.get("hlc")
    if not (isinstance(hlc, str) and hlc.endswith("\n")):
        return False
    message["hlc"] = hlc[:-1]
    return _VALIDATOR.validate_message(message).valid


def three_bugs(text: str) -> bool:
    """A false accept (hlc.pattern), a crash (required.window_id), a false reject (downbeat)."""
    result = _VALIDATOR.validate_message_string(text)
    if result.valid:
        if json.loads(text).get("downbeat") is True:
            raise ValueError("downbeat frames are not supported")  # BUG: false reject
        return True
    if result.rules == {"required.window_id"}:
        return json.loads(text)["window_id"]  # BUG: KeyError, a crash
    if _hlc_newline_only(text, result.rules):
        return True  # BUG: "$" matched before the newline, a false accept
    raise ValueError(str(result.errors[0]))


def two_outcomes_one_rule(text: str) -> bool:
    """Two bugs on hlc.pattern alone: a trailing newline is accepted, upper-case hex crashes."""
    result = _VALIDATOR.validate_message_string(text)
    if result.valid:
        return True
    if _hlc_newline_only(text, result.rules):
        return True  # BUG: false accept
    if result.rules == {"hlc.pattern"}:
        raise KeyError("hlc")  # BUG: crash on every other hlc.pattern mutant
    raise ValueError(str(result.errors[0]))


def exits_on_hlc_newline(text: str) -> bool:
    """Kill the worker process on an hlc with a trailing newline; accept a bad window_id."""
    result = _VALIDATOR.validate_message_string(text)
    if _hlc_newline_only(text, result.rules):
        os._exit(3)  # BUG: the process dies
    if result.valid or result.rules == {"window_id.pattern"}:
        return True  # BUG: false accept of window_id.pattern
    raise ValueError(str(result.errors[0]))


def loops_on_hlc_newline(text: str) -> bool:
    """Loop forever on an hlc with a trailing newline; otherwise the reference verdict."""
    result = _VALIDATOR.validate_message_string(text)
    if _hlc_newline_only(text, result.rules):
        while True:  # BUG: a hang
            pass
    if result.valid:
        return True
    raise ValueError(str(result.errors[0]))


def recording(text: str) -> bool:
    """:func:`three_bugs`, appending each message to the file named by ``BACKBEAT_TEST_LOG``."""
    with open(os.environ["BACKBEAT_TEST_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(text) + "\n")
    return three_bugs(text)


def accept_all(text: str) -> bool:
    """Accepts everything: every invalid message is a false accept."""
    return True
