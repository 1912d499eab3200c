"""Near misses of each asserted format, derived from a valid value so they look real.

``FORMAT_VIOLATIONS[fmt](valid)`` lists ``(note, value)`` pairs, most classic first. Some pairs
may happen to stay valid for a given input; the planner checks every candidate with the oracle.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["FORMAT_VIOLATIONS", "LENGTHENERS", "unix_seconds"]

_OFFSET = re.compile(r"([Zz]|[+-]\d\d:\d\d)$")
_FRACTION = re.compile(r"\.[0-9]+$")
Pairs = list[tuple[str, str]]


def _split_offset(value: str) -> tuple[str, str]:
    match = _OFFSET.search(value)
    return (value[: match.start()], match[0]) if match else (value, "")


def _arabic_first_digit(value: str) -> str:
    for i, ch in enumerate(value):
        if ch.isascii() and ch.isdigit():
            return value[:i] + chr(0x0660 + int(ch)) + value[i + 1 :]
    return value + "\u0660"


#: The Unix time of 2025-09-05T12:30:00Z, for values that do not parse.
_FALLBACK_UNIX = 1757075400


def unix_seconds(value: object) -> int:
    """The Unix time of a date-time or date *value* (UTC when it has no offset), or that of
    2025-09-05T12:30:00Z when it does not parse."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return _FALLBACK_UNIX
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _date_time(value: str) -> Pairs:
    """Near misses of an RFC 3339 date-time."""
    day, clock = value[:10], value[11:]
    stamp, offset = _split_offset(clock)
    year = day[:4]
    seconds = unix_seconds(value)
    return [
        ("date only", day),
        ("a space instead of T", f"{day} {clock}"),
        ("no offset", f"{day}T{stamp}"),
        ("day 30 of February", f"{year}-02-30T{clock}"),
        ("hour 24", f"{day}T24{clock[2:]}"),
        ("offset +24:00", f"{day}T{stamp}+24:00"),
        ("minute 60", f"{day}T{clock[:3]}60{clock[5:]}"),
        ("second 61", f"{day}T{clock[:6]}61{clock[8:]}"),
        ("a leap second at noon", f"{day}T12:00:60Z"),
        ("trailing newline", f"{value}\n"),
        ("leading space", f" {value}"),
        ("no seconds", f"{day}T{clock[:5]}{offset or 'Z'}"),
        ("a comma before the fraction", f"{day}T{clock[:8]},5{offset or 'Z'}"),
        ("an offset without a colon", f"{day}T{stamp}+0000"),
        ("an hour-only offset", f"{day}T{stamp}+01"),
        ("month 13", f"{year}-13-{day[8:]}T{clock}"),
        (
            "one-digit day",
            f"{day[:8]}{int(day[8:])}T{clock}" if day[8] == "0" else f"{day[:8]}0{day[8:]}T{clock}",
        ),
        ("an Arabic-Indic digit", _arabic_first_digit(value)),
        ("an offset after Z", f"{day}T{stamp}Z+01:00"),
        ("a Unix time in seconds, as a string", str(seconds)),
        ("a Unix time in milliseconds, as a string", str(seconds * 1000)),
    ]


def _date(value: str) -> Pairs:
    """Near misses of an RFC 3339 full-date."""
    year = value[:4]
    return [
        ("day 30 of February", f"{year}-02-30"),
        ("month 13", f"{year}-13-01"),
        ("slashes", value.replace("-", "/")),
        ("no separators", value.replace("-", "")),
        ("a date-time", f"{value}T00:00:00Z"),
        ("trailing newline", f"{value}\n"),
        ("one-digit month", f"{year}-{int(value[5:7])}-{value[8:]}"),
        ("an Arabic-Indic digit", _arabic_first_digit(value)),
    ]


def _time(value: str) -> Pairs:
    """Near misses of an RFC 3339 full-time."""
    stamp, offset = _split_offset(value)
    return [
        ("no offset", stamp),
        ("hour 24", f"24{value[2:]}"),
        ("no seconds", f"{value[:5]}{offset or 'Z'}"),
        ("second 61", f"{value[:6]}61{value[8:]}"),
        ("offset +24:00", f"{stamp}+24:00"),
        ("trailing newline", f"{value}\n"),
        ("a leap second at noon", "12:00:60Z"),
    ]


def _uuid(value: str) -> Pairs:
    """Near misses of a textual UUID."""
    return [
        ("one character short", value[:-1]),
        ("one character too many", f"{value}0"),
        ("a non-hex character", f"g{value[1:]}"),
        ("no dashes", value.replace("-", "")),
        ("braces", f"{{{value}}}"),
        ("a urn prefix", f"urn:uuid:{value}"),
        ("trailing newline", f"{value}\n"),
    ]


def _email(value: str) -> Pairs:
    """Near misses of an e-mail address."""
    local, _, domain = value.rpartition("@")
    return [
        ("no @", f"{local}{domain}"),
        ("a leading dot", f".{value}"),
        ("two dots in a row", f"{local}..x@{domain}"),
        ("a space", f"{local} x@{domain}"),
        ("no domain", f"{local}@"),
        ("no local part", f"@{domain}"),
        ("trailing newline", f"{value}\n"),
        ("two addresses", f"{value}, {value}"),
    ]


#: format -> near misses of a valid value.
FORMAT_VIOLATIONS: dict[str, Callable[[str], Pairs]] = {
    "date-time": _date_time,
    "date": _date,
    "time": _time,
    "uuid": _uuid,
    "email": _email,
}


def _longer_fraction(value: str, size: int) -> str | None:
    """A date-time or time *size* characters long or longer, still valid: RFC 3339 allows a
    fraction of seconds of any length (None for a value that does not end in an offset)."""
    stamp, offset = _split_offset(value)
    if not offset:
        return None
    dot = "" if _FRACTION.search(stamp) else "."
    digits = max(size - len(stamp) - len(offset) - len(dot), 1)
    return f"{stamp}{dot}{'0' * digits}{offset}"


#: format -> a valid value of that format grown to at least a length (for ``maxLength``
#: mutants that break the length alone).
LENGTHENERS: dict[str, Callable[[str, int], str | None]] = {
    "date-time": _longer_fraction,
    "time": _longer_fraction,
}
