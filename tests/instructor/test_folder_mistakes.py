"""Folder mistakes never give a wrong gradebook silently (issue 23, items 3 and 8).

An instructor gives ``pixelgrade batch`` the folder above the class (``classroom/`` holding only
``hw1-submissions/``), the same folder twice, or a Moodle download whose students each uploaded one
``hw1.zip``; ``pixelgrade merge`` is given its own input as ``--out``; a shard is asked for. Each is
graded as meant, with a warning that says what was done, or refused with what to give instead: never
one student's files graded as the whole class, a student graded twice, or a silent zero.

Most tests only discover and stage (no grading); one batch grades the cheap ``histogram``.
"""

import csv
import io
import zipfile

import batch_samples
import pytest
from conftest import SOLUTIONS

from grader.cli import batch as batch_cli
from grader.cli import main as cli
from grader.instructor import batch
from grader.instructor.batch import exports
from grader.writers import gradebook

HISTOGRAM = (SOLUTIONS / "histogram.py").read_text()
FAST = ["-e", "histogram", "--examples", "3", "--jobs", "2", "--timeout", "5"]


def _write(path, text=HISTOGRAM):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _zip(path, files):
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, data in files.items():
            bundle.writestr(name, data)
    return path


def _zip_bytes(files) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, data in files.items():
            bundle.writestr(name, data)
    return buffer.getvalue()




def _classroom(root, logins=("annlee", "bob")):
    """What ``gh classroom clone student-repos`` leaves: ``root/hw1-submissions/hw1-<login>/``."""
    for login in logins:
        _write(root / "hw1-submissions" / f"hw1-{login}" / "histogram.py")
    return root


def _stage(submission, tmp_path, exercises=("histogram",), limits=batch.ArchiveLimits()):
    workdir = tmp_path / f"stage-{submission.id}"
    workdir.mkdir()
    modules, notes, _ = batch.stage(submission, workdir, list(exercises), limits)
    return modules.relative_to((workdir / "submission").resolve()).as_posix(), " ".join(notes)


def _one(found, ident):
    return next(s for s in found.submissions if s.id == ident)


# -- the folder above the class --------------------------------------------------------------------
@pytest.mark.parametrize("strays", [(), ("README.md", ".DS_Store")], ids=["alone", "beside-a-readme"])
def test_the_folder_above_a_classroom_folder_is_graded_as_the_class_with_a_warning(tmp_path, strays):
    root = _classroom(tmp_path / "classroom")
    for stray in strays:
        _write(root / stray, "notes")
    found = exports.discover([root])
    assert [s.id for s in found.submissions] == ["annlee", "bob"]
    assert {s.layout for s in found.submissions} == {exports.CLASSROOM}
    warning = " ".join(found.warnings)
    assert "hw1-submissions" in warning and "graded the submissions in" in warning
    assert found.describe() == [f"{root / 'hw1-submissions'}: {exports.LAYOUT_TITLES[exports.CLASSROOM]}; "
                                "2 submissions"]


def test_a_download_folder_holding_one_moodle_or_canvas_export_is_descended_into(tmp_path):
    moodle = tmp_path / "moodle-download"
    for name in ("Ann Lee_101", "Bob Ray_102"):
        _write(moodle / "Homework 1" / f"{name}_assignsubmission_file_" / "histogram.py")
    found = exports.discover([moodle])
    assert [s.id for s in found.submissions] == ["Ann_Lee", "Bob_Ray"]
    assert "Homework 1" in " ".join(found.warnings)
    canvas = tmp_path / "canvas-download"
    _write(canvas / "submissions" / "leeann_11_21_histogram.py")
    _write(canvas / "submissions" / "raybob_12_22_histogram.py")
    assert [s.id for s in exports.discover([canvas]).submissions] == ["leeann", "raybob"]


