"""The learner's feedback as plain text: what a learner may read of a report (``feedback/<id>.txt``).

It is the learner view of :func:`grader.writers.terminal.print_report`: never a hidden
check, and no grade while the report has hidden checks. Gradescope shows the same text.
It is read away from the grading machine, so it speaks in the learner's terms (their
file's name, the course's page, no path or command of the grader's; a grader error or
crash as "pixelgrade itself failed (not your fault)", without its internals), holds no
escape code, and is at most :data:`MAX_CHARS` long whatever the submission printed.
"""

from __future__ import annotations

import copy
import io
from typing import TYPE_CHECKING

from rich.console import Console

from grader.core.results import CheckStatus, GradeReport
from grader.writers import escaping, grader_paths, terminal

if TYPE_CHECKING:  # only named in annotations: a learner's command never imports the batch
    from grader.writers.batch_report import SubmissionRow

MAX_CHARS = 64 * 1024  # one submission's feedback, whatever it printed or raised
CUT_NOTE = "\n[The rest of this feedback is left out: it is longer than {limit} characters.]\n"

# Why a row was not graded, in the learner's words (the row's own note is the instructor's: it may name the
# grader's internals).
NOT_GRADED_REASONS = {
    "grader crashed": "The process grading your submission stopped before it could finish, so it could not be graded. "
                      "If your code ends the process it runs in or kills other processes, that is why; otherwise "
                      "pixelgrade itself failed (not your fault), and your instructor has been told.",
    "timed out": "Grading your submission did not finish within its time limit, so it could not be graded. A loop "
                 "that never ends, a very slow computation or a wait (`input()`, `time.sleep`) all look like this.",
}


def for_report(report: GradeReport, *, width: int = 100, elsewhere: bool = True) -> str:
    """The learner's view of ``report`` as plain text (no hidden check, no grade while there are hidden checks).

    ``elsewhere`` (the default): read away from the grading machine, so in the learner's
    terms (see :mod:`grader.writers.terminal`). Cut at :data:`MAX_CHARS`.
    """
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False, legacy_windows=False,
                      soft_wrap=True)
    terminal.print_report(report, console, learner_view=True, elsewhere=elsewhere)
    return bounded(buffer.getvalue())


def for_row(row: SubmissionRow) -> str:
    """What staging found that the learner should know (a notebook's left-out lines, a module to rename),
    then the learner's view of the row's report, in the learner's terms, at most :data:`MAX_CHARS` long."""
    report = learner_report(row)
    if not row.feedback:
        return for_report(report)
    notes = "".join(f"  - {grader_paths.hide(escaping.note(note), row.report.target)}\n" for note in row.feedback)
    return bounded("About your submission:\n" + notes + "\n" + for_report(report))


def learner_report(row: SubmissionRow) -> GradeReport:
    """The row's report as a learner is told it: a row not graded says why in the learner's words.

    A crashed, failed or timed-out grading leaves the instructor's note (the last line of a
    traceback, a signal) in every placeholder check; the learner reads why in plain words.
    """
    reason = NOT_GRADED_REASONS.get(str(row.status))
    if reason is None:
        return row.report
    report = copy.deepcopy(row.report)
    for exercise in report.exercises:
        replaced = exercise.message
        for check in exercise.checks:
            if check.status == CheckStatus.NOT_GRADED and (check.message == replaced or not replaced):
                check.message = reason
        if replaced:
            exercise.message = reason
    return report


def bounded(text: str, limit: int = MAX_CHARS) -> str:
    """``text`` cut to about ``limit`` characters, saying so at the end."""
    if len(text) <= limit:
        return text
    note = CUT_NOTE.format(limit=limit)
    return text[: limit - len(note)].rstrip() + note
