"""Helpers of the attack suite: the CLIs in-process, a loopback HTTP server that records every
request it gets, hostile schema folders and corpus entries made by hand."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from backbeat_fuzz.cli.fuzz import main as fuzz_main
from backbeat_fuzz.cli.validate import main as validate_main
from backbeat_fuzz.contract import load_contract

#: Kind -> its schema's first example, as compact JSON bytes (a valid message).
PACKAGED = {
    kind.name: json.dumps(kind.schema["examples"][0], separators=(",", ":")).encode()
    for kind in load_contract()
}
_BEATFRAME = load_contract().kind("beatframe")


def fuzz_cli(*args: str | Path, input: str | None = None) -> Result:
    """``backbeat-fuzz ARGS`` in-process; an escaping exception fails the test with its trace."""
    return CliRunner().invoke(
        fuzz_main, [str(a) for a in args], input=input, catch_exceptions=False
    )


def validate_cli(*args: str | Path, input: str | None = None) -> Result:
    """``backbeat-validate ARGS`` in-process, as :func:`fuzz_cli`."""
    return CliRunner().invoke(
        validate_main, [str(a) for a in args], input=input, catch_exceptions=False
    )


def assert_one_line_error(result: Result, *fragments: str) -> None:
    """Exit code 2 and exactly one line of output, ``Error: ...``, holding every fragment."""
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def schema_folder(folder: Path, files: dict[str, str], **changes: Any) -> Path:
    """A schemas folder: each file the BeatFrame schema with its ``type`` const replaced (and
    *changes* set at its root)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, type_const in files.items():
        schema = json.loads(json.dumps(_BEATFRAME.schema))
        schema["properties"]["type"]["const"] = type_const
        schema["examples"][0]["type"] = type_const
        del schema["$id"]  # each its own document: a copied $id would make them one
        schema.update(changes)
        (folder / name).write_text(json.dumps(schema), encoding="utf-8")
    return folder


def entry_files(corpus: Path, kind: str, stem: str, data: bytes) -> Path:
    """A hand-made corpus entry (a valid message the target should accept, saved as a false
    reject): its message file, beside its ``.meta.json``."""
    folder = corpus / kind
    folder.mkdir(parents=True, exist_ok=True)
    message, meta = folder / f"{stem}.json", folder / f"{stem}.meta.json"
    message.write_bytes(data)
    fields = {"kind": kind, "message_type": None, "rule": None}
    fields |= {"expected": "accept", "outcome": "false_reject"}
    meta.write_text(json.dumps(fields), encoding="utf-8")
    return message


@dataclass
class Recorder:
    """What a :func:`recording_server` was sent: every request path, and every POST body."""

    url: str
    paths: list[str] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)


@contextmanager
def recording_server(schema: Any = None) -> Iterator[Recorder]:
    """A loopback HTTP server that answers GET with *schema* (JSON) and POST with 200, and
    records both: the attack tests assert what was (not) fetched or sent."""
    body = json.dumps({"type": "string"} if schema is None else schema).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            recorder.paths.append(self.path)
            self._answer(body)

        def do_POST(self) -> None:
            recorder.paths.append(self.path)
            length = int(self.headers.get("Content-Length", 0))
            recorder.bodies.append(self.rfile.read(length))
            self._answer(b"{}")

        def _answer(self, data: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder = Recorder(f"http://127.0.0.1:{server.server_address[1]}/schema.json")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    """A TCP port nothing listens on (at the moment) on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def redis_server(folder: Path, *options: str) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """A private redis-server on loopback (no persistence; *options* such as ``--requirepass
    X``), once it answers PING: ``(process, port)``. Skips the test without redis-server."""
    import pytest

    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server not installed; .ci/run installs it with apt-get")
    port = free_port()
    args = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
    args += ["no", "--dir", str(folder), *options]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not _answers(port):
            assert proc.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        yield proc, port
    finally:
        proc.kill()
        proc.wait()


def _answers(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        try:
            sock.connect(("127.0.0.1", port))
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith((b"+PONG", b"-NOAUTH"))
        except OSError:
            return False


def assert_entries_whole(corpus: Path) -> None:
    """Every message file of *corpus* has its metadata and both parse: no half-written entry."""
    for path in corpus.glob("*/*.json"):
        stem = path.name.removesuffix(".json").removesuffix(".meta")
        message, meta = path.with_name(f"{stem}.json"), path.with_name(f"{stem}.meta.json")
        assert message.is_file() and meta.is_file(), f"half an entry: {message}"
        json.loads(meta.read_text(encoding="utf-8"))
    assert not list(corpus.glob("*/.*.tmp")), "a temporary file was left behind"


def assert_files_whole(corpus: Path) -> None:
    """What a kill -9 must leave: every metadata file parses and has its message (written
    first), and the corpus reads back with nothing refused. (A message whose metadata the kill
    prevented is an orphan the reader ignores.)"""
    from backbeat_fuzz.corpus import Corpus

    for meta in corpus.glob("*/*.meta.json"):
        json.loads(meta.read_text(encoding="utf-8"))
        assert meta.with_name(meta.name.removesuffix(".meta.json") + ".json").is_file(), meta
    store = Corpus(corpus)
    assert len(store.entries()) == len(list(corpus.glob("*/*.meta.json")))
    assert store.refused == []
