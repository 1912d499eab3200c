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

- ``--backbeat-max-examples N``: exploration messages per kind and direction (default 100);
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
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, settings

from .defaults import DEFAULT_CORPUS, DEFAULT_DATABASE, DEFAULT_TIMEOUT
from .pytest_items import (
    RUN,
    BackbeatCollector,
    ConformanceItem,
    CorpusItem,
    Run,
    import_paths,
    render_finding,
)

if TYPE_CHECKING:
    from .harness import CampaignConfig
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


#: The ``--backbeat-*`` options, mirroring ``backbeat-fuzz``'s: flag -> ``addoption`` arguments.
_OPTIONS: dict[str, dict[str, Any]] = {
    "--backbeat-target": {
        "metavar": "SPEC",
        "help": "Run the conformance campaign against this consumer: pkg.module.func, "
        "pkg.module:func, 'cmd:PROGRAM ARGS' or http://host:port/path.",
    },
    "--backbeat-max-examples": {
        "type": _positive_int,
        "default": 100,
        "metavar": "N",
        "help": "Exploration messages per kind and direction (default 100).",
    },
    "--backbeat-seed": {
        "type": int,
        "metavar": "N",
        "help": "Campaign seed (random when omitted).",
    },
    "--backbeat-corpus": {
        "metavar": "DIR",
        "help": "Corpus folder: findings are written there and its entries replayed as items "
        "(default: corpus/ in the rootdir).",
    },
    "--backbeat-input": {
        "choices": ("str", "bytes", "object"),
        "default": "str",
        "help": "What a Python target is given: the text, the bytes or the parsed object.",
    },
    "--backbeat-timeout": {
        "type": _positive_float,
        "default": DEFAULT_TIMEOUT,
        "metavar": "SECONDS",
        "help": f"Seconds per message before the verdict is a hang (default {DEFAULT_TIMEOUT}).",
    },
    "--backbeat-schemas": {
        "metavar": "DIR",
        "help": "Schemas folder (default: the packaged v1 contract).",
    },
    "--backbeat-database": {
        "metavar": "DB",
        "help": "Hypothesis example database: a folder, redis://HOST:PORT/N or 'none' "
        f"(default: {DEFAULT_DATABASE} in the rootdir).",
    },
    "--backbeat-reject-on": {
        "action": "append",
        "default": [],
        "metavar": "EXC",
        "help": "Another exception class (module.ExcName) meaning 'rejected'. Repeatable.",
    },
    "--backbeat-integer-floats": {
        "action": "store_true",
        "help": "Also send 1337.0 where an integer is expected.",
    },
}


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``--backbeat-*`` options (:data:`_OPTIONS`), mirroring ``backbeat-fuzz``'s."""
    group = parser.getgroup("backbeat-fuzz", "BACKBEAT conformance (backbeat-fuzz)")
    for flag, arguments in _OPTIONS.items():
        group.addoption(flag, **arguments)


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


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``backbeat`` marker; with ``--backbeat-target``, prepare the campaign."""
    config.addinivalue_line("markers", "backbeat: a backbeat-fuzz conformance or corpus item")
    target = config.getoption("backbeat_target")
    if target:
        run = Run(_campaign(config, target))
        config.stash[RUN] = run
        config.add_cleanup(run.close)


def pytest_report_header(config: pytest.Config) -> str | None:
    """One header line naming the target, seed, budget and corpus, when a target is given."""
    run = config.stash.get(RUN, None)
    if run is None:
        return None
    c = run.campaign
    return (
        f"backbeat-fuzz: target {c.target}, seed {c.seed} (rerun with --backbeat-seed {c.seed}), "
        f"{c.max_examples} messages per kind and direction, corpus {c.corpus_dir}"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Append the ``backbeat`` items before ``-k``/``-m`` select among all items."""
    if RUN not in config.stash:
        return
    collector = BackbeatCollector.from_parent(session, name="backbeat", nodeid="backbeat")
    items.extend(session.genitems(collector))


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def backbeat_validator(pytestconfig: pytest.Config) -> MessageValidator:
    """The reference validator over ``--backbeat-schemas`` (the packaged contract by default)."""
    from .validator import MessageValidator

    schemas = pytestconfig.getoption("backbeat_schemas")
    return MessageValidator(None if schemas is None else _path(pytestconfig, schemas, ""))
