"""The pytest plugin's nodes: the ``backbeat`` collector, one item per kind and direction of the
campaign and one per corpus entry, and the shared run they send their messages through.

:mod:`backbeat_fuzz.pytest_plugin` (the hooks and options) builds one :class:`Run` per pytest
run with ``--backbeat-target`` and appends a :class:`BackbeatCollector`; the items here fail
with :func:`render_finding`'s lines, the field names the CLI's reports use.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .defaults import DEFAULT_CORPUS
from .report.text import finding_parts, shown

if TYPE_CHECKING:
    from collections.abc import Iterator

    from _pytest._code.code import TerminalRepr

    from .corpus import CorpusEntry
    from .harness import CampaignConfig
    from .report import Finding
    from .session import Session
    from .targets import Target

__all__ = [
    "RUN",
    "BackbeatCollector",
    "ConformanceItem",
    "CorpusItem",
    "Run",
    "import_paths",
    "render_finding",
]


def _under(path: str, folders: set[str]) -> bool:
    return any(path == f or path.startswith(f.rstrip(os.sep) + os.sep) for f in folders)


def import_paths(config: pytest.Config) -> list[str]:
    """The folders the user's tests import from, for the target's worker process, in order:
    pytest's ``pythonpath`` setting, ``sys.path`` now (call it at the end of collection), then
    the rootdir; absolute, once each, leaving out the interpreter's own folders (the worker has
    them) and ones that do not exist."""
    own = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    candidates = [*map(str, config.getini("pythonpath")), *sys.path, str(config.rootpath)]
    paths: list[str] = []
    for entry in filter(None, candidates):  # "" is the current folder: the worker's own too
        path = os.path.realpath(entry)
        if path not in paths and os.path.isdir(path) and not _under(path, own):
            paths.append(path)
    return paths


@contextlib.contextmanager
def _pythonpath(paths: list[str]) -> Iterator[None]:
    """``PYTHONPATH`` is *paths* then its old value, for the block only."""
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([*paths, *([old] if old else [])])
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old


@dataclass
class Run:
    """What a pytest run with ``--backbeat-target`` holds: the campaign, one shared target, and
    the folders its worker imports from (:func:`import_paths`, set at collection)."""

    campaign: CampaignConfig
    paths: list[str] = field(default_factory=list)
    session: Session | None = None  # the contract, loaded once at collection
    _target: Target | None = None
    _error: Exception | None = field(default=None, repr=False)

    def worker_env(self) -> contextlib.AbstractContextManager[None]:
        """The environment the worker is started (or restarted) in: see :func:`import_paths`."""
        return _pythonpath(self.paths)

    def target(self) -> Target:
        """The open target, loaded on first use (a load error is raised again for every item)."""
        if self._error is not None:
            raise self._error
        if self._target is None:
            from .targets import load_target

            config = self.campaign
            try:
                self._target = load_target(
                    config.target,
                    input_mode=config.input_mode,
                    reject_on=config.reject_on,
                    timeout=config.timeout,
                )
            except Exception as exc:
                self._error = exc
                raise
        return self._target

    def close(self) -> None:
        if self._target is not None:
            self._target.close()
            self._target = None


#: Where the run is kept on pytest's config (``config.stash[RUN]``).
RUN = pytest.StashKey[Run]()


class BackbeatCollector(pytest.Collector):
    """The ``backbeat`` node: one conformance item per kind and direction, one per corpus entry."""

    def collect(self) -> Iterator[pytest.Item]:
        from .corpus import Corpus
        from .errors import BackbeatFuzzError
        from .session import Session

        run = self.config.stash[RUN]
        run.paths = import_paths(self.config)
        campaign = run.campaign
        try:
            run.session = Session.load(campaign.schemas_dir)
            kinds = list(run.session.contract.kinds)
            corpus = Corpus(campaign.corpus_dir or DEFAULT_CORPUS)
            entries = corpus.entries()
        except BackbeatFuzzError as exc:
            raise self.CollectError(f"backbeat-fuzz: {exc}") from None
        for kind in kinds:
            for direction in ("valid", "invalid"):
                yield ConformanceItem.from_parent(
                    self, name=f"conformance[{kind}-{direction}]", kind=kind, direction=direction
                )
        for entry in entries:
            yield CorpusItem.from_parent(
                self, name=f"corpus[{entry.stem}]", entry=entry, file=corpus.path_for(entry)
            )


class _Findings(Exception):
    """Raised by an item whose messages the consumer got wrong; carries the rendered report."""


class _BackbeatItem(pytest.Item):
    """What both item kinds share: the marker, the kind keyword, and one-line usage errors."""

    def __init__(self, *, kind: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kind = kind
        self.add_marker("backbeat")
        self.extra_keyword_matches.add(kind)

    @property
    def run(self) -> Run:
        return self.config.stash[RUN]

    def runtest(self) -> None:
        with self.run.worker_env():
            self.check()

    def check(self) -> None:
        """Send this item's messages and raise :class:`_Findings` on a wrong verdict."""
        raise NotImplementedError

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | TerminalRepr:
        from .errors import BackbeatFuzzError

        if isinstance(excinfo.value, _Findings):
            return str(excinfo.value)
        if isinstance(excinfo.value, BackbeatFuzzError):
            return f"backbeat-fuzz: {excinfo.value}"
        return super().repr_failure(excinfo, style)


