"""Grades do not depend on the machine's load (issue 22).

Per-call limits are CPU time of the worker's whole tree, with a generous wall-clock
backstop (grader.sandbox.client), and a function's first call in a worker may also spend a
little more for a library it imports inside the function. So a correct function that is
slow, and one that imports a heavy library when first called, get the same grade on a
quiet machine and beside enough CPU-bound processes to triple the load, where a
wall-clock limit would stop them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil
import pytest
from conftest import SOLUTIONS, replace_function

from grader import api

# About a third of a second of CPU per call on the checks' largest image (256 passes over
# it): well inside a 2 s CPU limit, but more than 2 s of wall-clock time on a machine whose
# two cores are shared by six busy processes.
SLOW_HISTOGRAM = '''
def histogram(image):
    image = _check_uint8(image)
    counts = np.zeros(256, dtype=np.int64)
    for value in range(256):  # correct, but one pass over the image per grey level
        counts[value] = np.count_nonzero(image == value)
    return counts
'''
# Its first call imports scikit-learn (about a second of CPU; several under load).
IMPORTING_CUMULATIVE = '''
def cumulative_histogram(image):
    import sklearn.linear_model  # noqa: F401 - a heavy import inside the function, as learners write them
    return np.cumsum(_counts(image), dtype=np.int64)
'''
TIMEOUT_S = 2.0
BUSY_PROCESSES = 6  # with the grading's own two processes: four times the two cores


def _cpu_seconds(processes) -> float:
    total = 0.0
    for process in processes:
        times = psutil.Process(process.pid).cpu_times()
        total += times.user + times.system
    return total


def _checks(report) -> list[tuple]:
    """Every check's outcome; a speed bonus's message quotes the times it measured, so only its status counts."""
    return [(check.id, check.status, check.points, None if check.bonus else check.message)
            for exercise in report.exercises for check in exercise.checks]


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="CPU time of the worker is read from /proc")
def test_a_slow_and_an_importing_submission_grade_the_same_under_load(tmp_path):
    source = (SOLUTIONS / "histogram.py").read_text()
    source = replace_function(source, "histogram", SLOW_HISTOGRAM)
    source = replace_function(source, "cumulative_histogram", IMPORTING_CUMULATIVE)
    (tmp_path / "histogram.py").write_text(source)

    def grade():
        return api.grade(["histogram"], target=tmp_path, timeout_s=TIMEOUT_S, max_examples=5)

    quiet = grade()
    # Plain interpreters that spin at once (a spawned multiprocessing child would first import this module).
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(BUSY_PROCESSES)]
    try:
        time.sleep(0.5)  # the load is there before the grading starts
        spun_before = _cpu_seconds(busy)
        loaded = grade()
        spun = _cpu_seconds(busy) - spun_before
    finally:
        for process in busy:
            process.kill()
            process.wait()
    assert _checks(loaded) == _checks(quiet)
    functional = [c for e in quiet.exercises for c in e.checks if not c.bonus]
    assert all(c.status == "passed" for c in functional), [(c.id, c.message) for c in functional
                                                           if c.status != "passed"]
    # The load really was there: the spinning processes took more than a whole core throughout the
    # grading. (Its wall-clock time is no measure of that: the second grading replays the examples
    # the first one kept, and is faster for it.)
    assert spun > loaded.seconds, (spun, loaded.seconds)
