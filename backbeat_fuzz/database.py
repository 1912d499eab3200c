"""Hypothesis example databases for campaigns: a folder, Redis, or none, with per-unit keys.

A nightly job restarts from what earlier nights found only if each unit of work (kind,
direction, rule) keeps its own examples: :class:`KeyedDatabase` prefixes every key, so one
folder or one Redis database serves every unit, every target and every worker.

A Redis URL is checked before anything connects (a port that is not a number is one line, not a
traceback) and is shown with its password masked in every message. Connections time out, and a
Redis server lost mid-run is an :class:`~backbeat_fuzz.errors.InfrastructureError` naming the
server, not a finding and not a traceback.

Hypothesis keeps files of its own too (a cache of the Unicode tables), by default in
``.hypothesis/`` of the current folder: :func:`keep_hypothesis_home` puts them in the tool's
state folder instead, so a campaign writes only where the user pointed it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase

from .defaults import DEFAULT_DATABASE
from .errors import InfrastructureError, UsageError, redact

_T = TypeVar("_T")

#: Seconds to connect to Redis, and to wait for one answer: a server that stops answering
#: must not stall a campaign past its --duration.
REDIS_CONNECT_TIMEOUT = 5.0
REDIS_ANSWER_TIMEOUT = 10.0
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
#: The variable Hypothesis reads for the folder of its own files.
HYPOTHESIS_HOME = "HYPOTHESIS_STORAGE_DIRECTORY"

__all__ = [
    "KeyedDatabase",
    "check_redis_url",
    "check_writable_folder",
    "close_database",
    "keep_hypothesis_home",
    "open_database",
]


class KeyedDatabase(ExampleDatabase):
    """Another database, seen through a key prefix (one per unit of work)."""

    def __init__(self, inner: ExampleDatabase, prefix: str) -> None:
        super().__init__()
        self.inner = inner
        self.prefix = prefix.encode("utf-8") + b"\0"

    def save(self, key: bytes, value: bytes) -> None:
        self.inner.save(self.prefix + key, value)

    def fetch(self, key: bytes) -> Iterable[bytes]:
        return self.inner.fetch(self.prefix + key)

    def delete(self, key: bytes, value: bytes) -> None:
        self.inner.delete(self.prefix + key, value)

    def move(self, src: bytes, dest: bytes, value: bytes) -> None:
        self.inner.move(self.prefix + src, self.prefix + dest, value)

    def __repr__(self) -> str:
        return f"KeyedDatabase({self.inner!r}, {self.prefix[:-1].decode()!r})"


def check_redis_url(url: str) -> str:
    """Check the shape of a ``redis://HOST:PORT/N`` URL before connecting; return it redacted.

    Raises:
        UsageError: no host, a port that is not 1-65535, or a database that is not a number.
    """
    shown = redact(url)
    usage = "use redis://HOST:PORT/N (e.g. redis://127.0.0.1:6379/0)"
    parts = urlsplit(url)
    if parts.scheme == "unix":
        if not parts.path:
            raise UsageError(f"--database {shown!r} names no socket; use unix:///path/to/sock")
        return shown
    try:
        port = parts.port
    except ValueError:
        port = None
        bad_port: str | None = parts.netloc.rpartition("@")[2].rpartition(":")[2]
    else:
        bad_port = "0" if port == 0 else None
    if bad_port is not None:
        raise UsageError(
            f"--database {shown!r} has port {bad_port!r}, "
            f"which is not a port number (1-65535); {usage}"
        )
    if not parts.hostname:
        raise UsageError(f"--database {shown!r} names no host; {usage}")
    db = parts.path.strip("/")
    if db and not (db.isascii() and db.isdigit()):
        raise UsageError(f"--database {shown!r} has database {db!r}, not a number; {usage}")
    return shown


def _redis(url: str) -> ExampleDatabase:
    shown = check_redis_url(url)
    try:
        import redis
        from hypothesis.extra.redis import RedisExampleDatabase
    except ImportError:
        raise UsageError(
            f"--database {shown!r} needs the redis client; install it with "
            "'pip install backbeat-fuzz[redis]'"
        ) from None
    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=REDIS_CONNECT_TIMEOUT,
        socket_timeout=REDIS_ANSWER_TIMEOUT,
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        raise UsageError(
            f"cannot reach the Redis database {shown!r} ({redact(str(exc))}); "
            "start it or fix the URL"
        ) from None
    inner = RedisExampleDatabase(client, key_prefix=b"backbeat-fuzz:")
    return _GuardedDatabase(inner, redis.RedisError, shown)


class _GuardedDatabase(ExampleDatabase):
    """Hypothesis's Redis database whose every call turns a client error (the server gone,
    a timeout) into one :class:`InfrastructureError` naming the server, password masked."""

    def __init__(self, inner: ExampleDatabase, failure: type[Exception], shown: str) -> None:
        super().__init__()
        self.inner, self.failure, self.shown = inner, failure, shown
        self.redis = getattr(inner, "redis", None)  # what close_database closes

    def _call(self, what: Callable[[], _T]) -> _T:
        try:
            return what()
        except self.failure as exc:
            raise InfrastructureError(
                f"lost the Redis database {self.shown!r} ({redact(str(exc))}); restart it, "
                "or run with --database DIR or --database none"
            ) from None

    def fetch(self, key: bytes) -> Iterator[bytes]:
        yield from self._call(lambda: list(self.inner.fetch(key)))

    def save(self, key: bytes, value: bytes) -> None:
        self._call(lambda: self.inner.save(key, value))

    def delete(self, key: bytes, value: bytes) -> None:
        self._call(lambda: self.inner.delete(key, value))

    def move(self, src: bytes, dest: bytes, value: bytes) -> None:
        self._call(lambda: self.inner.move(src, dest, value))

    def __repr__(self) -> str:
        return f"RedisExampleDatabase({self.shown!r})"


def check_writable_folder(path: str | Path, option: str, *, file: str | Path | None = None) -> None:
    """Raise UsageError unless *path* is a folder, or can be made one, that this process can write.

    Nothing is created: the nearest existing folder on the way to *path* is checked instead.
    Used for the example database, the corpus and the reports' folders, so a campaign fails at
    once rather than at its first finding or at its end.

    Args:
        path: the folder.
        option: the option that named it (``--corpus``), for the message.
        file: the file the option named, when *path* is that file's folder (for the message).
    """
    folder = Path(path)
    shown = str(file if file is not None else folder)
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        if file is None and existing == folder:
            raise UsageError(f"{option} {shown!r} is a file; give a folder path")
        raise UsageError(
            f"{option} {shown!r} is below the file {str(existing)!r}; give a path in a folder"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(
            f"{option} {shown!r} cannot be written ({str(existing)!r} is read-only); "
            "choose a writable folder"
        )


def open_database(spec: str | None) -> ExampleDatabase | None:
    """Open the database named by *spec*: a folder path, ``redis://HOST:PORT/N``, or ``none``.

    Raises:
        UsageError: the folder is a file or cannot be written, or Redis cannot be reached.
    """
    if spec is None or spec.lower() in ("", "none", "off"):
        return None
    if spec.startswith(_REDIS_SCHEMES):
        return _redis(spec)
    folder = Path(spec)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--database {spec!r} is a file; give a folder, a redis:// URL or 'none'")
    check_writable_folder(folder, "--database")
    folder.mkdir(parents=True, exist_ok=True)  # a CI cache of it finds it, even while empty
    return DirectoryBasedExampleDatabase(str(folder))


def close_database(database: ExampleDatabase | None) -> None:
    """Release what :func:`open_database` opened (the Redis client's connections)."""
    client = getattr(database, "redis", None)
    if client is not None:
        client.close()


def keep_hypothesis_home(database: str | None) -> str:
    """Give Hypothesis's own files a home that is not ``.hypothesis/`` of the current folder.

    With the default database (``.backbeat-fuzz/examples``) that is ``.backbeat-fuzz/hypothesis``,
    kept between runs; with any other database, or none, a temporary folder removed at exit,
    holding the packaged copy of Hypothesis's Unicode table.
    A ``HYPOTHESIS_STORAGE_DIRECTORY`` the user set is kept. Set in the environment, so worker
    processes started later share it. Call it before anything is generated.

    Returns:
        The folder Hypothesis uses.
    """
    home = os.environ.get(HYPOTHESIS_HOME)
    if home:
        return home
    if database == DEFAULT_DATABASE:
        home = str(Path(DEFAULT_DATABASE).parent.resolve() / "hypothesis")
    else:
        home = tempfile.mkdtemp(prefix="backbeat-fuzz-hypothesis-")
        atexit.register(shutil.rmtree, home, True)
        _seed_unicode_table(Path(home))
    os.environ[HYPOTHESIS_HOME] = home
    return home


def _seed_unicode_table(home: Path) -> None:
    """Put the packaged copy of Hypothesis's Unicode table in *home*, so a temporary home does
    not cost its computation (~0.2 s a process). Only for the Unicode version it was made
    from; Hypothesis computes any other itself, and one it cannot read."""
    version = unicodedata.unidata_version
    packaged = Path(__file__).with_name(f"unicode-{version}-charmap.json.gz")
    if packaged.is_file():
        folder = home / "unicode_data" / version
        folder.mkdir(parents=True)
        shutil.copyfile(packaged, folder / "charmap.json.gz")
