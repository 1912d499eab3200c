"""Failure signatures: one cause gives one signature whatever the message, two causes give two.

Python targets run ``consumers.causes`` (its functions name their bugs); ``cmd:`` and
``http://`` targets are small programs and a local service.
"""

from __future__ import annotations

import shlex
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from _fuzzing import CONSUMERS, put_consumers_on_path
from hypothesis import given, settings
from hypothesis import strategies as st

from backbeat_fuzz import MessageValidator
from backbeat_fuzz.campaign.observations import contract_words, signature_of
from backbeat_fuzz.harness import CampaignConfig, run_campaign
from backbeat_fuzz.model import Outcome, Verdict
from backbeat_fuzz.signature import cause_line, mask_values
from backbeat_fuzz.targets import Response, Target, load_target

SOURCE = (CONSUMERS / "causes.py").read_text().splitlines()


def line_of(text: str) -> int:
    """The line of consumers/causes.py that holds *text*."""
    return next(n for n, line in enumerate(SOURCE, 1) if text in line)


def at(function: str, text: str) -> str:
    return f"consumers/causes.py:{line_of(text)} in {function}"


@pytest.fixture(scope="module")
def on_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        put_consumers_on_path(monkeypatch, tmp_path_factory.mktemp("work"))
        yield


@pytest.fixture(scope="module")
def rejections(on_path: None) -> Iterator[Target]:
    with load_target("consumers.causes:two_rejections") as target:
        yield target


def call(target: Target, text: str) -> Response:
    return target.call(text.encode())


# -- Python targets ---------------------------------------------------------------------------


def test_a_rejection_a_library_raised_is_signed_by_its_call_site_alone(on_path: None) -> None:
    """fromisoformat words each input its own way (a leap second, an offset): one bug."""
    forms = ("2025-09-05T23:59:60Z", "2025-13-05T12:30:00Z", "2025-09-05T12:30:00+24:00")
    with load_target("consumers.causes:library_rejects") as target:
        responses = [call(target, f'{{"deadline_at": "{form}"}}') for form in forms]
    assert {r.verdict for r in responses} == {Verdict.REJECTED}
    assert len({r.detail for r in responses}) > 1  # the messages differ...
    assert {r.signature for r in responses} == {  # ...the cause does not
        f"ValueError at {at('library_rejects', 'with the input')}"
    }


def test_one_raise_site_is_one_signature_whatever_the_numbers(rejections: Target) -> None:
    low = [call(rejections, f'{{"hlc": "abcd:0001:abcd", "tempo_bpm": {t}}}') for t in (0.1, 0.05)]
    assert {r.verdict for r in low} == {Verdict.REJECTED}
    assert {r.signature for r in low} == {
        f"ValueError at {at('check_tempo', 'too low')}: tempo <N> too low"
    }
    assert [r.detail for r in low] == [
        "ValueError: tempo 0.1 too low",
        "ValueError: tempo 0.05 too low",
    ]
    assert low[0].location == f"consumers/causes.py:{line_of('too low')}"


@settings(max_examples=20, deadline=None)
@given(hlc=st.from_regex(r"[A-F]{4}:[0-9]{4}:[a-f]{4}", fullmatch=True))
def test_quoted_values_do_not_split_a_signature(rejections: Target, hlc: str) -> None:
    response = call(rejections, f'{{"hlc": "{hlc}", "tempo_bpm": 5}}')
    assert response.signature == f"ValueError at {at('check_hlc', 'bad hlc')}: bad hlc <str>"


def test_two_raise_sites_are_two_signatures(rejections: Target) -> None:
    hlc = call(rejections, '{"hlc": "ABCD:0001:abcd", "tempo_bpm": 5}')
    tempo = call(rejections, '{"hlc": "abcd:0001:abcd", "tempo_bpm": 0.1}')
    assert hlc.signature != tempo.signature
    assert (hlc.location, tempo.location) == (
        f"consumers/causes.py:{line_of('bad hlc')}",
        f"consumers/causes.py:{line_of('too low')}",
    )


def test_a_rejection_by_return_is_returned_false(on_path: None) -> None:
    with load_target("consumers.causes:returns_false") as target:
        response = target.call(b"{}")
    assert (response.verdict, response.detail, response.signature) == (
        Verdict.REJECTED,
        "returned False",
        "returned False",
    )


