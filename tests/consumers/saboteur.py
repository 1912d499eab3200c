"""The demo consumer that, on the first call of the run, SIGKILLs the process whose pid is in
``BACKBEAT_SABOTAGE_PID`` (the attack suite's redis-server): infrastructure lost mid-run.

"First of the run" is a flag file created exclusively beside the corpus, so a restarted worker
never signals that pid again (it may be another process by then)."""

from __future__ import annotations

import os
import signal

from backbeat_fuzz.demo import handle as demo_handle


def handle(text: str) -> object:
    try:
        os.close(os.open(os.environ["BACKBEAT_SABOTAGE_FLAG"], os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        pass
    else:
        os.kill(int(os.environ["BACKBEAT_SABOTAGE_PID"]), signal.SIGKILL)
    return demo_handle(text)
