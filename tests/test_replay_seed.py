"""``backbeat-fuzz replay`` (exit 1 while an entry still fails, 0 once fixed) and
``backbeat-fuzz seed`` (a deterministic examples folder covering every kind and rule).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from _fuzzing import DEMO, campaign_args, fuzz, fuzz_process, put_consumers_on_path
from click.testing import Result

from backbeat_fuzz import MessageValidator
from backbeat_fuzz.strategies import mutation_catalogue

KINDS = ("barreport", "beatframe", "statusclaim")
#: Rules no message can break alone: the seed writes them with a second rule broken too.
NOT_ALONE = {
    ("beatframe", "cluster_id.minLength", "cluster_id.pattern"),  # "" fails ^[A-Za-z0-9]
    ("barreport", "agents_reporting.minimum", "rules.on_time_reviews_le_agents_reporting"),
    ("barreport", "on_time_reviews.maximum", "rules.on_time_reviews_le_agents_reporting"),
    ("barreport", "from_beat.maximum", "rules.from_beat_le_to_beat"),
    ("barreport", "to_beat.minimum", "rules.from_beat_le_to_beat"),
}


@pytest.fixture
def workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A fresh working folder, with the test consumers importable by the target worker."""
    return put_consumers_on_path(monkeypatch, tmp_path)


# -- replay -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus of one campaign against ``three_bugs``: three entries, one per planted bug."""
    folder = tmp_path_factory.mktemp("replay")
    with pytest.MonkeyPatch.context() as patch:
        put_consumers_on_path(patch, folder)
        target = "consumers.planted:three_bugs"
        args = campaign_args(target, folder / "corpus", "--kind", "beatframe")
        result = fuzz(*args, "--max-examples", "60", "--quiet")
    assert result.exit_code == 1, result.output
    assert len(result.stdout.splitlines()) == 3
    return folder / "corpus"


