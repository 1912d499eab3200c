"""A consumer that costs real time per message, with planted bugs: the workers benchmark's target.

``planted_slow`` sleeps 2 ms per message (a service waiting on its database or a downstream
call), then judges like the reference validator except for three planted bugs, so a campaign
against it has known findings to compare between ``--workers 1`` and ``--workers 2``.
"""

from __future__ import annotations

import functools
import json
import time
from typing import Any

#: Seconds each message costs, spent waiting rather than computing (see bench_workers).
COST = 0.002


@functools.cache
def _validator() -> Any:
    from backbeat_fuzz import MessageValidator

    return MessageValidator()


def planted_slow(text: str) -> bool:
    """Three bugs: a crash on a non-object, a false reject, a false accept of upper-case hlc."""
    time.sleep(COST)
    message = json.loads(text)
    kind = message.get("type")  # BUG 1: a top-level array (any non-object) crashes here
    result = _validator().validate_message_string(text)
    rules = set(result.rules) - {"hlc.pattern"}  # BUG 2: any hlc is accepted
    if rules:
        raise ValueError(sorted(rules)[0])
    if kind == "backbeat.beatframe.v1" and message.get("tempo_bpm") == 0.1:
        raise ValueError("tempo too low")  # BUG 3: 0.1 is the schema's minimum, valid
    return True
