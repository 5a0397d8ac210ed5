"""Gradescope's ``results.json`` for one submission: every check a test, hidden ones not visible to learners.

Gradescope grades one submission at a time, so there is one per row of a batch
(``gradescope/<id>.json``; ``pixelgrade batch --gradescope-results`` copies it out).
"""

from __future__ import annotations

from grader.core import visibility
from grader.core.results import CheckStatus
from grader.instructor.batch import RowStatus, SubmissionRow
from grader.writers import learner_feedback

# Gradescope's words for when a learner sees a hidden test.
HIDDEN_VISIBILITIES = ("after_published", "hidden", "after_due_date")

_LEARNER_REASONS = {
    RowStatus.TIMED_OUT: "Grading your submission did not finish within its time limit, so it could not be "
                         "graded. Is there a loop that never ends?",
    RowStatus.GRADER_CRASHED: "The process grading your submission stopped before it could finish. Does your code "
                              "end the process it runs in, or kill other processes?",
    RowStatus.GRADER_ERROR: "pixelgrade itself failed in some checks (not your fault); your instructor has been told.",
}


def for_row(row: SubmissionRow, *, hidden_visibility: str = "after_published") -> dict:
    """Gradescope's ``results.json`` for one row: every check a test; hidden ones not visible to learners.

    Visible tests and the ``output`` text come from the learner's view only; while there
    are hidden checks that text says "public checks passed: N/M" rather than a grade.
    """
    if hidden_visibility not in HIDDEN_VISIBILITIES:
        raise ValueError(f"hidden_visibility must be one of {', '.join(HIDDEN_VISIBILITIES)}")
    report = row.report
    hidden = visibility.has_hidden(report)
    tests = []
    for exercise in report.exercises:
        for check in exercise.checks:
            if check.status == CheckStatus.SKIPPED:
                continue  # counts for nothing (an optional dependency is missing)
            output = "\n".join(part for part in (check.message, check.snippet and "To reproduce:\n" + check.snippet)
                               if part)
            tests.append({
                "name": f"{exercise.name}: {check.title}",
                "score": check.points,
                "max_score": 0.0 if check.bonus else check.max_points,
                "status": "passed" if check.status == CheckStatus.PASSED else "failed",  # Gradescope's words
                "output": output,
                "tags": list(dict.fromkeys(tag for tag in (exercise.name, check.function) if tag)),  # no repeats
                "visibility": hidden_visibility if check.hidden else "visible",
                "extra_data": {"id": check.id, "pixelgrade_status": check.status},
            })
    if hidden:
        tests = [t for t in tests if t["visibility"] == "visible"] + [t for t in tests if t["visibility"] != "visible"]
    output = learner_feedback.for_row(row)
    if row.status in _LEARNER_REASONS:
        output = _LEARNER_REASONS[row.status] + "\n" + output
    elif row.status in (RowStatus.UNREADABLE_ZIP, RowStatus.UNREADABLE):
        output = f"Your submission could not be read: {row.notes[0].split(': ', 1)[-1] if row.notes else ''}\n"
    data = {
        "score": row.total_with_bonus,  # the same total as gradebook.csv's total_with_bonus
        "execution_time": int(round(row.seconds)),
        "output": output,
        "output_format": "text",
        "test_output_format": "text",
        "stdout_visibility": "hidden",
        "tests": tests,
        # For the instructor (Gradescope shows extra_data to staff only): what protected this run.
        "extra_data": {"isolation": report.settings.get("isolation") or "",
                       "isolation_level": report.settings.get("isolation_level", "")},
    }
    if hidden:
        data["visibility"] = hidden_visibility  # tests say "visible" where they are; the rest waits
    return data