def test_plain_student_folders_one_level_down_are_descended_into_but_one_student_is_not(tmp_path):
    for name in ("alice", "bob"):
        _write(tmp_path / "download" / "submissions" / name / "histogram.py")
    assert [s.id for s in exports.discover([tmp_path / "download"]).submissions] == ["alice", "bob"]
    # A class of one: the folder holds one student's folder, which holds modules (in a subfolder too).
    _write(tmp_path / "one" / "alice" / "exercises" / "histogram.py")
    _write(tmp_path / "one" / "alice" / "notes" / "todo.txt", "later")
    found = exports.discover([tmp_path / "one"])
    assert [s.id for s in found.submissions] == ["alice"] and not found.warnings


def test_a_folder_of_several_classes_is_an_error_that_names_the_folders_to_give(tmp_path):
    root = _classroom(tmp_path / "classroom")
    for login in ("annlee", "bob"):
        _write(root / "hw2-submissions" / f"hw2-{login}" / "histogram.py")
    with pytest.raises(ValueError) as error:
        exports.discover([root])
    message = str(error.value)
    assert "hw1-submissions" in message and "hw2-submissions" in message
    assert str(root / "hw1-submissions") in message  # the path to give instead


def test_a_submission_holding_several_students_folders_is_refused_not_one_student_picked(tmp_path):
    """A late/ folder among the students (or any one "submission" holding a class) is no one's work."""
    root = tmp_path / "submissions"
    _write(root / "alice" / "histogram.py")
    for name in ("carl", "dana"):
        _write(root / "late" / name / "histogram.py")
    late = _one(exports.discover([root]), "late")
    with pytest.raises(batch.Unreadable) as error:
        _stage(late, tmp_path)
    message = str(error.value)
    assert "carl/" in message and "dana/" in message and "folder of submissions" in message


def test_a_copy_of_the_course_grades_its_exercises_folder_not_its_solutions(tmp_path):
    """A learner's repository is a copy of the course: exercises/ beside solutions/ is one submission."""
    repo = tmp_path / "hw1-annlee"
    _write(repo / "exercises" / "arrays.py", "def flatten(a):\n    return a\n")
    _write(repo / "exercises" / "histogram.py", "def histogram(image):\n    return None\n")
    _write(repo / "solutions" / "arrays.py")
    _write(repo / "solutions" / "histogram.py")
    _write(repo / "solutions" / "intensity.py")  # more modules there than in exercises/
    modules, notes = _stage(batch.Submission("annlee", repo), tmp_path, ["arrays", "histogram", "intensity"])
    assert modules == "exercises"
    assert "solutions/" in notes
    _write(repo / "histogram.py")  # modules at the top win, as they always did
    assert _stage(batch.Submission("top", repo), tmp_path) == (".", "")


def test_a_class_zipped_into_one_file_is_refused_with_the_way_out(tmp_path):
    archive = _zip(tmp_path / "hw1-submissions.zip", {"hw1-submissions/hw1-annlee/histogram.py": HISTOGRAM,
                                                     "hw1-submissions/hw1-bob/histogram.py": HISTOGRAM})
    with pytest.raises(ValueError, match="unzip"):
        exports.discover([archive])
    # One student's zip with a backup of their own module inside the folder graded is fine.
    own = _zip(tmp_path / "alice.zip", {"alice/histogram.py": HISTOGRAM, "alice/old/histogram.py": HISTOGRAM})
    assert [s.id for s in exports.discover([own]).submissions] == ["alice"]


# -- the same folder twice ---------------------------------------------------------------------------
def test_the_same_folder_given_twice_is_graded_once_with_a_warning(tmp_path):
    root = _classroom(tmp_path / "classroom") / "hw1-submissions"
    found = exports.discover([root, root])
    assert [s.id for s in found.submissions] == ["annlee", "bob"]
    assert any("given twice" in w for w in found.warnings)
    (tmp_path / "link").symlink_to(root, target_is_directory=True)
    assert [s.id for s in exports.discover([root, tmp_path / "link"]).submissions] == ["annlee", "bob"]


def test_a_folder_and_one_of_its_own_entries_are_graded_once(tmp_path):
    root = tmp_path / "submissions"
    _write(root / "alice" / "histogram.py")
    _write(root / "bob" / "exercises" / "histogram.py")
    _zip(root / "carol.zip", {"histogram.py": HISTOGRAM})
    _write(root / "README.txt", "the class")
    for extra in ("alice", "carol.zip", "bob/exercises"):
        found = exports.discover([root, root / extra])
        assert [s.id for s in found.submissions] == ["README.txt", "alice", "bob", "carol"], extra
        assert any("already" in w for w in found.warnings), extra
    found = exports.discover([root / "alice", root])
    assert [s.id for s in found.submissions] == ["README.txt", "alice", "bob", "carol"]


