"""Targets: each verdict of each target kind, recovery from crashes and hangs, load errors."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from _processes import eventually_gone
from hypothesis import given
from hypothesis import strategies as st

from backbeat_fuzz.errors import UsageError
from backbeat_fuzz.model import Verdict
from backbeat_fuzz.targets import InputMode, Response, Target, _worker, load_target

MYSVC = """
import json
import os
import sys


class BadMessage(Exception):
    pass


x = 3


def handler(text):
    return json.loads(text)["hlc"]


def accept(text):
    return None


def reject(text):
    return False


def value_error(text):
    raise ValueError("bad hlc")


def custom(text):
    raise BadMessage("no hlc here")


def type_name(arg):
    return type(arg).__name__


def equals_sample(arg):
    return arg == {"a": [1, 2.5, None], "b": "\\u00e9"}


def sys_exit(text):
    raise SystemExit(2)


def reads_stdin(text):
    return sys.stdin.read()


def chatty(text):
    print("x" * 100000)
    sys.stdout.flush()
    os.write(1, b"raw bytes on fd 1")
    return True


def schema(text):
    import jsonschema

    jsonschema.validate(json.loads(text), {"type": "object", "required": ["hlc"]})


def model(text):
    import pydantic

    class Beat(pydantic.BaseModel):
        hlc: str

    Beat.model_validate_json(text)


def picky(text):
    if text == "exit":
        os._exit(3)
    if text == "segv":
        import ctypes

        ctypes.string_at(0)
    if text == "loop":
        while True:
            pass
    if text == "bad":
        raise ValueError("bad")
    return True
