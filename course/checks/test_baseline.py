"""Checks for `baseline`: graded by accuracy on held-out digits.

The classifier is trained in the worker on the training images only; the grader
then sends it the held-out *images* (never their labels) through the
``predict_classes`` adapter and counts the right answers itself.

That adapter returns what the classifier's own ``predict`` returns in the worker, which
is learner code (as the adapter itself may be, once the learner's code has replaced it):
the grade rests on predictions that agree with labels the worker never saw, never on
what the worker says the classifier is (its ``type`` is read by no check). The checks
that a classifier predicting at random passes too (its labels come from y, its input is
left unchanged) are guards: they count once an accuracy check passes.
"""

import numpy as np
import pytest
from imagecourse import mlcheck

from grader.kit.expect import expect, expect_unmodified, fail
from grader.kit.marks import graded


@pytest.fixture(scope="module")
def digits():
    return mlcheck.digits()


def fit_and_predict(learner, X, y, X_test, *, timeout=mlcheck.BASELINE_BUDGET_S):
    """Fit in the worker, predict ``X_test`` there; the predictions (checked for shape and dtype) and the call."""
    result = learner.call("fit_logistic", X, y, _timeout=timeout, _then="predict_classes", _then_args=(X_test,))
    call = learner.last
    problem = mlcheck.adapter_problem(result)
    if problem:
        fail(f"{problem}. fit_logistic must return a fitted scikit-learn classifier whose `predict` takes "
             "held-out images in the same form as X.", call=call)
    predictions = result["predictions"]
    problem = mlcheck.predictions_problem(predictions, len(X_test))
    if problem:
        fail(f"{problem}.", call=call)
    return predictions, call


@graded("fit_logistic", 6)
def test_held_out_accuracy(learner, digits):
    """fit_logistic reaches the accuracy threshold on held-out digits it never saw"""
    X = mlcheck.part(digits, "x_train", mlcheck.BASELINE_MAX_TRAIN, form="flat")
    y = mlcheck.part(digits, "y_train", mlcheck.BASELINE_MAX_TRAIN)
    X_test = mlcheck.flat_inputs(digits.x_test)
    predictions, call = fit_and_predict(learner, X, y, X_test)
    accuracy = mlcheck.accuracy(predictions, digits.y_test)
    threshold = mlcheck.thresholds(digits).baseline
    expect(accuracy >= threshold,
           f"trained on {len(X)} images of {digits.description}, it classified {accuracy:.2%} of the "
           f"{len(X_test)} held-out images correctly ({call.seconds or 0:.1f} s); at least {threshold:.0%} is "
           "needed. A linear model on the raw pixels can reach about 90 %: is the model fitted on the "
           "training data, and does it predict a label for every image?", call=call)


@graded("fit_logistic", 2)
def test_separable_toy_problem(learner):
    """fit_logistic learns three well-separated clouds of points"""
    rng = np.random.default_rng(0)
    middles = np.array([[0.2, 0.2, 0.8, 0.5], [0.8, 0.2, 0.2, 0.5], [0.5, 0.8, 0.5, 0.1]], dtype=np.float32)
    labels = rng.integers(0, 3, 150)
    X = np.clip(middles[labels] + rng.normal(scale=0.05, size=(150, 4)), 0, 1).astype(np.float32)
    X_test = np.clip(middles[labels[:60]] + rng.normal(scale=0.05, size=(60, 4)), 0, 1).astype(np.float32)
    predictions, call = fit_and_predict(learner, X, labels.astype(np.uint8), X_test, timeout=60)
    accuracy = mlcheck.accuracy(predictions, labels[:60])
    expect(accuracy >= 0.95,
           f"on three clouds of points far apart (4 features, 150 training points) it classified only "
           f"{accuracy:.0%} of 60 new points correctly; any working classifier gets nearly all of them.", call=call)


@graded("fit_logistic", 1, guard=True)
def test_predicts_labels_of_the_training_set(learner, digits):
    """fit_logistic's predictions are class labels seen in training"""
    X = mlcheck.part(digits, "x_train", 500, form="flat")
    y = mlcheck.part(digits, "y_train", 500)
    predictions, call = fit_and_predict(learner, X, y, X[:100], timeout=60)
    unseen = sorted(set(predictions.tolist()) - set(y.tolist()))
    expect(not unseen, f"it predicted the labels {unseen}, which do not occur in y.", call=call)
    expect(len(set(predictions.tolist())) > 1,
           f"it predicted the same label ({predictions[0]}) for all 100 images; a classifier should tell the "
           "digits apart.", call=call)


@graded("fit_logistic", 1, guard=True)
def test_input_unchanged(learner, digits):
    """fit_logistic leaves its input unchanged"""
    X = mlcheck.part(digits, "x_train", 300, form="flat")
    y = mlcheck.part(digits, "y_train", 300)
    learner.call("fit_logistic", X, y, _timeout=60, _then="type_name")
    expect_unmodified(learner)
