"""Look fast: stop the worker's clocks, then sleep (what a speed check must not believe)."""

import time


def attack(seconds):
    frozen = {name: getattr(time, name)() for name in ("perf_counter", "monotonic", "time", "process_time")}
    for name, value in frozen.items():
        setattr(time, name, lambda value=value: value)
    for name in ("perf_counter_ns", "monotonic_ns", "time_ns", "process_time_ns"):
        setattr(time, name, lambda: 0)
    time.sleep(seconds)
    return "slept"
