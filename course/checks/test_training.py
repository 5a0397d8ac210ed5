"""Checks for `training`: a CNN graded on held-out images it never saw.

`train_cnn` runs once per grading, in the worker, on the training images and
labels only, within a time budget. The ``predict_probabilities`` adapter then
runs the returned model there on the held-out *images*; their labels stay in
the grader, which counts the right answers itself.
"""

from types import SimpleNamespace

import numpy as np
import pytest

from course import mlcheck
from grader.kit.expect import expect, expect_unmodified, fail
from grader.kit.marks import graded


@pytest.fixture(scope="module")
def trained(learner):
    """(digits, probabilities on the held-out images, the call): one training for all the checks below."""
    digits = mlcheck.digits()
    x_train, y_train = mlcheck.part(digits, "x_train"), mlcheck.part(digits, "y_train")
    x_test = mlcheck.channel_inputs(digits.x_test)
    result = learner.call("train_cnn", x_train, y_train, _timeout=mlcheck.TRAINING_BUDGET_S,
                          _then="predict_probabilities", _then_args=(x_test,))
    call = learner.last
    problem = mlcheck.adapter_problem(result)
    if problem:
        fail(f"{problem}. train_cnn must return a trained Keras model that maps normalise(add_channel_axis(x)) "
             "to class probabilities.", call=call)
    return digits, result["probabilities"], call


def _probabilities_problem(p, count: int) -> str | None:
    if type(p) is not np.ndarray or p.ndim != 2 or p.shape[0] != count:
        return (f"on the {count} held-out images, given as float32 of shape (N, H, W, 1) in [0, 1], the model "
                f"returned {getattr(p, 'shape', p)}; expected one row of class probabilities per image")
    if p.shape[1] < 10:
        return f"the model gives {p.shape[1]} outputs per image; expected one per class (10 digits)"
    return None


@graded("train_cnn", 6)
def test_held_out_accuracy(trained):
    """train_cnn's model reaches the accuracy threshold on held-out images it never saw"""
    digits, p, call = trained
    problem = _probabilities_problem(p, len(digits.x_test))
    if problem:
        fail(f"{problem}.", call=call)
    accuracy = mlcheck.accuracy(np.argmax(p, axis=1), digits.y_test)
    threshold = mlcheck.thresholds(digits).training
    expect(accuracy >= threshold,
           f"trained on {digits.description}, its model classified {accuracy:.2%} of the {len(p)} held-out "
           f"images correctly (training took {call.seconds or 0:.0f} s); at least {threshold:.0%} is needed. "
           "Hold back part of the training images to measure it yourself (see the hints).", call=call)


@graded("train_cnn", 2)
def test_outputs_are_probabilities(trained):
    """the model returns class probabilities: one row per image, each summing to 1"""
    digits, p, call = trained
    problem = _probabilities_problem(p, len(digits.x_test))
    if problem:
        fail(f"{problem}.", call=call)
    expect(np.all(np.isfinite(p)) and np.all(p >= 0) and np.all(p <= 1),
           "the model's outputs are not probabilities (some lie outside [0, 1]): does the last layer use "
           "activation=\"softmax\"?", call=call)
    sums = p.sum(axis=1)
    expect(np.allclose(sums, 1, atol=1e-4),
           f"each row of the model's output should sum to 1 (softmax); they sum to {sums.min():.4g} .. "
           f"{sums.max():.4g}.", call=call)


@graded("train_cnn", 1)
def test_within_time_budget(trained):
    """train_cnn trains within the time budget"""
    digits, _, call = trained
    seconds = call.seconds or 0.0
    expect(seconds <= mlcheck.TRAINING_BUDGET_S,
           f"training on {digits.description} took {seconds:.0f} s; the budget is "
           f"{mlcheck.TRAINING_BUDGET_S:.0f} s.", call=call)


test_within_time_budget.__doc__ = (f"train_cnn trains within the time budget "
                                   f"({mlcheck.TRAINING_BUDGET_S:.0f} s on 2 CPU cores)")


@graded("train_cnn", 1, guard=True)
def test_input_unchanged(trained):
    """train_cnn leaves its input unchanged"""
    _, _, call = trained
    expect_unmodified(SimpleNamespace(last=call))
