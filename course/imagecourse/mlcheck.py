"""What the checks of the data exercises share: the digits, their recipes, thresholds and budgets.

The digits come from :mod:`imagecourse.mnist` (a file named by ``PIXELGRADE_MNIST``,
Keras' download, or scikit-learn's 8×8 digits), and every threshold depends on
which of them was used: the reference solutions were measured on each (see
``benchmarks/cnn_seeds.py``), and each threshold leaves them a margin.

The held-out labels never leave the grader: a check sends a learner's model the
held-out *images* only, gets predictions back and counts the right ones here. A Keras
model is run by the grader's inspector, outside the learner's process
(:mod:`grader.core.models`); a scikit-learn classifier by its own ``predict`` in the
worker (the ``predict_classes`` adapter, :mod:`grader.sandbox.adapters`). Where the
held-out labels are public inside the sandbox (scikit-learn's digits), right answers
prove less: :func:`imagecourse.mnist.public_heldout` (the course's hook) says so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from grader.core import catalog, failures
from imagecourse import mnist
from imagecourse.samples import derived


@dataclass(frozen=True)
class Thresholds:
    """Held-out accuracy that earns the points, per exercise, for one source of digits."""

    baseline: float
    training: float


# The thresholds are the catalog's (course.toml, each data exercise's `thresholds`), by
# the source of the digits. Measured (5 seeds, 2 CPU cores): on mnist-10k (8,000
# training, 2,000 held-out images) the reference train_cnn reaches 0.986-0.990 and
# fit_logistic 0.9145; on scikit-learn's 8×8 digits (1,437 / 360) train_cnn reaches
# 0.989-0.994 and fit_logistic 0.953. The full MNIST (60,000 / 10,000) is easier than
# its 8,000-image subset for a network, hence the higher bar there.
THRESHOLDS = {
    source: Thresholds(baseline=catalog.active().by_name["baseline"].thresholds[source],
                       training=catalog.active().by_name["training"].thresholds[source])
    for source in catalog.active().by_name["training"].thresholds
}

# Seconds one call of train_cnn may take on a 2-core CPU (the reference needs
# about 40, importing TensorFlow included), and fit_logistic likewise (the
# reference needs about 20 on 8,000 images).
TRAINING_BUDGET_S = 300.0
# The call's own limit, well above the budget: a training that runs past the budget still
# returns its model, which is graded, and loses the budget's point only (a limit equal to
# the budget would make the budget's check impossible to fail on its own).
TRAINING_LIMIT_S = 2 * TRAINING_BUDGET_S
BASELINE_BUDGET_S = 180.0
# fit_logistic is trained on at most this many images (the full MNIST's 60,000
# would take minutes for a linear model that learns little more from them).
BASELINE_MAX_TRAIN = 10_000
# The exploration checks look at this many training images.
EXPLORATION_IMAGES = 3000


def digits() -> mnist.Digits:
    """The digits of this machine (cached); a broken MNIST file skips the check with the reason."""
    try:
        return mnist.load()
    except mnist.MnistError as error:
        raise failures.Unavailable(f"the MNIST data could not be loaded: {error}") from None


def thresholds(data: mnist.Digits) -> Thresholds:
    return THRESHOLDS[data.source]


def _expression(data: mnist.Digits, key: str) -> str:
    """Python that gives the array ``key`` of ``data`` (for the snippets of failures).

    A learner runs a snippet beside their own module, where this course's modules are not
    importable, so the expression loads the digits itself, exactly as :mod:`imagecourse.mnist`
    does (``import numpy as np`` is the snippet's first line).
    """
    if data.source == "file":
        return f"np.load({os.environ.get(mnist.ENVIRONMENT_VARIABLE, 'mnist.npz')!r})[{key!r}]"
    split, kind = key.split("_")[1], key.split("_")[0]  # "x_test" -> "test", "x"
    if data.source == "keras":
        # keras.datasets.mnist.load_data() is ((x_train, y_train), (x_test, y_test)).
        return f"__import__('keras').datasets.mnist.load_data()[{int(split == 'test')}][{int(kind == 'y')}]"
    # scikit-learn's digits as mnist.load_sklearn makes them: scaled to 0..255, then split by a fixed permutation.
    count, cut = len(data.x_train) + len(data.x_test), len(data.x_train)
    digits = "__import__('sklearn.datasets', fromlist=['load_digits']).load_digits()"
    whole = (f"np.rint({digits}.images * (255 / 16)).astype(np.uint8)" if kind == "x"
             else f"{digits}.target.astype(np.uint8)")
    rows = f"[:{cut}]" if split == "train" else f"[{cut}:]"
    return f"{whole}[np.random.default_rng(0).permutation({count}){rows}]"


def part(data: mnist.Digits, key: str, stop: int | None = None, *, form: str = "raw") -> np.ndarray:
    """``data.<key>[:stop]``, read-only, registered so that failure snippets say how to load it.

    ``form``: ``"raw"`` as loaded, ``"flat"`` as ``normalise(flatten(x))`` (what
    ``fit_logistic`` takes), ``"channel"`` as ``normalise(add_channel_axis(x))``.
    """
    array = getattr(data, key)
    expression = _expression(data, key)
    if stop is not None and stop < len(array):
        array, expression = array[:stop], f"{expression}[:{stop}]"
    if form == "flat":
        array, expression = flat_inputs(array), f"({expression}).reshape({len(array)}, -1).astype(np.float32) / 255"
    elif form == "channel":
        array, expression = channel_inputs(array), f"({expression}).astype(np.float32)[..., None] / 255"
    else:
        array = array.view()  # a view, so that the loader's own arrays stay as they are
    array.flags.writeable = False
    return derived(array, expression)


def normalise(images: np.ndarray) -> np.ndarray:
    """``images`` as float32 in [0, 1] (the contract's ``normalise``)."""
    return np.asarray(images, dtype=np.float32) / np.float32(255)


def flat_inputs(images: np.ndarray) -> np.ndarray:
    """``normalise(flatten(images))``: float32 ``(N, H*W)`` in [0, 1]."""
    return normalise(images).reshape(len(images), -1)


def channel_inputs(images: np.ndarray) -> np.ndarray:
    """``normalise(add_channel_axis(images))``: float32 ``(N, H, W, 1)`` in [0, 1]."""
    return normalise(images)[..., None]


def adapter_problem(result) -> str | None:
    """What an adapter reported as wrong with the learner's result, or None."""
    if isinstance(result, dict) and result.get("problem"):
        return str(result["problem"]).rstrip(". ")
    if not isinstance(result, dict):
        return f"the grader could not use what it returned ({result!r})"
    return None


def predictions_problem(predictions, count: int) -> str | None:
    """Why ``predictions`` are not ``count`` integer class labels, or None."""
    if type(predictions) is not np.ndarray:
        return f"its predictions are not an array but {type(predictions).__name__}"
    if predictions.shape != (count,):
        return f"it predicted an array of shape {predictions.shape} for {count} images; expected ({count},)"
    if predictions.dtype.kind not in "iu":
        return f"its predictions have dtype {predictions.dtype}; expected integer class labels"
    return None


def accuracy(predictions: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.asarray(predictions) == np.asarray(labels)))
