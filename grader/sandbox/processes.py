"""Process trees: keep every process a learner starts within reach, and end them all.

Used by the grader (stopping a worker, ending a batch child) and by the worker and
batch children themselves (becoming a subreaper, so that a learner's double fork
stays in their tree instead of escaping to init).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time

_PR_SET_CHILD_SUBREAPER = 36
_KILL = getattr(signal, "SIGKILL", signal.SIGTERM)  # Windows has no SIGKILL; SIGTERM ends the process there


def become_subreaper() -> None:
    """Orphans of this process's descendants become its children, so they can be ended (Linux only)."""
    if sys.platform != "linux":
        return
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def kill_tree(pid: int, *, include_root: bool = True, group: bool = False, wait_s: float = 5.0) -> None:
    """SIGKILL every descendant of ``pid`` (and ``pid`` itself, and its process group with ``group``).

    The descendants are listed and stopped first, so none can fork away while they are
    killed; a second sweep catches any forked before the first list was taken. Returns
    once none of them runs: a zombie counts as dead (it runs nothing, and reaping an
    orphaned one is init's job, which may take seconds, or forever in a container
    without an init). Without psutil (an unusual platform), only ``pid``'s group and
    ``pid`` are killed.
    """
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil is a dependency; be safe all the same
        psutil = None
    victims = []
    for _ in range(2):
        found = []
        if psutil is not None:
            with contextlib.suppress(psutil.Error, OSError):
                found = psutil.Process(pid).children(recursive=True)
            for process in found:
                with contextlib.suppress(psutil.Error, OSError):
                    process.suspend()
        if group and os.name == "posix":
            with contextlib.suppress(OSError):
                os.killpg(pid, _KILL)
        if include_root:
            with contextlib.suppress(OSError):
                os.kill(pid, _KILL)
        for process in found:
            with contextlib.suppress(psutil.Error, OSError):
                process.kill()
        victims += found
    deadline = time.monotonic() + wait_s
    while victims and time.monotonic() < deadline and any(_running(process) for process in victims):
        time.sleep(0.002)


def _running(process) -> bool:
    import psutil

    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
