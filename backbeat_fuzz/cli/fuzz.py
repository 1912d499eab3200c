"""``backbeat-fuzz``: fuzz a consumer of BACKBEAT messages, and the tools around it.

``backbeat-fuzz --target mysvc.handler`` runs a campaign; subcommands list the mutation
catalogue (``mutations``), replay the corpus (``replay``) and write an examples folder
(``seed``). The commands only turn options into a configuration and call the library.

Exit codes: 0 nothing found, 1 nonconformance found (or a replayed entry still fails),
2 usage or configuration error, 130 interrupted (findings so far are already on disk).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..defaults import DEFAULT_CORPUS, DEFAULT_DATABASE, DEFAULT_TIMEOUT
from ..errors import BackbeatFuzzError

if TYPE_CHECKING:
    from ..harness import CampaignConfig
    from ..report import CampaignReport

__all__ = ["main", "merge", "mutations", "replay", "seed_command"]

EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


#: Options several commands share, declared once.
_SCHEMAS = click.option(
    "--schemas",
    "schemas_dir",
    type=click.Path(path_type=Path),
    help="Schemas folder (default: the packaged v1 contract).",
)
_INPUT = click.option(
    "--input",
    "input_mode",
    type=click.Choice(["str", "bytes", "object"]),
    default="str",
    show_default=True,
    help="What a Python target is given: the text, the bytes, or the parsed object.",
)
_REJECT_ON = click.option(
    "--reject-on",
    multiple=True,
    help="Another exception class (module.ExcName) that means 'rejected'. Repeatable.",
)
_TIMEOUT = click.option(
    "--timeout",
    default=DEFAULT_TIMEOUT,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds per message before the verdict is a hang.",
)


def _fail(message: str) -> click.ClickException:
    exc = click.ClickException(message)
    exc.exit_code = EXIT_USAGE
    return exc


def _shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    index, _, count = value.partition("/")
    if not (index.isdigit() and count.isdigit()) or not 0 <= int(index) < int(count):
        raise _fail(
            f"--shard {value!r} must be I/N with 0 <= I < N, e.g. 0/4 for the first of four workers"
        )
    return int(index), int(count)


class _ProgressLine:
    """A live status line on a terminal (stderr), at most ten updates a second."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.last = 0.0

    def __call__(self, progress: Any) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.last < 0.1:
            return
        self.last = now
        counts = "  ".join(f"{k} {c['valid']}+{c['invalid']}" for k, c in progress.counts.items())
        unit = progress.unit.key if progress.unit else ""
        line = f"\r{counts}  findings {progress.findings}  {progress.elapsed:5.1f}s  {unit}"
        sys.stderr.write(line[:160].ljust(100))
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled and self.last:
            sys.stderr.write("\r" + " " * 100 + "\r")


_REPORT_OPTIONS = ("--report-json", "--junit-xml", "--sarif")


def _check_report_paths(paths: tuple[Path | None, ...]) -> None:
    """Fail before the campaign, not after it, when a report cannot be written."""
    from ..database import check_writable_folder

    for option, path in zip(_REPORT_OPTIONS, paths, strict=True):
        if path is None:
            continue
        if path.is_dir():
            raise _fail(f"{option} {str(path)!r} is a folder; give a file path, e.g. report.json")
        try:
            check_writable_folder(path.parent, option, file=path)
        except BackbeatFuzzError as exc:
            raise _fail(str(exc)) from None


def _cannot_write(exc: OSError, what: str = "") -> click.ClickException:
    name = what or repr(str(exc.filename) if exc.filename is not None else "a file")
    return _fail(f"cannot write {name}: {exc.strerror or exc}; choose a writable path")


