"""Use more memory than the worker's limit by spreading it over child processes (three of them)."""

import os
import select
import signal
import time

from _common import keep_running, name_this_process


def attack(children, each_bytes, name, wait_s=5.0):
    """{"holding": how many children held ``each_bytes`` each at the same moment, "children": ...}."""
    read_end, write_end = os.pipe()
    pids = []
    for _ in range(children):
        pid = os.fork()
        if pid == 0:
            name_this_process(name)
            os.close(read_end)
            try:
                block = b"\x01" * each_bytes  # written, so every page is really in use
            except MemoryError:
                os._exit(3)
            os.write(write_end, block[:1])  # "I hold it"
            keep_running(60)
        pids.append(pid)
    os.close(write_end)
    ready = 0
    deadline = time.monotonic() + wait_s
    while ready < children and time.monotonic() < deadline:
        if not select.select([read_end], [], [], max(0.0, deadline - time.monotonic()))[0]:
            break
        said = os.read(read_end, children)
        if not said:
            break  # every child has ended
        ready += len(said)
    time.sleep(0.3)  # a child killed for memory just now must not count
    alive = 0
    for pid in pids:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        alive += done == 0
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass
    return {"holding": min(ready, alive), "children": children, "each_bytes": each_bytes}