class ConformanceItem(_BackbeatItem):
    """One kind and direction of the campaign: ``conformance[beatframe-invalid]``."""

    def __init__(self, *, direction: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.direction = direction

    def check(self) -> None:
        from .harness import run_cell

        run = self.run
        report = run_cell(
            run.campaign, self.kind, self.direction, target=run.target(), session=run.session
        )
        sent = report.counts.get(self.kind, {}).get(self.direction, 0)
        self.user_properties.append(("messages_sent", sent))
        if report.skipped:
            self.add_report_section("call", "backbeat-fuzz", "\n".join(report.skipped))
        if report.failing:
            raise _Findings(self._render(report.failing, sent))

    def _render(self, findings: list[Finding], sent: int) -> str:
        c = self.run.campaign
        what = f"{self.kind} {self.direction} messages"
        lines = [
            f"{len(findings)} finding{'s' if len(findings) != 1 else ''} in {sent} {what} sent "
            f"to {c.target} (seed {c.seed}; rerun with --backbeat-seed {c.seed})"
        ]
        for finding in findings:
            lines += ["", *render_finding(finding)]
        return "\n".join(lines)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"backbeat conformance: {self.kind} {self.direction} messages"


class CorpusItem(_BackbeatItem):
    """One corpus entry, replayed: ``corpus[false_accept--beatframe_hlc--4f325ea0]``.

    ``-k`` matches its kind and its direction (``valid`` for an entry to be accepted, else
    ``invalid``) as it matches the conformance items'.
    """

    def __init__(self, *, entry: CorpusEntry, file: Path, **kwargs: Any) -> None:
        super().__init__(kind=entry.kind, **kwargs)
        self.entry = entry
        self.file = file
        self.extra_keyword_matches.add("valid" if entry.rule is None else "invalid")

    def check(self) -> None:
        from .replay import replay_entry
        from .report import Finding

        result = replay_entry(self.run.target(), self.entry, self.file)
        if result.skipped:
            pytest.skip(f"corpus entry {self.file.name}: {result.skipped}")
        if result.outcome is not None and result.response is not None:
            e = self.entry
            detail = result.response.detail
            finding = Finding(
                outcome=result.outcome,
                signature=e.signature or f"{result.outcome.value}: {detail}",
                kind=e.kind,
                message_type=e.message_type,
                rule=e.rule,
                data=e.data,
                detail=detail,
                corpus_path=str(self.file),
                note=e.note,
                fields=e.fields,
            )
            headline, *rest = render_finding(finding)
            raise _Findings("\n".join([f"still fails: {headline}", *rest]))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.file, None, f"backbeat corpus entry {self.entry.stem}"


def _relative(path: str | None) -> str | None:
    """*path* relative to the current folder when it is below it (shorter to read)."""
    if path is None:
        return None
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


#: What a failed item shows of a finding, after its headline (:data:`.report.text.FINDING_PARTS`).
_ITEM_PARTS = ("signature", "outcome", "rule", "message", "changed", "note", "detail", "corpus")
#: The parts that may hold the message's own characters, escaped for the terminal.
_ESCAPED = frozenset({"message", "changed", "detail"})


def render_finding(finding: Finding) -> list[str]:
    """A finding as the lines a failed item shows, with the field names the CLI's reports use:
    headline, signature, outcome, rule, message, changed fields, note, detail, corpus."""
    parts = finding_parts(finding, _ITEM_PARTS, optional=("changed", "note", "detail"))
    corpus = _relative(finding.corpus_path) or "(not saved)"
    shown_parts = [
        (name, corpus if name == "corpus" else shown(text) if name in _ESCAPED else text)
        for name, text in parts
    ]
    return [finding.headline, *(f"  {name + ':':<10} {text}" for name, text in shown_parts)]
