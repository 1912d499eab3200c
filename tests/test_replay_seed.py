"""``backbeat-fuzz replay`` (exit 1 while an entry still fails, 0 once fixed; fixed and
skipped counted apart; ``--prune``; a missing corpus is exit 2 unless ``--allow-empty``), the
baseline lifecycle (``--baseline-update``, ``--baseline-prune``) end to end, and
``backbeat-fuzz seed`` (a deterministic examples folder covering every kind and rule, every file
of which passes ``examples check``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _fuzzing import DEMO, campaign_args, fuzz, fuzz_process, put_consumers_on_path
from click.testing import Result

from backbeat_fuzz import MessageValidator
from backbeat_fuzz.strategies import mutation_catalogue

KINDS = ("barreport", "beatframe", "statusclaim")
#: Rules no message can break alone: the seed writes them with a second rule broken too, and
#: names the file after both (``<rule>+<other>``).
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
        f"3 replayed: {failing} still failing, {3 - failing} fixed, 0 skipped"
    )


@pytest.mark.usefixtures("in_corpus_folder")
def test_replay_lines_say_what_the_target_did_this_time() -> None:
    lines = _replay("consumers.planted:three_bugs").stdout.splitlines()
    crash, accepted, rejected = sorted(line.split("  ")[2] for line in lines[:-1])
    assert re.fullmatch(
        r"crash: KeyError: 'window_id' \(at consumers/planted.py:\d+ in three_bugs\)", crash
    )
    assert accepted == "false_accept: returned True"
    assert rejected == "false_reject: ValueError: downbeat frames are not supported"


@pytest.mark.usefixtures("in_corpus_folder")
def test_quiet_replay_prints_only_the_failing_entries() -> None:
    result = _replay("consumers.planted:two_outcomes_one_rule", "--quiet")
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == ["FAILING"]
    assert "false_accept--beatframe_hlc--" in lines[0]


@pytest.mark.usefixtures("in_corpus_folder")
def test_replay_of_other_kinds_sends_nothing() -> None:
    result = _replay("consumers.planted:three_bugs", "--kind", "statusclaim")
    assert (result.exit_code, result.stdout) == (
        0,
        "0 replayed: 0 still failing, 0 fixed, 0 skipped\n",
    )


@pytest.fixture
def corpus_copy(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the three-entry corpus to change, in the working folder."""
    shutil.copytree(corpus, tmp_path / "corpus")
    return put_consumers_on_path(monkeypatch, tmp_path) / "corpus"


def _entries(corpus: Path) -> list[str]:
    return sorted(p.name for p in corpus.rglob("*.json"))


def test_prune_removes_the_fixed_entries_and_keeps_the_failing_ones(corpus_copy: Path) -> None:
    before = _entries(corpus_copy)
    result = _replay("consumers.planted:two_outcomes_one_rule", "--prune")
    assert result.exit_code == 1  # the hlc newline is still accepted
    lines = result.stdout.splitlines()
    assert lines[-2:] == [
        "3 replayed: 1 still failing, 2 fixed, 0 skipped",
        "pruned 2 fixed entries from corpus/",
    ]
    fixed = {Path(line.split()[1]).name for line in lines if line.startswith("FIXED")}
    failing = [Path(line.split()[1]).name for line in lines if line.startswith("FAILING")]
    assert len(fixed) == 2
    kept = _entries(corpus_copy)
    assert kept == sorted([*failing, failing[0].replace(".json", ".meta.json")])
    assert set(before) - set(kept) >= fixed
    again = _replay("consumers.planted:two_outcomes_one_rule", "--prune")
    assert again.stdout.splitlines()[-2:] == [
        "1 replayed: 1 still failing, 0 fixed, 0 skipped",
        "pruned 0 fixed entries from corpus/",
    ]


def test_prune_of_an_all_fixed_corpus_leaves_it_empty(corpus_copy: Path) -> None:
    result = _replay("consumers.reference:handle_text", "--prune", "--quiet")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "3 replayed: 0 still failing, 3 fixed, 0 skipped",
        "pruned 3 fixed entries from corpus/",
    ]
    assert _entries(corpus_copy) == []


