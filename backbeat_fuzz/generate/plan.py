"""Compile one message kind into a plan: a valid-message strategy and its mutation operators.

The plan walks the canonical schema once, collecting each node by path (to materialise optional
fields and array items a mutation needs) and asking the catalogue for the operators of each
node's keywords (:func:`.mutations.operators`). Cross-field rules become both a repair step for
valid messages (swap the two fields when the draw broke the rule) and operators that break the
rule by the smallest step.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from ..contract import MessageKind
from ..model import Mutant, canonical_text
from ..rules import CrossFieldRule
from ..validator import MessageValidator
from .canonical import canonicalise
from .edits import Context, Edit, EditAction, MutationOp, json_location
from .jsontext import text_ops
from .mutations import is_probe, operators
from .simplest import simplest_value
from .values import Options, Path, ValueBuilder, set_path

__all__ = ["Judged", "KindPlan", "apply_edit", "compile_kind", "get_path"]

_SENTINEL = "\u0002backbeat-fuzz-raw\u0002"
_DEFAULT = Options()


def get_path(message: Any, path: Path) -> Any:
    """The value at *path* (``"[]"`` = first item), or None where absent."""
    for part in path:
        if part == "[]":
            message = message[0] if isinstance(message, list) and message else None
        else:
            message = message.get(part) if isinstance(message, dict) else None
    return message


def _delete(message: Any, path: Path) -> Any:
    parent = get_path(message, path[:-1])
    trimmed = {k: v for k, v in parent.items() if k != path[-1]}
    return set_path(message, path[:-1], trimmed)


def apply_edit(message: Any, edit: Edit) -> tuple[bytes, Any]:
    """Apply *edit*: the exact bytes to send, and the parsed object (None for text-level edits)."""
    if edit.action is EditAction.BYTES:
        return edit.value, None
    if edit.action is EditAction.RAW:
        text = canonical_text(set_path(message, edit.path, _SENTINEL))
        return text.replace(canonical_text(_SENTINEL), edit.value).encode(), None
    if edit.action is EditAction.DELETE:
        mutated = _delete(message, edit.path)
    elif edit.action is EditAction.ROOT:
        mutated = edit.value
    else:
        mutated = set_path(message, edit.path, edit.value)
    return canonical_text(mutated).encode(), mutated


def _walk(node: Mapping[str, Any], path: Path) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    yield path, node
    for name, child in node.get("properties", {}).items():
        yield from _walk(child, (*path, name))
    first = node.get("prefixItems", [])[:1] or [node.get("items")]  # "[]" is the first item
    if isinstance(first[0], Mapping):
        yield from _walk(first[0], (*path, "[]"))


def _swap(message: dict[str, Any], rules: tuple[CrossFieldRule, ...]) -> dict[str, Any]:
    for rule in rules:
        if not rule.holds(message):
            message = {**message, rule.left: message[rule.right], rule.right: message[rule.left]}
    return message


def _step(value: Any, direction: float) -> Any:
    if isinstance(value, int):
        return value + int(direction)
    return math.nextafter(value, direction * math.inf)


def _rule_edits(rule: CrossFieldRule) -> MutationOp:
    """Break ``left op right`` by the smallest step, moving either side."""
    grow_left = rule.op in ("<=", "<", "==")  # the rule fails when left grows past right

    def edits(value: Any, message: Any) -> list[Edit]:
        left, right = message.get(rule.left), message.get(rule.right)
        if not isinstance(left, int | float) or not isinstance(right, int | float):
            return []
        sign = 1 if grow_left else -1
        exact = rule.op in ("<=", ">=")
        target_left = _step(right, sign) if exact else right
        target_right = _step(left, -sign) if exact else left
        if rule.op in ("==", "!="):
            target_left, target_right = (
                (_step(right, 1), _step(left, -1)) if rule.op == "==" else (right, left)
            )
        swapped = {**message, rule.left: right, rule.right: left}
        edits = [
            Edit(
                f"{rule.left} set just past {rule.right}", EditAction.SET, (rule.left,), target_left
            ),
            Edit(
                f"{rule.right} set just past {rule.left}",
                EditAction.SET,
                (rule.right,),
                target_right,
            ),
        ]
        if not rule.holds(swapped):  # both fields at their bounds: one step breaks a bound too
            edits.append(
                Edit(f"{rule.left} and {rule.right} swapped", EditAction.ROOT, (), swapped)
            )
        return edits

    return MutationOp(
        rule.rule,
        "rules",
        rule.description or f"{rule.left} {rule.op} {rule.right} broken",
        (),
        edits,
        reads=(rule.left, rule.right),
    )


def _hints(schema: Mapping[str, Any]) -> dict[Path, Any]:
    hints: dict[Path, Any] = {}

    def visit(value: Any, path: Path) -> None:
        hints.setdefault(path, value)
        if isinstance(value, dict):
            for key, child in value.items():
                visit(child, (*path, key))
        elif isinstance(value, list) and value:
            visit(value[0], (*path, "[]"))

    for example in schema.get("examples", [])[:1]:
        visit(example, ())
    return hints


def _after(edit: Edit) -> Any:
    return None if edit.action in (EditAction.DELETE, EditAction.BYTES) else edit.value


@dataclass(frozen=True)
class Judged:
    """A candidate edit the oracle rejected with its rule: the mutant, and whether that rule
    was the only one broken."""

    mutant: Mutant
    exact: bool


@dataclass
class KindPlan:
    """Everything needed to generate valid and invalid messages of one kind."""

    kind: MessageKind
    validator: MessageValidator
    builder: ValueBuilder
    valid: st.SearchStrategy[dict[str, Any]]
    ops: tuple[MutationOp, ...]
    nodes: dict[Path, Mapping[str, Any]]
    _fills: dict[Path, st.SearchStrategy[Any]] = field(default_factory=dict, init=False, repr=False)
    _simplest: dict[Path, Any] = field(default_factory=dict, init=False, repr=False)
    #: What is computed once per plan by the modules that use it (coverage's variant lists).
    memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def fill(self, path: Path) -> st.SearchStrategy[Any]:
        """A strategy of valid values for the node at *path* (cached)."""
        if path not in self._fills:
            self._fills[path] = self.builder.build(self.nodes[path], path)
        return self._fills[path]

    def judge(self, op: MutationOp, message: Any, edit: Edit) -> Judged | None:
        """Apply *edit* to *message* and ask the oracle: the mutant when its text breaks
        ``op.rule`` (judged as this kind), None when it stays valid, breaks only other rules or
        carries another kind's ``type`` (whoever routes by ``type`` would judge it by other
        rules)."""
        data, parsed = apply_edit(message, edit)
        if self._routed_elsewhere(parsed):
            return None
        rules = self.validator.validate_message_string(data, kind=self.kind.name).rules
        if op.rule not in rules:
            return None
        mutant = Mutant(
            self.kind.name,
            op.rule,
            data,
            message,
            edit.note,
            parsed,
            location=json_location(edit.path),
            before=get_path(message, edit.path) if edit.path else None,
            after=_after(edit),
            probe=is_probe(op.rule),
            action=edit.action,
        )
        return Judged(mutant, rules == {op.rule})

    def repaired(self, strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        """*strategy*'s messages (each field valid on its own) with the kind's cross-field
        rules kept, as :attr:`valid`'s are."""
        return _repaired(self.kind, self.nodes, self.validator, strategy)

    def _routed_elsewhere(self, parsed: Any) -> bool:
        if not isinstance(parsed, dict) or not isinstance(parsed.get("type"), str):
            return False
        other = self.validator.contract.by_type(parsed["type"])
        return other is not None and other.name != self.kind.name

    def materialise(self, message: Any, path: Path, draw: st.DrawFn) -> Any:
        """Make every container and field on *path* present, drawing valid values as needed."""
        return self.fill_path(message, path, lambda prefix: draw(self.fill(prefix)))

    def simplest(self, path: Path) -> Any:
        """The simplest valid value of the node at *path* (the example's where it has one)."""
        if path not in self._simplest:
            self._simplest[path] = simplest_value(self.nodes[path], path, self.builder.hints)
        return self._simplest[path]

    def fill_path(self, message: Any, path: Path, value_at: Callable[[Path], Any]) -> Any:
        """Make every container and field on *path* present, taking ``value_at(prefix)`` for
        each that is missing."""
        for depth in range(1, len(path) + 1):
            prefix = path[:depth]
            if prefix not in self.nodes:
                break
            parent = get_path(message, prefix[:-1])
            if prefix[-1] == "[]":
                if isinstance(parent, list) and not parent:
                    message = set_path(message, prefix[:-1], [value_at(prefix)])
            elif isinstance(parent, dict) and prefix[-1] not in parent:
                message = set_path(message, prefix, value_at(prefix))
        return message


