"""What a learner may see of a report when an instructor holds checks back.

An instructor's hidden checks (``--hidden-checks DIR``, files named
``test_<exercise>_hidden.py``) are marked ``hidden`` in the results. Learner-facing
output is built from :func:`public_view`, a copy of the report with every hidden
check left out, so no hidden check's name, message, input or snippet can reach it;
while a report has hidden checks, learners see "public checks passed: N/M"
(:func:`public_counts`), never a final grade.
"""

from __future__ import annotations

import copy

from grader.core import results
from grader.core.results import GradeReport


def has_hidden(report: GradeReport) -> bool:
    """Whether any check of ``report`` is an instructor's hidden check."""
    return any(check.hidden for exercise in report.exercises for check in exercise.checks)


def public_view(report: GradeReport) -> GradeReport:
    """A deep copy of ``report`` without its hidden checks (and without hints of them)."""
    public = copy.deepcopy(report)
    for exercise in public.exercises:
        exercise.checks = [check for check in exercise.checks if not check.hidden]
    public.settings = {key: value for key, value in public.settings.items() if "hidden" not in key}
    return public


def counted(checks) -> list[results.CheckResult]:
    """The checks that count towards a grade: not bonus, not skipped."""
    return [check for check in checks if not check.bonus and check.status != results.SKIPPED]


def public_counts(report: GradeReport) -> tuple[int, int]:
    """(public checks passed, public checks) over the counted checks of ``report``."""
    public = [check for exercise in report.exercises for check in counted(exercise.checks) if not check.hidden]
    return sum(check.status == results.PASSED for check in public), len(public)


def exercise_public_counts(exercise: results.ExerciseResult) -> tuple[int, int]:
    public = [check for check in counted(exercise.checks) if not check.hidden]
    return sum(check.status == results.PASSED for check in public), len(public)