def test_a_message_no_utf8_can_carry_is_shown_escaped(on_path: None) -> None:
    with load_target("consumers.causes:lone_surrogate") as target:
        response = target.call(b"{}")
    assert response.detail == "ValueError: bad agent_id \\udcff"
    assert response.signature.endswith(": bad agent_id \\udcff")
    response.signature.encode("utf-8")  # printable and writable as it is


def test_two_missing_fields_on_one_line_are_two_crash_signatures(on_path: None) -> None:
    with load_target("consumers.causes:two_keys") as target:
        hlc, tempo = target.call(b"{}"), target.call(b'{"hlc": 1}')
        again = target.call(b'{"tempo_bpm": 2}')
    where = at("two_keys", "message[field]")
    assert (hlc.signature, tempo.signature) == (
        f"KeyError at {where}: 'hlc'",
        f"KeyError at {where}: 'tempo_bpm'",
    )
    assert again.signature == hlc.signature
    assert hlc.detail == f"KeyError: 'hlc' (at {where})"
    assert "Traceback (most recent call last)" in hlc.output
    assert hlc.output.rstrip().endswith("KeyError: 'hlc'")


def test_a_crash_signature_ignores_its_message(on_path: None) -> None:
    with load_target("consumers.causes:not_an_object") as target:
        crashes = [target.call(data) for data in (b"[]", b'"text"', b"12")]
    assert {r.verdict for r in crashes} == {Verdict.CRASH}
    assert {r.signature for r in crashes} == {f"AttributeError at {at('not_an_object', '.get(')}"}
    assert len({r.detail for r in crashes}) == 3  # the detail still says what each one was


def test_a_hang_is_signed_by_the_function_it_hung_in(on_path: None) -> None:
    with load_target("consumers.causes:hangs", timeout=0.3) as target:
        in_regex = target.call(b'{"agent_id": "' + b"a" * 40 + b'!"}')
        in_python = target.call(b"{}")
    assert (in_regex.verdict, in_regex.detail) == (Verdict.HANG, "no answer within 0.3s")
    assert in_regex.signature == "hang at consumers/causes.py in match_agent"
    assert in_python.signature == "hang at consumers/causes.py in spin"  # on either line
    assert in_regex.location == f"consumers/causes.py:{line_of('(a+)+')}"
    assert "in match_agent" in in_regex.output
    assert len(in_regex.output) <= 4100


def test_a_hang_is_signed_by_the_main_thread(on_path: None) -> None:
    with load_target("consumers.causes:sleeps_in_a_thread", timeout=0.3) as target:
        response = target.call(b"{}")
        after = target.call(b"{}")
    assert response.signature == "hang at consumers/causes.py in sleeps_in_a_thread"
    assert response.location == f"consumers/causes.py:{line_of('worker.join()')}"
    assert after.verdict is Verdict.HANG  # a fresh worker each time: the next call was made


def test_a_fatal_signal_is_signed_by_where_it_struck(on_path: None) -> None:
    with load_target("consumers.causes:segfaults") as target:
        response = target.call(b"{}")
    assert (response.verdict, response.detail) == (
        Verdict.CRASH,
        "the worker process died: killed by SIGSEGV",
    )
    assert response.signature == f"killed by SIGSEGV at {at('read_null', 'string_at(0)')}"


PROJECT = {
    "src/mysvc/__init__.py": "",
    "src/mysvc/handler.py": (
        "import json\n\nfrom helperlib import check\n\n\n"
        "def handle(text):\n    return check(json.loads(text))\n"
    ),
    "vendor/site-packages/helperlib.py": "def check(message):\n    return message['hlc']\n",
}


def _project(root: Path) -> None:
    for name, text in PROJECT.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


@pytest.mark.parametrize("cwd", ["project", "elsewhere"])
def test_own_code_in_a_src_layout_is_the_consumer_not_its_libraries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cwd: str
) -> None:
    _project(tmp_path / "project")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / cwd)
    paths = [tmp_path / "project/src", tmp_path / "project/vendor/site-packages"]
    monkeypatch.setenv("PYTHONPATH", ":".join(map(str, paths)))
    with load_target("mysvc.handler:handle") as target:
        response = target.call(b"{}")
    # the KeyError is raised in helperlib (a site-packages folder): the frame is the caller's
    assert response.signature == "KeyError at mysvc/handler.py:7 in handle: 'hlc'"
    assert response.location == "mysvc/handler.py:7"


