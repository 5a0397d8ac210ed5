"""The class report (grader/writers/class_report.py): its data, its page, and the page in a real browser."""

from __future__ import annotations

import shutil

import pytest

from grader.core import results
from grader.core.results import CheckResult, ExerciseResult, GradeReport
from grader.instructor import batch as batches
from grader.writers import class_report

CHROMIUM = next((path for path in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if path), None)


def _check(exercise, name, status, *, points=1.0, function="f", message="", misconception="", bonus=False,
           measurements=None):
    return CheckResult(id=f"{exercise}::{name}", exercise=exercise, function=function, title=name.replace("_", " "),
                       max_points=points, points=points if status == results.PASSED else 0.0, status=status,
                       message=message, misconception=misconception, bonus=bonus, measurements=measurements or {})


def _row(identifier, exercises, status=batches.RowStatus.GRADED, notes=()):
    report = GradeReport(target=identifier, exercises=exercises)
    return batches.SubmissionRow(id=identifier, source=identifier, status=status, report=report, notes=list(notes))


def _convolution(correlates: bool, fast: float | None):
    wrong = ("This looks like a common mistake, correlation instead of convolution: the kernel ...\n"
             "Called `convolve2d(image: uint8 (1, 3), kernel: float64 (3, 3))`: returned ...")
    checks = [
        _check("convolution", "matches_scipy", results.FAILED if correlates else results.PASSED, points=3,
               function="convolve2d", message=wrong if correlates else "",
               misconception="correlation-not-convolution" if correlates else ""),
        _check("convolution", "pad_matches_numpy", results.PASSED, points=2, function="pad"),
        _check("convolution", "convolve2d_speed", results.PASSED if fast and fast <= 10 else results.FAILED,
               function="convolve2d", bonus=True, measurements={"ratio": fast} if fast else {}),
    ]
    return ExerciseResult("convolution", "Padding and convolution", 5, checks)


def _histogram(right: bool):
    checks = [_check("histogram", "histogram_counts", results.PASSED if right else results.FAILED, points=2,
                     function="histogram", message="" if right else "Called `histogram(image: uint8 (2, 2))`: ...")]
    return ExerciseResult("histogram", "Histograms", 3, checks)


@pytest.fixture
def batch():
    rows = [
        _row("ada", [_histogram(True), _convolution(False, 1.2)]),
        _row("bob", [_histogram(False), _convolution(True, None)]),
        _row("cy", [_histogram(True), _convolution(True, 3.5)]),
        _row("dee", [], status=batches.RowStatus.TIMED_OUT,
             notes=["grading did not finish within 60 s; it printed <script>alert(1)</script>"]),
    ]
    return batches.BatchReport(exercises=["histogram", "convolution"], rows=rows,
                               settings={"isolation": "namespaces (test)"})


def test_the_summary_counts_what_the_class_did(batch):
    summary = class_report.summarise(batch)
    assert (summary.submissions, summary.graded) == (4, 3)
    convolution = next(e for e in summary.exercises if e.name == "convolution")
    assert convolution.scores == (5.0, 2.0, 2.0) and convolution.complete == 1
    top = convolution.failed_checks[0]
    assert (top.function, top.failed, top.attempted) == ("convolve2d", 2, 3)
    assert top.misconception == "correlation instead of convolution" and top.misconception_count == 2
    assert top.message.startswith("Called `convolve2d")  # the sentence is shown apart, not twice
    assert [(p.id, p.status) for p in summary.problems] == [("dee", batches.RowStatus.TIMED_OUT)]
    (speed,) = summary.speed
    assert (speed.attempted, speed.passed, speed.ratios) == (3, 2, (1.2, 3.5))


def test_the_page_is_self_contained_and_escapes_learner_text(batch):
    page = class_report.class_report_html(batch)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert page.count("<svg") == 2  # one chart per exercise, inline
    for external in ("src=\"http", "href=\"http", "<link", "<script"):
        assert external not in page
    assert "correlation instead of convolution" in page and "timed out" in page and "2 of 3" in page


def test_the_page_is_the_same_every_time(batch):
    assert class_report.class_report_html(batch) == class_report.class_report_html(batch)


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian's chromium package; nox -s tests installs it)")
def test_the_page_in_a_real_browser(batch, tmp_path):
    """Loads with no console error, shows every exercise, and its screenshot is not blank."""
    from PIL import Image
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "report.html"
    page_file.write_text(class_report.class_report_html(batch), encoding="utf-8")
    problems = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("request", lambda request: problems.append(f"fetched {request.url}")
                    if not request.url.startswith(("file:", "data:")) else None)
            page.goto(page_file.as_uri())
            for name in batch.exercises:
                assert page.locator(f"#exercise-{name}").is_visible(), name
                assert page.locator(f"#exercise-{name} svg").count() == 1
            page.screenshot(path=str(tmp_path / "shot.png"), full_page=True)
        finally:
            browser.close()
    assert problems == []
    shot = Image.open(tmp_path / "shot.png").convert("L")
    low, high = shot.getextrema()
    assert high - low > 100, "the screenshot is blank"
    histogram = shot.histogram()
    assert max(histogram) < 0.98 * sum(histogram), "the screenshot is nearly one colour"


def test_untouched_stubs_are_left_out_of_the_failure_counts(batch):
    stub = ExerciseResult("histogram", "Histograms", 3, [
        _check("histogram", "histogram_counts", results.NOT_STARTED, points=2, function="histogram",
               message="`histogram` is not started yet (it raises NotImplementedError).")])
    batch.rows.append(_row("eve", [stub, _convolution(False, 1.0)]))
    histogram = next(e for e in class_report.summarise(batch).exercises if e.name == "histogram")
    assert histogram.not_started == 1 and len(histogram.scores) == 4
    (top,) = histogram.failed_checks
    assert (top.failed, top.attempted) == (1, 3)  # bob's failure, out of the three who started it
