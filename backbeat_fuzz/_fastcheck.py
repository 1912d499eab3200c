"""The validator's fast path: a yes-or-no check per message kind, generated as Python source.

Measured with cProfile on ``backbeat-validate --file`` over 100,000 valid lines, the strict
path spends half its time in the compiled closures (a Python call per keyword, per field) and a
third in the strict parse (a Python hook on every number and every object). Most messages in a
stream are valid and need no explanation, so this module answers one question fast: *is this
parsed message surely valid?* (:mod:`._fastparse` parses, and proves the text rules it can.)

:func:`compile_check` turns a schema and its cross-field rules into one function per object or
array node, with every leaf keyword inlined as an expression. Besides the schema, the check
proves what the parse left open: every number is finite and within a double, and arrays and
objects nest at most :data:`~backbeat_fuzz.jsontext.MAX_DEPTH` deep (unknown fields are walked
by :func:`plain`). The parse reads an integer beyond 64 bits as its nearest float, so a float
beyond ``±2**63`` (maybe such an integer, rounded) is never compared with a schema constant
outside ``±2**63`` nor with another field: there the rounded value could land on the other
side; inside, an integer that large and its float are on the same side of every constant.

``check(value)`` is True only when the strict path calls the text valid; False means "not sure"
(invalid, or something only the strict path decides), and the caller asks the strict path,
which explains. A schema using a keyword outside :data:`KEYWORDS` raises :class:`NotCompilable`
and its kind has no fast path. The generated source never holds a schema value: every constant
is bound to a name of the function's namespace (``c0``, ``c1``, ...), so a hostile schema can
change what the check compares with, never what the code does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from ._compiled import Compiler, NotCompilable
from ._fastpattern import sure_pattern
from .ecma import Pattern, compile_pattern
from .errors import SchemaError
from .formats import FORMATS
from .jsontext import MAX_DEPTH
from .vocabulary import ANNOTATIONS

Check = Callable[[Any], bool]

#: The smallest integer whose ``float()`` overflows (halfway to 2**1024 rounds up): I-JSON's
#: "within a double" is ``-LIMIT < n < LIMIT``.
LIMIT = 2**1024 - 2**970
#: Integers up to 64 bits parse exactly; a float beyond this may be a larger integer, rounded.
EXACT = 2**63
NUMBER = (int, float)


def plain(value: Any, level: int) -> bool:
    """Whether a parsed *value*, inside *level* arrays and objects, breaks no number or
    nesting rule (strings were checked by :func:`~._fastparse.parse_plain`)."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return -LIMIT < value < LIMIT
    if kind is float:
        return value - value == 0.0  # NaN and the infinities are not
    if level >= MAX_DEPTH:
        return False
    items = value.values() if kind is dict else value
    return all(plain(item, level + 1) for item in items)


