"""Replay corpus entries against a target: the regression check a CI job runs on every push.

Each entry is sent as it was saved; a correct consumer accepts the valid ones and rejects the
invalid ones. Entries the target cannot receive (malformed JSON for an ``object`` target, bytes
that are not UTF-8 for a ``str`` target) are skipped, and say so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .corpus import Corpus, CorpusEntry, Expected
from .jsontext import JsonTextError, parse
from .model import Outcome, Verdict
from .targets import Response, Target, load_target

__all__ = ["ReplayResult", "judge", "replay_corpus", "replay_entries", "replay_entry"]


def judge(expected: Expected, verdict: Verdict) -> Outcome | None:
    """The finding class of *verdict* on a message a correct consumer would *expected*."""
    if verdict is Verdict.CRASH:
        return Outcome.CRASH
    if verdict is Verdict.HANG:
        return Outcome.HANG
    if expected is Expected.ACCEPT and verdict is Verdict.REJECTED:
        return Outcome.FALSE_REJECT
    if expected is Expected.REJECT and verdict is Verdict.ACCEPTED:
        return Outcome.FALSE_ACCEPT
    return None


@dataclass(frozen=True)
class ReplayResult:
    """What one corpus entry did this time."""

    entry: CorpusEntry
    path: Path
    outcome: Outcome | None
    response: Response | None
    skipped: str = ""

    @property
    def still_fails(self) -> bool:
        """True when the target still gets this entry wrong."""
        return self.outcome is not None

    def line(self) -> str:
        """One line for people: status, path, and what happened."""
        if self.skipped:
            return f"SKIPPED  {self.path}  ({self.skipped})"
        if self.outcome is None:
            return f"FIXED    {self.path}"
        detail = self.response.detail if self.response else ""
        return f"FAILING  {self.path}  {self.outcome.value}: {detail}"


def _receivable(entry: CorpusEntry, mode: str) -> tuple[Any, str]:
    """The parsed message to send (or None) and why the entry cannot be sent ("" if it can)."""
    try:
        parsed = parse(entry.data)
    except JsonTextError:
        parsed = None
        if mode == "object":
            return None, "not strict JSON, so it cannot be parsed for a target that takes objects"
    if mode == "str":
        try:
            entry.data.decode("utf-8")
        except UnicodeDecodeError:
            return None, "not UTF-8, and the target takes text"
    return parsed, ""


def replay_entry(target: Target, entry: CorpusEntry, path: Path) -> ReplayResult:
    """Send one corpus entry (saved at *path*) to *target*, or skip it saying why."""
    parsed, why = _receivable(entry, target.input_mode.value)
    if why:
        return ReplayResult(entry, path, None, None, why)
    response = target.call(entry.data, parsed)
    return ReplayResult(entry, path, judge(entry.expected, response.verdict), response)


def replay_entries(target: Target, corpus: Corpus, kinds: Sequence[str] = ()) -> list[ReplayResult]:
    """Send every entry of *corpus* (of *kinds*, when given) to *target*."""
    return [
        replay_entry(target, entry, corpus.path_for(entry))
        for entry in corpus.entries()
        if not kinds or entry.kind in kinds
    ]


def replay_corpus(
    spec: str,
    corpus_dir: str | Path,
    *,
    kinds: Iterable[str] = (),
    input_mode: str = "str",
    reject_on: Sequence[str] = (),
    timeout: float = 2.0,
) -> list[ReplayResult]:
    """Load the target named by *spec* and replay the corpus in *corpus_dir* against it."""
    corpus = Corpus(corpus_dir)
    with load_target(spec, input_mode=input_mode, reject_on=reject_on, timeout=timeout) as target:
        return replay_entries(target, corpus, tuple(kinds))
