"""What a campaign sees: one wrong verdict (:class:`Observation`), one finding while it grows
(:class:`Found`), and what they become in the corpus and the report.

The helpers here judge nothing: they carry what the target did and what the generator
promised, so the runner can key, record and report it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from hypothesis.errors import InvalidArgument

from ..corpus import CorpusEntry, Expected
from ..errors import UsageError
from ..findings import Direction, FindingKey, FindingStatus, Witness
from ..jsontext import JsonTextError, parse
from ..model import Mutant, Outcome, canonical_text
from ..report import Finding
from ..signature import MAX_REASON, MAX_SIGNATURE, mask, mask_values
from ..targets import Response
from .config import Unit

__all__ = [
    "Found",
    "NotSent",
    "Observation",
    "Payload",
    "attributable",
    "contract_words",
    "expected_of",
    "parsed_or_none",
    "signature_of",
    "unsatisfiable",
]


@dataclass(frozen=True)
class Observation:
    """One wrong verdict: the message, the unit it came from and what the target did."""

    unit: Unit
    data: bytes
    parsed: Any
    note: str
    response: Response
    outcome: Outcome
    origin: Any = None  # the valid message a mutant was made from
    location: str = ""  # the JSON location a mutant edits (issues[0].code)

    @property
    def field(self) -> str:
        """The top-level field a mutant edits, or ""."""
        return re.split(r"[.\[]", self.location, maxsplit=1)[0]


class NotSent(Exception):
    """The message was not sent: the deadline passed, or the unit spent its hang budget."""


@dataclass
class Found:
    """A finding while the campaign runs: its headline and everything it was seen under."""

    key: FindingKey
    headline: Observation
    status: FindingStatus
    corpus_path: str | None = None
    fields: tuple[str, ...] = ()
    witnesses: dict[tuple[str, str | None, str], Witness] = field(default_factory=dict)
    kinds: dict[str, None] = field(default_factory=dict)
    rules: dict[str | None, None] = field(default_factory=dict)

    def witness(self, observation: Observation) -> None:
        unit = observation.unit
        self.kinds.setdefault(unit.kind)
        self.rules.setdefault(unit.rule)
        slot = (unit.kind, unit.rule, observation.note)
        if slot not in self.witnesses and len(self.witnesses) < 12:
            self.witnesses[slot] = Witness(unit.kind, unit.rule, observation.note, observation.data)

    def finding(self, message_type: str | None) -> Finding:
        """The report's record of this finding (*message_type*: its headline kind's ``type``)."""
        headline = self.headline
        return Finding(
            outcome=self.key.outcome,
            signature=self.key.label,
            kind=headline.unit.kind,
            message_type=message_type,
            rule=headline.unit.rule,
            data=headline.data,
            detail=headline.response.detail,
            corpus_path=self.corpus_path,
            note=headline.note,
            status=self.status,
            fields=self.fields,
            kinds=tuple(self.kinds),
            rules=tuple(self.rules),
            witnesses=tuple(self.witnesses.values()),
            location=headline.response.location,
            output=headline.response.output,
        )

    def corpus_entry(self, message_type: str | None, target: str, seed: int) -> CorpusEntry:
        """The corpus's record of this finding's headline."""
        headline = self.headline
        return CorpusEntry(
            kind=headline.unit.kind,
            message_type=message_type,
            rule=headline.unit.rule,
            expected=expected_of(headline.unit.direction),
            outcome=self.key.outcome,
            data=headline.data,
            detail=headline.response.detail,
            target=target,
            seed=seed,
            note=headline.note,
            signature=self.key.label,
            fields=self.fields,
            location=headline.response.location,
        )


def expected_of(direction: Direction) -> Expected:
    return {
        Direction.VALID: Expected.ACCEPT,
        Direction.INVALID: Expected.REJECT,
        Direction.PROBE: Expected.EITHER,
    }[direction]


@dataclass(frozen=True)
class Payload:
    """What one example sends: its bytes and parsed object; for a mutant, its variant, the
    valid message it was made from and the JSON location it edits."""

    data: bytes
    parsed: Any
    note: str = ""
    origin: Any = None
    location: str = ""

    @classmethod
    def of(cls, example: Any) -> Payload:
        """The payload of a drawn example: a :class:`~backbeat_fuzz.model.Mutant` or a valid
        message (sent as canonical text)."""
        if isinstance(example, Mutant):
            return cls(example.data, example.parsed, example.note, example.origin, example.location)
        return cls(canonical_text(example).encode(), example)

    def observed(self, unit: Unit, response: Response, outcome: Outcome) -> Observation:
        """The observation of this payload's wrong verdict."""
        return Observation(
            unit=unit,
            data=self.data,
            parsed=self.parsed,
            note=self.note,
            response=response,
            outcome=outcome,
            origin=self.origin,
            location=self.location,
        )


def unsatisfiable(unit: Unit, exc: Exception) -> UsageError:
    """One line for a schema the generators cannot draw *unit*'s messages from."""
    if isinstance(exc, InvalidArgument):
        return UsageError(
            f"cannot generate {unit.key} messages from the schema ({exc}); fix the schema"
        )
    return UsageError(
        f"no {unit.key} message could be generated: every draw was rejected; check "
        "that the schema can be satisfied (its example should validate)"
    )


def signature_of(
    response: Response, parsed: Any = None, words: frozenset[str] = frozenset()
) -> str:
    """The target's signature (its detail masked when it gives none), with the string values of
    the message it answered, *parsed*, masked where the signature names them unquoted
    (:func:`~backbeat_fuzz.signature.mask_values`), except the contract's own *words*."""
    signature = response.signature or mask(response.detail, MAX_REASON)
    return mask_values(signature, _strings(parsed, words))[:MAX_SIGNATURE]


def _strings(parsed: Any, words: frozenset[str]) -> Iterator[str]:
    """Every string value inside *parsed* that is not one of *words*."""
    if isinstance(parsed, str):
        if parsed not in words:
            yield parsed
    elif isinstance(parsed, dict):
        for value in parsed.values():
            yield from _strings(value, words)
    elif isinstance(parsed, list):
        for item in parsed:
            yield from _strings(item, words)


def contract_words(schemas: Iterable[Any]) -> frozenset[str]:
    """The strings a contract spells out itself, in *schemas*: property names and ``enum`` and
    ``const`` values (``executing``, ``backbeat.beatframe.v1``): a signature naming them names
    a cause, not a value of the message, so :func:`signature_of` keeps them."""
    words: set[str] = set()
    stack = list(schemas)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            words.update(node.get("properties", {}))
            fixed = [node["const"]] if "const" in node else node.get("enum", [])
            words.update(v for v in fixed if isinstance(v, str))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return frozenset(words)


def attributable(parsed: Any) -> bool:
    """True for a JSON object that can be sent as canonical text (no NaN or inf in it)."""
    if not isinstance(parsed, dict):
        return False
    try:
        canonical_text(parsed)
    except ValueError:
        return False
    return True


def parsed_or_none(data: bytes) -> Any:
    try:
        return parse(data)
    except JsonTextError:
        return None
