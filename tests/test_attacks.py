"""The attack suite: hostile schema folders, corpora, URLs and patterns, each with the behaviour
``docs/security.md`` promises (exit 2 and one line for bad input, nothing written outside the
corpus, nothing sent that is not a corpus entry, bounded time).

Each test is one attack a security review of issue 11 tried; the docs link to them by name.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from _attacks import (
    PACKAGED,
    Recorder,
    assert_one_line_error,
    entry_files,
    fuzz_cli,
    recording_server,
    schema_folder,
    validate_cli,
)

FAST = ("--max-examples", "2", "--database", "none", "--seed", "1", "--no-replay")


# -- kind names: a schema file cannot name a folder outside the corpus -------------------------


@pytest.mark.parametrize(
    ("file_name", "kind"),
    [("...schema.json", ".."), (".schema.json", ""), ("a b-v1.schema.json", "a b")],
)
def test_a_kind_name_that_is_not_an_identifier_is_refused(
    tmp_path: Path, file_name: str, kind: str
) -> None:
    schemas = schema_folder(tmp_path / "schemas", {file_name: "nodots"})
    corpus = tmp_path / "work" / "corpus"
    corpus.parent.mkdir()
    result = fuzz_cli("--target", "backbeat_fuzz.demo:handle", "--schemas", schemas,
                      "--corpus", corpus, *FAST)  # fmt: skip
    assert_one_line_error(result, f"gives the kind name {kind!r}", "rename the file")
    assert sorted(os.listdir(tmp_path / "work")) == []  # nothing written, inside or out
    result = validate_cli("--schemas", schemas, "--message", "-", input='{"type": "nodots"}')
    assert_one_line_error(result, f"gives the kind name {kind!r}")


def test_two_schemas_with_one_type_const_are_refused_naming_both(tmp_path: Path) -> None:
    schemas = schema_folder(tmp_path, {"a-v1.schema.json": "x-same", "b-v1.schema.json": "x-same"})
    result = validate_cli("--schemas", schemas, "--message", "-", input='{"type": "x-same"}')
    assert_one_line_error(result, "a-v1.schema.json and ", "b-v1.schema.json both have type const")


def test_type_consts_cannot_name_a_folder_outside_the_corpus(tmp_path: Path) -> None:
    """Held before issue 11: a ``type`` const's middle part is a kind name too."""
    schemas = schema_folder(tmp_path, {"x-v1.schema.json": "vendor./.v1"})
    result = validate_cli("--schemas", schemas, "--message", "-", input="{}")
    assert_one_line_error(result, "gives the kind name '/'")


# -- replay: nothing leaves the corpus but its entries ----------------------------------------


def test_replay_never_follows_a_symlinked_entry(tmp_path: Path, recorder: Recorder) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"root:SECRET-HASH:19000:0:99999:7:::\n")
    corpus = tmp_path / "corpus"
    entry_files(corpus, "beatframe", "real", PACKAGED["beatframe"])
    evil = entry_files(corpus, "beatframe", "evil", b"{}")
    evil.unlink()
    evil.symlink_to(secret)
    entry_files(tmp_path, "elsewhere", "outside", b"OUTSIDE")
    (corpus / "statusclaim").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    result = fuzz_cli("replay", "--target", recorder.url, "--corpus", corpus)
    assert result.exit_code == 0, result.output
    assert recorder.bodies == [PACKAGED["beatframe"]]
    assert f"SKIPPED  {evil}  (a symlink: not read" in result.output
    assert f"SKIPPED  {corpus / 'statusclaim'}  (a symlinked folder: not read" in result.output


def test_replay_does_not_block_on_a_fifo_entry(tmp_path: Path, recorder: Recorder) -> None:
    corpus = tmp_path / "corpus"
    fifo = entry_files(corpus, "beatframe", "fifo", b"{}")
    fifo.unlink()
    os.mkfifo(fifo)
    started = time.monotonic()
    result = fuzz_cli("replay", "--target", recorder.url, "--corpus", corpus)
    assert time.monotonic() - started < 10
    assert result.exit_code == 0, result.output
    assert f"SKIPPED  {fifo}  (not a regular file: not read" in result.output
    assert recorder.bodies == []