def _other_strings(kind: MessageKind, contract_kinds: list[MessageKind]) -> tuple[str, ...]:
    found: list[str] = []
    for other in contract_kinds:
        for _, node in _walk(canonicalise(other.schema), ()):
            values = [node["const"]] if "const" in node else node.get("enum", [])
            found += [v for v in values if isinstance(v, str)]
    return tuple(dict.fromkeys(found))


def compile_kind(
    name: str, validator: MessageValidator | None = None, options: Options = _DEFAULT
) -> KindPlan:
    """Compile the kind *name* of *validator*'s contract (the packaged one when None).

    Each call compiles anew: :class:`~backbeat_fuzz.session.Session` keeps a contract's plans.

    Raises:
        UsageError: unknown kind.
        UnsupportedSchemaError: the schema uses something the generators cannot honour.
    """
    validator = validator if validator is not None else MessageValidator()
    kind = validator.contract.kind(name)
    root = canonicalise(kind.schema)
    builder = ValueBuilder(options, _hints(kind.schema))
    nodes = dict(_walk(root, ()))
    ctx = Context(other_strings=_other_strings(kind, list(validator.contract)))
    ops = [op for path, node in nodes.items() for op in operators(node, path, ctx)]
    ops += [_rule_edits(rule) for rule in kind.rules]
    ops += list(text_ops())
    valid = _repaired(kind, nodes, validator, builder.build(root))
    return KindPlan(kind, validator, builder, valid, tuple(ops), nodes)


