"""A BeatFrame consumer as a pydantic v2 model in its default lax mode.

Lax mode converts: ``"1337"`` and ``true`` pass as ``beat_index: int``, ``"false"`` as a
``bool``; ``deadline_at`` is a plain ``str``. Pydantic's regex engine has no ``$``-before-newline
quirk, and its JSON parser refuses ``NaN``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

_HEX4 = "[0-9a-fA-F]{4}"


class BeatFrame(BaseModel):
    """backbeat.beatframe.v1, field by field from the schema."""

    type: Literal["backbeat.beatframe.v1"]
    cluster_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    beat_index: int = Field(ge=0, le=2**53 - 1)
    downbeat: bool
    phase: Literal["plan", "execute", "review"]
    hlc: str = Field(pattern=f"^{_HEX4}:{_HEX4}:{_HEX4}$")
    deadline_at: str = Field(max_length=64)
    tempo_bpm: float = Field(ge=0.1, le=10000)
    window_id: str = Field(pattern=r"^[0-9a-fA-F]{32}$")


def handle(text: str) -> bool:
    """Accept a BeatFrame the model parses; pydantic's ValidationError (a ValueError) rejects."""
    BeatFrame.model_validate_json(text)
    return True
