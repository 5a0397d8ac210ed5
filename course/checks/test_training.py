"""Checks for `train_cnn`: a CNN graded on held-out images it never saw.

`train_cnn` runs once per grading, in the worker, on the training images and labels
only. The model it returns is saved to a file there, which a separate sandboxed process
that never ran learner code loads (Keras' safe mode) and runs on the held-out *images*
(:mod:`grader.core.models`); their labels stay in the grader, which counts the right
answers itself. The time is the grader's own measure of the call, not the worker's.

The accuracy check is the one that says the model learned something: the others (its
outputs are probabilities, the time budget, the input left unchanged) are properties an
untrained model has too, so they count only once it passes (guards).
"""

from types import SimpleNamespace

import numpy as np
import pytest
from imagecourse import mlcheck

from grader.core import models
from grader.kit.expect import expect, expect_unmodified, fail
from grader.kit.marks import graded


@pytest.fixture(scope="module")
def trained(learner):
    """(digits, the inspection of the trained model on the held-out images): one training for every check."""
    digits = mlcheck.digits()
    x_train, y_train = mlcheck.part(digits, "x_train"), mlcheck.part(digits, "y_train")
    x_test = mlcheck.channel_inputs(digits.x_test)
    models.prepare(learner)  # the inspector starts while the model trains
    try:
        yield digits, models.keras_model(learner, "train_cnn", x_train, y_train, inputs=x_test,
                                         timeout=mlcheck.TRAINING_LIMIT_S)
    finally:
        models.close_inspector(learner)


def _probabilities(trained):
    """The model's outputs on the held-out images, one row per image, and the call (or the check fails)."""
    digits, found = trained
    call, p, count = found.call, found.outputs, len(digits.x_test)
    if found.problem:
        fail(f"{found.problem}. train_cnn must return a trained Keras model that maps "
             "normalise(add_channel_axis(x)) to class probabilities.", call=call)
    if type(p) is not np.ndarray or p.ndim != 2 or p.shape[0] != count:
        fail(f"on the {count} held-out images, given as float32 of shape (N, H, W, 1) in [0, 1], the model "
             f"returned {getattr(p, 'shape', p)}; expected one row of class probabilities per image.", call=call)
    if p.shape[1] < 10:
        fail(f"the model gives {p.shape[1]} outputs per image; expected one per class (10 digits).", call=call)
    return p, call


@graded("train_cnn", 6)
def test_held_out_accuracy(trained):
    """train_cnn's model reaches the accuracy threshold on held-out images it never saw"""
    digits, found = trained
    p, call = _probabilities(trained)
    accuracy = mlcheck.accuracy(np.argmax(p, axis=1), digits.y_test)
    threshold = mlcheck.thresholds(digits).training
    expect(accuracy >= threshold,
           f"trained on {digits.description}, its model classified {accuracy:.2%} of the {len(p)} held-out "
           f"images correctly (training took {found.seconds:.0f} s); at least {threshold:.0%} is needed. "
           "Hold back part of the training images to measure it yourself (see the hints).", call=call)


@graded("train_cnn", 2, guard=True)
def test_outputs_are_probabilities(trained):
    """the model returns class probabilities: one row per image, each summing to 1"""
    p, call = _probabilities(trained)
    expect(np.all(np.isfinite(p)) and np.all(p >= 0) and np.all(p <= 1),
           "the model's outputs are not probabilities (some lie outside [0, 1]): does the last layer use "
           "activation=\"softmax\"?", call=call)
    sums = p.sum(axis=1)
    expect(np.allclose(sums, 1, atol=1e-4),
           f"each row of the model's output should sum to 1 (softmax); they sum to {sums.min():.4g} .. "
           f"{sums.max():.4g}.", call=call)


@graded("train_cnn", 1, guard=True)
def test_within_time_budget(trained):
    """train_cnn trains within the time budget"""
    digits, found = trained
    _probabilities(trained)  # a call that gave no model has nothing to time
    # The call's own limit (TRAINING_LIMIT_S) is well above the budget, so a slow training
    # still gets its model graded and loses this point only.
    expect(found.seconds <= mlcheck.TRAINING_BUDGET_S,
           f"training on {digits.description} took {found.seconds:.0f} s; the budget is "
           f"{mlcheck.TRAINING_BUDGET_S:.0f} s on 2 CPU cores. Which layer does the most work, and could fewer "
           "epochs, filters or a larger batch_size reach the same accuracy (see the hints)?", call=found.call)


test_within_time_budget.__doc__ = (f"train_cnn trains within the time budget "
                                   f"({mlcheck.TRAINING_BUDGET_S:.0f} s on 2 CPU cores)")


@graded("train_cnn", 1, guard=True)
def test_input_unchanged(trained):
    """train_cnn leaves its input unchanged"""
    _, found = trained
    expect_unmodified(SimpleNamespace(last=found.call))
