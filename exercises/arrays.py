"""Exercise 1 — images as arrays, reshaping for models.

An image is just a NumPy array of numbers: ``(H, W)`` for a grey image, ``(H, W, C)``
for colour (C = 3 for RGB, 4 when there is an alpha channel for transparency). A
batch of images adds a leading axis: ``(N, H, W)`` or ``(N, H, W, C)``.

Machine-learning models are picky about layout:

- a dense (fully connected) network wants one flat row of numbers per image, so a
  batch ``(N, 28, 28)`` must become ``(N, 784)`` — and the order in which pixels are
  laid out must be the same for every image (row by row: "C order");
- a convolutional network wants an explicit channel axis, ``(N, 28, 28, 1)``;
- both learn best from small floats, so pixel values 0..255 are scaled to [0, 1].

Learners use ``normalise(add_channel_axis(x))`` and ``normalise(flatten(x))`` to
prepare MNIST for Keras later in the course.

Check your work with `pixelgrade arrays`; stuck? `pixelgrade hint arrays`.
"""

import numpy as np


def normalise(images):
    """Scale 0..255 pixel values to float32 values in [0, 1].

    Parameters
    ----------
    images : ndarray, any shape
        Pixel values in 0..255 (usually uint8).

    Returns
    -------
    scaled : ndarray of float32, same shape
        ``images / 255``.
    """
    # TODO: divide by 255 and return float32 (what dtype does uint8 / 255 give?).
    raise NotImplementedError("normalise: not started yet")


def flatten(images):
    """One row of pixels per image, in row-major (C) order.

    Parameters
    ----------
    images : ndarray, shape (N, H, W) or (N, H, W, C)

    Returns
    -------
    rows : ndarray, shape (N, H*W) or (N, H*W*C), same dtype as ``images``
    """
    # TODO: keep the first axis, merge all the others (in C order).
    raise NotImplementedError("flatten: not started yet")


def add_channel_axis(images):
    """Turn a batch of grey images ``(N, H, W)`` into ``(N, H, W, 1)``.

    Parameters
    ----------
    images : ndarray, shape (N, H, W)

    Returns
    -------
    images : ndarray, shape (N, H, W, 1), same dtype
    """
    # TODO: add a new last axis of length 1.
    raise NotImplementedError("add_channel_axis: not started yet")


def grey_to_rgb(image):
    """Repeat a grey image's only channel three times: ``(H, W)`` to ``(H, W, 3)``.

    Parameters
    ----------
    image : ndarray, shape (H, W)

    Returns
    -------
    rgb : ndarray, shape (H, W, 3), same dtype
    """
    # TODO: repeat the image along a new last axis.
    raise NotImplementedError("grey_to_rgb: not started yet")


def drop_alpha(image):
    """Keep R, G and B of an RGBA image: ``(H, W, 4)`` to ``(H, W, 3)``.

    Parameters
    ----------
    image : ndarray, shape (H, W, 4)

    Returns
    -------
    rgb : ndarray, shape (H, W, 3), same dtype
    """
    # TODO: keep the first three channels.
    raise NotImplementedError("drop_alpha: not started yet")


def to_greyscale(image, weights=(0.2989, 0.5870, 0.1140)):
    """Weighted sum of R, G and B: the brightness a person perceives.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3) or (H, W, 4)
        An alpha channel is ignored.
    weights : tuple of 3 floats
        The weights of R, G and B.

    Returns
    -------
    grey : ndarray of float64, shape (H, W)
    """
    # TODO: compute weights[0] * R + weights[1] * G + weights[2] * B in float64.
    raise NotImplementedError("to_greyscale: not started yet")


def one_hot(labels, num_classes):
    """One row per label with a 1.0 in that label's column, zeros elsewhere.

    Parameters
    ----------
    labels : ndarray of int, shape (N,)
    num_classes : int

    Returns
    -------
    encoded : ndarray of float32, shape (N, num_classes)

    Raises
    ------
    ValueError
        If a label lies outside ``[0, num_classes)``; the message names ``labels``.
    """
    # TODO: check the labels' range, then build the one-hot rows.
    raise NotImplementedError("one_hot: not started yet")
