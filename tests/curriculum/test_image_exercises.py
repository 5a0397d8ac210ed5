"""The image exercises (intensity, convolution, filters, sobel, thresholding): the speed bonuses.

A slow but correct function loses only the optional speed bonus, and the report
says why without calling the exercise incomplete. (The buggy submissions, and the
calls of an oracle, are in the one table of tests/curriculum/buggy_submissions.py.)
"""

import io

import pytest
from conftest import counted_points, make_submission
from rich.console import Console

from grader import api
from grader.core import results
from grader.writers import terminal


# Speed bonuses time real calls: the points compared below leave them out (conftest.counted_points),
# and each test looks at its one bonus on its own.
def grade_with(tmp_path, module, replace):
    target = make_submission(tmp_path, [module], replace={module: replace})
    return api.grade([module], target=target, max_examples=15)


SLOW = {
    # Correct, but 30 times the work on the speed check's large input only: a few
    # timed calls (work, not sleep, so that a busy machine slows both sides alike).
    "slower than 10x": ("repeat", 30),
    # So slow that one call settles it (it is not called again).
    "far too slow": ("sleep", 5),
}


@pytest.mark.parametrize("case", SLOW)
def test_slow_but_correct_loses_only_the_bonus(tmp_path, solutions_report, case):
    how, amount = SLOW[case]
    report = grade_with(tmp_path, "convolution", {"convolve2d": f"""
        def convolve2d(image, kernel, mode="same", boundary="fill", fill_value=0.0, stride=1):
            import time

            if np.size(image) >= 512 * 512:
                if {how!r} == "sleep":
                    time.sleep({amount})
                else:
                    for _ in range({amount} - 1):
                        _convolve2d(image, kernel, mode, boundary, fill_value, stride)
            return _convolve2d(image, kernel, mode, boundary, fill_value, stride)
    """})
    exercise = report.exercise("convolution")
    assert counted_points(report, "convolution") == counted_points(solutions_report, "convolution")
    assert exercise.status == "complete" and exercise.points == exercise.max_points
    assert exercise.bonus_points == 0
    (bonus,) = [c for c in exercise.checks if c.bonus]
    assert bonus.status == results.FAILED
    assert "your convolve2d took" in bonus.message and "× the reference's time" in bonus.message, bonus.message
    assert ("one call: too slow to repeat" in bonus.message) == (how == "sleep"), bonus.message

    out = io.StringIO()
    terminal.print_report(report, Console(file=out, width=200, color_system=None))
    text = out.getvalue()
    line = next(line for line in text.splitlines() if " convolution " in line)
    assert "complete" in line and "bonus" not in line
    assert "your convolve2d took" in text  # the bonus message is shown...
    assert "✗" not in text  # ...but not marked as a failure


def test_a_speed_check_that_times_out_costs_only_the_bonus(tmp_path, solutions_report, monkeypatch):
    from grader.kit import speed

    monkeypatch.setattr(speed, "TIMEOUT_S", 1.0)  # the real limit is 60 s
    report = grade_with(tmp_path, "filters", {"median_filter": """
        def median_filter(image, size):
            import time

            if np.size(image) >= 512 * 512:
                time.sleep(30)
            size = _positive_int("size", size, odd=True)
            image = np.asarray(image)
            if image.ndim != 2:
                raise ValueError(f"image must be 2-D (H, W), got shape {image.shape}")
            r = size // 2
            windows = sliding_window_view(_pad_symmetric(image, (r, r), (r, r)), (size, size))
            return np.median(windows.reshape(image.shape + (size * size,)), axis=-1).astype(image.dtype)
    """})
    exercise = report.exercise("filters")
    assert counted_points(report, "filters") == counted_points(solutions_report, "filters")
    assert exercise.status == "complete" and exercise.bonus_points == 0
    (bonus,) = [c for c in exercise.checks if c.bonus]
    # It sleeps: stopped at the wall-clock backstop, and told that it was waiting, not computing.
    assert bonus.status == results.ERROR and "was it waiting" in bonus.message, bonus.message


def test_solutions_earn_the_speed_bonuses(solutions_report):
    speed_checked = ("convolution", "filters", "thresholding")
    assert [solutions_report.exercise(name).bonus_points for name in speed_checked] == [1, 1, 1]
    out = io.StringIO()
    terminal.print_report(solutions_report, Console(file=out, width=200, color_system=None))
    line = next(line for line in out.getvalue().splitlines() if " filters " in line)
    assert "complete" in line and "+1 bonus" in line


def test_an_exercise_missing_only_a_bonus_is_complete():
    checks = [results.CheckResult("x::a", "x", "f", "a", 2, points=2, status=results.PASSED),
              results.CheckResult("x::speed", "x", "f", "speed", 1, status=results.FAILED, message="slow", bonus=True)]
    exercise = results.ExerciseResult("x", "X", 1, checks)
    assert exercise.status == "complete"
    assert (exercise.points, exercise.max_points, exercise.bonus_points) == (2, 2, 0)
    assert results.GradeReport("t", [exercise]).complete
