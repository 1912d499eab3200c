"""ECMA-262 patterns matched by RE2: the same verdicts as regress (the ECMA-262 engine), in
linear time, and a one-line refusal of what has no linear-time form."""

from __future__ import annotations

import os
import resource
import signal
import time

import pytest
import regress
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from backbeat_fuzz import ecma
from backbeat_fuzz.errors import SchemaError

#: Atoms whose ECMA-262 meaning differs from Python's or RE2's defaults, and plain ones.
ATOMS = (
    "a", "b", "A", "é", "😀", ".", "\\d", "\\D", "\\w", "\\W", "\\s", "\\S", "\\b", "\\B",
    "[a-c]", "[^a]", "[\\s\\d]", "[\\S]", "[\\D_]", "[\\W]", "[^\\s]", "[]", "[^]", "\\u00e9",
    "\\u{1F600}", "\\uD83D\\uDE00", "\\x41", "\\cJ", "\\t", "\\n", "\\v", "\\0", "\\p{L}",
    "\\p{Lu}", "\\P{L}", "\\p{Letter}", "\\p{digit}", "\\p{Nd}", "[\\p{L}\\d]", "\\p{LC}",
    "\\p{Any}", "\\p{ASCII}", "\\p{Script=Latin}", "\\.", "\\/", "[\\-a]", "[\\b]", "-",
    " ", "#", "\\^", "\\$",
)  # fmt: skip
QUANTIFIERS = ("", "", "*", "+", "?", "{2}", "{1,3}", "{0,}", "*?", "+?")
#: Groups repeat a bounded number of times: regress, the reference here, backtracks, and on an
#: unbounded quantifier over a quantified group it tried to allocate 5 GB for an 11-character
#: text (the reason it no longer matches anything in backbeat-fuzz).
GROUP_QUANTIFIERS = ("", "?", "{2}", "{0,2}")
#: Characters the atoms tell apart: ASCII, line terminators, Unicode spaces, digits, letters.
TEXT = st.text(
    st.sampled_from("aAbé😀1_- \t\n\r\x0b\x0c\x00\u2028\u3000\ufeff\u00a0٣ΩJ#.$^/"), max_size=8
)


@st.composite
def patterns(draw: st.DrawFn, depth: int = 2) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        if depth and draw(st.booleans()):
            inner = draw(patterns(depth - 1))
            atom = draw(st.sampled_from(("({})", "(?:{})"))).format(inner)
            quantifier = draw(st.sampled_from(GROUP_QUANTIFIERS))
        else:
            atom = draw(st.sampled_from(ATOMS))
            quantifier = "" if atom in ("\\b", "\\B") else draw(st.sampled_from(QUANTIFIERS))
        parts.append(atom + quantifier)
    body = "".join(parts)
    if draw(st.booleans()):
        body += "|" + draw(st.sampled_from(ATOMS[:20]))
    return draw(st.sampled_from(("{}", "^{}", "{}$", "^{}$"))).format(body)


#: What the reference engine may use for one match: it backtracks, and some generated patterns
#: make it allocate without bound (24 GB and the machine's OOM killer, seen under CI=true).
REFERENCE_MEMORY = 1 << 30
REFERENCE_SECONDS = 5


def _regress_finds(pattern: str, text: str) -> bool | None:
    """regress's verdict, computed in a forked child under a memory and time limit; None when
    the reference itself could not finish (such an example judges nothing)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: limited, answers one byte, never returns into pytest
        try:
            os.close(read)
            resource.setrlimit(resource.RLIMIT_AS, (REFERENCE_MEMORY, REFERENCE_MEMORY))
            signal.alarm(REFERENCE_SECONDS)
            found = regress.Regex(pattern, "u").find(text) is not None
            os.write(write, b"1" if found else b"0")
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as answer:
        verdict = answer.read()
    os.waitpid(pid, 0)
    return {b"1": True, b"0": False}.get(verdict)


@settings(max_examples=400, deadline=None)
@given(patterns(), TEXT)
def test_re2_agrees_with_regress(pattern: str, text: str) -> None:
    expected = _regress_finds(pattern, text)
    assume(expected is not None)
    assert ecma.search(pattern, text) is expected, (pattern, text)


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$", "7ffd:0001:abcd", True),
        ("^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$", "7ffd:0001:abcd\n", False),
        ("^\\d$", "٣", False),
        ("^.$", "\u2028", False),
        ("^\\s$", "\u3000", True),
        ("a", "xx\ud800a", True),  # a lone surrogate is matched as U+FFFD
        ("^\\P{L}$", "\ud800", True),
        ("^(?<year>\\d{4})-(?:\\d\\d)$", "2025-09", True),
    ],
)
def test_ecma_semantics(pattern: str, text: str, matches: bool) -> None:
    assert ecma.search(pattern, text) is matches


@pytest.mark.parametrize("size", [28, 50_000])
def test_catastrophic_patterns_finish(size: int) -> None:
    """``^(a+)+$`` took 35 s on 29 characters with a backtracking engine; 50,000 never ended.
    The bound is a hang check (minutes before), not a speed goal."""
    started = time.monotonic()
    assert not ecma.search("^(a+)+$", "a" * size + "!")
    assert not ecma.search("(\\s+)+$", " " * size + "x")
    assert time.monotonic() - started < 20


@pytest.mark.parametrize(
    ("pattern", "construct"),
    [
        ("(a)\\1", "a backreference '\\\\1'"),
        ("(?<x>a)\\k<x>", "a backreference '\\\\k'"),
        ("(?=a)a", "a lookahead '(?=...'"),
        ("(?<!a)b", "a lookbehind '(?<!...'"),
        ("a{1001}", "a repeat count over 1000 '{1001}'"),
        ("\\p{Emoji}", "the property escape \\p{Emoji}"),
        ("\\p{sc=Grek}", "what RE2 refuses (invalid character class range: \\p{Grek})"),
    ],
)
def test_patterns_without_a_linear_form_are_refused(pattern: str, construct: str) -> None:
    with pytest.raises(SchemaError) as info:
        ecma.compile_pattern(pattern)
    message = str(info.value)
    assert message.startswith(f"pattern={pattern!r} uses {construct}, which backbeat-fuzz"), message
    assert message.endswith("; rewrite the pattern without it")


def test_a_pattern_that_is_not_ecma_is_refused() -> None:
    with pytest.raises(SchemaError, match=r"is not an ECMA-262 regular expression"):
        ecma.compile_pattern("(?P<n>a)")
