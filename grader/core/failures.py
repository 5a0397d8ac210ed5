"""Why a check did not pass, as exceptions that carry a teacher's explanation.

Everything here is the learner's side of a failure. Any other exception raised
while a check runs is a bug in the grader and is reported apart. Each class says
which :class:`~grader.core.results.CheckStatus` a check that raised it gets (its
``status``; subclasses inherit it): :mod:`grader.core.runner` reads it from the error.
"""

from __future__ import annotations

from typing import ClassVar

from grader.core.results import CheckStatus


class CheckFailed(AssertionError):
    """A learner's function ran but its result is not what the contract asks for."""

    status: ClassVar[CheckStatus] = CheckStatus.FAILED

    def __init__(self, message: str, *, snippet: str = "", call=None):
        super().__init__(message)
        self.message = message
        self.snippet = snippet
        # The learner call it is about (a grader.kit.describe.CallRecord), kept in the grader's
        # process for grader.core.diagnosis, which names a mistake once every check has run.
        self.call = call
        self.panel = None  # arrays for a failure picture (grader.kit.pictures.attach), drawn once scored


class LearnerFailure(Exception):
    """The learner's code did not return normally (raised, hung, crashed, exited...)."""

    status: ClassVar[CheckStatus] = CheckStatus.ERROR

    def __init__(self, message: str, *, snippet: str = ""):
        super().__init__(message)
        self.message = message
        self.snippet = snippet


class NotStarted(LearnerFailure):
    """The function still raises ``NotImplementedError``: the stub is untouched."""

    status: ClassVar[CheckStatus] = CheckStatus.NOT_STARTED


class LearnerRaised(LearnerFailure):
    """The learner's function raised an exception."""

    def __init__(self, message: str, *, types: list[str], text: str, snippet: str = ""):
        super().__init__(message, snippet=snippet)
        self.types = types
        self.text = text

    def is_a(self, exception_name: str) -> bool:
        return exception_name in self.types


class TimedOut(LearnerFailure):
    """The call ran past its wall-clock limit."""


class WorkerDied(LearnerFailure):
    """The worker process ended during the call (os._exit, a crash, the OOM killer)."""


class OutOfMemory(LearnerFailure):
    """The call ran past the memory limit."""


class ImportFailed(LearnerFailure):
    """The learner's module could not be imported (error, sys.exit, hang...)."""


class MissingModule(LearnerFailure):
    """The target directory has no module of that name."""

    status: ClassVar[CheckStatus] = CheckStatus.MISSING


class MissingFunction(LearnerFailure):
    """The module does not define the function the contract names."""


class OffLimits(LearnerFailure):
    """The function called the very oracle it is graded against."""

    status: ClassVar[CheckStatus] = CheckStatus.OFF_LIMITS


class Unavailable(Exception):
    """A check cannot run here (an optional dependency is missing): skipped, not failed."""

    status: ClassVar[CheckStatus] = CheckStatus.SKIPPED


# The exceptions whose class decides a check's status; anything else a check raises is
# a plain assert (failed) or a bug in the grader.
EXPLAINED = (CheckFailed, LearnerFailure, Unavailable)
