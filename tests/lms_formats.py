"""The LMS import files read as each LMS's importer documents it (no pixelgrade code): what the tests check them with.

- Canvas's Gradebook import (Canvas Instructor Guide, "How do I import grades in the Gradebook?"; the
  importer, app/models/gradebook_importer.rb in instructure/canvas-lms): a header whose first cell holds
  "Student" and second "ID"; with "SIS User ID" and "SIS Login ID" third and fourth, five student columns
  ending with "Section"; then one column per assignment, "<title> (<assignment id>)" (a title alone makes
  a new assignment); a row whose first cell holds "Points Possible"; every other row a student, found by
  the ID column (Canvas's user id).
- Moodle's offline grading worksheet upload (mod/assign/feedback/offline/importgradeslib.php in
  moodle/moodle): the columns named "Identifier", "Grade" and "Last modified (grade)" (the upload fails
  without one of them); the participant id is what follows "Participant " in the Identifier.
- Gradescope's roster (Gradescope Help, "Adding Students and Staff"): a header row naming the columns, a
  name, an email and an SID per student; the score in the column Gradescope's grade export calls "Total Score".
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

PARTICIPANT = "Participant "


def _utf8(raw: bytes) -> str:
    assert not raw.startswith(b"\xef\xbb\xbf"), "a byte-order mark would become part of the first header"
    return raw.decode("utf-8")


def read_as_canvas(raw: bytes) -> tuple[dict, dict]:
    """({assignment title: (assignment id or None, points possible)}, {Canvas user id: (name, grade)})."""
    table = list(csv.reader(io.StringIO(_utf8(raw))))
    header = table[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1], header
    assert re.fullmatch(r"SIS\s+User\s+ID", header[2]) and re.fullmatch(r"SIS\s+Login\s+ID", header[3]), header
    assert "Section" in header[4], header  # the last student column: what follows are assignments
    possible = [row for row in table[1:] if "Points Possible" in row[0]]
    assert len(possible) == 1, "one Points Possible row"
    assignments = {}
    for index, title in enumerate(header[5:], start=5):
        match = re.fullmatch(r"(.*?)(?: \((\d+)\))?", title)  # Canvas's Assignment.title_and_id
        assignments[match[1]] = (match[2], possible[0][index])
    students = {}
    for row in table[1:]:
        if "Points Possible" in row[0]:
            continue
        assert len(row) == len(header) and row[1].isdigit(), row
        assert row[1] not in students, f"user {row[1]} twice"
        students[row[1]] = (row[0], row[5])
    return assignments, students


def read_as_moodle(raw: bytes) -> dict:
    """{participant id: (full name, grade, last modified (grade))} as Moodle's worksheet upload reads it."""
    rows = list(csv.DictReader(io.StringIO(_utf8(raw))))
    assert rows and {"Identifier", "Grade", "Last modified (grade)"} <= set(rows[0]), rows[:1]
    found = {}
    for row in rows:
        assert row["Identifier"].startswith(PARTICIPANT), row
        participant = row["Identifier"][len(PARTICIPANT):]
        assert participant.isdigit() and participant not in found, row
        found[participant] = (row["Full name"], row["Grade"], datetime.fromisoformat(row["Last modified (grade)"]))
    return found


def read_as_gradescope_roster(raw: bytes) -> dict:
    """{SID: (name, email, total score, max points)} of a Gradescope roster with scores."""
    rows = list(csv.DictReader(io.StringIO(_utf8(raw))))
    assert rows and {"Name", "SID", "Email", "Total Score"} <= set(rows[0]), rows[:1]
    found = {}
    for row in rows:
        assert row["SID"] and row["SID"] not in found, row
        found[row["SID"]] = (row["Name"], row["Email"], row["Total Score"], row["Max Points"])
    return found
