"""Writing a report file: atomically (a reader never sees half a report), folders created."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..corpus import write_atomic


def write_text(path: str | Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text.encode("utf-8", "backslashreplace"))


def dumps(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
