"""The fast path's parse: a JSON text's value when it surely breaks no strict JSON text rule.

The strict parse (:func:`~backbeat_fuzz.jsontext.parse`) runs the C scanner with Python hooks on
every object and number; measured on the 1,000,000-line benchmark it costs ~2.7 us a line, more
than the whole orjson + jsonschema-rs loop it is compared with. :func:`parse_plain` asks orjson
(~0.6 us) and proves, from the text, the one rule orjson does not keep:

- ``NaN``/``Infinity``, a byte-order mark, invalid UTF-8, raw control characters, every lone
  surrogate (raw or escaped), trailing data and syntax errors: orjson refuses them itself
  (``tests/test_fastparse.py`` holds it to that, case by case and by property).
- **Duplicate keys** (orjson keeps the last): every key in a text ends with a ``"`` followed by
  optional whitespace and ``:``, at a position of its own. With the JSON whitespace deleted,
  each of those ends is a ``":`` pair of its own, so the text then holds at least as many
  ``":`` pairs as keys, and the keys are at least as many as the parsed objects hold: when the
  count equals what they hold, no key was dropped. A string holding ``":`` (or a ``"`` and a
  ``:`` apart by spaces) only makes the count larger: "not sure", never a false "sure". (A
  ``str`` is counted as it is, and one with a ``"`` then whitespace then ``:`` is not sure.)
- **Numbers**: orjson refuses every literal past the largest double (``1e400``, an integer of
  310 digits), as the strict parse does, but reads an integer beyond 64 bits as its nearest
  float: the check never compares such a float with what it could round across
  (:mod:`._fastcheck`).

None means "not sure": the strict path decides, and explains.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

_JSON_ERROR = orjson.JSONDecodeError
_JSON_SPACE = b" \t\n\r"
#: A ``"`` followed by JSON whitespace and a colon: a key spelled ``"a" : 1`` (or a string
#: holding such text), which a ``":`` count of the text as it is would miss.
_SPACED_KEY = re.compile('"[ \t\n\r]+:')


def key_count(value: Any) -> int:
    """How many keys the objects in *value* hold, nested ones included."""
    count = 0
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            count += len(item)
            stack += [v for v in item.values() if type(v) is dict or type(v) is list]
        elif kind is list:
            stack += [v for v in item if type(v) is dict or type(v) is list]
    return count


def parse_plain(data: str | bytes) -> Any:
    """The value of *data* when it parses with no text-level doubt, else None.

    None (which is never a valid message) means: not JSON, or JSON that may break a text rule
    (a duplicate key; see the module). Integers beyond 64 bits come back as floats, for the check
    to bound.
    """
    try:
        value = orjson.loads(data)
    except _JSON_ERROR:
        return None
    if type(data) is str:
        pairs = -1 if _SPACED_KEY.search(data) else data.count('":')
    else:  # deleting whitespace costs less than looking for it (~0.25 us vs ~0.45 a line)
        pairs = data.translate(None, _JSON_SPACE).count(b'":')
    if (type(value) is dict and pairs == len(value)) or pairs == key_count(value):
        return value
    return None
