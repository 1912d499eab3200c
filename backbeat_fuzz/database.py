"""Hypothesis example databases for campaigns: a folder, Redis, or none, with per-unit keys.

A nightly job restarts from what earlier nights found only if each unit of work (kind,
direction, rule) keeps its own examples: :class:`KeyedDatabase` prefixes every key, so one
folder or one Redis database serves every unit, every target and every worker.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase

from .errors import UsageError

__all__ = ["KeyedDatabase", "check_writable_folder", "close_database", "open_database"]


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


def _redis(url: str) -> ExampleDatabase:
    try:
        import redis
        from hypothesis.extra.redis import RedisExampleDatabase
    except ImportError:
        raise UsageError(
            f"--database {url!r} needs the redis client; install it with "
            "'pip install backbeat-fuzz[redis]'"
        ) from None
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise UsageError(
            f"cannot reach the Redis database {url!r} ({exc}); start it or fix the URL"
        ) from None
    return RedisExampleDatabase(client, key_prefix=b"backbeat-fuzz:")


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
    if spec.startswith(("redis://", "rediss://", "unix://")):
        return _redis(spec)
    folder = Path(spec)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--database {spec!r} is a file; give a folder, a redis:// URL or 'none'")
    check_writable_folder(folder, "--database")
    return DirectoryBasedExampleDatabase(str(folder))


def close_database(database: ExampleDatabase | None) -> None:
    """Release what :func:`open_database` opened (the Redis client's connections)."""
    client = getattr(database, "redis", None)
    if client is not None:
        client.close()
