"""The corpus: findings kept as message files a person can read, replay and commit.

A tiny store in the spirit of Hypothesis's ``DirectoryBasedExampleDatabase``: ``save``,
``entries``, ``delete``. Each entry is two files in ``<root>/<kind>/``:

- ``<outcome>--<rule or "valid">--<hash8>.json`` holds exactly the message bytes, so
  ``backbeat-validate --file`` and the consumer's own tools work on it;
- ``<same stem>.meta.json`` holds the rest (rule, expected verdict, signature, detail, target,
  seed, ...) as indented JSON.

``hash8`` is the start of a SHA-256 over the finding's signature when the entry has one (one
file per bug: the shrunk message replaces the first one seen, and campaigns sharing a corpus
converge on one entry per finding), else over (kind, expected, data). Saving the same entry
twice changes nothing. Every write goes to a temporary file in the same folder
and is renamed into place, the message before its metadata, so readers (and other processes
writing at the same time) never see a torn or half-saved entry.
"""

from __future__ import annotations

import enum
import hashlib
import json
import os
import re
import secrets
import stat
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import UsageError
from .model import Outcome

__all__ = ["Corpus", "CorpusEntry", "Expected", "write_atomic"]

_META_SUFFIX = ".meta.json"
_UNSAFE = re.compile(r"[^A-Za-z0-9._\[\]-]")
_SLUG = 48


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write *data* to *path* so that readers see the old file or the new one, never a part.

    The bytes go to a hidden temporary file in the same folder, are flushed to disk, and the
    file is renamed over *path*. Used for corpus entries, reports and baselines.

    Args:
        path: the file to write; its folder must exist.
        data: the complete new content.
    """
    path = Path(path)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = str(path)  # a write into an open file names no file: say which
        raise


class Expected(enum.StrEnum):
    """What a correct consumer does with a message: accept a valid one, reject an invalid one,
    either for a probe (past an implementation limit the contract does not state)."""

    ACCEPT = "accept"
    REJECT = "reject"
    EITHER = "either"


def _tool_version() -> str:
    from . import __version__

    return __version__


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class CorpusEntry:
    """One saved finding (or any message worth replaying).

    Attributes:
        kind: the message kind's short name (``beatframe``).
        message_type: its ``type`` constant (``backbeat.beatframe.v1``), when known.
        rule: the rule the message breaks, or None for a valid message.
        expected: what a correct consumer does with it.
        outcome: how the consumer got it wrong.
        data: the exact message bytes.
        detail: what the consumer did (``KeyError: 'hlc'``, ``exit code 0``).
        target: the target spec it was found on.
        seed: the campaign's seed.
        tool_version: the backbeat-fuzz version that found it.
        found_at: when, as an ISO 8601 UTC timestamp.
        note: how the message was made (``trailing newline``), or a person's remark.
        signature: the finding's cause (``crash: KeyError at h.py:3 in f``), "" if unknown.
        fields: the top-level fields where the message differs from the schema's example.
        location: ``file:line`` in the consumer's source, when the target knows it.
    """

    kind: str
    message_type: str | None
    rule: str | None
    expected: Expected
    outcome: Outcome
    data: bytes = field(repr=False)
    detail: str = ""
    target: str = ""
    seed: int | None = None
    tool_version: str = field(default_factory=_tool_version)
    found_at: str = field(default_factory=_now)
    note: str = ""
    signature: str = ""
    fields: tuple[str, ...] = ()
    location: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "expected", Expected(self.expected))
        object.__setattr__(self, "outcome", Outcome(self.outcome))
        object.__setattr__(self, "fields", tuple(self.fields))
        if not self.kind:
            raise ValueError("kind must be a message kind's short name, e.g. 'beatframe'")

    @property
    def digest(self) -> str:
        """The first 8 hex digits of SHA-256 over the signature, else (kind, expected, data)."""
        sha = hashlib.sha256()
        if self.signature:
            sha.update(self.signature.encode("utf-8", "backslashreplace"))
            return sha.hexdigest()[:8]
        for part in (self.kind.encode(), b"\0", self.expected.value.encode(), b"\0", self.data):
            sha.update(part)
        return sha.hexdigest()[:8]

    @property
    def stem(self) -> str:
        """The file name without ``.json``: ``<outcome>--<cause>--<hash8>``.

        The cause is the signature cut to a readable slug (``KeyError_at_h.py_3_in_f``), or
        the rule (``valid`` for a valid message) for an entry without a signature.
        """
        if self.signature:
            cause = self.signature.removeprefix(f"{self.outcome.value}: ")
        else:
            cause = self.rule if self.rule is not None else "valid"
        slug = re.sub(r"_+", "_", _UNSAFE.sub("_", cause)).strip("_")[:_SLUG] or "finding"
        return f"{self.outcome.value}--{slug}--{self.digest}"

    @property
    def text(self) -> str:
        """The message text (undecodable bytes shown as ``\\xNN`` escapes)."""
        return self.data.decode("utf-8", "backslashreplace")

    def metadata(self) -> dict[str, Any]:
        """Every field but the data, JSON-ready, as the sidecar file holds them."""
        meta = asdict(self)
        del meta["data"]
        meta["expected"] = self.expected.value
        meta["outcome"] = self.outcome.value
        meta["fields"] = list(self.fields)
        return meta


_FIELDS = [name for name in CorpusEntry.__dataclass_fields__ if name != "data"]

#: The largest entry file read: the fuzzer writes messages of kilobytes; a bigger file in a
#: corpus someone else committed is refused rather than read into memory.
MAX_ENTRY_BYTES = 16 * 1024 * 1024


class _Refused(Exception):
    """An entry file that is not read: why, for the line that says so."""


def _read_regular(path: Path) -> bytes:
    """The bytes of *path* if it is a regular file of at most :data:`MAX_ENTRY_BYTES`.

    A symlink is never followed (a committed ``x.json -> /etc/shadow`` would send that file to
    the target) and a FIFO or device is never opened for reading (it could block forever).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise _Refused("a symlink" if path.is_symlink() else exc.strerror) from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _Refused("not a regular file")
        if info.st_size > MAX_ENTRY_BYTES:
            raise _Refused(f"larger than {MAX_ENTRY_BYTES >> 20} MiB")
        return file.read(MAX_ENTRY_BYTES + 1)


