"""Exercise 4 — histogram equalisation.

A low-contrast image uses only part of the range 0..255. Equalisation maps each
value ``v`` to ``255 * CDF(v)``: the fraction of pixels at most as bright, scaled
to the full range. Dark values that few pixels have stay dark; crowded levels are
pulled apart. The output histogram is as flat as the input allows.

In this course the mapping is computed in integers, so it is exact::

    out = (255 * cumulative_histogram(image)[image]) // image.size

Indexing the 256-entry table with the whole image (``table[image]``) applies the
lookup to every pixel at once: no loop needed.

Colour: equalising R, G and B one by one changes their ratios, and so the hue (a
skin tone can turn green). Instead equalise only the brightness, the HSV value
``V = max(R, G, B)``, and scale all three channels by the same factor
``V2 / V``, which keeps their ratios and so the hue.

Check your work with `pixelgrade equalisation`; stuck? `pixelgrade hint equalisation`.
"""

import numpy as np


def equalise(image):
    """Equalise a uint8 image of any shape.

    Off limits: ``skimage.exposure.equalize_hist``,
    ``skimage.exposure.equalize_adapthist``. They are what this function is graded
    against, so calling them withholds its points: use them to check your work, not in
    it.

    ``out = (255 * cumulative_histogram(image)[image]) // image.size``, computed in
    integers (int64) so the result is exact.

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
    """
    # TODO: build the cumulative histogram (you may import it from your
    # histogram.py), turn it into a 256-entry lookup table, and apply it.
    raise NotImplementedError("equalise: not started yet")


def equalise_colour(image):
    """Equalise the brightness of a colour image without shifting its hue.

    Off limits: ``skimage.exposure.equalize_hist``,
    ``skimage.exposure.equalize_adapthist``. They are what this function is graded
    against, so calling them withholds its points: use them to check your work, not in
    it.

    ``V = image.max(axis=2)``, ``V2 = equalise(V)``; where ``V > 0`` each channel
    becomes ``rint((channel * V2) / V)``, computed in float64 in that order and
    clipped to 255; where ``V == 0`` all three channels become ``V2``.

    Parameters
    ----------
    image : ndarray of uint8, shape (H, W, 3) or (H, W, 4)
        An alpha channel is dropped first.

    Returns
    -------
    equalised : ndarray of uint8, shape (H, W, 3)

    Raises
    ------
    ValueError
        If ``image`` is not of shape (H, W, 3) or (H, W, 4) (a grey image, say).
    """
    # TODO: compute V and its equalised version V2.
    # TODO: scale each channel by V2 / V where V > 0; use V2 where V == 0.
    raise NotImplementedError("equalise_colour: not started yet")
