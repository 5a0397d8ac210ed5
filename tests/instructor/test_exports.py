"""Every submission arrives, whatever the export: Canvas, Moodle, GitHub Classroom, plain folders,
.zip and .tar.gz archives, notebooks; what is no submission is listed as skipped (no file, not counted); an empty or
unrecognised folder is an error that says what was expected; wrongly named modules are diagnosed.

Most tests only discover and stage (no grading); two batches grade the cheap ``histogram``."""

import csv
import io
import json
import zipfile

import batch_samples
import nbformat
import pytest
from conftest import SOLUTIONS
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.cli import batch as batch_cli
from grader.core import catalog
from grader.instructor import batch, ipynb
from grader.instructor.batch import exports
from grader.writers import gradebook

HISTOGRAM = (SOLUTIONS / "histogram.py").read_text()
BROKEN = "import numpy as np\n\ndef histogram(image):\n    return np.zeros(3)\n"
FAST = ["-e", "histogram", "--examples", "3", "--jobs", "2", "--timeout", "5"]


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _zip(path, files):
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as bundle:
        for name, text in files.items():
            bundle.writestr(name, text)
    return path




def _notebook(path, *, extra_cells=()):
    """A learner's notebook: the reference histogram functions between magics, shell lines and demo code."""
    notebook = new_notebook(cells=[
        new_markdown_cell("# Exercise 3: histograms"),
        new_code_cell("%matplotlib inline\n!pip install numpy\nimport matplotlib.pyplot as plt"),
        new_code_cell(HISTOGRAM),
        new_code_cell("img = plt.imread('cat.png')\nplt.plot(histogram(img))\nfrom grader import check\n"
                      "check('histogram')"),
        *extra_cells,
    ])
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
    return path


def _stage(submission, tmp_path, exercises=("histogram",), **kwargs):
    workdir = tmp_path / f"stage-{submission.id}"
    workdir.mkdir()
    modules, notes, digests = batch.stage(submission, workdir, list(exercises), **kwargs)
    return modules, notes, digests


def _by_id(found):
    return {s.id: s for s in found.submissions}


# -- the layouts -----------------------------------------------------------------------------------
def canvas_export(root):
    """A Canvas "Download submissions" folder: Jane uploaded histogram.py twice (late the second time)."""
    _write(root / "doe_jane_12345_67890_histogram.py", BROKEN)
    _write(root / "doe_jane_LATE_12345_67891_histogram-1.py", HISTOGRAM)
    _write(root / "smith_bob_23456_78901_histogram.py", HISTOGRAM)
    _write(root / "smith_bob_23456_78901_intensity.py", (SOLUTIONS / "intensity.py").read_text())
    _zip(root / "lee_amy_34567_89012_submission.zip", {"submission/histogram.py": HISTOGRAM})
    _write(root / "README.txt", "Submissions for assignment 3")
    return root


def test_canvas_export_keeps_the_latest_resubmission(tmp_path):
    found = exports.discover([canvas_export(tmp_path / "canvas")])
    assert found.layouts == [(str(tmp_path / "canvas"), exports.CANVAS)]
    assert "Canvas" in found.describe()[0] and "3 submissions, 1 skipped (not a submission)" in found.describe()[0]
    subs = _by_id(found)
    assert sorted(subs) == ["README.txt", "doe_jane", "lee_amy", "smith_bob"]
    assert subs["README.txt"].skip == "not a submission: a .txt file"
    assert any("README.txt: skipped (not a submission: a .txt file)" in w for w in found.warnings)
    jane = subs["doe_jane"]
    assert [(name, path.name) for name, path in jane.parts] == [
        ("histogram.py", "doe_jane_LATE_12345_67891_histogram-1.py")]
    modules, notes, _ = _stage(jane, tmp_path)
    assert (modules / "histogram.py").read_text() == HISTOGRAM  # the resubmission, not the first upload
    assert any("latest upload, histogram-1.py (submission 67891)" in note for note in notes)
    assert "Canvas marks it LATE" in notes
    modules, notes, _ = _stage(subs["smith_bob"], tmp_path, ("histogram", "intensity"))
    assert sorted(p.name for p in modules.iterdir()) == ["histogram.py", "intensity.py"]
    assert notes == []
    modules, notes, _ = _stage(subs["lee_amy"], tmp_path)  # a zip uploaded to Canvas
    assert (modules / "histogram.py").read_text() == HISTOGRAM
    assert notes == ["modules found in the subfolder submission/"]  # its zip's own folder, not submission/submission/


