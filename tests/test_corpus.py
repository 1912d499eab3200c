"""The corpus: layout on disk, round trips, idempotence, atomicity under concurrent writers."""

from __future__ import annotations

import json
import multiprocessing
import os
from dataclasses import replace
from pathlib import Path

import pytest

import backbeat_fuzz
from backbeat_fuzz.corpus import Corpus, CorpusEntry, Expected, write_atomic
from backbeat_fuzz.errors import UsageError
from backbeat_fuzz.model import Outcome
from backbeat_fuzz.validator import MessageValidator

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "valid"


def entry(data: bytes = b'{"hlc": "zz"}', **changes: object) -> CorpusEntry:
    base = CorpusEntry(
        kind="beatframe",
        message_type="backbeat.beatframe.v1",
        rule="hlc.pattern",
        expected=Expected.REJECT,
        outcome=Outcome.FALSE_ACCEPT,
        data=data,
        detail="returned None",
        target="mysvc.handler",
        seed=42,
        found_at="2026-01-02T03:04:05+00:00",
        note="hlc of letters",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_save_writes_the_message_and_a_readable_sidecar(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path)
    saved = entry()
    path = corpus.save(saved)
    assert path == tmp_path / "beatframe" / f"false_accept--hlc.pattern--{saved.digest}.json"
    assert path.read_bytes() == saved.data
    meta_path = path.with_name(path.name.replace(".json", ".meta.json"))
    text = meta_path.read_text()
    assert text.startswith('{\n  "kind": "beatframe",\n')
    assert text.endswith("}\n")
    assert json.loads(text) == {
        "kind": "beatframe",
        "message_type": "backbeat.beatframe.v1",
        "rule": "hlc.pattern",
        "expected": "reject",
        "outcome": "false_accept",
        "detail": "returned None",
        "target": "mysvc.handler",
        "seed": 42,
        "tool_version": backbeat_fuzz.__version__,
        "found_at": "2026-01-02T03:04:05+00:00",
        "note": "hlc of letters",
        "signature": "",
        "fields": [],
        "location": None,
    }
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name, meta_path.name]


def test_entries_round_trip_every_field(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path)
    saved = [
        entry(),
        entry(b"\xff\xfe{", rule="json.invalid_utf8", outcome=Outcome.CRASH, detail="oops \udc80"),
        entry(b'{"ok": 1}', rule=None, expected="accept", outcome="false_reject", seed=None),
        entry(kind="statusclaim", message_type=None, note="\u00e9t\u00e9"),
    ]
    for item in saved:
        corpus.save(item)
    loaded = corpus.entries()
    assert sorted(loaded, key=corpus.path_for) == sorted(saved, key=corpus.path_for)
    assert [corpus.path_for(e) for e in loaded] == sorted(corpus.path_for(e) for e in saved)
    assert isinstance(loaded[0].outcome, Outcome)
    assert isinstance(loaded[0].expected, Expected)


def test_valid_messages_are_named_valid_and_names_show_kind_rule_outcome(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path)
    valid = entry(rule=None, expected=Expected.ACCEPT, outcome=Outcome.HANG)
    odd = entry(rule="issues[].code/x y")
    assert corpus.path_for(valid).name == f"hang--valid--{valid.digest}.json"
    assert corpus.path_for(odd).name == f"false_accept--issues[].code_x_y--{odd.digest}.json"


def test_the_hash_covers_kind_expected_and_data_only() -> None:
    base = entry()
    assert len(base.digest) == 8
    assert int(base.digest, 16) >= 0
    assert entry(outcome=Outcome.CRASH, detail="other").digest == base.digest
    assert entry(kind="statusclaim").digest != base.digest
    assert entry(expected=Expected.ACCEPT).digest != base.digest
    assert entry(b'{"hlc": "zy"}').digest != base.digest


def test_saving_twice_is_a_no_op_and_keeps_the_first_metadata(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path)
    first = entry()
    path = corpus.save(first)
    again = corpus.save(replace(first, found_at="2030-01-01T00:00:00+00:00", detail="later"))
    assert again == path
    assert corpus.entries() == [first]


def test_same_message_with_another_outcome_is_another_entry(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path)
    corpus.save(entry())
    corpus.save(entry(outcome=Outcome.CRASH))
    assert [e.outcome for e in corpus.entries()] == [Outcome.CRASH, Outcome.FALSE_ACCEPT]


def test_a_message_missing_its_metadata_is_saved_again(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path)
    path = corpus.save(entry())
    path.with_name(path.name.replace(".json", ".meta.json")).unlink()
    assert corpus.entries() == []
    corpus.save(entry())
    assert corpus.entries() == [entry()]


def test_entries_skip_incomplete_and_temporary_files(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path)
    corpus.save(entry())
    folder = tmp_path / "beatframe"
    (folder / "crash--valid--00000000.json").write_bytes(b"{}")  # no metadata yet
    (folder / "crash--x--11111111.meta.json").write_text("{}")  # metadata without message
    (folder / ".crash--x--22222222.json.abc.tmp").write_bytes(b"{")
    (folder / ".crash--x--22222222.meta.json.abc.tmp").write_text("{")
    assert corpus.entries() == [entry()]