@pytest.mark.usefixtures("workdir")
def test_an_object_target_skips_entries_that_are_not_strict_json() -> None:
    made = fuzz(*campaign_args(DEMO, Path("corpus"), "--kind", "beatframe", "--rule", "json.*"))
    assert made.exit_code == 1
    result = _replay("consumers.reference:handle_object", "--input", "object", "--prune")
    assert result.exit_code == 0
    statuses = _statuses(result)
    assert statuses and {status for status, _ in statuses} == {"SKIPPED"}
    assert result.stdout.splitlines()[-2:] == [
        f"{len(statuses)} replayed: 0 still failing, 0 fixed, {len(statuses)} skipped",
        "pruned 0 fixed entries from corpus/",  # a skipped entry is not known to be fixed
    ]
    assert "(not strict JSON, so it cannot be parsed for a target that takes objects)" in (
        result.stdout
    )


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (
            "",
            ["--target", "nosuchmod.f", "--allow-empty"],
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
def test_replay_of_a_missing_corpus_is_a_usage_error() -> None:
    """A CI job pointed at a wrong path must not pass by replaying nothing."""
    proc = fuzz_process("replay", "--target", DEMO, "--corpus", "nonexist")
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (
        "Error: corpus 'nonexist' does not exist; check --corpus (the campaign writes it), "
        "or pass --allow-empty if an empty corpus is fine\n"
    )


@pytest.mark.usefixtures("workdir")
def test_replay_of_a_missing_corpus_passes_with_allow_empty() -> None:
    result = _replay(DEMO, "--allow-empty")
    assert (result.exit_code, result.stdout) == (
        0,
        "corpus 'corpus' does not exist (--allow-empty): nothing to replay\n"
        "0 replayed: 0 still failing, 0 fixed, 0 skipped\n",
    )


# -- the baseline lifecycle -------------------------------------------------------------------

#: A small campaign on two beatframe rules: three_bugs accepts an hlc with a trailing newline.
BASELINE_RUN = ["--kind", "beatframe", "--rule", "hlc.pattern", "--rule", "window_id.pattern"]
HLC = {"outcome": "false_accept", "kind": "beatframe", "rule": "hlc.pattern"}


def _campaign(target: str, *extra: str) -> Result:
    args = campaign_args(target, Path("corpus"), *BASELINE_RUN, "--max-examples", "20")
    return fuzz(*args, "--quiet", "--baseline", "baseline.json", *extra)


def _accepted(folder: Path) -> list[dict[str, object]]:
    return json.loads((folder / "baseline.json").read_text(encoding="utf-8"))["accepted"]


def test_baseline_update_writes_prune_shrinks_and_update_removes_what_is_fixed(
    workdir: Path,
) -> None:
    adopted = _campaign("consumers.planted:three_bugs", "--baseline-update")
    assert adopted.exit_code == 1  # judged against the baseline as it was: there was none
    assert adopted.stdout.splitlines()[-1] == (
        "baseline baseline.json: 1 added, 0 removed (no longer reproduce), 1 entries"
    )
    assert _accepted(workdir) == [{**HLC, "signature": "false_accept: beatframe hlc"}]

    dated = {**HLC, "expires": "2999-12-31", "reason": "ticket-1"}
    stale = {"outcome": "crash", "kind": "beatframe", "rule": "window_id.pattern"}
    elsewhere = {"outcome": "hang", "kind": "statusclaim", "rule": None, "reason": "not run"}
    (workdir / "baseline.json").write_text(json.dumps([dated, stale, elsewhere]))
    pruned = _campaign("consumers.planted:three_bugs", "--baseline-prune")
    assert pruned.exit_code == 0, pruned.output  # the hlc finding is accepted
    assert pruned.stdout.splitlines()[-1] == (
        "baseline baseline.json: 0 added, 1 removed (no longer reproduce), 2 entries"
    )
    assert _accepted(workdir) == [dated, elsewhere]  # reason and date kept; not-run entry kept

    fixed = _campaign("consumers.reference:handle_text", "--baseline-update")
    assert fixed.exit_code == 0
    assert _accepted(workdir) == [elsewhere]


@pytest.mark.usefixtures("workdir")
@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--baseline-update"], "--baseline-update needs the file to write: add --baseline FILE"),
        (["--baseline-prune"], "--baseline-prune needs the file to write: add --baseline FILE"),
        (
            ["--baseline", "b.json", "--baseline-update", "--baseline-prune"],
            "--baseline-update already prunes; drop --baseline-prune",
        ),
        (
            ["--baseline", "b.json", "--baseline-prune"],
            "cannot read baseline 'b.json': No such file or directory; check the path, or "
            "write one with --baseline-update",
        ),
    ],
)
def test_baseline_flag_mistakes_are_one_line_usage_errors(flags: list[str], message: str) -> None:
    result = fuzz(*campaign_args(DEMO, Path("corpus"), *BASELINE_RUN), *flags)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {message}")
    assert len(result.stderr.splitlines()) == 1
    assert not Path("b.json").exists()


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
    """Three seed folders: seed 7 twice (the issue's example), and seed 4."""
    root = tmp_path_factory.mktemp("seed")
    folders = {name: root / name for name in ("first", "again", "other")}
    for name, seed in (("first", 7), ("again", 7), ("other", 4)):
        _seed(folders[name], seed)
    return folders


