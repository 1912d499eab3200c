"""``http://`` and ``https://`` targets: each message POSTed to a running service.

The message is the request body (``Content-Type: application/json``), sent over one kept-alive
connection that is reopened when the service drops it. A 2xx status means accepted, a 4xx
rejected; a 5xx, a dropped or refused connection, or any other status is a crash, and no
complete answer within the timeout is a hang.

The timeout is one deadline per call, shared by the connect, the send and every read of the
status line, headers and body, so a service that drips its answer a few bytes at a time ends
as a hang at the timeout. Of a body only the first :data:`MAX_BODY` bytes are read; a longer
one is left unread and its connection closed.

Signatures: ``HTTP 500: internal error at <str>`` (the status and the body's first line,
masked with :func:`~backbeat_fuzz.signature.mask`), or ``HTTP 500`` for an empty body;
``connection dropped``, ``connection refused``, or the error's class name for anything else.
A hang is signed ``hang``: nothing from outside tells its causes apart, so they are one.
"""

from __future__ import annotations

import http.client
import io
import math
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..defaults import DEFAULT_TIMEOUT
from ..errors import UsageError
from ..model import Verdict
from ..signature import MAX_REASON, mask
from .base import InputMode, Response, Target

__all__ = ["HttpTarget"]

#: Bytes of a response body read at most.
MAX_BODY = 64 * 1024
#: How much of a response body a response's detail quotes.
MAX_QUOTE = 200
#: Lines (and characters) of the body a response's output shows: its first ones.
OUTPUT_LINES = 20
MAX_OUTPUT = 4000

_HEADERS = {"Content-Type": "application/json", "User-Agent": "backbeat-fuzz"}


@dataclass(frozen=True)
class _Answer:
    """What one attempt got: a verdict, its detail, and the signature and output of a failure."""

    verdict: Verdict
    detail: str
    signature: str = ""
    output: str = ""


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUOTE else text[:MAX_QUOTE] + "..."


def _judge(status: int, body: bytes) -> _Answer:
    text = body.decode("utf-8", "backslashreplace")
    said = _snippet(text)
    detail = f"HTTP {status} (body: {said})" if said else f"HTTP {status}"
    if 200 <= status < 300:
        return _Answer(Verdict.ACCEPTED, detail)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    signature = f"HTTP {status}: {mask(lines[0], MAX_REASON)}" if lines else f"HTTP {status}"
    output = "\n".join(lines[:OUTPUT_LINES])[:MAX_OUTPUT]
    verdict = Verdict.REJECTED if 400 <= status < 500 else Verdict.CRASH
    return _Answer(verdict, detail, signature[:MAX_REASON], output)


