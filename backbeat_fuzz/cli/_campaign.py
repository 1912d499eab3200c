"""What the campaign command does around the library call: the progress line, the report files,
the summary on stdout and the baseline update (``merge`` shares the reports and the summary).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import BackbeatFuzzError
from ._options import cannot_write, fail

if TYPE_CHECKING:
    from ..report import CampaignReport


class ProgressLine:
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


#: The report options, in the order of the paths :func:`write_reports` takes.
REPORT_OPTIONS = ("--report-json", "--junit-xml", "--sarif")


def check_report_paths(paths: tuple[Path | None, ...]) -> None:
    """Fail before the campaign, not after it, when a report cannot be written."""
    from ..database import check_writable_folder

    for name, path in zip(REPORT_OPTIONS, paths, strict=True):
        if path is None:
            continue
        if path.is_dir():
            raise fail(f"{name} {str(path)!r} is a folder; give a file path, e.g. report.json")
        try:
            check_writable_folder(path.parent, name, file=path)
        except BackbeatFuzzError as exc:
            raise fail(str(exc)) from None


def write_reports(report: CampaignReport, paths: tuple[Path | None, ...]) -> None:
    """Write *report* to the files the report options name (JSON, JUnit XML, SARIF)."""
    from ..report import write_json, write_junit, write_sarif

    writers = (write_json, write_junit, write_sarif)
    for name, path, writer in zip(REPORT_OPTIONS, paths, writers, strict=True):
        if path is not None:
            try:
                writer(report, path)
            except OSError as exc:
                raise cannot_write(exc, f"{name} {str(path)!r}") from None


def color(no_color: bool) -> bool:
    """Colour only on a terminal, and never with --no-color or NO_COLOR set (no-color.org)."""
    return not no_color and not os.environ.get("NO_COLOR") and sys.stdout.isatty()


def show(report: CampaignReport, *, quiet: bool, color: bool) -> None:
    """Print *report*: the whole summary, or with *quiet* one line per failing finding."""
    from ..report import render_summary

    if quiet:
        for finding in report.failing:
            click.echo(f"{finding.headline}  [{finding.corpus_path or 'not saved'}]")
        return
    width = max(60, shutil.get_terminal_size((120, 24)).columns - 8)
    click.echo(render_summary(report, color=color, width=width), nl=False)


def baseline_to_read(path: Path | None, update: bool, prune: bool) -> Path | None:
    """The baseline file the run judges against: none yet when ``--baseline-update`` creates it."""
    if (update or prune) and path is None:
        flag = "--baseline-update" if update else "--baseline-prune"
        raise fail(f"{flag} needs the file to write: add --baseline FILE, e.g. baseline.json")
    if update and prune:
        raise fail("--baseline-update already prunes; drop --baseline-prune")
    return None if path is None or (update and not path.exists()) else path


def update_baseline(path: Path, report: CampaignReport, *, add: bool) -> None:
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
        raise fail(str(exc)) from None
    except OSError as exc:
        raise cannot_write(exc, f"--baseline {str(path)!r}") from None
    removed = len(current.stale(report.findings, covered))
    added = len(updated.entries) - (len(current.entries) - removed)
    click.echo(
        f"baseline {path}: {added} added, {removed} removed (no longer reproduce), "
        f"{len(updated.entries)} entries"
    )
