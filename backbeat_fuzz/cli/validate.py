"""``backbeat-validate``: validate BACKBEAT messages from files, folders, text or stdin.

Results stream: a ``.jsonl``/``.ndjson`` file, or NDJSON on stdin, is read one line at a time and
each result is printed as it is decided (flushed per line to a pipe or a terminal), so memory stays
flat whatever the number of lines and a live feed is validated as it comes. Each message is
tried on the validator's fast path first and explained by the strict path when it fails
(:meth:`~backbeat_fuzz.validator.MessageValidator.validate_message_string` with ``fast=True``).

Exit codes: 0 all valid (or invalid found without ``--exit-code``), 1 invalid found with
``--exit-code``, 2 usage or I/O error (missing file, unreadable or empty folder, bad schemas, a
broken symlink in a folder), 130 interrupted (the summary so far is printed), 141 the reader of
stdout went away (as a process killed by SIGPIPE).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import click

from ..errors import BackbeatFuzzError
from ..validator import MessageValidator
from ._options import Option, option, options, path_option
from ._output import Printer, Source, make_printer
from ._stdin import read_stdin
from ._walk import LINE_SUFFIXES, SIDECAR_SUFFIX, dir_files, is_message_file

__all__ = ["SIDECAR_SUFFIX", "is_message_file", "main"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 0, 1, 2, 130, 141


def _fail(message: str) -> click.ClickException:
    exc = click.ClickException(message)
    exc.exit_code = EXIT_USAGE
    return exc


def _open(path: Path | str) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise _fail(f"cannot read {str(path)!r}: {exc.strerror}; check the path") from None


def _suffix(path: Path | str) -> str:
    """``Path.suffix``; a walked file's name has one ``os.path.splitext`` finds the same."""
    return path.suffix if isinstance(path, Path) else os.path.splitext(path)[1]


def _path_results(
    printer: Printer, validator: MessageValidator, path: Path | str, kind: str | None
) -> None:
    """Validate the message in *path*, or each line of a line file, and print each result as
    soon as it is decided."""
    name, validate, show = str(path), validator.validate_message_string, printer.result
    with _open(path) as file:
        try:
            if _suffix(path) not in LINE_SUFFIXES:
                show(name, None, validate(file.read(), kind=kind, fast=True))
                return
            for number, line in enumerate(file, start=1):
                if not line.isspace():  # a line holds no "\n" but at its end: strip "\r\n"
                    show(name, number, validate(line.rstrip(b"\r\n"), kind=kind, fast=True))
        except BrokenPipeError:  # printing, not reading, failed: _run's to handle
            raise
        except OSError as exc:
            raise _fail(f"cannot read {name!r}: {exc.strerror}; check the path") from None


def _argument_bytes(text: str) -> bytes:
    """The bytes of a command-line argument: undecodable bytes come back as they were given."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that did not come from undecodable bytes
        return text.encode("utf-8", "surrogatepass")


def _check_files(files: tuple[Path, ...]) -> None:
    for path in files:
        if not path.is_file():
            raise _fail(f"--file {str(path)!r} does not exist or is not a file; check the path")


def _validate_all(
    printer: Printer,
    validator: MessageValidator,
    messages: Iterator[tuple[Source, bytes]],
    files: list[Path | str],
    kind: str | None,
) -> None:
    """Validate and print in order: the --message, then each --file, then the files below
    --dir."""
    for source, data in messages:
        result = validator.validate_message_string(data, kind=kind, fast=True)
        printer.result(source.file, source.line, result)
    for path in files:
        _path_results(printer, validator, path, kind)


def _stdin_or_argument(message: str | None) -> tuple[bool, Iterator[tuple[Source, bytes]]]:
    """Whether the --message input is NDJSON, and its messages (none without --message)."""
    if message is None:
        return False, iter(())
    if message == "-":
        return read_stdin(sys.stdin.buffer)
    return False, iter([(Source("<message>"), _argument_bytes(message))])


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@options(
    option("schemas", help="Folder of *.schema.json files (default: the packaged v1 schemas)."),
    path_option(
        ("--file", "files"),
        "A message file (.json, or .jsonl/.ndjson with one message a line). Repeatable.",
        multiple=True,
    ),
    Option(
        ("--message", "message"),
        {
            "help": "A message as JSON text, or '-' to read stdin (one message, or NDJSON: "
            "one a line)."
        },
    ),
    path_option(
        ("--dir", "dirs"),
        "Validate every .json/.jsonl/.ndjson file below this folder. Repeatable.",
        multiple=True,
    ),
)
@click.option(
    "--kind",
    help="Validate as this kind (beatframe, statusclaim, barreport) instead of reading 'type'.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print results as JSON: one document, or NDJSON (one result a line) for line input.",
)
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
        _check_files(files)
        paths: list[Path | str] = [*files, *(p for d in dirs for p in dir_files(d, _warn))]
        lines_in, messages = _stdin_or_argument(message)
        lines_in = lines_in or any(_suffix(p) in LINE_SUFFIXES for p in paths)
        printer = make_printer(sys.stdout, as_json=as_json, quiet=quiet, ndjson=lines_in)
        _run(printer, lambda: _validate_all(printer, validator, messages, paths, kind))
    except BackbeatFuzzError as exc:
        raise _fail(str(exc)) from None
    if exit_code and printer.tally.invalid:
        sys.exit(EXIT_INVALID)


def _run(printer: Printer, validate_all: Callable[[], None]) -> None:
    """Run *validate_all* (which prints every result as it comes), then print the summary
    (also when interrupted: exit 130). A reader that goes away (``| head``) ends the run as
    SIGPIPE would, exit 141, silently."""
    try:
        try:
            validate_all()
        except KeyboardInterrupt:
            _interrupted(printer)
        try:
            printer.finish()
        except KeyboardInterrupt:  # Ctrl-C as the input ended: it lands before the summary
            _interrupted(printer)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        sys.exit(EXIT_BROKEN_PIPE)


def _interrupted(printer: Printer) -> None:
    printer.finish()
    click.echo("interrupted: the summary above counts the messages read so far", err=True)
    sys.exit(EXIT_INTERRUPTED)


def _warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
