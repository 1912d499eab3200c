"""The options the ``backbeat-fuzz`` commands share, as one table, and the CLI's exit codes.

Each row of :data:`OPTIONS` is one click option as ``--help`` shows it; a command takes the
rows it offers with :func:`options` (in the order ``--help`` lists them), and :func:`option`
takes one row with some of its arguments changed (a command's own wording of ``--kind``).
``--seed`` and ``--max-examples`` mean the same in the campaign and in ``compat``; only their
defaults and help differ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from ..defaults import DEFAULT_CORPUS, DEFAULT_DATABASE, DEFAULT_TIMEOUT

EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str) -> click.ClickException:
    """A one-line usage error (exit 2) for click to print: ``Error: <message>``."""
    exc = click.ClickException(message)
    exc.exit_code = EXIT_USAGE
    return exc


def cannot_write(exc: OSError, what: str = "") -> click.ClickException:
    """The usage error for a file that cannot be written: *what* it is, why, and the fix."""
    name = what or repr(str(exc.filename) if exc.filename is not None else "a file")
    return fail(f"cannot write {name}: {exc.strerror or exc}; choose a writable path")


@dataclass(frozen=True)
class Option:
    """One click option: its declarations (flags, then the parameter name) and arguments."""

    decls: tuple[str, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __call__(self, function: F) -> F:
        return click.option(*self.decls, **self.kwargs)(function)

    def but(self, decls: tuple[str, ...] = (), **changes: Any) -> Option:
        """This option with some of its arguments changed (its help, a default), or under
        other *decls* (the same kind of option, another name)."""
        return Option(decls or self.decls, {**self.kwargs, **changes})


def _flag(decls: tuple[str, ...], help: str) -> Option:
    return Option(decls, {"is_flag": True, "help": help})


def _many(decls: tuple[str, ...], help: str) -> Option:
    return Option(decls, {"multiple": True, "help": help})


def path_option(decls: tuple[str, ...], help: str, **more: Any) -> Option:
    """An option naming a file or folder, given to the command as a :class:`~pathlib.Path`."""
    return Option(decls, {"type": click.Path(path_type=Path), "help": help, **more})


_SEED_HELP = "Campaign seed; the same seed, target and budget replay the same run."
_MAX_EXAMPLES_HELP = (
    "Exploration messages per kind and direction, split across the invalid direction's "
    "rules (default 100; unbounded with --duration alone)."
)
_TARGET_HELP = (
    "The consumer: pkg.module.func, pkg.module:func, 'cmd:PROGRAM ARGS', "
    "'stdio:PROGRAM ARGS' (one long-lived program, see docs/targets.md) or http://host:port/path."
)

#: Every shared option, by name; a command picks its rows with :func:`options`.
OPTIONS: dict[str, Option] = {
    "target": Option(("--target",), {"help": _TARGET_HELP}),
    "kind": _many(
        ("--kind", "kinds"), "Fuzz only this kind (beatframe, statusclaim, barreport). Repeatable."
    ),
    "rule": _many(
        ("--rule", "rules"),
        "Only these rules' mutants (no valid messages are sent): a rule, field, family or glob "
        "(see 'mutations'). Repeatable.",
    ),
    "max-examples": Option(
        ("--max-examples",), {"type": click.IntRange(min=1), "help": _MAX_EXAMPLES_HELP}
    ),
    "duration": Option(
        ("--duration",),
        {
            "type": click.FloatRange(min=0, min_open=True),
            "help": "Seconds the whole campaign runs; alone, it runs until then. With "
            "--max-examples, whichever ends first.",
        },
    ),
    "memory-limit": Option(
        ("--memory-limit",),
        {
            "type": click.IntRange(min=0),
            "help": "MiB a Python target's worker may use; past it a message is a crash "
            "(default 2048, 0 for no limit).",
        },
    ),
    "no-coverage": _flag(
        ("--no-coverage",),
        "Skip the coverage phase (every mutation variant and boundary value sent once).",
    ),
    "seed": Option(("--seed", "seed_"), {"type": int, "help": _SEED_HELP}),
    "input": Option(
        ("--input", "input_mode"),
        {
            "type": click.Choice(["str", "bytes", "object"]),
            "default": "str",
            "show_default": True,
            "help": "What a Python target is given: the text, the bytes, or the parsed object.",
        },
    ),
    "reject-on": _many(
        ("--reject-on",),
        "Another exception class (module.ExcName) that means 'rejected'. Repeatable.",
    ),
    "timeout": Option(
        ("--timeout",),
        {
            "default": DEFAULT_TIMEOUT,
            "show_default": True,
            "type": click.FloatRange(min=0, min_open=True),
            "help": "Seconds per message before the verdict is a hang.",
        },
    ),
    "schemas": path_option(
        ("--schemas", "schemas_dir"), "Schemas folder (default: the packaged v1 contract)."
    ),
    "corpus": path_option(
        ("--corpus", "corpus_dir"),
        "Folder findings are written to (and replayed from).",
        default=DEFAULT_CORPUS,
        show_default=True,
    ),
    "no-replay": _flag(("--no-replay",), "Do not replay the corpus before fuzzing."),
    "database": Option(
        ("--database",),
        {
            "default": DEFAULT_DATABASE,
            "show_default": True,
            "help": "Hypothesis example database: a folder, redis://HOST:PORT/N, or 'none'.",
        },
    ),
    "shard": Option(
        ("--shard",),
        {
            "help": "I/N: run only this machine's share of the work (with a shared --database); "
            "combine the shards' --report-json files with 'merge'."
        },
    ),
    "workers": Option(
        ("--workers",),
        {
            "default": "1",
            "show_default": True,
            "help": "Local worker processes splitting the campaign (N or 'auto': one per core); "
            "one merged report. The progress line shows their summed counts.",
        },
    ),
    "baseline": path_option(
        ("--baseline",), "JSON file of accepted findings: reported, but they do not fail the run."
    ),
    "baseline-update": _flag(
        ("--baseline-update",),
        "After the run, write its findings into --baseline FILE as accepted (existing reasons "
        "and expiry dates kept) and drop entries that no longer reproduce.",
    ),
    "baseline-prune": _flag(
        ("--baseline-prune",),
        "After the run, drop the --baseline entries that no longer reproduce (adds nothing).",
    ),
    "integer-floats": _flag(
        ("--integer-floats",),
        "Also send 1337.0 where an integer is expected (valid JSON Schema, often rejected).",
    ),
    "report-json": path_option(("--report-json",), "Write the full machine report here."),
    "junit-xml": path_option(("--junit-xml",), "Write a JUnit XML report here."),
    "sarif": path_option(("--sarif",), "Write a SARIF 2.1.0 report here."),
    "json": _flag(("--json", "as_json"), "Print the report as JSON."),
    "quiet": _flag(("--quiet", "-q"), "No progress line; print only the findings."),
    "no-color": _flag(("--no-color",), "No colours (also when NO_COLOR is set)."),
}


def option(name: str, decls: tuple[str, ...] = (), **changes: Any) -> Option:
    """The row *name* of :data:`OPTIONS`, with *changes* to its arguments (help, default) or
    under other *decls*."""
    return OPTIONS[name].but(decls, **changes)


def options(*rows: str | Option) -> Callable[[F], F]:
    """Decorate a command with these options (table names or :func:`option` rows), listed in
    ``--help`` in the order given."""

    def decorate(function: F) -> F:
        for row in reversed(rows):
            function = (OPTIONS[row] if isinstance(row, str) else row)(function)
        return function

    return decorate
