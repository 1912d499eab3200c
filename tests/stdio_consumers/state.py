"""A StatusClaim consumer's state check through the Python adapter: ``correct`` or ``buggy``.

The buggy one has three planted bugs (each marked BUG); the correct one also logs each message
with print, which must not reach the protocol.
"""

import json
import sys

import _adapter_path  # noqa: F401  (puts backbeat_stdio on sys.path)
from backbeat_stdio import Reject, serve

STATES = {"idle", "planning", "executing", "reviewing", "completed", "failed", "blocked", "helping"}


def correct(message: bytes) -> None:
    """Reject a message whose state is missing or not one of STATES (and print it: the
    adapter sends prints to stderr, and stdin is not the protocol's)."""
    print("got", len(message), "bytes", sys.stdin.read())
    fields = json.loads(message)
    if not isinstance(fields, dict) or fields.get("state") not in STATES:
        raise Reject("state is not one of the known states")


def buggy(message: bytes) -> None:
    """The same check, written carelessly."""
    state = json.loads(message)["state"]  # BUG: KeyError (a crash) when state is missing
    if state == "helping":
        raise Reject("state helping is not supported")  # BUG: a false reject
    if state.lower() not in STATES:  # BUG: IDLE accepted; AttributeError on a non-string
        raise Reject("state is not one of the known states")


serve({"correct": correct, "buggy": buggy}[sys.argv[1]])
