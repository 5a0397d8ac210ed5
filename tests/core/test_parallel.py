"""Exercises graded side by side (grader.core.parallel) grade as in one process."""

import os

import pytest
from conftest import SOLUTIONS, make_submission

from grader import api
from grader.core import parallel
from grader.core.results import CheckStatus


def _checks(report):
    return [(c.id, c.status, c.points, c.message, c.snippet) for e in report.exercises for c in e.checks]


NEGATIVE_OFF_BY_ONE = """
def negative(image):
    return (254 - _check_uint8(image)).astype(np.uint8)
"""


def test_side_by_side_grades_as_one_process_does(tmp_path):
    target = make_submission(tmp_path / "work", ["arrays", "intensity", "histogram"],
                             replace={"intensity": {"negative": NEGATIVE_OFF_BY_ONE}})
    names = ["arrays", "intensity", "histogram"]
    events = []
    together = api.grade(names, target=target, max_examples=3, jobs=2,
                         progress=lambda event, payload: events.append((event, payload)))
    alone = api.grade(names, target=target, max_examples=3)
    assert [e.name for e in together.exercises] == names  # the course's order, whichever share ended first
    assert _checks(together) == _checks(alone)
    assert 0 < together.exercise("intensity").points < together.exercise("intensity").max_points
    # The progress of both children: the collected checks add up, and every check is told once.
    checks = sum(len(e.checks) for e in alone.exercises)
    assert max(payload for event, payload in events if event == "collected") == checks
    assert sorted(payload.id for event, payload in events if event == "checked") == sorted(
        c.id for e in alone.exercises for c in e.checks)


def grade_or_crash(names, **options):
    """A grading process that dies (as a segfault of the grader would) when it is given intensity."""
    if "intensity" in names:
        os._exit(70)
    return api.grade(names, **options)


def test_a_crashed_child_costs_its_exercise_a_grader_error_and_nothing_else():
    names = ["intensity", "arrays", "histogram", "sobel"]
    results = parallel.grade_side_by_side(grade_or_crash, names, jobs=2, target=SOLUTIONS,
                                          settings=api.Settings(max_examples=2))
    by_name = {result.name: result for result in results}
    assert list(by_name) == names
    for name in ("arrays", "histogram", "sobel"):  # graded by the other child and the one that replaced it
        assert by_name[name].points == by_name[name].max_points > 0, name
    [check] = by_name["intensity"].checks
    assert check.status == CheckStatus.GRADER_ERROR and "exited with code 70" in check.message
    assert "pixelgrade intensity" in check.message


def test_children_started_afresh_grade_too(tmp_path):
    """As on macOS and Windows, where a child is a new interpreter (spawn), not a fork."""
    results = parallel.grade_side_by_side(api.grade, ["intensity", "sobel"], jobs=2, start_method="spawn",
                                          target=SOLUTIONS, settings=api.Settings(max_examples=2))
    assert [r.name for r in results] == ["intensity", "sobel"]
    assert all(r.points == r.max_points > 0 for r in results)


def test_the_exercises_allowed_the_longest_calls_go_first():
    assert parallel.order(["arrays", "baseline", "histogram"]) == ["baseline", "arrays", "histogram"]


def test_jobs_must_be_a_whole_number_of_at_least_one():
    with pytest.raises(ValueError, match="jobs"):
        api.Settings(jobs=0)