def test_a_consumer_installed_in_site_packages_still_gets_its_own_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "lib/site-packages"
    (site / "mysvc").mkdir(parents=True)
    (site / "mysvc/__init__.py").write_text("")
    (site / "mysvc/handler.py").write_text(
        "import json\n\ndef handle(text):\n    return json.loads(text)['hlc']\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(site))
    with load_target("mysvc.handler:handle") as target:
        crash, rejected = target.call(b"{}"), target.call(b"{")
    assert crash.signature == "KeyError at mysvc/handler.py:4 in handle: 'hlc'"
    # the JSONDecodeError is raised in the standard library: the frame is still the consumer's,
    # and its message (which words the input) is not part of the cause
    assert rejected.signature == "JSONDecodeError at mysvc/handler.py:4 in handle"


# -- cmd: targets -----------------------------------------------------------------------------

REASONS = """
import json, sys
message = json.loads(sys.stdin.read())
print("checking", message, file=sys.stderr)
if message.get("hlc") != "abcd:0001:abcd":
    print(f"bad hlc {message.get('hlc')!r}", file=sys.stderr)
    sys.exit(3)
if message.get("tempo_bpm", 1) <= 0.1:
    print(f"tempo {message['tempo_bpm']} too low", file=sys.stderr)
    sys.exit(3)
"""


def test_command_signatures_are_the_exit_and_the_last_stderr_line(tmp_path: Path) -> None:
    script = tmp_path / "reasons.py"
    script.write_text(REASONS)
    with load_target(f"cmd:{sys.executable} {script}") as target:
        hlc = [target.call(f'{{"hlc": "{h}"}}'.encode()) for h in ("ABCD:0001:abcd", "12-x")]
        tempo = [
            target.call(f'{{"hlc": "abcd:0001:abcd", "tempo_bpm": {t}}}'.encode()) for t in (0.1, 0)
        ]
        fine = target.call(b'{"hlc": "abcd:0001:abcd"}')
    assert {r.signature for r in hlc} == {"exit code 3: bad hlc <str>"}
    assert {r.signature for r in tempo} == {"exit code 3: tempo <N> too low"}
    assert hlc[0].detail == "exit code 3 (stderr: bad hlc 'ABCD:0001:abcd')"
    assert hlc[0].output.splitlines() == [
        "checking {'hlc': 'ABCD:0001:abcd'}",
        "bad hlc 'ABCD:0001:abcd'",
    ]
    assert (fine.verdict, fine.signature) == (Verdict.ACCEPTED, "")


@pytest.mark.parametrize(
    ("spec", "verdict", "signature"),
    [
        (
            "cmd:sh -c 'cat >/dev/null; echo boom >&2; kill -SEGV $$'",
            Verdict.CRASH,
            "killed by SIGSEGV: boom",
        ),
        ("cmd:sh -c 'cat >/dev/null; exit 2'", Verdict.REJECTED, "exit code 2"),
    ],
)
def test_command_signature_forms(spec: str, verdict: Verdict, signature: str) -> None:
    with load_target(spec) as target:
        response = target.call(b"{}")
    assert (response.verdict, response.signature) == (verdict, signature)


def test_command_output_is_the_last_ten_stderr_lines() -> None:
    spec = "cmd:sh -c 'cat >/dev/null; for i in $(seq 1 30); do echo line $i >&2; done; exit 1'"
    with load_target(spec) as target:
        response = target.call(b"{}")
    assert response.output.splitlines() == [f"line {i}" for i in range(21, 31)]
    assert response.signature == "exit code 1: line <N>"


#: What runtimes write to stderr when a program dies of an uncaught error, and the line that
#: names the cause: every line after it (frames, Node.js's version, Go's goroutines, Rust's
#: hint) is the same whatever the cause, so signing by the last line made every bug one.
DEATHS = {
    "node": (
        "/srv/c.js:3\n  throw new Error('beats_left must be positive');\n  ^\n\n"
        "Error: beats_left must be positive\n    at Object.<anonymous> (/srv/c.js:3:9)\n"
        "    at node:internal/main/run_main_module:28:49\n\nNode.js v20.20.2",
        "Error: beats_left must be positive",
    ),
    "node, an error with properties": (
        "Error: Cannot find module '/srv/x.js'\n    at Module._load (node:internal/x:1:2)\n"
        "    at node:internal/main/run_main_module:28:49 {\n  code: 'MODULE_NOT_FOUND',\n"
        "  requireStack: []\n}\n\nNode.js v20.20.2",
        "Error: Cannot find module '/srv/x.js'",
    ),
    "go": (
        "panic: assignment to entry in nil map\n\ngoroutine 1 [running]:\nmain.handle(...)\n"
        "\t/srv/main.go:12\nmain.main()\n\t/srv/main.go:26 +0xd6",
        "panic: assignment to entry in nil map",
    ),
    "go, a nil dereference": (
        "panic: runtime error: invalid memory address or nil pointer dereference\n"
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x47e5a1]\n\n"
        "goroutine 1 [running]:\nmain.(*checker).issues(0xc000012345)\n\t/srv/k.go:9 +0x21\n"
        "exit status 2",
        "panic: runtime error: invalid memory address or nil pointer dereference",
    ),
    "java": (
        'Exception in thread "main" java.lang.IllegalStateException: bad hlc\n'
        "\tat Consumer.check(Consumer.java:12)\n\t... 3 more",
        'Exception in thread "main" java.lang.IllegalStateException: bad hlc',
    ),
    "rust": (
        "thread 'main' panicked at src/main.rs:5:9:\nbad hlc\n"
        "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace",
        "bad hlc",
    ),
    "python": (
        "Traceback (most recent call last):\n  File \"c.py\", line 3\nKeyError: 'hlc'",
        "KeyError: 'hlc'",
    ),
    "a plain last line": ("checking\nbad hlc 'zz'", "bad hlc 'zz'"),
    "only frames": ("    at x (/srv/c.js:1:1)", "at x (/srv/c.js:1:1)"),
    "nothing": ("\n\n", ""),
}