def _write_reports(report: Any, paths: tuple[Path | None, ...]) -> None:
    from ..report import write_json, write_junit, write_sarif

    writers = (write_json, write_junit, write_sarif)
    for option, path, writer in zip(_REPORT_OPTIONS, paths, writers, strict=True):
        if path is not None:
            try:
                writer(report, path)
            except OSError as exc:
                raise _cannot_write(exc, f"{option} {str(path)!r}") from None


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--target",
    help="The consumer: pkg.module.func, pkg.module:func, 'cmd:PROGRAM ARGS', "
    "'stdio:PROGRAM ARGS' (one long-lived program, see docs/targets.md) or http://host:port/path.",
)
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    help="Fuzz only this kind (beatframe, statusclaim, barreport). Repeatable.",
)
@click.option(
    "--rule",
    "rules",
    multiple=True,
    help="Only these rules' mutants: a rule, field, family or glob (see 'mutations'). Repeatable.",
)
@click.option(
    "--max-examples",
    type=click.IntRange(min=1),
    help="Exploration examples per kind and direction, split across the invalid direction's "
    "rules (default 100; unbounded with --duration alone).",
)
@click.option(
    "--duration",
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds the whole campaign runs; alone, it runs until then. With --max-examples, "
    "whichever ends first.",
)
@click.option(
    "--memory-limit",
    type=click.IntRange(min=0),
    help="MiB a Python target's worker may use; past it a message is a crash "
    "(default 2048, 0 for no limit).",
)
@click.option(
    "--no-coverage",
    is_flag=True,
    help="Skip the coverage phase (every mutation variant and boundary value sent once).",
)
@click.option(
    "--seed",
    "seed_",
    type=int,
    help="Campaign seed; the same seed, target and budget replay the same run.",
)
@_INPUT
@_REJECT_ON
@_TIMEOUT
@_SCHEMAS
@click.option(
    "--corpus",
    "corpus_dir",
    default=DEFAULT_CORPUS,
    show_default=True,
    type=click.Path(path_type=Path),
    help="Folder findings are written to (and replayed from).",
)
@click.option("--no-replay", is_flag=True, help="Do not replay the corpus before fuzzing.")
@click.option(
    "--database",
    default=DEFAULT_DATABASE,
    show_default=True,
    help="Hypothesis example database: a folder, redis://HOST:PORT/N, or 'none'.",
)
@click.option(
    "--shard",
    help="I/N: run only this machine's share of the work (with a shared --database); "
    "combine the shards' --report-json files with 'merge'.",
)
@click.option(
    "--workers",
    default="1",
    show_default=True,
    help="Local worker processes splitting the campaign (N or 'auto': one per core); one "
    "merged report. The progress line shows their summed counts.",
)
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    help="JSON file of accepted findings: reported, but they do not fail the run.",
)
@click.option(
    "--baseline-update",
    is_flag=True,
    help="After the run, write its findings into --baseline FILE as accepted (existing reasons "
    "and expiry dates kept) and drop entries that no longer reproduce.",
)
@click.option(
    "--baseline-prune",
    is_flag=True,
    help="After the run, drop the --baseline entries that no longer reproduce (adds nothing).",
)
@click.option(
    "--integer-floats",
    is_flag=True,
    help="Also send 1337.0 where an integer is expected (valid JSON Schema, often rejected).",
)
@click.option(
    "--report-json", type=click.Path(path_type=Path), help="Write the full machine report here."
)
@click.option("--junit-xml", type=click.Path(path_type=Path), help="Write a JUnit XML report here.")
@click.option("--sarif", type=click.Path(path_type=Path), help="Write a SARIF 2.1.0 report here.")
@click.option("--quiet", "-q", is_flag=True, help="No progress line; print only the findings.")
@click.option("--no-color", is_flag=True, help="No colours (also when NO_COLOR is set).")
@click.pass_context
def main(
    ctx: click.Context,
    target: str | None,
    kinds: tuple[str, ...],
    rules: tuple[str, ...],
    max_examples: int | None,
    duration: float | None,
    memory_limit: int | None,
    no_coverage: bool,
    seed_: int | None,
    input_mode: str,
    reject_on: tuple[str, ...],
    timeout: float,
    schemas_dir: Path | None,
    corpus_dir: Path,
    no_replay: bool,
    database: str,
    shard: str | None,
    workers: str,
    baseline: Path | None,
    baseline_update: bool,
    baseline_prune: bool,
    integer_floats: bool,
    report_json: Path | None,
    junit_xml: Path | None,
    sarif: Path | None,
    quiet: bool,
    no_color: bool,
) -> None:
    """Fuzz a consumer of BACKBEAT messages: it must accept every valid message and reject
    every invalid one. Findings are shrunk and written to the corpus as they are found.

    Exit codes: 0 nothing found, 1 findings, 2 usage or configuration error.
    """
    if ctx.invoked_subcommand is not None:
        return
    if target is None:
        raise click.UsageError("--target is required, e.g. --target mysvc.handler (try --help)")
    from ..harness import CampaignAborted, CampaignConfig
    from ..workers import parse_workers, run_workers

    config = CampaignConfig(
        target=target,
        kinds=kinds,
        rules=rules,
        max_examples=max_examples,
        duration=duration,
        seed=seed_,
        input_mode=input_mode,
        reject_on=reject_on,
        timeout=timeout,
        schemas_dir=schemas_dir,
        corpus_dir=corpus_dir,
        database=database,
        shard=_shard(shard),
        baseline=_baseline_to_read(baseline, baseline_update, baseline_prune),
        integer_floats=integer_floats,
        replay_corpus=not no_replay,
        coverage=not no_coverage,
        memory_limit=memory_limit,
    )
    reports = (report_json, junit_xml, sarif)
    _check_report_paths(reports)
    try:
        count = parse_workers(workers)
    except BackbeatFuzzError as exc:
        raise _fail(str(exc)) from None
    line = _ProgressLine(enabled=not quiet and sys.stderr.isatty())
    try:
        report = run_workers(config, count, on_progress=line)
    except CampaignAborted as exc:  # the findings so far, then why it stopped
        line.done()
        _show(exc.report, quiet=quiet, color=_color(no_color))
        _write_reports(exc.report, reports)
        raise _fail(str(exc)) from None
    except BackbeatFuzzError as exc:
        line.done()
        raise _fail(str(exc)) from None
    line.done()
    _write_reports(report, reports)
    _show(report, quiet=quiet, color=_color(no_color))
    if report.interrupted:
        click.echo(f"interrupted; findings so far are in {corpus_dir}/", err=True)
        sys.exit(EXIT_INTERRUPTED)
    if seed_ is None and not quiet:
        click.echo(f"seed {report.seed} (rerun with --seed {report.seed})")
    if baseline is not None and (baseline_update or baseline_prune):
        _update_baseline(config, baseline, report, add=baseline_update)
    sys.exit(EXIT_FOUND if report.failing else EXIT_OK)


