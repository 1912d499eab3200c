"""Trivial BACKBEAT consumers for the campaign benchmark: they decide without looking.

The harness loads them in its worker process as ``trivial_consumers:accept`` (the valid
direction: every valid message must be accepted) and ``trivial_consumers:reject`` (the invalid
direction: every mutant must be rejected), so a campaign against them finds nothing and its
time is the harness's own. The floor calls the same functions in-process.
"""

from __future__ import annotations


def accept(text: str) -> bool:
    """Accept any message."""
    return True


def reject(text: str) -> bool:
    """Reject any message."""
    raise ValueError("rejected without looking")
