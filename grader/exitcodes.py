"""The exit statuses of every ``pixelgrade`` command, in one place.

CI scripts and the Gradescope/GitHub examples test these numbers, so they never
change. The members are ints (``ExitCode.USAGE == 2``): ``sys.exit(main())`` works as is.
The tools (:mod:`grader.learning`, :mod:`grader.instructor`) return them as well as the
command line, so this module sits below all of them and imports nothing of the grader's.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a command's exit status says."""

    OK = 0  # done; for ``pixelgrade --require-full``, full marks too
    # Done, but short of the goal: ``pixelgrade --require-full`` without full marks,
    # ``pixelgrade dev check`` that found problems in the course.
    NOT_FULL = 1
    USAGE = 2  # bad arguments or input (an unknown exercise, a missing folder, an unreadable file...)
    # pixelgrade itself failed or cannot be trusted: a grader error in some check, a batch
    # whose reference solutions lost points or that warned, a state file that cannot be saved.
    GRADER_ERROR = 3