def _repaired(
    kind: MessageKind,
    nodes: Mapping[Path, Mapping[str, Any]],
    validator: MessageValidator,
    strategy: st.SearchStrategy[Any],
) -> st.SearchStrategy[Any]:
    """*strategy*'s messages with the kind's cross-field rules kept: swapped where a draw broke
    one, then checked (see :func:`_repair_check`); *strategy* itself for a kind without rules."""
    if not kind.rules:
        return strategy
    repaired = strategy.map(lambda m: _swap(m, kind.rules) if isinstance(m, dict) else m)
    return repaired.filter(_repair_check(kind, nodes, validator))


def _repair_check(
    kind: MessageKind, nodes: Mapping[Path, Mapping[str, Any]], validator: MessageValidator
) -> Callable[[Any], bool]:
    """What a repaired message must pass. Swapping two fields of the same schema keeps both
    valid, so only the rules need checking (cheap; a swap for one rule may break another, and
    ``<``, ``==`` and ``!=`` are not always mended by a swap); fields of different schemas
    may leave a bound broken, so the whole oracle judges then."""
    same = all(nodes.get((r.left,)) == nodes.get((r.right,)) for r in kind.rules)
    if same:
        return lambda message: all(rule.holds(message) for rule in kind.rules)
    return functools.partial(_is_valid, validator, kind.name)


def _is_valid(validator: MessageValidator, kind: str, message: Any) -> bool:
    return validator.validate_message(message, kind=kind).valid
