"""Leave a daemon behind: a double fork into a session of its own, meant to outlive the worker."""

import os

from _common import keep_running, name_this_process


def attack(name, seconds):
    """Start the daemon; "started" once it exists."""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        os.setsid()
        if os.fork() == 0:
            name_this_process(name)
            os.write(write_end, b"1")
            os.closerange(0, 1024)  # lets go of every pipe of the worker's
            keep_running(seconds)
        os._exit(0)
    os.close(write_end)
    os.waitpid(child, 0)
    with os.fdopen(read_end, "rb") as pipe:
        return "started" if pipe.read(1) else "could not start"