def _color(no_color: bool) -> bool:
    """Colour only on a terminal, and never with --no-color or NO_COLOR set (no-color.org)."""
    return not no_color and not os.environ.get("NO_COLOR") and sys.stdout.isatty()


def _show(report: Any, *, quiet: bool, color: bool) -> None:
    from ..report import render_summary

    if quiet:
        for finding in report.failing:
            click.echo(f"{finding.headline}  [{finding.corpus_path or 'not saved'}]")
        return
    width = max(60, shutil.get_terminal_size((120, 24)).columns - 8)
    click.echo(render_summary(report, color=color, width=width), nl=False)


def _baseline_to_read(path: Path | None, update: bool, prune: bool) -> Path | None:
    """The baseline file the run judges against: none yet when ``--baseline-update`` creates it."""
    if (update or prune) and path is None:
        flag = "--baseline-update" if update else "--baseline-prune"
        raise _fail(f"{flag} needs the file to write: add --baseline FILE, e.g. baseline.json")
    if update and prune:
        raise _fail("--baseline-update already prunes; drop --baseline-prune")
    return None if path is None or (update and not path.exists()) else path


def _update_baseline(
    config: CampaignConfig, path: Path, report: CampaignReport, *, add: bool
) -> None:
    """Rewrite the baseline after the run: stale entries out, with *add* new findings in.

    The (kind, rule) pairs the run exercised are the report's, as the harness's own baseline
    notes count them.
    """
    from ..baseline import load_baseline, save_baseline

    covered = set(report.covered)
    try:
        current = load_baseline(path, missing_ok=True)
        updated = current.updated(report.findings, covered, add=add)
        save_baseline(updated, path)
    except BackbeatFuzzError as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _cannot_write(exc, f"--baseline {str(path)!r}") from None
    removed = len(current.stale(report.findings, covered))
    added = len(updated.entries) - (len(current.entries) - removed)
    click.echo(
        f"baseline {path}: {added} added, {removed} removed (no longer reproduce), "
        f"{len(updated.entries)} entries"
    )


