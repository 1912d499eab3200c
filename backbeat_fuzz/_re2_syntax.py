"""ECMA-262 patterns (``u`` flag) rewritten in RE2 syntax, to be matched in linear time.

Only patterns ``regress`` accepted come here, so the syntax is known valid. Each construct is
rewritten to the RE2 text that matches the same code points: ``.`` excludes the four ECMA line
terminators, ``\\s`` is ECMA's white space and line terminators, ``\\d``/``\\w`` are ASCII,
``$`` is the end of the text, escapes become ``\\x{...}``, property escapes are mapped from
their ECMA names. Whether a pattern matches somewhere is then the same under both engines (lazy
or greedy quantifiers change which match, never whether). A construct RE2 has no linear-time
equivalent for (a backreference, a lookaround, a repeat count over 1000, an unmapped property)
raises :class:`Untranslatable` naming it.
"""

from __future__ import annotations

MAX_REPEAT = 1000  # RE2's own limit on {n,m}

_Ranges = tuple[tuple[int, int], ...]
#: ECMA ``\\s``: WhiteSpace and LineTerminator (TAB..CR, SP, NBSP, Zs, LS, PS, ZWNBSP).
_SPACE: _Ranges = (
    (0x09, 0x0D), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
    (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF),
)  # fmt: skip
_LINE_TERMINATORS: _Ranges = ((0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029))
_SCALARS: _Ranges = ((0, 0xD7FF), (0xE000, 0x10FFFF))  # every code point UTF-8 can hold

#: ECMA General_Category names and aliases -> the RE2 class body that means the same.
_GENERAL_CATEGORIES = {
    **{short: rf"\p{{{short}}}" for short in (
        "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn",
        "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk",
        "Sm", "So", "Z", "Zl", "Zp", "Zs",
    )},
    "LC": r"\p{Lu}\p{Ll}\p{Lt}",
}  # fmt: skip
_CATEGORY_ALIASES = {
    "Other": "C", "Control": "Cc", "cntrl": "Cc", "Format": "Cf", "Private_Use": "Co",
    "Surrogate": "Cs", "Letter": "L", "Cased_Letter": "LC", "Lowercase_Letter": "Ll",
    "Modifier_Letter": "Lm", "Other_Letter": "Lo", "Titlecase_Letter": "Lt",
    "Uppercase_Letter": "Lu", "Mark": "M", "Combining_Mark": "M", "Spacing_Mark": "Mc",
    "Enclosing_Mark": "Me", "Nonspacing_Mark": "Mn", "Number": "N", "Decimal_Number": "Nd",
    "digit": "Nd", "Letter_Number": "Nl", "Other_Number": "No", "Punctuation": "P",
    "punct": "P", "Connector_Punctuation": "Pc", "Dash_Punctuation": "Pd",
    "Close_Punctuation": "Pe", "Final_Punctuation": "Pf", "Initial_Punctuation": "Pi",
    "Other_Punctuation": "Po", "Open_Punctuation": "Ps", "Symbol": "S", "Currency_Symbol": "Sc",
    "Modifier_Symbol": "Sk", "Math_Symbol": "Sm", "Other_Symbol": "So", "Separator": "Z",
    "Line_Separator": "Zl", "Paragraph_Separator": "Zp", "Space_Separator": "Zs",
}  # fmt: skip
_BINARY_PROPERTIES = {"Any": r"\x{0}-\x{10FFFF}", "ASCII": r"\x{0}-\x{7F}"}
_CONTROL_ESCAPES = {"t": 0x09, "n": 0x0A, "v": 0x0B, "f": 0x0C, "r": 0x0D}
_SYNTAX = frozenset("^$\\.*+?()[]{}|/")


class Untranslatable(ValueError):
    """The pattern uses a construct with no linear-time RE2 equivalent (the message names it)."""


def _body(ranges: _Ranges) -> str:
    return "".join(rf"\x{{{a:X}}}" if a == b else rf"\x{{{a:X}}}-\x{{{b:X}}}" for a, b in ranges)


