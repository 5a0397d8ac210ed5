"""Every writer, fed hostile names and messages: each format escapes what it quotes, one submission's
output stays small, and the learner-facing ones name no path of the grading machine."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from conftest import PROJECT_ROOT
from rich.console import Console

from grader.core import results
from grader.core.results import CheckResult, ExerciseResult, GradeReport
from grader.instructor import batch as batches
from grader.writers import (
    batch_report,
    class_report,
    csv_gradebook,
    gradebook,
    gradescope,
    json_results,
    junit_xml,
    learner_feedback,
    markdown,
    notebook_html,
    terminal,
)

MNIST = "/srv/course-data/mnist-10k.npz"
TARGET = "/home/instructor/class-canvas/mallory_123_456_histogram.py"
HOSTILE = ("<script>alert(1)</script> `code` | pipe [link](http://evil.example) **bold** ~~gone~~ "
           "\x1b[31mred\x1b[0m\x1b]0;retitled\x07\x1b[2J \u202eevil =cmd|' /C calc'!A0\r\nsecond line")
# What none of the outputs may hold: the escape codes, the bell, the bidirectional override, a bare CR.
FORBIDDEN = ("\x1b[31m", "\x1b]0;", "\x1b[2J", "\x07", "\u202e", "\r")


def _check(name, status, message="", *, snippet="", hidden=False):
    return CheckResult(id=f"histogram::{name}", exercise="histogram", function="histogram", title=f"{name} {HOSTILE}",
                       max_points=2.0, points=2.0 if status == results.PASSED else 0.0, status=status,
                       message=message, snippet=snippet, hidden=hidden, picture="/tmp/pixelgrade-pictures/x.png")


def _report() -> GradeReport:
    traceback = (f'Traceback: File "{PROJECT_ROOT}/course/imagecourse/mnist.py", line 40\n'
                 f"FileNotFoundError: {MNIST} is not there")
    histogram = ExerciseResult("histogram", "Histograms", 3, [
        _check("counts", results.FAILED, f"Called `histogram(x)`: it raised ValueError: {HOSTILE}" + "!" * 50_000,
               snippet=f"print(histogram({HOSTILE!r}))"),
        _check("sums", results.GRADER_ERROR, f"pixelgrade itself failed while running this check:\n{traceback}"),
        _check("secret", results.FAILED, f"hidden input {HOSTILE}", hidden=False),
    ])
    intensity = ExerciseResult("intensity", "Point transforms", 2, [
        CheckResult("intensity::a", "intensity", "negative", "a", 1, status=results.NOT_STARTED, message="stub")])
    return GradeReport(target=TARGET, exercises=[intensity, histogram], settings={"isolation": f"plain {HOSTILE}"})


@pytest.fixture
def hostile(monkeypatch):
    monkeypatch.setenv("PIXELGRADE_MNIST", MNIST)
    report = _report()
    rows = [
        batches.SubmissionRow("mallory", TARGET, batches.RowStatus.GRADER_ERROR, report,
                              notes=[f"modules found in the subfolder {HOSTILE}/", "x" * 1_000_000] * 40,
                              feedback=[f"{HOSTILE}.ipynb: its 3 code cells became histogram.py"]),
        batches.SubmissionRow("README.txt", "/home/instructor/class/README.txt", batches.RowStatus.NOT_A_SUBMISSION,
                              batches.not_graded_report("README.txt", {}, ["histogram"], "not a submission"),
                              notes=["not a submission: a .txt file"]),
    ]
    return batches.BatchReport(exercises=["intensity", "histogram"], rows=rows, warnings=[f"warning {HOSTILE}"],
                               settings={"isolation": f"plain {HOSTILE}"}, batch_ids=["README.txt", "mallory"])


def _clean(text: str, where: str) -> None:
    for bad in FORBIDDEN:
        assert bad not in text, f"{where} holds {bad!r}"


def _no_grader_path(text: str, where: str) -> None:
    for path in (TARGET, "/home/instructor", str(PROJECT_ROOT), MNIST, "/tmp/", "--target"):
        assert path not in text, f"{where} names {path!r}"
    assert not re.search(r"""(?:^|[\s"'(=])/[^\s"'/]+/""", text), f"{where} holds an absolute path"


def test_the_row_bounds_what_one_submission_adds(hostile):
    row = hostile.row("mallory")
    assert len(row.notes) == batch_report.MAX_NOTES and sum(map(len, row.notes)) < 40_000
    assert all("\n" not in note and "\x1b" not in note for note in row.notes + row.feedback + hostile.warnings)


def test_csv_cells_are_never_formulas_and_read_back(hostile):
    text = csv_gradebook.for_batch(hostile)
    _clean(text, "gradebook.csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[0] for r in rows[1:]] == ["mallory"]  # README.txt is no submission: no row
    for cell in (c for r in rows for c in r):
        assert not cell.lstrip().startswith(("=", "+", "-", "@")), cell[:80]
    assert len(text) < 20_000


def test_markdown_escapes_and_counts_only_submissions(hostile):
    text = markdown.for_batch(hostile)
    _clean(text, "summary.md")
    assert "<script" not in text and "`code`" not in text and "[link](" not in text and "**bold**" not in text
    assert text.startswith("## pixelgrade: 1 submission\n")
    header = next(line for line in text.splitlines() if line.startswith("| submission |"))
    columns = len(re.findall(r"(?<!\\)\|", header))
    for line in (line for line in text.splitlines() if line.startswith("| mallory")):
        assert len(re.findall(r"(?<!\\)\|", line)) == columns, line[:200]  # no cell split by a pipe of its own
    assert "- README.txt: skipped (not a submission: a .txt file); no feedback, not counted" in text
    assert "README.txt |" not in text
    learner = markdown.for_report(hostile.row("mallory").report, learner_view=True)
    _clean(learner, "a CI summary")
    _no_grader_path(learner, "a CI summary")
    assert "<script" not in learner and "not your fault" in learner


def test_junit_is_well_formed_without_escape_codes(hostile):
    text = junit_xml.for_batch(hostile)
    _clean(text, "junit.xml")
    root = ET.fromstring(text)
    assert [suite.get("name") for suite in root.iter("testsuite")] == ["mallory"]
    assert len(text) < 100_000


def test_json_and_the_class_report_escape(hostile):
    data = json.loads(json_results.for_batch(hostile))
    assert data["rows"][0]["notes"][0].startswith("modules found")
    page = class_report.class_report_html(hostile)
    _clean(page, "report.html")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "1 submission," in page and "README.txt: skipped" in page


def test_learner_facing_outputs_are_clean_small_and_name_no_grader_path(hostile):
    row = hostile.row("mallory")
    feedback = learner_feedback.for_row(row)
    results_json = gradescope.for_row(row)
    outputs = {"feedback": feedback, "gradescope": json.dumps(results_json, ensure_ascii=False),
               "notebook": notebook_html.report_html(row.report, learner_view=True)}
    for where, text in outputs.items():
        _clean(text, where)
        _no_grader_path(text, where)
        assert "FileNotFoundError" not in text and "mnist.py" not in text, where  # no grader internals
    assert len(feedback) <= learner_feedback.MAX_CHARS
    assert all(len(test["output"]) <= gradescope.MAX_TEST_OUTPUT for test in results_json["tests"])
    assert "Edit    intensity.py" in feedback and "Read    docs/02-intensity.md" in feedback
    assert "pixelgrade itself failed in 1 check(s) (not your fault)" in feedback
    assert "<script>" not in outputs["notebook"]


def test_the_terminal_shows_no_escape_code_of_a_learners(hostile):
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, force_terminal=True, color_system="truecolor")
    terminal.print_report(hostile.row("mallory").report, console, verbose=True)
    shown = buffer.getvalue()
    _clean(shown.replace("\x1b[", "CSI"), "the terminal")  # rich's own colours aside
    for sequence in ("\x1b[31mred", "\x1b]0;", "\x1b[2J", "\x1b[H"):
        assert sequence not in shown


def test_only_submissions_get_files_and_outputs_stay_small(hostile, tmp_path):
    (tmp_path / "feedback").mkdir()
    (tmp_path / "feedback" / "README.txt.txt").write_text("planted")
    gradebook.write_all(hostile, tmp_path)
    for folder in ("feedback", "gradescope", "per-submission"):
        assert sorted(p.stem for p in (tmp_path / folder).iterdir()) == ["mallory"], folder
    assert gradebook.audit(hostile, tmp_path) == []
    assert sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file()) < 1_500_000
