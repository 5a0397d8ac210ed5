"""The course's MNIST loader: the one place that decides where the digits come from.

In order of preference:

1. a Keras-format ``.npz`` named by the environment variable ``PIXELGRADE_MNIST``
   (keys ``x_train``, ``y_train``, ``x_test``, ``y_test``; CI and offline machines);
2. ``keras.datasets.mnist.load_data()`` (the full 60,000 + 10,000 images, downloaded
   once and cached by Keras);
3. scikit-learn's bundled 8×8 digits, rescaled from 0..16 to 0..255 and split
   80/20 with a fixed permutation.

The result says which source it used. A path that does not exist or a malformed
file is an error that says what is wrong, never a silent fallback.
:func:`public_heldout` says when the held-out labels can be looked up by learner code, and
:func:`private_files` names the file the engine must keep from learners (both are the course's
hooks, declared in ``course.toml``).
"""

from __future__ import annotations

import functools
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ENVIRONMENT_VARIABLE = "PIXELGRADE_MNIST"
KEYS = ("x_train", "y_train", "x_test", "y_test")


class MnistError(ValueError):
    """The MNIST file named by PIXELGRADE_MNIST is missing or malformed."""


@dataclass(frozen=True)
class Digits:
    """Images ``(N, H, W)`` uint8 in 0..255 and integer labels, split train/test."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # "file", "keras" or "sklearn"
    description: str

    @property
    def image_shape(self) -> tuple[int, int]:
        return tuple(self.x_train.shape[1:3])


def load_file(path: str | Path) -> Digits:
    """Load a Keras-format MNIST ``.npz``; raise :class:`MnistError` naming what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise MnistError(f"{ENVIRONMENT_VARIABLE} names {str(path)!r}, which is not a file")
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [key for key in KEYS if key not in data.files]
            if missing:
                raise MnistError(f"{path.name} lacks the arrays {', '.join(missing)}; a Keras-format MNIST file "
                                 f"has {', '.join(KEYS)}")
            arrays = {key: data[key] for key in KEYS}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        if isinstance(error, MnistError):
            raise
        raise MnistError(f"{path.name} is not a readable .npz file ({error})") from None
    for split in ("train", "test"):
        images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if images.dtype != np.uint8 or images.ndim != 3:
            raise MnistError(f"x_{split} in {path.name} must be uint8 of shape (N, H, W); "
                             f"got {images.dtype} {images.shape}")
        if labels.ndim != 1 or labels.dtype.kind not in "iu" or len(labels) != len(images):
            raise MnistError(f"y_{split} in {path.name} must be {len(images)} integer labels; "
                             f"got {labels.dtype} {labels.shape}")
    description = (f"MNIST from {path} ({len(arrays['x_train'])} training and {len(arrays['x_test'])} held-out "
                   f"images of {arrays['x_train'].shape[1]}×{arrays['x_train'].shape[2]})")
    return Digits(*(arrays[key] for key in KEYS), source="file", description=description)


def load_keras() -> Digits:
    """Keras' MNIST (downloads once; raises if Keras is missing or the download fails)."""
    from keras.datasets import mnist

    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    return Digits(x_train, y_train, x_test, y_test, source="keras",
                  description="the full MNIST from keras.datasets (60,000 training and 10,000 test images)")


def load_sklearn() -> Digits:
    """scikit-learn's bundled 8×8 digits, scaled to 0..255, split 80/20 (fixed permutation)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.rint(digits.images * (255 / 16)).astype(np.uint8)
    labels = digits.target.astype(np.uint8)
    order = np.random.default_rng(0).permutation(len(images))
    cut = int(0.8 * len(images))
    train, test = order[:cut], order[cut:]
    return Digits(images[train], labels[train], images[test], labels[test], source="sklearn",
                  description=f"scikit-learn's 8×8 digits ({len(train)} training and {len(test)} held-out images)")


@functools.cache
def load() -> Digits:
    """The digits this machine can offer, by the order of preference above."""
    path = os.environ.get(ENVIRONMENT_VARIABLE)
    if path:
        return load_file(path)
    try:
        return load_keras()
    except Exception:  # noqa: BLE001 - no Keras, or no internet for the download
        return load_sklearn()


def public_heldout() -> str | None:
    """Why the held-out labels of this machine's digits are public, in one sentence; None when they are not.

    Public means that learner code can look them up inside the sandbox, with nothing
    shipped in the submission: scikit-learn's digits ship with scikit-learn, which the
    worker can import, and the split is fixed, so a "classifier" can answer every
    held-out image from ``load_digits()``. Keras' download and a file named by
    ``PIXELGRADE_MNIST`` are out of the sandbox's reach (no network, no grader's files);
    a submission could still carry the labels of a published data set such as MNIST's
    test set, which only a private file of the instructor's avoids. A broken file gives
    None: the checks then report it themselves and grade nothing.
    """
    try:
        digits = load()
    except MnistError:
        return None
    if digits.source == "sklearn":
        return (f"The held-out digits are {digits.description}, which ship with scikit-learn: learner code "
                "can read their labels inside the sandbox, so an accuracy on them proves nothing "
                f"(set {ENVIRONMENT_VARIABLE} to a Keras-format MNIST .npz to grade on digits it cannot read).")
    return None


def private_files() -> dict[str, str]:
    """The digits' file of this machine (``PIXELGRADE_MNIST``), named as a learner reads it: the course's hook.

    The engine keeps it out of learner-facing text (``the MNIST data`` instead of its path)
    and ``pixelgrade dev sandbox`` checks that learner code cannot read it. Without the
    variable the digits come from Keras' cache or scikit-learn, which are not secrets.
    """
    path = os.environ.get(ENVIRONMENT_VARIABLE, "")
    return {path: "the MNIST data"} if path else {}
