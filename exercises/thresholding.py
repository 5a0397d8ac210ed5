"""Exercise 8 — thresholding: segmentation by a threshold.

The simplest segmentation splits the pixels into two classes with one number:
foreground where ``image > t``, background elsewhere. The whole difficulty is
choosing ``t``.

Otsu's method chooses it from the histogram alone. For a candidate ``t``, class 0
holds the pixels ``<= t`` and class 1 the pixels ``> t``; let ``w0, w1`` be the
fractions of pixels in each class and ``mu0, mu1`` their mean values. A good
threshold makes the two classes far apart and each class tight. Otsu picks the
``t`` that maximises the *between-class variance*

    w0 * w1 * (mu0 - mu1)**2

which is large when the two means are far apart *and* both classes are big (a
threshold that cuts off three pixels is not a good split). Since the total
variance of the image is the same for every ``t`` and equals the within-class
variance (``w0 * var0 + w1 * var1``) plus the between-class variance, maximising
the between-class variance is the same as *minimising the within-class
variance*: the classes are as tight as possible.

Everything comes from running totals over the 256 grey levels: for each ``t``,
the number of pixels ``<= t`` and the sum of their values. Try all 256 values of
``t`` at once rather than one pixel at a time.

Equal scores must really be equal: the contract sends ties to the smallest
``t``, and floating point can make two equal scores differ in the last digit.
Write the score as a fraction of integers and compare exactly; note that on a
4-megapixel image the numbers no longer fit in int64 (Python's own ``int`` has
no limit).

Check your work with `pixelgrade thresholding`; stuck? `pixelgrade hint thresholding`.
"""

import numpy as np


def threshold(image, t):
    """Split an image into foreground (brighter than ``t``) and background.

    Parameters
    ----------
    image : ndarray, any shape
        The image.
    t : scalar
        The threshold.

    Returns
    -------
    mask : ndarray of bool, same shape as image
        ``image > t``.
    """
    # TODO: one comparison on the whole array.
    raise NotImplementedError("threshold: not started yet")


def otsu_threshold(image):
    """The threshold that best separates the two classes of a histogram (Otsu).

    Off limits: ``skimage.filters.threshold_otsu``,
    ``skimage.filters.threshold_multiotsu``. They are what this function is graded
    against, so calling them withholds its points: use them to check your work, not in
    it.

    Parameters
    ----------
    image : ndarray of uint8, any shape
        The image.

    Returns
    -------
    t : int
        The ``t`` in 0..255 that maximises ``w0 * w1 * (mu0 - mu1)**2``, where
        class 0 is ``image <= t`` and class 1 is ``image > t``; ties go to the
        smallest ``t``. A constant image returns its value.

    Raises
    ------
    TypeError
        If ``image`` is not uint8 (the message names ``image``).
    """
    # TODO: check the dtype; count each grey level; a single grey level is the answer.
    # TODO: for every t at once, the pixel count and the sum of values of class 0
    # (running totals), and from the totals those of class 1.
    # TODO: write w0 * w1 * (mu0 - mu1)**2 as (integer) / (integer), using only
    # counts and sums; skip the t where a class is empty.
    # TODO: find the largest score exactly, keeping the smallest t on a tie.
    raise NotImplementedError("otsu_threshold: not started yet")


def otsu_mask_rgb(image):
    """Foreground mask of a colour image: bright in all three channels.

    Off limits: ``skimage.filters.threshold_otsu``,
    ``skimage.filters.threshold_multiotsu``. They are what this function is graded
    against, so calling them withholds its points: use them to check your work, not in
    it.

    Parameters
    ----------
    image : ndarray of uint8, shape (H, W, 3)
        The image.

    Returns
    -------
    mask : ndarray of bool, shape (H, W)
        The logical and, over the three channels, of
        ``threshold(channel, otsu_threshold(channel))``.
    """
    # TODO: threshold every channel at its own Otsu threshold and combine the
    # three masks with a logical and.
    raise NotImplementedError("otsu_mask_rgb: not started yet")