def _complement(ranges: _Ranges) -> _Ranges:
    out, low = [], 0
    for a, b in sorted(ranges):
        if a > low:
            out.append((low, a - 1))
        low = max(low, b + 1)
    out.append((low, 0x10FFFF))
    return tuple((a, b) for a, b in out if a <= b and not (a >= 0xD800 and b <= 0xDFFF))


#: Class escapes -> (class body, the same negated as a class body).
_CLASS_ESCAPES = {
    "d": "0-9",
    "D": "[:^digit:]",
    "w": "0-9A-Za-z_",
    "W": "[:^word:]",
    "s": _body(_SPACE),
    "S": _body(_complement(_SPACE)),
}
_NEVER = "[^" + _body(_SCALARS) + "]"


def _hex(text: str, start: int, count: int) -> int | None:
    digits = text[start : start + count]
    ok = len(digits) == count and all(c in "0123456789abcdefABCDEF" for c in digits)
    return int(digits, 16) if ok else None


def _unicode_escape(p: str, i: int) -> tuple[int, int]:
    """``\\uHHHH`` (a surrogate pair joined), ``\\u{H...}``: (code point, index after)."""
    if p.startswith("u{", i):
        end = p.index("}", i)
        return int(p[i + 2 : end], 16), end + 1
    high = _hex(p, i + 1, 4)
    assert high is not None  # regress accepted the pattern
    if 0xD800 <= high <= 0xDBFF and p.startswith("\\u", i + 5):
        low = _hex(p, i + 7, 4)
        if low is not None and 0xDC00 <= low <= 0xDFFF:
            return 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), i + 11
    return high, i + 5


def _code_point(p: str, i: int, in_class: bool) -> tuple[int, int] | None:
    """The code point the escape at ``p[i]`` (after its backslash) names, and the index after
    it; None if it is not a character escape."""
    c = p[i]
    if c in _CONTROL_ESCAPES:
        return _CONTROL_ESCAPES[c], i + 1
    if c == "c":
        return ord(p[i + 1]) % 32, i + 2
    if c == "x":
        value = _hex(p, i + 1, 2)
        return None if value is None else (value, i + 3)
    if c == "u":
        return _unicode_escape(p, i)
    identity = c in _SYNTAX or (in_class and c == "-")
    if identity or (c == "0" and not p[i + 1 : i + 2].isdigit()) or (in_class and c == "b"):
        return {"0": 0, "b": 0x08}.get(c, ord(c)), i + 1
    return None


def _property(p: str, i: int) -> tuple[str, bool, int]:
    """``\\p{...}``/``\\P{...}`` at ``p[i]``: (RE2 class body, negated, index after)."""
    end = p.index("}", i)
    name, negated = p[i + 2 : end], p[i] == "P"
    key, _, value = name.partition("=")
    if value and key in ("General_Category", "gc"):
        name = value
    elif value and key in ("Script", "sc"):
        return rf"\p{{{value}}}", negated, end + 1  # RE2 refuses a name it does not know
    elif value:
        raise Untranslatable(f"the property escape \\p{{{name}}}")
    name = _CATEGORY_ALIASES.get(name, name)
    body = _GENERAL_CATEGORIES.get(name) or _BINARY_PROPERTIES.get(name)
    if body is None:
        raise Untranslatable(f"the property escape \\p{{{name}}}")
    return body, negated, end + 1


def _class_atom(p: str, i: int) -> tuple[int | None, str, int]:
    """One class member at ``p[i]``: (its code point or None for a set, RE2 body, index)."""
    if p[i] != "\\":
        return ord(p[i]), _body(((ord(p[i]), ord(p[i])),)), i + 1
    if p[i + 1] in _CLASS_ESCAPES:
        return None, _CLASS_ESCAPES[p[i + 1]], i + 2
    if p[i + 1] in "pP":
        body, negated, end = _property(p, i + 1)
        if negated:
            raise Untranslatable("a negated property escape inside a class")
        return None, body, end
    found = _code_point(p, i + 1, in_class=True)
    if found is None:
        raise Untranslatable(f"the escape {p[i : i + 2]!r} inside a class")
    return found[0], _body(((found[0], found[0]),)), found[1]


