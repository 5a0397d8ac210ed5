"""Reference solution: point transforms (negative, log, gamma).

A point transform maps each pixel value on its own, so each one is a single
whole-array expression, computed in float64 and rounded back to uint8.
"""

import numpy as np

__all__ = ["negative", "log_transform", "gamma_correction"]


def _to_uint8(values):
    """Round float64 values with rint and clip them into 0..255 as uint8."""
    # Round first, then clip: casting alone would truncate 254.9 to 254 and wrap
    # 256 around to 0.
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def negative(image):
    """The photographic negative: dark becomes bright and bright dark.

    Parameters
    ----------
    image : ndarray, uint8, any shape
        The image (values in 0..255).

    Returns
    -------
    inverted : ndarray, uint8, same shape
        ``255 - image``.

    Examples
    --------
    >>> import numpy as np
    >>> negative(np.array([[0, 100, 255]], dtype=np.uint8))
    array([[255, 155,   0]], dtype=uint8)
    """
    image = np.asarray(image)
    # Reflect the value range 0..255 about its middle. In float64, because on a
    # narrower integer dtype the subtraction could wrap around.
    return _to_uint8(255.0 - image.astype(np.float64))


def log_transform(image):
    """Spread out the dark values with a logarithm, scaled back to 0..255.

    Parameters
    ----------
    image : ndarray, uint8, any shape
        The image (values in 0..255).

    Returns
    -------
    transformed : ndarray, uint8, same shape
        ``rint(c * log(1 + image))`` with ``c = 255 / log(1 + image.max())``,
        computed in float64; an all-zero (or empty) image gives all zeros.

    Examples
    --------
    >>> import numpy as np
    >>> log_transform(np.array([[0, 1, 15, 255]], dtype=np.uint8))
    array([[  0,  32, 128, 255]], dtype=uint8)
    """
    image = np.asarray(image)
    values = image.astype(np.float64)
    if values.size == 0 or values.max() == 0:
        # log(1 + 0) = 0 would make c = 255 / 0; black stays black.
        return np.zeros(image.shape, dtype=np.uint8)
    # log grows fast near 0 and slowly later: it stretches the dark values and
    # squeezes the bright ones. 1 + image keeps log away from log(0), and c
    # maps the brightest pixel to exactly 255.
    c = 255.0 / np.log(1.0 + values.max())
    return _to_uint8(c * np.log(1.0 + values))


def gamma_correction(image, gamma):
    """Brighten (``gamma > 1``) or darken (``gamma < 1``) with a power law.

    Parameters
    ----------
    image : ndarray, uint8, any shape
        The image (values in 0..255).
    gamma : float
        Strictly positive; the exponent is ``1 / gamma``.

    Returns
    -------
    corrected : ndarray, uint8, same shape
        ``rint(255 * (image / 255) ** (1 / gamma))``, computed in float64.

    Raises
    ------
    ValueError
        If ``gamma <= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> gamma_correction(np.array([[0, 64, 255]], dtype=np.uint8), 2.0)
    array([[  0, 128, 255]], dtype=uint8)
    """
    # gamma = 0 would divide by zero and a negative gamma turns the curve upside
    # down (0 maps to infinity); "not > 0" also refuses NaN.
    if not gamma > 0:
        raise ValueError(f"gamma must be > 0, got {gamma!r}")
    image = np.asarray(image)
    # Scale to 0..1 first: there 0 and 1 are fixed points of any power, so
    # black and white stay put while the mid-tones move (up when 1/gamma < 1).
    scaled = image.astype(np.float64) / 255.0
    return _to_uint8(255.0 * scaled ** (1.0 / gamma))
