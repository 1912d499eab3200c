"""The contract: message kinds, their schemas and their cross-field rules, loaded from a folder.

A schemas folder holds ``*.schema.json`` documents (one per message kind) and optional
``rules-*.json`` documents. The packaged folder is used unless another is given. A kind is known
by its short name (``beatframe``), which is its ``type`` constant's middle part, or by the full
``type`` string (``backbeat.beatframe.v1``). A short name names a corpus folder, so it must be
a plain identifier; two schemas may share neither a short name nor a ``type`` constant.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from . import ecma, resolver
from .errors import SchemaError, UsageError, did_you_mean
from .rules import CrossFieldRule, parse_rules

__all__ = ["Contract", "MessageKind", "load_contract", "load_schema_file", "packaged_schemas_dir"]


@dataclass(frozen=True)
class MessageKind:
    """One message kind of the contract."""

    name: str
    message_type: str | None
    schema: dict[str, Any] = field(repr=False)
    path: Path
    version: str | None = None
    rules: tuple[CrossFieldRule, ...] = ()


@dataclass(frozen=True)
class Contract:
    """Every kind of one schemas folder, by short name."""

    kinds: dict[str, MessageKind]
    source: Path

    @functools.cached_property
    def registry(self) -> Any:
        """The one :class:`referencing.Registry` every ``$ref`` of these schemas resolves in:
        the folder's schemas (by file name and ``$id``) and the metaschemas; nothing is fetched."""
        documents = [(k.path.name, k.schema) for k in self]
        documents += [
            (k.schema["$id"], k.schema) for k in self if isinstance(k.schema.get("$id"), str)
        ]
        return resolver.make_registry(documents)

    def __iter__(self) -> Iterator[MessageKind]:
        return iter(self.kinds.values())

    def kind(self, name: str) -> MessageKind:
        """Return the kind called *name* (short name or ``type`` string, any case).

        Raises:
            UsageError: no such kind; the message lists the known ones.
        """
        wanted = name.strip().lower()
        for kind in self.kinds.values():
            if wanted in (kind.name, (kind.message_type or "").lower()):
                return kind
        known = ", ".join(self.kinds)
        raise UsageError(
            f"unknown message kind {name!r}; use one of: {known}.{did_you_mean(wanted, self.kinds)}"
        )

    def by_type(self, message_type: str) -> MessageKind | None:
        """Return the kind whose ``type`` constant is exactly *message_type*, or None."""
        for kind in self.kinds.values():
            if kind.message_type == message_type:
                return kind
        return None

    @property
    def message_types(self) -> list[str]:
        """Every ``type`` constant, in folder order."""
        return [k.message_type for k in self.kinds.values() if k.message_type]


