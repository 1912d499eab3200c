"""The bench's trivial consumer logic, as a Python function: parse the JSON, check ``type``.

The same logic is written once per language and way of running beside this file
(``stdio_check.*`` through the adapters, ``cmd_check.*`` one process per message), so the
bench compares the ways of running a consumer, not the consumers.
"""

import json


def check(message: str | bytes) -> bool:
    """Accept an object whose ``type`` is a BACKBEAT type; reject anything else."""
    fields = json.loads(message)
    if not (isinstance(fields, dict) and str(fields.get("type", "")).startswith("backbeat.")):
        raise ValueError("not a BACKBEAT message")
    return True