@main.command()
@click.option("--kind", "kinds", multiple=True, help="Only this kind. Repeatable.")
@click.option(
    "--rule", "rules", multiple=True, help="Only rules matching this selection. Repeatable."
)
@_SCHEMAS
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
@click.option(
    "--variants",
    is_flag=True,
    help="List every variant of the coverage phase (each edit of each rule) instead of rules.",
)
def mutations(
    kinds: tuple[str, ...],
    rules: tuple[str, ...],
    schemas_dir: Path | None,
    as_json: bool,
    variants: bool,
) -> None:
    """List the mutation catalogue: every rule the fuzzer breaks, per kind.

    Rules marked probe test an implementation limit the contract leaves open (nesting deeper
    than 64): a consumer may accept or reject them; only a crash or a hang is a finding.
    """
    from ..contract import load_contract
    from ..strategies import (
        check_rule_patterns,
        coverage_mutants,
        mutation_catalogue,
        select_rules,
    )
    from .catalogue import render_rules, render_variants

    try:
        contract = load_contract(schemas_dir)
        names = [contract.kind(k).name for k in kinds] or list(contract.kinds)
        if rules:
            check_rule_patterns(names, list(rules), schemas_dir=schemas_dir)
        infos = []
        for name in names:
            chosen = set(select_rules(name, list(rules) or None, schemas_dir=schemas_dir))
            infos += [
                i for i in mutation_catalogue(name, schemas_dir=schemas_dir) if i.rule in chosen
            ]
        if variants:
            found = [
                m
                for name in names
                for m in coverage_mutants(name, schemas_dir=schemas_dir)
                if any(i.kind == name and i.rule == m.rule for i in infos)
            ]
    except BackbeatFuzzError as exc:
        raise _fail(str(exc)) from None
    click.echo(render_variants(found, as_json) if variants else render_rules(infos, as_json))


@main.command()
@click.option(
    "--target", required=True, help="The consumer (same forms as the campaign's --target)."
)
@click.option(
    "--corpus",
    "corpus_dir",
    default=DEFAULT_CORPUS,
    show_default=True,
    type=click.Path(path_type=Path),
    help="The corpus folder to replay.",
)
@click.option("--kind", "kinds", multiple=True, help="Only entries of this kind. Repeatable.")
@_INPUT
@_REJECT_ON
@_TIMEOUT
@click.option("--quiet", "-q", is_flag=True, help="Print only entries that still fail.")
@click.option("--prune", is_flag=True, help="Remove the entries that are fixed from the corpus.")
@click.option(
    "--allow-empty",
    is_flag=True,
    help="A corpus folder that does not exist replays nothing and passes (default: exit 2).",
)
@click.argument("entries", nargs=-1, type=click.Path(path_type=Path))
def replay(
    entries: tuple[Path, ...],
    target: str,
    corpus_dir: Path,
    kinds: tuple[str, ...],
    input_mode: str,
    reject_on: tuple[str, ...],
    timeout: float,
    quiet: bool,
    prune: bool,
    allow_empty: bool,
) -> None:
    """Re-run every corpus entry (or the ENTRIES named) against a target: exit 1 if any still
    fails.

    Each entry is FAILING, FIXED or SKIPPED (the target cannot receive it); --prune deletes
    the FIXED ones. A missing corpus folder is exit 2 unless --allow-empty. An entry named by
    its path (as a finding's reproduce line does) is replayed from its own corpus folder.
    """
    from ..replay import open_corpus, prune_fixed, replay_corpus, summary

    corpus_dir = _entries_corpus(entries, corpus_dir)
    try:
        corpus = open_corpus(corpus_dir, allow_empty=allow_empty)
        results = replay_corpus(
            target,
            corpus,
            kinds=list(kinds),
            paths=entries,
            input_mode=input_mode,
            reject_on=reject_on,
            timeout=timeout,
        )
        removed = prune_fixed(corpus, results) if prune else []
    except BackbeatFuzzError as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _cannot_write(exc) from None
    if not corpus_dir.exists() and not removed:
        click.echo(f"corpus {str(corpus_dir)!r} does not exist (--allow-empty): nothing to replay")
    for result in results:
        if result.still_fails or not quiet:
            click.echo(result.line())
    click.echo(summary(results))
    if prune:
        click.echo(f"pruned {len(removed)} fixed entries from {corpus_dir}/")
    sys.exit(EXIT_FOUND if any(r.still_fails for r in results) else EXIT_OK)