def packaged_schemas_dir() -> Path:
    """The folder of the schemas shipped inside the package."""
    return Path(str(resources.files("backbeat_fuzz.schemas")))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SchemaError(f"cannot read {path}: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise SchemaError(f"{path} is not valid JSON ({exc}); fix or remove it") from None
    except RecursionError:
        raise SchemaError(f"{path} is nested too deeply to read; flatten it") from None


def _type_const(schema: dict[str, Any]) -> str | None:
    prop = schema.get("properties", {}).get("type", {})
    const = prop.get("const") if isinstance(prop, dict) else None
    return const if isinstance(const, str) else None


def _short_name(path: Path, message_type: str | None) -> str:
    if message_type and message_type.count(".") == 2:
        return message_type.split(".")[1].lower()
    stem = path.name.removesuffix(".json").removesuffix(".schema")
    return stem.rsplit("-v", 1)[0].lower()


#: What a kind's short name may be: it names a corpus folder and a CLI choice, so it is a plain
#: identifier (no dot, slash or empty name that could name another folder).
_KIND_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def _check_kind_name(path: Path, name: str) -> str:
    if not _KIND_NAME.fullmatch(name):
        raise SchemaError(
            f"{path} gives the kind name {name!r}, which is not 1-64 of a-z, 0-9, '_' and '-' "
            "starting with a letter or digit; rename the file (e.g. pulse-v1.schema.json) or "
            "set its type const to 'vendor.kind.v1'"
        )
    return name


def _is_ecma_regex(pattern: object) -> bool:
    if isinstance(pattern, str):
        ecma.compile_pattern(pattern)  # raises SchemaError, which the checker reports
    return True


@functools.cache
def _schema_formats() -> Any:
    """The draft 2020-12 metaschema's format checker, with ``regex`` judged by ECMA-262 as
    ``pattern`` is matched (jsonschema's compiles with Python's ``re``, which rejects ``\\p{L}``
    and accepts ``(?i)``). Built on first use: jsonschema is slow to import."""
    from jsonschema import Draft202012Validator, FormatChecker

    checker = FormatChecker(formats=())
    checker.checkers.update(Draft202012Validator.FORMAT_CHECKER.checkers)
    checker.checks("regex", raises=SchemaError)(_is_ecma_regex)
    return checker


def _check_schema(path: Path, schema: dict[str, Any]) -> None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError as JsonSchemaError

    try:
        Draft202012Validator.check_schema(schema, format_checker=_schema_formats())
    except JsonSchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        if isinstance(exc.cause, SchemaError):  # a pattern refused by ecma: its own words
            raise SchemaError(f"{path} at {where}: {exc.cause}") from None
        raise SchemaError(
            f"{path} is not a valid draft 2020-12 schema at {where}: {exc.message}"
        ) from None


def _load_kind(path: Path, rules: list[CrossFieldRule], *, check: bool) -> MessageKind:
    try:
        return _make_kind(path, rules, check=check)
    except RecursionError:  # json and jsonschema recurse per level of nesting
        raise SchemaError(f"{path} is nested too deeply to read; flatten it") from None


def _make_kind(path: Path, rules: list[CrossFieldRule], *, check: bool) -> MessageKind:
    schema = _read_json(path)
    if not isinstance(schema, dict):
        raise SchemaError(f"{path} is not a JSON Schema object; a schema file holds one object")
    if check:
        _check_schema(path, schema)
    message_type = _type_const(schema)
    return MessageKind(
        name=_check_kind_name(path, _short_name(path, message_type)),
        message_type=message_type,
        schema=schema,
        path=path,
        version=schema.get("x-version"),
        rules=tuple(r for r in rules if message_type and r.message_type == message_type),
    )


def _refuse_same_type(kind: MessageKind, kinds: dict[str, MessageKind]) -> None:
    """Two kinds with one ``type`` const would make every message of it ambiguous."""
    if kind.message_type is None:
        return
    for other in kinds.values():
        if other.message_type == kind.message_type:
            raise SchemaError(
                f"{other.path} and {kind.path} both have type const {kind.message_type!r}; "
                "give each schema its own type, or remove one"
            )


def _build(schemas: list[Path], rules_files: list[Path], source: Path, shown: str) -> Contract:
    """The contract of the *schemas* documents with the cross-field rules of *rules_files*;
    *source* is where they live, *shown* how the user named it."""
    rules = [rule for p in rules_files for rule in parse_rules(_read_json(p), str(p))]
    kinds: dict[str, MessageKind] = {}
    # The packaged schemas are checked against the metaschema by the test suite, not at start-up.
    check = source.resolve() != packaged_schemas_dir().resolve()
    for path in schemas:
        kind = _load_kind(path, rules, check=check)
        if kind.name in kinds:
            raise SchemaError(
                f"{path} and {kinds[kind.name].path} both define kind {kind.name!r}; keep one"
            )
        _refuse_same_type(kind, kinds)
        kinds[kind.name] = kind
    if not kinds:
        raise SchemaError(
            f"schemas folder {shown!r} holds no *.schema.json file; "
            "point at the folder with the schemas, or omit it to use the packaged schemas"
        )
    contract = Contract(kinds=kinds, source=source)
    for kind in contract if check else ():
        resolver.check_refs(kind.schema, contract.registry, str(kind.path))
    return contract


def load_contract(schemas_dir: str | Path | None = None) -> Contract:
    """Load the contract of *schemas_dir*, or the packaged one.

    Each call reads the folder: load it once where the user names it (the CLI, the plugin, a
    library entry point) and pass the :class:`Contract` on.

    Raises:
        SchemaError: the folder is missing, empty, or holds an invalid document.
    """
    folder = packaged_schemas_dir() if schemas_dir is None else Path(schemas_dir)
    if not folder.is_dir():
        raise SchemaError(
            f"schemas folder {str(folder)!r} does not exist or is not a folder; "
            "pass a folder holding *.schema.json files, or omit it to use the packaged schemas"
        )
    schemas = sorted(folder.glob("*.schema.json"))
    return _build(schemas, sorted(folder.glob("rules-*.json")), folder.resolve(), str(folder))


def load_schema_file(path: str | Path) -> Contract:
    """The contract of one schema file, with the ``rules-*.json`` beside it (its one kind is
    named as in a folder: by its ``type`` constant, else by the file name).

    Raises:
        UsageError: *path* is not a file.
        SchemaError: the schema or a rules document is not valid.
    """
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"{str(file)!r} does not exist; give a *.schema.json file or a folder")
    rules = sorted(file.parent.glob("rules-*.json"))
    return _build([file], rules, file.parent.resolve(), str(file))
