"""Gradescope's ``results.json`` for one submission: every check a test, hidden ones not visible to learners.

Gradescope grades one submission at a time, so there is one per row of a batch
(``gradescope/<id>.json``; ``pixelgrade batch --gradescope-results`` copies it out); an
entry that is no submission (README.txt) has none. Every text in it is for the learner:
in their terms, with no path of the grading machine, no escape code and no grader
internals (:mod:`grader.writers.learner_feedback`), each test's output at most
:data:`MAX_TEST_OUTPUT` characters.
"""

from __future__ import annotations

from grader.core import visibility
from grader.core.results import CheckStatus
from grader.writers import escaping, grader_paths, learner_feedback, terminal
from grader.writers.batch_report import RowStatus, SubmissionRow

# Gradescope's words for when a learner sees a hidden test.
HIDDEN_VISIBILITIES = ("after_published", "hidden", "after_due_date")

MAX_TEST_OUTPUT = 8 * 1024  # one test's output: a message and the code that reproduces it
_GRADER_ERROR_ROW = "pixelgrade itself failed in some checks (not your fault); your instructor has been told."


def _test_output(check, target: str) -> str:
    """What the learner reads under one test: the message and the code to reproduce it, in their terms."""
    if check.status == CheckStatus.GRADER_ERROR:
        return terminal.GRADER_FAILED  # the traceback is the grader's business
    output = "\n".join(part for part in (check.message, check.snippet and "To reproduce:\n" + check.snippet) if part)
    return learner_feedback.bounded(grader_paths.hide(escaping.terminal(output), target), MAX_TEST_OUTPUT)


def for_row(row: SubmissionRow, *, hidden_visibility: str = "after_published") -> dict:
    """Gradescope's ``results.json`` for one row: every check a test; hidden ones not visible to learners.

    Visible tests and the ``output`` text come from the learner's view only; while there
    are hidden checks that text says "public checks passed: N/M" rather than a grade.
    """
    if hidden_visibility not in HIDDEN_VISIBILITIES:
        raise ValueError(f"hidden_visibility must be one of {', '.join(HIDDEN_VISIBILITIES)}")
    report = learner_feedback.learner_report(row)
    hidden = visibility.has_hidden(report)
    tests = []
    for exercise in report.exercises:
        for check in exercise.checks:
            if check.status == CheckStatus.SKIPPED:
                continue  # counts for nothing (an optional dependency is missing)
            output = _test_output(check, row.report.target)
            tests.append({
                "name": escaping.one_line(f"{exercise.name}: {check.title}", escaping.NOTE_LIMIT),
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
    if row.status == RowStatus.GRADER_ERROR:
        output = _GRADER_ERROR_ROW + "\n" + output
    elif row.status in (RowStatus.UNREADABLE_ZIP, RowStatus.UNREADABLE):
        why = row.notes[0].split(": ", 1)[-1] if row.notes else ""
        output = f"Your submission could not be read: {grader_paths.hide(escaping.note(why), row.report.target)}\n"
    data = {
        "score": row.total_with_bonus,  # the same total as gradebook.csv's total_with_bonus
        "execution_time": int(round(row.seconds)),
        "output": output,
        "output_format": "text",
        "test_output_format": "text",
        "stdout_visibility": "hidden",
        "tests": tests,
        # For the instructor (Gradescope shows extra_data to staff only): what protected this run.
        "extra_data": {"isolation": escaping.note(report.settings.get("isolation") or ""),
                       "isolation_level": escaping.note(report.settings.get("isolation_level", ""))},
    }
    if hidden:
        data["visibility"] = hidden_visibility  # tests say "visible" where they are; the rest waits
    return data