def test_a_whole_export_as_one_zip_is_refused_with_the_way_out(tmp_path):
    export = _zip(tmp_path / "submissions.zip", {"doe_jane_12345_67890_histogram.py": HISTOGRAM,
                                                 "smith_bob_23456_78901_histogram.py": HISTOGRAM})
    with pytest.raises(ValueError, match="looks like a Canvas .* export as one zip file: unzip it"):
        exports.discover([export])
    assert [s.id for s in exports.discover([export], single=True).submissions] == ["submissions"]


def test_moodle_export_in_folders_and_as_loose_files(tmp_path):
    root = tmp_path / "moodle"
    _write(root / "Jane Doe_12345_assignsubmission_file_" / "histogram.py", HISTOGRAM)
    _write(root / "Jane Doe_12345_assignsubmission_onlinetext_" / "onlinetext.html", "<p>done</p>")
    _write(root / "Bob Smith_23456_assignsubmission_file_histogram.py", HISTOGRAM)
    found = exports.discover([root])
    assert found.layouts == [(str(root), exports.MOODLE)]
    subs = _by_id(found)
    assert sorted(subs) == ["Bob_Smith", "Jane_Doe"]
    for submission in subs.values():
        modules, notes, _ = _stage(submission, tmp_path)
        assert (modules / "histogram.py").read_text() == HISTOGRAM
        assert modules.name == "submission" and notes == []  # Jane's files are at the top, not in a subfolder


def test_github_classroom_repositories_are_named_by_login(tmp_path):
    root = tmp_path / "hw1-submissions"
    for login in ("janedoe", "bob-smith"):
        _write(root / f"hw1-{login}" / "histogram.py", HISTOGRAM)
        _write(root / f"hw1-{login}" / ".git" / "HEAD", "ref: refs/heads/main\n")
    found = exports.discover([root])
    assert found.layouts == [(str(root), exports.CLASSROOM)]
    assert sorted(_by_id(found)) == ["bob-smith", "janedoe"]
    assert "GitHub Classroom" in found.describe()[0]
    # Git repositories in a folder of any name, too; but folders that merely share a prefix stay as they are.
    other = tmp_path / "clones"
    for login in ("janedoe", "bobsmith"):
        _write(other / f"image-histograms-{login}" / "histogram.py", HISTOGRAM)
        (other / f"image-histograms-{login}" / ".git").mkdir()
    assert sorted(_by_id(exports.discover([other]))) == ["bobsmith", "janedoe"]
    plain = tmp_path / "plain"
    for name in ("student-01", "student-02"):
        _write(plain / name / "histogram.py", HISTOGRAM)
    found = exports.discover([plain])
    assert found.layouts == [(str(plain), exports.FOLDERS)]
    assert sorted(_by_id(found)) == ["student-01", "student-02"]


def plain_folder(root):
    """Folders, a zip, a tar.gz, a notebook, and what is no submission."""
    _write(root / "alice" / "histogram.py", HISTOGRAM)
    _zip(root / "bob.zip", {"bob/histogram.py": HISTOGRAM})
    batch_samples.tar_gz(root / "peggy.tar.gz", {"peggy/exercises/histogram.py": HISTOGRAM, "peggy/notes.txt": "hi"})
    _notebook(root / "carol.ipynb")
    _write(root / "README.txt", "read me")
    _write(root / ".DS_Store", "\0\0\0\1Bud1")
    _write(root / "__MACOSX" / "._alice", "junk")
    return root


def test_a_plain_folder_gives_every_entry_a_row(tmp_path):
    found = exports.discover([plain_folder(tmp_path / "subs")])
    assert found.layouts == [(str(tmp_path / "subs"), exports.FOLDERS)]
    subs = _by_id(found)
    assert sorted(subs) == ["DS_Store", "README.txt", "alice", "bob", "carol", "peggy"]
    assert {i for i, s in subs.items() if s.skip} == {"DS_Store", "README.txt"}
    assert subs["DS_Store"].skip == "not a submission: a macOS Finder file (.DS_Store)"
    assert any("ignored __MACOSX/" in w for w in found.warnings)
    modules, notes, digests = _stage(subs["peggy"], tmp_path)
    assert (modules / "histogram.py").read_text() == HISTOGRAM
    assert notes == ["modules found in the subfolder peggy/exercises/"]
    assert digests == batch.digest_tree(modules.parent.parent)
    # batch.discover is the same list
    assert [s.id for s in batch.discover([tmp_path / "subs"])] == sorted(subs)


