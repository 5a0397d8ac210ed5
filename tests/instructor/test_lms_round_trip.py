"""A class download from each LMS graded by ``pixelgrade batch`` and imported back (issue 23, item 2).

A Canvas "Download submissions" folder (a LATE upload, two students of the same name, non-ASCII names as
Canvas writes them), a Moodle "Download all submissions" folder (``José Álvarez_48213_assignsubmission_file_/``)
and a GitHub Classroom folder (``hw1-submissions/hw1-<login>/``) are graded in one batch of the cheap
``histogram``; each import file it writes is then read exactly as its LMS's importer documents it
(tests/lms_formats.py): one row per student keyed by the LMS's own id, the names as the LMS wrote them,
the grades equal to the batch's totals, late submissions marked in the gradebook.

Set ``PIXELGRADE_KEEP_IMPORTS=DIR`` to keep the batch's outputs (the import files among them) in DIR.
"""

import csv
import io
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import SOLUTIONS
from lms_formats import read_as_canvas, read_as_gradescope_roster, read_as_moodle

from grader.cli import batch as batch_cli
from grader.instructor import batch
from grader.instructor.batch import exports
from grader.writers import gradebook

HISTOGRAM = (SOLUTIONS / "histogram.py").read_text()
BROKEN = "import numpy as np\n\ndef histogram(image):\n    return np.zeros(3)\n"
FAST = ["-e", "histogram", "--examples", "3", "--jobs", "2", "--timeout", "5"]
ASSIGNMENT = "Homework 1 (12345)"


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _canvas_download(root):
    """Canvas writes names lower-case with the separators taken out; two José Álvarez, one of them late."""
    _write(root / "álvarezjosé_LATE_111_5001_histogram.py", HISTOGRAM)
    _write(root / "álvarezjosé_222_5002_histogram.py", BROKEN)
    _write(root / "doejane_333_5003_histogram.py", HISTOGRAM)
    _write(root / "README.txt", "Submissions for Homework 1")
    return root


def _moodle_download(root):
    _write(root / "José Álvarez_48213_assignsubmission_file_" / "histogram.py", HISTOGRAM)
    _write(root / "Zoë Ng_48214_assignsubmission_file_" / "histogram.py", BROKEN)
    return root


def _classroom_download(root):
    """What ``gh classroom clone student-repos`` leaves: <assignment>-submissions/<assignment>-<login>/."""
    _write(root / "hw1-octocat" / "histogram.py", HISTOGRAM)
    _write(root / "hw1-monalisa" / "histogram.py", BROKEN)
    return root


def test_discovery_keeps_who_each_submission_is_as_its_lms_says(tmp_path):
    downloads = [_canvas_download(tmp_path / "canvas"), _moodle_download(tmp_path / "moodle"),
                 _classroom_download(tmp_path / "hw1-submissions")]
    _write(tmp_path / "plain" / "alice" / "histogram.py", HISTOGRAM)
    found = exports.discover([*downloads, tmp_path / "plain"])
    who = {s.id: (s.lms, s.lms_id, s.name, s.late) for s in found.gradable}
    assert who == {
        "lvarezjos__111": ("canvas", "111", "álvarezjosé", True),  # Canvas's LATE
        "lvarezjos__222": ("canvas", "222", "álvarezjosé", False),
        "doejane": ("canvas", "333", "doejane", False),
        "Jos_lvarez": ("moodle", "48213", "José Álvarez", False),  # Moodle's participant id
        "Zo_Ng": ("moodle", "48214", "Zoë Ng", False),
        "monalisa": ("github-classroom", "monalisa", "", False),  # the login
        "octocat": ("github-classroom", "octocat", "", False),
        "alice": ("", "", "", False),  # a plain folder: no LMS knows her
    }
    assert [s.lms for s in found.not_graded] == [""]  # README.txt


