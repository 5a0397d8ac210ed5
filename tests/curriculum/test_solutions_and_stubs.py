"""The reference solutions score full marks; the untouched stubs score 0, "not started"."""

import pytest
from conftest import EXERCISES, HAS_TENSORFLOW, IMAGE_EXERCISES, ML_EXERCISES, SOLUTIONS, needs_tensorflow

from grader import api
from grader.core import results


def test_solutions_get_full_marks(solutions_report):
    lost = [f"{c.id}: {c.status}: {c.message}" for e in solutions_report.exercises for c in e.checks
            if c.status != results.PASSED and not c.bonus]
    assert not lost, "\n".join(lost)
    assert solutions_report.points == solutions_report.max_points > 0
    assert [e.status for e in solutions_report.exercises] == ["complete"] * len(IMAGE_EXERCISES)
    # A speed bonus may be lost on a busy machine, never to the grader's own failure
    # (as when a plugin its checks use, such as junitxml's record_property, was not loaded).
    broken = [f"{c.id}: {c.message}" for e in solutions_report.exercises for c in e.checks
              if c.status == results.GRADER_ERROR]
    assert not broken, "\n".join(broken)


def test_stubs_score_zero_as_not_started():
    report = api.grade(IMAGE_EXERCISES, target=EXERCISES, max_examples=5)
    assert report.points == 0
    for exercise in report.exercises:
        assert exercise.status == "not started", (exercise.name, [(c.id, c.status, c.message) for c in exercise.checks
                                                                   if c.status != results.NOT_STARTED])
        assert all(c.message.endswith("(it raises NotImplementedError).") for c in exercise.checks)


def test_grading_is_deterministic(tmp_path):
    """The same submission (here a buggy one) gets the same report, message for message, twice."""
    from conftest import make_submission

    target = make_submission(tmp_path / "sub", ["histogram"], replace={"histogram": {"histogram": """
        def histogram(image):
            counts = np.bincount(image.ravel(), minlength=256).astype(np.int64)
            counts[7] += image.size > 3
            return counts
    """}})
    first, second = (api.grade(["histogram"], target=target) for _ in range(2))
    strip = [[(c.id, c.points, c.status, c.message, c.snippet) for c in e.checks] for e in first.exercises]
    assert strip == [[(c.id, c.points, c.status, c.message, c.snippet) for c in e.checks] for e in second.exercises]
    assert 0 < first.points < first.max_points


def test_missing_module_is_reported(tmp_path):
    (tmp_path / "arrays.py").write_text((SOLUTIONS / "arrays.py").read_text())
    report = api.grade(["arrays", "histogram"], target=tmp_path, max_examples=5)
    assert report.exercise("arrays").status == "complete"
    assert report.exercise("histogram").status == "missing"
    assert report.exercise("histogram").points == 0


@pytest.mark.ml
@needs_tensorflow
def test_ml_solutions_get_full_marks(ml_solutions_report):
    """networks and training: the references score full marks (the CNN reaches its threshold in time)."""
    lost = [f"{c.id}: {c.status}: {c.message}" for e in ml_solutions_report.exercises for c in e.checks
            if c.status != results.PASSED and not c.bonus]
    assert not lost, "\n".join(lost)
    assert ml_solutions_report.points == ml_solutions_report.max_points > 0
    assert [e.status for e in ml_solutions_report.exercises] == ["complete"] * len(ML_EXERCISES)


@pytest.mark.ml
@needs_tensorflow
def test_ml_stubs_score_zero_as_not_started():
    report = api.grade(ML_EXERCISES, target=EXERCISES)
    assert report.points == 0 and report.max_points > 0
    for exercise in report.exercises:
        assert exercise.status == "not started", (exercise.name, [(c.id, c.status, c.message) for c in exercise.checks
                                                                   if c.status != results.NOT_STARTED])
        assert all(c.message.endswith("(it raises NotImplementedError).") for c in exercise.checks)


@pytest.mark.without_tensorflow
def test_ml_exercises_are_skipped_with_the_reason_without_tensorflow():
    assert not HAS_TENSORFLOW, "run by nox -s tests_without_tensorflow, in an environment without TensorFlow"
    report = api.grade(ML_EXERCISES, target=SOLUTIONS)
    for exercise in report.exercises:
        assert exercise.status == "skipped" and exercise.checks, exercise.name
        assert all(c.status == results.SKIPPED and "needs tensorflow" in c.message for c in exercise.checks)
