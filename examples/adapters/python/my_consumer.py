"""A BACKBEAT consumer served as a backbeat-fuzz target: stdio:python3 my_consumer.py"""

import json

from backbeat_stdio import Reject, serve

KINDS = ("backbeat.beatframe.v1", "backbeat.statusclaim.v1", "backbeat.barreport.v1")


def handle(message: bytes) -> None:
    """Your handler: return to accept, raise Reject or ValueError to reject.

    Any other exception (a KeyError, a TypeError...) is a crash: backbeat-fuzz reports it and
    starts the program again.
    """
    fields = json.loads(message)  # not JSON, not UTF-8: a ValueError, so rejected
    if not isinstance(fields, dict):
        raise Reject("not a JSON object")
    if fields.get("type") not in KINDS:
        raise Reject(f"unknown type {fields.get('type')!r}")


if __name__ == "__main__":
    serve(handle)
