"""What the mutation catalogue is made of: an operator, the edits it lists, what it may borrow.

An operator (:class:`MutationOp`) knows its rule name, family, the path it edits and how to list
candidate edits (:class:`Edit`) for a concrete valid message, most classic first. The planner
tries them in turn and keeps one the oracle rejects with that rule, so no mutant is mislabelled.
A violator (``violate_<keyword>`` in :mod:`.violators`) takes ``(node, path, ctx)`` and yields
operators; :mod:`.mutations` says which violator runs on which node.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..model import EditAction
from ..rulenames import ITEM, rule_location
from .values import Path

__all__ = ["Context", "Edit", "EditAction", "MutationOp", "Pairs", "Violate", "json_location"]

#: ``(note, value)`` candidates, most classic first.
Pairs = list[tuple[str, Any]]


@dataclass(frozen=True)
class Edit:
    """One concrete change of a valid message, described by its :class:`EditAction`.

    Attributes:
        note: what the change is, in a few words (``trailing newline``).
        action: how ``value`` is applied at ``path`` (set, delete, raw JSON literal, whole
            message, exact bytes).
        path: where (``"[]"`` is an array's first item); ``()`` is the whole message.
        value: the new value, the JSON literal text (``RAW``), the message (``ROOT``) or the
            bytes (``BYTES``); unused for ``DELETE``.
    """

    note: str
    action: EditAction
    path: Path
    value: Any = None

    @classmethod
    def sets(cls, path: Path, pairs: Pairs) -> list[Edit]:
        """One ``SET`` edit at *path* per ``(note, value)`` pair."""
        return [cls(note, EditAction.SET, path, value) for note, value in pairs]


@dataclass(frozen=True)
class Context:
    """What operators may borrow from the rest of the contract."""

    other_strings: tuple[str, ...] = ()  # enum/const strings of every kind (near misses)


@dataclass(frozen=True)
class MutationOp:
    """One rule of the catalogue bound to one place in a message kind.

    Attributes:
        reads: the top-level fields whose values its edits depend on (None: the field of
            :attr:`path`, the usual case). A random mutant's base message draws these fields
            in full and the others from a small pool of valid values (:mod:`.lean`): ``()``
            for an operator whose edits are the same whatever the value (a field dropped, a
            bound's nearest numbers, a const's near misses, a NaN literal).
    """

    rule: str
    family: str
    description: str
    path: Path
    edits: Callable[[Any, Any], list[Edit]] = field(repr=False, compare=False)
    needs: Path | None = None  # a deeper path that must exist first (an array's first item)
    reads: tuple[str, ...] | None = None

    def candidates(self, value: Any, message: Any) -> list[Edit]:
        """Candidate edits for a message whose value at :attr:`path` is *value*."""
        return self.edits(value, message)

    @property
    def read_fields(self) -> frozenset[str]:
        """The top-level fields its edits depend on (:attr:`reads`, or :attr:`path`'s)."""
        if self.reads is not None:
            return frozenset(self.reads)
        return frozenset(self.path[:1])


#: A violator: the operators breaking one keyword (or composite rule) of *node* at *path*.
Violate = Callable[[Mapping[str, Any], Path, Context], Iterator[MutationOp]]


def json_location(path: Path) -> str:
    """``("issues", "[]", "code")`` -> ``issues[0].code`` (``"[]"`` is the first item, which is
    the one edits change); ``()`` -> ``""``, the whole message."""
    return rule_location(path).replace(ITEM, "[0]") if path else ""
