"""Histogram equalisation: spreading grey levels to use the whole range (reference).

Mapping each value ``v`` to ``255 * CDF(v)`` sends the darkest pixels towards 0
and the brightest towards 255, and spreads the crowded levels apart: the output
histogram is as flat as the input allows. For colour, equalising R, G and B one by
one shifts the hue; equalising only the brightness (the HSV value V = max of the
channels) and scaling all three channels by the same factor keeps it.
"""

import numpy as np


def _cumulative_histogram(image):
    return np.cumsum(np.bincount(image.ravel(), minlength=256), dtype=np.int64)


def _equalise(image):
    # The cumulative histogram is a lookup table: indexing it with the image
    # replaces each pixel by the number of pixels at most as bright. int64 avoids
    # overflow (255 times the pixel count of a large image does not fit in 32 bits).
    if image.size == 0:
        return image.copy()
    lookup = (255 * _cumulative_histogram(image)) // image.size
    return lookup.astype(np.uint8)[image]


def equalise(image):
    """Equalise a uint8 image of any shape.

    ``out = (255 * cumulative_histogram(image)[image]) // image.size``, in integer
    arithmetic, so the result is exact.

    Parameters
    ----------
    image : ndarray of uint8, any shape

    Returns
    -------
    equalised : ndarray of uint8, same shape

    Raises
    ------
    TypeError
        If ``image`` is not uint8.

    Examples
    --------
    >>> equalise(np.array([[10, 10], [20, 30]], dtype=np.uint8))
    array([[127, 127],
           [191, 255]], dtype=uint8)
    """
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise TypeError(f"image must be uint8; got {image.dtype}")
    return _equalise(image)


def equalise_colour(image):
    """Equalise the brightness of a colour image without shifting its hue.

    ``V = image.max(axis=2)``, ``V2 = equalise(V)``; where ``V > 0`` each channel
    becomes ``rint(channel * V2 / V)`` (float64, clipped to 255); where ``V == 0``
    all three channels become ``V2``.

    Parameters
    ----------
    image : ndarray of uint8, shape (H, W, 3) or (H, W, 4)
        An alpha channel is dropped.

    Returns
    -------
    equalised : ndarray of uint8, shape (H, W, 3)

    Raises
    ------
    ValueError
        If ``image`` is not of shape (H, W, 3) or (H, W, 4) (a grey image, say).

    Examples
    --------
    >>> image = np.array([[[10, 5, 0], [40, 20, 0]]], dtype=np.uint8)
    >>> equalise_colour(image)
    array([[[127,  64,   0],
            [255, 128,   0]]], dtype=uint8)
    """
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise TypeError(f"image must be uint8; got {image.dtype}")
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f"image must have shape (H, W, 3) or (H, W, 4); got shape {image.shape}")
    rgb = image[:, :, :3]
    value = rgb.max(axis=2)
    new_value = _equalise(value).astype(np.float64)
    # Scaling R, G and B by the same factor V2 / V keeps their ratios, hence the hue.
    # (channel * V2) / V in that order, as the contract fixes the rounding.
    channels = rgb.astype(np.float64) * new_value[:, :, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = channels / value[:, :, None]
    out = np.clip(np.rint(scaled), 0, 255)
    # Black pixels have no hue to keep: they become grey at the equalised level.
    out = np.where(value[:, :, None] > 0, out, new_value[:, :, None])
    return out.astype(np.uint8)
