"""What ``backbeat-fuzz mutations`` prints: the catalogue's rules, or every variant of them.

One line per rule (kind, rule, family, ``probe`` where either verdict is right, description),
or with ``--variants`` one line per variant of the coverage phase (kind, ``probe``, the
mutant's summary: the rule it violates, where, the value before and after, and its note);
``--json`` prints the same records as a JSON array.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from ..model import Mutant
from ..strategies import RuleInfo

__all__ = ["PROBE_NOTE", "render_rules", "render_variants"]

#: What the footer says of probes.
PROBE_NOTE = "either verdict is right, only a crash or a hang is a finding"


def _tag(probe: bool) -> str:
    return "probe" if probe else ""


def _footer(count: int, noun: str, probes: int) -> str:
    line = f"{count} {noun}"
    plural = "probe" if probes == 1 else "probes"
    return line + (f" ({probes} {plural}: {PROBE_NOTE})" if probes else "")


def render_rules(infos: Sequence[RuleInfo], as_json: bool) -> str:
    """The rules, one a line with a closing count, or as JSON."""
    if as_json:
        return json.dumps([info.__dict__ for info in infos], indent=2)
    width = max((len(i.rule) for i in infos), default=0)
    lines = [
        f"{i.kind:<12} {i.rule:<{width}}  {i.family:<9}  {_tag(i.probe):<5}  {i.description}"
        for i in infos
    ]
    return "\n".join([*lines, _footer(len(infos), "rules", sum(i.probe for i in infos))])


def _record(mutant: Mutant) -> dict[str, object]:
    return {
        "kind": mutant.kind,
        "rule": mutant.rule,
        "location": mutant.location,
        "note": mutant.note,
        "probe": mutant.probe,
        "summary": mutant.summary,
    }


def _variant(mutant: Mutant) -> str:
    """``violates `hlc.pattern` at $.hlc (was `7ffd:0001:abcd`, became `7ffd...\\n`): trailing
    newline`` (the note is left out where the summary already ends with it)."""
    summary = mutant.summary
    return summary if summary.endswith(f"({mutant.note})") else f"{summary}: {mutant.note}"


def render_variants(mutants: Sequence[Mutant], as_json: bool) -> str:
    """The coverage phase's variants, one a line (kind, ``probe`` where either verdict is
    right, the mutant's :attr:`~backbeat_fuzz.model.Mutant.summary` and its note) with a
    closing count, or as JSON."""
    if as_json:
        return json.dumps([_record(m) for m in mutants], indent=2)
    lines = [f"{m.kind:<12} {_tag(m.probe):<5}  {_variant(m)}" for m in mutants]
    return "\n".join([*lines, _footer(len(mutants), "variants", sum(m.probe for m in mutants))])
