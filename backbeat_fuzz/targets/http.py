"""``http://`` and ``https://`` targets: each message POSTed to a running service.

The message is the request body (``Content-Type: application/json``), sent over one kept-alive
connection that is reopened when the service drops it. A 2xx status means accepted, a 4xx
rejected; a 5xx, a dropped or refused connection, or any other status is a crash, and no
answer within the timeout (per connect, send or receive) is a hang.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

from ..errors import UsageError
from ..model import Verdict
from .spec import InputMode, Response, Target

__all__ = ["HttpTarget"]

#: How much of a response body a response's detail quotes.
MAX_BODY = 200

_HEADERS = {"Content-Type": "application/json", "User-Agent": "backbeat-fuzz"}


def _snippet(body: bytes) -> str:
    text = " ".join(body.decode("utf-8", "backslashreplace").split())
    return text if len(text) <= MAX_BODY else text[:MAX_BODY] + "..."


def _judge(status: int, body: bytes) -> tuple[Verdict, str]:
    detail = f"HTTP {status}"
    said = _snippet(body)
    if said:
        detail = f"{detail} (body: {said})"
    if 200 <= status < 300:
        return Verdict.ACCEPTED, detail
    if 400 <= status < 500:
        return Verdict.REJECTED, detail
    return Verdict.CRASH, detail


class HttpTarget(Target):
    """A service that receives each message as the body of a POST to one URL.

    Args:
        spec: the URL, ``http://host:port/path`` or ``https://...``.
        timeout: seconds a connect, send or receive may take before the call is a hang.

    Raises:
        UsageError: the URL is malformed, or nothing accepts connections there.
    """

    def __init__(self, spec: str, *, timeout: float = 2.0) -> None:
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
        self._conn: http.client.HTTPConnection | None = None
        self._used = False
        self._check_reachable()

    def _check_reachable(self) -> None:
        try:
            self._connection().connect()
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

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = kind(self._host, self._port, timeout=self.timeout)
            self._used = False
        return self._conn

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self._used = False

    def _post(self, data: bytes) -> tuple[Verdict, str]:
        conn = self._connection()
        conn.request("POST", self._path, body=data, headers=_HEADERS)
        response = conn.getresponse()
        body = response.read()
        self._used = True
        if response.will_close:
            self._drop()
        return _judge(response.status, body)

    def _attempt(self, data: bytes) -> tuple[Verdict, str] | None:
        """One POST; None when a kept-alive connection was found closed and may be retried."""
        reused = self._used
        try:
            return self._post(data)
        except TimeoutError:
            self._drop()
            return Verdict.HANG, f"no answer within {self.timeout}s"
        except ConnectionRefusedError:
            self._drop()
            return Verdict.CRASH, "connection refused: the service stopped listening"
        except (ConnectionError, http.client.RemoteDisconnected) as exc:
            self._drop()
            if reused:
                return None
            return Verdict.CRASH, f"connection dropped: {exc}"
        except (OSError, http.client.HTTPException) as exc:
            self._drop()
            return Verdict.CRASH, f"{type(exc).__name__}: {exc}"

    def call(self, data: bytes, parsed: Any = None) -> Response:
        """POST *data* and judge the status code."""
        start = time.perf_counter()
        result = self._attempt(data)
        if result is None:  # the service closed an idle connection: retry once on a new one
            result = self._attempt(data)
        assert result is not None
        verdict, detail = result
        return Response(verdict, detail, time.perf_counter() - start)

    def close(self) -> None:
        """Close the connection."""
        self._drop()
