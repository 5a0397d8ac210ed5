"""The class report (grader/writers/class_report.py): its data, its page, and the page in a real browser."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser

import numpy as np
import pytest

from grader.core import failures, results
from grader.core.results import CheckResult, ExerciseResult, GradeReport
from grader.instructor import batch as batches
from grader.kit import expect
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
    assert [(c.label, c.count, c.mistake) for c in top.causes] == [("correlation instead of convolution", 2, True)]
    assert top.rest == 0
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


# --- "what it points to": failures grouped by cause, with counts; never one learner's message as the class's

class _Cells(HTMLParser):
    """The text of each table row's cells, in order (the report's tables, as a reader sees them)."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _points_to(page: str, title: str) -> str:
    """The "what it points to" cell of the failed-checks row of the check titled ``title``."""
    parser = _Cells()
    parser.feed(page)
    (row,) = [row for row in parser.rows if row and row[0].startswith(title)]
    return row[2]


_CALL = "Called `histogram(image: uint8 (2, 2))`: "
# Seven failures of one check, each with a cause of its own: no message is the class's.
_SEVEN_CAUSES = (
    "it raised TypeError: unsupported operand type(s) for +: 'int' and 'str' (at histogram.py:4).",
    "it raised IndexError: index 256 is out of bounds for axis 0 with size 256 (at histogram.py:6).",
    "returned an array of dtype float64; expected dtype int64 (shape (256,)).",
    "returned an array of shape (255,); expected shape (256,) (dtype int64).",
    "it ran for 10 s of CPU time without finishing and was stopped. Is there a loop that never ends?",
    "returned an array of int64 (256,) that differs from the reference solution at 3 of 256 positions; the first "
    "at index [0]: returned 4, expected 3",
    "it modified its input `image` in place. No function may change its inputs: work on a copy instead.",
)


def _histogram_batch(messages, passed: int, *, status=results.FAILED, misconceptions=None):
    misconceptions = misconceptions or [""] * len(messages)
    rows = [_row(f"pass{i}", [_histogram(True)]) for i in range(passed)]
    for i, (message, misconception) in enumerate(zip(messages, misconceptions)):
        check = _check("histogram", "histogram_counts", status, points=2, function="histogram", message=message,
                       misconception=misconception)
        rows.append(_row(f"fail{i}", [ExerciseResult("histogram", "Histograms", 3, [check])]))
    return batches.BatchReport(exercises=["histogram"], rows=rows)


def test_seven_different_failures_have_no_common_cause():
    batch = _histogram_batch([_CALL + m for m in _SEVEN_CAUSES], passed=5)
    (top,) = next(e for e in class_report.summarise(batch).exercises if e.name == "histogram").failed_checks
    assert (top.failed, top.attempted) == (7, 12)
    assert top.causes == ()  # no cause that two failures share
    shown = _points_to(class_report.class_report_html(batch), "histogram counts")
    assert "no common cause" in shown.lower()
    for fragment in ("unsupported operand", "index 256", "float64", "(255,)", "10 s", "differs from", "in place"):
        assert fragment not in shown, f"one learner's message ({fragment!r}) is shown as the class's: {shown}"


def test_a_misconception_five_of_seven_share_is_counted_and_the_rest_grouped_by_kind():
    wrong = ("This looks like a common mistake, correlation instead of convolution: the kernel ...\n"
             "Called `histogram(image: uint8 (2, 2))`: returned ...")
    raised = [_CALL + "it raised TypeError: 'NoneType' object is not subscriptable (at histogram.py:3).",
              _CALL + "it raised TypeError: can only concatenate str (not \"int\") to str (at histogram.py:9)."]
    batch = _histogram_batch([wrong] * 5 + raised, passed=3,
                             misconceptions=["correlation-not-convolution"] * 5 + ["", ""])
    (top,) = next(e for e in class_report.summarise(batch).exercises if e.name == "histogram").failed_checks
    assert [(c.label, c.count, bool(c.explanation)) for c in top.causes] == [
        ("correlation instead of convolution", 5, True), ("raised TypeError", 2, False)]
    shown = _points_to(class_report.class_report_html(batch), "histogram counts")
    assert "5 of 7" in shown and "named mistake" in shown and "correlation instead of convolution" in shown
    assert "2 of 7: raised TypeError" in shown
    assert "NoneType" not in shown and "concatenate" not in shown  # the kind, not one learner's words


def test_failures_are_the_same_by_their_kind_not_by_the_values_they_quote():
    messages = [
        _CALL + "returned an array of dtype float64; expected dtype int64 (shape (256,)).",
        _CALL + "returned an array of dtype uint8; expected dtype int64 (shape (256,)).",
        _CALL + "it did not finish within 60 s and was stopped, although it computed for only 0.1 s of that time",
        _CALL + "it ran for 10 s of CPU time without finishing and was stopped.",
        "Called `histogram(image: uint8 (3, 5))`: the counts add up to 12; expected 15.",  # a check's own words
        "Called `histogram(image: uint8 (4, 4))`: the counts add up to 9; expected 16.",
        _CALL + "it raised ValueError: bins must be positive (at histogram.py:2).",
    ]
    (top,) = class_report.summarise(_histogram_batch(messages, passed=0)).exercises[0].failed_checks
    assert [(c.label, c.count) for c in top.causes] == [
        ("returned the wrong dtype", 2), ("the counts add up to #; expected #", 2), ("timed out", 2)]
    assert (top.rest, top.rest_label) == (1, "a cause of its own")


def test_submissions_that_could_not_be_graded_are_one_cause():
    reasons = [f"grading did not finish within 60 s (submission {i})" for i in range(3)]
    batch = _histogram_batch(reasons, passed=1, status=results.CheckStatus.NOT_GRADED)
    (top,) = class_report.summarise(batch).exercises[0].failed_checks
    assert [(c.label, c.count) for c in top.causes] == [("not graded (the submission could not be graded)", 3)]


@pytest.mark.parametrize(("compare", "label"), [
    (lambda: expect.expect_array(np.zeros(4, np.float64), np.zeros(4, np.uint8)), "returned the wrong dtype"),
    (lambda: expect.expect_array(np.zeros(3, np.uint8), np.zeros(4, np.uint8)), "returned the wrong shape"),
    (lambda: expect.expect_array(np.ones(4, np.uint8), np.zeros(4, np.uint8)), "returned wrong values"),
    (lambda: expect.expect_int(3, 4), "returned wrong values"),
    (lambda: expect.expect_int(3.0, 4), "returned the wrong type"),
    (lambda: expect.expect_kind([1, 2], np.uint8, (2,)), "returned the wrong type"),
])
def test_the_kinds_are_read_from_the_kits_own_messages(compare, label):
    """The kinds of failure follow the words grader.kit.expect writes: a change there shows here."""
    with pytest.raises(failures.CheckFailed) as failed:
        compare()
    check = _check("histogram", "histogram_counts", results.FAILED, message=failed.value.message)
    assert class_report.cause_of(check)[1] == label


def test_at_most_a_few_causes_are_listed_and_the_rest_counted():
    messages = [_CALL + f"it raised {name}Error: {i}" for name in ("Type", "Value", "Key", "Index", "Name")
                for i in range(2)]
    (top,) = class_report.summarise(_histogram_batch(messages, passed=0)).exercises[0].failed_checks
    assert len(top.causes) == class_report.MOST_CAUSES
    assert (top.rest, top.rest_label) == (10 - 2 * class_report.MOST_CAUSES, "other causes")
