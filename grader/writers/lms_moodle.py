"""``moodle-import.csv``: the totals as a Moodle assignment's "offline grading worksheet", a row per participant.

Moodle's assignment can take grades back from the worksheet it lets you download
(MoodleDocs, Assignment settings, Feedback types: "Offline grading worksheet";
https://docs.moodle.org/en/Assignment_settings). Its upload
(``mod/assign/feedback/offline/importgradeslib.php`` in moodle/moodle) reads a comma-separated
UTF-8 file whose header names the columns; it finds three of them by their (English) names
and ignores the rest:

- ``Identifier``: ``Participant <id>``, the id Moodle gave the student in this assignment;
  the same number that names their folder in "Download all submissions"
  (``<Full Name>_<id>_assignsubmission_file_/``);
- ``Grade``: the grade (a row with an empty grade is skipped; so is a grade above the
  assignment's maximum grade);
- ``Last modified (grade)``: when the grade was given. A grade changed in Moodle more than a
  minute after it is kept, not overwritten, unless the upload's "Allow updating records that
  have been modified more recently in Moodle than in the spreadsheet" is ticked. This file
  says the time it was written.

The other columns are the worksheet's, for the instructor's eyes (``Full name``, ``Email
address``, which a download does not hold, ``Status``: pixelgrade's status of the row,
``Maximum Grade``, ``Grade can be changed``, ``Last modified (submission)``). The
worksheet's ``Feedback comments`` column is left out on purpose: where it is present, the
upload replaces the comments already written in Moodle with the cell's text.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from grader.writers import lms_rows
from grader.writers.batch_report import BatchReport
from grader.writers.escaping import csv_cell

LMS = "moodle"
FILE_NAME = "moodle-import.csv"
COLUMNS = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade", "Grade can be changed",
           "Last modified (submission)", "Last modified (grade)"]
PARTICIPANT = "Participant "  # Moodle's "hiddenuser" string: the upload takes the id after it


def for_batch(batch: BatchReport, *, written_at: datetime | None = None) -> str:
    """The grading worksheet of ``batch``'s Moodle submissions; ``written_at`` (default: now) dates the grades."""
    # ISO 8601 with its offset: PHP's strtotime, which reads this column, takes it in any time zone.
    when = (written_at or datetime.now(UTC)).isoformat(timespec="seconds")
    table = [COLUMNS]
    maximum = lms_rows.number(batch.max_total)
    for row in lms_rows.rows_from(batch, LMS):
        table.append([csv_cell(PARTICIPANT + row.lms_id), csv_cell(row.name or row.id), "", csv_cell(row.status),
                      lms_rows.grade(row), maximum, "Yes", "", when])
    return lms_rows.csv_text(table)


def grades_in(text: str) -> dict[str, str]:
    """{participant id: grade} as Moodle's upload reads ``text`` (the id after "Participant ", the Grade column)."""
    return {row["Identifier"].removeprefix(PARTICIPANT): row["Grade"] for row in csv.DictReader(io.StringIO(text))}
