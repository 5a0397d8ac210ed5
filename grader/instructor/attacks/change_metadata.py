"""Change the mode and times of a file outside the scratch folder that belongs to the grader's user."""

import os

from _common import outcome


def attack(path):
    """{"chmod": ..., "utime": ...}: "done" or the error that stopped it."""
    return {"chmod": outcome(lambda: os.chmod(path, 0o777)),
            "utime": outcome(lambda: os.utime(path, (0, 0)))}
