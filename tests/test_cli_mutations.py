"""``backbeat-fuzz mutations``: the catalogue's rules, probes marked, and the coverage variants."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from backbeat_fuzz.cli.fuzz import main
from backbeat_fuzz.strategies import coverage_mutants, mutation_catalogue


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, ["mutations", *args])


def test_rules_one_a_line_with_probes_marked() -> None:
    result = _run("--kind", "beatframe")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    rules = mutation_catalogue("beatframe")
    assert len(lines) == len(rules) + 1
    deep = next(line for line in lines if " json.too_deep " in line)
    assert deep.split()[:4] == ["beatframe", "json.too_deep", "json", "probe"]
    hlc = next(line for line in lines if " hlc.pattern " in line)
    assert "probe" not in hlc.split()
    assert lines[-1] == (
        f"{len(rules)} rules (1 probe: either verdict is right, only a crash or a hang is a "
        "finding)"
    )


def test_rules_as_json_carry_the_probe_flag() -> None:
    result = _run("--json", "--rule", "json.*", "--kind", "statusclaim")
    records = json.loads(result.output)
    assert {r["rule"] for r in records if r["probe"]} == {"json.too_deep"}
    assert all(set(r) == {"kind", "rule", "family", "description", "probe"} for r in records)


def test_variants_list_every_coverage_mutant_of_the_selection() -> None:
    result = _run("--variants", "--kind", "barreport", "--rule", "issues[].code")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    expected = coverage_mutants("barreport", rules=["issues[].code"])
    assert len(lines) == len(expected) + 1 and lines[-1] == f"{len(expected)} variants"
    assert (
        "barreport           violates `issues[].code.pattern` at $.issues[0].code "
        "(was `a`, became `0xa`): a '0x' prefix"
    ) in lines
    whole = _run("--variants", "--kind", "beatframe", "--rule", "json.bom").output.splitlines()
    assert whole[0] == (
        "beatframe           violates `json.bom` in the JSON text (a UTF-8 byte-order mark)"
    )
    deep = _run("--variants", "--kind", "beatframe", "--rule", "json.too_deep").output
    assert deep.splitlines()[0] == (
        "beatframe    probe  violates `json.too_deep` at $.x_deep (an extra field nested 65 deep)"
    )


def test_variants_as_json() -> None:
    result = _run("--variants", "--json", "--kind", "beatframe", "--rule", "json.too_deep")
    assert json.loads(result.output) == [
        {
            "kind": "beatframe",
            "rule": "json.too_deep",
            "location": "x_deep",
            "note": "an extra field nested 65 deep",
            "probe": True,
            "summary": "violates `json.too_deep` at $.x_deep (an extra field nested 65 deep)",
        }
    ]


@pytest.mark.parametrize("args", [["--rule", "hlc.patern"], ["--kind", "beatfram"]])
def test_a_bad_selection_is_a_usage_error(args: list[str]) -> None:
    result = _run("--variants", *args)
    assert result.exit_code == 2
    assert "Did you mean" in result.output and "Traceback" not in result.output
