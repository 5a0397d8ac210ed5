"""The LMS import files (grader/writers/lms_*.py) of a hand-built batch, read as each LMS's importer reads them.

Each file is parsed as its LMS documents it (tests/lms_formats.py); the batch's own round trip (a download
of each LMS graded by ``pixelgrade batch``) is tests/instructor/test_lms_round_trip.py.
"""

import csv
import io
import json
import re
from datetime import UTC, datetime

import batch_samples
import pytest
from batch_samples import make_report, make_row
from lms_formats import read_as_canvas, read_as_gradescope_roster, read_as_moodle

from grader.core import results
from grader.core.results import CheckResult
from grader.instructor import batch
from grader.writers import csv_gradebook, gradebook, json_results, lms_canvas, lms_gradescope, lms_moodle, lms_rows

BOM = "\ufeff"


def _identify(row, *, lms, lms_id, name="", late=False):
    row.lms, row.lms_id, row.name, row.late = lms, lms_id, name, late
    return row


def _with_bonus(report, points):
    report.exercises[0].checks.append(CheckResult(
        id="arrays::test_speed", exercise="arrays", function="flatten", title="fast", max_points=points,
        points=points, status=results.PASSED, bonus=True))
    return report


@pytest.fixture
def lms_batch():
    """Two Canvas students of the same name (one late, one with a bonus), two Moodle participants (one the grader
    failed on), a GitHub Classroom login, a plain folder and a README.txt that is no submission."""
    sample = batch_samples.small_batch()
    rows = [
        _identify(make_row("lvarezjos", _with_bonus(make_report(), 1.5)), lms="canvas", lms_id="111",
                  name="álvarezjosé", late=True),
        _identify(make_row("lvarezjos_222", make_report(failing={"arrays::test_flatten"})), lms="canvas",
                  lms_id="222", name="álvarezjosé"),
        _identify(make_row("Jos_lvarez", make_report(failing={"histogram::test_counts"})), lms="moodle",
                  lms_id="48213", name="José Álvarez"),
        _identify(make_row("Zo_Ng", make_report(), status=batch.RowStatus.GRADER_ERROR), lms="moodle",
                  lms_id="48214", name="=Zoë Ng"),
        _identify(make_row("octocat", make_report(failing={"arrays::test_one_hot"})), lms="github-classroom",
                  lms_id="octocat"),
        make_row("plain", make_report()),
        make_row("README.txt", make_report(), status=batch.RowStatus.NOT_A_SUBMISSION),
    ]
    sample.rows = sorted(rows, key=lambda r: r.id)
    sample.batch_ids = [r.id for r in sample.rows]
    return sample


def _totals(sample, lms):
    return {row.lms_id: row.total_with_bonus for row in sample.submission_rows if row.lms == lms}


# -- Canvas ------------------------------------------------------------------------------------------
def test_canvas_import_has_one_row_per_canvas_student_keyed_by_canvas_id(lms_batch):
    titles, students = read_as_canvas(lms_canvas.for_batch(lms_batch).encode())
    assert titles == {"pixelgrade: arrays, histogram": (None, "8")}  # a new assignment, out of max_points
    assert sorted(students) == ["111", "222"]  # no Moodle, GitHub Classroom or plain row, no README.txt
    assert {user: name for user, (name, _) in students.items()} == {"111": "álvarezjosé", "222": "álvarezjosé"}
    totals = _totals(lms_batch, "canvas")
    assert {user: float(grade) for user, (_, grade) in students.items()} == totals
    assert totals["111"] == 9.5  # the total with the bonus, the one total every output uses


def test_canvas_import_fills_the_assignment_the_instructor_names(lms_batch):
    lms_batch.settings["assignment"] = "Homework 1 (12345)"
    titles, _ = read_as_canvas(lms_canvas.for_batch(lms_batch).encode())
    assert titles == {"Homework 1": ("12345", "8")}


# -- Moodle ------------------------------------------------------------------------------------------
def test_moodle_worksheet_keys_participants_and_leaves_no_grade_where_the_grader_failed(lms_batch):
    when = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
    text = lms_moodle.for_batch(lms_batch, written_at=when)
    assert text.splitlines()[0] == ("Identifier,Full name,Email address,Status,Grade,Maximum Grade,"
                                    "Grade can be changed,Last modified (submission),Last modified (grade)")
    assert "Feedback comments" not in text  # its column would replace the comments written in Moodle
    found = read_as_moodle(text.encode())
    assert sorted(found) == ["48213", "48214"]
    name, grade, modified = found["48213"]
    assert (name, float(grade), modified) == ("José Álvarez", lms_batch.row("Jos_lvarez").total_with_bonus, when)
    assert found["48214"][:2] == ("'=Zoë Ng", "")  # a formula never, and no 0 for what the grader failed on
    assert {row["Maximum Grade"] for row in csv.DictReader(io.StringIO(text))} == {"8"}


def test_moodle_worksheet_is_dated_now_by_default(lms_batch):
    before = datetime.now(UTC).replace(microsecond=0)
    (_, _, modified), *_ = read_as_moodle(lms_moodle.for_batch(lms_batch).encode()).values()
    assert before <= modified <= datetime.now(UTC)


