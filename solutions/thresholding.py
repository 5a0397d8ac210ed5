"""Reference solution: global thresholds and Otsu's method.

Otsu's score for every candidate threshold comes from cumulative sums over the
256-bin histogram, so one pass over the pixels (``np.bincount``) is all the
image work; the rest is 256-element arithmetic, done exactly with Python
integers so that ties are recognised as ties.
"""

import numpy as np

__all__ = ["threshold", "otsu_threshold", "otsu_mask_rgb"]


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
    mask : ndarray, bool, same shape as ``image``
        ``image > t``.

    Examples
    --------
    >>> import numpy as np
    >>> threshold(np.array([[10, 128, 200]], dtype=np.uint8), 128)
    array([[False, False,  True]])
    """
    # A comparison works on the whole array at once.
    return np.asarray(image) > t


def otsu_threshold(image):
    """The threshold that best separates the two classes of a histogram (Otsu).

    Parameters
    ----------
    image : ndarray, uint8, any shape
        The image.

    Returns
    -------
    t : int
        The ``t`` in 0..255 maximising the between-class variance
        ``w0 * w1 * (mu0 - mu1)**2``, class 0 being ``image <= t`` and class 1
        ``image > t``; ties go to the smallest ``t``. A constant image returns
        its value.

    Raises
    ------
    TypeError
        If ``image`` is not ``uint8``.
    ValueError
        If ``image`` is empty.

    Examples
    --------
    >>> import numpy as np
    >>> otsu_threshold(np.array([10, 10, 12, 200, 210, 220], dtype=np.uint8))
    12
    >>> otsu_threshold(np.array([5, 5, 5, 13, 13, 13, 13, 21, 21, 21], dtype=np.uint8))
    5
    >>> otsu_threshold(np.full((2, 2), 7, dtype=np.uint8))
    7
    """
    image = np.asarray(image)
    # Only uint8 has exactly 256 levels to try.
    _check_uint8(image)
    if image.size == 0:
        raise ValueError("image must not be empty")
    return _otsu(image)


def _check_uint8(image):
    """Raise TypeError unless ``image`` is uint8 (Otsu tries the 256 levels of uint8)."""
    if image.dtype != np.uint8:
        raise TypeError(f"image must be uint8, got {image.dtype}")


def _otsu(image):
    """`otsu_threshold` of a non-empty uint8 array (shared by the public functions)."""
    # One histogram replaces the pixels: every score depends on the counts alone.
    counts = np.bincount(image.ravel(), minlength=256)
    occupied = np.flatnonzero(counts)
    if occupied.size == 1:
        # One grey level: nothing to separate.
        return int(occupied[0])
    # For each t, class 0 holds values 0..t: its pixel count and its sum of
    # values are running totals of the histogram (int64 is plenty here).
    c0 = np.cumsum(counts)
    s0 = np.cumsum(counts * np.arange(256))
    n, total = int(c0[-1]), int(s0[-1])
    # With w = c / N and mu = s / c,
    #     w0 * w1 * (mu0 - mu1)**2 = (c1 * s0 - c0 * s1)**2 / (N**2 * c0 * c1),
    # and since s1 = S - s0, c1 = N - c0: c1 * s0 - c0 * s1 = N * s0 - c0 * S.
    # N**2 is the same for every t, so compare num / den with the integers below.
    # The square reaches ~1e31 on a 4-megapixel image, far past int64: use
    # Python ints (object arrays) and compare fractions by cross-multiplying.
    c0 = c0.astype(object)
    s0 = s0.astype(object)
    num = (n * s0 - c0 * total) ** 2
    den = c0 * (n - c0)
    # Only thresholds with pixels on both sides split the image; the others
    # score 0 and cannot win, because some split of a non-constant image scores > 0.
    candidates = np.flatnonzero(den != 0)
    best = candidates[0]
    for t in candidates[1:]:
        # num[t] / den[t] > num[best] / den[best], exactly; a strict > keeps the
        # smallest t on a tie.
        if num[t] * den[best] > num[best] * den[t]:
            best = t
    return int(best)


def otsu_mask_rgb(image):
    """Foreground mask of a colour image: bright in all three channels.

    Parameters
    ----------
    image : (H, W, 3) ndarray, uint8
        The image; an alpha channel (``(H, W, 4)``) is ignored.

    Returns
    -------
    mask : (H, W) ndarray, bool
        The logical and, over R, G and B, of
        ``threshold(channel, otsu_threshold(channel))``.

    Raises
    ------
    ValueError
        If ``image`` is not ``(H, W, 3)`` or ``(H, W, 4)``, or is empty.
    TypeError
        If ``image`` is not ``uint8``.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((1, 3, 3), dtype=np.uint8)
    >>> image[0, 1] = [200, 200, 200]
    >>> image[0, 2] = [200, 0, 200]
    >>> otsu_mask_rgb(image)
    array([[False,  True, False]])
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f"image must be (H, W, 3) or (H, W, 4), got shape {image.shape}")
    _check_uint8(image)
    if image.size == 0:
        raise ValueError(f"image must not be empty, got shape {image.shape}")
    mask = np.ones(image.shape[:2], dtype=bool)
    for c in range(3):
        channel = image[..., c]
        # Each channel gets its own threshold; a pixel is foreground only if it
        # is bright in every channel (as threshold(channel, t) would say).
        mask &= channel > _otsu(channel)
    return mask
