"""Valid strings of each asserted format: RFC 3339 date-times, dates and times, UUIDs, emails.

Each is drawn in few draws from tables of the values consumers get wrong (leap seconds and
days, offsets, fractions of any length) and shrinks to a plain, readable value
(:data:`CANONICAL_DATE_TIME`); :data:`FORMAT_STRATEGIES` is the format -> strategy table
:mod:`.values` reads.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import datetime, timedelta

from hypothesis import strategies as st

from ..formats import FORMATS

__all__ = ["CANONICAL_DATE_TIME", "FORMAT_LONGEST", "FORMAT_STRATEGIES"]


#: Offsets consumers get wrong: both cases of Z, the two zero offsets, half and quarter hours,
#: the extremes in use (+14:00, -12:00) and the extremes RFC 3339 allows (+-23:59).
_OFFSETS = (
    "Z", "z", "+00:00", "-00:00", "+01:00", "-05:00", "+05:30", "+05:45", "-03:30",
    "+14:00", "-12:00", "+23:59", "-23:59",
)  # fmt: skip
_ZERO_OFFSETS = ("Z", "z", "+00:00", "-00:00")
#: Fractions of a second, the first the shrink target; None: any number of digits.
_FRACTIONS = ("", ".5", ".123", ".000001", ".999999999", ".123456789012", ".0", None)
#: (fraction, offset) and (separator, fraction, offset): one draw each, the first the target.
_ENDINGS = tuple(itertools.product(_FRACTIONS, _OFFSETS))
_STYLES = tuple(itertools.product("Tt", _FRACTIONS, _OFFSETS))
#: Clocks consumers get wrong, the leap second (at 23:59 UTC only) first among them.
_BOUNDARY_CLOCKS = ("23:59:60", "00:00:00", "23:59:59", "12:00:00")

#: Shrink target for date-times without an example: a plain, readable instant.
CANONICAL_DATE_TIME = "2025-09-05T12:30:00Z"
_ANCHOR = datetime(2025, 9, 5, 12, 30)
_FIRST, _LAST = datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59)
#: Days consumers get wrong: leap days (2000 is one, 1900 is not), the ends of the range and of
#: months, the Unix epoch and the last day a signed 32-bit time_t holds.
_BOUNDARY_DAYS = (
    "2024-02-29", "2000-02-29", "1900-02-28", "2023-12-31", "2025-01-31",
    "1970-01-01", "2038-01-19", "0001-01-01", "9999-12-31",
)  # fmt: skip


def _seconds(first: datetime, last: datetime) -> st.SearchStrategy[datetime]:
    """Any second from *first* to *last* in one draw, shrinking to the anchor."""
    low, high = ((moment - _ANCHOR) // timedelta(seconds=1) for moment in (first, last))
    return st.integers(low, high).map(lambda s: _ANCHOR + timedelta(seconds=s))


#: (day, clock) pairs: any second of years 1-9999, or a boundary day at a boundary clock.
_INSTANTS = st.one_of(
    _seconds(_FIRST, _LAST).map(lambda m: (m.date().isoformat(), m.time().isoformat())),
    st.sampled_from(tuple(itertools.product(_BOUNDARY_DAYS, _BOUNDARY_CLOCKS))),
)
_CLOCKS = st.one_of(
    _seconds(_ANCHOR.replace(hour=0, minute=0), _ANCHOR.replace(hour=23, minute=59, second=59)).map(
        lambda m: m.time().isoformat()
    ),
    st.sampled_from(_BOUNDARY_CLOCKS),
)
_DAYS = st.one_of(
    _seconds(_FIRST, _LAST).map(lambda m: m.date().isoformat()), st.sampled_from(_BOUNDARY_DAYS)
)


_DIGIT_RUNS: dict[int | None, st.SearchStrategy[str]] = {}


def _digits(most: int | None) -> st.SearchStrategy[str]:
    """One to *most* decimal digits (None: any number), built once per cap."""
    if most not in _DIGIT_RUNS:
        _DIGIT_RUNS[most] = st.text("0123456789", min_size=1, max_size=most)
    return _DIGIT_RUNS[most]


def _fraction(draw: st.DrawFn, fraction: str | None, most: int | None) -> str:
    """*fraction*, or for None one to *most* digits (one more draw)."""
    return fraction if fraction is not None else "." + draw(_digits(most))


def _time_text(clock: str, fraction: str, offset: str) -> str:
    if clock.endswith(":60") and offset not in _ZERO_OFFSETS:
        offset = "Z"  # a leap second is legal at 23:59 UTC only
    return f"{clock}{fraction}{offset}"


_PICK_ENDING = st.sampled_from(_ENDINGS)
_PICK_STYLE = st.sampled_from(_STYLES)
#: The longest date-time and time without the free fraction's digits (a six-character offset).
_DATE_TIME_REST, _TIME_REST = len("2025-09-05T12:30:00.+05:30"), len("12:30:00.+05:30")
#: The longest value of each format when the free fraction stays within a field's maxLength:
#: a longer or equal maxLength is met by construction, with no filter.
FORMAT_LONGEST = {
    "date-time": _DATE_TIME_REST + len("123456789012"),
    "time": _TIME_REST + len("123456789012"),
    "date": 10,
    "uuid": 36,
}


@st.composite
def _times(draw: st.DrawFn, most: int | None = None) -> str:
    clock = draw(_CLOCKS)
    fraction, offset = draw(_PICK_ENDING)
    return _time_text(clock, _fraction(draw, fraction, most), offset)


@st.composite
def _date_times(draw: st.DrawFn, most: int | None = None) -> str:
    """RFC 3339 date-times in three draws: any second of years 1-9999 or a boundary day at a
    boundary clock (23:59:60 included); T or t, a fraction of any length (up to *most* digits)
    and an offset from :data:`_OFFSETS` together. Shrinks to :data:`CANONICAL_DATE_TIME`."""
    day, clock = draw(_INSTANTS)
    separator, fraction, offset = draw(_PICK_STYLE)
    return f"{day}{separator}{_time_text(clock, _fraction(draw, fraction, most), offset)}"


def _cap(max_size: int | None, rest: int) -> int | None:
    return None if max_size is None else max(max_size - rest, 1)


_UUIDS = st.uuids().map(str) | st.uuids().map(lambda u: str(u).upper())
_EMAIL = re.compile(r"[a-z0-9]{1,8}([._+-][a-z0-9]{1,8}){0,2}@[a-z0-9]{1,8}(\.[a-z]{2,6}){1,2}")
_EMAILS = st.from_regex(_EMAIL, fullmatch=True)

#: Format -> strategy of valid strings of at most a length (None: any; the date-time and
#: time fractions stay within it, see :data:`FORMAT_LONGEST`); must cover every checker in
#: :data:`..formats.FORMATS`.
FORMAT_STRATEGIES: dict[str, Callable[[int | None], st.SearchStrategy[str]]] = {
    "date-time": lambda max_size=None: _date_times(_cap(max_size, _DATE_TIME_REST)),
    "date": lambda max_size=None: _DAYS,
    "time": lambda max_size=None: _times(_cap(max_size, _TIME_REST)),
    "uuid": lambda max_size=None: _UUIDS,
    "email": lambda max_size=None: _EMAILS,
}
assert set(FORMAT_STRATEGIES) == set(FORMATS), "every asserted format needs a strategy"