@pytest.fixture
def in_corpus_folder(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Work next to the corpus, so replay prints short paths."""
    put_consumers_on_path(monkeypatch, corpus.parent)


def _replay(target: str, *extra: str) -> Result:
    return fuzz("replay", "--target", target, "--corpus", "corpus", *extra)


def _statuses(result: Result) -> list[tuple[str, str]]:
    """(status, entry file name) of each entry line."""
    return sorted(
        (line.split()[0], Path(line.split()[1]).name)
        for line in result.stdout.splitlines()[:-1]
        if line.split()[0] in ("FAILING", "FIXED", "SKIPPED")
    )


@pytest.mark.usefixtures("in_corpus_folder")
@pytest.mark.parametrize(
    ("target", "failing", "exit_code"),
    [
        ("consumers.planted:three_bugs", 3, 1),  # nothing fixed
        ("consumers.planted:two_outcomes_one_rule", 1, 1),  # the hlc newline is still accepted
        ("consumers.reference:handle_text", 0, 0),  # all fixed
    ],
)
def test_replay_exits_1_while_an_entry_still_fails(
    target: str, failing: int, exit_code: int
) -> None:
    result = _replay(target)
    assert result.exit_code == exit_code
    statuses = _statuses(result)
    assert len(statuses) == 3
    assert sum(status == "FAILING" for status, _ in statuses) == failing
    assert result.stdout.splitlines()[-1] == (
        f"3 replayed: {failing} still failing, {3 - failing} fixed or skipped"
    )


@pytest.mark.usefixtures("in_corpus_folder")
def test_replay_lines_say_what_the_target_did_this_time() -> None:
    lines = _replay("consumers.planted:three_bugs").stdout.splitlines()
    crash, accepted, rejected = sorted(line.split("  ")[2] for line in lines[:-1])
    assert re.fullmatch(r"crash: KeyError: 'window_id' \(at planted.py:\d+ in three_bugs\)", crash)
    assert accepted == "false_accept: returned True"
    assert rejected == "false_reject: ValueError: downbeat frames are not supported"


@pytest.mark.usefixtures("in_corpus_folder")
def test_quiet_replay_prints_only_the_failing_entries() -> None:
    result = _replay("consumers.planted:two_outcomes_one_rule", "--quiet")
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == ["FAILING"]
    assert "false_accept--hlc.pattern--" in lines[0]


@pytest.mark.usefixtures("in_corpus_folder")
def test_replay_of_other_kinds_sends_nothing() -> None:
    result = _replay("consumers.planted:three_bugs", "--kind", "statusclaim")
    assert (result.exit_code, result.stdout) == (
        0,
        "0 replayed: 0 still failing, 0 fixed or skipped\n",
    )


@pytest.mark.usefixtures("workdir")
def test_an_object_target_skips_entries_that_are_not_strict_json() -> None:
    made = fuzz(*campaign_args(DEMO, Path("corpus"), "--kind", "beatframe", "--rule", "json.*"))
    assert made.exit_code == 1
    result = _replay("consumers.reference:handle_object", "--input", "object")
    assert result.exit_code == 0
    statuses = _statuses(result)
    assert statuses and {status for status, _ in statuses} == {"SKIPPED"}
    assert "(not strict JSON, so it cannot be parsed for a target that takes objects)" in (
        result.stdout
    )


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (
            "",
            ["--target", "nosuchmod.f"],
            "cannot import target 'nosuchmod.f': No module named 'nosuchmod'; run from the "
            "folder that holds the package or add it to PYTHONPATH",
        ),
        ("file", ["--target", DEMO], "corpus 'corpus' is a file; give a folder path"),
        (
            "bad-meta",
            ["--target", DEMO],
            "corpus file 'corpus/beatframe/x.meta.json' is not valid metadata (Expecting value: "
            "line 1 column 1 (char 0)); fix it, or delete it and its message file",
        ),
    ],
)
def test_replay_configuration_errors_exit_2(
    workdir: Path, setup: str, args: list[str], message: str
) -> None:
    if setup == "file":
        (workdir / "corpus").write_text("")
    elif setup == "bad-meta":
        (workdir / "corpus/beatframe").mkdir(parents=True)
        (workdir / "corpus/beatframe/x.json").write_text("{}")
        (workdir / "corpus/beatframe/x.meta.json").write_text("nope")
    result = fuzz("replay", *args, "--corpus", "corpus")
    assert (result.exit_code, result.stderr, result.stdout) == (2, f"Error: {message}\n", "")


@pytest.mark.usefixtures("workdir")
def test_replay_without_a_corpus_folder_says_so_and_passes() -> None:
    result = _replay(DEMO)
    assert (result.exit_code, result.stdout) == (
        0,
        "corpus 'corpus' does not exist yet: nothing to replay\n"
        "0 replayed: 0 still failing, 0 fixed or skipped\n",
    )


# -- seed -------------------------------------------------------------------------------------


def _seed(out: Path, seed: int) -> None:
    proc = fuzz_process("seed", "--out", out, "--count", "2", "--seed", seed)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("wrote ") and proc.stderr == ""


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three seed folders: seed 3 twice, and seed 4."""
    root = tmp_path_factory.mktemp("seed")
    folders = {name: root / name for name in ("first", "again", "other")}
    for name, seed in (("first", 3), ("again", 3), ("other", 4)):
        _seed(folders[name], seed)
    return folders


def test_the_same_seed_writes_byte_identical_folders(seeded: dict[str, Path]) -> None:
    first = _tree(seeded["first"])
    assert len(first) > 200
    assert first == _tree(seeded["again"])
    assert first != _tree(seeded["other"])


def test_every_kind_and_rule_is_covered(seeded: dict[str, Path]) -> None:
    folder = seeded["first"]
    valid = sorted(p.name for p in (folder / "valid").iterdir())
    assert valid == [f"{kind}-{n:03d}.json" for kind in KINDS for n in (1, 2)]
    written = {tuple(p.name.split("--")[:2]) for p in (folder / "invalid").iterdir()}
    catalogue = {(i.kind, i.rule) for kind in KINDS for i in mutation_catalogue(kind)}
    assert written == catalogue


def test_every_seeded_file_is_what_its_name_says(
    seeded: dict[str, Path], validator: MessageValidator
) -> None:
    folder = seeded["first"]
    for path in (folder / "valid").iterdir():
        kind = path.name.split("-")[0]
        result = validator.validate_file(path)
        assert result.valid and result.message_type == f"backbeat.{kind}.v1", path
    broken_with: set[tuple[str, str, str]] = set()
    for path in (folder / "invalid").iterdir():  # judged by its own type, as a reader would
        kind, rule, _ = path.name.split("--")
        result = validator.validate_file(path)
        assert rule in result.rules, (path.name, result.rules)
        assert result.message_type in (None, f"backbeat.{kind}.v1"), path.name
        broken_with |= {(kind, rule, other) for other in result.rules - {rule}}
    assert broken_with == NOT_ALONE


def test_the_examples_checker_passes_all_but_the_rules_that_cannot_break_alone(
    seeded: dict[str, Path],
) -> None:
    folder = seeded["first"]
    proc = subprocess.run(
        [sys.executable, "-m", "backbeat_fuzz.examples", "check", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    problems = proc.stdout.splitlines()[:-1]
    assert proc.returncode == 1 and proc.stderr == ""
    flagged = set()
    for line in problems:
        name, _, complaint = line.partition(": ")
        kind, rule, _ = Path(name).name.split("--")
        other = complaint.removeprefix("breaks ").partition(" besides")[0]
        assert complaint == f"breaks {other} besides {rule!r}; break one rule per example"
        flagged.add((kind, rule, other))
    assert flagged == NOT_ALONE
    files = sum(1 for _ in folder.rglob("*.json"))
    assert proc.stdout.splitlines()[-1] == (
        f"{files} examples checked in {folder}: {len(problems)} problem(s)"
    )