def test_replay_refuses_an_oversized_entry(tmp_path: Path, recorder: Recorder) -> None:
    from backbeat_fuzz.corpus import MAX_ENTRY_BYTES

    corpus = tmp_path / "corpus"
    big = entry_files(corpus, "beatframe", "big", b"")
    with big.open("wb") as file:
        file.truncate(MAX_ENTRY_BYTES + 1)  # sparse: no disk used
    result = fuzz_cli("replay", "--target", recorder.url, "--corpus", corpus)
    assert result.exit_code == 0, result.output
    assert "(larger than 16 MiB: not read" in result.output
    assert recorder.bodies == []


@pytest.fixture
def recorder() -> Recorder:
    with recording_server() as server:
        yield server


# -- $ref: nothing is fetched, no other file is read -------------------------------------------


def _with_ref(folder: Path, ref: str) -> Path:
    schemas = schema_folder(folder, {"pulse-v1.schema.json": "x.pulse.v1"})
    schema = json.loads((schemas / "pulse-v1.schema.json").read_text(encoding="utf-8"))
    schema["properties"]["cluster_id"] = {"$ref": ref}
    (schemas / "pulse-v1.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    return schemas


@pytest.mark.parametrize("ref", ["{url}", "{url}#/definitions/x", "file:///etc/passwd"])
def test_a_ref_outside_the_schemas_folder_is_refused_unfetched(tmp_path: Path, ref: str) -> None:
    with recording_server() as server:
        schemas = _with_ref(tmp_path / "schemas", ref.format(url=server.url))
        message = '{"type": "x.pulse.v1"}'
        checked = validate_cli("--schemas", schemas, "--message", "-", input=message)
        fuzzed = fuzz_cli("--target", "backbeat_fuzz.demo:handle", "--schemas", schemas,
                          "--corpus", tmp_path / "corpus", *FAST)  # fmt: skip
        listed = fuzz_cli("mutations", "--schemas", schemas)
        assert server.paths == []
    for result in (checked, fuzzed, listed):
        assert_one_line_error(result, "leads outside the schemas folder", "/properties/cluster_id")
    assert not (tmp_path / "corpus").exists()


def test_the_oracle_alone_fetches_nothing(tmp_path: Path) -> None:
    from backbeat_fuzz.errors import SchemaError
    from backbeat_fuzz.oracle import SchemaOracle

    with recording_server() as server:
        for schema in ({"$ref": server.url}, {"anyOf": [{"not": {"$ref": server.url}}]}):
            with pytest.raises(SchemaError, match="leads outside the schemas folder"):
                SchemaOracle(schema)
        assert server.paths == []


def test_a_ref_to_another_schema_of_the_folder_resolves(tmp_path: Path) -> None:
    schemas = _with_ref(tmp_path / "schemas", "beatframe-v1.schema.json#/properties/cluster_id")
    schema_folder(schemas, {"beatframe-v1.schema.json": "backbeat.beatframe.v1"})
    message = json.loads(PACKAGED["beatframe"]) | {"type": "x.pulse.v1", "cluster_id": "bad id!"}
    result = validate_cli("--schemas", schemas, "--message", "-", input=json.dumps(message))
    assert result.exit_code == 0, result.output
    assert "[cluster_id.pattern]" in result.output


def test_a_ref_that_names_nothing_is_one_line(tmp_path: Path) -> None:
    schemas = _with_ref(tmp_path / "schemas", "#/$defs/missing")
    result = validate_cli("--schemas", schemas, "--message", "-", input="{}")
    assert_one_line_error(
        result, "'#/$defs/missing' at /properties/cluster_id/$ref does not resolve"
    )


@pytest.mark.parametrize(
    "schema",
    [
        {"$ref": "https://example.com/other.json"},
        {"$ref": "#/$defs/absent"},
        {"$dynamicRef": "#meta"},
        {"properties": {"a": {"$id": "https://example.com/a", "$ref": "b.json"}}},
        {"$defs": {"a": {}}, "properties": {"x": {"$id": "https://e.com/x", "$ref": "#/$defs/a"}}},
    ],
)
def test_an_unresolvable_ref_is_refused_when_the_oracle_is_made(schema: dict[str, object]) -> None:
    """Not a referencing traceback at the first message that reaches it."""
    from backbeat_fuzz.errors import SchemaError
    from backbeat_fuzz.oracle import SchemaOracle

    with pytest.raises(SchemaError, match=r"^the schema: \$(dynamic)?[rR]ef="):
        SchemaOracle(schema)
