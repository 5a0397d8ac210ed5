"""Start processes until something stops it (a fork bomb, bounded by the attack itself at ``cap``)."""

import os
import time

from _common import keep_running, name_this_process


def attack(cap, seconds, name):
    """{"started": how many processes it started, "stopped_by": the error that stopped it, or ""}."""
    started, stopped_by = 0, ""
    deadline = time.monotonic() + seconds
    while started < cap and time.monotonic() < deadline:
        try:
            pid = os.fork()
        except OSError as error:
            import errno

            stopped_by = errno.errorcode.get(error.errno or 0, type(error).__name__)
            break
        if pid == 0:
            name_this_process(name)
            keep_running(120)
        started += 1
    return {"started": started, "stopped_by": stopped_by}
