"""Replay corpus entries against a target: the regression check a CI job runs on every push.

Each entry is sent as it was saved; a correct consumer accepts the valid ones and rejects the
invalid ones. Every entry ends :class:`ReplayStatus` ``FAILING`` (still wrong), ``FIXED`` or
``SKIPPED`` (the target cannot receive it: malformed JSON for an ``object`` target, bytes that
are not UTF-8 for a ``str`` target). :func:`prune_fixed` removes the fixed entries from the
corpus (``replay --prune``), as libFuzzer's corpus merge drops inputs that add nothing. A
corpus folder that does not exist is an error unless the caller says an empty corpus is fine:
a CI job pointed at a wrong path must not pass by replaying nothing.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .corpus import Corpus, CorpusEntry, Expected
from .defaults import DEFAULT_TIMEOUT
from .errors import UsageError
from .jsontext import JsonTextError, parse
from .model import Outcome, Verdict
from .targets import Response, Target, load_target

__all__ = [
    "ReplayResult",
    "ReplayStatus",
    "judge",
    "open_corpus",
    "prune_fixed",
    "replay_corpus",
    "replay_entries",
    "replay_entry",
    "summary",
]


class ReplayStatus(enum.StrEnum):
    """What a replayed entry did: still gets it wrong, now right, or could not be sent."""

    FAILING = "failing"
    FIXED = "fixed"
    SKIPPED = "skipped"


def judge(expected: Expected, verdict: Verdict) -> Outcome | None:
    """The finding class of *verdict* on a message a correct consumer would *expected*."""
    if verdict is Verdict.CRASH:
        return Outcome.CRASH
    if verdict is Verdict.HANG:
        return Outcome.HANG
    if expected is Expected.EITHER:  # a probe: either verdict is right
        return None
    if expected is Expected.ACCEPT and verdict is Verdict.REJECTED:
        return Outcome.FALSE_REJECT
    if expected is Expected.REJECT and verdict is Verdict.ACCEPTED:
        return Outcome.FALSE_ACCEPT
    return None


@dataclass(frozen=True)
class ReplayResult:
    """What one corpus entry did this time (*entry* is None for a file refused unread)."""

    entry: CorpusEntry | None
    path: Path
    outcome: Outcome | None
    response: Response | None
    skipped: str = ""

    @property
    def status(self) -> ReplayStatus:
        """FAILING, FIXED or SKIPPED."""
        if self.skipped:
            return ReplayStatus.SKIPPED
        return ReplayStatus.FIXED if self.outcome is None else ReplayStatus.FAILING

    @property
    def still_fails(self) -> bool:
        """True when the target still gets this entry wrong."""
        return self.status is ReplayStatus.FAILING

    def line(self) -> str:
        """One line for people: status, path, and what happened."""
        head = f"{self.status.value.upper():<8} {self.path}"
        if self.status is ReplayStatus.SKIPPED:
            return f"{head}  ({self.skipped})"
        if self.outcome is None:
            return head
        detail = self.response.detail if self.response else ""
        return f"{head}  {self.outcome.value}: {detail}"


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
    response = target.confirmed_call(entry.data, parsed)
    return ReplayResult(entry, path, judge(entry.expected, response.verdict), response)


def replay_entries(
    target: Target, corpus: Corpus, kinds: Sequence[str] = (), paths: Sequence[Path] = ()
) -> list[ReplayResult]:
    """Send every entry of *corpus* (of *kinds*, and at *paths*, when given) to *target*; a file
    the corpus refused to read (a symlink, a FIFO) is a skipped result, never sent."""
    wanted = {_message_file(p) for p in paths}
    results = [
        replay_entry(target, entry, corpus.path_for(entry))
        for entry in corpus.entries()
        if (not kinds or entry.kind in kinds)
        and (not wanted or _message_file(corpus.path_for(entry)) in wanted)
    ]
    refused = [
        ReplayResult(None, path, None, None, f"{why}: not read; corpus entries are regular files")
        for path, why in corpus.refused
    ]
    return refused + results


def _message_file(path: Path) -> Path:
    """The message file of an entry, given its message or its ``.meta.json`` path."""
    name = path.name.removesuffix(".meta.json")
    return path.with_name(name if name.endswith(".json") else name + ".json").resolve()


def summary(results: Sequence[ReplayResult]) -> str:
    """``3 replayed: 1 still failing, 1 fixed, 1 skipped``."""
    counts = Counter(r.status for r in results)
    return (
        f"{len(results)} replayed: {counts[ReplayStatus.FAILING]} still failing, "
        f"{counts[ReplayStatus.FIXED]} fixed, {counts[ReplayStatus.SKIPPED]} skipped"
    )


def prune_fixed(corpus: Corpus, results: Iterable[ReplayResult]) -> list[Path]:
    """Remove every FIXED entry of *results* from *corpus*; return the message files removed.

    FAILING and SKIPPED entries stay: a skipped entry was not tried, so it is not known fixed.
    """
    removed = []
    for result in results:
        if result.status is ReplayStatus.FIXED and result.entry is not None:
            corpus.delete(result.entry)
            removed.append(result.path)
    return removed


def open_corpus(corpus_dir: str | Path, *, allow_empty: bool = False) -> Corpus:
    """The corpus to replay; a folder that does not exist is an error unless *allow_empty*.

    Raises:
        UsageError: *corpus_dir* is missing (and not *allow_empty*), or is a file.
    """
    if not allow_empty and not Path(corpus_dir).exists():
        raise UsageError(
            f"corpus {str(corpus_dir)!r} does not exist; check --corpus (the campaign writes "
            "it), or pass --allow-empty if an empty corpus is fine"
        )
    return Corpus(corpus_dir)


def replay_corpus(
    spec: str,
    corpus: Corpus | str | Path,
    *,
    kinds: Iterable[str] = (),
    paths: Sequence[Path] = (),
    input_mode: str = "str",
    reject_on: Sequence[str] = (),
    timeout: float = DEFAULT_TIMEOUT,
) -> list[ReplayResult]:
    """Load the target named by *spec* and replay *corpus* (a folder: see :func:`open_corpus`),
    or only its entries at *paths* (a finding's reproduce line names one)."""
    corpus = corpus if isinstance(corpus, Corpus) else Corpus(corpus)
    with load_target(spec, input_mode=input_mode, reject_on=reject_on, timeout=timeout) as target:
        return replay_entries(target, corpus, tuple(kinds), paths)