"""


def line_of(text: str) -> int:
    """The line of MYSVC that holds *text*, as a traceback counts."""
    return next(n for n, line in enumerate(MYSVC.splitlines(), 1) if text in line)


FILES = {
    "mysvc.py": MYSVC,
    "broken.py": 'raise RuntimeError("no config")\n',
    "needsdep.py": "import not_installed_dep_xyz\n\ndef handler(text):\n    return True\n",
    "pkg/__init__.py": "",
    "pkg/handlers.py": "def f(text):\n    return True\n",
}


@pytest.fixture
def consumers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def call_once(spec: str, data: bytes, parsed: object = None, **options: object) -> Response:
    with load_target(spec, **options) as target:  # type: ignore[arg-type]
        return target.call(data, parsed)


# -- Python targets ---------------------------------------------------------------------------


@pytest.mark.usefixtures("consumers")
@pytest.mark.parametrize(
    ("spec", "data", "verdict", "detail"),
    [
        ("mysvc.handler", b'{"hlc": "0001"}', Verdict.ACCEPTED, "returned '0001'"),
        ("mysvc:accept", b"{}", Verdict.ACCEPTED, "returned None"),
        ("mysvc.reject", b"{}", Verdict.REJECTED, "returned False"),
        ("mysvc.value_error", b"{}", Verdict.REJECTED, "ValueError: bad hlc"),
        (
            "mysvc.handler",
            b"{",
            Verdict.REJECTED,
            "JSONDecodeError: Expecting property name enclosed in double quotes: "
            "line 1 column 2 (char 1)",
        ),
        (
            "mysvc.handler",
            b"{}",
            Verdict.CRASH,
            f"KeyError: 'hlc' (at mysvc.py:{line_of('json.loads(text)')} in handler)",
        ),
        (
            "mysvc.custom",
            b"{}",
            Verdict.CRASH,
            f"BadMessage: no hlc here (at mysvc.py:{line_of('raise BadMessage(')} in custom)",
        ),
        (
            "mysvc.sys_exit",
            b"{}",
            Verdict.CRASH,
            f"SystemExit: 2 (at mysvc.py:{line_of('SystemExit(2)')} in sys_exit)",
        ),
        (
            "mysvc.schema",
            b"{}",
            Verdict.REJECTED,
            "ValidationError: 'hlc' is a required property",  # its .message, not the schema dump
        ),
        ("mysvc.reads_stdin", b"{}", Verdict.ACCEPTED, "returned ''"),
    ],
)
def test_python_verdicts(spec: str, data: bytes, verdict: Verdict, detail: str) -> None:
    response = call_once(spec, data)
    assert (response.verdict, response.detail) == (verdict, detail)
    assert response.elapsed > 0


@pytest.mark.usefixtures("consumers")
def test_pydantic_validation_error_is_a_rejection() -> None:
    response = call_once("mysvc.model", b'{"hlc": 5}')
    assert response.verdict is Verdict.REJECTED
    assert response.detail.startswith("ValidationError: 1 validation error for Beat hlc ")


@pytest.mark.usefixtures("consumers")
def test_reject_on_adds_rejection_classes() -> None:
    custom = call_once("mysvc.custom", b"{}", reject_on=["mysvc.BadMessage"])
    builtin = call_once("mysvc.handler", b"{}", reject_on=["KeyError"])
    assert (custom.verdict, custom.detail) == (Verdict.REJECTED, "BadMessage: no hlc here")
    assert (builtin.verdict, builtin.detail) == (Verdict.REJECTED, "KeyError: 'hlc'")


@pytest.mark.usefixtures("consumers")
@pytest.mark.parametrize(
    ("mode", "data", "parsed", "detail"),
    [
        ("str", b"{}", None, "returned 'str'"),
        ("bytes", b"\xff\xfe not UTF-8", None, "returned 'bytes'"),
        ("object", b"ignored", {"a": 1}, "returned 'dict'"),
    ],
)
def test_input_modes(mode: str, data: bytes, parsed: object, detail: str) -> None:
    with load_target("mysvc.type_name", input_mode=mode) as target:
        assert target.input_mode is InputMode(mode)
        assert target.call(data, parsed).detail == detail


@pytest.mark.usefixtures("consumers")
def test_object_mode_passes_the_parsed_value_intact() -> None:
    sample = {"a": [1, 2.5, None], "b": "\u00e9"}
    with load_target("mysvc.equals_sample", input_mode="object") as target:
        assert target.call(b"", sample).detail == "returned True"
        assert target.call(b"", {"a": []}).detail == "returned False"


@pytest.mark.usefixtures("consumers")
def test_str_target_refuses_bytes_that_are_not_utf8_and_goes_on() -> None:
    with load_target("mysvc.type_name") as target:
        with pytest.raises(ValueError, match="not UTF-8"):
            target.call(b"\xff", None)
        assert target.call(b"{}", None).verdict is Verdict.ACCEPTED


@pytest.mark.usefixtures("consumers")
def test_prints_to_stdout_do_not_break_the_protocol() -> None:
    with load_target("mysvc.chatty") as target:
        for _ in range(3):
            assert (target.call(b"{}").verdict, target.call(b"{}").detail) == (
                Verdict.ACCEPTED,
                "returned True",
            )


@pytest.mark.usefixtures("consumers")
def test_worker_death_is_a_crash_and_the_next_call_works() -> None:
    with load_target("mysvc.picky") as target:
        died = target.call(b"exit")
        after = target.call(b"fine")
        segv = target.call(b"segv")
        rejected = target.call(b"bad")
    assert (died.verdict, died.detail) == (
        Verdict.CRASH,
        "the worker process died: exit code 3",
    )
    assert (after.verdict, after.detail) == (Verdict.ACCEPTED, "returned True")
    assert (segv.verdict, segv.detail) == (
        Verdict.CRASH,
        "the worker process died: killed by SIGSEGV",
    )
    assert (rejected.verdict, rejected.detail) == (Verdict.REJECTED, "ValueError: bad")


@pytest.mark.usefixtures("consumers")
def test_infinite_loop_is_a_hang_and_the_next_call_works() -> None:
    with load_target("mysvc.picky", timeout=0.3) as target:
        hung = target.call(b"loop")
        after = target.call(b"fine")
    assert (hung.verdict, hung.detail) == (Verdict.HANG, "no answer within 0.3s")
    assert hung.elapsed >= 0.3
    assert after.verdict is Verdict.ACCEPTED


@pytest.mark.usefixtures("consumers")
def test_close_is_idempotent_and_the_target_is_named_by_its_spec() -> None:
    target = load_target("mysvc:accept")
    assert isinstance(target, Target)
    assert target.name == "mysvc:accept"
    assert repr(target) == "<PythonTarget 'mysvc:accept'>"
    target.close()
    target.close()


@pytest.mark.usefixtures("consumers")
@pytest.mark.parametrize(
    ("spec", "options", "message"),
    [
        (
            "nosuch.handler",
            {},
            "cannot import target 'nosuch.handler': No module named 'nosuch'; "
            "run from the folder that holds the package or add it to PYTHONPATH",
        ),
        (
            "mysvc:handlr",
            {},
            "target 'mysvc:handlr' has no attribute 'handlr'. Did you mean 'handler'?",
        ),
        (
            "mysvc.zzzzz",
            {},
            "target 'mysvc.zzzzz' has no attribute 'zzzzz'; check the name in module 'mysvc'",
        ),
        (
            "mysvc.x",
            {},
            "'mysvc.x' is not callable (int object); name a function that takes one message",
        ),
        (
            "broken.handler",
            {},
            "cannot import target 'broken.handler': RuntimeError: no config; "
            "fix the module so that `python -c 'import broken'` works",
        ),
        (
            "needsdep.handler",
            {},
            "cannot import target 'needsdep.handler': No module named 'not_installed_dep_xyz'; "
            "install 'not_installed_dep_xyz' where backbeat-fuzz runs, or fix the import",
        ),
        (
            "pkg.handlrs:f",
            {},
            "cannot import target 'pkg.handlrs:f': No module named 'pkg.handlrs'; "
            "check the module name. Did you mean 'pkg.handlers'?",
        ),
        (
            "mysvc.py:handler",
            {},
            "target 'mysvc.py:handler' names a file; name the module instead: 'mysvc:handler'",
        ),
        (
            "mysvc.handler",
            {"reject_on": ["mysvc.BadMesage"]},
            "reject_on 'mysvc.BadMesage' has no attribute 'BadMesage'. Did you mean 'BadMessage'?",
        ),
        (
            "mysvc.handler",
            {"reject_on": ["mysvc.x"]},
            "reject_on 'mysvc.x' is not an exception class; name a class derived from Exception",
        ),
        (
            "mysvc.handler",
            {"reject_on": ["nomod.Err"]},
            "cannot import reject_on 'nomod.Err': No module named 'nomod'; "
            "run from the folder that holds the package or add it to PYTHONPATH",
        ),
        (
            "mysvc.handler",
            {"reject_on": "KeyError"},
            "reject_on='KeyError' must be a list of names, e.g. ['KeyError']",
        ),
        (
            "mysvc.handler",
            {"reject_on": ["mysvc Bad"]},
            "reject_on name 'mysvc Bad' is not a dotted name; "
            "write module.ExcName, e.g. mysvc.errors.BadMessage",
        ),
        (
            "mysvc.handler",
            {"input_mode": "objects"},
            "input_mode='objects' is unknown; use one of: str, bytes, object. "
            "Did you mean 'object'?",
        ),
        (
            "mysvc.handler",
            {"timeout": 0},
            "timeout=0.0 must be a positive number of seconds, e.g. 2.0",
        ),
        (
            "handler",
            {},
            "target 'handler' is not a target spec; use pkg.module.func (or pkg.module:func) "
            "for a Python function, cmd:COMMAND ARGS for a program that reads the message on "
            "stdin, stdio:COMMAND ARGS for a long-lived program answering one line per message, "
            "or http://host:port/path for a service the message is POSTed to",
        ),
        (
            "cmd:cat",
            {"input_mode": "object"},
            "input_mode='object' applies to Python targets only; 'cmd:cat' receives the "
            "message bytes, so drop the option",
        ),
        (
            "http://127.0.0.1:1/x",
            {"reject_on": ["KeyError"]},
            "reject_on applies to Python targets only; 'http://127.0.0.1:1/x' rejects by its "
            "exit code, answer line or HTTP status, so drop the option",
        ),
    ],
)
def test_load_errors_are_one_line_with_the_fix(
    spec: str, options: dict[str, object], message: str
) -> None:
    with pytest.raises(UsageError) as caught:
        load_target(spec, **options)  # type: ignore[arg-type]
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


# -- cmd: targets -----------------------------------------------------------------------------

CHECKER = """
import json, sys
try:
    message = json.loads(sys.stdin.buffer.read())
