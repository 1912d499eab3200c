"""Schema evolution: is a new schema version compatible with the old one, and which bump it needs.

For each message kind in both versions, messages are generated from one version and validated
by the other, both ways:

- **forward compatible**: old consumers accept new messages (new messages, old validator);
- **backward compatible**: new consumers accept old messages (old messages, new validator).

A search that finds a message one version accepts and the other rejects stops there and shrinks
it, so each break comes with the smallest message that proves it (a *witness*) and the rules the
other validator names. "Compatible" means no witness was found within the budget
(``max_examples`` messages per kind and direction).

The bump a change needs follows the versioning policy in ``docs/schema-evolution.md``. A minor
version keeps ``type`` (``backbeat.beatframe.v1``), so old and new consumers receive each other's
messages: a minor change must be compatible in *both* directions.

- **major**: either direction breaks, or a field is removed (no message proves a removal, as the
  schemas are open; the policy makes it major because a later version could reuse the name);
- **minor**: both directions compatible and a field added (a new optional field);
- **patch**: both directions compatible and nothing added (descriptions, examples, a rewrite of
  a constraint that accepts the same messages);
- **none**: the documents are equal apart from ``x-version``.

How the five classic changes come out:

- adding an optional field: both directions compatible, a field added: **minor**;
- adding a required field: old messages lack it, new consumers reject them (backward breaks):
  **major**;
- widening an enum: new consumers accept every old message (backward compatible), but old
  consumers reject the new value (forward breaks): **major**. It *is* an addition, yet not one
  old consumers tolerate, and the policy's minor bump promises exactly that;
- narrowing a bound: old messages beyond the new bound are rejected (backward breaks): **major**;
- changing a pattern: messages matching only one of the two patterns break one or both
  directions: **major** (a pure widening breaks forward only, a narrowing backward only).

Generated messages carry unknown fields (``x_future_field``) where a schema is open, as the
tolerant-reader rule allows, so closing a schema (``additionalProperties: false``) shows as a
backward break. They never carry the other version's field names: producers send only the fields
of their own version, which is why adding an optional field is not a break.

The declared bump is read from the schemas' ``x-version`` (``1.0.0`` -> ``1.1.0`` declares minor);
:attr:`CompatReport.ok` is true when every kind declares at least the bump it needs.
"""

from __future__ import annotations

import hashlib
import random
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, find, settings
from hypothesis.errors import HypothesisWarning, InvalidArgument, NoSuchExample, Unsatisfiable

from . import resolver
from .compat_report import (
    Bump,
    CompatReport,
    DirectionVerdict,
    KindCompat,
    Witness,
    declared_bump,
)
from .contract import MessageKind, load_contract, load_schema_file
from .errors import SchemaError, UnsupportedSchemaError, UsageError
from .model import canonical_text
from .session import Session
from .strategies import valid_messages

__all__ = [
    "Bump",
    "CompatReport",
    "DirectionVerdict",
    "KindCompat",
    "Witness",
    "check_compat",
    "constraints",
    "declared_bump",
    "field_paths",
]

#: Keywords that describe and do not constrain: a change to them alone is a patch.
ANNOTATIONS = frozenset(
    {"description", "title", "examples", "$comment", "x-version", "x-messages", "default", "$id"}
)
_SCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_ONE = (
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
)
# -- what the documents say -------------------------------------------------------------------


