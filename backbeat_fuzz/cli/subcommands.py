"""The ``backbeat-fuzz`` subcommands around a campaign: ``mutations`` (the catalogue),
``replay`` (the corpus), ``seed`` (an examples folder) and ``merge`` (the shards' reports).

Each only turns its options into a library call and prints the result; :mod:`.fuzz` registers
them on the ``backbeat-fuzz`` group. Exit codes as the group's: 0 clean, 1 a finding (an entry
that still fails, a failing merged finding), 2 usage or configuration error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import BackbeatFuzzError
from ._campaign import check_report_paths, color, show, write_reports
from ._options import (
    EXIT_FOUND,
    EXIT_OK,
    Option,
    cannot_write,
    fail,
    option,
    options,
    path_option,
)

if TYPE_CHECKING:
    from ..model import Mutant
    from ..session import Session
    from ..strategies import RuleInfo

__all__ = ["merge", "mutations", "replay", "seed_command"]

_ONLY_KIND = option("kind", help="Only this kind. Repeatable.")


@click.command()
@options(
    _ONLY_KIND,
    option("rule", help="Only rules matching this selection. Repeatable."),
    "schemas",
    option("json", help="Print the catalogue as JSON."),
)
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
    from ..session import Session
    from .catalogue import render_rules, render_variants

    try:
        session = Session.load(schemas_dir)
        infos = _catalogue(kinds, rules, session)
        found = _variants(infos, session) if variants else []
    except BackbeatFuzzError as exc:
        raise fail(str(exc)) from None
    click.echo(render_variants(found, as_json) if variants else render_rules(infos, as_json))


def _catalogue(kinds: tuple[str, ...], rules: tuple[str, ...], session: Session) -> list[RuleInfo]:
    """The catalogue's rows of the *kinds* (all when none) and the rules *rules* select."""
    from ..strategies import check_rule_patterns, mutation_catalogue, select_rules

    contract = session.contract
    names = [contract.kind(k).name for k in kinds] or list(contract.kinds)
    if rules:
        check_rule_patterns(names, list(rules), session=session)
    infos: list[RuleInfo] = []
    for name in names:
        chosen = set(select_rules(name, list(rules) or None, session=session))
        infos += [i for i in mutation_catalogue(name, session=session) if i.rule in chosen]
    return infos


def _variants(infos: list[RuleInfo], session: Session) -> list[Mutant]:
    """Every coverage-phase variant of the catalogue rows *infos*, kind by kind."""
    from ..strategies import coverage_mutants

    names = list(dict.fromkeys(i.kind for i in infos))
    return [
        m
        for name in names
        for m in coverage_mutants(name, session=session)
        if any(i.kind == name and i.rule == m.rule for i in infos)
    ]


@click.command()
@options(
    option("target", required=True, help="The consumer (same forms as the campaign's --target)."),
    option("corpus", help="The corpus folder to replay."),
    option("kind", help="Only entries of this kind. Repeatable."),
    "input",
    "reject-on",
    "timeout",
    option("quiet", help="Print only entries that still fail."),
)
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
    options = {"input_mode": input_mode, "reject_on": reject_on, "timeout": timeout}
    try:
        corpus = open_corpus(corpus_dir, allow_empty=allow_empty)
        results = replay_corpus(target, corpus, kinds=list(kinds), paths=entries, **options)
        removed = prune_fixed(corpus, results) if prune else []
    except BackbeatFuzzError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise cannot_write(exc) from None
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
            raise fail(f"corpus entry {str(entry)!r} does not exist; give a message file path")
    roots = {entry.resolve().parent.parent for entry in entries}
    if len(roots) > 1:
        raise fail("the entries are in different corpus folders; replay one folder at a time")
    return entries[0].parent.parent


@click.command("seed")
@options(
    path_option(("--out",), "Folder to write valid/ and invalid/ into.", required=True),
    Option(
        ("--count",),
        {
            "default": 3,
            "show_default": True,
            "type": click.IntRange(min=1),
            "help": "Messages per kind (valid) and per rule (invalid).",
        },
    ),
    option("seed", default=0, show_default=True, help="The same seed writes the same files."),
    _ONLY_KIND,
    "schemas",
)
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
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(
            f"cannot write into {str(out)!r}: {exc.strerror}; choose a writable folder"
        ) from None
    click.echo(f"wrote {len(written)} files into {out}/ (valid/ and invalid/)")


@click.command("merge")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@options(
    option("report-json", help="Write the merged JSON report here."),
    "junit-xml",
    "sarif",
    option(
        "baseline",
        help="Judge the merged report by this baseline file, as one run would be: a shard "
        "cannot call an entry stale that another shard found.",
    ),
    option("quiet", help="Print only the failing findings."),
    "no-color",
)
def merge(
    paths: tuple[Path, ...],
    report_json: Path | None,
    junit_xml: Path | None,
    sarif: Path | None,
    quiet: bool,
    no_color: bool,
    baseline: Path | None,
) -> None:
    """Merge the --report-json files of a campaign's shards (e.g. --shard I/N on the machines of
    a CI fleet) into one report: one finding per bug, counts added up. Exit 1 if the merged
    report has failing findings, 2 if a file is not a report, the reports are of different
    campaigns, or a shard is missing or given twice."""
    from ..baseline import load_baseline
    from ..report import check_shards, merge_reports, read_json

    outputs = (report_json, junit_xml, sarif)
    check_report_paths(outputs)
    try:
        reports = [read_json(path) for path in paths]
        report = merge_reports(reports)  # first: reports of different campaigns
        check_shards(reports, [str(path) for path in paths])
        if baseline is not None:
            report = report.with_baseline(load_baseline(baseline))
    except BackbeatFuzzError as exc:
        raise fail(str(exc)) from None
    write_reports(report, outputs)
    show(report, quiet=quiet, color=color(no_color))
    sys.exit(EXIT_FOUND if report.failing else EXIT_OK)
