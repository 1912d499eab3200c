"""A correct consumer that writes down every message it is sent, to compare two runs' work.

Each target worker process appends the messages it receives (hex of their UTF-8) to
``<folder>/<pid>.sent`` in the folder named by the ``BACKBEAT_TEST_RECORD`` environment
variable; without it nothing is written. Its verdicts are the reference validator's.
"""

from __future__ import annotations

import os
from pathlib import Path

from .reference import handle_text


def recording(text: str) -> bool:
    """Write *text* down, then judge it as the reference validator does."""
    folder = os.environ.get("BACKBEAT_TEST_RECORD")
    if folder:
        with (Path(folder) / f"{os.getpid()}.sent").open("a", encoding="ascii") as out:
            out.write(text.encode("utf-8", "surrogatepass").hex() + "\n")
    return handle_text(text)