def test_delete_removes_both_files_and_is_a_no_op_when_absent(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path)
    kept, gone = entry(), entry(b"[]")
    corpus.save(kept)
    path = corpus.save(gone)
    corpus.delete(gone)
    corpus.delete(gone)
    assert corpus.entries() == [kept]
    assert sorted(p.name for p in path.parent.iterdir()) == sorted(
        [corpus.path_for(kept).name, corpus.path_for(kept).name.replace(".json", ".meta.json")]
    )


def test_an_empty_or_missing_corpus_has_no_entries(tmp_path: Path) -> None:
    assert Corpus(tmp_path / "not-yet").entries() == []
    assert not (tmp_path / "not-yet").exists()


def test_a_broken_metadata_file_is_named_with_the_fix(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path)
    path = corpus.save(entry())
    meta = path.with_name(path.name.replace(".json", ".meta.json"))
    meta.write_text('{"kind": "beatframe", "outcome": "boom"}')
    with pytest.raises(UsageError) as caught:
        corpus.entries()
    assert str(caught.value).startswith(f"corpus file {str(meta)!r} is not valid metadata (")
    assert str(caught.value).endswith("); fix it, or delete it and its message file")


def test_a_file_as_root_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    with pytest.raises(UsageError, match=r"is a file; give a folder path$"):
        Corpus(tmp_path / "f")


def test_saved_messages_are_plain_message_files(tmp_path: Path) -> None:
    example = sorted(EXAMPLES.glob("beatframe*.json"))[0].read_bytes()
    path = Corpus(tmp_path).save(
        entry(example, rule=None, expected=Expected.ACCEPT, outcome=Outcome.FALSE_REJECT)
    )
    assert MessageValidator().validate_file(path).valid


def test_write_atomic_replaces_whole_and_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    write_atomic(target, b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    (tmp_path / "a-folder").mkdir()
    with pytest.raises(OSError):
        write_atomic(tmp_path / "a-folder", b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder", "report.json"]


# -- many processes, one corpus ---------------------------------------------------------------

WRITERS, PER_WRITER, DISTINCT = 4, 50, 120


def concurrent_entry(n: int) -> CorpusEntry:
    kind = ("beatframe", "statusclaim")[n % 2]
    rule = ("hlc.pattern", None, "json.nan")[n % 3]
    return entry(
        b'{"n": %d, "pad": "%s"}' % (n, b"x" * 2000),
        kind=kind,
        rule=rule,
        expected=Expected.ACCEPT if rule is None else Expected.REJECT,
        outcome=(Outcome.FALSE_ACCEPT, Outcome.CRASH)[n % 2],
    )


def write_some(root: str, writer: int) -> int:
    corpus = Corpus(root)
    for i in range(PER_WRITER):
        corpus.save(concurrent_entry((writer * 23 + i * (writer + 1)) % DISTINCT))
    return writer


def test_many_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    expected = {
        concurrent_entry((w * 23 + i * (w + 1)) % DISTINCT)
        for w in range(WRITERS)
        for i in range(PER_WRITER)
    }
    corpus = Corpus(tmp_path)
    context = multiprocessing.get_context("spawn")
    with context.Pool(WRITERS) as pool:
        pending = pool.starmap_async(write_some, [(str(tmp_path), w) for w in range(WRITERS)])
        while not pending.ready():
            for seen in corpus.entries():  # a reader never sees a half-written entry
                assert seen in expected
        assert sorted(pending.get()) == list(range(WRITERS))
    loaded = corpus.entries()
    assert len(loaded) == len(expected)
    assert set(loaded) == expected
    assert not list(tmp_path.rglob("*.tmp"))


def test_an_entry_with_a_signature_is_one_file_per_bug(tmp_path: Path) -> None:
    """Named after its cause: the shrunk message replaces the first one seen, and campaigns
    sharing a corpus converge on one entry per finding."""
    corpus = Corpus(tmp_path)
    signature = "crash: KeyError at mysvc/handler.py:12 in handle"
    first = replace(entry(), outcome=Outcome.CRASH, signature=signature, data=b'{"a":1}')
    shrunk = replace(first, data=b"{}", fields=("a",), location="mysvc/handler.py:12")
    path = corpus.save(first)
    assert path.name == f"crash--KeyError_at_mysvc_handler.py_12_in_handle--{first.digest}.json"
    assert corpus.save(shrunk) == path
    (only,) = corpus.entries()
    assert (only.data, only.fields, only.location) == (b"{}", ("a",), "mysvc/handler.py:12")
    assert first.digest == shrunk.digest != replace(first, signature="crash: other").digest


def test_a_probe_entry_expects_either_verdict(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path)
    corpus.save(replace(entry(), rule="json.too_deep", expected=Expected.EITHER))
    assert corpus.entries()[0].expected is Expected.EITHER
