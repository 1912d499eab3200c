"""compat: the five classic schema changes, their witnesses, the bump each needs, and the CLI."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from backbeat_fuzz import MessageValidator
from backbeat_fuzz.cli.compat import compat
from backbeat_fuzz.cli.fuzz import main
from backbeat_fuzz.compat import (
    Bump,
    CompatReport,
    check_compat,
    constraints,
    declared_bump,
    field_paths,
)
from backbeat_fuzz.contract import packaged_schemas_dir

SCHEMAS = packaged_schemas_dir()
BEATFRAME = json.loads((SCHEMAS / "beatframe-v1.schema.json").read_text(encoding="utf-8"))
EXAMPLE = BEATFRAME["examples"][0]
BUDGET = 100

Edit = Callable[[dict[str, Any]], None]


def _add_optional(schema: dict[str, Any]) -> None:
    schema["properties"]["region"] = {"type": "string", "maxLength": 32}


def _add_required(schema: dict[str, Any]) -> None:
    _add_optional(schema)
    schema["required"].append("region")


def _widen_enum(schema: dict[str, Any]) -> None:
    schema["properties"]["phase"]["enum"].append("rest")


def _narrow_bound(schema: dict[str, Any]) -> None:
    schema["properties"]["tempo_bpm"]["maximum"] = 1000


def _change_pattern(schema: dict[str, Any]) -> None:
    schema["$defs"]["hlc"]["pattern"] = "^[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}$"


def _narrow_pattern(schema: dict[str, Any]) -> None:
    schema["$defs"]["hlc"]["pattern"] = "^[0-9a-f]{4}:[0-9a-f]{4}:[0-9a-f]{4}$"


def _close(schema: dict[str, Any]) -> None:
    schema["additionalProperties"] = False


def _describe(schema: dict[str, Any]) -> None:
    schema["description"] = "Rhythm broadcast, reworded."
    schema["properties"]["hlc"]["description"] = "The pulse's clock."


def _write(folder: Path, schema: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "beatframe-v1.schema.json"
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    return path


def _variant(tmp_path: Path, edit: Edit, version: str = "1.1.0", name: str = "new") -> Path:
    schema = copy.deepcopy(BEATFRAME)
    edit(schema)
    schema["x-version"] = version
    return _write(tmp_path / name, schema)


@pytest.fixture
def old(tmp_path: Path) -> Path:
    return _write(tmp_path / "old", copy.deepcopy(BEATFRAME))


Checked = tuple[Path, Path, CompatReport]


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Edit], Checked]:
    """``checked(edit)``: (old file, new file, report) of 1.0.0 -> 1.1.0 with *edit*, once each."""
    done: dict[Edit, Checked] = {}

    def check(edit: Edit) -> Checked:
        if edit not in done:
            root = tmp_path_factory.mktemp(edit.__name__.strip("_"))
            old = _write(root / "old", copy.deepcopy(BEATFRAME))
            new = _variant(root, edit)
            done[edit] = (old, new, check_compat(old, new, max_examples=BUDGET))
        return done[edit]

    return check


def _accepts(schema_file: Path, text: str) -> bool:
    return MessageValidator(schema_file.parent).validate_message_string(text).valid


def _only_difference(witness: str, field: str) -> Any:
    """The witness's value of *field*, after checking it is the README example elsewhere."""
    message = json.loads(witness)
    value = message.pop(field)
    assert message == {k: v for k, v in EXAMPLE.items() if k != field}
    return value


# -- the five changes -------------------------------------------------------------------------

CHANGES = [
    # change, required bump, forward compatible, backward compatible
    pytest.param(_add_optional, Bump.MINOR, True, True, id="add-optional-field"),
    pytest.param(_add_required, Bump.MAJOR, True, False, id="add-required-field"),
    pytest.param(_widen_enum, Bump.MAJOR, False, True, id="widen-enum"),
    pytest.param(_narrow_bound, Bump.MAJOR, True, False, id="narrow-bound"),
    pytest.param(_change_pattern, Bump.MAJOR, False, False, id="change-pattern"),
    pytest.param(_narrow_pattern, Bump.MAJOR, True, False, id="narrow-pattern"),
]