#: JSON type -> the expression that holds for a plain value of it (``{v}`` is the value).
_TYPE_TESTS = {
    "string": "type({v}) is str",
    "integer": "(type({v}) is int and -LIMIT < {v} < LIMIT or type({v}) is float "
    "and {v}.is_integer())",
    "number": "(type({v}) is int and -LIMIT < {v} < LIMIT or type({v}) is float "
    "and {v} - {v} == 0.0)",
    "boolean": "type({v}) is bool",
    "null": "{v} is None",
    "object": "type({v}) is dict",
    "array": "type({v}) is list",
}
#: The number tests where a lower and an upper bound (within ``±2**63``, :func:`_bounded`)
#: already keep out the infinities, NaN, integers beyond a double and floats that may be one.
_BOUNDED_TESTS = {
    **_TYPE_TESTS,
    "integer": "(type({v}) is int or type({v}) is float and {v}.is_integer())",
    "number": "type({v}) in NUMBER",
}
#: A keyword family -> the JSON types it applies to, and the test that a value is of them.
_FAMILIES = {
    "number": (frozenset({"integer", "number"}), "type({v}) in NUMBER"),
    "string": (frozenset({"string"}), "type({v}) is str"),
    "object": (frozenset({"object"}), "type({v}) is dict"),
    "array": (frozenset({"array"}), "type({v}) is list"),
}
#: keyword -> (family, the expression that holds when the keyword does; ``{c}`` its constant).
_LEAVES = {
    "minimum": ("number", "{v} >= {c}"),
    "maximum": ("number", "{v} <= {c}"),
    "exclusiveMinimum": ("number", "{v} > {c}"),
    "exclusiveMaximum": ("number", "{v} < {c}"),
    "minLength": ("string", "len({v}) >= {c}"),
    "maxLength": ("string", "len({v}) <= {c}"),
}
_OBJECT_KEYWORDS = frozenset(
    {"required", "properties", "additionalProperties", "minProperties", "maxProperties"}
)
_ARRAY_KEYWORDS = frozenset({"items", "minItems", "maxItems"})
#: Keywords that never change a verdict (annotations and schema bookkeeping).
_ANNOTATIONS = ANNOTATIONS | {"$dynamicAnchor"}
#: Every keyword the fast check asserts; a schema with another (``x-*`` excepted) has no check.
KEYWORDS = frozenset(
    {"type", "const", "enum", "pattern", "format", "$ref", "allOf", *_LEAVES}
    | _OBJECT_KEYWORDS
    | _ARRAY_KEYWORDS
)


#: format -> a regex whose every full match the format's checker accepts (most real values):
#: a date-time with a day up to 28 and no leap second needs no calendar.
_SURE_FORMATS = {
    "date-time": re.compile(
        "[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])[Tt]"
        "(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:[.][0-9]+)?"
        "(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
    ).fullmatch,
}


#: How many matching strings a pattern remembers, and how long each may be (a stream repeats
#: its cluster, agent and window ids; a pattern match costs RE2 ~0.7 us, Python's re ~0.2 us
#: (:mod:`._fastpattern`), a lookup ~0.05 us).
_MEMO_SIZE, _MEMO_LENGTH = 4096, 256


def _remembering(find: Callable[[str], Any], seen: dict[str, bool]) -> Callable[[str], bool]:
    """*find* as a yes-or-no that remembers, in *seen*, the short strings that matched."""

    def matches(text: str) -> bool:
        if find(text) is None:
            return False
        if len(text) <= _MEMO_LENGTH:
            if len(seen) >= _MEMO_SIZE:
                seen.clear()
            seen[text] = True
        return True

    return matches


def _either(quick: Callable[[str], Any], find: Callable[[str], Any]) -> Callable[[str], Any]:
    """*quick*, and *find* where it says no."""
    return lambda text: quick(text) or find(text)


def _bounded(schema: dict[str, Any]) -> bool:
    """Whether *schema* bounds numbers on both sides by numbers within ``±2**63``."""
    lower = [schema[k] for k in ("minimum", "exclusiveMinimum") if k in schema]
    upper = [schema[k] for k in ("maximum", "exclusiveMaximum") if k in schema]
    return all(any(_exact(b) for b in side) for side in (lower, upper))


def _exact(value: Any) -> bool:
    """Whether *value* is a number that every parsed number compares with as its text does."""
    return type(value) in NUMBER and -EXACT < value < EXACT


def _rounding_guard(constant: Any, v: str) -> str:
    """The condition that keeps a float which may be a rounded integer from a comparison with
    *constant*, when that constant is beyond ``±2**63`` (else nothing: ``True``)."""
    return "True" if _exact(constant) else f"(type({v}) is not float or -EXACT < {v} < EXACT)"


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise NotCompilable(what)


def _is_number(value: Any) -> bool:
    return type(value) in NUMBER