class _DeadlineReader(io.RawIOBase):
    """A socket read as a response reads it, every read bounded by the call's deadline.

    It reads through the socket's own unbuffered file, which keeps the socket open while the
    response is read: http.client closes the connection as soon as it has the headers of a
    response that ends the connection (HTTP/1.0, ``Connection: close``).
    """

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        self._sock.settimeout(_remaining(self._deadline))
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _DeadlineSocket:
    """What :class:`http.client.HTTPResponse` is given: a socket whose file has the deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("the call's deadline passed")
    return remaining


class _HttpConnection(http.client.HTTPConnection):
    """A connection whose connect, sends and response reads share one deadline per call."""

    deadline = math.inf

    def connect(self) -> None:
        self.timeout = _remaining(self.deadline)
        super().connect()

    def send(self, data: Any) -> None:
        if self.sock is not None:
            self.sock.settimeout(_remaining(self.deadline))
        super().send(data)

    # http.client makes its response as self.response_class(sock, ...): give it the deadline.
    def response_class(self, sock: Any, *args: Any, **kwargs: Any) -> http.client.HTTPResponse:  # type: ignore[override]
        wrapped: Any = _DeadlineSocket(sock, self.deadline)
        return http.client.HTTPResponse(wrapped, *args, **kwargs)


class _HttpsConnection(_HttpConnection, http.client.HTTPSConnection):
    """The same over TLS (the handshake's reads are each bounded by what is left)."""


class HttpTarget(Target):
    """A service that receives each message as the body of a POST to one URL.

    Args:
        spec: the URL, ``http://host:port/path`` or ``https://...``.
        timeout: seconds a call (connect, send and every read together) may take before it is
            a hang.

    Raises:
        UsageError: the URL is malformed, or nothing accepts connections there.
    """

    def __init__(self, spec: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.name = spec
        self.input_mode = InputMode.BYTES
        self.timeout = timeout
        parts = urlsplit(spec)
        try:
            self._port = parts.port
        except ValueError:
            raise UsageError(
                f"target {spec!r} has a bad port; write http://host:port/path"
            ) from None
        if not parts.hostname:
            raise UsageError(f"target {spec!r} names no host; write http://host:port/path")
        self._host = parts.hostname
        self._https = parts.scheme == "https"
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._conn: _HttpConnection | None = None
        self._used = False
        self._check_reachable()

    def _check_reachable(self) -> None:
        try:
            self._connection(time.monotonic() + self.timeout).connect()
        except OSError as exc:
            self._drop()
            raise UsageError(f"cannot connect to {self.name}: {self._why(exc)}") from None

    def _why(self, exc: OSError) -> str:
        """Why connecting failed, and the fix."""
        if isinstance(exc, ConnectionRefusedError):
            return "connection refused; start the service first"
        if isinstance(exc, socket.gaierror):
            return f"unknown host {self._host!r}; check the URL"
        if isinstance(exc, TimeoutError):
            return f"no answer within {self.timeout}s; start the service or raise the timeout"
        if isinstance(exc, ssl.SSLError):
            return (
                f"TLS failed ({exc.reason}); give the service a trusted certificate or use http://"
            )
        return f"{exc.strerror or exc}; check that the service is running"

    def _connection(self, deadline: float) -> _HttpConnection:
        if self._conn is None:
            kind = _HttpsConnection if self._https else _HttpConnection
            self._conn = kind(self._host, self._port, timeout=self.timeout)
            self._used = False
        self._conn.deadline = deadline
        return self._conn

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self._used = False

    def _post(self, data: bytes, deadline: float) -> _Answer:
        conn = self._connection(deadline)
        conn.request("POST", self._path, body=data, headers=_HEADERS)
        response = conn.getresponse()
        body = response.read(MAX_BODY)
        self._used = True
        if response.will_close or not response.isclosed():  # a longer body stays unread
            self._drop()
        return _judge(response.status, body)

    def _attempt(self, data: bytes, deadline: float) -> _Answer | None:
        """One POST; None when a kept-alive connection was found closed and may be retried."""
        reused = self._used
        try:
            return self._post(data, deadline)
        except TimeoutError:
            self._drop()
            return _Answer(Verdict.HANG, f"no answer within {self.timeout}s", "hang")
        except ConnectionRefusedError:
            self._drop()
            detail = "connection refused: the service stopped listening"
            return _Answer(Verdict.CRASH, detail, "connection refused")
        except (ConnectionError, http.client.RemoteDisconnected) as exc:
            self._drop()
            if reused:
                return None
            return _Answer(Verdict.CRASH, f"connection dropped: {exc}", "connection dropped")
        except (OSError, http.client.HTTPException) as exc:
            self._drop()
            return _Answer(Verdict.CRASH, f"{type(exc).__name__}: {exc}", type(exc).__name__)

    def call(self, data: bytes, parsed: Any = None) -> Response:
        """POST *data* and judge the status code and the body's first line."""
        start = time.perf_counter()
        deadline = time.monotonic() + self.timeout
        answer = self._attempt(data, deadline)
        if answer is None:  # the service closed an idle connection: retry once on a new one
            answer = self._attempt(data, deadline)
        assert answer is not None
        elapsed = time.perf_counter() - start
        return Response(
            answer.verdict, answer.detail, elapsed, answer.signature, output=answer.output
        )

    def close(self) -> None:
        """Close the connection."""
        self._drop()