@pytest.mark.parametrize("contents", [[], ["README.txt"], ["notes.pdf", ".DS_Store"]])
def test_an_empty_or_unrecognised_folder_is_an_error_that_says_what_was_expected(tmp_path, capsys, contents):
    root = tmp_path / "subs"
    root.mkdir()
    for name in contents:
        _write(root / name, "x")
    with pytest.raises(ValueError, match="no submissions found"):
        exports.discover([root])
    assert batch_cli.main([str(root), "--out", str(tmp_path / "out"), *FAST]) == 2
    message = " ".join(capsys.readouterr().err.split())
    assert "no submissions found in" in message
    assert ("it is empty" if not contents else "it holds only") in message
    for expected in (".zip", ".tar.gz", "Canvas", "Moodle", "GitHub Classroom"):
        assert expected in message
    assert not (tmp_path / "out" / "gradebook.csv").exists()


# -- .tar.gz safety ----------------------------------------------------------------------------------
@pytest.mark.parametrize("files, links, words", [
    ({"../evil.py": "x = 1"}, (), "unsafe path"),
    ({"/tmp/evil.py": "x = 1"}, (), "unsafe path"),
    ({"a/histogram.py": "x = 1"}, [("a/link", "/etc/passwd")], "link"),
    ({"a/histogram.py": "x = 1"}, [("a/up", "../../outside")], "link"),
])
def test_an_unsafe_tar_is_refused_not_extracted(tmp_path, files, links, words):
    archive = batch_samples.tar_gz(tmp_path / "evil.tar.gz", files, links=links)
    destination = tmp_path / "x" / "y"
    destination.mkdir(parents=True)
    with pytest.raises(batch.Unreadable, match=words):
        batch.safe_extract_tar(archive, destination)
    assert not (tmp_path / "x" / "evil.py").exists() and not (tmp_path / "evil.py").exists()
    assert not any(p.is_symlink() for p in destination.rglob("*"))


def test_tar_limits_and_a_corrupt_tar(tmp_path):
    archive = batch_samples.tar_gz(tmp_path / "big.tar.gz", {f"f{i}.py": "x = 1\n" * 200 for i in range(5)})
    with pytest.raises(batch.Unreadable, match="more than 3 entries"):
        batch.safe_extract_tar(archive, tmp_path / "a", batch.ArchiveLimits(max_files=3))
    with pytest.raises(batch.Unreadable, match="larger than"):
        batch.safe_extract_tar(archive, tmp_path / "b", batch.ArchiveLimits(max_file_bytes=100))
    with pytest.raises(batch.Unreadable, match="more than 2000 bytes"):
        batch.safe_extract_tar(archive, tmp_path / "c", batch.ArchiveLimits(max_total_bytes=2000))
    (tmp_path / "corrupt.tar.gz").write_bytes(b"\x1f\x8b not really")
    with pytest.raises(batch.Unreadable, match="cannot be read as a tar"):
        batch.safe_extract_tar(tmp_path / "corrupt.tar.gz", tmp_path / "d")


# -- notebooks ---------------------------------------------------------------------------------------
def test_a_notebook_becomes_the_module_it_stands_for(tmp_path):
    path = _notebook(tmp_path / "homework.ipynb", extra_cells=[
        new_code_cell("%%bash\necho hello"),
        new_code_cell("%%time\nLEVELS = 256\ndef _unused():\n    %time x = 1\n    return LEVELS"),
    ])
    converted = ipynb.convert(path)
    assert converted.magics == ["code cell 1: %matplotlib inline", "code cell 1: !pip install numpy",
                                "code cell 4: %%bash (the whole cell)", "code cell 5: %%time",
                                "code cell 5: %time x = 1"]
    assert converted.top_level == ["code cell 1: import matplotlib.pyplot as plt",  # only the demo code uses it
                                   "code cell 3: img = plt.imread('cat.png')",
                                   "code cell 3: plt.plot(histogram(img))", "code cell 3: from grader import check",
                                   "code cell 3: check('histogram')"]
    assert {"histogram", "cumulative_histogram", "normalised_cdf", "_unused"} <= set(converted.functions)
    assert "LEVELS = 256" in converted.code  # a value a function uses stays
    namespace = {}
    exec(compile(converted.code, "homework.py", "exec"), namespace)  # it imports: no magic, no demo code left
    assert namespace["histogram"](namespace["np"].zeros(3, dtype="uint8"))[0] == 3
    assert ipynb.modules_for(path, converted, ["histogram", "equalisation"]) == ["histogram"]
    assert ipynb.modules_for(path, converted, ["histogram"], {"homework.ipynb": ["equalisation"]}) == ["equalisation"]


