"""Trivial BACKBEAT consumers for the campaign benchmark: they decide without looking.

The harness loads them in its worker process as ``trivial_consumers:accept`` (the valid
direction: every valid message must be accepted) and ``trivial_consumers:reject`` (the invalid
direction: every mutant must be rejected), so a campaign against them finds nothing and its
time is the harness's own. The floor calls the same functions in-process.
"""

from __future__ import annotations

import functools
from typing import Any


def accept(text: str) -> bool:
    """Accept any message."""
    return True


def reject(text: str) -> bool:
    """Reject any message."""
    raise ValueError("rejected without looking")


def reference(text: str) -> bool:
    """Accept exactly what the reference validator accepts: a correct consumer, for campaigns
    that send both directions (bench_coverage)."""
    if not _validator().validate_message_string(text).valid:
        raise ValueError("invalid")
    return True


@functools.cache
def _validator() -> Any:
    from backbeat_fuzz import MessageValidator

    return MessageValidator()
