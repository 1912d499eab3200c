"""The one exception hierarchy of backbeat-fuzz.

Every error a user can cause (a bad schema folder, an unknown kind, an unreadable file) is a
:class:`BackbeatFuzzError` whose message is one line that ends with what to do next. The CLIs
turn these into ``Error: ...`` and exit code 2, never a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class BackbeatFuzzError(Exception):
    """Base class of every error backbeat-fuzz raises on purpose."""


class UsageError(BackbeatFuzzError):
    """A bad argument or option value: the caller can fix it."""


class SchemaError(BackbeatFuzzError):
    """A schema document or schemas folder that cannot be used."""


class UnsupportedSchemaError(SchemaError):
    """A schema uses a keyword or format the generators cannot honour."""


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest of *choices*, or ``""``."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""
