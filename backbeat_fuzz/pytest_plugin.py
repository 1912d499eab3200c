"""The pytest plugin: the conformance campaign and the corpus as test items of your own test run.

Installed with backbeat-fuzz (entry point ``pytest11``), it does nothing until you name a
target::

    pytest --backbeat-target mysvc.handler
    pytest --backbeat-target mysvc.handler -k statusclaim        # one kind
    pytest --backbeat-target mysvc.handler -k "beatframe and not invalid"
    pytest --backbeat-target mysvc.handler -m "not backbeat"     # none of the items below

Then the run gains, under the node ``backbeat``:

- ``conformance[<kind>-valid]`` and ``conformance[<kind>-invalid]``, one item per kind and
  direction: the valid messages of the kind must be accepted, the mutants of every rule
  rejected. Each is one cell of the ``backbeat-fuzz`` campaign (same budgets, seeds and example
  database keys); it fails with one block per finding: the outcome, the rule, the shrunk message,
  how it was made and the corpus file it was saved to;
- ``corpus[<entry name>]``, one item per corpus entry (when the corpus folder exists): the
  entry is sent again and must get the verdict a correct consumer gives. ``-k`` also matches an
  entry's kind and direction (``valid``/``invalid``).

Every item is marked ``backbeat``. The options mirror ``backbeat-fuzz``'s:

- ``--backbeat-max-examples N``: examples per kind and direction (default 100);
- ``--backbeat-seed N``: the campaign seed (random when omitted; the header shows it);
- ``--backbeat-corpus DIR``: findings are written there, as the CLI does, and its entries are
  replayed as items (default ``corpus/`` in the rootdir);
- ``--backbeat-input {str,bytes,object}``, ``--backbeat-timeout SECONDS``,
  ``--backbeat-reject-on EXC`` (repeatable) and ``--backbeat-integer-floats``;
- ``--backbeat-schemas DIR``: another schemas folder;
- ``--backbeat-database DB``: the Hypothesis example database (default
  ``.backbeat-fuzz/examples`` in the rootdir; ``none`` for none).

Relative paths given as options are taken from the folder pytest is started in. A Python
target is imported by a worker process started in that folder, which imports what your tests
import: its ``PYTHONPATH`` holds pytest's ``pythonpath`` setting, the folders on ``sys.path``
when collection ended (the rootdir and conftest folders pytest's import mode inserts; not the
interpreter's own), the rootdir, then your ``PYTHONPATH``. The variable is set only while a
``backbeat`` item runs (when the worker starts or restarts), and restored after it.

In your own property tests, the strategies and the reference validator are at hand::

    from hypothesis import given
    from backbeat_fuzz.strategies import invalid_messages, valid_messages

    @given(valid_messages("beatframe"))
    def test_handler_accepts(backbeat_validator, message):  # fixtures first: @given fills the last
        assert backbeat_validator.validate_message(message).valid
        handle(message)

    @given(invalid_messages("beatframe", rules=["hlc"]))
    def test_handler_rejects_bad_hlc(mutant):
        with pytest.raises(ValueError):
            handle(mutant.data)

The fixture ``backbeat_validator`` is a session-wide :class:`~backbeat_fuzz.MessageValidator`
over ``--backbeat-schemas`` (the packaged contract when omitted); it needs no target.
``-p no:backbeat_fuzz`` turns the whole plugin off.

The ``backbeat-ci`` Hypothesis profile
--------------------------------------

The plugin registers a settings profile for CI runs of your own property tests:
``max_examples=200``, ``deadline=None`` (shared CI machines make timings flaky),
``derandomize=True`` (every push tries the same examples, so a red build is the code's doing;
leave exploration to a nightly ``backbeat-fuzz`` campaign), ``database=None`` (CI throws the
folder away), ``print_blob=True`` (the log says how to reproduce a failure with
``@reproduce_failure``) and the ``too_slow`` health check suppressed. Load it with Hypothesis's
own option::

    pytest --hypothesis-profile=backbeat-ci

or in ``conftest.py`` (the plugin is loaded before conftest files, so the profile exists)::

    import os
    from hypothesis import settings
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

and set ``HYPOTHESIS_PROFILE=backbeat-ci`` in the CI job. The profile governs your ``@given``
tests only: the ``conformance`` items take their budget and seed from ``--backbeat-max-examples``
and ``--backbeat-seed``, whatever profile is loaded.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, settings

from .defaults import DEFAULT_CORPUS, DEFAULT_DATABASE, DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from collections.abc import Iterator

    from _pytest._code.code import TerminalRepr

    from .corpus import CorpusEntry
    from .harness import CampaignConfig
    from .report import Finding
    from .targets import Target
    from .validator import MessageValidator

__all__ = [
    "CI_PROFILE",
    "BackbeatCollector",
    "ConformanceItem",
    "CorpusItem",
    "backbeat_validator",
    "import_paths",
    "render_finding",
]

#: The name of the Hypothesis settings profile for CI (see the module docstring).
CI_PROFILE = "backbeat-ci"

settings.register_profile(
    CI_PROFILE,
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _positive_int(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(
            f"{value!r} must be a whole number of at least 1, e.g. 100"
        )
    return int(value)


def _positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not number > 0:
        raise argparse.ArgumentTypeError(
            f"{value!r} must be a positive number of seconds, e.g. 2.0"
        )
    return number


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``--backbeat-*`` options, mirroring ``backbeat-fuzz``'s."""
    group = parser.getgroup("backbeat-fuzz", "BACKBEAT conformance (backbeat-fuzz)")
    group.addoption(
        "--backbeat-target",
        metavar="SPEC",
        help="Run the conformance campaign against this consumer: pkg.module.func, "
        "pkg.module:func, 'cmd:PROGRAM ARGS' or http://host:port/path.",
    )
    group.addoption(
        "--backbeat-max-examples",
        type=_positive_int,
        default=100,
        metavar="N",
        help="Examples per kind and direction (default 100).",
    )
    group.addoption(
        "--backbeat-seed", type=int, metavar="N", help="Campaign seed (random when omitted)."
    )
    group.addoption(
        "--backbeat-corpus",
        metavar="DIR",
        help="Corpus folder: findings are written there and its entries replayed as items "
        "(default: corpus/ in the rootdir).",
    )
    group.addoption(
        "--backbeat-input",
        choices=("str", "bytes", "object"),
        default="str",
        help="What a Python target is given: the text, the bytes or the parsed object.",
    )
    group.addoption(
        "--backbeat-timeout",
        type=_positive_float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"Seconds per message before the verdict is a hang (default {DEFAULT_TIMEOUT}).",
    )
    group.addoption(
        "--backbeat-schemas",
        metavar="DIR",
        help="Schemas folder (default: the packaged v1 contract).",
    )
    group.addoption(
        "--backbeat-database",
        metavar="DB",
        help="Hypothesis example database: a folder, redis://HOST:PORT/N or 'none' "
        f"(default: {DEFAULT_DATABASE} in the rootdir).",
    )
    group.addoption(
        "--backbeat-reject-on",
        action="append",
        default=[],
        metavar="EXC",
        help="Another exception class (module.ExcName) meaning 'rejected'. Repeatable.",
    )
    group.addoption(
        "--backbeat-integer-floats",
        action="store_true",
        help="Also send 1337.0 where an integer is expected.",
    )


