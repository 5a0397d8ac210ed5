"""The reference solutions score full marks; the untouched stubs score 0, "not started"."""

from conftest import EXERCISES, IMAGE_EXERCISES, SOLUTIONS

from grader import api, results


def test_solutions_get_full_marks(solutions_report):
    lost = [f"{c.id}: {c.status}: {c.message}" for e in solutions_report.exercises for c in e.checks
            if c.status != results.PASSED and not c.bonus]
    assert not lost, "\n".join(lost)
    assert solutions_report.points == solutions_report.max_points > 0
    assert [e.status for e in solutions_report.exercises] == ["complete"] * len(IMAGE_EXERCISES)


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
