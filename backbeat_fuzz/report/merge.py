"""Merging the reports of a campaign's shards (workers, or machines of a CI fleet) into one."""

from __future__ import annotations

from dataclasses import replace

from ..errors import UsageError
from ..findings import MAX_WITNESSES, FindingStatus, Witness
from .model import DIRECTIONS, CampaignReport, Finding

__all__ = ["check_shards", "merge_reports"]


def merge_reports(reports: list[CampaignReport]) -> CampaignReport:
    """One report for the shards of one campaign (workers, or machines of a CI fleet).

    Findings with the same ``(outcome, signature)`` become one: the first report's headline is
    kept (reports in the order given), kinds, rules and witnesses are unioned, and the status is
    ``baselined`` if any shard's baseline accepted it, else ``new`` if any shard found it new.
    Counts and coverage messages add up; the duration is the longest shard's (they run side by
    side); notes are kept once each, and the exercised (kind, rule) pairs are unioned, so
    :meth:`CampaignReport.with_baseline` can judge the merged report as one run's.

    Raises:
        UsageError: no reports, or reports of different targets or seeds.
    """
    if not reports:
        raise UsageError("no reports to merge; give the JSON reports of the shards")
    first = reports[0]
    for report in reports[1:]:
        for what, mine, theirs in (
            ("target", first.target, report.target),
            ("seed", first.seed, report.seed),
        ):
            if mine != theirs:
                raise UsageError(
                    f"the reports are of different campaigns ({what}={mine!r} and {theirs!r}); "
                    "merge the shards of one campaign (same --target and --seed)"
                )
    return CampaignReport(
        target=first.target,
        seed=first.seed,
        tool_version=first.tool_version,
        counts=_merged_counts(reports),
        findings=_merged_findings(reports),
        skipped=list(dict.fromkeys(note for r in reports for note in r.skipped)),
        duration=max(r.duration for r in reports),
        baseline_notes=list(dict.fromkeys(note for r in reports for note in r.baseline_notes)),
        coverage_sent=sum(r.coverage_sent for r in reports),
        interrupted=any(r.interrupted for r in reports),
        covered=tuple(dict.fromkeys(pair for r in reports for pair in r.covered)),
    )


def check_shards(reports: list[CampaignReport], names: list[str]) -> None:
    """Check that *reports* (read from the files *names*) are every shard of one campaign, once.

    A missing shard (a CI job that failed) would make the merged report pass on half the work,
    and a shard given twice would count its messages twice. One whole run's report alone is
    fine: there is nothing to merge.

    Raises:
        UsageError: a whole run's report among others, shards of different counts, a shard
            given twice, or one missing.
    """
    if len(reports) == 1 and reports[0].shard is None:
        return
    whole = next((n for r, n in zip(reports, names, strict=True) if r.shard is None), None)
    if whole is not None:
        raise UsageError(
            f"report {whole!r} is a whole campaign's, not a shard's; merge the --report-json "
            "files of the --shard I/N runs of one campaign"
        )
    counts = sorted({count for _, count in _shards(reports)})
    if len(counts) > 1:
        raise UsageError(
            f"the reports are shards of different splits (--shard I/{counts[0]} and "
            f"I/{counts[-1]}); merge the shards of one split"
        )
    seen: dict[int, str] = {}
    for (index, count), name in zip(_shards(reports), names, strict=True):
        if index in seen:
            raise UsageError(
                f"reports {seen[index]!r} and {name!r} are both shard {index}/{count}; give "
                "each shard's report once"
            )
        seen[index] = name
    missing = [f"{i}/{counts[0]}" for i in range(counts[0]) if i not in seen]
    if missing:
        raise UsageError(
            f"shard {', '.join(missing)} of the campaign is missing, so its work would go "
            "unreported; give every shard's --report-json file (rerun a shard that failed)"
        )


def _shards(reports: list[CampaignReport]) -> list[tuple[int, int]]:
    return [report.shard for report in reports if report.shard is not None]


def _merged_counts(reports: list[CampaignReport]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for report in reports:
        for kind, cell in report.counts.items():
            total = counts.setdefault(kind, dict.fromkeys(DIRECTIONS, 0))
            for direction in DIRECTIONS:
                total[direction] += cell.get(direction, 0)
    return counts


def _merged_findings(reports: list[CampaignReport]) -> list[Finding]:
    groups: dict[Finding, list[Finding]] = {}
    for report in reports:
        for finding in report.findings:
            groups.setdefault(finding, []).append(finding)
    return [_merged_finding(group) for group in groups.values()]


def _merged_finding(group: list[Finding]) -> Finding:
    """The findings of one bug from several shards as one (the first is the headline)."""
    head = group[0]
    statuses = {f.status for f in group}
    status = next(s for s in _STATUS_ORDER if s in statuses)
    witnesses: dict[tuple[str, str | None, str], Witness] = {}
    for witness in (w for f in group for w in f.witnesses):
        slot = (witness.kind, witness.rule, witness.note)
        if slot not in witnesses and len(witnesses) < MAX_WITNESSES:
            witnesses[slot] = witness
    return replace(
        head,
        status=status,
        corpus_path=head.corpus_path or next((f.corpus_path for f in group if f.corpus_path), None),
        kinds=tuple(dict.fromkeys(k for f in group for k in f.kinds)),
        rules=tuple(dict.fromkeys(r for f in group for r in f.rules)),
        witnesses=tuple(witnesses.values()),
    )


#: Which status a merged finding takes when its shards disagree: the first one any shard has.
_STATUS_ORDER = (FindingStatus.BASELINED, FindingStatus.NEW, FindingStatus.KNOWN)
