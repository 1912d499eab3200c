"""Shared fixtures: the reference validator and the README's three example messages."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from backbeat_fuzz import MessageValidator


@pytest.fixture(scope="session")
def validator() -> MessageValidator:
    """The reference validator over the packaged v1 schemas (immutable, so shared)."""
    return MessageValidator()


@pytest.fixture
def readme_messages(validator: MessageValidator) -> dict[str, dict[str, Any]]:
    """Kind short name -> a fresh copy of its schema's first example (the README message)."""
    return {kind.name: copy.deepcopy(kind.schema["examples"][0]) for kind in validator.contract}
