"""Exercise 3 — histograms: how often each grey level occurs.

The histogram of a ``uint8`` image counts, for each value 0..255, how many pixels
have that value. It tells at a glance whether an image is dark (counts crowd at the
left), bright (at the right) or low-contrast (a narrow hump).

The cumulative histogram is its running total: entry ``v`` counts the pixels that
are *at most* ``v``, so it never decreases and its last entry is the number of
pixels. Divided by that number it becomes the cumulative distribution function
(CDF): the fraction of pixels at most ``v``, rising from near 0 to exactly 1. The
next exercise uses it to equalise images.

Every function here takes a ``uint8`` image of any shape and raises ``TypeError``
for any other dtype (a float image has no 256 levels to count).

Check your work with `pixelgrade histogram`; stuck? `pixelgrade hint histogram`.
"""

import numpy as np


def histogram(image):
    """Count each value 0..255 of a uint8 image.

    Off limits: ``numpy.histogram``, ``skimage.exposure.histogram``,
    ``skimage.exposure.cumulative_distribution``. They are what this function is graded
    against, so calling them withholds its points: use them to check your work, not in
    it.

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
        If ``image`` is not uint8 (the message names ``image``).
    """
    # TODO: check the dtype, then count every value 0..255 (all 256 of them,
    # even those that never occur).
    raise NotImplementedError("histogram: not started yet")


def cumulative_histogram(image):
    """Running total of the histogram: how many pixels are at most each value.

    Off limits: ``numpy.histogram``, ``skimage.exposure.histogram``,
    ``skimage.exposure.cumulative_distribution``. They are what this function is graded
    against, so calling them withholds its points: use them to check your work, not in
    it.

    Parameters
    ----------
    image : ndarray of uint8, any shape

    Returns
    -------
    totals : ndarray of int64, shape (256,)
        The last entry equals ``image.size``.
    """
    # TODO: add up the histogram as you go.
    raise NotImplementedError("cumulative_histogram: not started yet")


def normalised_cdf(image):
    """The fraction of pixels at most each value (the cumulative distribution).

    Off limits: ``numpy.histogram``, ``skimage.exposure.histogram``,
    ``skimage.exposure.cumulative_distribution``. They are what this function is graded
    against, so calling them withholds its points: use them to check your work, not in
    it.

    Parameters
    ----------
    image : ndarray of uint8, any shape

    Returns
    -------
    cdf : ndarray of float64, shape (256,)
        Never decreases, and ends at exactly 1.0.

    Raises
    ------
    TypeError
        If ``image`` is not uint8.
    ValueError
        If ``image`` is empty (the message names ``image``).
    """
    # TODO: divide the cumulative histogram by the number of pixels.
    raise NotImplementedError("normalised_cdf: not started yet")
