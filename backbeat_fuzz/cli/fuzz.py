"""``backbeat-fuzz``: fuzz a consumer of BACKBEAT messages, and the tools around it.

``backbeat-fuzz --target mysvc.handler`` runs a campaign; subcommands list the mutation
catalogue (``mutations``), replay the corpus (``replay``) and write an examples folder
(``seed``). The commands only turn options into a configuration and call the library.

Exit codes: 0 nothing found, 1 nonconformance found (or a replayed entry still fails),
2 usage or configuration error, 130 interrupted (findings so far are already on disk).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import BackbeatFuzzError
from ._campaign import (
    ProgressLine,
    baseline_to_read,
    check_report_paths,
    color,
    show,
    update_baseline,
    write_reports,
)
from ._options import EXIT_FOUND, EXIT_INTERRUPTED, EXIT_OK, fail, options
from .compat import compat
from .subcommands import merge, mutations, replay, seed_command

if TYPE_CHECKING:
    from ..harness import CampaignConfig
    from ..report import CampaignReport

__all__ = ["CampaignArgs", "main", "merge", "mutations", "replay", "seed_command"]


def _shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    index, _, count = value.partition("/")
    if not (index.isdigit() and count.isdigit()) or not 0 <= int(index) < int(count):
        raise fail(
            f"--shard {value!r} must be I/N with 0 <= I < N, e.g. 0/4 for the first of four workers"
        )
    return int(index), int(count)


@dataclass(frozen=True)
class CampaignArgs:
    """The campaign's command line as click parses it: one field per option, in ``--help``
    order (:data:`_OPTIONS`)."""

    target: str | None
    kinds: tuple[str, ...]
    rules: tuple[str, ...]
    max_examples: int | None
    duration: float | None
    memory_limit: int | None
    no_coverage: bool
    seed_: int | None
    input_mode: str
    reject_on: tuple[str, ...]
    timeout: float
    schemas_dir: Path | None
    corpus_dir: Path
    no_replay: bool
    database: str
    shard: str | None
    workers: str
    baseline: Path | None
    baseline_update: bool
    baseline_prune: bool
    integer_floats: bool
    report_json: Path | None
    junit_xml: Path | None
    sarif: Path | None
    quiet: bool
    no_color: bool

    def config(self, target: str) -> CampaignConfig:
        """The campaign these options ask for (a usage error for a bad --shard or baseline)."""
        from ..harness import CampaignConfig

        return CampaignConfig(
            **{name: getattr(self, name) for name in _COPIED},
            target=target,
            seed=self.seed_,
            shard=_shard(self.shard),
            baseline=baseline_to_read(self.baseline, self.baseline_update, self.baseline_prune),
            replay_corpus=not self.no_replay,
            coverage=not self.no_coverage,
        )

    @property
    def reports(self) -> tuple[Path | None, Path | None, Path | None]:
        """The report files asked for: JSON, JUnit XML, SARIF (None: not written)."""
        return self.report_json, self.junit_xml, self.sarif


#: The options :class:`~backbeat_fuzz.harness.CampaignConfig` takes as they are.
_COPIED = (
    "kinds", "rules", "max_examples", "duration", "memory_limit", "input_mode", "reject_on",
    "timeout", "schemas_dir", "corpus_dir", "database", "integer_floats",
)  # fmt: skip

#: The campaign's options, as ``--help`` lists them.
_OPTIONS = (
    "target",
    "kind",
    "rule",
    "max-examples",
    "duration",
    "memory-limit",
    "no-coverage",
    "seed",
    "input",
    "reject-on",
    "timeout",
    "schemas",
    "corpus",
    "no-replay",
    "database",
    "shard",
    "workers",
    "baseline",
    "baseline-update",
    "baseline-prune",
    "integer-floats",
    "report-json",
    "junit-xml",
    "sarif",
    "quiet",
    "no-color",
)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@options(*_OPTIONS)
@click.pass_context
def main(ctx: click.Context, **given: Any) -> None:
    """Fuzz a consumer of BACKBEAT messages: it must accept every valid message and reject
    every invalid one. Findings are shrunk and written to the corpus as they are found.

    Exit codes: 0 nothing found, 1 findings, 2 usage or configuration error.
    """
    from ..database import keep_hypothesis_home

    keep_hypothesis_home(given["database"] if ctx.invoked_subcommand is None else None)
    if ctx.invoked_subcommand is not None:
        return
    args = CampaignArgs(**given)
    if args.target is None:
        raise click.UsageError("--target is required, e.g. --target mysvc.handler (try --help)")
    config = args.config(args.target)
    check_report_paths(args.reports)
    report = _run(config, args)
    _finish(config, args, report)


def _run(config: CampaignConfig, args: CampaignArgs) -> CampaignReport:
    """Run the campaign over ``--workers`` processes, with the progress line on a terminal."""
    from ..harness import CampaignAborted
    from ..workers import parse_workers, run_workers

    try:
        count = parse_workers(args.workers)
    except BackbeatFuzzError as exc:
        raise fail(str(exc)) from None
    line = ProgressLine(enabled=not args.quiet and sys.stderr.isatty())
    try:
        report = run_workers(config, count, on_progress=line)
    except CampaignAborted as exc:  # the findings so far, then why it stopped
        line.done()
        show(exc.report, quiet=args.quiet, color=color(args.no_color))
        write_reports(exc.report, args.reports)
        raise fail(str(exc)) from None
    except BackbeatFuzzError as exc:
        line.done()
        raise fail(str(exc)) from None
    line.done()
    return report


def _finish(config: CampaignConfig, args: CampaignArgs, report: CampaignReport) -> None:
    """Write and show the report, update the baseline, and exit with the run's code."""
    write_reports(report, args.reports)
    show(report, quiet=args.quiet, color=color(args.no_color))
    if report.interrupted:
        click.echo(f"interrupted; findings so far are in {config.corpus_dir}/", err=True)
        sys.exit(EXIT_INTERRUPTED)
    if args.seed_ is None and not args.quiet:
        click.echo(f"seed {report.seed} (rerun with --seed {report.seed})")
    if args.baseline is not None and (args.baseline_update or args.baseline_prune):
        update_baseline(args.baseline, report, add=args.baseline_update)
    sys.exit(EXIT_FOUND if report.failing else EXIT_OK)


for _command in (mutations, replay, seed_command, merge, compat):
    main.add_command(_command)

if __name__ == "__main__":  # pragma: no cover
    main()
