"""The learner's feedback as plain text: what a learner may read of a report (``feedback/<id>.txt``).

It is the learner view of :func:`grader.writers.terminal.print_report`: never a hidden
check, and no grade while the report has hidden checks. Gradescope shows the same text.
"""

from __future__ import annotations

import io

from rich.console import Console

from grader.core.results import GradeReport
from grader.instructor.batch import SubmissionRow
from grader.writers import terminal


def for_report(report: GradeReport, *, width: int = 100) -> str:
    """The learner's view of ``report`` as plain text (no hidden check, no grade while there are hidden checks)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False, legacy_windows=False,
                      soft_wrap=True)
    terminal.print_report(report, console, learner_view=True)
    return buffer.getvalue()


def for_row(row: SubmissionRow) -> str:
    """What staging found that the learner should know (a notebook's left-out lines, a module to rename),
    then the learner's view of the row's report."""
    if not row.feedback:
        return for_report(row.report)
    notes = "".join(f"  - {note}\n" for note in row.feedback)
    return "About your submission:\n" + notes + "\n" + for_report(row.report)
