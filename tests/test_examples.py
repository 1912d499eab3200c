"""The examples folder: each file is what its name says, and together they cover the contract."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from backbeat_fuzz import MessageValidator
from backbeat_fuzz.examples import Example, check, check_example, main, parse_name
from backbeat_fuzz.jsontext import JSON_RULES
from backbeat_fuzz.strategies import is_probe

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
VALIDATOR = MessageValidator()
KINDS = list(VALIDATOR.contract.kinds)
VALID_FILES = sorted((EXAMPLES / "valid").iterdir())
INVALID_FILES = sorted((EXAMPLES / "invalid").iterdir())


def _examples(files: list[Path]) -> list[Example]:
    parsed = [parse_name(p, KINDS) for p in files]
    assert all(isinstance(e, Example) for e in parsed), [e for e in parsed if isinstance(e, str)]
    return [e for e in parsed if isinstance(e, Example)]


INVALID = _examples(INVALID_FILES)
INVALID_RULES = {(e.kind, e.rule) for e in INVALID}
#: Messages past an implementation limit the contract does not state: either verdict is right.
PROBES = _examples(sorted((EXAMPLES / "probes").iterdir()))


def _load(path: Path) -> Any:
    return json.loads(path.read_bytes())


# ---------------------------------------------------------------- each file is as named


@pytest.mark.parametrize("path", [*VALID_FILES, *INVALID_FILES], ids=lambda p: p.name)
def test_example_is_as_its_name_says(path: Path) -> None:
    example = parse_name(path, KINDS)
    assert isinstance(example, Example), example
    assert check_example(VALIDATOR, example) == []


def test_the_whole_folder_checks_clean() -> None:
    assert check(EXAMPLES) == []


@pytest.mark.parametrize("kind", KINDS)
def test_readme_example_is_the_schema_example_verbatim(kind: str) -> None:
    path = EXAMPLES / "valid" / f"{kind}-readme.json"
    expected = VALIDATOR.contract.kinds[kind].schema["examples"][0]
    loaded = _load(path)
    assert list(loaded.items()) == list(expected.items())
    assert [type(v) for v in loaded.values()] == [type(v) for v in expected.values()]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_has_several_valid_examples(kind: str) -> None:
    assert len([p for p in VALID_FILES if p.name.startswith(f"{kind}-")]) >= 8


# ---------------------------------------------------------------- the valid edge cases


def _has(key: str, predicate: Callable[[Any], bool]) -> Callable[[dict[str, Any]], bool]:
    return lambda m: key in m and predicate(m[key])


_BF_FIELDS = set(VALIDATOR.contract.kinds["beatframe"].schema["properties"])
_SC_OPTIONAL = {"task_id", "beats_left", "progress", "notes"}

#: (what, kind, predicate on the parsed message): some valid example of the kind satisfies it.
VALID_EDGE_CASES: list[tuple[str, str, Callable[[dict[str, Any]], bool]]] = [
    ("tempo exactly 0.1", "beatframe", _has("tempo_bpm", lambda v: v == 0.1)),
    ("leap second", "beatframe", _has("deadline_at", lambda v: ":60" in v)),
    ("lower-case t and z", "beatframe", _has("deadline_at", lambda v: "t" in v and "z" in v)),
    ("+05:30 offset", "beatframe", _has("deadline_at", lambda v: v.endswith("+05:30"))),
    ("1337.0 index", "beatframe", _has("beat_index", lambda v: repr(v) == "1337.0")),
    ("unknown extra field", "beatframe", lambda m: bool(set(m) - _BF_FIELDS)),
    ("progress 0 as integer", "statusclaim", _has("progress", lambda v: repr(v) == "0")),
    ("progress 1 as integer", "statusclaim", _has("progress", lambda v: repr(v) == "1")),
    ("non-ASCII notes", "statusclaim", _has("notes", lambda v: not v.isascii())),
    ("optional fields absent", "statusclaim", lambda m: not _SC_OPTIONAL & set(m)),
    ("issues with items", "barreport", _has("issues", lambda v: len(v) > 1)),
    ("one-beat window", "barreport", lambda m: m["from_beat"] == m["to_beat"]),
]


@pytest.mark.parametrize(("what", "kind", "predicate"), VALID_EDGE_CASES, ids=str)
def test_valid_examples_cover_edge_case(
    what: str, kind: str, predicate: Callable[[dict[str, Any]], bool]
) -> None:
    messages = [_load(p) for p in VALID_FILES if p.name.startswith(f"{kind}-")]
    assert any(predicate(m) for m in messages), f"no valid {kind} example with {what}"


# ---------------------------------------------------------------- invalid coverage

#: The seed README's troubleshooting table: (kind, rule, the error text it quotes).
TROUBLESHOOTING = [
    ("beatframe", "required.type", "type field is required"),
    ("beatframe", "hlc.pattern", "hlc must match pattern"),
    ("beatframe", "window_id.pattern", "window_id must be exactly 32 hex characters"),
    ("beatframe", "phase.enum", "phase must be one of: plan, execute, review"),
    ("beatframe", "tempo_bpm.minimum", "tempo_bpm must be at least 0.1"),
]


@pytest.mark.parametrize(("kind", "rule", "text"), TROUBLESHOOTING)
def test_troubleshooting_errors_have_examples_with_the_readme_text(
    kind: str, rule: str, text: str
) -> None:
    paths = [e.path for e in INVALID if (e.kind, e.rule) == (kind, rule)]
    assert paths, f"no invalid {kind} example for {rule}"
    for path in paths:
        messages = [v.message for v in VALIDATOR.validate_file(path).errors]
        assert any(text in m for m in messages), (path.name, messages)


@pytest.mark.parametrize("rule", sorted(JSON_RULES))
def test_every_json_text_rule_has_an_example(rule: str) -> None:
    assert any(e.rule == rule for e in INVALID + PROBES)


def test_probes_are_kept_apart_from_the_must_reject_examples() -> None:
    assert PROBES and all(is_probe(e.rule) for e in PROBES if e.rule)
    assert not any(is_probe(e.rule) for e in INVALID if e.rule)


@pytest.mark.parametrize(
    "rule", [r.rule for kind in VALIDATOR.contract for r in kind.rules], ids=str
)
def test_every_cross_field_rule_has_an_example(rule: str) -> None:
    assert any(e.rule == rule for e in INVALID)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("rule", ["required.type", "type.const", "root.type"])
def test_every_kind_has_type_level_examples(kind: str, rule: str) -> None:
    assert (kind, rule) in INVALID_RULES


#: Specific cases the contract is known to be broken by: (file name, what it holds).
NAMED_CASES = [
    ("beatframe--hlc.pattern--trailing-newline.json", lambda m: m["hlc"].endswith("\n")),
    ("beatframe--deadline_at.format--date-only.json", lambda m: m["deadline_at"] == "2025-09-05"),
    ("beatframe--beat_index.type--true-for-integer.json", lambda m: m["beat_index"] is True),
    ("beatframe--beat_index.type--string-1337.json", lambda m: m["beat_index"] == "1337"),
    ("beatframe--type.const--v2-type.json", lambda m: m["type"] == "backbeat.beatframe.v2"),
    ("beatframe--root.type--array-root.json", lambda m: isinstance(m, list)),
]


@pytest.mark.parametrize(("name", "holds"), NAMED_CASES, ids=[n for n, _ in NAMED_CASES])
def test_named_invalid_case_exists(name: str, holds: Callable[[Any], bool]) -> None:
    assert holds(_load(EXAMPLES / "invalid" / name))


def _fields(schema: dict[str, Any], prefix: str = "") -> list[str]:
    """Every property path of a schema, ``issues[].code`` style, following local $refs."""
    out = []
    for name, sub in schema.get("properties", {}).items():
        out.append(prefix + name)
        items = sub.get("items", {})
        ref = items.get("$ref", "")
        if ref.startswith("#/$defs/"):
            target = schema["$defs"][ref.removeprefix("#/$defs/")]
            out += _fields({**target, "$defs": schema["$defs"]}, f"{prefix}{name}[].")
    return out


def _breaks_field(rule: str, field: str) -> bool:
    return rule == f"required.{field}" or (rule.startswith(field) and rule[len(field)] in ".[")


@pytest.mark.parametrize(
    ("kind", "field"),
    [(k.name, f) for k in VALIDATOR.contract for f in _fields(k.schema)],
    ids=str,
)
def test_every_field_has_an_invalid_example(kind: str, field: str) -> None:
    assert any(k == kind and _breaks_field(r or "", field) for k, r in INVALID_RULES)


def test_field_walk_reaches_nested_issue_fields() -> None:
    assert "issues[].severity" in _fields(VALIDATOR.contract.kinds["barreport"].schema)


# ---------------------------------------------------------------- the checker catches mistakes

_BF = _load(EXAMPLES / "valid" / "beatframe-readme.json")
_SC = _load(EXAMPLES / "valid" / "statusclaim-readme.json")

_BAD_HLC = {**_BF, "hlc": "x"}

#: (subfolder, file name, content, a fragment the one problem line must hold)
MISTAKES = [
    ("invalid", "beatframe--phase.enum--x.json", _BAD_HLC, "rule 'phase.enum', got hlc.pattern"),
    ("invalid", "beatframe--hlc.pattern--x.json", {**_BAD_HLC, "phase": "y"}, "breaks phase.enum"),
    ("invalid", "beatframe--hlc.pattern--valid.json", _BF, "but it is valid"),
    ("invalid", "statusclaim--hlc.pattern--x.json", _BAD_HLC, "as 'backbeat.beatframe.v1'"),
    ("invalid", "beatframe--hlc.patern--x.json", _BAD_HLC, "Did you mean 'hlc.pattern'?"),
    ("invalid", "beatframe--hlc.pattern+phase.enum--x.json", _BAD_HLC, "breaks phase.enum, but"),
    ("invalid", "beatframe--hlc.pattern+--x.json", _BAD_HLC, "rename the file"),
    ("invalid", "beatframe-hlc.pattern.json", _BAD_HLC, "not follow invalid/<kind>--<rule>--"),
    ("valid", "beatframe-broken.json", _BAD_HLC, "expected valid, got $.hlc"),
    ("valid", "beatframe-is-a-statusclaim.json", _SC, "as 'backbeat.statusclaim.v1'"),
    ("valid", "beatfram-typo.json", _BF, "unknown kind 'beatfram'"),
    ("valid", "beatframe.json", _BF, "does not follow valid/<kind>-<name>.json"),
    ("valid", "notes.txt", "not json", "not a .json file"),
]


def _folder(tmp_path: Path) -> Path:
    for name in ("valid", "invalid"):
        (tmp_path / name).mkdir()
    shutil.copy(EXAMPLES / "valid" / "beatframe-readme.json", tmp_path / "valid")
    shutil.copy(EXAMPLES / "invalid" / "beatframe--json.nan--tempo-nan.json", tmp_path / "invalid")
    return tmp_path


def test_a_correct_folder_has_no_problems(tmp_path: Path) -> None:
    assert check(_folder(tmp_path)) == []


def test_an_example_may_name_every_rule_it_breaks(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    both = folder / "invalid" / "beatframe--hlc.pattern+phase.enum--x.json"
    both.write_text(json.dumps({**_BAD_HLC, "phase": "y"}), encoding="utf-8")
    assert check(folder) == []
    assert parse_name(both, KINDS) == Example(both, "beatframe", "hlc.pattern", ("phase.enum",))


@pytest.mark.parametrize(
    ("sub", "name", "content", "fragment"), MISTAKES, ids=[m[1] for m in MISTAKES]
)
def test_checker_reports_mistake(
    tmp_path: Path, sub: str, name: str, content: Any, fragment: str
) -> None:
    folder = _folder(tmp_path)
    text = content if isinstance(content, str) else json.dumps(content)
    (folder / sub / name).write_text(text, encoding="utf-8")
    problems = check(folder)
    assert len(problems) == 1, problems
    assert problems[0].startswith(str(folder / sub / name) + ": ")
    assert fragment in problems[0]


@pytest.mark.parametrize("sub", ["valid", "invalid"])
def test_checker_reports_an_empty_subfolder(tmp_path: Path, sub: str) -> None:
    folder = _folder(tmp_path)
    for path in (folder / sub).iterdir():
        path.unlink()
    assert check(folder) == [f"{folder / sub}: holds no example; add at least one"]


def test_checker_refuses_a_folder_without_subfolders(tmp_path: Path) -> None:
    with pytest.raises(click.UsageError, match="lacks the subfolder"):
        check(tmp_path)


# ---------------------------------------------------------------- python -m backbeat_fuzz.examples


def test_cli_clean_folder_exits_0(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(_folder(tmp_path))])
    assert (result.exit_code, result.output) == (
        0,
        f"2 examples checked in {tmp_path}: 0 problem(s)\n",
    )


def test_cli_mislabelled_example_exits_1_with_one_line_per_problem(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "invalid" / "beatframe--phase.enum--x.json").write_text(json.dumps(_BF))
    (folder / "valid" / "beatframe-x.json").write_text(json.dumps({**_BF, "hlc": "x"}))
    result = CliRunner().invoke(main, ["check", str(folder)])
    lines = result.output.splitlines()
    assert result.exit_code == 1
    assert len(lines) == 3
    assert lines[-1] == f"4 examples checked in {folder}: 2 problem(s)"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ([], "Commands:\n  check"),
        (["check"], "Missing argument 'FOLDER'"),
        (["check", "/nonexistent/examples"], "lacks the subfolder(s) valid, invalid"),
        (
            ["check", str(EXAMPLES), "--schemas", "/nonexistent"],
            "does not exist or is not a folder",
        ),
    ],
)
def test_cli_usage_errors_exit_2(args: list[str], fragment: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert fragment in result.output
    assert "Traceback" not in result.output
