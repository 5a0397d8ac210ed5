"""Images as arrays, and reshaping them for machine-learning models (reference).

An image is a NumPy array: ``(H, W)`` for grey, ``(H, W, C)`` for colour, and a
batch of images adds a leading axis ``N``. Models want particular layouts: a
dense network takes one flat row of pixels per image, a convolutional network
takes ``(N, H, W, C)`` with an explicit channel axis, and both train best on
floats in [0, 1].
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

    Examples
    --------
    >>> normalise(np.array([0, 51, 255], dtype=np.uint8))
    array([0. , 0.2, 1. ], dtype=float32)
    """
    # Divide in float64 first, then cast: dividing uint8 would not give fractions,
    # and float32 is what Keras models compute in.
    return (np.asarray(images, dtype=np.float64) / 255).astype(np.float32)


def flatten(images):
    """One row of pixels per image, in row-major (C) order.

    Parameters
    ----------
    images : ndarray, shape (N, H, W) or (N, H, W, C)

    Returns
    -------
    rows : ndarray, shape (N, H*W) or (N, H*W*C), same dtype

    Examples
    --------
    >>> flatten(np.arange(8).reshape(2, 2, 2))
    array([[0, 1, 2, 3],
           [4, 5, 6, 7]])
    """
    images = np.asarray(images)
    if images.ndim < 2:
        raise ValueError(f"images must have a leading batch axis, shape (N, H, W[, C]); got shape {images.shape}")
    # Row-major order walks along a row first: pixel (r, c) lands at r*W + c.
    # Fortran order would walk down columns and scramble the picture.
    return images.reshape(images.shape[0], -1, order="C").copy()


def add_channel_axis(images):
    """Turn a batch of grey images ``(N, H, W)`` into ``(N, H, W, 1)``.

    Examples
    --------
    >>> add_channel_axis(np.zeros((5, 28, 28), dtype=np.uint8)).shape
    (5, 28, 28, 1)
    """
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (N, H, W); got shape {images.shape}")
    # Convolutional layers expect a channel axis even for a single channel.
    return images[..., np.newaxis].copy()


def grey_to_rgb(image):
    """Repeat a grey image's only channel three times: ``(H, W)`` to ``(H, W, 3)``.

    Examples
    --------
    >>> grey_to_rgb(np.array([[7]], dtype=np.uint8))
    array([[[7, 7, 7]]], dtype=uint8)
    """
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D (H, W); got shape {image.shape}")
    # Equal R, G and B is a grey colour: repeat the values along a new last axis.
    return np.repeat(image[:, :, np.newaxis], 3, axis=2)


def drop_alpha(image):
    """Keep R, G, B of an RGBA image: ``(H, W, 4)`` to ``(H, W, 3)``.

    Examples
    --------
    >>> drop_alpha(np.zeros((2, 3, 4), dtype=np.uint8)).shape
    (2, 3, 3)
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 4:
        raise ValueError(f"image must have shape (H, W, 4); got shape {image.shape}")
    # The alpha channel is the last one; a slice keeps the first three.
    return image[:, :, :3].copy()


def to_greyscale(image, weights=(0.2989, 0.5870, 0.1140)):
    """Weighted sum of R, G and B: the brightness a person perceives.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3) or (H, W, 4)
        An alpha channel is ignored.
    weights : tuple of 3 floats
        Weights of R, G and B.

    Returns
    -------
    grey : ndarray of float64, shape (H, W)

    Examples
    --------
    >>> to_greyscale(np.array([[[255, 0, 0]]], dtype=np.uint8))
    array([[76.2195]])
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f"image must have shape (H, W, 3) or (H, W, 4); got shape {image.shape}")
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (3,):
        raise ValueError(f"weights must be 3 numbers (for R, G, B); got shape {weights.shape}")
    # Green looks brightest to us and blue darkest, hence the unequal weights.
    rgb = image[:, :, :3].astype(np.float64)
    return rgb[:, :, 0] * weights[0] + rgb[:, :, 1] * weights[1] + rgb[:, :, 2] * weights[2]


def one_hot(labels, num_classes):
    """One row per label with a 1 in that label's column: what softmax outputs are compared with.

    Raises
    ------
    ValueError
        If a label lies outside ``[0, num_classes)``.

    Examples
    --------
    >>> one_hot(np.array([2, 0]), 3)
    array([[0., 0., 1.],
           [1., 0., 0.]], dtype=float32)
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D (N,); got shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels must lie in [0, num_classes) = [0, {num_classes}); "
                         f"got values from {labels.min()} to {labels.max()}")
    # Row i of the identity matrix is the one-hot vector of class i.
    return np.eye(num_classes, dtype=np.float32)[labels.astype(np.int64)]
