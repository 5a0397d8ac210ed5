"""What every LMS import file shares: which rows it holds, the grade it gives each, how a number is written.

The import files (:mod:`~grader.writers.lms_canvas`, :mod:`~grader.writers.lms_moodle`,
:mod:`~grader.writers.lms_gradescope`) are keyed by the id the LMS itself gave the student
(:attr:`~grader.instructor.batch.SubmissionRow.lms_id`), never by the batch's row id, which is
made to name files (``José Álvarez`` becomes ``Jos_lvarez``). Each holds the submissions that
came from its LMS, and nothing for an entry that is no submission (README.txt).

The grade is the one total every output reports, ``total_with_bonus`` (README: Totals),
except where the grader itself failed on the submission (``grader error``, ``grader
crashed``): that total says what pixelgrade could not do, not what the learner did, so the
cell is left empty, which every importer here reads as "no grade" (Canvas leaves the grade as
it is, Moodle skips the line) instead of a 0 the instructor never meant to give.

Every file is UTF-8 without a byte-order mark: Canvas reads its Gradebook import as UTF-8 and
does not strip a BOM (it would become part of the first header, "Student"); Moodle's upload
form asks for the encoding (UTF-8 by default) and strips a BOM if there is one. A BOM would
only help a spreadsheet program guess the encoding, and the files are meant to be uploaded as
they are.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from grader.writers.batch_report import BatchReport, RowStatus, SubmissionRow

# Statuses whose total is the grader's failure, not the learner's: no grade is imported for them.
FAILED_BY_THE_GRADER = (RowStatus.GRADER_ERROR, RowStatus.GRADER_CRASHED)
ENCODING = "utf-8"  # no BOM: see above


def rows_from(batch: BatchReport, lms: str) -> list[SubmissionRow]:
    """The submissions of ``batch`` that came from ``lms`` (``"canvas"``...) with an id it gave, in id order."""
    return [row for row in batch.submission_rows if row.lms == lms and row.lms_id]


def number(value: float) -> str:
    """A number as plain digits (``38.5``, ``45``; never ``=38.5`` nor ``3.85e+01``) that reads back as ``value``.

    The shortest text that reads back as the same float (``repr``), written without an
    exponent, so that the grade an LMS records is the batch's total, to the last digit.
    """
    text = format(Decimal(repr(float(value))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def grade(row: SubmissionRow) -> str:
    """The grade an LMS should record for ``row``: its total with the bonus, or "" when the grader failed on it."""
    if RowStatus(row.status) in FAILED_BY_THE_GRADER:
        return ""
    return number(row.total_with_bonus)


def csv_text(table: list[list[str]]) -> str:
    """``table`` as CSV text (a header row first): commas, double quotes where a cell needs them, one line a row."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(table)
    return out.getvalue()
