"""``backbeat-fuzz compat OLD NEW``: is a schema change compatible, and is its version bump enough?

The command copies its options into :func:`backbeat_fuzz.compat.check_compat` and prints the
report: per kind, each direction's verdict with the shrunk message that proves a break, the
bump the change needs and the bump ``x-version`` declares.

Exit codes: 0 every declared bump suffices, 1 a declared bump is too small, 2 usage error (a
missing path, an invalid schema, an ``x-version`` that cannot be read).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import BackbeatFuzzError
from ..report.text import shown
from ._options import EXIT_OK, fail, option, options

if TYPE_CHECKING:
    from ..compat import CompatReport, DirectionVerdict, KindCompat

__all__ = [
    "compat",
    "render_compat",
]

#: A declared version bump too small for the change (1, as a finding is elsewhere).
EXIT_TOO_SMALL = 1


def _direction_lines(verdict: DirectionVerdict, rejecting: str) -> list[str]:
    if verdict.compatible:
        tried = f" ({verdict.examples} examples)" if verdict.examples else " (same constraints)"
        return [f"  {verdict.summary}: compatible{tried}"]
    lines = [f"  {verdict.summary}: BREAKS"]
    if verdict.witness is not None:
        lines.append(f"    witness: {shown(verdict.witness.text)}")
        lines += [
            f"    {rejecting} validator: {e.path} {e.rule}: {shown(e.message)}"
            for e in verdict.witness.errors
        ]
    return lines


def _kind_lines(kind: KindCompat) -> list[str]:
    versions = f"{kind.old_version or '?'} -> {kind.new_version or '?'}"
    declared = kind.declared.value if kind.declared is not None else "unreadable"
    verdict = "ok" if kind.ok else "TOO SMALL" if kind.declared is not None else kind.problem
    lines = [
        f"{kind.kind}  {versions}  needs {kind.required.value}, declares {declared}: {verdict}",
        *_direction_lines(kind.forward, "old"),
        *_direction_lines(kind.backward, "new"),
    ]
    lines += [f"  why: {reason}" for reason in kind.reasons]
    return lines


def render_compat(report: CompatReport) -> str:
    """The report as text a person reads, ending with the overall verdict."""
    lines: list[str] = []
    for kind in report.kinds:
        lines += [*_kind_lines(kind), ""]
    for name in report.added_kinds:
        lines.append(f"{name}: new kind (only in the new version; no consumer breaks)")
    for name in report.removed_kinds:
        lines.append(f"{name}: REMOVED (its consumers break: needs major)")
    declared = report.declared.value if report.declared is not None else "unreadable"
    lines.append(
        f"forward compatible: {'yes' if report.forward_compatible else 'no'}, "
        f"backward compatible: {'yes' if report.backward_compatible else 'no'}; "
        f"needs {report.required.value}, declares {declared}"
    )
    if report.declared is not None:
        lines.append(
            "the declared version bump suffices"
            if report.ok
            else "the declared version bump is too small: raise x-version as 'needs' says"
        )
    return "\n".join(lines) + "\n"


@click.command("compat")
@click.argument("old", type=click.Path(exists=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, path_type=Path))
@options(
    option(
        "max-examples",
        default=200,
        show_default=True,
        help="Messages generated per kind and direction while looking for a break.",
    ),
    option(
        "seed",
        default=0,
        show_default=True,
        help="Seed of the search; the same seed finds the same witnesses.",
    ),
    "json",
)
def compat(old: Path, new: Path, max_examples: int, seed_: int, as_json: bool) -> None:
    """Compare OLD and NEW schema versions (a *.schema.json file or a schemas folder each).

    Messages are generated from each version and validated by the other: old consumers must
    accept new messages (forward compatible) and new consumers old ones (backward compatible).
    Breaks are shown with the shrunk message that proves them, with the bump the change needs
    (major if either direction breaks or a field is removed, minor if fields are added, else
    patch), checked against the bump x-version declares.

    Exit codes: 0 the declared bump suffices, 1 it is too small, 2 usage error.
    """
    from ..compat import check_compat

    try:
        report = check_compat(old, new, max_examples=max_examples, seed=seed_)
    except BackbeatFuzzError as exc:
        raise fail(str(exc)) from None
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(render_compat(report), nl=False)
    if report.problems:
        raise fail("; ".join(report.problems))
    sys.exit(EXIT_OK if report.ok else EXIT_TOO_SMALL)