def _entries_corpus(entries: tuple[Path, ...], corpus_dir: Path) -> Path:
    """The corpus folder of *entries* (``<corpus>/<kind>/<entry>.json``), else *corpus_dir*."""
    if not entries:
        return corpus_dir
    for entry in entries:
        if not entry.is_file():
            raise _fail(f"corpus entry {str(entry)!r} does not exist; give a message file path")
    roots = {entry.resolve().parent.parent for entry in entries}
    if len(roots) > 1:
        raise _fail("the entries are in different corpus folders; replay one folder at a time")
    return entries[0].parent.parent


@main.command("seed")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder to write valid/ and invalid/ into.",
)
@click.option(
    "--count",
    default=3,
    show_default=True,
    type=click.IntRange(min=1),
    help="Messages per kind (valid) and per rule (invalid).",
)
@click.option(
    "--seed",
    "seed_",
    default=0,
    show_default=True,
    type=int,
    help="The same seed writes the same files.",
)
@click.option("--kind", "kinds", multiple=True, help="Only this kind. Repeatable.")
@_SCHEMAS
def seed_command(
    out: Path, count: int, seed_: int, kinds: tuple[str, ...], schemas_dir: Path | None
) -> None:
    """Write a deterministic examples folder: valid and invalid messages of every kind and rule."""
    from ..seeding import seed_examples

    try:
        written = seed_examples(
            out,
            count=count,
            campaign_seed=seed_,
            kinds=list(kinds) or None,
            schemas_dir=schemas_dir,
        )
    except BackbeatFuzzError as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(
            f"cannot write into {str(out)!r}: {exc.strerror}; choose a writable folder"
        ) from None
    click.echo(f"wrote {len(written)} files into {out}/ (valid/ and invalid/)")


@main.command("merge")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--report-json", type=click.Path(path_type=Path), help="Write the merged JSON report here."
)
@click.option("--junit-xml", type=click.Path(path_type=Path), help="Write a JUnit XML report here.")
@click.option("--sarif", type=click.Path(path_type=Path), help="Write a SARIF 2.1.0 report here.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the failing findings.")
@click.option("--no-color", is_flag=True, help="No colours (also when NO_COLOR is set).")
def merge(
    paths: tuple[Path, ...],
    report_json: Path | None,
    junit_xml: Path | None,
    sarif: Path | None,
    quiet: bool,
    no_color: bool,
) -> None:
    """Merge the --report-json files of a campaign's shards (e.g. --shard I/N on the machines of
    a CI fleet) into one report: one finding per bug, counts added up. Exit 1 if the merged
    report has failing findings, 2 if a file is not a report or the reports are of different
    campaigns."""
    from ..report import merge_reports, read_json

    outputs = (report_json, junit_xml, sarif)
    _check_report_paths(outputs)
    try:
        report = merge_reports([read_json(path) for path in paths])
    except BackbeatFuzzError as exc:
        raise _fail(str(exc)) from None
    _write_reports(report, outputs)
    _show(report, quiet=quiet, color=_color(no_color))
    sys.exit(EXIT_FOUND if report.failing else EXIT_OK)


from .compat import compat  # noqa: E402  (registered here, defined in its own module)

main.add_command(compat)

if __name__ == "__main__":  # pragma: no cover
    main()
