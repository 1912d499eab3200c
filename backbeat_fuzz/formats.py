"""The ``format`` values the contract asserts, as a table of small checkers.

Each checker takes a string and returns whether it is in the format; non-strings are not this
module's business (``type`` judges them). Digits are ASCII only: Python's ``\\d`` and
``str.isdigit`` accept other scripts' digits, and RFC 3339 does not.

Unlike ``rfc3339-validator``, the date-time checker rejects a trailing newline and accepts a
leap second ``23:59:60`` (when it falls on 23:59 UTC once the offset is applied).
"""

from __future__ import annotations

import calendar
import ipaddress
import re
from collections.abc import Callable

__all__ = ["FORMATS", "is_date", "is_date_time", "is_email", "is_time", "is_uuid"]

_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TIME = re.compile(
    r"([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))"
)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
_QUOTED = re.compile(r'"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"')
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def _date_ok(text: str) -> bool:
    match = _DATE.fullmatch(text)
    if not match:
        return False
    year, month, day = (int(g) for g in match.groups())
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _time_ok(text: str) -> bool:
    match = _TIME.fullmatch(text)
    if not match:
        return False
    hour, minute, second = int(match[1]), int(match[2]), int(match[3])
    off_h, off_m = (0, 0) if match[4] else (int(match[6]), int(match[7]))
    if hour > 23 or minute > 59 or second > 60 or off_h > 23 or off_m > 59:
        return False
    if second == 60:  # a leap second happens at 23:59:60 UTC only
        sign = -1 if match[5] == "-" else 1
        utc_minutes = (hour * 60 + minute - sign * (off_h * 60 + off_m)) % 1440
        return utc_minutes == 23 * 60 + 59
    return True


def is_date_time(text: str) -> bool:
    """RFC 3339 section 5.6 ``date-time``: ``2025-09-05T12:30:00Z``, ``t``/``z`` in either case."""
    if len(text) < 20 or text[10] not in "Tt":
        return False
    return _date_ok(text[:10]) and _time_ok(text[11:])


def is_date(text: str) -> bool:
    """RFC 3339 ``full-date``: ``2025-09-05``, a real calendar day."""
    return _date_ok(text)


def is_time(text: str) -> bool:
    """RFC 3339 ``full-time``: ``12:30:00Z`` or ``12:30:00.5+02:00``; the offset is required."""
    return _time_ok(text)


def is_uuid(text: str) -> bool:
    """RFC 4122 textual UUID: 8-4-4-4-12 hex digits, any version."""
    return _UUID.fullmatch(text) is not None


def _domain_ok(domain: str) -> bool:
    if domain.startswith("[") and domain.endswith("]"):
        literal = domain[1:-1]
        try:
            if literal[:5].lower() == "ipv6:":
                ipaddress.IPv6Address(literal[5:])
            else:
                ipaddress.IPv4Address(literal)
        except ValueError:
            return False
        return True
    labels = domain.split(".")
    return len(domain) <= 253 and all(_LABEL.fullmatch(label) for label in labels)


def is_email(text: str) -> bool:
    """RFC 5321 mailbox: dot-atom or quoted local part, host name or address literal."""
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        return False
    local_ok = _DOT_ATOM.fullmatch(local) or _QUOTED.fullmatch(local)
    return bool(local_ok) and _domain_ok(domain)


#: Format name -> checker. Formats not listed here are annotations only, as in draft 2020-12.
FORMATS: dict[str, Callable[[str], bool]] = {
    "date-time": is_date_time,
    "date": is_date,
    "time": is_time,
    "uuid": is_uuid,
    "email": is_email,
}
