"""The demo consumer at a quarter of a second a message (under any --timeout): a campaign that
keeps shrinking or replaying past its --duration shows at once."""

from __future__ import annotations

import time

from backbeat_fuzz.demo import handle as demo_handle


def handle(text: str) -> object:
    time.sleep(0.25)
    return demo_handle(text)
