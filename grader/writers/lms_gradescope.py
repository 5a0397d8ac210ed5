"""``gradescope-roster.csv``: a GitHub Classroom batch's students and totals, in the columns of Gradescope's roster.

GitHub Classroom knows a student by their GitHub login (its roster's identifier, the
``<username>`` of ``<assignment>-<username>/``); it gives no name and no email. Gradescope adds
students from a CSV file whose header names its columns, a full name (or first and last
names), an email and an SID, matched to Gradescope's fields when it is uploaded (Gradescope
Help, "Adding Students and Staff", https://help.gradescope.com/article/w59nl02vyt-instructor-course-add-members).
This file is that roster, keyed by the login in ``SID``, with each student's grade in the
columns Gradescope's own grade export uses (``Total Score``, ``Max Points``), so that it can be
joined to a Gradescope export or uploaded as a roster once the emails are filled in
(Gradescope wants one per student; a download does not hold them):

    Name,SID,Email,Total Score,Max Points
    janedoe,janedoe,,38.5,45
"""

from __future__ import annotations

import csv
import io

from grader.writers import lms_rows
from grader.writers.batch_report import BatchReport
from grader.writers.escaping import csv_cell

LMS = "github-classroom"
FILE_NAME = "gradescope-roster.csv"
COLUMNS = ["Name", "SID", "Email", "Total Score", "Max Points"]


def for_batch(batch: BatchReport) -> str:
    """The roster of ``batch``'s GitHub Classroom submissions: name (the login when none is known), SID, total."""
    table = [COLUMNS]
    maximum = lms_rows.number(batch.max_total)
    for row in lms_rows.rows_from(batch, LMS):
        table.append([csv_cell(row.name or row.lms_id), csv_cell(row.lms_id), "", lms_rows.grade(row), maximum])
    return lms_rows.csv_text(table)


def grades_in(text: str) -> dict[str, str]:
    """{login: total} as read back from ``text`` (the SID and Total Score columns)."""
    return {row["SID"]: row["Total Score"] for row in csv.DictReader(io.StringIO(text))}
