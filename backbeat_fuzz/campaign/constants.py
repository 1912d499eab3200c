"""Draws that do not depend on what this process has imported.

Hypothesis draws, about one choice in twenty, a constant it found in the source of the "local"
modules the process has imported (``hypothesis.internal.conjecture.providers``). A campaign's
consumer runs in a process of its own, so those modules are the fuzzer's (a checkout) or the
test session's (the pytest plugin): noise for the consumer, and not the same in a spawned
``--workers`` process, a pytest session and the CLI, so one seed would send other messages in
each. Within a campaign's exploration the pool of local constants is empty; Hypothesis's
built-in constants (boundary numbers, odd strings) stay. The block is entered once around all
of a process's exploration (:func:`.run.execute`, a ``--workers`` process's items), not per
Hypothesis run: entering and leaving empty Hypothesis's cache of permitted constants, which
its runs would otherwise rebuild each time.

This reaches into a private part of Hypothesis; on a version without it nothing changes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

__all__ = ["no_local_constants"]


def _internals() -> tuple[Any, Any] | None:
    """Hypothesis's providers module and an empty constants pool, or None if it has none."""
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
    except ImportError:
        return None
    if not hasattr(providers, "_get_local_constants") or not hasattr(providers, "CONSTANTS_CACHE"):
        return None
    return providers, Constants()


@contextlib.contextmanager
def no_local_constants() -> Iterator[None]:
    """Within the block, Hypothesis draws no constant from this process's local modules."""
    found = _internals()
    if found is None:
        yield
        return
    providers, empty = found
    original = providers._get_local_constants
    providers.CONSTANTS_CACHE.cache.clear()  # pools computed before hold the local constants
    providers._get_local_constants = lambda: empty
    try:
        yield
    finally:
        providers._get_local_constants = original
        providers.CONSTANTS_CACHE.cache.clear()
