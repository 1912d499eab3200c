"""The one exception hierarchy of backbeat-fuzz.

Every error a user can cause (a bad schema folder, an unknown kind, an unreadable file) is a
:class:`BackbeatFuzzError` whose message is one line that ends with what to do next. The CLIs
turn these into ``Error: ...`` and exit code 2, never a traceback. A failure of the tools' own
infrastructure mid-run (the corpus disk full, the Redis database gone) is an
:class:`InfrastructureError`: exit code 2 as well, since exit code 1 means a finding about the
target and nothing else.
"""

from __future__ import annotations

import difflib
import errno
import re
from collections.abc import Iterable

__all__ = [
    "BackbeatFuzzError",
    "InfrastructureError",
    "SchemaError",
    "UnsupportedSchemaError",
    "UsageError",
    "did_you_mean",
    "redact",
]


class BackbeatFuzzError(Exception):
    """Base class of every error backbeat-fuzz raises on purpose."""


class UsageError(BackbeatFuzzError):
    """A bad argument or option value: the caller can fix it."""


class SchemaError(BackbeatFuzzError):
    """A schema document or schemas folder that cannot be used."""


class UnsupportedSchemaError(SchemaError):
    """A schema uses a keyword or format the generators cannot honour."""


class InfrastructureError(BackbeatFuzzError):
    """The corpus disk, a report file or the example database failed mid-run: not a finding.

    The message names the path or the server (never a password) and ends with the fix.
    """

    @classmethod
    def from_os_error(cls, exc: OSError, what: str, fix: str) -> InfrastructureError:
        """One line for an :class:`OSError` while writing *what*.

        Args:
            exc: the error (``ENOSPC``, ``EDQUOT``, ``EIO``, ``EROFS``, ...).
            what: what was being written, e.g. ``"the corpus file 'corpus/x.json'"``.
            fix: what to do, e.g. ``"free space on that disk or choose another --corpus"``.

        Example: ``cannot write the corpus file 'corpus/b/x.json': No space left on device
        (ENOSPC); free space on that disk or choose another --corpus``.
        """
        code = errno.errorcode.get(exc.errno or 0)
        reason = exc.strerror or str(exc) or type(exc).__name__
        return cls(f"cannot write {what}: {reason}{f' ({code})' if code else ''}; {fix}")


_USERINFO = re.compile(r"(?<=://)[^@/?#\s]*@")


def redact(text: str) -> str:
    """*text* with the credentials of every URL in it (``scheme://user:password@``) masked.

    ``redis://:hunter2@db:6379/0`` -> ``redis://***@db:6379/0``: messages, reports and logs
    never show a password.
    """
    return _USERINFO.sub("***@", text)


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest of *choices*, or ``""``."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""