except ValueError as exc:
    print("not JSON:", exc, file=sys.stderr)
    sys.exit(1)
sys.exit(0 if "hlc" in message else 2)
"""


@pytest.mark.parametrize(
    ("spec", "verdict", "detail"),
    [
        ("cmd:sh -c 'cat >/dev/null'", Verdict.ACCEPTED, "exit code 0"),
        (
            "cmd:sh -c 'cat >/dev/null; echo \"bad hlc\" >&2; exit 3'",
            Verdict.REJECTED,
            "exit code 3 (stderr: bad hlc)",
        ),
        ("cmd:sh -c 'kill -SEGV $$'", Verdict.CRASH, "killed by SIGSEGV"),
        ('cmd:sh -c \'test "$(cat)" = "{}"\'', Verdict.ACCEPTED, "exit code 0"),
        ('cmd:sh -c \'test "$(cat)" = "[]"\'', Verdict.REJECTED, "exit code 1"),
        ("cmd:true", Verdict.ACCEPTED, "exit code 0"),
    ],
)
def test_command_verdicts(spec: str, verdict: Verdict, detail: str) -> None:
    response = call_once(spec, b"{}")
    assert (response.verdict, response.detail) == (verdict, detail)


def test_command_gets_the_exact_bytes_on_stdin(tmp_path: Path) -> None:
    script = tmp_path / "checker.py"
    script.write_text(CHECKER)
    with load_target(f"cmd:{sys.executable} {script}") as target:
        assert target.input_mode is InputMode.BYTES
        good = target.call(b'{"hlc": "0001"}')
        no_hlc = target.call(b"{}")
        bad = target.call(b"{")
    assert good.verdict is Verdict.ACCEPTED
    assert (no_hlc.verdict, no_hlc.detail) == (Verdict.REJECTED, "exit code 2")
    assert bad.verdict is Verdict.REJECTED
    assert bad.detail.startswith("exit code 1 (stderr: not JSON: Expecting property name")


def test_command_hang_kills_the_whole_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    spec = f"cmd:sh -c 'sleep 30 & echo $! > {pidfile}; wait'"
    with load_target(spec, timeout=0.3) as target:
        response = target.call(b"{}")
    assert (response.verdict, response.detail) == (Verdict.HANG, "no answer within 0.3s")
    assert eventually_gone(int(pidfile.read_text()))


def test_command_load_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    plain = tmp_path / "plain.sh"
    plain.write_text("exit 0\n")
    plain.chmod(stat.S_IRUSR | stat.S_IWUSR)
    cases = {
        "cmd:no-such-program-xyz --flag": "target 'cmd:no-such-program-xyz --flag': program "
        "'no-such-program-xyz' is not on PATH; install it or give its path (cmd:./my-consumer)",
        "cmd:": "target 'cmd:' names no program; write cmd:COMMAND ARGS",
        "cmd:sh -c 'x": 'target "cmd:sh -c \'x" cannot be split into words (No closing '
        "quotation); fix the quoting",
        "cmd:./nope.sh": "target 'cmd:./nope.sh': './nope.sh' does not exist; check the path",
        f"cmd:{tmp_path}": f"target 'cmd:{tmp_path}': '{tmp_path}' is a folder, not a program; "
        "name the program in it",
        "cmd:./plain.sh": "target 'cmd:./plain.sh': './plain.sh' is not executable; run "
        "'chmod +x ./plain.sh' or name its interpreter (cmd:sh ./plain.sh)",
    }
    for spec, message in cases.items():
        with pytest.raises(UsageError) as caught:
            load_target(spec)
        assert str(caught.value) == message


# -- http:// targets --------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    """Answers by body: accept 200, reject 400, boom 500, drop closes, slow waits."""

    protocol_version = "HTTP/1.1"
    server: Service

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.seen.append(
            (self.path, self.headers["Content-Type"], body, self.client_address)
        )
        if body == b"drop":
            self.close_connection = True
            return
        if body == b"slow":
            self.server.release.wait(10)
        answers = {b"reject": (400, b'{"error": "bad hlc"}'), b"boom": (500, b"oops")}
        status, answer = answers.get(body, (200, b""))
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


class Service(ThreadingHTTPServer):
    """A local service on 127.0.0.1 that records what it was sent."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[tuple[str, str, bytes, tuple[str, int]]] = []
        self.release = threading.Event()
        self.url = f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def bodies(self) -> list[bytes]:
        return [body for _, _, body, _ in self.seen]


