"""``backbeat-validate`` driven in-process with click's CliRunner: exact output and exit codes."""

from __future__ import annotations

import io
import json
import select
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _fuzzing import sigint_reaches_children
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from backbeat_fuzz.cli._output import Checked, NdjsonPrinter
from backbeat_fuzz.cli.validate import is_message_file, main
from backbeat_fuzz.contract import packaged_schemas_dir
from backbeat_fuzz.validator import ValidationResult

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
BEATFRAME = (EXAMPLES / "valid" / "beatframe-readme.json").read_text(encoding="utf-8")
BF: dict[str, Any] = json.loads(BEATFRAME)
COMPACT = json.dumps(BF)
BAD_HLC = json.dumps({**BF, "hlc": "7ffd:0001:abcd\n"})
HLC_LINE = "  - $.hlc: hlc must match pattern XXXX:XXXX:XXXX (X a hex digit) [hlc.pattern]"
BF_TYPE = "backbeat.beatframe.v1"


def invoke(args: list[str], stdin: str | bytes | None = None) -> Result:
    """Run the command and check it never leaks a Python exception."""
    result = CliRunner().invoke(main, args, input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with a few message files, made the current directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ok.json").write_text(BEATFRAME, encoding="utf-8")
    (tmp_path / "bad.json").write_text(BAD_HLC, encoding="utf-8")
    (tmp_path / "notjson.json").write_text("hello", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    (tmp_path / "lines.jsonl").write_text(f"{COMPACT}\n\n   \n{BAD_HLC}\r\n{COMPACT}\n")
    return tmp_path


# ---------------------------------------------------------------- usage and I/O errors: exit 2

NOT_A_FILE = "does not exist or is not a file; check the path"
NOT_A_FOLDER = "is not a folder; give a folder of message files"
NO_FILES = (
    "holds no .json, .jsonl or .ndjson file (*.meta.json sidecars are skipped); check the path"
)
KINDS = "use one of: barreport, beatframe, statusclaim."

#: (arguments, the one "Error: ..." line on stderr)
ERRORS = [
    (["--file", "missing.json"], f"Error: --file 'missing.json' {NOT_A_FILE}"),
    (["--file", "empty"], f"Error: --file 'empty' {NOT_A_FILE}"),
    (["--dir", "missing"], f"Error: --dir 'missing' {NOT_A_FOLDER}"),
    (["--dir", "ok.json"], f"Error: --dir 'ok.json' {NOT_A_FOLDER}"),
    (["--dir", "empty"], f"Error: --dir 'empty' {NO_FILES}"),
    (
        ["--kind", "beatfram", "--message", "{}"],
        f"Error: unknown message kind 'beatfram'; {KINDS} Did you mean 'beatframe'?",
    ),
    (["--kind", "nope", "--file", "ok.json"], f"Error: unknown message kind 'nope'; {KINDS}"),
]


@pytest.mark.parametrize(("args", "line"), ERRORS, ids=[" ".join(a) for a, _ in ERRORS])
def test_usage_and_io_errors_exit_2_with_one_line(files: Path, args: list[str], line: str) -> None:
    result = invoke(args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == line + "\n"


@pytest.mark.parametrize("schemas", ["no-such-folder", "empty", "ok.json"])
def test_bad_schemas_folder_exits_2(files: Path, schemas: str) -> None:
    result = invoke(["--schemas", schemas, "--file", "ok.json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: schemas folder '{schemas}' ")  # as typed
    assert result.stderr.count("\n") == 1


def test_schemas_folder_with_invalid_schema_exits_2(files: Path) -> None:
    (files / "bad").mkdir()
    (files / "bad" / "x.schema.json").write_text('{"type": 12}')
    result = invoke(["--schemas", "bad", "--file", "ok.json"])
    assert result.exit_code == 2
    assert "is not a valid draft 2020-12 schema" in result.stderr


def test_no_arguments_is_a_usage_error() -> None:
    result = invoke([])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Usage: ")
    assert lines[-1] == "Error: nothing to validate; give --file, --dir or --message (try --help)"


def test_unknown_option_is_a_usage_error() -> None:
    result = invoke(["--exitcode"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: No such option '--exitcode'. Did you mean '--exit-code'?"
    )


def test_help_lists_every_option() -> None:
    result = invoke(["--help"])
    assert result.exit_code == 0
    for option in ("--schemas", "--file", "--message", "--dir", "--kind", "--json", "--quiet"):
        assert option in result.stdout
    assert "--exit-code" in result.stdout


# ---------------------------------------------------------------- results and exit codes


def out(*lines: str) -> str:
    """The expected stdout: each line ended by a newline."""
    return "".join(f"{line}\n" for line in lines)


def ok(source: str) -> str:
    return f"OK       {source}  {BF_TYPE}"


def bad(source: str, message_type: str = BF_TYPE) -> str:
    return f"INVALID  {source}  {message_type}"


def summary(valid: int, invalid: int) -> str:
    return f"{valid + invalid} checked: {valid} valid, {invalid} invalid"


def ndjson(stdout: str) -> list[dict[str, Any]]:
    """The objects of NDJSON output, one a line."""
    return [json.loads(line) for line in stdout.splitlines()]


def shown(results: list[dict[str, Any]]) -> list[str]:
    """Each JSON result's source as the text output spells it (``file`` or ``file:line``)."""
    return [
        r["source"]["file"] + ("" if r["source"]["line"] is None else f":{r['source']['line']}")
        for r in results
    ]


NOT_JSON = "  - $: not JSON: Expecting value (at character 0) [json.syntax]"
EMPTY = "  - $: the input is empty [json.empty]"
BOM = "  - $: the text starts with a UTF-8 byte-order mark (at character 0) [json.bom]"
NO_TYPE = "  - $.type: type field is required [required.type]"
UNTYPED = json.dumps({k: v for k, v in BF.items() if k != "type"})
WITH_BOM = b"\xef\xbb\xbf" + COMPACT.encode()
PACKAGED = str(packaged_schemas_dir())

#: (arguments, stdin, exit code, exact stdout)
RUNS = [
    (["--message", COMPACT], None, 0, out(ok("<message>"), summary(1, 0))),
    (["--message", "-"], BEATFRAME, 0, out(ok("<stdin>"), summary(1, 0))),
    (["--message", BAD_HLC], None, 0, out(bad("<message>"), HLC_LINE, summary(0, 1))),
    (
        ["--message", BAD_HLC, "--exit-code"],
        None,
        1,
        out(bad("<message>"), HLC_LINE, summary(0, 1)),
    ),
    (
        ["--message", "-", "--exit-code"],
        "",
        1,
        out(bad("<stdin>", "unknown type"), EMPTY, summary(0, 1)),
    ),
    (
        ["--message", "-", "--exit-code"],
        WITH_BOM,
        1,
        out(bad("<stdin>"), BOM, summary(0, 1)),  # the type is readable past the BOM
    ),
    (["--file", "ok.json"], None, 0, out(ok("ok.json"), summary(1, 0))),
    (["--file", "ok.json", "--quiet"], None, 0, ""),
    (["--file", "ok.json", "--quiet", "--exit-code"], None, 0, ""),
    (["--file", "bad.json", "--quiet"], None, 0, out(bad("bad.json"), HLC_LINE, summary(0, 1))),
    (
        ["--file", "ok.json", "--file", "bad.json", "--exit-code", "--quiet"],
        None,
        1,
        out(bad("bad.json"), HLC_LINE, summary(1, 1)),
    ),
    (
        ["--file", "notjson.json"],
        None,
        0,
        out(bad("notjson.json", "unknown type"), NOT_JSON, summary(0, 1)),
    ),
    (
        ["--file", "notjson.json", "--exit-code"],
        None,
        1,
        out(bad("notjson.json", "unknown type"), NOT_JSON, summary(0, 1)),
    ),
    (
        ["--file", "lines.jsonl", "--exit-code"],
        None,
        1,
        out(
            ok("lines.jsonl:1"), bad("lines.jsonl:4"), HLC_LINE, ok("lines.jsonl:5"), summary(2, 1)
        ),
    ),
    (
        ["--message", UNTYPED, "--kind", "beatframe"],
        None,
        0,
        out(bad("<message>"), NO_TYPE, summary(0, 1)),
    ),
    (
        ["--message", COMPACT, "--kind", BF_TYPE.upper()],
        None,
        0,
        out(ok("<message>"), summary(1, 0)),
    ),
    (["--message", COMPACT, "--schemas", PACKAGED], None, 0, out(ok("<message>"), summary(1, 0))),
]


@pytest.mark.parametrize(("args", "stdin", "code", "stdout"), RUNS)
def test_run_prints_results_and_exits(
    files: Path, args: list[str], stdin: str | bytes | None, code: int, stdout: str
) -> None:
    result = invoke(args, stdin)
    assert (result.exit_code, result.stdout, result.stderr) == (code, stdout, "")


def test_kind_validates_against_that_kinds_schema() -> None:
    result = invoke(["--message", COMPACT, "--kind", "statusclaim", "--exit-code"])
    assert result.exit_code == 1
    assert "[type.const]" in result.stdout
    assert "[required.agent_id]" in result.stdout


def test_ndjson_lines_are_numbered_and_blank_lines_skipped(files: Path) -> None:
    (files / "m.ndjson").write_bytes(b"\n" + COMPACT.encode() + b"\n\n{oops\n")
    result = invoke(["--file", "m.ndjson", "--json"])
    sources = [(r["source"], r["valid"]) for r in ndjson(result.stdout)[:-1]]
    assert sources == [
        ({"file": "m.ndjson", "line": 2}, True),
        ({"file": "m.ndjson", "line": 4}, False),
    ]


def test_undecodable_argument_bytes_are_reported_as_invalid_utf8() -> None:
    text = COMPACT.replace("chorus-prod", "chorus-pr\udcf6d")  # how Python decodes a stray 0xf6
    result = invoke(["--message", text, "--exit-code"])
    assert result.exit_code == 1
    assert "invalid UTF-8: invalid start byte" in result.stdout
    assert "[json.invalid_utf8]" in result.stdout


# ---------------------------------------------------------------- --json


def test_json_output_structure(files: Path) -> None:
    result = invoke(["--file", "ok.json", "--file", "bad.json", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "results": [
            {
                "source": {"file": "ok.json", "line": None},
                "valid": True,
                "message_type": BF_TYPE,
                "errors": [],
            },
            {
                "source": {"file": "bad.json", "line": None},
                "valid": False,
                "message_type": BF_TYPE,
                "errors": [
                    {
                        "path": "$.hlc",
                        "rule": "hlc.pattern",
                        "message": "hlc must match pattern XXXX:XXXX:XXXX (X a hex digit)",
                    }
                ],
            },
        ],
        "summary": {"total": 2, "valid": 1, "invalid": 1},
    }


def test_json_quiet_lists_only_invalid_results_but_counts_all(files: Path) -> None:
    result = invoke(["--file", "ok.json", "--file", "bad.json", "--json", "--quiet", "--exit-code"])
    doc = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [r["source"] for r in doc["results"]] == [{"file": "bad.json", "line": None}]
    assert doc["summary"] == {"total": 2, "valid": 1, "invalid": 1}


def test_json_keeps_non_ascii_text() -> None:
    result = invoke(["--message", json.dumps({**BF, "type": "backbeat.béat.v1"}), "--json"])
    assert "'backbeat.béat.v1' is unknown" in result.stdout  # not \u00e9
    assert json.loads(result.stdout)["results"][0]["errors"][0]["rule"] == "type.const"


# ---------------------------------------------------------------- --dir


def test_dir_validates_every_valid_example() -> None:
    count = len(list((EXAMPLES / "valid").iterdir()))
    result = invoke(["--dir", str(EXAMPLES / "valid"), "--exit-code"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[-1] == f"{count} checked: {count} valid, 0 invalid"
    assert all(line.startswith("OK       ") for line in lines[:-1])
    assert len(lines) == count + 1


def test_dir_finds_every_invalid_example() -> None:
    count = len(list((EXAMPLES / "invalid").iterdir()))
    result = invoke(["--dir", str(EXAMPLES / "invalid"), "--json", "--exit-code"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["summary"] == {"total": count, "valid": 0, "invalid": count}


def test_dir_walks_subfolders_in_order_and_skips_other_files(files: Path) -> None:
    tree = files / "tree"
    (tree / "b" / "deep").mkdir(parents=True)
    (tree / "a.json").write_text(COMPACT)
    (tree / "b" / "deep" / "c.ndjson").write_text(COMPACT + "\n")
    (tree / "b" / "notes.txt").write_text("not a message")
    (tree / "b" / "folder.json").mkdir()
    result = invoke(["--dir", "tree", "--json"])
    assert shown(ndjson(result.stdout)[:-1]) == ["tree/a.json", "tree/b/deep/c.ndjson:1"]


def test_dir_skips_meta_json_sidecars(files: Path) -> None:
    corpus = files / "corpus"
    corpus.mkdir()
    (corpus / "0a1b.json").write_text(COMPACT)
    (corpus / "0a1b.meta.json").write_text('{"found_by": "fuzz", "rule": "hlc.pattern"}')
    result = invoke(["--dir", "corpus", "--exit-code"])
    assert result.exit_code == 0
    assert result.stdout == f"OK       corpus/0a1b.json  {BF_TYPE}\n1 checked: 1 valid, 0 invalid\n"


def test_a_sidecar_named_with_file_is_still_validated(files: Path) -> None:
    (files / "x.meta.json").write_text('{"found_by": "fuzz"}')
    result = invoke(["--file", "x.meta.json", "--exit-code", "--quiet"])
    assert result.exit_code == 1
    assert "[required.type]" in result.stdout


def test_dir_of_only_sidecars_is_empty(files: Path) -> None:
    (files / "empty" / "x.meta.json").write_text("{}")
    result = invoke(["--dir", "empty"])
    assert result.exit_code == 2
    assert "holds no .json" in result.stderr


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("m.json", True),
        ("m.jsonl", True),
        ("m.ndjson", True),
        ("m.meta.json", False),
        ("m.JSON", False),
        ("m.json.bak", False),
        ("m.txt", False),
        (".json", False),
        ("beatframe--hlc.pattern--x.json", True),
    ],
)
def test_is_message_file(name: str, expected: bool) -> None:
    assert is_message_file(name) is expected


def test_dir_does_not_follow_symlinked_folders(files: Path) -> None:
    loop = files / "loop"
    loop.mkdir()
    (loop / "m.json").write_text(COMPACT)
    (loop / "again").symlink_to(loop, target_is_directory=True)
    result = invoke(["--dir", "loop", "--json"])
    assert shown(json.loads(result.stdout)["results"]) == ["loop/m.json"]


def test_dir_and_file_and_message_together(files: Path) -> None:
    result = invoke(["--message", COMPACT, "--file", "ok.json", "--dir", "empty", "--dir", "."])
    assert result.exit_code == 2  # the empty folder is an error even beside others
    result = invoke(["--message", COMPACT, "--file", "ok.json", "--dir", ".", "--json"])
    assert shown(ndjson(result.stdout)[:-1]) == [
        "<message>", "ok.json", "bad.json", "lines.jsonl:1", "lines.jsonl:4", "lines.jsonl:5",
        "notjson.json", "ok.json",
    ]  # fmt: skip


# ---------------------------------------------------------------- streaming (issue 9, point 4)

BIN = Path(sys.executable).parent
VALIDATE = str(BIN / "backbeat-validate")
BR_INFINITY = json.dumps(
    {**json.loads((EXAMPLES / "valid" / "barreport-readme.json").read_text()), "x": 1}
).replace('"x": 1', '"x": Infinity')


class Feed:
    """``backbeat-validate`` with stdin and stdout as pipes, fed a line at a time by the test
    (as a live subscription would), and its output read as it comes."""

    def __init__(self, *args: str) -> None:
        with sigint_reaches_children():  # a test sends it Ctrl-C
            self.proc = subprocess.Popen(
                [VALIDATE, *args],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                bufsize=0,  # unbuffered: select() sees every line not yet read
            )

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def read_line(self, timeout: float = 30) -> str:
        """The next line the tool prints, failing if none comes within *timeout* seconds."""
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        assert ready, "no output while the input is still open: the results do not stream"
        return self.proc.stdout.readline().decode()

    def close(self) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=60)
        return self.proc.returncode, out.decode(), err.decode()


def test_results_of_a_live_feed_are_printed_before_the_input_ends() -> None:
    feed = Feed("--message", "-", "--exit-code")
    feed.send(COMPACT)
    feed.send(BAD_HLC)  # the second line makes stdin NDJSON: both results come at once
    assert feed.read_line() == ok("<stdin>:1") + "\n"
    assert feed.read_line() == bad("<stdin>:2") + "\n"
    assert feed.read_line() == HLC_LINE + "\n"
    feed.send(COMPACT)
    assert feed.read_line() == ok("<stdin>:3") + "\n"
    assert feed.close() == (1, summary(2, 1) + "\n", "")


def test_a_live_feed_streams_ndjson_results_with_json() -> None:
    feed = Feed("--message", "-", "--json", "--quiet")
    feed.send(BAD_HLC)
    feed.send(COMPACT)
    first = json.loads(feed.read_line())
    assert (first["source"], first["valid"]) == ({"file": "<stdin>", "line": 1}, False)
    feed.send(BR_INFINITY)
    third = json.loads(feed.read_line())
    assert third["source"] == {"file": "<stdin>", "line": 3}
    assert third["message_type"] == "backbeat.barreport.v1"  # issue 10: not "unknown type"
    code, out, _ = feed.close()
    assert (code, json.loads(out)) == (0, {"summary": {"total": 3, "valid": 1, "invalid": 2}})


def _interrupted_after_two_lines() -> tuple[int, str, str]:
    """A feed of two valid lines, each answered, then Ctrl-C: its exit code, stdout, stderr."""
    feed = Feed("--message", "-")
    feed.send(COMPACT)
    feed.send(COMPACT)
    assert feed.read_line() == ok("<stdin>:1") + "\n"
    assert feed.read_line() == ok("<stdin>:2") + "\n"
    feed.proc.send_signal(signal.SIGINT)
    return feed.close()


def test_an_interrupted_feed_prints_the_summary_so_far_and_exits_130() -> None:
    code, out, err = _interrupted_after_two_lines()
    assert (code, out) == (130, summary(2, 0) + "\n")
    assert err.startswith("interrupted: ") and err.count("\n") == 1


def test_a_ctrl_c_that_lands_as_the_input_ends_still_prints_the_summary() -> None:
    """The signal and the end of input arrive together (communicate() closes stdin at once):
    the read returns first and the interrupt lands as the summary is about to be written."""
    for _ in range(5):
        code, out, err = _interrupted_after_two_lines()
        assert (code, out) == (130, summary(2, 0) + "\n"), err


def test_a_closed_output_pipe_ends_the_run_quietly(tmp_path: Path) -> None:
    (tmp_path / "m.jsonl").write_text((COMPACT + "\n") * 20_000)
    reader = subprocess.Popen(["head", "-n", "1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    proc = subprocess.run(
        [VALIDATE, "--file", str(tmp_path / "m.jsonl")],
        stdout=reader.stdin,
        stderr=subprocess.PIPE,
        timeout=120,
        check=False,
    )
    assert reader.stdin is not None and reader.stdout is not None
    reader.stdin.close()
    with reader.stdout:
        assert reader.stdout.read().decode() == ok(f"{tmp_path / 'm.jsonl'}:1") + "\n"
    assert reader.wait(timeout=30) == 0
    assert (proc.returncode, proc.stderr) == (141, b"")


#: Run the command, then report its process's peak resident memory in KiB on stderr: VmHWM,
#: which exec resets (ru_maxrss keeps the peak of the process that forked it).
_PEAK = """
import sys
from backbeat_fuzz.cli.validate import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
with open("/proc/self/status") as status:
    print(next(line for line in status if line.startswith("VmHWM:")).split()[1], file=sys.stderr)
"""


def _peak_kib(path: Path) -> int:
    proc = subprocess.run(
        [sys.executable, "-c", _PEAK, "--file", str(path), "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert proc.stdout.endswith(" invalid\n") or proc.stdout == "", proc.stdout
    return int(proc.stderr.split()[-1])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_memory_stays_flat_whatever_the_number_of_lines(tmp_path: Path) -> None:
    """20,000 and then 80,000 lines (6 and 24 MB): reading the whole file, or keeping every
    result, would add tens of MiB; a stream adds nothing."""
    lines = [COMPACT, BAD_HLC, COMPACT.replace('"chorus-prod"', '"chorus-dev"')]
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    small.write_text("\n".join(lines[i % 3] for i in range(20_000)) + "\n")
    large.write_text("\n".join(lines[i % 3] for i in range(80_000)) + "\n")
    grown = _peak_kib(large) - _peak_kib(small)
    assert grown < 4 * 1024, f"peak memory grew by {grown} KiB for 60,000 more lines"


# ---------------------------------------------------------------- NDJSON and the JSON format


def test_json_output_of_a_line_file_is_ndjson(files: Path) -> None:
    result = invoke(["--file", "lines.jsonl", "--json"])
    *results, last = ndjson(result.stdout)
    assert [(r["source"], r["valid"]) for r in results] == [
        ({"file": "lines.jsonl", "line": 1}, True),
        ({"file": "lines.jsonl", "line": 4}, False),
        ({"file": "lines.jsonl", "line": 5}, True),
    ]
    assert results[1]["errors"][0]["rule"] == "hlc.pattern"
    assert last == {"summary": {"total": 3, "valid": 2, "invalid": 1}}


def test_quiet_ndjson_lists_only_invalid_lines(files: Path) -> None:
    result = invoke(["--file", "lines.jsonl", "--json", "--quiet", "--exit-code"])
    assert result.exit_code == 1
    assert shown(ndjson(result.stdout)[:-1]) == ["lines.jsonl:4"]


@settings(max_examples=200, deadline=None)
@given(
    file=st.text(),
    line=st.none() | st.integers(1, 10**12),
    message_type=st.none() | st.sampled_from([BF_TYPE, 'a "quoted" type\u2028']),
)
def test_a_valid_ndjson_line_is_spelled_as_json_dumps_spells_it(
    file: str, line: int | None, message_type: str | None
) -> None:
    """The valid line kept in two pieces is the text json.dumps makes, every time it is used."""
    buffer = io.StringIO()
    printer = NdjsonPrinter(buffer, quiet=False)
    result = ValidationResult(True, message_type)
    numbers = [line, None if line is None else line + 1]
    for number in numbers:
        printer.result(file, number, result)
    printer.finish()
    written = buffer.getvalue().split("\n")  # not splitlines: U+2028 is kept raw
    expected = [Checked(file, n, result).to_dict() for n in numbers]
    assert written[:2] == [json.dumps(e, ensure_ascii=False) for e in expected]


@pytest.mark.parametrize(
    "args",
    [
        ["--file", "ok.json", "--file", "bad.json", "--json"],
        ["--file", "ok.json", "--json", "--quiet"],  # no result shown: "results": []
        ["--message", "-", "--json"],
    ],
)
def test_a_json_document_is_spelled_as_json_dumps_spells_it(files: Path, args: list[str]) -> None:
    result = invoke(args, BEATFRAME)
    assert result.stdout == json.dumps(json.loads(result.stdout), indent=2) + "\n"


@pytest.mark.parametrize(
    ("stdin", "sources"),
    [
        (COMPACT + "\n", ["<stdin>"]),  # one line: one message, as before
        (COMPACT + "\n\n  \n", ["<stdin>"]),
        (BEATFRAME, ["<stdin>"]),  # pretty-printed: its first line is not a whole JSON text
        (f"\n{COMPACT}\n\n{BAD_HLC}\n", ["<stdin>:2", "<stdin>:4"]),
        (f"{COMPACT}\r\n{{oops\r\n", ["<stdin>:1", "<stdin>:2"]),
        (f"{{oops\n{COMPACT}\n", ["<stdin>:1", "<stdin>:2"]),  # broken before its end: a line
        ('{"type": "backbeat.beatframe.v1",\n "hlc": 1}\n', ["<stdin>"]),
    ],
    ids=repr,
)
def test_stdin_is_one_message_or_ndjson(stdin: str, sources: list[str]) -> None:
    result = invoke(["--message", "-", "--json"], stdin)
    found = ndjson(result.stdout)[:-1] if len(sources) > 1 else json.loads(result.stdout)["results"]
    assert shown(found) == sources


def test_a_json_text_error_names_the_type_it_declares(files: Path) -> None:
    (files / "m.jsonl").write_text(f"{BR_INFINITY}\n{{oops\n")
    result = invoke(["--file", "m.jsonl"])
    lines = result.stdout.splitlines()
    assert lines[0] == "INVALID  m.jsonl:1  backbeat.barreport.v1"
    assert lines[1].endswith("[json.infinity]")
    assert lines[2] == "INVALID  m.jsonl:2  unknown type"


# ---------------------------------------------------------------- --dir and symbolic links


def test_a_symlink_loop_in_a_folder_is_one_line_and_exit_2(files: Path) -> None:
    (files / "empty" / "m.json").write_text(COMPACT)
    (files / "empty" / "a.json").symlink_to("b.json")
    (files / "empty" / "b.json").symlink_to("a.json")
    result = invoke(["--dir", "empty"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: --dir 'empty': 'empty/a.json' is a symbolic link loop; "
        "remove it or point it at a message file\n"
    )


def test_a_broken_symlink_in_a_folder_is_one_line_and_exit_2(files: Path) -> None:
    (files / "empty" / "gone.json").symlink_to("nowhere.json")
    result = invoke(["--dir", "empty"])
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --dir 'empty': 'empty/gone.json' is a broken symbolic link; "
        "remove it or point it at a message file\n"
    )


def test_dir_reads_no_symlink_out_of_its_folder(files: Path) -> None:
    """A link to a file outside is skipped with a warning, never read (the outside file here
    would be reported invalid if it were); a link to a file inside is read under its name."""
    tree = files / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "m.json").write_text(COMPACT)
    (tree / "inside.json").symlink_to("m.json")
    (tree / "outside.json").symlink_to(files / "notjson.json")
    (tree / "up").symlink_to(files, target_is_directory=True)
    (tree / "sub" / "again").symlink_to(tree, target_is_directory=True)
    result = invoke(["--dir", "tree", "--exit-code"])
    assert (result.exit_code, result.stdout) == (
        0,
        out(ok("tree/inside.json"), ok("tree/m.json"), summary(2, 0)),
    )
    assert result.stderr == (
        "warning: skipped 'tree/outside.json': a symbolic link out of --dir 'tree' "
        "(--dir reads nothing outside its folder; name the file with --file to check it)\n"
    )


def test_file_follows_the_symlink_it_is_given(files: Path) -> None:
    (files / "link.json").symlink_to(files / "ok.json")
    assert invoke(["--file", "link.json"]).stdout == out(ok("link.json"), summary(1, 0))
