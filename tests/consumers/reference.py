"""Correct consumers: the reference validator itself, so any finding against them is false."""

from __future__ import annotations

from typing import Any

from backbeat_fuzz import MessageValidator

_VALIDATOR = MessageValidator()


def _verdict(result: Any) -> bool:
    if not result.valid:
        raise ValueError("; ".join(str(error) for error in result.errors))
    return True


def handle_text(text: str | bytes) -> bool:
    """Accept a valid message given as text or bytes; raise ValueError for an invalid one."""
    return _verdict(_VALIDATOR.validate_message_string(text))


def handle_object(message: Any) -> bool:
    """Accept a valid message given as a parsed object; raise ValueError for an invalid one."""
    return _verdict(_VALIDATOR.validate_message(message))
