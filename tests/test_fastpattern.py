"""The quick yes for a pattern: what Python's re fully matches, the ECMA-262 pattern matches (RE2
says so), and with ``^...$`` nothing else; every other pattern has none."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from backbeat_fuzz._fastpattern import sure_pattern
from backbeat_fuzz.ecma import compile_pattern
from backbeat_fuzz.errors import SchemaError

#: (pattern, whether its Python regex is exact), for patterns that have one.
WRITTEN = [
    ("^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$", True),
    ("^[0-9a-fA-F]{32}$", True),
    ("^[A-Za-z0-9][A-Za-z0-9._-]*$", True),
    ("^[a-z][a-z0-9_.-]*$", True),
    ("^\\d{3}-\\w+$", True),
    ("^.{1,64}$", True),
    ("^a\\.b\\$c\\/d$", True),
    ("^[-a]x?$", True),
    ("^[a-c-e]$", True),
    ("^[\\d.]{2,}$", True),
    ("ab", False),  # unanchored: matches anywhere, so only a quick yes
    ("^ab", False),
    ("ab$", False),
    ("", False),
]
#: Patterns with no Python regex here: RE2 alone.
REFUSED = [
    "^a*b*$",  # two repeats of variable length: backtracking could be quadratic
    "^a?b?$",
    "^(ab)$",
    "^a|b$",
    "^[^a]$",
    "^\\s$",
    "^\\D$",
    "^é$",
    "^a+?$",
    "^a{2}?$",
    "^a{1001}$",
    "^[\\d-z]$",
    "^\\p{L}$",
    "^a\\bb$",
    "^a$b",
]


@pytest.mark.parametrize(("pattern", "exact"), WRITTEN, ids=repr)
def test_a_simple_pattern_has_a_python_regex(pattern: str, exact: bool) -> None:
    compile_pattern(pattern)  # valid ECMA-262
    sure = sure_pattern(pattern)
    assert sure is not None and sure.exact is exact


@pytest.mark.parametrize("pattern", REFUSED, ids=repr)
def test_other_patterns_have_none(pattern: str) -> None:
    assert sure_pattern(pattern) is None


def test_dot_is_ecma_dot_and_digits_are_ascii() -> None:
    sure = sure_pattern("^.\\d$")
    assert sure is not None
    assert sure.fullmatch("x1") and sure.fullmatch("\U0001f6001")
    for text in ("\n1", "\r1", "\u20281", "\u20291", "x\u0661"):  # U+0661: an Arabic-Indic 1
        assert not sure.fullmatch(text)
        assert not compile_pattern("^.\\d$").find(text)


# ---------------------------------------------------------------- by property, against RE2

_LITERALS = st.sampled_from([*"abzAZ09:-_ ,/@#%&=~;'", "\\.", "\\$", "\\/", "\\\\"])
_CLASS_ITEMS = st.sampled_from(["a-f", "0-9", "A-Z", "_", ".", "-", "\\d", "\\w", ":", "x"])
_ATOMS = st.one_of(
    _LITERALS,
    st.lists(_CLASS_ITEMS, min_size=1, max_size=3).map(lambda items: "[" + "".join(items) + "]"),
    st.sampled_from([".", "\\d", "\\w"]),
)
_FIXED = st.sampled_from(["", "", "{2}", "{1}"])
_VARIABLE = st.sampled_from(["*", "+", "?", "{1,3}", "{2,}", "{0,2}"])


@st.composite
def _patterns(draw: st.DrawFn) -> str:
    atoms = [a + draw(_FIXED) for a in draw(st.lists(_ATOMS, min_size=1, max_size=5))]
    if draw(st.booleans()):
        at = draw(st.integers(0, len(atoms) - 1))
        atoms[at] = atoms[at].removesuffix("{2}").removesuffix("{1}") + draw(_VARIABLE)
    return draw(st.sampled_from(["^", ""])) + "".join(atoms) + draw(st.sampled_from(["$", ""]))


_TEXT = st.text(st.sampled_from("abfzAZ09:-_.x/\\$ \n\u2028é\U0001f600"), max_size=8)


@settings(max_examples=300, deadline=None)
@given(pattern=_patterns(), data=st.data())
def test_the_python_regex_says_yes_only_where_the_pattern_matches(
    pattern: str, data: st.DataObject
) -> None:
    try:
        re2 = compile_pattern(pattern)
    except SchemaError:  # not ECMA-262 (a reversed range): no schema holds it
        assume(False)
    sure = sure_pattern(pattern)
    if sure is None:  # a range next to a class escape ([\d-z]): refused, RE2 alone
        assert "-" in pattern, pattern
        return
    regex = sure.fullmatch.__self__.pattern  # type: ignore[attr-defined]
    texts = [data.draw(_TEXT), data.draw(st.from_regex(regex, fullmatch=True))]
    for text in texts:
        quick = sure.fullmatch(text) is not None
        matched = bool(re2.find(text))
        assert not quick or matched, (pattern, text)
        if sure.exact:
            assert quick is matched, (pattern, text)
