"""``backbeat-validate``: validate BACKBEAT messages from files, folders, text or stdin.

Exit codes: 0 all valid (or invalid found without ``--exit-code``), 1 invalid found with
``--exit-code``, 2 usage or I/O error (missing file, unreadable or empty folder, bad schemas).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from ..errors import BackbeatFuzzError
from ..validator import MessageValidator, ValidationResult

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
_LINE_SUFFIXES = (".jsonl", ".ndjson")
_SUFFIXES = (".json", *_LINE_SUFFIXES)
#: Metadata sidecars (the fuzzer's corpus keeps ``<name>.meta.json`` beside each message file):
#: skipped when walking a folder, validated only when named with --file.
SIDECAR_SUFFIX = ".meta.json"


def _fail(message: str) -> click.ClickException:
    exc = click.ClickException(message)
    exc.exit_code = EXIT_USAGE
    return exc


def is_message_file(name: str) -> bool:
    """True for a file name ``--dir`` validates: ``*.json``, ``*.jsonl``, ``*.ndjson``, but not
    a ``*.meta.json`` sidecar."""
    return os.path.splitext(name)[1] in _SUFFIXES and not name.endswith(SIDECAR_SUFFIX)


def _walk(folder: str) -> Iterator[str]:
    """Every message file below *folder*; symlinked folders are not followed (no loops)."""
    try:
        with os.scandir(folder) as entries:
            found = list(entries)
    except OSError as exc:
        raise _fail(
            f"cannot read folder {folder!r}: {exc.strerror}; check its permissions"
        ) from None
    for entry in found:
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(entry.path)
        elif is_message_file(entry.name) and entry.is_file():
            yield entry.path


def _path_order(path: str) -> list[str]:
    """The order of ``Path(path)`` among paths below one folder (part by part, case-folded
    where the system folds case), without making the Path."""
    return os.path.normcase(path).split(os.sep)


def _dir_files(folder: Path) -> list[str]:
    """Every message file below *folder*, in ``Path`` order, spelled as ``str(Path(p))`` is."""
    if not folder.is_dir():
        raise _fail(f"--dir {str(folder)!r} is not a folder; give a folder of message files")
    files = sorted(_walk(str(folder)), key=_path_order)
    if str(folder) == os.curdir:  # scandir('.') gives './x', which Path spells 'x'
        files = [p[len(os.curdir + os.sep) :] for p in files]
    if not files:
        raise _fail(
            f"--dir {str(folder)!r} holds no .json, .jsonl or .ndjson file "
            f"(*{SIDECAR_SUFFIX} sidecars are skipped); check the path"
        )
    return files


def _read(path: Path | str) -> bytes:
    try:
        with open(path, "rb", buffering=0) as file:  # unbuffered: one read, no buffer object
            return file.readall()
    except OSError as exc:
        raise _fail(f"cannot read {str(path)!r}: {exc.strerror}; check the path") from None


def _sourced(result: ValidationResult, source: str) -> ValidationResult:
    return ValidationResult(result.valid, result.message_type, result.errors, source)


def _suffix(path: Path | str) -> str:
    """``Path.suffix``; a walked file's name has one ``os.path.splitext`` finds the same."""
    return path.suffix if isinstance(path, Path) else os.path.splitext(path)[1]


def _validate_path(
    validator: MessageValidator, path: Path | str, kind: str | None
) -> Iterator[ValidationResult]:
    data = _read(path)
    if _suffix(path) not in _LINE_SUFFIXES:
        yield _sourced(validator.validate_message_string(data, kind=kind), str(path))
        return
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.strip():
            result = validator.validate_message_string(line.rstrip(b"\r"), kind=kind)
            yield _sourced(result, f"{path}:{number}")


