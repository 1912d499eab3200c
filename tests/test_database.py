"""Example databases: KeyedDatabase, open_database, and a real Redis shared by sharded campaigns.

The Redis tests start their own ``redis-server`` on loopback (session-scoped); without one
installed they are skipped, and ``.ci/run`` installs it so CI never skips them.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from hypothesis.database import DirectoryBasedExampleDatabase, InMemoryExampleDatabase
from hypothesis.extra.redis import RedisExampleDatabase

import backbeat_fuzz
from backbeat_fuzz.database import (
    HYPOTHESIS_HOME,
    KeyedDatabase,
    keep_hypothesis_home,
    open_database,
)
from backbeat_fuzz.errors import UsageError
from backbeat_fuzz.harness import CampaignConfig, Unit, plan_units, run_campaign
from backbeat_fuzz.report import CampaignReport

PREFIX = b"backbeat-fuzz:"
DEMO = "backbeat_fuzz.demo:handle"
#: Rules whose mutants the demo consumer gets wrong, and some it gets right.
RULES = (
    "required.type",
    "required.hlc",
    "phase.enum",
    "hlc.pattern",
    "json.duplicate_key",
    "window_id.pattern",
    "cluster_id.minLength",
    "tempo_bpm.maximum",
)
NOT_INSTALLED = "redis-server not installed; .ci/run installs it with apt-get"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _keyed_values(db: InMemoryExampleDatabase) -> dict[bytes, set[bytes]]:
    return {key: set(values) for key, values in db.data.items() if values}


# -- KeyedDatabase over an in-memory database -----------------------------------------------


def test_keyed_save_and_fetch_go_through_the_prefix() -> None:
    inner = InMemoryExampleDatabase()
    keyed = KeyedDatabase(inner, "beatframe/valid")
    keyed.save(b"k", b"v1")
    keyed.save(b"k", b"v2")
    assert set(keyed.fetch(b"k")) == {b"v1", b"v2"}
    assert _keyed_values(inner) == {b"beatframe/valid\0k": {b"v1", b"v2"}}


def test_keyed_delete_removes_one_value() -> None:
    inner = InMemoryExampleDatabase()
    keyed = KeyedDatabase(inner, "u")
    keyed.save(b"k", b"v1")
    keyed.save(b"k", b"v2")
    keyed.delete(b"k", b"v1")
    keyed.delete(b"k", b"never saved")
    assert set(keyed.fetch(b"k")) == {b"v2"}


def test_keyed_move_stays_inside_the_prefix() -> None:
    inner = InMemoryExampleDatabase()
    keyed = KeyedDatabase(inner, "u")
    keyed.save(b"src", b"v")
    keyed.move(b"src", b"dest", b"v")
    assert list(keyed.fetch(b"src")) == []
    assert list(keyed.fetch(b"dest")) == [b"v"]
    assert _keyed_values(inner) == {b"u\0dest": {b"v"}}


def test_two_prefixes_do_not_see_each_other() -> None:
    inner = InMemoryExampleDatabase()
    valid = KeyedDatabase(inner, "beatframe/valid")
    invalid = KeyedDatabase(inner, "beatframe/invalid/hlc.pattern")
    valid.save(b"k", b"a")
    invalid.save(b"k", b"b")
    invalid.delete(b"k", b"a")
    assert list(valid.fetch(b"k")) == [b"a"]
    assert list(invalid.fetch(b"k")) == [b"b"]


def test_a_prefix_cannot_reach_a_longer_one() -> None:
    inner = InMemoryExampleDatabase()
    KeyedDatabase(inner, "a").save(b"b\0k", b"v")
    assert list(KeyedDatabase(inner, "a\0b").fetch(b"k")) == [b"v"]  # documents the separator
    assert list(KeyedDatabase(inner, "ab").fetch(b"k")) == []


def test_keyed_repr_names_the_prefix() -> None:
    keyed = KeyedDatabase(InMemoryExampleDatabase(), "statusclaim/valid")
    assert repr(keyed).endswith(", 'statusclaim/valid')")


# -- open_database: none, a folder, errors ----------------------------------------------------


@pytest.mark.parametrize("spec", [None, "", "none", "NONE", "off"])
def test_none_means_no_database(spec: str | None) -> None:
    assert open_database(spec) is None


def test_a_folder_database_keeps_examples_between_opens(tmp_path: Path) -> None:
    folder = tmp_path / "examples"
    first = open_database(str(folder))
    assert isinstance(first, DirectoryBasedExampleDatabase)
    KeyedDatabase(first, "beatframe/valid").save(b"k", b"v")
    again = open_database(str(folder))
    assert again is not None
    assert list(KeyedDatabase(again, "beatframe/valid").fetch(b"k")) == [b"v"]
    assert list(KeyedDatabase(again, "beatframe/invalid/x").fetch(b"k")) == []


def test_a_file_is_not_a_folder_database(tmp_path: Path) -> None:
    path = tmp_path / "examples"
    path.write_text("x")
    with pytest.raises(UsageError) as info:
        open_database(str(path))
    assert str(info.value) == (
        f"--database {str(path)!r} is a file; give a folder, a redis:// URL or 'none'"
    )


def test_an_unreachable_redis_is_a_one_line_usage_error() -> None:
    url = f"redis://127.0.0.1:{_free_port()}/0"  # nothing listens there
    start = time.monotonic()
    with pytest.raises(UsageError) as info:
        open_database(url)
    message = str(info.value)
    assert message.startswith(f"cannot reach the Redis database {url!r} (")
    assert message.endswith("); start it or fix the URL")
    assert "\n" not in message
    assert time.monotonic() - start < 10


def test_redis_without_its_client_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)  # import redis raises ImportError
    with pytest.raises(UsageError, match=r"pip install backbeat-fuzz\[redis\]'$"):
        open_database("redis://127.0.0.1:6379/0")


# -- a real redis-server ------------------------------------------------------------------------


def _ping(port: int) -> bool:
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _start(server: str, folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Start redis-server on a free loopback port; return it once PING answers."""
    port = _free_port()
    log = folder / f"redis-{port}.log"
    options = {"port": str(port), "bind": "127.0.0.1", "save": "", "appendonly": "no"}
    options |= {"dir": str(folder), "logfile": str(log), "daemonize": "no"}
    proc = subprocess.Popen(
        [server, *(part for name, value in options.items() for part in (f"--{name}", value))],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and proc.poll() is None:
        if _ping(port):
            return proc, port
        time.sleep(0.05)
    _stop(proc)
    tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
    raise RuntimeError(f"redis-server on port {port} did not answer PING: {tail}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def redis_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The port of a private redis-server on 127.0.0.1 (no persistence), stopped at the end."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip(NOT_INSTALLED)
    folder = tmp_path_factory.mktemp("redis")
    for attempt in range(3):  # the free port may be taken between the probe and the start
        try:
            proc, port = _start(server, folder)
            break
        except RuntimeError:
            if attempt == 2:
                raise
    try:
        yield port
    finally:
        _stop(proc)


@pytest.fixture
def redis_client(redis_port: int) -> Iterator[redis.Redis]:
    """A client on database 0 of the private server, emptied before the test."""
    client = redis.Redis(host="127.0.0.1", port=redis_port, db=0)
    client.flushdb()
    try:
        yield client
    finally:
        client.close()


def _campaign(url: str | None, **changes: object) -> CampaignConfig:
    options: dict[str, object] = {
        "target": DEMO,
        "kinds": ("beatframe",),
        "rules": RULES,
        "max_examples": 80,
        "seed": 20250905,
        "corpus_dir": None,
        "database": url,
        "coverage": False,  # what reaches the database is then Hypothesis's alone
    }
    options.update(changes)
    return CampaignConfig(**options)  # type: ignore[arg-type]


def _found(report: CampaignReport) -> set[tuple[str, str, str | None]]:
    return {(f.outcome.value, f.kind, f.rule) for f in report.findings}


def _units_in_redis(client: redis.Redis) -> set[str]:
    """The unit keys (``beatframe/invalid/hlc.pattern``) that have entries in Redis."""
    names = [key.removeprefix(PREFIX) for key in client.scan_iter(match=PREFIX + b"*")]
    return {name.partition(b"\0")[0].decode() for name in names}


def test_open_database_reaches_a_real_redis(redis_client: redis.Redis, redis_port: int) -> None:
    database = open_database(f"redis://127.0.0.1:{redis_port}/0")
    assert isinstance(getattr(database, "inner", None), RedisExampleDatabase)
    with contextlib.closing(database.redis):
        keyed = KeyedDatabase(database, "beatframe/valid")
        keyed.save(b"k", b"v")
        assert list(keyed.fetch(b"k")) == [b"v"]
        assert redis_client.smembers(PREFIX + b"beatframe/valid\0k") == {b"v"}
        keyed.delete(b"k", b"v")
    assert redis_client.exists(PREFIX + b"beatframe/valid\0k") == 0


def test_shards_split_the_units_and_share_one_redis(
    redis_client: redis.Redis, redis_port: int
) -> None:
    url = f"redis://127.0.0.1:{redis_port}/0"
    whole, _ = plan_units(_campaign(url), "str")
    shards = [plan_units(_campaign(url, shard=(i, 2)), "str")[0] for i in range(2)]
    assert set(shards[0]).isdisjoint(shards[1])
    assert sorted(shards[0] + shards[1], key=whole.index) == whole

    reports = [run_campaign(_campaign(url, shard=(i, 2))) for i in range(2)]
    unsharded = run_campaign(_campaign(None))

    assert _found(unsharded), "the demo consumer's planted bugs were not found at all"
    assert _found(unsharded) <= _found(reports[0]) | _found(reports[1])
    for report, units in zip(reports, shards, strict=True):
        assert {f.rule for f in report.findings} <= {u.rule for u in units}
    in_redis = _units_in_redis(redis_client)
    assert in_redis <= {u.key for u in whole}
    assert {Unit(f.kind, f.rule).key for r in reports for f in r.findings} <= in_redis
    assert {u.key for u in shards[0]} & in_redis and {u.key for u in shards[1]} & in_redis


def test_a_second_run_replays_the_saved_failures(
    redis_client: redis.Redis, redis_port: int
) -> None:
    url = f"redis://127.0.0.1:{redis_port}/0"
    units, _ = plan_units(_campaign(url, rules=()), "str")
    assert units[0] == Unit("beatframe")  # shard 0 of len(units) is the valid unit alone
    only_valid = {"rules": (), "shard": (0, len(units))}
    one = {"max_examples": 1, "seed": 7}

    control = run_campaign(_campaign(None, **only_valid, **one))
    assert not control.findings, "one example should not find the false rejects unaided"

    first = run_campaign(_campaign(url, **only_valid, max_examples=300))
    assert first.findings
    assert {(f.outcome.value, f.rule) for f in first.findings} == {("false_reject", None)}
    assert _units_in_redis(redis_client) == {"beatframe/valid"}

    again = run_campaign(_campaign(url, **only_valid, **one))
    assert set(again.findings) == set(first.findings)  # every saved bug replayed from Redis
    shrunk = {f.signature: f.data for f in first.findings}
    assert {f.signature: f.data for f in again.findings} == shrunk


def _table(path: Path) -> Any:
    with gzip.open(path, "rt", encoding="utf-8") as table:
        return json.load(table)


def test_the_packaged_unicode_table_is_the_one_hypothesis_computes(tmp_path: Path) -> None:
    """The copy a temporary Hypothesis home starts with (so a run with --database none does
    not compute it again) is exactly what this Hypothesis and this Python would write."""
    version = unicodedata.unidata_version
    packaged = Path(backbeat_fuzz.__file__).with_name(f"unicode-{version}-charmap.json.gz")
    assert packaged.is_file(), f"no packaged Unicode table for Unicode {version}"
    code = "from hypothesis.internal import charmap; charmap.charmap()"
    env = {**os.environ, "HYPOTHESIS_STORAGE_DIRECTORY": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    assert _table(packaged) == _table(tmp_path / "unicode_data" / version / "charmap.json.gz")


def test_a_temporary_hypothesis_home_starts_with_the_unicode_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(HYPOTHESIS_HOME, "")  # unset, and restored after the test
    home = Path(keep_hypothesis_home(None))
    assert os.environ[HYPOTHESIS_HOME] == str(home)
    version = unicodedata.unidata_version
    assert (home / "unicode_data" / version / "charmap.json.gz").is_file()
    assert home.name.startswith("backbeat-fuzz-hypothesis-")