def _path(config: pytest.Config, value: str | None, default: str) -> Path:
    """An option's path: relative to where pytest was started, the default to the rootdir."""
    if value is None:
        return config.rootpath / default
    return config.invocation_params.dir / value


def _database(config: pytest.Config) -> str:
    value = config.getoption("backbeat_database")
    if value is None:
        return str(config.rootpath / DEFAULT_DATABASE)
    if value.lower() in ("none", "off", "") or "://" in value:
        return value
    return str(config.invocation_params.dir / value)


def _campaign(config: pytest.Config, target: str) -> CampaignConfig:
    from .harness import CampaignConfig

    seed = config.getoption("backbeat_seed")
    schemas = config.getoption("backbeat_schemas")
    return CampaignConfig(
        target=target,
        max_examples=config.getoption("backbeat_max_examples"),
        seed=seed if seed is not None else random.SystemRandom().randrange(2**32),
        input_mode=config.getoption("backbeat_input"),
        reject_on=tuple(config.getoption("backbeat_reject_on")),
        timeout=config.getoption("backbeat_timeout"),
        schemas_dir=None if schemas is None else _path(config, schemas, ""),
        corpus_dir=_path(config, config.getoption("backbeat_corpus"), DEFAULT_CORPUS),
        database=_database(config),
        integer_floats=config.getoption("backbeat_integer_floats"),
        replay_corpus=False,
    )


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
class _Run:
    """What a pytest run with ``--backbeat-target`` holds: the campaign, one shared target, and
    the folders its worker imports from (:func:`import_paths`, set at collection)."""

    campaign: CampaignConfig
    paths: list[str] = field(default_factory=list)
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


