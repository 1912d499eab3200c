"""The message files below a ``--dir`` folder, and what the walk does with symbolic links.

``--dir`` reads nothing outside the folder it is given:

- a symlinked folder is never followed (no loops; one that points inside is walked where it
  really is);
- a symlinked message file is read when its target is a regular file inside the folder, and
  skipped with a warning when it points outside (name the target with ``--file`` to read it);
- a broken symlinked message file (a loop, or a missing target) is an error naming it: the
  folder is not what its owner thinks, and a silent skip would pass a CI job that checks
  nothing.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import UsageError

LINE_SUFFIXES = (".jsonl", ".ndjson")
_SUFFIXES = (".json", *LINE_SUFFIXES)
#: Metadata sidecars (the fuzzer's corpus keeps ``<name>.meta.json`` beside each message file):
#: skipped when walking a folder, validated only when named with --file.
SIDECAR_SUFFIX = ".meta.json"


def is_message_file(name: str) -> bool:
    """True for a file name ``--dir`` validates: ``*.json``, ``*.jsonl``, ``*.ndjson``, but not
    a ``*.meta.json`` sidecar."""
    return os.path.splitext(name)[1] in _SUFFIXES and not name.endswith(SIDECAR_SUFFIX)


def _entries(folder: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError as exc:
        raise UsageError(
            f"cannot read folder {folder!r}: {exc.strerror}; check its permissions"
        ) from None


def _inside(path: str, root: str) -> bool:
    return os.path.commonpath([path, root]) == root


def _linked(entry: os.DirEntry[str], root: str, shown: str, warn: Callable[[str], None]) -> bool:
    """Whether the symlinked message file *entry* is read (see the module docstring)."""
    try:
        target = os.path.realpath(entry.path, strict=True)
    except OSError as exc:
        what = "a symbolic link loop" if exc.errno == errno.ELOOP else "a broken symbolic link"
        raise UsageError(
            f"--dir {shown!r}: {entry.path!r} is {what}; remove it or point it at a message file"
        ) from None
    if not _inside(target, root):
        warn(
            f"skipped {entry.path!r}: a symbolic link out of --dir {shown!r} "
            "(--dir reads nothing outside its folder; name the file with --file to check it)"
        )
        return False
    return os.path.isfile(target)


def _walk(folder: str, shown: str, warn: Callable[[str], None]) -> Iterator[str]:
    """Every message file below *folder*, iteratively (a deep tree is no recursion)."""
    root = os.path.realpath(folder)
    pending = [folder]
    while pending:
        for entry in _entries(pending.pop()):
            if entry.is_symlink():
                if is_message_file(entry.name) and _linked(entry, root, shown, warn):
                    yield entry.path
            elif entry.is_dir(follow_symlinks=False):
                pending.append(entry.path)
            elif is_message_file(entry.name) and entry.is_file(follow_symlinks=False):
                yield entry.path


def _path_order(path: str) -> list[str]:
    """The order of ``Path(path)`` among paths below one folder (part by part, case-folded
    where the system folds case), without making the Path."""
    return os.path.normcase(path).split(os.sep)


def dir_files(folder: Path, warn: Callable[[str], None]) -> list[str]:
    """Every message file below *folder*, in ``Path`` order, spelled as ``str(Path(p))`` is.

    Args:
        folder: the folder the user named.
        warn: told one line for each symlink skipped because it points out of *folder*.

    Raises:
        UsageError: *folder* is not a folder, holds no message file, cannot be read, or holds
            a broken symlinked message file.
    """
    shown = str(folder)
    if not folder.is_dir():
        raise UsageError(f"--dir {shown!r} is not a folder; give a folder of message files")
    files = sorted(_walk(shown, shown, warn), key=_path_order)
    if shown == os.curdir:  # scandir('.') gives './x', which Path spells 'x'
        files = [p[len(os.curdir + os.sep) :] for p in files]
    if not files:
        raise UsageError(
            f"--dir {shown!r} holds no .json, .jsonl or .ndjson file "
            f"(*{SIDECAR_SUFFIX} sidecars are skipped); check the path"
        )
    return files
