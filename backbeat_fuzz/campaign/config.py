"""What a campaign is told and what it works in: the config, its units of work, its progress.

:class:`CampaignConfig` is everything a campaign needs (the CLI, the plugin and the library
entry points only fill one in); a :class:`Unit` is one line of work (the valid messages of a
kind, or the mutants of one rule); :class:`Progress` the live counters handed to a progress
callback; :class:`CampaignAborted` the one way a campaign ends early without losing its report.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from ..defaults import DEFAULT_CORPUS, DEFAULT_MAX_EXAMPLES, DEFAULT_TIMEOUT
from ..errors import InfrastructureError
from ..findings import Direction
from ..report import CampaignReport
from ..strategies import is_probe

__all__ = ["CampaignAborted", "CampaignConfig", "Progress", "Unit"]


@dataclass(frozen=True)
class Unit:
    """One line of work: the valid messages of a kind, or the mutants of one rule.

    Attributes:
        kind: the message kind's short name.
        rule: the rule its mutants break, or None for valid messages.
    """

    kind: str
    rule: str | None = None

    @property
    def direction(self) -> Direction:
        """What a correct consumer does with this unit's messages: the one place "should
        accept" is decided (a probe's rule is an implementation limit: either verdict is right)."""
        if self.rule is None:
            return Direction.VALID
        return Direction.PROBE if is_probe(self.rule) else Direction.INVALID

    @property
    def probe(self) -> bool:
        """The unit's rule is an implementation limit: either verdict is right."""
        return self.direction is Direction.PROBE

    @property
    def cell(self) -> str:
        """``valid`` or ``invalid``: the column of the counts table (probes are invalid)."""
        return "valid" if self.direction is Direction.VALID else "invalid"

    @property
    def key(self) -> str:
        """A stable name: ``beatframe/valid`` or ``beatframe/invalid/hlc.pattern``."""
        return f"{self.kind}/{self.cell}" + (f"/{self.rule}" if self.rule else "")


@dataclass(frozen=True)
class CampaignConfig:
    """Everything a campaign needs; the CLI only copies its options into one of these.

    Attributes:
        target: the target spec (see :func:`backbeat_fuzz.targets.load_target`).
        kinds: the message kinds to fuzz (all when empty).
        rules: rule selections (names, fields, families, globs); all when empty.
        max_examples: exploration messages per kind and direction (the invalid direction
            splits them across its rules, at least one each; valid ones are drawn in batches,
            see :mod:`.exploration`). None: unbounded when a
            ``duration`` is set, else :data:`DEFAULT_MAX_EXAMPLES`.
        duration: a wall-clock cap in seconds for the whole campaign, or None. Alone, the
            campaign runs until it; with ``max_examples``, whichever ends first.
        seed: the campaign seed (a random one, reported, when None).
        input_mode: what a Python target takes: ``str``, ``bytes`` or ``object``.
        reject_on: more exception classes meaning "rejected" for a Python target.
        timeout: seconds per call before the verdict is a hang.
        schemas_dir: the schemas folder (the packaged v1 contract when None).
        corpus_dir: where findings are written; None to write nothing.
        database: Hypothesis example database: a folder, ``redis://...`` or None.
        shard: ``(index, count)``: run only this shard of the units (see :func:`split_units`;
            budgets come from the whole plan, so the shards together do one run's work).
        baseline: a baseline file of accepted findings, or None.
        integer_floats: also send ``1337.0`` for integers (the strict switch).
        replay_corpus: replay the corpus entries of the selected kinds before fuzzing.
        coverage: send every mutation variant and boundary value once before exploring.
        memory_limit: MiB a Python target's worker may use before a message is a crash (None:
            the targets' default, 2048; 0: no limit).
    """

    target: str
    kinds: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    max_examples: int | None = None
    duration: float | None = None
    seed: int | None = None
    input_mode: str = "str"
    reject_on: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    schemas_dir: Path | None = None
    corpus_dir: Path | None = Path(DEFAULT_CORPUS)
    database: str | None = None
    shard: tuple[int, int] | None = None
    baseline: Path | None = None
    integer_floats: bool = False
    replay_corpus: bool = True
    coverage: bool = True
    memory_limit: int | None = None

    @property
    def examples(self) -> int | None:
        """The exploration budget per kind and direction, None for "until the deadline"."""
        if self.max_examples is None and self.duration is None:
            return DEFAULT_MAX_EXAMPLES
        return self.max_examples


@dataclass
class Progress:
    """Live counters, handed to the progress callback after each call."""

    unit: Unit | None = None
    phase: str = ""
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    findings: int = 0
    coverage_sent: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self) -> float:
        """Seconds since the campaign started."""
        return time.monotonic() - self.started

    @property
    def sent(self) -> int:
        """Messages sent so far, every phase."""
        return sum(sum(cell.values()) for cell in self.counts.values())


class CampaignAborted(InfrastructureError):
    """The campaign stopped on an infrastructure failure (the corpus disk, the database).

    Not a finding: the CLI prints :attr:`report` (the findings so far, all on disk) and then
    this one-line message, and exits 2.
    """

    def __init__(self, message: str, report: CampaignReport) -> None:
        super().__init__(message)
        self.report = report
