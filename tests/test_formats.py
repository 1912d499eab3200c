"""The asserted formats: RFC 3339 date-time (section 5.6), date, time, uuid and email."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backbeat_fuzz.formats import FORMATS, is_date, is_date_time, is_email, is_time, is_uuid

FAST = settings(max_examples=80, deadline=None)


def test_the_asserted_formats() -> None:
    expected = {
        "date-time": is_date_time,
        "date": is_date,
        "time": is_time,
        "uuid": is_uuid,
        "email": is_email,
    }
    assert dict(FORMATS) == expected


# ---------------------------------------------------------------- date-time

VALID_DATE_TIMES = [
    "2025-09-05T12:30:00Z",
    "2025-09-05t12:30:00z",
    "2025-09-05T12:30:00z",
    "2025-09-05t12:30:00Z",
    "2025-09-05T12:30:00.5Z",
    "2025-09-05T12:30:00.123456789012345Z",
    "2025-09-05T12:30:00+05:30",
    "2025-09-05T12:30:00-08:00",
    "2025-09-05T12:30:00+23:59",
    "2025-09-05T12:30:00.25-00:00",
    "2024-02-29T00:00:00Z",
    "2000-02-29T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999Z",
    "2016-12-31T23:59:60Z",
    "2016-12-31T23:59:60.5Z",
    "2016-12-31T15:59:60-08:00",
    "2017-01-01T05:29:60+05:30",
]

INVALID_DATE_TIMES = [
    ("date only", "2025-09-05"),
    ("space separator", "2025-09-05 12:30:00Z"),
    ("February 30", "2025-02-30T00:00:00Z"),
    ("February 29 of a common year", "2025-02-29T00:00:00Z"),
    ("February 29 of 1900", "1900-02-29T00:00:00Z"),
    ("April 31", "2025-04-31T00:00:00Z"),
    ("month 13", "2025-13-05T12:30:00Z"),
    ("day 00", "2025-09-00T12:30:00Z"),
    ("trailing newline", "2025-09-05T12:30:00Z\n"),
    ("leading space", " 2025-09-05T12:30:00Z"),
    ("hour 24", "2025-09-05T24:00:00Z"),
    ("minute 60", "2025-09-05T12:60:00Z"),
    ("second 61", "2025-09-05T12:30:61Z"),
    ("offset +24:00", "2025-09-05T12:30:00+24:00"),
    ("offset minutes 60", "2025-09-05T12:30:00+05:60"),
    ("no offset", "2025-09-05T12:30:00"),
    ("offset without colon", "2025-09-05T12:30:00+0530"),
    ("hour-only offset", "2025-09-05T12:30:00+05"),
    ("empty fraction", "2025-09-05T12:30:00.Z"),
    ("no seconds", "2025-09-05T12:30Z"),
    ("one-digit month and day", "2025-9-5T12:30:00Z"),
    ("two Zs", "2025-09-05T12:30:00ZZ"),
    ("leap second at 12:30 UTC", "2025-09-05T12:30:60Z"),
    ("leap second at 22:59 UTC", "2016-12-31T23:59:60+01:00"),
    ("Arabic-Indic digit", "2025-09-05T12:30:0\u0664Z"),
    ("full-width digit", "\uff12025-09-05T12:30:00Z"),
    ("unix timestamp", "1757075400"),
    ("empty", ""),
]


@pytest.mark.parametrize("text", VALID_DATE_TIMES)
def test_valid_date_time(text: str) -> None:
    assert is_date_time(text)


@pytest.mark.parametrize(
    "text", [t for _, t in INVALID_DATE_TIMES], ids=[n for n, _ in INVALID_DATE_TIMES]
)
def test_invalid_date_time(text: str) -> None:
    assert not is_date_time(text)


_OFFSETS = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)


def _rfc3339(moment: dt.datetime, timespec: str, lower: bool, zulu: bool) -> str:
    text = moment.isoformat(timespec=timespec)
    if zulu and text.endswith("+00:00"):
        text = text[: -len("+00:00")] + "Z"
    return text.lower() if lower else text


@FAST
@given(
    st.datetimes(timezones=_OFFSETS),
    st.sampled_from(["seconds", "milliseconds", "microseconds"]),
    st.booleans(),
    st.booleans(),
)
def test_any_rfc3339_rendered_datetime_is_accepted(
    moment: dt.datetime, timespec: str, lower: bool, zulu: bool
) -> None:
    text = _rfc3339(moment, timespec, lower, zulu)
    assert is_date_time(text), text


@FAST
@given(st.datetimes(timezones=_OFFSETS), st.sampled_from(["\n", " ", "\r\n", "x", "Z"]))
def test_anything_after_a_valid_date_time_is_rejected(moment: dt.datetime, tail: str) -> None:
    text = moment.isoformat()
    assert is_date_time(text)
    assert not is_date_time(text + tail)


_FOREIGN_DIGITS = [0x0660, 0x06F0, 0x0966, 0xFF10]  # Arabic-Indic, Persian, Devanagari, full-width


@FAST
@given(st.datetimes(timezones=_OFFSETS), st.data())
def test_a_non_ascii_digit_anywhere_is_rejected(moment: dt.datetime, data: st.DataObject) -> None:
    text = moment.isoformat()
    where = data.draw(st.sampled_from([i for i, c in enumerate(text) if c.isdigit()]))
    zero = data.draw(st.sampled_from(_FOREIGN_DIGITS))
    changed = text[:where] + chr(zero + int(text[where])) + text[where + 1 :]
    assert not is_date_time(changed)


# ---------------------------------------------------------------- date and time


@pytest.mark.parametrize("text", ["2025-09-05", "2024-02-29", "0000-02-29", "9999-12-31"])
def test_valid_date(text: str) -> None:
    assert is_date(text)


@pytest.mark.parametrize(
    "text",
    ["2025-02-29", "2025-13-01", "2025-00-10", "2025-09-5", "2025-09-05\n", "2025-09-05T00:00:00Z"],
)
def test_invalid_date(text: str) -> None:
    assert not is_date(text)


@FAST
@given(st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True))
def test_date_agrees_with_the_calendar(text: str) -> None:
    try:
        real = dt.date.fromisoformat(text) is not None
    except ValueError:
        real = False
    if not text.startswith("0000"):  # year 0 is RFC 3339 but before Python's MINYEAR
        assert is_date(text) == real


@pytest.mark.parametrize(
    "text", ["12:30:00Z", "23:59:60Z", "12:30:00.5+02:00", "00:00:00z", "23:59:59-23:59"]
)
def test_valid_time(text: str) -> None:
    assert is_time(text)


@pytest.mark.parametrize(
    "text", ["12:30:00", "24:00:00Z", "12:30:00Z\n", "12:30:60Z", "1:30:00Z", "12:30:00+24:00"]
)
def test_invalid_time(text: str) -> None:
    assert not is_time(text)


# ---------------------------------------------------------------- uuid and email


@pytest.mark.parametrize(
    "text",
    [
        "2eb8aa08-aa98-11ea-b4aa-73b441d16380",
        "2EB8AA08-AA98-11EA-B4AA-73B441D16380",
        "00000000-0000-0000-0000-000000000000",
    ],
)
def test_valid_uuid(text: str) -> None:
    assert is_uuid(text)


@pytest.mark.parametrize(
    "text",
    [
        "2eb8aa08aa9811eab4aa73b441d16380",
        "2eb8aa08-aa98-11ea-b4aa-73b441d1638g",
        "{2eb8aa08-aa98-11ea-b4aa-73b441d16380}",
        "2eb8aa08-aa98-11ea-b4aa-73b441d16380\n",
        "2eb8aa08-aa98-11ea-b4aa-73b441d1638\u0660",
    ],
)
def test_invalid_uuid(text: str) -> None:
    assert not is_uuid(text)


@FAST
@given(st.uuids())
def test_any_uuid_is_accepted(value: object) -> None:
    assert is_uuid(str(value))
    assert is_uuid(str(value).upper())


@pytest.mark.parametrize(
    "text",
    [
        "joe.bloggs@example.com",
        '"joe bloggs"@example.com',
        "te~st@example.com",
        "joe@[127.0.0.1]",
        "joe@[IPv6:::1]",
    ],
)
def test_valid_email(text: str) -> None:
    assert is_email(text)


@pytest.mark.parametrize(
    "text",
    [
        "2962",
        "joe..bloggs@example.com",
        ".joe@example.com",
        "joe.@example.com",
        "joe@",
        "@example.com",
        "joe@exa_mple.com",
        "joe@[300.0.0.1]",
        "joe@-example.com",
    ],
)
def test_invalid_email(text: str) -> None:
    assert not is_email(text)