@pytest.mark.parametrize("runtime", DEATHS)
def test_the_cause_line_skips_what_a_runtime_writes_after_the_error(runtime: str) -> None:
    written, cause = DEATHS[runtime]
    assert cause_line(written.splitlines()) == cause


def test_two_uncaught_errors_of_a_node_command_are_two_signatures() -> None:
    """Both end ``Node.js v20...``: signed by that line, every throw was one finding."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (apt-get install nodejs)")
    program = (
        "const m = JSON.parse(require('fs').readFileSync(0));"
        "if (m.a) throw new Error('beats_left must be positive');"
        "throw new RangeError('bad seconds ' + m.b);"
    )
    with load_target(f"cmd:{node} -e {shlex.quote(program)}") as target:
        signatures = [target.call(m).signature for m in (b'{"a": 1}', b'{"b": 1}', b'{"b": 2}')]
    assert signatures == [
        "exit code 1: Error: beats_left must be positive",
        "exit code 1: RangeError: bad seconds <N>",
        "exit code 1: RangeError: bad seconds <N>",
    ]


#: A consumer's reason naming the message's values unquoted, and what is left of it.
UNQUOTED = [
    ("reject: agent_id ▒ is not ASCII", ["▒"], "reject: agent_id <str> is not ASCII"),
    ("reject: agent_id - is not ASCII", ["-\ufeff"], "reject: agent_id <str> is not ASCII"),
    ("reject: bad cluster_id chorus-prod", ["chorus-prod"], "reject: bad cluster_id <str>"),
    ("reject: agent_id worker-<N> unknown", ["worker-03"], "reject: agent_id <str> unknown"),
    ("reject: not a JSON object", ["a", "is", "object x"], "reject: not a JSON object"),
    (
        "reject: bad agent_id search-index",
        ["search-indexer:1"],
        "reject: bad agent_id search-index",
    ),
    ("reject: notes a b c too long", ["a b\nc"], "reject: notes <str> too long"),
]


@pytest.mark.parametrize(("signature", "values", "masked"), UNQUOTED)
def test_a_signature_names_no_value_of_the_message(
    signature: str, values: list[str], masked: str
) -> None:
    assert mask_values(signature, values) == masked


def test_one_bug_naming_its_value_unquoted_is_one_finding(on_path: None, tmp_path: Path) -> None:
    """Each agent_id in the reason was a finding of its own: 10,831 of them in one campaign
    (342 s) for a Node.js consumer writing `agent_id ${id} is not printable ASCII`."""
    config = CampaignConfig(
        target="consumers.causes:echoes_its_value",
        kinds=("statusclaim",),
        max_examples=100,
        seed=3,
        corpus_dir=tmp_path,
        database=None,
    )
    findings = run_campaign(config).findings  # its false accepts: it checks nothing else
    where = at("echoes_its_value", 'raise ValueError(f"agent_id')
    assert [f.signature for f in findings if f.outcome is Outcome.FALSE_REJECT] == [
        f"false_reject: ValueError at {where}: agent_id <str> is not ASCII"
    ]


def test_the_contracts_own_words_are_kept_in_a_signature() -> None:
    words = contract_words(kind.schema for kind in MessageValidator().contract)
    assert {"helping", "backbeat.statusclaim.v1", "agent_id", "issues"} <= words
    response = Response(Verdict.REJECTED, "", 0.0, "reject: state helping is not supported")
    assert signature_of(response, {"state": "helping"}, words) == response.signature
    assert signature_of(response, {"state": "helping"}) == "reject: state <str> is not supported"


# -- http:// targets --------------------------------------------------------------------------


class _Bodies(BaseHTTPRequestHandler):
    """Answers each POST with the status and body the request asks for: ``500 text``."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        request = self.rfile.read(int(self.headers["Content-Length"])).decode()
        if request == "drop":
            self.close_connection = True
            return
        closing = request.startswith("close ")
        status, _, body = request.removeprefix("close ").partition(" ")
        answer = body.replace("|", "\n").encode()
        self.send_response(int(status))
        self.send_header("Content-Length", str(len(answer)))
        if closing:  # the answer ends the connection: http.client closes it at once
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if closing:
            time.sleep(0.05)  # the body comes after the client has the headers
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def bodies() -> Iterator[Target]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Bodies)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        with load_target(f"http://127.0.0.1:{server.server_address[1]}/beat") as target:
            yield target
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_http_signatures_are_the_status_and_the_body_first_line(bodies: Target) -> None:
    at_a = bodies.call(b"500 internal error at 'window_id 7'|Traceback...|line 2")
    at_b = bodies.call(b"500 internal error at 'hlc 12'|other")
    down = bodies.call(b"500 database down")
    rejected = bodies.call(b"400 tempo 0.05 too low")
    assert {at_a.signature, at_b.signature} == {"HTTP 500: internal error at <str>"}
    assert down.signature == "HTTP 500: database down"
    assert (rejected.verdict, rejected.signature) == (
        Verdict.REJECTED,
        "HTTP 400: tempo <N> too low",
    )
    assert at_a.output == "internal error at 'window_id 7'\nTraceback...\nline 2"
    assert at_a.detail == "HTTP 500 (body: internal error at 'window_id 7' Traceback... line 2)"


def test_http_an_answer_that_ends_the_connection_is_read_whole(bodies: Target) -> None:
    first = bodies.call(b"close 500 database down|retry later")
    again = bodies.call(b"close 200 fine")
    assert (first.verdict, first.signature) == (Verdict.CRASH, "HTTP 500: database down")
    assert first.output == "database down\nretry later"
    assert (again.verdict, again.detail) == (Verdict.ACCEPTED, "HTTP 200 (body: fine)")


def test_http_signature_forms(bodies: Target) -> None:
    empty = bodies.call(b"503 ")
    dropped = bodies.call(b"drop")
    accepted = bodies.call(b"200 fine")
    assert (empty.signature, empty.output) == ("HTTP 503", "")
    assert (dropped.verdict, dropped.signature) == (Verdict.CRASH, "connection dropped")
    assert (accepted.verdict, accepted.signature) == (Verdict.ACCEPTED, "")