class _Writer:
    """Writes the source of one kind's check: a function per object or array node."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.names: dict[str, Any] = {
            "LIMIT": LIMIT,
            "EXACT": EXACT,
            "MAX_DEPTH": MAX_DEPTH,
            "NUMBER": NUMBER,
            "plain": plain,
        }
        self.functions: list[str] = []
        self._refs = Compiler(root, frozenset())
        self._made: dict[tuple[int, str], str] = {}
        self._active: set[int] = set()

    def constant(self, value: Any) -> str:
        """A name bound to *value* in the check's namespace."""
        name = f"c{len(self.names)}"
        self.names[name] = value
        return name

    def condition(self, schema: Any, v: str, level: str) -> str:
        """The expression that holds when the value named *v*, inside *level* containers, is
        plain and valid under *schema*."""
        text, pinned = self._condition(schema, v, level)
        return text if pinned else f"{text} and plain({v}, {level})"

    def _condition(self, schema: Any, v: str, level: str) -> tuple[str, bool]:
        """The expression for *schema* alone, and whether it proves the value plain."""
        if schema is True or schema is False:
            return str(schema), schema is False
        _require(isinstance(schema, dict), f"schema {schema!r}")
        _require(id(schema) not in self._active, "recursive $ref")
        self._active.add(id(schema))
        try:
            parts, pinned = self._parts(schema, v, level)
        finally:
            self._active.discard(id(schema))
        return " and ".join(f"({p})" for p in parts) or "True", pinned

    def _parts(self, schema: dict[str, Any], v: str, level: str) -> tuple[list[str], bool]:
        for keyword in schema:
            known = keyword in KEYWORDS or keyword in _ANNOTATIONS or keyword.startswith("x-")
            _require(known or (keyword == "$id" and schema is self.root), f"keyword {keyword!r}")
        types = self._types(schema)
        tests = _BOUNDED_TESTS if _bounded(schema) else _TYPE_TESTS
        parts = [" or ".join(tests[t].format(v=v) for t in types)] if types else []
        parts += self._values(schema, v)
        for keyword, (family, template) in _LEAVES.items():
            if keyword in schema:
                value = schema[keyword]
                _require(_is_number(value), f"{keyword} {value!r}")
                test = template.format(v=v, c=self.constant(value))
                if family == "number" and not _exact(value):
                    test = f"{_rounding_guard(value, v)} and {test}"
                parts.append(self._guarded(types, family, test, v))
        parts += self._strings(schema, types, v)
        parts += self._containers(schema, types, v, level)
        pinned = bool(types) or "const" in schema or "enum" in schema  # scalars only: _equals
        subs = [self._refs.resolve(schema["$ref"])] if "$ref" in schema else []
        _require(isinstance(schema.get("allOf", []), list), "allOf")
        for sub in [*subs, *schema.get("allOf", [])]:
            text, sub_pinned = self._condition(sub, v, level)
            parts.append(text)
            pinned = pinned or sub_pinned
        return parts, pinned

    @staticmethod
    def _types(schema: dict[str, Any]) -> list[str]:
        if "type" not in schema:
            return []
        value = schema["type"]
        names = [value] if isinstance(value, str) else value
        _require(isinstance(names, list) and bool(names), f"type {value!r}")
        _require(all(isinstance(n, str) and n in _TYPE_TESTS for n in names), f"type {value!r}")
        return list(dict.fromkeys(names))

    def _guarded(self, types: list[str], family: str, test: str, v: str) -> str:
        """*test*, applied only to values of *family* (unless the type says they all are)."""
        applies, is_of = _FAMILIES[family]
        if types and set(types) <= applies:
            return test
        return f"not {is_of.format(v=v)} or {test}"

    def _values(self, schema: dict[str, Any], v: str) -> list[str]:
        parts = []
        if "const" in schema:
            parts.append(self._equals(schema["const"], v))
        if "enum" in schema:
            members = schema["enum"]
            _require(isinstance(members, list), f"enum {members!r}")
            if members and all(type(m) is str for m in members):
                parts.append(f"type({v}) is str and {v} in {self.constant(frozenset(members))}")
            else:
                parts.append(" or ".join(self._equals(m, v) for m in members) or "False")
        return parts

    def _equals(self, value: Any, v: str) -> str:
        """JSON equality with one scalar: ``1 == 1.0``, ``true != 1``."""
        if value is None or type(value) is bool:
            return f"{v} is {self.constant(value)}"
        if type(value) is str:
            return f"{v} == {self.constant(value)}"
        _require(_is_number(value), f"const or enum member {value!r}")
        guard = "" if _exact(value) else f" and {_rounding_guard(value, v)}"
        return f"type({v}) in NUMBER{guard} and {v} == {self.constant(value)}"

    def _strings(self, schema: dict[str, Any], types: list[str], v: str) -> list[str]:
        parts = []
        if "pattern" in schema:
            _require(isinstance(schema["pattern"], str), "pattern")
            try:
                pattern = compile_pattern(schema["pattern"])
            except SchemaError:
                raise NotCompilable("pattern") from None
            parts.append(self._guarded(types, "string", self._pattern(pattern, v), v))
        _require(isinstance(schema.get("format", ""), str), "format")
        checker = FORMATS.get(schema["format"]) if "format" in schema else None
        if checker is not None:
            test = f"{self.constant(checker)}({v})"
            if schema["format"] in _SURE_FORMATS:  # one regex first; the checker when it fails
                test = (
                    f"{self.constant(_SURE_FORMATS[schema['format']])}({v}) is not None or {test}"
                )
            parts.append(self._guarded(types, "string", test, v))
        return parts

    def _pattern(self, pattern: Pattern, v: str) -> str:
        """The test that the string *v* matches *pattern*: Python's re alone when it is exact
        (:mod:`._fastpattern`), else a memo of matched strings, then Python's re, then RE2."""
        sure = sure_pattern(pattern.source)
        if sure is not None and sure.exact:
            return f"{self.constant(sure.fullmatch)}({v}) is not None"
        find = pattern.find if sure is None else _either(sure.fullmatch, pattern.find)
        seen: dict[str, bool] = {}
        known, matches = self.constant(seen), self.constant(_remembering(find, seen))
        return f"{known}.get({v}) or {matches}({v})"

    def _containers(
        self, schema: dict[str, Any], types: list[str], v: str, level: str
    ) -> list[str]:
        parts = []
        for family, keywords, write in (
            ("object", _OBJECT_KEYWORDS, self._object),
            ("array", _ARRAY_KEYWORDS, self._array),
        ):
            if family in types or keywords & schema.keys():
                made = self._made.get((id(schema), family))
                if made is None:
                    made = self._made[id(schema), family] = write(schema)
                parts.append(self._guarded(types, family, f"{made}({v}, {level})", v))
        return parts

    def _function(self, prefix: str, body: list[str]) -> str:
        name = f"{prefix}{len(self.functions)}"
        lines = [f"def {name}(x, level):", "    if level >= MAX_DEPTH:", "        return False"]
        lines += ["    inner = level + 1", *(f"    {line}" for line in body), "    return True"]
        self.functions.append("\n".join(lines))
        return name

    def _object(self, schema: dict[str, Any]) -> str:
        """A function checking a dict against the object keywords of *schema*: a missing
        required property is the ``KeyError`` of reading it, and ``extra`` counts the keys no
        property names, so a message with none is not looked at twice."""
        properties = schema.get("properties", {})
        _require(isinstance(properties, dict), "properties")
        required = schema.get("required", [])
        _require(
            isinstance(required, list) and all(isinstance(n, str) for n in required), "required"
        )
        body = self._sizes(schema, "minProperties", "maxProperties")
        unnamed = [name for name in dict.fromkeys(required) if name not in properties]
        if unnamed:
            body += [f"if not x.keys() >= {self.constant(frozenset(unnamed))}:", "    return False"]
        present = sum(name in properties for name in set(required))
        body.append(f"extra = len(x) - {present}")
        for name, sub in properties.items():
            key, condition = self.constant(name), self.condition(sub, "v", "inner")
            if name in required:
                body += [f"v = x[{key}]", f"if not ({condition}):", "    return False"]
            else:
                body += [f"if {key} in x:", "    extra -= 1", f"    v = x[{key}]"]
                body += [f"    if not ({condition}):", "        return False"]
        body += self._additional(schema.get("additionalProperties", True), properties)
        return self._function(
            "o", ["try:", *(f"    {line}" for line in body), "except KeyError:", "    return False"]
        )

    def _additional(self, extra: Any, properties: dict[str, Any]) -> list[str]:
        if extra is False:
            return ["if extra:", "    return False"]
        return [
            "if extra:",
            f"    for key in x.keys() - {self.constant(frozenset(properties))}:",
            "        v = x[key]",
            f"        if not ({self.condition(extra, 'v', 'inner')}):",
            "            return False",
        ]

    def _array(self, schema: dict[str, Any]) -> str:
        """A function checking a list against the array keywords of *schema*."""
        body = self._sizes(schema, "minItems", "maxItems")
        items = schema.get("items", True)
        body += ["for v in x:", f"    if not ({self.condition(items, 'v', 'inner')}):"]
        body += ["        return False"]
        return self._function("a", body)

    def _sizes(self, schema: dict[str, Any], least: str, most: str) -> list[str]:
        body = []
        for keyword, failed in ((least, "<"), (most, ">")):
            if keyword in schema:
                _require(_is_number(schema[keyword]), f"{keyword} {schema[keyword]!r}")
                body += [
                    f"if len(x) {failed} {self.constant(schema[keyword])}:",
                    "    return False",
                ]
        return body