def test_two_different_students_of_the_same_name_still_get_two_ids(tmp_path):
    _write(tmp_path / "section-a" / "annlee" / "histogram.py")
    _write(tmp_path / "section-b" / "annlee" / "histogram.py")
    found = exports.discover([tmp_path / "section-a", tmp_path / "section-b"])
    assert [s.id for s in found.submissions] == ["annlee", "annlee-2"] and not found.warnings


# -- an archive inside a submission ------------------------------------------------------------------
@pytest.mark.parametrize("archive", ["hw1.zip", "hw1.tar.gz"])
def test_a_moodle_submission_that_is_one_archive_is_opened_and_the_row_says_so(tmp_path, archive):
    student = tmp_path / "moodle" / "Ann Lee_101_assignsubmission_file_"
    files = {"hw1/histogram.py": HISTOGRAM, "hw1/notes.txt": "done"}
    (_zip if archive.endswith(".zip") else batch_samples.tar_gz)(student / archive, files)
    submission = exports.discover([tmp_path / "moodle"]).submissions[0]
    modules, notes = _stage(submission, tmp_path)
    assert modules == "hw1"  # the archive's own folder, not hw1/hw1/
    assert f"opened {archive}" in notes
    assert "no exercise modules were found" not in notes


def test_an_archive_inside_a_submission_that_cannot_be_opened_says_why(tmp_path):
    student = tmp_path / "moodle" / "Ann Lee_101_assignsubmission_file_"
    _write(student / "hw1.zip", "PK\x03\x04 not a zip")
    submission = exports.discover([tmp_path / "moodle"]).submissions[0]
    with pytest.raises(batch.Unreadable) as error:
        _stage(submission, tmp_path)
    assert "hw1.zip" in str(error.value) and "cannot be read as a zip" in str(error.value)


def test_an_archive_inside_a_submission_has_the_limits_of_a_top_level_one(tmp_path):
    student = tmp_path / "github" / "hw1-annlee"
    _zip(student / "hw1.zip", {"histogram.py": HISTOGRAM, "big.bin": b"\0" * 200_000})
    with pytest.raises(batch.Unreadable, match="hw1.zip.*larger than"):
        _stage(batch.Submission("annlee", student), tmp_path, limits=batch.ArchiveLimits(max_file_bytes=100_000))


def test_the_archives_inside_a_submission_share_its_limits(tmp_path):
    """A folder of many small zips, each within the limits, is no way round them: what they hold adds up."""
    student = tmp_path / "github" / "hw1-annlee"
    _zip(student / "a.zip", {"histogram.py": HISTOGRAM, "pad.bin": b"\0" * 40_000})
    for name in ("b", "c", "d"):
        _zip(student / f"{name}.zip", {"pad.bin": b"\0" * 40_000})
    workdir = tmp_path / "stage"
    workdir.mkdir()
    limits = batch.ArchiveLimits(max_total_bytes=100_000)
    modules, notes, _ = batch.stage(batch.Submission("annlee", student), workdir, ["histogram"], limits)
    assert (modules / "histogram.py").exists()
    assert "c.zip, in it, cannot be opened" in " ".join(notes) and "d.zip, in it, cannot be opened" in " ".join(notes)
    staged = sum(p.stat().st_size for p in (workdir / "submission").rglob("*") if p.is_file())
    assert staged <= limits.max_total_bytes