def constraints(node: Any) -> Any:
    """*node* without its annotation keywords (see :data:`ANNOTATIONS`), at every depth."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ANNOTATIONS:
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: constraints(sub) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [constraints(sub) for sub in value]
        elif key in _SCHEMA_ONE:
            out[key] = constraints(value)
        else:
            out[key] = value
    return out


def _resolve(root: dict[str, Any], ref: str) -> Any:
    try:
        return resolver.pointer_target(root, ref)
    except resolver.PointerError:  # names nothing: no fields behind it
        return None


def field_paths(schema: dict[str, Any]) -> set[str]:
    """Every field path a schema defines: ``hlc``, ``issues[]``, ``issues[].code``.

    Local ``$ref`` are followed (once per path, so recursive schemas end), as are ``allOf``,
    ``anyOf``, ``oneOf``, ``if``/``then``/``else``, ``items`` and ``prefixItems``.
    """
    found: set[str] = set()

    def walk(node: Any, prefix: str, seen: frozenset[str]) -> None:
        if not isinstance(node, dict):
            return
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/") and ref not in seen:
            walk(_resolve(schema, ref), prefix, seen | {ref})
        for name, sub in (node.get("properties") or {}).items():
            path = f"{prefix}.{name}" if prefix else name
            found.add(path)
            walk(sub, path, seen)
        for sub in [node.get("items"), *(node.get("prefixItems") or [])]:
            if sub is not None:
                found.add(f"{prefix}[]")
                walk(sub, f"{prefix}[]", seen)
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in node.get(key) or []:
                walk(sub, prefix, seen)
        for key in ("if", "then", "else"):
            walk(node.get(key), prefix, seen)

    walk(schema, "", frozenset())
    return found


# -- the search -------------------------------------------------------------------------------


def _version(path: Path) -> Session:
    """One version of the contract, loaded where the user named it: a ``*.schema.json`` file
    (with the ``rules-*.json`` beside it) or a schemas folder."""
    if path.is_file():
        return Session.of(load_schema_file(path))
    if path.is_dir():
        return Session.of(load_contract(path))
    raise UsageError(f"{str(path)!r} does not exist; give a *.schema.json file or a schemas folder")


def _seed_for(seed: int, kind: str, direction: str) -> int:
    digest = hashlib.sha256(f"{seed}:{kind}:{direction}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _search_settings(max_examples: int) -> settings:
    return settings(
        settings.get_profile("default"),  # not the loaded profile: the budget is max_examples
        max_examples=max_examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )


def _search(
    name: str,
    source: tuple[Session, str],
    judge: tuple[Session, str],
    *,
    max_examples: int,
    seed: int,
) -> DirectionVerdict:
    """Look for a message of *source*'s kind that *judge*'s validator rejects as its kind;
    shrink it. Each side is a version's session and the kind's short name in it."""
    (source_session, source_kind), (judge_session, judge_kind) = source, judge
    validator = judge_session.validator

    def rejected(message: dict[str, Any]) -> bool:
        return not validator.validate_message(message, kind=judge_kind).valid

    try:
        strategy = valid_messages(source_kind, session=source_session)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", HypothesisWarning)
            found = find(
                strategy,
                rejected,
                settings=_search_settings(max_examples),
                random=random.Random(_seed_for(seed, source_kind, name)),
            )
    except NoSuchExample:
        return DirectionVerdict(name, True, None, max_examples)
    except (Unsatisfiable, InvalidArgument, UnsupportedSchemaError) as exc:
        version = "new" if name == "forward" else "old"
        why = "" if isinstance(exc, Unsatisfiable) else f" ({exc})"
        raise SchemaError(
            f"no valid {source_kind} message can be generated from the {version} schema{why}; "
            "check that it can be satisfied (its example should validate)"
        ) from None
    errors = validator.validate_message(found, kind=judge_kind).errors
    return DirectionVerdict(name, False, Witness(canonical_text(found), errors), max_examples)


def _reasons(
    forward: DirectionVerdict,
    backward: DirectionVerdict,
    added: list[str],
    removed: list[str],
    constrained: bool,
) -> tuple[Bump, list[str]]:
    reasons = []
    if not forward.compatible:
        reasons.append("old consumers reject a message of the new version: not forward compatible")
    if not backward.compatible:
        reasons.append("new consumers reject a message of the old version: not backward compatible")
    if removed:
        reasons.append(
            f"fields removed: {', '.join(removed)} (a later version could reuse the names with "
            "another meaning; the policy makes a removal major)"
        )
    if reasons:
        return Bump.MAJOR, reasons
    if added:
        return Bump.MINOR, [f"fields added: {', '.join(added)}, tolerated both ways"]
    if constrained:
        return Bump.PATCH, [
            f"constraints changed, but no message tells the versions apart in {forward.examples} "
            "examples per direction (a larger --max-examples searches harder)"
        ]
    return Bump.PATCH, ["only annotations changed (descriptions, examples, titles)"]


def _compare_kind(
    old: MessageKind,
    new: MessageKind,
    sessions: tuple[Session, Session],
    *,
    max_examples: int,
    seed: int,
) -> KindCompat:
    declared, problem = declared_bump(old.version, new.version)
    constrained = constraints(old.schema) != constraints(new.schema) or _rules(old) != _rules(new)
    if not constrained:
        return _unconstrained(old, new, declared, problem)
    added = sorted(field_paths(new.schema) - field_paths(old.schema))
    removed = sorted(field_paths(old.schema) - field_paths(new.schema))
    olds, news = (sessions[0], old.name), (sessions[1], new.name)
    forward = _search("forward", news, olds, max_examples=max_examples, seed=seed)
    backward = _search("backward", olds, news, max_examples=max_examples, seed=seed)
    required, reasons = _reasons(forward, backward, added, removed, constrained)
    return KindCompat(
        kind=old.name,
        old_version=old.version,
        new_version=new.version,
        forward=forward,
        backward=backward,
        added=tuple(added),
        removed=tuple(removed),
        required=required,
        declared=declared,
        reasons=tuple(reasons),
        problem=problem,
    )


def _unconstrained(
    old: MessageKind, new: MessageKind, declared: Bump | None, problem: str
) -> KindCompat:
    """The verdict when no constraint changed: nothing to search for, no field to add."""
    unchanged = _without_version(old.schema) == _without_version(new.schema)
    return KindCompat(
        kind=old.name,
        old_version=old.version,
        new_version=new.version,
        forward=DirectionVerdict("forward", True, None, 0),
        backward=DirectionVerdict("backward", True, None, 0),
        added=(),
        removed=(),
        required=Bump.NONE if unchanged else Bump.PATCH,
        declared=declared,
        reasons=("unchanged",)
        if unchanged
        else ("only annotations changed (descriptions, examples)",),
        problem=problem,
    )


def _rules(kind: MessageKind) -> set[tuple[str, str, str, str]]:
    return {(r.id, r.left, r.op, r.right) for r in kind.rules}


def _without_version(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k != "x-version"}


def _pairs(
    old: list[MessageKind], new: list[MessageKind], both_files: bool
) -> Iterator[tuple[MessageKind, MessageKind]]:
    if both_files:
        yield old[0], new[0]
        return
    by_name = {k.name: k for k in new}
    for kind in old:
        if kind.name in by_name:
            yield kind, by_name[kind.name]


def check_compat(
    old: str | Path, new: str | Path, *, max_examples: int = 200, seed: int = 0
) -> CompatReport:
    """Compare two versions of the contract: compatibility both ways, and the bump it needs.

    Args:
        old: the old version: a ``*.schema.json`` file (its folder's ``rules-*.json`` come
            along) or a schemas folder.
        new: the new version, likewise. Two files are compared with each other whatever their
            kinds; in folders, kinds are paired by short name.
        max_examples: messages generated per kind and direction while looking for a break.
        seed: the seed of the search (the same seed finds the same witnesses).

    Returns:
        The report: per kind the verdict of each direction with its witness, the fields added
        and removed, and the required and declared bumps.

    Raises:
        UsageError: a path that does not exist, or a bad *max_examples*.
        SchemaError: a schema document that is not valid.
    """
    if max_examples < 1:
        raise UsageError(f"max_examples={max_examples!r} must be at least 1, e.g. 200")
    old_path, new_path = Path(old), Path(new)
    sessions = (_version(old_path), _version(new_path))
    old_kinds, new_kinds = (list(s.contract.kinds.values()) for s in sessions)
    pairs = list(_pairs(old_kinds, new_kinds, old_path.is_file() and new_path.is_file()))
    kinds = tuple(
        _compare_kind(o, n, sessions, max_examples=max_examples, seed=seed) for o, n in pairs
    )
    paired_old = {o.name for o, _ in pairs}
    paired_new = {n.name for _, n in pairs}
    return CompatReport(
        kinds=kinds,
        added_kinds=tuple(k.name for k in new_kinds if k.name not in paired_new),
        removed_kinds=tuple(k.name for k in old_kinds if k.name not in paired_old),
        max_examples=max_examples,
        seed=seed,
    )