def _argument_bytes(text: str) -> bytes:
    """The bytes of a command-line argument: undecodable bytes come back as they were given."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that did not come from undecodable bytes
        return text.encode("utf-8", "surrogatepass")


def _validate_message(
    validator: MessageValidator, message: str, kind: str | None
) -> ValidationResult:
    if message == "-":
        return _sourced(
            validator.validate_message_string(sys.stdin.buffer.read(), kind=kind), "<stdin>"
        )
    result = validator.validate_message_string(_argument_bytes(message), kind=kind)
    return _sourced(result, "<message>")


def _validate_all(
    validator: MessageValidator,
    message: str | None,
    paths: list[Path],
    walked: list[str],
    kind: str | None,
) -> list[ValidationResult]:
    """Validate the --message, then each --file, then the files found below each --dir (which
    the walk has already seen to be files)."""
    results = [] if message is None else [_validate_message(validator, message, kind)]
    for path in paths:
        if not path.is_file():
            raise _fail(f"--file {str(path)!r} does not exist or is not a file; check the path")
        results.extend(_validate_path(validator, path, kind))
    for path in walked:
        results.extend(_validate_path(validator, path, kind))
    return results


def _render(result: ValidationResult) -> str:
    if result.valid:
        return f"OK       {result.source}  {result.message_type}"
    lines = [f"INVALID  {result.source}  {result.message_type or 'unknown type'}"]
    lines += [f"  - {e.path}: {e.message} [{e.rule}]" for e in result.errors]
    return "\n".join(lines)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--schemas",
    "schemas_dir",
    type=click.Path(path_type=Path),
    help="Folder of *.schema.json files (default: the packaged v1 schemas).",
)
@click.option(
    "--file",
    "files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A message file (.json, or .jsonl/.ndjson with one message a line). Repeatable.",
)
@click.option("--message", "message", help="A message as JSON text, or '-' to read one from stdin.")
@click.option(
    "--dir",
    "dirs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Validate every .json/.jsonl/.ndjson file below this folder. Repeatable.",
)
@click.option(
    "--kind",
    help="Validate as this kind (beatframe, statusclaim, barreport) instead of reading 'type'.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document with every result.")
@click.option("--quiet", "-q", is_flag=True, help="Print only invalid messages.")
@click.option("--exit-code", is_flag=True, help="Exit 1 when any message is invalid.")
def main(
    schemas_dir: Path | None,
    files: tuple[Path, ...],
    message: str | None,
    dirs: tuple[Path, ...],
    kind: str | None,
    as_json: bool,
    quiet: bool,
    exit_code: bool,
) -> None:
    """Validate BACKBEAT messages against the contract's JSON Schemas and rules.

    Exit codes: 0 all valid, 1 invalid found (with --exit-code), 2 usage or I/O error.
    """
    if not (files or dirs or message is not None):
        raise click.UsageError("nothing to validate; give --file, --dir or --message (try --help)")
    try:
        validator = MessageValidator(schemas_dir)
        if kind is not None:
            validator.contract.kind(kind)
        walked = [p for d in dirs for p in _dir_files(d)]
        results = _validate_all(validator, message, list(files), walked, kind)
    except BackbeatFuzzError as exc:
        raise _fail(str(exc)) from None
    _report(results, as_json=as_json, quiet=quiet)
    if exit_code and not all(r.valid for r in results):
        sys.exit(EXIT_INVALID)


def _report(results: list[ValidationResult], *, as_json: bool, quiet: bool) -> None:
    invalid = sum(not r.valid for r in results)
    summary = {"total": len(results), "valid": len(results) - invalid, "invalid": invalid}
    if as_json:
        shown = [r for r in results if not (quiet and r.valid)]
        doc = {"results": [r.to_dict() for r in shown], "summary": summary}
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return
    lines = [_render(r) for r in results if not (quiet and r.valid)]
    if not quiet or invalid:
        lines.append(f"{summary['total']} checked: {summary['valid']} valid, {invalid} invalid")
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":  # pragma: no cover
    main()