def _rules_source(writer: _Writer, rules: Iterable[Any]) -> list[str]:
    """Statements (in ``check``) that fail when a cross-field rule is broken."""
    from .rules import OPERATORS

    body = []
    for rule in rules:
        compare = writer.constant(OPERATORS[rule.op])
        left, right = writer.constant(rule.left), writer.constant(rule.right)
        body += [
            f"    a, b = x.get({left}), x.get({right})",
            "    if type(a) in NUMBER and type(b) in NUMBER and not (",
            f"        {compare}(a, b) and (type(a) is int or -EXACT < a < EXACT)",
            "        and (type(b) is int or -EXACT < b < EXACT)",
            "    ):",
            "        return False",
        ]
    return body


def compile_check(schema: Any, rules: Iterable[Any] = ()) -> Check:
    """The fast check of one kind: its schema, then its cross-field rules.

    Args:
        schema: the kind's draft 2020-12 schema.
        rules: its :class:`~backbeat_fuzz.rules.CrossFieldRule` objects.

    Raises:
        NotCompilable: the schema uses a keyword outside :data:`KEYWORDS` (or a value or
            ``$ref`` the check does not handle); use the strict path alone.
    """
    writer = _Writer(schema)
    try:
        root = writer.condition(schema, "x", "0")
    except RecursionError:
        raise NotCompilable("a schema nested too deep to write") from None
    body = [f"    if not ({root}):", "        return False"]
    rules_body = _rules_source(writer, rules)
    if rules_body:
        body += ["    if type(x) is dict:", *(f"    {line}" for line in rules_body)]
    source = "\n\n".join(
        [*writer.functions, "\n".join(["def check(x):", *body, "    return True"])]
    )
    namespace = dict(writer.names)
    try:
        code = compile(source, "<backbeat-fastcheck>", "exec")
    except (SyntaxError, RecursionError, MemoryError):  # nesting beyond the parser's limits
        raise NotCompilable("a schema nested too deep to compile") from None
    exec(code, namespace)  # our own text: schema values are bound by name, never written
    check: Check = namespace["check"]
    check.source = source  # type: ignore[attr-defined]
    return check
