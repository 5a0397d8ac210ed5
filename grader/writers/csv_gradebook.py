"""``gradebook.csv``: a batch as a spreadsheet, a row per submission and a column per exercise.

Only a batch has one: a single grading has no submission to name a row after. An entry
that is no submission (README.txt) has no row: it is listed as skipped in ``summary.md``.
Every text cell goes through :func:`grader.writers.escaping.csv_cell`: never a formula,
one line, cut, printable; so no row can make the writer, or a reader, fail. Who a submission
is comes right after its id: the LMS's own id (``lms_id``: Canvas's user id, Moodle's
participant id, the GitHub login), the name as the LMS wrote it (UTF-8, accents kept) and
``late`` ("yes" where the LMS marked it late).
"""

from __future__ import annotations

import csv
import io

from grader.writers.batch_report import BatchReport, SubmissionRow
from grader.writers.escaping import csv_cell

# The LMS marked it late; empty when it did not say so (Moodle's and GitHub Classroom's downloads never do).
LATE = "yes"


def for_batch(batch: BatchReport) -> str:
    """The gradebook: submission, who it is as its LMS says (``lms_id``, ``name``, ``late``), status, one column
    per exercise (points), their sum, the bonus, the total with the bonus, the maximum (without bonus), notes,
    and the isolation that graded that submission."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["submission", "lms_id", "name", "late", "status", *map(csv_cell, batch.exercises), "points",
                     "bonus", "total_with_bonus", "max_points", "notes", "isolation"])
    for row in batch.submission_rows:
        points = row.points
        writer.writerow([csv_cell(row.id), csv_cell(row.lms_id), csv_cell(row.name), LATE if row.late else "",
                         csv_cell(row.status),
                         *(_g(points.get(name, 0.0)) for name in batch.exercises),
                         _g(row.total), _g(row.bonus), _g(row.total_with_bonus), _g(batch.max_total),
                         csv_cell("; ".join(row.notes)), csv_cell(_isolation_of(row, batch))])
    return out.getvalue()


def _g(value: float) -> str:
    return f"{float(value):g}"  # a number: never a formula, whatever its sign


def _isolation_of(row: SubmissionRow, batch: BatchReport) -> str:
    """The sandbox that graded ``row``: its report's own words, else the batch's."""
    report = row.report
    described = report.settings.get("isolation") if report is not None else None
    return described or batch.settings.get("isolation", "")