@pytest.fixture
def service() -> Iterator[Service]:
    server = Service()
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


def test_http_verdicts(service: Service) -> None:
    with load_target(f"{service.url}/beats?v=1") as target:
        assert target.input_mode is InputMode.BYTES
        ok = target.call(b"accept")
        rejected = target.call(b"reject")
        crashed = target.call(b"boom")
        again = target.call(b"accept")
    assert (ok.verdict, ok.detail) == (Verdict.ACCEPTED, "HTTP 200")
    assert (rejected.verdict, rejected.detail) == (
        Verdict.REJECTED,
        'HTTP 400 (body: {"error": "bad hlc"})',
    )
    assert (crashed.verdict, crashed.detail) == (Verdict.CRASH, "HTTP 500 (body: oops)")
    assert again.verdict is Verdict.ACCEPTED
    assert {path for path, _, _, _ in service.seen} == {"/beats?v=1"}


def test_http_posts_the_exact_body_as_json_on_one_connection(service: Service) -> None:
    data = b'{"hlc": "\xc3\xa9"}'
    with load_target(f"{service.url}/beats") as target:
        target.call(data)
        target.call(data)
    assert [(path, ctype, body) for path, ctype, body, _ in service.seen] == [
        ("/beats", "application/json", data)
    ] * 2
    assert service.seen[0][3] == service.seen[1][3]  # one client port: the connection was kept


