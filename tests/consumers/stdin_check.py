"""A ``cmd:`` consumer: read one message on stdin, exit 0 to accept it and 1 to reject it.

``--buggy`` plants two bugs: an hlc with a trailing newline is accepted, and a message without
``window_id`` makes the program abort (killed by SIGABRT: a crash).
"""

from __future__ import annotations

import json
import os
import sys

from backbeat_fuzz import MessageValidator


def main(argv: list[str]) -> int:
    """Judge the message on stdin; return the exit code."""
    data = sys.stdin.buffer.read()
    result = MessageValidator().validate_message_string(data)
    if result.valid:
        return 0
    if "--buggy" in argv and result.rules == {"required.window_id"}:
        os.abort()
    if "--buggy" in argv and result.rules == {"hlc.pattern"}:
        message = json.loads(data)
        if message["hlc"].endswith("\n"):
            return 0
    print(result.errors[0], file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
