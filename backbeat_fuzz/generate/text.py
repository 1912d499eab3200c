"""String strategies: free text that probes consumers, pattern strings, and formats.

Free text mixes plain ASCII with the characters consumers mishandle: non-ASCII and astral
(non-BMP) characters, zero-width and other invisible characters, bidi overrides, combining marks,
NUL, quotes and backslashes, the JSON-legal but JavaScript-hostile U+2028/U+2029.
Every strategy here shrinks towards short plain ASCII.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st

from .. import ecma
from ..errors import UnsupportedSchemaError

__all__ = [
    "INTERESTING_CHARACTERS",
    "RUN_CHARACTERS",
    "RUN_TAILS",
    "free_text",
    "free_text_edges",
    "pattern_edges",
    "pattern_strings",
]

#: Characters real consumers trip on, each a single code point.
INTERESTING_CHARACTERS = (
    "\u200b",  # zero-width space
    "\u200c",  # zero-width non-joiner
    "\u200d",  # zero-width joiner
    "\u2060",  # word joiner
    "\ufeff",  # zero-width no-break space (BOM as a character)
    "\u202e",  # right-to-left override
    "\u0301",  # combining acute accent
    "\u00a0",  # no-break space
    "\u2028",  # line separator (legal in JSON, not in older JavaScript)
    "\u2029",  # paragraph separator
    "\x00",  # NUL
    '"',
    "\\",
    "\n",
    "\t",
    "é",
    "ß",
    "中",
    "😀",  # astral plane, a surrogate pair in UTF-16
    "𝄞",  # astral plane
    "\U0010fffd",  # the last plane
)

_PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
#: Printable ASCII and the troublesome characters, drawn as one string (several draws cost more
#: than the whole of most fields).
_SPIKED = st.characters(
    min_codepoint=0x20, max_codepoint=0x7E, include_characters="".join(INTERESTING_CHARACTERS)
)
# Exactly max_size code points of one character: 1, 2, 3 and 4 UTF-8 bytes (and 2 UTF-16 units).
_FILLERS = ("a", "é", "中", "😀")
# Every code point UTF-8 can encode: all but the surrogates. Said by category rather than
# codec="utf-8", whose table Hypothesis computes on first use in a fresh .hypothesis/ (~1 s).
_ANY_CHARACTER = st.characters(exclude_categories=["Cs"])
#: Long runs of one character, then one other: the inputs catastrophic regex backtracking
#: needs (``"a" * n + "!"`` against ``^(a+)+$``-like checks), up to the field's maxLength.
RUN_CHARACTERS = ("a", "0", " ", "-", ".", ":", "_", "A", "\t")
RUN_TAILS = ("!", "", "\n", "\x00", "é")
_RUNS = st.tuples(st.sampled_from(RUN_CHARACTERS), st.sampled_from(RUN_TAILS))


def free_text(min_size: int = 0, max_size: int | None = None) -> st.SearchStrategy[str]:
    """Any string of *min_size* to *max_size* code points, leaning on troublesome characters.

    Plain ASCII, any Unicode, ASCII mixed with :data:`INTERESTING_CHARACTERS`, and strings of
    exactly ``max_size`` code points of a 1- to 4-byte character (a column sized in bytes or
    UTF-16 units instead of characters is a classic); one branch draw and one string draw.
    Shrinks towards ``"0"`` repeated ``min_size`` times.
    """
    cap = min(max_size if max_size is not None else min_size + 64, min_size + 64)
    parts = [
        st.text(alphabet, min_size=min_size, max_size=cap)
        for alphabet in (_PRINTABLE, _ANY_CHARACTER, _SPIKED)
    ]
    if max_size is not None and 0 < max_size <= 65536:
        parts.append(st.sampled_from(_FILLERS).map(lambda c: c * max_size))
    if cap >= 2:
        parts.append(_RUNS.map(_Run(min_size, cap)))
    return st.one_of(parts)


@dataclass(frozen=True)
class _Run:
    """``(character, tail)`` -> that character repeated up to *size* code points, then the
    tail (at least *least* code points in all)."""

    least: int
    size: int

    def __call__(self, pair: tuple[str, str]) -> str:
        char, tail = pair
        tail = tail[: self.size - 1]
        return char * max(self.size - len(tail), self.least - len(tail)) + tail


def free_text_edges(min_size: int, max_size: int | None) -> list[tuple[str, str]]:
    """The valid edge forms of a free-text field, ``(note, value)``: shortest and longest, the
    longest in characters of 1 to 4 UTF-8 bytes, long runs of one character (with and without a
    different last character), and each troublesome character alone. Some may fall outside
    the lengths; the caller checks each with the oracle."""
    size = max_size if max_size is not None else min_size + 64
    edges = [("shortest", "a" * min_size)]
    edges += [(f"longest, in {c!r}", c * size) for c in _FILLERS]
    edges += [
        (f"a run of {c!r} then {tail!r}", _Run(min_size, size)((c, tail)))
        for c in RUN_CHARACTERS
        for tail in RUN_TAILS[:2]
    ]
    edges += [
        (f"a run of 'a' then {tail!r}", _Run(min_size, size)(("a", tail))) for tail in RUN_TAILS[2:]
    ]
    edges += [(f"{c!r} inside", f"x{c}x".rjust(min_size, "x")) for c in INTERESTING_CHARACTERS]
    edges += [(f"{c!r} inside", f"x{c}x") for c in ("\x01", "\x1f", "\x7f", "\r\n")]
    return edges


_CLASS_ESCAPES = {
    "d": "0123456789",
    "w": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz",
    "s": " \t",
}
_QUANTIFIER = re.compile(r"\{(\d+)(,(\d*))?\}|[*+?]")
_SPECIAL = set("(){}|*+?.^$")


def _escape_chars(escape: str) -> str | None:
    if escape in _CLASS_ESCAPES:
        return _CLASS_ESCAPES[escape]
    return None if escape.isalnum() else escape


def _class_chars(body: str) -> str | None:
    """The characters of a bracket class body, or None when it is beyond the simple subset."""
    if body.startswith("^") or not body:
        return None
    chars: list[str] = []
    i = 0
    while i < len(body):
        if body[i] == "\\":
            escaped = _escape_chars(body[i + 1 : i + 2])
            if escaped is None:
                return None
            chars += escaped
            i += 2
        elif i + 2 < len(body) and body[i + 1] == "-":
            chars += [chr(c) for c in range(ord(body[i]), ord(body[i + 2]) + 1)]
            i += 3
        else:
            chars.append(body[i])
            i += 1
    return "".join(dict.fromkeys(chars))


def _atom(body: str, i: int) -> tuple[str | None, int]:
    """The characters of the atom at *i* and the index after it (None: beyond the subset)."""
    if body[i] == "[":
        end = i + 1
        while end < len(body) and body[end] != "]":
            end += 2 if body[end] == "\\" else 1
        return (_class_chars(body[i + 1 : end]), end + 1) if end < len(body) else (None, end)
    if body[i] == "\\":
        return _escape_chars(body[i + 1 : i + 2]), i + 2
    return (None if body[i] in _SPECIAL else body[i]), i + 1


#: How far an open quantifier (``*``, ``+``, ``{n,}``) repeats in ordinary draws.
_OPEN_REPEAT = 16


def _repeat(body: str, i: int) -> tuple[int, int | None, int]:
    """``(low, high, next index)`` of the quantifier at *i* (``{1,1}`` when there is none);
    *high* is None for an open quantifier."""
    match = _QUANTIFIER.match(body, i)
    if not match:
        return 1, 1, i
    token = match[0]
    if token in ("*", "+", "?"):
        low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}[token]
    else:
        low = int(match[1])
        high = low if match[2] is None else (int(match[3]) if match[3] else None)
    return low, high, match.end()


Part = tuple[str, int, int | None]  # an atom's characters, least and most repeats (None: open)


def _sequence_parts(pattern: str) -> list[Part] | None:
    """``(characters, low, high)`` per atom of a ``^(atom quantifier?)*$`` pattern, or None."""
    if not (pattern.startswith("^") and pattern.endswith("$")) or pattern.endswith("\\$"):
        return None
    body, parts, i = pattern[1:-1], [], 0
    while i < len(body):
        chars, i = _atom(body, i)
        if chars is None:
            return None
        low, high, i = _repeat(body, i)
        parts.append((chars, low, high))
    return parts


#: Index characters of one-draw pattern strings: the n-th one picks a class's n-th character.
_INDEX_BASE = 0x100


@dataclass(frozen=True)
class _Spread:
    """Turns one drawn string of index characters into a pattern string: each atom takes its
    count of characters (the one variable atom takes what is left), each mapped into its class.
    """

    parts: tuple[Part, ...]
    variable: int | None

    def __call__(self, indexes: str) -> str:
        fixed = sum(low for i, (_, low, _) in enumerate(self.parts) if i != self.variable)
        out, pos = [], 0
        for i, (chars, low, _) in enumerate(self.parts):
            count = len(indexes) - fixed if i == self.variable else low
            out += [chars[(ord(c) - _INDEX_BASE) % len(chars)] for c in indexes[pos : pos + count]]
            pos += count
        return "".join(out)


def _one_draw(
    parts: list[Part], min_size: int, max_size: int | None
) -> st.SearchStrategy[str] | None:
    """Strings of a pattern with at most one variable atom and of *min_size* to *max_size*
    characters, in a single string draw (a tuple of one draw per atom costs several times as
    much); with *max_size*, also strings of exactly that length (where a column sized too small
    breaks). None for two variable atoms or more."""
    variable = [i for i, (_, low, high) in enumerate(parts) if high != low]
    if len(variable) > 1:
        return None
    if not parts:
        return st.just("") if min_size == 0 else st.nothing()  # ^$
    shortest = sum(low for _, low, _ in parts)
    widest = shortest  # the longest a string can be (None: unbounded)
    if variable:
        _, low, high = parts[variable[0]]
        widest = None if high is None else shortest + high - low
    least = max(shortest, min_size)
    most = least + _OPEN_REPEAT if widest is None else widest
    most = most if max_size is None else min(most, max_size)
    sizes = [(least, most)] if least <= most else []
    if (
        max_size is not None
        and least <= max_size
        and most < max_size
        and (widest is None or max_size <= widest)
    ):
        sizes.append((max_size, max_size))
    top = _INDEX_BASE + max(len(chars) for chars, _, _ in parts) - 1
    alphabet = st.characters(min_codepoint=_INDEX_BASE, max_codepoint=top)
    spread = _Spread(tuple(parts), variable[0] if variable else None)
    return st.one_of([st.text(alphabet, min_size=a, max_size=b).map(spread) for a, b in sizes])


def _run(chars: str, low: int, high: int) -> st.SearchStrategy[str]:
    """*low* to *high* characters of *chars*: one string draw, none for a fixed literal."""
    if len(chars) == 1:
        return st.just(chars * low) if low == high else st.integers(low, high).map(chars.__mul__)
    return st.text(st.sampled_from(chars), min_size=low, max_size=high)


def _sized(min_size: int, max_size: int | None) -> Callable[[str], bool]:
    return lambda s: min_size <= len(s) and (max_size is None or len(s) <= max_size)


def _compiled_sequence(
    pattern: str, min_size: int, max_size: int | None
) -> st.SearchStrategy[str] | None:
    """A direct strategy for ``^(atom quantifier?)*$`` patterns, exact by construction (no
    filter but for lengths with several variable atoms); None for anything richer."""
    parts = _sequence_parts(pattern)
    if parts is None:
        return None
    direct = _one_draw(parts, min_size, max_size)
    if direct is not None:
        return direct
    texts = [
        _run(chars, low, low + _OPEN_REPEAT if high is None else high) for chars, low, high in parts
    ]
    return st.tuples(*texts).map("".join).filter(_sized(min_size, max_size))


def _edge_characters(chars: str) -> str:
    """The first and last character of each run of consecutive code points (``0-9a-fA-F`` ->
    ``09afAF``): where a hand-written check of a class goes wrong."""
    edges = []
    for i, char in enumerate(chars):
        starts = i == 0 or ord(chars[i - 1]) != ord(char) - 1
        ends = i == len(chars) - 1 or ord(chars[i + 1]) != ord(char) + 1
        if starts or ends:
            edges.append(char)
    return "".join(edges)


def _counts(parts: list[Part], length: int) -> list[int]:
    """Repeats per atom for a string of about *length*: each at its least, the rest given to
    the variable atoms in order, each up to its most."""
    counts = [low for _, low, _ in parts]
    spare = length - sum(counts)
    for i, (_, low, high) in enumerate(parts):
        grow = spare if high is None else min(spare, high - low)
        if grow > 0:
            counts[i] += grow
            spare -= grow
    return counts


def _spell(parts: list[Part], counts: list[int], char: str) -> str:
    """Each atom *count* times *char* where its class has it, else its first character."""
    return "".join(
        (char if char in chars else chars[0]) * n
        for (chars, _, _), n in zip(parts, counts, strict=True)
    )


def pattern_edges(
    pattern: str, min_size: int = 0, max_size: int | None = None
) -> list[tuple[str, str]]:
    """The valid edge forms of a pattern field, ``(note, value)``: the shortest and longest
    strings, each written with every edge character of the classes (``0``, ``9``, ``a``, ``f``,
    ``A``, ``F`` for hex: upper and lower case where allowed), so the longest are long runs of
    one character. Empty for a pattern beyond the anchored-sequence subset; the caller checks
    each value with the oracle."""
    parts = _sequence_parts(pattern)
    if not parts:
        return []
    least = max(sum(low for _, low, _ in parts), min_size)
    widest = max_size if max_size is not None else least + _OPEN_REPEAT
    chars = "".join(dict.fromkeys(c for atom, _, _ in parts for c in _edge_characters(atom)))
    edges = []
    for size, label in ((least, "shortest"), (widest, "longest")):
        counts = _counts(parts, size)
        edges += [(f"{label}, in {c!r}", _spell(parts, counts, c)) for c in chars]
    return edges


def _python_pattern(pattern: str) -> re.Pattern[str]:
    translated = re.sub(r"\(\?<([A-Za-z_]\w*)>", r"(?P<\1>", pattern)
    try:
        return re.compile(translated, re.ASCII)
    except re.error as exc:
        raise UnsupportedSchemaError(
            f"pattern={pattern!r} cannot be generated from ({exc}); "
            "use the common subset of ECMA-262 and Python regular expressions"
        ) from None


def pattern_strings(
    pattern: str, min_size: int = 0, max_size: int | None = None
) -> st.SearchStrategy[str]:
    """Strings of *min_size* to *max_size* characters that match *pattern* under ECMA-262.

    Anchored sequences of literals and bracket classes with quantifiers (the shape of most
    contract patterns) are built directly, in one string draw when at most one atom varies, and
    with *max_size* (the field's ``maxLength``) also reach exactly that length when an open
    quantifier allows it; anything richer goes through
    :func:`hypothesis.strategies.from_regex` in ASCII mode (so ``\\d`` is ``[0-9]``), each string
    kept only if ECMA-262 agrees. Shrinks towards the first character of each class.
    """
    ecma.compile_pattern(pattern)
    direct = _compiled_sequence(pattern, min_size, max_size)
    if direct is not None:
        return direct
    anchored = pattern.startswith("^") and pattern.endswith("$")
    regex = st.from_regex(_python_pattern(pattern), fullmatch=anchored)
    sized = _sized(min_size, max_size)
    return regex.filter(lambda s: sized(s) and ecma.search(pattern, s))