def test_assignment_must_name_a_column():
    parser = batch_cli.build_parser()
    assert parser.parse_args(["x", "--assignment", " Homework 1\n(12345) "]).assignment == "Homework 1 (12345)"
    with pytest.raises(SystemExit) as refused:
        parser.parse_args(["x", "--assignment", "  "])
    assert refused.value.code == 2


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("lms")
    downloads = [_canvas_download(base / "canvas"), _moodle_download(base / "moodle"),
                 _classroom_download(base / "hw1-submissions")]
    kept = os.environ.get("PIXELGRADE_KEEP_IMPORTS")
    out = Path(kept).resolve() if kept else base / "out"
    started = datetime.now(UTC).replace(microsecond=0)
    code = batch_cli.main([*map(str, downloads), "--out", str(out), "--assignment", ASSIGNMENT, *FAST])
    return {"code": code, "out": out, "report": batch.load_batch(out), "started": started}


def _totals(report, lms):
    return {row.lms_id: row.total_with_bonus for row in report.submission_rows if row.lms == lms}


@pytest.mark.slow
def test_the_batch_grades_every_download_and_writes_each_lms_file(graded):
    assert graded["code"] == 0
    out = graded["out"]
    assert sorted(p.name for p in out.glob("*.csv")) == [
        "canvas-import.csv", "gradebook.csv", "gradescope-roster.csv", "moodle-import.csv"]
    assert gradebook.audit(graded["report"], out) == []
    rows = graded["report"].submission_rows
    assert {row.status for row in rows} == {batch.RowStatus.GRADED}
    assert len({row.total_with_bonus for row in rows}) == 2  # the reference's histogram, and a broken one


@pytest.mark.slow
def test_canvas_import_is_keyed_by_canvas_user_id(graded):
    assignments, students = read_as_canvas((graded["out"] / "canvas-import.csv").read_bytes())
    report = graded["report"]
    assert assignments == {"Homework 1": ("12345", f"{report.max_total:g}")}
    assert sorted(students) == ["111", "222", "333"]  # README.txt is no student
    assert {user: name for user, (name, _) in students.items()} == {
        "111": "álvarezjosé", "222": "álvarezjosé", "333": "doejane"}  # the same name, two Canvas ids
    assert {user: float(grade) for user, (_, grade) in students.items()} == _totals(report, "canvas")
    assert float(students["111"][1]) > float(students["222"][1])  # the late one is the working one


@pytest.mark.slow
def test_moodle_worksheet_is_keyed_by_participant_id(graded):
    found = read_as_moodle((graded["out"] / "moodle-import.csv").read_bytes())
    assert sorted(found) == ["48213", "48214"]
    assert {pid: name for pid, (name, _, _) in found.items()} == {"48213": "José Álvarez", "48214": "Zoë Ng"}
    assert {pid: float(grade) for pid, (_, grade, _) in found.items()} == _totals(graded["report"], "moodle")
    for _, _, modified in found.values():  # the grades are dated when the file was written
        assert graded["started"] - timedelta(seconds=1) <= modified <= datetime.now(UTC)


@pytest.mark.slow
def test_gradescope_roster_is_keyed_by_github_login(graded):
    found = read_as_gradescope_roster((graded["out"] / "gradescope-roster.csv").read_bytes())
    assert sorted(found) == ["monalisa", "octocat"]
    assert {sid: float(total) for sid, (_, _, total, _) in found.items()} == _totals(graded["report"],
                                                                                       "github-classroom")


@pytest.mark.slow
def test_gradebook_names_who_each_submission_is_and_marks_the_late_one(graded):
    text = (graded["out"] / "gradebook.csv").read_text(encoding="utf-8")
    rows = {r["submission"]: r for r in csv.DictReader(io.StringIO(text))}
    who = {r["submission"]: (r["lms_id"], r["name"], r["late"]) for r in rows.values()}
    assert who == {
        "lvarezjos__111": ("111", "álvarezjosé", "yes"),  # ids name files (ASCII); the name is the LMS's
        "lvarezjos__222": ("222", "álvarezjosé", ""),
        "doejane": ("333", "doejane", ""),
        "Jos_lvarez": ("48213", "José Álvarez", ""),
        "Zo_Ng": ("48214", "Zoë Ng", ""),
        "monalisa": ("monalisa", "", ""),
        "octocat": ("octocat", "", ""),
    }
    data = json.loads((graded["out"] / "batch.json").read_text(encoding="utf-8"))
    late = [(row["lms"], row["lms_id"]) for row in data["rows"] if row.get("late")]
    assert late == [("canvas", "111")]