def test_an_archive_inside_an_archive_is_opened_one_level_only(tmp_path):
    inner = _zip_bytes({"histogram.py": HISTOGRAM})
    student = tmp_path / "moodle" / "Ann Lee_101_assignsubmission_file_"
    _zip(student / "outer.zip", {"inner.zip": inner})
    submission = exports.discover([tmp_path / "moodle"]).submissions[0]
    _, notes = _stage(submission, tmp_path)
    assert "opened outer.zip" in notes and "inner.zip" in notes and "not opened" in notes
    # A module beside an archive: the archive is left alone (it is no part of what is graded).
    _zip(tmp_path / "alice" / "backup.zip", {"histogram.py": "broken"})
    _write(tmp_path / "alice" / "histogram.py")
    assert _stage(batch.Submission("alice", tmp_path / "alice"), tmp_path) == (".", "")


def test_a_canvas_zip_whose_only_folder_is_named_like_it_is_not_reported_twice(tmp_path):
    root = tmp_path / "canvas"
    _zip(root / "leeann_11_21_hw1.zip", {"hw1/histogram.py": HISTOGRAM})
    _write(root / "leeann_11_21_report.txt", "my report")
    _zip(root / "raybob_12_22_hw1.zip", {"hw1/histogram.py": HISTOGRAM})
    found = exports.discover([root])
    for ident in ("leeann", "raybob"):
        modules, notes = _stage(_one(found, ident), tmp_path)
        assert modules == "hw1" and "hw1/hw1" not in notes, ident


# -- merge and shards ---------------------------------------------------------------------------------
def _shards(tmp_path):
    small = batch_samples.small_batch()
    for index, ids in ((1, {"alice", "carol"}), (2, {"bob"})):
        part = batch.BatchReport.from_dict(small.to_dict())
        part.shard, part.rows = (index, 2), [row for row in part.rows if row.id in ids]
        gradebook.write_all(part, tmp_path / f"shard{index}")
    return tmp_path / "shard1", tmp_path / "shard2"


@pytest.mark.parametrize("out", ["shard1", "shard1/batch.json-as-input", "shard2/.", "shard1/merged"],
                         ids=["an-input", "the-folder-of-an-input-file", "an-input-spelled-otherwise", "inside"])
def test_merge_refuses_an_out_folder_that_is_one_of_its_inputs(tmp_path, capsys, out):
    one, two = _shards(tmp_path)
    inputs = [str(one), str(two)]
    if out.endswith("-as-input"):
        out, inputs = "shard1", [str(one / "batch.json"), str(two)]
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert cli.main(["merge", *inputs, "--out", str(tmp_path / out)]) == 2
    assert "--out" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before  # nothing written


def test_discovery_warns_only_about_the_rows_of_its_shard(tmp_path):
    root = tmp_path / "submissions"
    for name in ("annlee", "bob"):
        _write(root / name / "histogram.py")
    _write(root / "README.txt", "the class")  # id README.txt: first in id order, so in shard 1 of 2
    assert any("README.txt" in w for w in exports.discover([root], shard=(1, 2)).warnings)
    assert not any("README.txt" in w for w in exports.discover([root], shard=(2, 2)).warnings)
    assert any("README.txt" in w for w in exports.discover([root]).warnings)


def test_a_shard_grades_the_class_inside_a_folder_and_warns_about_its_own_rows_only(tmp_path, capsys):
    classroom = _classroom(tmp_path / "classroom")  # annlee, bob
    plain = tmp_path / "plain"
    _zip(plain / "carl" / "hw1.zip", {"hw1/histogram.py": HISTOGRAM})  # as a Moodle student uploads it
    _write(plain / "README.txt", "the class")
    # In id order README.txt, annlee, bob, carl: shard 2 of 2 grades annlee and carl; README.txt is shard 1's.
    out = tmp_path / "out"
    assert batch_cli.main([str(classroom), str(plain), "--shard", "2/2", "--out", str(out), *FAST]) == 0
    printed = capsys.readouterr()
    shown = " ".join((printed.out + printed.err).split())
    assert "README.txt" not in shown
    assert "it holds only the folder of submissions hw1-submissions/: graded the submissions in" in shown
    rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8"))))
    assert [(row["submission"], row["status"]) for row in rows] == [("annlee", "graded"), ("carl", "graded")]
    assert rows[0]["total_with_bonus"] == rows[1]["total_with_bonus"] == rows[1]["max_points"]
    assert "opened hw1.zip" in rows[1]["notes"] and "no exercise modules" not in rows[1]["notes"]
