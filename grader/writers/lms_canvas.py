"""``canvas-import.csv``: the batch's totals as Canvas's Gradebook import reads them, one row per Canvas student.

The layout is the one Canvas's Gradebook export writes and its import reads back (Canvas
Instructor Guide, "How do I import grades in the Gradebook?",
https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807;
the importer itself: ``app/models/gradebook_importer.rb`` in instructure/canvas-lms)::

    Student,ID,SIS User ID,SIS Login ID,Section,Homework 1 (12345)
    Points Possible,,,,,45
    álvarezjosé,111,,,,38.5

- the header's first cell holds "Student" and its second "ID"; the student columns end with
  "Section" (with "SIS User ID" and "SIS Login ID" before it, Canvas counts five of them);
- every later column is an assignment: ``<title> (<assignment id>)`` updates that assignment,
  a title Canvas does not know creates a new assignment of that name;
- a row whose first cell is "Points Possible" gives each assignment's maximum (used when the
  import creates the assignment);
- every other row is a student, found by the ``ID`` column: Canvas's user id, the number in
  the "Download submissions" file names (``<name>_<userid>_<submissionid>_<file>``). The
  name is shown in Canvas's import preview but not used to find the student; the SIS columns
  are left empty (a download does not hold them).

The assignment's column title comes from ``pixelgrade batch --assignment "Homework 1 (12345)"``
(kept in ``batch.json`` as ``settings.assignment``, so ``pixelgrade merge`` keeps it too);
without it the column is ``pixelgrade: <exercises>``, which Canvas's import turns into a new
assignment of that name.
"""

from __future__ import annotations

import csv
import io

from grader.writers import lms_rows
from grader.writers.batch_report import BatchReport
from grader.writers.escaping import csv_cell

LMS = "canvas"
FILE_NAME = "canvas-import.csv"
STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_POSSIBLE = "Points Possible"


def assignment_title(batch: BatchReport) -> str:
    """The assignment column's title: the instructor's (``--assignment``), else ``pixelgrade: <exercises>``."""
    chosen = str(batch.settings.get("assignment") or "").strip()
    return chosen or "pixelgrade: " + ", ".join(batch.exercises)


def for_batch(batch: BatchReport) -> str:
    """The Canvas Gradebook import of ``batch``'s Canvas submissions (header, Points Possible, a row each)."""
    title = csv_cell(assignment_title(batch))
    table = [[*STUDENT_COLUMNS, title],
             [POINTS_POSSIBLE, "", "", "", "", lms_rows.number(batch.max_total)]]
    for row in lms_rows.rows_from(batch, LMS):
        table.append([csv_cell(row.name or row.id), csv_cell(row.lms_id), "", "", "", lms_rows.grade(row)])
    return lms_rows.csv_text(table)


def grades_in(text: str) -> dict[str, str]:
    """{Canvas user id: grade} as Canvas's import reads ``text``: the ID and last columns, Points Possible aside."""
    table = list(csv.reader(io.StringIO(text)))
    return {row[1]: row[-1] for row in table[1:] if row and POINTS_POSSIBLE not in row[0]}