def test_http_dropped_connection_is_a_crash_and_the_next_call_reconnects(
    service: Service,
) -> None:
    with load_target(f"{service.url}/beats") as target:
        first = target.call(b"accept")
        dropped = target.call(b"drop")
        after = target.call(b"accept")
    assert first.verdict is Verdict.ACCEPTED
    assert (dropped.verdict, dropped.detail) == (
        Verdict.CRASH,
        "connection dropped: Remote end closed connection without response",
    )
    assert after.verdict is Verdict.ACCEPTED
    # the drop came on a kept-alive connection, so it was retried once on a fresh one
    assert service.bodies == [b"accept", b"drop", b"drop", b"accept"]


def test_http_no_answer_is_a_hang(service: Service) -> None:
    with load_target(f"{service.url}/beats", timeout=0.3) as target:
        hung = target.call(b"slow")
        service.release.set()
        after = target.call(b"accept")
    assert (hung.verdict, hung.detail) == (Verdict.HANG, "no answer within 0.3s")
    assert after.verdict is Verdict.ACCEPTED


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_http_refused_at_load_time(scheme: str) -> None:
    url = f"{scheme}://127.0.0.1:{_free_port()}/x"
    with pytest.raises(UsageError) as caught:
        load_target(url)
    assert (
        str(caught.value) == f"cannot connect to {url}: connection refused; start the service first"
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "http://127.0.0.1:99999/x",
            "target 'http://127.0.0.1:99999/x' has a bad port; write http://host:port/path",
        ),
        ("http:///x", "target 'http:///x' names no host; write http://host:port/path"),
    ],
)
def test_http_bad_urls(url: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        load_target(url)
    assert str(caught.value) == message


def test_worker_runs_in_its_own_process(consumers: Path) -> None:
    (consumers / "pid.py").write_text("import os\n\ndef pid(text):\n    return os.getpid()\n")
    with load_target("pid.pid") as target:
        detail = target.call(b"{}").detail
    assert detail.startswith("returned ")
    assert int(detail.removeprefix("returned ")) != os.getpid()


def test_worker_also_runs_as_a_module(consumers: Path) -> None:
    request = _worker.REQUEST.pack(2) + b"{}"
    config = json.dumps({"spec": "mysvc.value_error", "mode": "str"})
    done = subprocess.run(
        [sys.executable, "-m", "backbeat_fuzz.targets._worker", config],
        input=request,
        capture_output=True,
        timeout=60,
        check=True,
    )
    replies, rest = [], done.stdout
    while rest:
        code, size = _worker.REPLY.unpack_from(rest)
        end = _worker.REPLY.size + size
        replies.append((code, rest[_worker.REPLY.size : end].decode()))
        rest = rest[end:]
    assert [code for code, _ in replies] == [_worker.READY, _worker.REJECTED]
    assert json.loads(replies[0][1])["own"] == [str(consumers / "mysvc.py")]
    frame = _worker.Frame("mysvc.py", line_of('raise ValueError("bad hlc")'), "value_error")
    assert _worker.Failure.decode(replies[1][1]) == (
        "ValueError",
        frame,
        False,
        "bad hlc",
        "",
        True,
    )


_TEXTS = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)