def test_a_notebook_that_is_not_python_is_graded_as_a_module_that_does_not_import(tmp_path):
    notebook = new_notebook(cells=[new_code_cell("%load_ext autoreload"),
                                   new_code_cell("def histogram(image)\n    pass")])
    nbformat.write(notebook, str(tmp_path / "Histogram.ipynb"))
    modules, notes, _ = _stage(batch.Submission("hal", tmp_path / "Histogram.ipynb"), tmp_path)
    assert "def histogram(image)" in (modules / "histogram.py").read_text()  # the import fails, and says why
    assert notes[:2] == ["Histogram.ipynb: its 2 code cells became histogram.py (functions histogram)",
                         "Histogram.ipynb: its code is not valid Python: expected ':' (line 1)"]


def test_a_notebook_in_a_submission_is_staged_as_modules(tmp_path):
    _notebook(tmp_path / "dave" / "work" / "homework.ipynb")
    _write(tmp_path / "dave" / "work" / "intensity.py", "x = 1")
    modules, notes, digests = _stage(batch.Submission("dave", tmp_path / "dave"), tmp_path,
                                     ("intensity", "histogram"))
    assert modules.name == "work" and (modules / "histogram.py").exists()
    assert "work/histogram.py" in digests
    assert notes[0] == ("work/homework.ipynb: its 3 code cells became histogram.py "
                        "(functions histogram, cumulative_histogram, normalised_cdf)")
    assert any("left out 2 IPython magic or shell lines" in n and "!pip install numpy" in n for n in notes)
    assert any("left out 5 top-level statements" in n and "import matplotlib.pyplot as plt" in n for n in notes)
    # The instructor's mapping decides; a module the submission has wins over its notebook.
    _write(tmp_path / "erin" / "histogram.py", HISTOGRAM)
    _notebook(tmp_path / "erin" / "homework.ipynb")
    modules, notes, _ = _stage(batch.Submission("erin", tmp_path / "erin"), tmp_path, ("histogram", "intensity"),
                               notebook_map=ipynb.parse_mapping(["homework.ipynb=histogram,intensity"]))
    assert (modules / "histogram.py").read_text() == HISTOGRAM
    assert (modules / "intensity.py").exists()
    assert "homework.ipynb: not used for histogram.py, which the submission has already" in notes
    with pytest.raises(ValueError, match="unknown exercise"):
        ipynb.parse_mapping(["homework.ipynb=histograms"])


# -- wrong names -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, advice", [
    ("Histogram.py", "found Histogram.py: rename it to histogram.py to have it graded"),
    ("histogram_final.py", "found histogram_final.py: rename it to histogram.py to have it graded"),
    ("histogram-v2.py", "found histogram-v2.py: rename it to histogram.py to have it graded"),
    ("histogram (1).py", "found histogram (1).py: rename it to histogram.py to have it graded"),
    ("equalization.py", "found equalization.py: rename it to equalisation.py to have it graded"),
])
def test_wrongly_named_modules_get_the_rename_that_makes_them_count(tmp_path, name, advice):
    _write(tmp_path / "frank" / name, HISTOGRAM)
    _, notes, _ = _stage(batch.Submission("frank", tmp_path / "frank"), tmp_path, ("histogram", "equalisation"))
    assert notes == [f"no exercise modules were found in the submission: {advice}"]


def test_a_wrong_name_beside_right_ones_is_diagnosed_too(tmp_path):
    _write(tmp_path / "gina" / "intensity.py", "x = 1")
    _write(tmp_path / "gina" / "Histogram.py", HISTOGRAM)
    _write(tmp_path / "gina" / "helpers.py", "y = 2")
    _, notes, _ = _stage(batch.Submission("gina", tmp_path / "gina"), tmp_path, ("intensity", "histogram"))
    assert notes == ["found Histogram.py: rename it to histogram.py to have it graded"]


