"""Process groups for the targets that run programs: watch a leader's exit, kill its group.

A worker or a ``cmd:`` program is started in a process group of its own (``process_group=0``
or ``start_new_session``), so its process id is also its group's. The group is killed before
the leader is reaped: while the leader is an unreaped zombie its id cannot be reused, so the
kill reaches only what it started. A pidfd (Linux 5.3+) makes a leader's exit a readable
descriptor that :func:`select.select` waits on; elsewhere the exit is polled.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time

#: Seconds between two looks at a process's life where no pidfd tells it at once.
POLL = 0.05


def open_pidfd(pid: int) -> int | None:
    """A descriptor readable once *pid* exits; None where the system has none."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):  # not Linux, or a kernel before 5.3
        return None


def has_exited(pid: int) -> bool:
    """Whether the child *pid* has exited, without reaping it."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def exit_within(pid: int, pidfd: int | None, seconds: float) -> bool:
    """Wait up to *seconds* for the child *pid* to exit (not reaping it); True if it did."""
    if pidfd is not None:
        return bool(select.select([pidfd], [], [], seconds)[0])
    deadline = time.monotonic() + seconds
    while not has_exited(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL / 5)
    return True


def kill_group(pid: int) -> None:
    """SIGKILL every process in the group *pid* leads (nothing if it is empty)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