@given(
    kind=_TEXTS,
    frame=st.none() | st.builds(_worker.Frame, _TEXTS.filter(bool), st.integers(0, 10**6), _TEXTS),
    keyed=st.booleans(),
    message=_TEXTS,
    trace=_TEXTS,
)
def test_a_failure_record_survives_its_encoding(
    kind: str, frame: _worker.Frame | None, keyed: bool, message: str, trace: str
) -> None:
    def clean(text: str) -> str:
        return text.replace(_worker.SEP, " ")

    failure = _worker.Failure(kind, frame, keyed, message, trace)
    if frame is not None:
        frame = _worker.Frame(clean(frame.file), frame.line, clean(frame.function))
    expected = _worker.Failure(clean(kind), frame, keyed, clean(message), clean(trace))
    assert _worker.Failure.decode(failure.encode()) == expected


def test_an_interrupted_call_leaves_the_target_usable(
    consumers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backbeat_fuzz.targets import _process

    real_select = _process.select.select
    interrupts = [KeyboardInterrupt()]

    def select_once_interrupted(*args: object) -> object:
        if interrupts:
            raise interrupts.pop()
        return real_select(*args)  # type: ignore[arg-type]

    with load_target("mysvc.picky") as target:
        monkeypatch.setattr(_process.select, "select", select_once_interrupted)
        with pytest.raises(KeyboardInterrupt):
            target.call(b"bad")  # its reply must not be taken for the next call's
        after = target.call(b"second")
    assert (after.verdict, after.detail) == (Verdict.ACCEPTED, "returned True")