@pytest.mark.parametrize(("edit", "required", "forward", "backward"), CHANGES)
def test_each_change_is_classified_with_a_witness_for_each_break(
    checked: Callable[[Edit], Checked], edit: Edit, required: Bump, forward: bool, backward: bool
) -> None:
    old, new, report = checked(edit)
    (kind,) = report.kinds
    assert (kind.kind, kind.required, kind.declared) == ("beatframe", required, Bump.MINOR)
    assert (kind.forward.compatible, kind.backward.compatible) == (forward, backward)
    assert (report.forward_compatible, report.backward_compatible) == (forward, backward)
    assert kind.ok is (required is Bump.MINOR)
    for verdict, source, judge in ((kind.forward, new, old), (kind.backward, old, new)):
        if verdict.compatible:
            assert verdict.witness is None
        else:  # the witness is a message of one version the other's validator rejects
            assert verdict.witness is not None
            assert _accepts(source, verdict.witness.text)
            assert not _accepts(judge, verdict.witness.text)
            assert verdict.witness.errors


def test_adding_an_optional_field_is_minor_and_names_the_field(
    checked: Callable[[Edit], Checked],
) -> None:
    kind = checked(_add_optional)[2].kinds[0]
    assert (kind.added, kind.removed) == (("region",), ())
    assert kind.reasons == ("fields added: region, tolerated both ways",)


def test_a_new_required_field_is_proved_by_the_shrunk_old_message(
    checked: Callable[[Edit], Checked],
) -> None:
    kind = checked(_add_required)[2].kinds[0]
    witness = kind.backward.witness
    assert witness is not None
    assert json.loads(witness.text) == EXAMPLE  # every beatframe field is required: the example
    assert witness.rules == ["required.region"]


def test_widening_an_enum_breaks_old_consumers_with_the_new_value(
    checked: Callable[[Edit], Checked],
) -> None:
    kind = checked(_widen_enum)[2].kinds[0]
    assert kind.forward.witness is not None
    assert _only_difference(kind.forward.witness.text, "phase") == "rest"
    assert kind.forward.witness.rules == ["phase.enum"]
    assert "not forward compatible" in kind.reasons[0]


def test_narrowing_a_bound_is_proved_by_a_value_just_past_it(
    checked: Callable[[Edit], Checked],
) -> None:
    kind = checked(_narrow_bound)[2].kinds[0]
    assert kind.backward.witness is not None
    assert 1000 < _only_difference(kind.backward.witness.text, "tempo_bpm") <= 1001
    assert kind.backward.witness.rules == ["tempo_bpm.maximum"]


def test_changing_a_pattern_breaks_both_ways_with_one_witness_each(
    checked: Callable[[Edit], Checked],
) -> None:
    kind = checked(_change_pattern)[2].kinds[0]
    assert kind.forward.witness is not None and kind.backward.witness is not None
    assert "-" in _only_difference(kind.forward.witness.text, "hlc")
    assert ":" in _only_difference(kind.backward.witness.text, "hlc")
    assert kind.forward.witness.rules == kind.backward.witness.rules == ["hlc.pattern"]


def test_the_same_seed_finds_the_same_witness(tmp_path: Path, old: Path) -> None:
    new = _variant(tmp_path, _narrow_bound)
    first, second = (check_compat(old, new, max_examples=BUDGET, seed=7) for _ in range(2))
    assert first.kinds[0].backward.witness == second.kinds[0].backward.witness


# -- other changes ----------------------------------------------------------------------------


def test_closing_a_schema_breaks_old_messages_with_unknown_fields(
    tmp_path: Path, old: Path
) -> None:
    kind = check_compat(old, _variant(tmp_path, _close), max_examples=BUDGET).kinds[0]
    assert (kind.required, kind.forward.compatible, kind.backward.compatible) == (
        Bump.MAJOR,
        True,
        False,
    )
    assert kind.backward.witness is not None
    assert "x_future_field" in json.loads(kind.backward.witness.text)


def test_removing_an_optional_field_is_major_without_a_witness(tmp_path: Path) -> None:
    claim = json.loads((SCHEMAS / "statusclaim-v1.schema.json").read_text(encoding="utf-8"))
    old = tmp_path / "old" / "statusclaim-v1.schema.json"
    old.parent.mkdir()
    old.write_text(json.dumps(claim), encoding="utf-8")
    del claim["properties"]["notes"]
    claim["x-version"] = "1.1.0"
    new = tmp_path / "new" / "statusclaim-v1.schema.json"
    new.parent.mkdir()
    new.write_text(json.dumps(claim), encoding="utf-8")
    kind = check_compat(old, new, max_examples=BUDGET).kinds[0]
    assert (kind.required, kind.removed, kind.ok) == (Bump.MAJOR, ("notes",), False)
    assert kind.forward.compatible and kind.backward.compatible  # open schemas: no message shows it
    assert "fields removed: notes" in kind.reasons[0]