def _load(message: Path, meta_path: Path) -> CorpusEntry:
    data = _read_regular(message)
    try:
        meta = json.loads(_read_regular(meta_path).decode("utf-8"))
        return CorpusEntry(
            data=data,
            **{name: meta[name] for name in _FIELDS if name in meta},
        )
    except (ValueError, TypeError, KeyError) as exc:
        raise UsageError(
            f"corpus file {str(meta_path)!r} is not valid metadata ({exc}); "
            "fix it, or delete it and its message file"
        ) from None


class Corpus:
    """A folder of saved findings: ``save``, ``entries``, ``delete``.

    Args:
        root: the corpus folder; created on the first save.

    Raises:
        UsageError: *root* exists and is not a folder.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.refused: list[tuple[Path, str]] = []  # what the last entries() did not read, and why
        if self.root.exists() and not self.root.is_dir():
            raise UsageError(f"corpus {str(self.root)!r} is a file; give a folder path")

    def path_for(self, entry: CorpusEntry) -> Path:
        """Where *entry*'s message file is (or would be) saved."""
        return self.root / _UNSAFE.sub("_", entry.kind) / f"{entry.stem}.json"

    def save(self, entry: CorpusEntry) -> Path:
        """Save *entry* (the message, then its metadata); a no-op if it is already saved.

        An entry already in the corpus with the same message and the same finding (signature,
        fields, location) keeps its first metadata, so re-running a campaign does not churn
        committed files.

        Returns:
            The path of the message file.
        """
        path = self.path_for(entry)
        meta = _meta_path(path)
        saved = meta.exists() and path.exists() and path.read_bytes() == entry.data
        if saved and _same_finding(meta, entry):
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(entry.metadata(), indent=2, ensure_ascii=False) + "\n"
        rewrite = meta.exists()  # an entry of this finding is already whole on disk
        write_atomic(path, entry.data)
        try:
            write_atomic(meta, text.encode("utf-8", "backslashreplace"))
        except BaseException:  # never a message without its metadata (disk full, Ctrl-C)
            if not rewrite:  # a rewrite keeps its previous metadata: the finding is not lost
                path.unlink(missing_ok=True)
            raise
        return path

    def entries(self) -> list[CorpusEntry]:
        """Every complete entry (message and metadata both present), sorted by path.

        Only regular files inside the corpus are read: a symlinked kind folder or entry file,
        a FIFO or an oversized file is left unread and listed in :attr:`refused` with why.

        Raises:
            UsageError: a metadata file is not valid; the message names it.
        """
        self.refused = []
        found = []
        for meta in self._meta_files():
            message = meta.with_name(meta.name.removesuffix(_META_SUFFIX) + ".json")
            if os.path.lexists(message):
                found.append((message, meta))
        entries = []
        for message, meta in sorted(found):
            try:
                entries.append(_load(message, meta))
            except _Refused as why:
                self.refused.append((message, str(why)))
        return entries

    def _meta_files(self) -> list[Path]:
        """The metadata files in real (not symlinked) kind folders of the corpus."""
        if not self.root.is_dir():
            return []
        metas = []
        for folder in sorted(self.root.iterdir()):
            if folder.is_symlink():
                self.refused.append((folder, "a symlinked folder"))
            elif folder.is_dir():
                metas += folder.glob(f"*{_META_SUFFIX}")
        return metas

    def delete(self, entry: CorpusEntry) -> None:
        """Remove *entry* (its metadata first, so it vanishes at once); a no-op if absent."""
        path = self.path_for(entry)
        _meta_path(path).unlink(missing_ok=True)
        path.unlink(missing_ok=True)

    def __repr__(self) -> str:
        return f"Corpus({str(self.root)!r})"


#: What makes a saved entry the same finding as a new one (the rest is when and by whom).
_IDENTITY = ("outcome", "rule", "expected", "signature", "fields", "location")


def _same_finding(meta_path: Path, entry: CorpusEntry) -> bool:
    try:
        saved = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    new = entry.metadata()
    return all(saved.get(name) == new[name] for name in _IDENTITY)


def _meta_path(message: Path) -> Path:
    return message.with_name(message.name.removesuffix(".json") + _META_SUFFIX)