def _class(p: str, i: int) -> tuple[str, int]:
    """The class starting at ``p[i] == '['``: (RE2 text, index after its ``]``)."""
    negated = p.startswith("[^", i)
    i += 2 if negated else 1
    parts: list[str] = []
    while p[i] != "]":
        low, body, i = _class_atom(p, i)
        if p[i] == "-" and p[i + 1] != "]" and low is not None:
            high, _, i = _class_atom(p, i + 1)
            assert high is not None  # regress refuses a range to a set
            body = _body(((low, high),))
        parts.append(body)
    if not parts:
        return ("[" + _body(_SCALARS) + "]" if negated else _NEVER), i + 1
    return ("[^" if negated else "[") + "".join(parts) + "]", i + 1


def _group(p: str, i: int) -> tuple[str, int]:
    """The opening of the group at ``p[i] == '('``: (RE2 text, index after it)."""
    for prefix, what in (("(?=", "a lookahead"), ("(?!", "a lookahead"),
                         ("(?<=", "a lookbehind"), ("(?<!", "a lookbehind")):  # fmt: skip
        if p.startswith(prefix, i):
            raise Untranslatable(f"{what} '{prefix}...'")
    if p.startswith("(?<", i):
        return "(", p.index(">", i) + 1
    if p.startswith("(?:", i):
        return "(?:", i + 3
    if p.startswith("(?", i):
        raise Untranslatable("a modifier group '(?flags:...)'")
    return "(", i + 1


def _repeat(p: str, i: int) -> tuple[str, int]:
    """The ``{n}``, ``{n,}`` or ``{n,m}`` at ``p[i]``: (RE2 text, index after it)."""
    end = p.index("}", i)
    counts = [int(n) for n in p[i + 1 : end].split(",") if n]
    if any(n > MAX_REPEAT for n in counts):
        raise Untranslatable(f"a repeat count over {MAX_REPEAT} {p[i : end + 1]!r}")
    return p[i : end + 1], end + 1


def _escape(p: str, i: int) -> tuple[str, int]:
    """The escape at ``p[i] == '\\\\'`` outside a class: (RE2 text, index after it)."""
    c = p[i + 1]
    if c in "bB":
        return "\\" + c, i + 2
    if c in _CLASS_ESCAPES:
        return "[" + _CLASS_ESCAPES[c] + "]", i + 2
    if c in "pP":
        body, negated, end = _property(p, i + 1)
        return ("[^" if negated else "[") + body + "]", end
    if c in "123456789k":
        raise Untranslatable(f"a backreference {p[i : i + 2]!r}")
    found = _code_point(p, i + 1, in_class=False)
    if found is None:
        raise Untranslatable(f"the escape {p[i : i + 2]!r}")
    return _body(((found[0], found[0]),)), found[1]


#: Tokens outside a class that start at one character: that character -> its reader.
_READERS = {"\\": _escape, "[": _class, "(": _group, "{": _repeat}
_PLAIN = {".": "[^" + _body(_LINE_TERMINATORS) + "]", "$": r"\z"}


def _token(p: str, i: int) -> tuple[str, int]:
    """One token of the pattern at ``p[i]``, outside any class: (RE2 text, index after it)."""
    c = p[i]
    if c in _READERS:
        return _READERS[c](p, i)
    if c in _PLAIN:
        return _PLAIN[c], i + 1
    if c in "^|)*+?" or (c.isalnum() and c.isascii()):
        return c, i + 1
    return _body(((ord(c), ord(c)),)), i + 1


def translate(pattern: str) -> str:
    """The RE2 pattern that matches where the ECMA-262 *pattern* (already valid) matches.

    Raises:
        Untranslatable: a construct with no linear-time equivalent; the message names it.
    """
    out, i = [], 0
    while i < len(pattern):
        text, i = _token(pattern, i)
        out.append(text)
    return "".join(out)
