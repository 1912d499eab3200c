"""The campaign's entry points: :func:`run_campaign` (the CLI's) and :func:`run_cell` (the
pytest plugin's: one kind and direction), over one execution path, :func:`execute`.

Each opens the target, plans the units, and hands them to a :class:`~.runner.Runner`: replay,
coverage, exploration, report. An infrastructure failure (the corpus disk, the database) ends
the run with the findings so far (:class:`~.config.CampaignAborted`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ..baseline import Baseline, load_baseline
from ..errors import InfrastructureError, UsageError
from ..report import DIRECTIONS, CampaignReport
from ..session import Session
from ..targets import Target, load_target
from .config import CampaignAborted, CampaignConfig, Progress
from .constants import no_local_constants
from .planning import Plan, make_plan
from .runner import Runner

__all__ = ["execute", "infrastructure_failure", "open_target", "run_campaign", "run_cell"]


def infrastructure_failure(exc: BaseException) -> InfrastructureError | None:
    """*exc* as an infrastructure failure, or None when it is something else."""
    if isinstance(exc, InfrastructureError):
        return exc
    if isinstance(exc, OSError):  # the corpus: the only file a campaign writes while it runs
        what = f"the corpus file {str(exc.filename)!r}" if exc.filename else "the corpus"
        return InfrastructureError.from_os_error(
            exc, what, "free space on that disk or choose another --corpus"
        )
    return None


def open_target(config: CampaignConfig) -> Target:
    return load_target(
        config.target,
        input_mode=config.input_mode,
        reject_on=config.reject_on,
        timeout=config.timeout,
        memory_limit=config.memory_limit,
    )


def execute(
    config: CampaignConfig,
    target: Target,
    session: Session,
    plan: Plan,
    on_progress: Callable[[Progress], None] | None = None,
    *,
    replay: bool,
    interruptible: bool,
) -> CampaignReport:
    """The one execution path: replay, coverage, exploration, report.

    With *interruptible*, Ctrl-C ends the run with the report of what was found so far
    (``interrupted`` set). An infrastructure failure raises :class:`CampaignAborted` holding
    that report.
    """
    baseline: Baseline | None = load_baseline(config.baseline) if config.baseline else None
    units = list(plan.units)
    runner = Runner(config, target, session, on_progress, plan.notes)
    try:
        if replay:
            runner.replay(units)
        runner.cover(units)
        with no_local_constants():
            runner.explore(units, plan.budgets)
    except KeyboardInterrupt:
        if not interruptible:
            raise
        runner.interrupted = True
    except Exception as exc:
        failure = infrastructure_failure(exc)
        if failure is None:
            raise
        raise CampaignAborted(str(failure), runner.report(units, baseline)) from None
    finally:
        runner.close()
    return runner.report(units, baseline)


def run_campaign(
    config: CampaignConfig,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    session: Session | None = None,
) -> CampaignReport:
    """Run one campaign and return its report (findings are already in the corpus).

    *session* is the contract, loaded once by the caller (the one of ``config.schemas_dir``,
    loaded here, when None).

    Raises:
        UsageError: a bad target, kind, rule, database, corpus, baseline or schemas folder, or
            a selection of rules none of which the target can receive.
    """
    with open_target(config) as target:
        session = session or Session.load(config.schemas_dir)
        plan = make_plan(config, target.input_mode.value, session)
        if not plan.whole:
            raise UsageError(
                f"nothing to send: {'; '.join(plan.notes)}; choose other --rule values, "
                "or --input bytes for a Python target"
            )
        return execute(config, target, session, plan, on_progress, replay=True, interruptible=True)


def run_cell(
    config: CampaignConfig,
    kind: str,
    direction: str,
    *,
    target: Target | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    session: Session | None = None,
) -> CampaignReport:
    """Run one kind x direction of *config*: the valid messages, or the mutants of every rule.

    The pytest plugin runs one of these per test item. The units, their budgets, seeds and
    example-database keys are those :func:`run_campaign` gives the same cell, so findings and
    databases are shared with the CLI. The corpus is not replayed (replay entries with
    :func:`~backbeat_fuzz.replay.replay_entries`), ``config.shard`` is ignored, and
    ``config.duration`` caps this cell alone.

    Args:
        config: the campaign configuration (``config.kinds`` is ignored: *kind* is run).
        kind: the message kind (short name or ``type``).
        direction: ``valid`` or ``invalid``.
        target: an open target to reuse (left open); loaded from ``config`` and closed when None.
        on_progress: called after each message sent.
        session: the contract, loaded once by the caller (loaded from ``config.schemas_dir``
            when None); the plugin passes one to every cell.

    Returns:
        The cell's report; its ``findings`` are the cell's, already in the corpus.

    Raises:
        UsageError: a bad direction, target, kind, rule, database, baseline or schemas folder.
    """
    if direction not in DIRECTIONS:
        raise UsageError(f"direction={direction!r} is unknown; use 'valid' or 'invalid'")
    if target is None:
        with open_target(config) as loaded:
            return run_cell(
                config, kind, direction, target=loaded, on_progress=on_progress, session=session
            )
    session = session or Session.load(config.schemas_dir)
    cell_config = replace(config, kinds=(session.contract.kind(kind).name,), shard=None)
    plan = make_plan(cell_config, target.input_mode.value, session).only(direction)
    return execute(
        cell_config, target, session, plan, on_progress, replay=False, interruptible=False
    )