def test_the_same_seed_writes_byte_identical_folders(seeded: dict[str, Path]) -> None:
    first = _tree(seeded["first"])
    assert len(first) > 200
    assert first == _tree(seeded["again"])
    assert first != _tree(seeded["other"])


def _named_rules(path: Path) -> tuple[str, str, set[str]]:
    """(kind, the rule a seeded file is about, every rule its name says it breaks)."""
    kind, rules, _ = path.name.split("--")
    rule, *also = rules.split("+")
    return kind, rule, {rule, *also}


def test_every_kind_and_rule_is_covered(seeded: dict[str, Path]) -> None:
    folder = seeded["first"]
    valid = sorted(p.name for p in (folder / "valid").iterdir())
    assert valid == [f"{kind}-{n:03d}.json" for kind in KINDS for n in (1, 2)]
    written = {_named_rules(p)[:2] for p in (folder / "invalid").iterdir()}
    probes = {_named_rules(p)[:2] for p in (folder / "probes").iterdir()}
    catalogue = {(i.kind, i.rule) for kind in KINDS for i in mutation_catalogue(kind)}
    assert written | probes == catalogue
    assert probes == {(i.kind, i.rule) for k in KINDS for i in mutation_catalogue(k) if i.probe}
    assert not written & probes  # a probe is never presented as a must-reject example


def test_every_seeded_file_breaks_exactly_the_rules_it_is_named_after(
    seeded: dict[str, Path], validator: MessageValidator
) -> None:
    folder = seeded["first"]
    for path in (folder / "valid").iterdir():
        kind = path.name.split("-")[0]
        result = validator.validate_file(path)
        assert result.valid and result.message_type == f"backbeat.{kind}.v1", path
    broken_with: set[tuple[str, str, str]] = set()
    for path in (folder / "invalid").iterdir():  # judged by its own type, as a reader would
        kind, rule, named = _named_rules(path)
        result = validator.validate_file(path)
        assert result.rules == named, (path.name, result.rules)
        assert result.message_type in (None, f"backbeat.{kind}.v1"), path.name
        broken_with |= {(kind, rule, other) for other in named - {rule}}
    assert broken_with == NOT_ALONE


@pytest.mark.parametrize("folder", ["first", "other"])
def test_the_examples_checker_passes_every_seeded_file(
    seeded: dict[str, Path], folder: str
) -> None:
    """``seed --count 2 --seed 7`` once gave 10 problems: files breaking a second rule."""
    path = seeded[folder]
    proc = subprocess.run(
        [sys.executable, "-m", "backbeat_fuzz.examples", "check", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    files = sum(1 for _ in path.rglob("*.json"))
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == f"{files} examples checked in {path}: 0 problem(s)\n"


@pytest.mark.usefixtures("in_corpus_folder")
def test_a_finding_s_reproduce_line_replays_that_entry_alone() -> None:
    entry = next(p for p in sorted(Path("corpus").glob("*/*.json")) if ".meta" not in p.name)
    result = fuzz("replay", "--target", "consumers.planted:three_bugs", str(entry))
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[0].split()[1] == str(entry), lines
    assert lines[-1].startswith("1 replayed: ")
    missing = fuzz("replay", "--target", "consumers.planted:three_bugs", "corpus/x/nope.json")
    assert missing.exit_code == 2
    assert "corpus entry 'corpus/x/nope.json' does not exist" in missing.output
