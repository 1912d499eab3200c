"""Targets that fight back: each misbehaves on every valid BeatFrame-like message it gets, the
way a broken or hostile consumer would. The attack suite checks each costs one input (a crash
or a hang of it), never the campaign."""

from __future__ import annotations

import ctypes
import os
import signal
import time


def segfault(text: str) -> bool:
    ctypes.string_at(0)  # SIGSEGV in the worker
    return True


def hard_exit(text: str) -> bool:
    os._exit(3)


def ignore_signals(text: str) -> bool:
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    time.sleep(3600)  # only SIGKILL ends it
    return True
