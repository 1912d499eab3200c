"""Consumers with known causes of failure, for the targets' signature and attack tests.

Each function takes the message text. The tests call them through a Python target with small
hand-written messages and check that one cause gives one signature and two causes give two.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime


def check_hlc(message: dict) -> None:
    if not re.fullmatch(r"[0-9a-f]{4}(:[0-9a-f]{4}){2}", message["hlc"]):
        raise ValueError(f"bad hlc {message['hlc']!r}")  # BUG 1: rejects upper-case hex


def check_tempo(message: dict) -> None:
    if message["tempo_bpm"] <= 0.1:
        raise ValueError(f"tempo {message['tempo_bpm']} too low")  # BUG 2: 0.1 is valid


def two_rejections(text: str) -> bool:
    """Two false-reject bugs, at two raise sites."""
    message = json.loads(text)
    check_hlc(message)
    check_tempo(message)
    return True


def two_keys(text: str) -> bool:
    """Reads two fields on one line: two missing fields are two KeyErrors, one line."""
    message = json.loads(text)
    for field in ("hlc", "tempo_bpm"):
        message[field]  # reading the field is the point
    return True


def not_an_object(text: str) -> bool:
    """A crash on any message that is not an object, whatever else it is."""
    return json.loads(text).get("type") is not None


def returns_false(text: str) -> bool:
    return "hlc" in text


def match_agent(agent_id: str) -> bool:
    return re.match(r"^(a+)+$", agent_id) is not None  # catastrophic backtracking, in C


def spin() -> None:
    while True:
        pass


def hangs(text: str) -> bool:
    """Hangs in ``match_agent`` (inside the regex engine) or in ``spin`` (Python code)."""
    message = json.loads(text)
    if "agent_id" in message:
        return match_agent(message["agent_id"])
    spin()
    return True


def sleeps_in_a_thread(text: str) -> bool:
    """A hang whose main thread waits on another thread (the stack is the main thread's)."""
    import threading

    worker = threading.Thread(target=time.sleep, args=(30,), daemon=True)
    worker.start()
    worker.join()
    return True


def _pidfile() -> str:
    return os.environ["CAUSES_PIDFILE"]


def spawns(text: str) -> bool:
    """Starts a long-lived child (its pid in $CAUSES_PIDFILE) and accepts."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    with open(_pidfile(), "w") as out:
        out.write(str(child.pid))
    return True


def exits_leaving_a_child(text: str) -> bool:
    """Forks a child that keeps every pipe open, then exits: a crash, not a hang."""
    pid = os.fork()
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    with open(_pidfile(), "w") as out:
        out.write(str(pid))
    os._exit(3)


def grows(text: str) -> bool:
    """Grows by the MiB the message says (``{"mib": 600}``), then accepts."""
    hog = [bytearray(1 << 20) for _ in range(json.loads(text)["mib"])]
    return len(hog) > 0


def segfaults(text: str) -> bool:
    """Dies of SIGSEGV inside ``read_null`` (its stack is dumped as it dies)."""
    return read_null()


def read_null() -> bool:
    import ctypes

    return bool(ctypes.string_at(0))


def spawns_then_hangs(text: str) -> bool:
    """Starts a long-lived child (its pid in $CAUSES_PIDFILE), then never answers."""
    spawns(text)
    spin()
    return True


def lone_surrogate(text: str) -> bool:
    """Rejects with a message no UTF-8 can carry."""
    raise ValueError("bad agent_id \udcff")


def library_rejects(text: str) -> bool:
    """BUG: datetime.fromisoformat for RFC 3339: it rejects leap seconds, lower-case t, ..."""
    message = json.loads(text)
    datetime.fromisoformat(message["deadline_at"])  # a ValueError with the input's own words
    return True


def crashes_unless_default_tempo(text: str) -> bool:
    """Crashes on any tempo but the README example's 2.0, valid or not (0.0 crashes too)."""
    message = json.loads(text)
    if isinstance(message, dict) and message.get("tempo_bpm", 2.0) != 2.0:
        raise ZeroDivisionError("tempo")
    return True


def hangs_on_few_e_acute_notes(text: str) -> bool:
    """Crashes on notes of 100 ``é`` or more; hangs on fewer (each hang logged)."""
    message = json.loads(text)
    notes = message.get("notes") if isinstance(message, dict) else None
    if isinstance(notes, str) and set(notes) == {"é"}:
        if len(notes) >= 100:
            raise ZeroDivisionError("notes")
        with open(os.environ["BACKBEAT_TEST_HANG_LOG"], "a", encoding="utf-8") as log:
            log.write(f"{len(notes)}\n")
        time.sleep(30)
    return True


def echoes_its_value(text: str) -> bool:
    """BUG: rejects a valid agent_id that is not ASCII, naming it unquoted in the reason (as a
    Go ``%s`` or a JavaScript template string would): one bug whatever the agent_id."""
    agent_id = json.loads(text).get("agent_id")
    if isinstance(agent_id, str) and not agent_id.isascii() and agent_id.strip():
        raise ValueError(f"agent_id {agent_id} is not ASCII")
    return True
