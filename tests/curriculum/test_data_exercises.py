"""The data exercises (kmeans, polygons, exploration, baseline, networks, training): what their checks say.

Their buggy submissions are in the one table (tests/curriculum/buggy_submissions.py),
graded and checked by tests/curriculum/test_buggy_submissions.py.
"""

from buggy_submissions import by_id
from conftest import make_submission

from grader import api
from grader.core import results


def test_accuracy_messages_name_the_data(tmp_path):
    """A failed accuracy check says which digits it used (file, Keras or scikit-learn's) and the threshold."""
    from course import mlcheck

    majority = by_id("a classifier that predicts the majority class")
    target = make_submission(tmp_path, [majority.exercise], replace={majority.exercise: {
        majority.function: majority.source}})
    report = api.grade([majority.exercise], target=target)
    check = next(c for c in report.exercise("baseline").checks if "held_out_accuracy" in c.id)
    digits = mlcheck.digits()
    assert digits.description in check.message
    assert f"{mlcheck.thresholds(digits).baseline:.0%}" in check.message
    assert check.status == results.FAILED and check.points == 0
