"""Check an examples folder: valid examples validate, invalid ones break the rule they name.

The layout is ``valid/<kind>-<name>.json`` (each must validate as that kind) and
``invalid/<kind>--<rule>--<what>.json`` (each must be invalid, and the reference validator must
report exactly the rule in its name: one broken rule per file). A message that cannot break its
rule alone (an empty ``cluster_id`` also breaks its pattern) names every rule it breaks, its own
first: ``invalid/beatframe--cluster_id.minLength+cluster_id.pattern--empty.json``. An optional
``probes/`` folder, named like ``invalid/``, holds messages past an implementation limit the
contract does not state (nesting depth: ``json.too_deep``): the reference validator rejects
them at its own limit, but a consumer may accept or reject them, so they are kept apart from
the must-reject examples. Run it as ``python -m backbeat_fuzz.examples check examples``; exit 0
clean, 1 problems, 2 usage.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from .errors import BackbeatFuzzError, did_you_mean
from .validator import MessageValidator, ValidationResult

__all__ = ["Example", "check", "check_example", "main", "parse_name"]

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
_SUBFOLDERS = ("valid", "invalid")
_OPTIONAL = ("probes",)  # either verdict is right for a consumer; the reference rejects them


@dataclass(frozen=True)
class Example:
    """One example file and what its name promises.

    Attributes:
        path: the file.
        kind: the message kind's short name (``beatframe``).
        rule: the rule an invalid example is about; None for a valid example.
        also: the other rules its name says it breaks (``<rule>+<other>+...``): empty for an
            example that breaks its one rule alone.
    """

    path: Path
    kind: str
    rule: str | None = None
    also: tuple[str, ...] = ()

    @property
    def rules(self) -> set[str]:
        """Every rule the name says the example breaks (empty for a valid example)."""
        return set() if self.rule is None else {self.rule, *self.also}

    @property
    def expect_valid(self) -> bool:
        """True for an example under ``valid/``."""
        return self.rule is None


def parse_name(path: Path, kinds: list[str]) -> Example | str:
    """Read what an example's file name promises.

    Args:
        path: a file under ``valid/`` or ``invalid/``.
        kinds: the known kinds' short names.

    Returns:
        The :class:`Example`, or a one-line problem when the name does not follow the layout.
    """
    if path.suffix != ".json":
        return f"{path}: not a .json file; examples are .json files (move it out of the folder)"
    stem = path.name.removesuffix(".json")
    if path.parent.name == "valid":
        kind, sep, name = stem.partition("-")
        layout = "valid/<kind>-<name>.json"
        parts_ok = bool(sep and name)
    else:
        parts = stem.split("--")
        kind, name = parts[0], "--".join(parts[1:])
        layout = "invalid/<kind>--<rule>--<what>.json (<rule> may be <rule>+<other>...)"
        parts_ok = len(parts) == 3 and all(parts) and all(parts[1].split("+"))
    if not parts_ok:
        return f"{path}: name does not follow {layout}; rename the file"
    if kind not in kinds:
        hint = did_you_mean(kind, kinds)
        return f"{path}: unknown kind {kind!r}; start the name with one of {kinds}.{hint}"
    if path.parent.name == "valid":
        return Example(path, kind)
    rule, *also = parts[1].split("+")
    return Example(path, kind, rule, tuple(also))


def _check_valid(example: Example, result: ValidationResult, message_type: str | None) -> list[str]:
    if not result.valid:
        broken = ", ".join(str(e) for e in result.errors)
        return [f"{example.path}: expected valid, got {broken}; fix the example or move it"]
    if result.message_type != message_type:
        return [
            f"{example.path}: validated as {result.message_type!r}, not {message_type!r}; "
            "rename the file after its type"
        ]
    return []


def _check_invalid(
    example: Example, result: ValidationResult, message_type: str | None
) -> list[str]:
    if result.valid:
        return [f"{example.path}: expected rule {example.rule!r} broken, but it is valid; fix it"]
    reported = sorted(result.rules)
    problems = []
    if example.rule not in reported:
        hint = did_you_mean(example.rule or "", reported)
        problems.append(
            f"{example.path}: expected rule {example.rule!r}, got {', '.join(reported)}; "
            f"rename the file or fix the example.{hint}"
        )
    elif set(reported) - example.rules:
        others = ", ".join(r for r in reported if r not in example.rules)
        problems.append(
            f"{example.path}: breaks {others} besides {example.rule!r}; break one rule per "
            "example, or name every rule it breaks (<rule>+<other>)"
        )
    elif example.rules - set(reported):
        unbroken = ", ".join(sorted(example.rules - set(reported)))
        problems.append(
            f"{example.path}: its name says it breaks {unbroken}, but it does not; rename the file"
        )
    if result.message_type not in (None, message_type):
        problems.append(
            f"{example.path}: validated as {result.message_type!r}, not {message_type!r}; "
            "rename the file after its type"
        )
    return problems


def check_example(validator: MessageValidator, example: Example) -> list[str]:
    """Validate one example and return the problems (empty when it is as its name says)."""
    try:
        result = validator.validate_file(example.path)
    except OSError as exc:
        return [f"{example.path}: cannot read it ({exc.strerror}); fix its permissions"]
    message_type = validator.contract.kinds[example.kind].message_type
    check_: Callable[[Example, ValidationResult, str | None], list[str]] = (
        _check_valid if example.expect_valid else _check_invalid
    )
    return check_(example, result, message_type)


def _example_files(folder: Path) -> list[Path]:
    missing = [name for name in _SUBFOLDERS if not (folder / name).is_dir()]
    if missing:
        raise click.UsageError(
            f"{str(folder)!r} lacks the subfolder(s) {', '.join(missing)}; "
            "point at a folder holding valid/ and invalid/"
        )
    names = [*_SUBFOLDERS, *(n for n in _OPTIONAL if (folder / n).is_dir())]
    return [p for name in names for p in sorted((folder / name).iterdir())]


def check(folder: str | Path, validator: MessageValidator | None = None) -> list[str]:
    """Check every example under *folder* and return the problems, one line each.

    Args:
        folder: a folder holding ``valid/`` and ``invalid/``.
        validator: the judge; the packaged contract when omitted.

    Raises:
        click.UsageError: *folder* lacks ``valid/`` or ``invalid/``.
    """
    validator = validator or MessageValidator()
    kinds = list(validator.contract.kinds)
    problems: list[str] = []
    files = _example_files(Path(folder))
    for path in files:
        parsed = parse_name(path, kinds)
        problems += [parsed] if isinstance(parsed, str) else check_example(validator, parsed)
    for name in _SUBFOLDERS:
        if not any(p.parent.name == name for p in files):
            problems.append(f"{Path(folder) / name}: holds no example; add at least one")
    return problems


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Tools for the BACKBEAT examples folder."""


@main.command("check")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--schemas",
    "schemas_dir",
    type=click.Path(path_type=Path),
    help="Folder of *.schema.json files (default: the packaged v1 schemas).",
)
def check_command(folder: Path, schemas_dir: Path | None) -> None:
    """Check that FOLDER's examples validate (or fail) as their names say."""
    try:
        validator = MessageValidator(schemas_dir)
    except BackbeatFuzzError as exc:
        raise click.UsageError(str(exc)) from None
    problems = check(folder, validator)
    names = [*_SUBFOLDERS, *(n for n in _OPTIONAL if (folder / n).is_dir())]
    count = sum(1 for name in names for _ in (folder / name).iterdir())
    for line in problems:
        click.echo(line)
    click.echo(f"{count} examples checked in {folder}: {len(problems)} problem(s)")
    sys.exit(EXIT_PROBLEMS if problems else EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    main()