_RUN = pytest.StashKey[_Run]()


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``backbeat`` marker; with ``--backbeat-target``, prepare the campaign."""
    config.addinivalue_line("markers", "backbeat: a backbeat-fuzz conformance or corpus item")
    target = config.getoption("backbeat_target")
    if target:
        run = _Run(_campaign(config, target))
        config.stash[_RUN] = run
        config.add_cleanup(run.close)


def pytest_report_header(config: pytest.Config) -> str | None:
    """One header line naming the target, seed, budget and corpus, when a target is given."""
    run = config.stash.get(_RUN, None)
    if run is None:
        return None
    c = run.campaign
    return (
        f"backbeat-fuzz: target {c.target}, seed {c.seed} (rerun with --backbeat-seed {c.seed}), "
        f"{c.max_examples} examples per kind and direction, corpus {c.corpus_dir}"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Append the ``backbeat`` items before ``-k``/``-m`` select among all items."""
    if _RUN not in config.stash:
        return
    collector = BackbeatCollector.from_parent(session, name="backbeat", nodeid="backbeat")
    items.extend(session.genitems(collector))


# -- nodes ------------------------------------------------------------------------------------


class BackbeatCollector(pytest.Collector):
    """The ``backbeat`` node: one conformance item per kind and direction, one per corpus entry."""

    def collect(self) -> Iterator[pytest.Item]:
        from .contract import load_contract
        from .corpus import Corpus
        from .errors import BackbeatFuzzError

        run = self.config.stash[_RUN]
        run.paths = import_paths(self.config)
        campaign = run.campaign
        try:
            kinds = list(load_contract(campaign.schemas_dir).kinds)
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
    def run(self) -> _Run:
        return self.config.stash[_RUN]

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
        report = run_cell(run.campaign, self.kind, self.direction, target=run.target())
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
            finding = Finding(
                result.outcome,
                e.signature or f"{result.outcome.value}: {result.response.detail}",
                e.kind,
                e.message_type,
                e.rule,
                e.data,
                result.response.detail,
                str(self.file),
                e.note,
                fields=e.fields,
            )
            headline, *rest = render_finding(finding)
            raise _Findings("\n".join([f"still fails: {headline}", *rest]))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.file, None, f"backbeat corpus entry {self.entry.stem}"


def _shown(text: str) -> str:
    """*text* with control characters escaped, safe to print to a terminal."""
    return _CONTROL.sub(lambda m: ascii(m.group())[1:-1], text)


def _relative(path: str | None) -> str | None:
    """*path* relative to the current folder when it is below it (shorter to read)."""
    if path is None:
        return None
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def render_finding(finding: Finding) -> list[str]:
    """A finding as the lines a failed item shows, with the field names the CLI's reports use:
    headline, signature, outcome, rule, message, changed fields, note, detail, corpus."""
    lines = [
        finding.headline,
        f"  signature: {finding.signature}",
        f"  outcome:   {finding.outcome.value}",
        f"  rule:      {finding.rule_id}",
        f"  message:   {_shown(finding.text)}",
    ]
    if finding.changes:
        lines.append(f"  changed:   {_shown(finding.changes)}")
    if finding.note:
        lines.append(f"  note:      {finding.note}")
    if finding.detail:
        lines.append(f"  detail:    {_shown(finding.detail)}")
    lines.append(f"  corpus:    {_relative(finding.corpus_path) or '(not saved)'}")
    return lines


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def backbeat_validator(pytestconfig: pytest.Config) -> MessageValidator:
    """The reference validator over ``--backbeat-schemas`` (the packaged contract by default)."""
    from .validator import MessageValidator

    schemas = pytestconfig.getoption("backbeat_schemas")
    return MessageValidator(None if schemas is None else _path(pytestconfig, schemas, ""))