# -- Gradescope --------------------------------------------------------------------------------------
def test_gradescope_roster_keys_github_classroom_logins(lms_batch):
    text = lms_gradescope.for_batch(lms_batch)
    assert text.splitlines()[0] == "Name,SID,Email,Total Score,Max Points"
    found = read_as_gradescope_roster(text.encode())
    assert {sid: (name, email, float(total), most) for sid, (name, email, total, most) in found.items()} == {
        "octocat": ("octocat", "", lms_batch.row("octocat").total_with_bonus, "8")}


# -- written with the batch ---------------------------------------------------------------------------
def test_write_all_writes_each_lms_file_as_utf8_without_bom_and_the_audit_reads_them_back(lms_batch, tmp_path):
    written = gradebook.write_all(lms_batch, tmp_path)
    assert {written[w].name for w in ("canvas import", "moodle import", "gradescope roster")} == {
        "canvas-import.csv", "moodle-import.csv", "gradescope-roster.csv"}
    for name in ("canvas-import.csv", "moodle-import.csv", "gradescope-roster.csv"):
        raw = (tmp_path / name).read_bytes()
        assert not raw.startswith(BOM.encode()) and raw.decode("utf-8")  # plain UTF-8
    assert "álvarezjosé".encode() in (tmp_path / "canvas-import.csv").read_bytes()
    assert gradebook.audit(lms_batch, tmp_path) == []
    # A file that lost a student, or changed a grade, is caught when it is read back.
    canvas = tmp_path / "canvas-import.csv"
    canvas.write_text("".join(line for line in canvas.read_text().splitlines(keepends=True) if ",222," not in line))
    moodle = tmp_path / "moodle-import.csv"
    moodle.write_text(moodle.read_text().replace(",6.0,", ",7,").replace(",6,", ",7,"))
    problems = gradebook.audit(lms_batch, tmp_path)
    assert problems == ["canvas-import.csv: 1 student(s) missing or with another grade: 222",
                        "moodle-import.csv: 1 student(s) missing or with another grade: 48213"]


def test_a_batch_without_an_lms_writes_no_import_file_and_removes_an_earlier_one(tmp_path):
    sample = batch_samples.small_batch()  # plain folders: no LMS knows these students
    (tmp_path / "canvas-import.csv").write_text("Student,ID\nsomeone else's,1\n")
    written = gradebook.write_all(sample, tmp_path)
    assert not set(written) & set(gradebook.LMS_IMPORTS)
    assert not any((tmp_path / name).exists()
                   for name in ("canvas-import.csv", "moodle-import.csv", "gradescope-roster.csv"))


def test_gradebook_csv_names_who_each_submission_is_right_after_its_id(lms_batch):
    rows = list(csv.DictReader(io.StringIO(csv_gradebook.for_batch(lms_batch))))
    assert list(rows[0])[:5] == ["submission", "lms_id", "name", "late", "status"]
    assert [(r["submission"], r["lms_id"], r["name"], r["late"]) for r in rows] == [
        ("Jos_lvarez", "48213", "José Álvarez", ""),
        ("Zo_Ng", "48214", "'=Zoë Ng", ""),
        ("lvarezjos", "111", "álvarezjosé", "yes"),
        ("lvarezjos_222", "222", "álvarezjosé", ""),
        ("octocat", "octocat", "", ""),
        ("plain", "", "", ""),
    ]


# -- kept through batch.json and merge ------------------------------------------------------------------
def test_batch_json_keeps_who_each_submission_is_and_an_older_one_reads_as_unknown(lms_batch):
    data = json.loads(json_results.for_batch(lms_batch))
    again = batch.BatchReport.from_dict(data)
    assert [(r.lms, r.lms_id, r.name, r.late) for r in again.rows] == [
        (r.lms, r.lms_id, r.name, r.late) for r in lms_batch.rows]
    for row in data["rows"]:  # a batch.json written before these fields existed
        for key in ("lms", "lms_id", "name", "late"):
            row.pop(key)
    older = batch.BatchReport.from_dict(data)
    assert {(r.lms, r.lms_id, r.name, r.late) for r in older.rows} == {("", "", "", False)}


def test_a_row_from_elsewhere_keeps_its_name_but_no_control_codes():
    row = make_row("x", make_report())
    data = row.to_dict() | {"name": "José\x1b[31m Álvarez\u202e\n", "lms_id": "1\x07", "late": "yes"}
    read = batch.SubmissionRow.from_dict(data)
    assert (read.name, read.lms_id, read.late) == ("José Álvarez", "1", False)  # late only when it is true


def test_merging_shards_keeps_who_each_submission_is(lms_batch):
    shards = []
    for index in (1, 2):
        shard = batch.BatchReport.from_dict(json.loads(json_results.for_batch(lms_batch)))
        shard.rows = batch.select_shard(shard.rows, (index, 2))
        shard.shard = (index, 2)
        shards.append(shard)
    merged = batch.merge(shards)
    when = datetime(2025, 1, 1, tzinfo=UTC)
    assert lms_canvas.for_batch(merged) == lms_canvas.for_batch(lms_batch)
    assert lms_moodle.for_batch(merged, written_at=when) == lms_moodle.for_batch(lms_batch, written_at=when)


def test_numbers_are_plain_digits_that_read_back_as_the_same_float():
    for value in (0.0, 8.0, 9.5, 27.333333333333332, 1e-05, 1e20):
        text = lms_rows.number(value)
        assert re.fullmatch(r"\d+(\.\d+)?", text) and float(text) == value
