"""The data exercises (kmeans, polygons, exploration, baseline, networks, training): what their checks say.

Their buggy submissions are in the one table (tests/curriculum/buggy_submissions.py),
graded and checked by tests/curriculum/test_buggy_submissions.py.
"""

import numpy as np
import pytest
from buggy_submissions import by_id
from conftest import make_submission

from grader import api
from grader.core import results


def test_accuracy_messages_name_the_data(tmp_path):
    """A failed accuracy check says which digits it used (file, Keras or scikit-learn's) and the threshold."""
    from imagecourse import mlcheck

    majority = by_id("a classifier that predicts the majority class")
    target = make_submission(tmp_path, [majority.exercise], replace={majority.exercise: {
        majority.function: majority.source}})
    report = api.grade([majority.exercise], target=target)
    check = next(c for c in report.exercise("baseline").checks if "held_out_accuracy" in c.id)
    digits = mlcheck.digits()
    assert digits.description in check.message
    assert f"{mlcheck.thresholds(digits).baseline:.0%}" in check.message
    assert check.status == results.FAILED and check.points == 0


FORGED_BASELINE = """
def fit_logistic(X, y):
    import sys

    labels = np.unique(np.asarray(y))

    def forged(model, x):  # the grader's adapter, replaced: a perfect-looking classifier that guesses
        guesses = np.random.default_rng(2026).choice(labels, len(x)).astype(np.int64)
        return {"type": "sklearn.linear_model._logistic.LogisticRegression", "predictions": guesses, "problem": None}

    table = sys.modules["grader.sandbox.adapters"].ADAPTERS
    table["predict_classes"] = forged
    table["type_name"] = lambda value: "sklearn.linear_model._logistic.LogisticRegression"
    return None
"""


def test_a_forged_classifier_that_guesses_earns_nothing(tmp_path):
    """What the worker says the classifier is counts for nothing; guessing labels seen in y is a guard, withheld."""
    target = make_submission(tmp_path, ["baseline"], replace={"baseline": {"fit_logistic": FORGED_BASELINE}})
    report = api.grade(["baseline"], target=target, max_examples=5)
    checks = {c.id.split("::")[-1]: c for c in report.exercise("baseline").checks}
    assert report.exercise("baseline").points == 0, [(name, c.points) for name, c in checks.items() if c.points]
    labels = checks["test_predicts_labels_of_the_training_set"]
    assert labels.guard and labels.message.startswith("Not counted yet"), labels.message
    assert checks["test_held_out_accuracy"].status == results.FAILED


def _digits_file(path, side=8):
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 256, (6, side, side), dtype=np.uint8), "y_train": np.arange(6, dtype=np.uint8),
              "x_test": rng.integers(0, 256, (4, side, side), dtype=np.uint8), "y_test": np.arange(4, dtype=np.uint8)}
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize("source", ["sklearn", "file", "broken file"])
def test_public_heldout_says_when_learner_code_can_read_the_labels(tmp_path, monkeypatch, source):
    from imagecourse import mnist

    if source == "sklearn":
        monkeypatch.setattr(mnist, "load", mnist.load_sklearn)
    elif source == "file":
        monkeypatch.setattr(mnist, "load", lambda: mnist.load_file(_digits_file(tmp_path / "digits.npz")))
    else:
        (tmp_path / "broken.npz").write_bytes(b"not an npz")
        monkeypatch.setattr(mnist, "load", lambda: mnist.load_file(tmp_path / "broken.npz"))
    sentence = mnist.public_heldout()
    if source == "sklearn":
        assert sentence and "ship with scikit-learn" in sentence and mnist.ENVIRONMENT_VARIABLE in sentence
        assert sentence.count(". ") == 0 and sentence.endswith("."), "one sentence"
    else:
        assert sentence is None


@pytest.mark.parametrize("source", ["sklearn", "keras"])
def test_the_snippets_digits_load_by_themselves(monkeypatch, source):
    """A learner runs a snippet beside their module, where imagecourse does not import: it loads the digits itself."""
    from imagecourse import mlcheck, mnist

    if source == "sklearn":
        data = mnist.load_sklearn()
    else:  # Keras' download, stood in for by scikit-learn's digits (no network in the tests)
        import keras

        small = mnist.load_sklearn()
        monkeypatch.setattr(keras.datasets.mnist, "load_data",
                            lambda: ((small.x_train, small.y_train), (small.x_test, small.y_test)))
        data = mnist.Digits(small.x_train, small.y_train, small.x_test, small.y_test, "keras", "stand-in")
    for key in mnist.KEYS:
        expression = mlcheck._expression(data, key)
        assert "imagecourse" not in expression and "grader" not in expression
        assert np.array_equal(eval(expression, {"np": np}), getattr(data, key)), key
