"""Reconciliation: every row's report holds every check the batch expects; a missing one counts as failed.

The expected checks come from the reference solutions' report (:func:`expected_checks`),
:func:`reconcile` adds what a submission's report lacks, and :func:`row_status` says
whether anything was missing or the grader failed.
"""

from __future__ import annotations

from grader.core import catalog
from grader.core.results import CheckResult, CheckStatus, ExerciseResult, ExerciseStatus, GradeReport
from grader.writers.batch_report import ExpectedCheck, RowStatus


def expected_checks(report: GradeReport) -> dict[str, list[ExpectedCheck]]:
    """The checks every submission's report must have, per exercise (from the reference's report)."""
    return {exercise.name: [ExpectedCheck(c.spec, skipped=c.status == CheckStatus.SKIPPED, message=c.message)
                            for c in exercise.checks if c.status != CheckStatus.GRADER_ERROR]
            for exercise in report.exercises}


def union_of_checks(reports: list[GradeReport]) -> dict[str, list[ExpectedCheck]]:
    """The checks seen in any of ``reports``, per exercise: those expected when the references were not graded."""
    union: dict[str, dict[str, ExpectedCheck]] = {}
    for report in reports:
        for name, checks in expected_checks(report).items():
            for expected in checks:  # skipped and message are the reference's to say: not known here
                union.setdefault(name, {}).setdefault(expected.spec.id, ExpectedCheck(expected.spec))
    return {name: list(checks.values()) for name, checks in union.items()}


def _placeholder(expected: ExpectedCheck, reason: str) -> CheckResult:
    if expected.skipped:
        return CheckResult.from_spec(expected.spec, status=CheckStatus.SKIPPED, message=expected.message)
    return CheckResult.from_spec(expected.spec, status=CheckStatus.NOT_GRADED, message=reason)


def reconcile(report: GradeReport, expected: dict[str, list[ExpectedCheck]], exercises: list[str], *,
              reason: str = "") -> list[str]:
    """Make ``report`` hold every expected check of ``exercises`` (in place); the ids that were missing.

    A missing check is added with 0 points and the status ``not_graded`` (it counts as
    failed); a skipped one stays skipped. Exercises come in the order of ``exercises``,
    checks in the order of ``expected``, any unexpected ones after them.
    """
    reason = reason or "This check is missing from the grader's results for this submission; it counts as failed."
    by_name = {e.name: e for e in report.exercises}
    missing: list[str] = []
    ordered = []
    for name in exercises:
        exercise = by_name.get(name)
        if exercise is None:
            info = catalog.active().by_name[name]
            exercise = ExerciseResult(name, info.title, info.number)
        have = {check.id: check for check in exercise.checks}
        checks = []
        for wanted in expected.get(name, []):
            check = have.pop(wanted.spec.id, None)
            if check is None:
                check = _placeholder(wanted, reason)
                if check.status != CheckStatus.SKIPPED:
                    missing.append(wanted.spec.id)
            elif check.max_points != wanted.spec.max_points and not wanted.skipped:
                check.max_points = wanted.spec.max_points  # what a check is worth is the grader's call
                check.points = min(check.points, check.max_points)
            checks.append(check)
        exercise.checks = checks + list(have.values())
        ordered.append(exercise)
    report.exercises = ordered
    return missing


def not_graded_report(source: str, expected, exercises, reason: str) -> GradeReport:
    """A submission not graded: every ``expected`` check of ``exercises`` in its report, failed for ``reason``."""
    report = GradeReport(target=source)
    reconcile(report, expected, exercises, reason=reason)
    for exercise in report.exercises:  # said once per exercise, not once per check (grader.writers.terminal)
        exercise.message = reason
    return report


def row_status(outcome: RowStatus, report: GradeReport, missing: list[str]) -> RowStatus:
    """A row's status: ``outcome`` (how its grading ended), unless graded with grader errors or ``missing`` checks."""
    if outcome != RowStatus.GRADED:
        return outcome
    if report.grader_errors:
        return RowStatus.GRADER_ERROR
    return RowStatus.INCOMPLETE if missing else RowStatus.GRADED


def exercise_notes(report: GradeReport) -> list[str]:
    """A row's notes about its exercises that are neither complete nor skipped (``histogram: incomplete``)."""
    return [f"{e.name}: {e.status}" for e in report.exercises
            if e.status not in (ExerciseStatus.COMPLETE, ExerciseStatus.SKIPPED)]

