"""What ``backbeat-validate`` prints: text lines, one JSON document, or NDJSON, as results come.

Every printer writes each result the moment it gets it when stdout is a pipe, a socket or a
terminal (flushed, so a reader downstream sees it at once; to a file, in batches of
:data:`_BATCH`), and keeps only counts, never the results, so a stream of any length prints in
flat memory. The JSON shapes are documented in
``docs/validate.md``.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, TextIO

from ..validator import ValidationResult


class Source(NamedTuple):
    """Where a message came from: a file as given (``<stdin>``, ``<message>``) and, for a
    message that is one line of a line file or of NDJSON stdin, its line number."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line}


class Checked(NamedTuple):
    """One message's result, and where the message came from (its :class:`Source`'s two
    fields, kept flat: a stream makes one of these a line)."""

    file: str
    line: int | None
    result: ValidationResult

    @property
    def source(self) -> Source:
        return Source(self.file, self.line)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of one result (``docs/validate.md``)."""
        return {"source": self.source.to_dict(), **self.result.to_dict()}


@dataclass
class Tally:
    """How many messages were checked, and how many were invalid."""

    total: int = 0
    invalid: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"total": self.total, "valid": self.total - self.invalid, "invalid": self.invalid}

    def line(self) -> str:
        valid = self.total - self.invalid
        return f"{self.total} checked: {valid} valid, {self.invalid} invalid"


class Printer(Protocol):
    """Prints results one by one, then the summary."""

    tally: Tally

    def result(self, file: str, line: int | None, result: ValidationResult) -> None:
        """Count and show one result: of the message in *file* (at *line*, in a line file)."""
        ...

    def finish(self) -> None: ...


def _live(stream: TextIO) -> bool:
    """Whether *stream* is a pipe, a socket or a terminal (whose reader waits for each line)."""
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError):  # no file descriptor (a test's buffer) or closed
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stream.isatty()


#: Results held before one write, when nobody downstream waits for each line.
_BATCH = 256


class _Base:
    def __init__(self, stream: TextIO, *, quiet: bool) -> None:
        self.tally = Tally()
        self._stream = stream
        self._quiet = quiet
        self._live = _live(stream)
        self._pending: list[str] = []

    def _count(self, result: ValidationResult) -> bool:
        """Count *result*; whether it is shown."""
        tally = self.tally
        tally.total += 1
        if result.valid:
            return not self._quiet
        tally.invalid += 1
        return True

    def _write(self, text: str) -> None:
        """Write *text*: at once (flushed) to a pipe or a socket, else in batches."""
        pending = self._pending
        pending.append(text)
        if self._live or len(pending) >= _BATCH:
            self._drain()

    def _drain(self) -> None:
        text = "".join(self._pending)
        self._pending.clear()  # first: an interrupt during the write must not repeat it
        self._stream.write(text)
        if self._live:
            self._stream.flush()

    def _close(self, text: str) -> None:
        """Write the last *text* and everything still held, and flush."""
        self._pending.append(text)
        self._drain()
        self._stream.flush()


def _where(file: str, line: int | None) -> str:
    """The source as the text output names it: ``file`` or ``file:line``."""
    return file if line is None else f"{file}:{line}"


class TextPrinter(_Base):
    """``OK       source  type`` or ``INVALID  source  type`` and one line per error."""

    def result(self, file: str, line: int | None, result: ValidationResult) -> None:
        self.tally.total += 1  # counted before it is shown: an interrupt never shows more
        if not result.valid:
            self.tally.invalid += 1
            self._invalid(_where(file, line), result)
        elif not self._quiet:  # the common line, written without a call more than it needs
            pending = self._pending
            if line is None:
                pending.append(f"OK       {file}  {result.message_type}\n")
            else:
                pending.append(f"OK       {file}:{line}  {result.message_type}\n")
            if self._live or len(pending) >= _BATCH:
                self._drain()

    def _invalid(self, where: str, result: ValidationResult) -> None:
        lines = [f"INVALID  {where}  {result.message_type or 'unknown type'}"]
        lines += [f"  - {e.path}: {e.message} [{e.rule}]" for e in result.errors]
        self._write("\n".join(lines) + "\n")

    def finish(self) -> None:
        self._close(self.tally.line() + "\n" if not self._quiet or self.tally.invalid else "")


def _dumps(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent)


#: How many (file, type) pairs :class:`NdjsonPrinter` keeps the valid line's text for.
_SPELLINGS = 256


class NdjsonPrinter(_Base):
    """One JSON object a line per result, then ``{"summary": {...}}``.

    A valid result's line differs from the last one of its file and type only in the line
    number, so its text is kept in two pieces (as ``json.dumps`` spells them) and joined around
    the number: one ``json.dumps`` of a dict costs more than checking a valid message.
    """

    def __init__(self, stream: TextIO, *, quiet: bool) -> None:
        super().__init__(stream, quiet=quiet)
        self._spelled: dict[tuple[str, str | None], tuple[str, str]] = {}

    def result(self, file: str, line: int | None, result: ValidationResult) -> None:
        if not self._count(result):
            return
        if result.valid and result.source is None:
            head, tail = self._spelled.get((file, result.message_type)) or self._spell(file, result)
            self._write(f"{head}{'null' if line is None else line}{tail}")
        else:
            self._write(_dumps(Checked(file, line, result).to_dict()) + "\n")

    def _spell(self, file: str, result: ValidationResult) -> tuple[str, str]:
        """The text of a valid *result*'s line from *file*, before and after its number."""
        head, tail = _dumps(Checked(file, 0, result).to_dict()).split('"line": 0', 1)
        if len(self._spelled) >= _SPELLINGS:
            self._spelled.clear()
        spelled = self._spelled[file, result.message_type] = (f'{head}"line": ', f"{tail}\n")
        return spelled

    def finish(self) -> None:
        self._close(_dumps({"summary": self.tally.to_dict()}) + "\n")


def _indented(value: Any, prefix: str) -> str:
    return _dumps(value, 2).replace("\n", "\n" + prefix)


class DocumentPrinter(_Base):
    """``{"results": [...], "summary": {...}}``, as ``json.dumps(doc, indent=2)`` spells it,
    written result by result."""

    def __init__(self, stream: TextIO, *, quiet: bool) -> None:
        super().__init__(stream, quiet=quiet)
        self._shown = 0

    def result(self, file: str, line: int | None, result: ValidationResult) -> None:
        if self._count(result):
            head = '{\n  "results": [\n    ' if not self._shown else ",\n    "
            self._write(head + _indented(Checked(file, line, result).to_dict(), "    "))
            self._shown += 1

    def finish(self) -> None:
        head = "\n  ],\n" if self._shown else '{\n  "results": [],\n'
        self._close(f'{head}  "summary": {_indented(self.tally.to_dict(), "  ")}\n}}\n')


def make_printer(stream: TextIO, *, as_json: bool, quiet: bool, ndjson: bool) -> Printer:
    """The printer for the options: text, or with ``--json`` NDJSON for line input (a line
    file, NDJSON stdin) and one document otherwise."""
    if not as_json:
        return TextPrinter(stream, quiet=quiet)
    return (NdjsonPrinter if ndjson else DocumentPrinter)(stream, quiet=quiet)
