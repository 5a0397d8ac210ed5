"""Hostile submissions are contained: a plain message, the lost points only, a full report."""

import pytest
from conftest import make_submission, points_by_function

from grader import api
from grader.core import results

TIMEOUT = 2.0
HOSTILE_CALLS = {
    "raises": ("""
        def histogram(image):
            raise RuntimeError("boom")
    """, results.ERROR, "raised RuntimeError: boom"),
    "loops forever": ("""
        def histogram(image):
            while True:
                pass
    """, results.ERROR, "of CPU time without finishing"),
    "os._exit in a call": ("""
        def histogram(image):
            import os
            os._exit(7)
    """, results.ERROR, "exited with code 7"),
    "allocates 30 GB": ("""
        def histogram(image):
            return np.ones(30 * 1024**3, dtype=np.uint8)
    """, results.ERROR, "ran out of memory"),
    "__eq__ always true": ("""
        def histogram(image):
            class Anything:
                def __eq__(self, other):
                    return True
                def __array__(self, *args, **kwargs):
                    return np.bincount(np.asarray(image).ravel(), minlength=256)
            return Anything()
    """, results.FAILED, "expected a numpy.ndarray of int64 (256,)"),
    "ndarray subclass": ("""
        def histogram(image):
            class Counts(np.ndarray):
                pass
            return np.bincount(image.ravel(), minlength=256).astype(np.int64).view(Counts)
    """, results.FAILED, "(an ndarray subclass)"),
    "prints a flood": ("""
        def histogram(image):
            import sys
            for _ in range(10**7):
                sys.stdout.write("spam " * 50)
            return None
    """, results.ERROR, "It printed, last:"),
    "sys.exit in a call": ("""
        def histogram(image):
            import sys
            sys.exit(0)
    """, results.ERROR, "sys.exit(0)"),
    "tampers with numpy and forges replies": ("""
        def histogram(image):
            import os
            np.array_equal = lambda *a, **k: True
            np.allclose = lambda *a, **k: True
            os.write(1, b"\\x00" * 8 + b"{}")
            return np.zeros(256, dtype=np.int64)
    """, results.FAILED, "differs from"),
}


@pytest.mark.parametrize("case", HOSTILE_CALLS)
def test_hostile_function_costs_only_its_points(tmp_path, solutions_report, case):
    source, status, words = HOSTILE_CALLS[case]
    # cumulative_histogram and normalised_cdf must not depend on the broken histogram.
    independent = """
        def cumulative_histogram(image):
            image = _check_uint8(image)
            return np.cumsum(np.bincount(image.ravel(), minlength=256), dtype=np.int64)
    """
    target = make_submission(tmp_path, ["histogram"], replace={"histogram": {
        "histogram": source, "cumulative_histogram": independent}})
    report = api.grade(["histogram"], target=target, timeout_s=TIMEOUT, max_examples=10)
    got = points_by_function(report, "histogram")
    full = points_by_function(solutions_report, "histogram")
    assert got["cumulative_histogram"] == full["cumulative_histogram"]
    assert got["normalised_cdf"] == full["normalised_cdf"]
    assert got["histogram"][0] < full["histogram"][0] * 0.5
    broken = [c for c in report.exercise("histogram").checks if c.function == "histogram" and c.status != "passed"]
    assert any(c.status == status and words in c.message for c in broken), [(c.status, c.message) for c in broken]
    assert not report.grader_errors


@pytest.mark.parametrize("code, words", [
    ("import sys\nsys.exit(3)", "called `sys.exit()`"),
    ("import os\nos._exit(4)", "exited with code 4"),
    ("while True:\n    pass", "did not finish within"),
    ("raise ImportError('no such thing')", "raised ImportError: no such thing"),
    ("def broken(:\n    pass", "SyntaxError"),
], ids=["sys.exit", "os._exit", "hangs", "raises", "syntax error"])
def test_module_that_fails_at_import(tmp_path, code, words):
    (tmp_path / "histogram.py").write_text(code + "\n")
    make_submission(tmp_path, ["arrays"])
    report = api.grade(["arrays", "histogram"], target=tmp_path, timeout_s=TIMEOUT, max_examples=5)
    assert report.exercise("arrays").status == "complete"
    histogram = report.exercise("histogram")
    assert histogram.points == 0 and histogram.status == "failing"
    assert all(words in c.message for c in histogram.checks), histogram.checks[0].message
    assert not report.grader_errors


def test_reference_solutions_cannot_be_imported(tmp_path):
    target = make_submission(tmp_path, ["histogram"], replace={"histogram": {"histogram": """
        def histogram(image):
            from solutions.histogram import histogram as reference
            return reference(image)
    """}})
    report = api.grade(["histogram"], target=target, max_examples=5)
    checks = [c for c in report.exercise("histogram").checks if c.function == "histogram"]
    assert all(c.status != results.PASSED for c in checks if "TypeError" not in c.title)
    assert any("not allowed" in c.message for c in checks)
