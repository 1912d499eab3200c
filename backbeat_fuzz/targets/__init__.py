"""Targets: the consumers under test, behind one small interface.

``load_target(spec)`` returns a :class:`Target` for a Python function (run in a worker
process), a ``cmd:`` program, a long-lived ``stdio:`` program or an ``http://`` service;
``target.call(data, parsed)`` returns a :class:`Response` whose
:class:`~backbeat_fuzz.model.Verdict` is accepted, rejected, crash or hang.
"""

from .base import InputMode, Response, Target
from .spec import load_target

__all__ = ["InputMode", "Response", "Target", "load_target"]