def test_annotations_only_need_a_patch_and_no_change_needs_none(tmp_path: Path, old: Path) -> None:
    patch = check_compat(old, _variant(tmp_path, _describe, "1.0.1")).kinds[0]
    assert (patch.required, patch.declared, patch.ok) == (Bump.PATCH, Bump.PATCH, True)
    same = check_compat(old, _variant(tmp_path, lambda s: None, "1.0.0", "same")).kinds[0]
    assert (same.required, same.declared, same.reasons) == (Bump.NONE, Bump.NONE, ("unchanged",))


def test_folders_pair_kinds_by_name_and_report_removed_and_added_kinds(tmp_path: Path) -> None:
    new = tmp_path / "new"
    shutil.copytree(SCHEMAS, new, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (new / "barreport-v1.schema.json").unlink()
    tempo = copy.deepcopy(BEATFRAME)
    _narrow_bound(tempo)
    _write(new, tempo)  # same x-version: declares none
    pulse = copy.deepcopy(BEATFRAME)
    pulse["properties"]["type"]["const"] = "backbeat.pulse.v1"
    (new / "pulse-v1.schema.json").write_text(json.dumps(pulse), encoding="utf-8")
    report = check_compat(SCHEMAS, new, max_examples=BUDGET)
    by_name = {k.kind: k for k in report.kinds}
    assert sorted(by_name) == ["beatframe", "statusclaim"]
    assert (by_name["beatframe"].required, by_name["beatframe"].declared) == (Bump.MAJOR, Bump.NONE)
    assert by_name["statusclaim"].required is Bump.NONE
    assert (report.added_kinds, report.removed_kinds) == (("pulse",), ("barreport",))
    assert (report.required, report.ok, report.backward_compatible) == (Bump.MAJOR, False, False)


def test_a_file_brings_the_rules_beside_it(tmp_path: Path) -> None:
    """A cross-field rule dropped from rules-*.json widens barreport: forward breaks."""
    old = tmp_path / "old"
    shutil.copytree(SCHEMAS, old, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    new = tmp_path / "new"
    new.mkdir()
    report = json.loads((old / "barreport-v1.schema.json").read_text(encoding="utf-8"))
    report["x-version"] = "1.1.0"
    (new / "barreport-v1.schema.json").write_text(json.dumps(report), encoding="utf-8")
    rules = json.loads((old / "rules-v1.json").read_text(encoding="utf-8"))
    rules["rules"] = [r for r in rules["rules"] if r["id"] != "from_beat_le_to_beat"]
    (new / "rules-v1.json").write_text(json.dumps(rules), encoding="utf-8")
    kind = check_compat(
        old / "barreport-v1.schema.json", new / "barreport-v1.schema.json", max_examples=BUDGET
    ).kinds[0]
    assert (kind.required, kind.backward.compatible, kind.forward.compatible) == (
        Bump.MAJOR,
        True,
        False,
    )
    assert kind.forward.witness is not None
    assert kind.forward.witness.rules == ["rules.from_beat_le_to_beat"]


# -- the pieces -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "bump", "problem"),
    [
        ("1.0.0", "1.0.0", Bump.NONE, ""),
        ("1.0.0", "1.0.1", Bump.PATCH, ""),
        ("1.0.9", "1.1.0", Bump.MINOR, ""),
        ("1.4.2", "2.0.0", Bump.MAJOR, ""),
        ("1.0.0", "1.1.0-rc.1", Bump.MINOR, ""),
        (None, "1.0.0", None, 'the old schema has no "x-version"; add one, e.g. "1.0.0"'),
        (
            "1.0.0",
            "v1.1",
            None,
            "x-version 'v1.1' is not MAJOR.MINOR.PATCH; write it like \"1.1.0\"",
        ),
        (
            "1.2.0",
            "1.1.0",
            None,
            "x-version goes down from 1.2.0 to 1.1.0; the new version must be higher",
        ),
    ],
)
def test_declared_bump(old: str | None, new: str, bump: Bump | None, problem: str) -> None:
    assert declared_bump(old, new) == (bump, problem)


def test_field_paths_follow_refs_items_and_combinators() -> None:
    paths = field_paths(
        json.loads((SCHEMAS / "barreport-v1.schema.json").read_text(encoding="utf-8"))
    )
    assert {"window_id", "issues", "issues[]", "issues[].code", "issues[].agent_id"} <= paths
    recursive = {
        "$defs": {"n": {"properties": {"next": {"$ref": "#/$defs/n"}}}},
        "$ref": "#/$defs/n",
    }
    assert field_paths(recursive) == {"next"}  # a reference is followed once per path
    combined = {"anyOf": [{"properties": {"a": {}}}], "then": {"properties": {"b": {}}}}
    assert field_paths(combined) == {"a", "b"}


def test_constraints_drop_annotations_but_keep_fields_named_like_them() -> None:
    schema = {
        "description": "d",
        "properties": {"title": {"type": "string", "description": "x"}},
        "items": {"examples": [1], "minimum": 0},
    }
    assert constraints(schema) == {
        "properties": {"title": {"type": "string"}},
        "items": {"minimum": 0},
    }


# -- the command ------------------------------------------------------------------------------


def _run(*args: str) -> Any:
    return CliRunner().invoke(main, ["compat", *args])


def test_cli_exit_0_when_the_declared_bump_suffices(tmp_path: Path, old: Path) -> None:
    result = _run(str(old), str(_variant(tmp_path, _add_optional)), "--max-examples", "50")
    assert result.exit_code == 0, result.output
    assert "needs minor, declares minor: ok" in result.output
    assert result.output.endswith("the declared version bump suffices\n")


def test_cli_exit_1_with_the_witness_when_the_bump_is_too_small(tmp_path: Path, old: Path) -> None:
    result = _run(str(old), str(_variant(tmp_path, _add_required).parent), "--max-examples", "50")
    assert result.exit_code == 1, result.output
    assert "beatframe  1.0.0 -> 1.1.0  needs major, declares minor: TOO SMALL" in result.output
    assert "  backward (new consumers accept old messages): BREAKS" in result.output
    assert f"    witness: {json.dumps(EXAMPLE, separators=(',', ':'))}" in result.output
    assert "    new validator: $.region required.region: region field is required" in result.output
    assert "forward compatible: yes, backward compatible: no; needs major, declares minor" in (
        result.output
    )


def test_cli_json(tmp_path: Path, old: Path) -> None:
    result = _run(str(old), str(_variant(tmp_path, _widen_enum, "2.0.0")), "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert (document["ok"], document["required"], document["declared"]) == (True, "major", "major")
    witness = document["kinds"][0]["forward"]["witness"]
    assert json.loads(witness["message"])["phase"] == "rest"
    assert witness["errors"][0]["rule"] == "phase.enum"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.schema.json", "x"], "Path 'missing.schema.json' does not exist"),
        (["OLD", "NEW", "--max-examples", "0"], "0 is not in the range x>=1"),
    ],
)
def test_cli_usage_errors_exit_2(old: Path, args: list[str], message: str) -> None:
    args = [str(old) if a in ("OLD", "NEW") else a for a in args]
    result = _run(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_cli_exit_2_when_x_version_cannot_be_read(tmp_path: Path, old: Path) -> None:
    schema = copy.deepcopy(BEATFRAME)
    del schema["x-version"]
    result = _run(str(old), str(_write(tmp_path / "new", schema)))
    assert result.exit_code == 2
    assert 'Error: beatframe: the new schema has no "x-version"; add one, e.g. "1.0.0"' in (
        result.output
    )


def test_cli_exit_2_on_an_invalid_schema(tmp_path: Path, old: Path) -> None:
    bad = tmp_path / "bad" / "beatframe-v1.schema.json"
    bad.parent.mkdir()
    bad.write_text("{not json", encoding="utf-8")
    result = _run(str(old), str(bad))
    assert result.exit_code == 2
    assert f"Error: {bad} is not valid JSON" in result.output  # the file given, not a copy
    assert "Traceback" not in result.output


def test_the_command_is_the_same_object_on_the_main_group() -> None:
    assert main.get_command(None, "compat") is compat  # type: ignore[arg-type]


def test_cli_exit_2_when_a_version_admits_no_message(tmp_path: Path, old: Path) -> None:
    def impossible(schema: dict[str, Any]) -> None:
        schema["properties"]["tempo_bpm"]["minimum"] = 20000

    result = _run(str(old), str(_variant(tmp_path, impossible)), "--max-examples", "5")
    assert result.exit_code == 2
    assert "Error: no valid beatframe message can be generated from the new schema (" in (
        result.output
    )
    assert "Traceback" not in result.output