# -- end to end: two small batches -------------------------------------------------------------------
@pytest.mark.slow
def test_batch_of_a_plain_folder_with_a_notebook_a_tar_and_strays(tmp_path, capsys):
    root = plain_folder(tmp_path / "subs")
    _write(root / "wrong" / "Histogram.py", HISTOGRAM)
    batch_samples.tar_gz(root / "evil.tar.gz", {"../evil.py": "x = 1"})
    out = tmp_path / "out"
    assert batch_cli.main([str(root), "--out", str(out), *FAST]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "layout: " + str(root) + ": a folder of submissions" in printed
    assert "warning: README.txt: skipped (not a submission: a .txt file)" in printed
    # README.txt and .DS_Store are no submissions: no row, no file of their own (see test_class_download.py).
    rows = {r["submission"]: r for r in csv.DictReader(io.StringIO((out / "gradebook.csv").read_text()))}
    assert sorted(rows) == ["alice", "bob", "carol", "evil", "peggy", "wrong"]
    status = {name: row["status"] for name, row in rows.items()}
    assert status == {"alice": "graded", "bob": "graded", "carol": "graded", "evil": "unreadable submission",
                      "peggy": "graded", "wrong": "graded"}
    assert not (out / "feedback" / "README.txt.txt").exists() and not (out / "gradescope" / "DS_Store.json").exists()
    full = rows["alice"]["histogram"]
    assert float(full) > 0 and rows["carol"]["histogram"] == rows["peggy"]["histogram"] == full  # notebook = module
    assert rows["wrong"]["histogram"] == "0"
    assert "found Histogram.py: rename it to histogram.py to have it graded" in rows["wrong"]["notes"]
    assert "unsafe path" in rows["evil"]["notes"]
    assert "- README.txt: skipped (not a submission: a .txt file); no feedback, not counted" in (
        out / "summary.md").read_text()
    feedback = (out / "feedback" / "carol.txt").read_text()
    assert "About your submission:" in feedback and "!pip install numpy" in feedback
    assert "%matplotlib inline" in feedback and "plt.plot(histogram(img))" in feedback
    assert "rename it to histogram.py" in (out / "feedback" / "wrong.txt").read_text()
    data = json.loads((out / "batch.json").read_text())
    assert data["settings"]["layout"] == "folders"
    carol = next(r for r in data["rows"] if r["id"] == "carol")
    assert any("!pip install numpy" in line for line in carol["feedback"])
    assert "!pip install numpy" in json.loads((out / "gradescope" / "carol.json").read_text())["output"]
    assert gradebook.audit(batch.load_batch(out), out) == []
    summary = (out / "summary.md").read_text()  # README.txt and .DS_Store are not zeros of the class
    assert f"Mean total with bonus {round(4 * float(full) / 6, 2):g}," in summary and "full marks: 4." in summary


@pytest.mark.slow
def test_batch_of_a_canvas_export_grades_the_latest_upload(tmp_path, capsys):
    root = canvas_export(tmp_path / "canvas")
    out = tmp_path / "out"
    assert batch_cli.main([str(root), "--out", str(out), *FAST]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert 'a Canvas "Download submissions" export; 3 submissions, 1 skipped (not a submission)' in printed
    rows = {r["submission"]: r for r in csv.DictReader(io.StringIO((out / "gradebook.csv").read_text()))}
    assert sorted(rows) == ["doe_jane", "lee_amy", "smith_bob"]
    full = rows["smith_bob"]["histogram"]
    assert float(full) > 0 and rows["doe_jane"]["histogram"] == rows["lee_amy"]["histogram"] == full  # the late fix
    assert "Canvas marks it LATE" in rows["doe_jane"]["notes"]
    assert json.loads((out / "batch.json").read_text())["rows"][0]["status"] == "not graded"  # README.txt, kept
    assert json.loads((out / "batch.json").read_text())["settings"]["layout"] == "canvas"


def test_contract_functions_are_the_catalogs_and_the_solutions_define_them():
    functions = {exercise.name: exercise.functions for exercise in catalog.active().exercises}
    assert functions["histogram"] == ("histogram", "cumulative_histogram", "normalised_cdf")
    for exercise, names in functions.items():
        source = (SOLUTIONS / f"{exercise}.py").read_text()
        assert all(f"def {name}(" in source for name in names), exercise


def test_names_that_differ_only_by_case_get_distinct_ids(tmp_path):
    """'Alice' and 'alice' would share per-submission/<id>.json on a case-insensitive disk (macOS, Windows)."""
    from grader.instructor.batch import exports

    for name in ("Alice", "alice"):
        (tmp_path / "subs" / name).mkdir(parents=True)
        (tmp_path / "subs" / name / "histogram.py").write_text("def histogram(image):\n    return None\n")
    ids = [s.id for s in exports.discover([tmp_path / "subs"]).submissions]
    assert len(ids) == 2 and len({i.casefold() for i in ids}) == 2, ids
