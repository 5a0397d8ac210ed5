"""Exercise 2 — intensity: point transforms.

A point transform changes every pixel on its own: the new value depends only on
the old value of that same pixel, never on its neighbours. It is a curve that maps
the input range 0..255 to the output range 0..255, and its shape decides which
tones get more room and which get squeezed.

- The negative, ``255 - image``, turns the range upside down: black becomes white.
- The log transform, ``c * log(1 + image)``, is steep near 0 and flat near 255.
  Steep means "spread apart": two dark values such as 2 and 5 end up far apart in
  the output, so detail hidden in the shadows becomes visible. Flat means
  "squeezed together": bright values such as 200 and 250 end up almost equal. So
  the log *expands the dark values and compresses the bright ones*; that is why it
  is used on images with a huge range, like a Fourier spectrum or a night sky.
  The ``1 +`` keeps ``log(0)`` away, and ``c = 255 / log(1 + image.max())`` makes
  the brightest pixel land exactly on 255.
- Gamma correction, ``255 * (image / 255) ** (1 / gamma)``, works on the 0..1
  scale, where 0 and 1 stay fixed under any power: black and white stay put while
  the mid-tones move. With ``gamma > 1`` the exponent is below 1 and the image gets
  brighter; with ``gamma < 1`` it gets darker.

Do the arithmetic in float64: ``uint8`` arithmetic wraps around (``np.uint8(250)
+ 10`` is 4) and ``np.log`` of a ``uint8`` array returns low-precision float16.
Convert back at the end with ``np.rint``, clipped into 0..255, as ``uint8``.

Check your work with `pixelgrade intensity`; stuck? `pixelgrade hint intensity`.
"""

import numpy as np


def negative(image):
    """The photographic negative: dark becomes bright and bright dark.

    Parameters
    ----------
    image : ndarray of uint8, any shape
        The image (values 0..255).

    Returns
    -------
    inverted : ndarray of uint8, same shape
        ``255 - image``.
    """
    # TODO: reflect every value about the middle of 0..255 and return uint8.
    raise NotImplementedError("negative: not started yet")


def log_transform(image):
    """Spread out the dark values with a logarithm, scaled back to 0..255.

    Parameters
    ----------
    image : ndarray of uint8, any shape
        The image (values 0..255).

    Returns
    -------
    transformed : ndarray of uint8, same shape
        ``rint(c * log(1 + image))`` with ``c = 255 / log(1 + image.max())``,
        computed in float64. An all-zero image (an empty one too) gives all zeros.
    """
    # TODO: handle the all-zero image first (what would c be?).
    # TODO: compute c, then c * log(1 + image) in float64; round with np.rint,
    # clip to 0..255 and return uint8.
    raise NotImplementedError("log_transform: not started yet")


def gamma_correction(image, gamma):
    """Brighten (``gamma > 1``) or darken (``gamma < 1``) with a power law.

    Parameters
    ----------
    image : ndarray of uint8, any shape
        The image (values 0..255).
    gamma : float
        Strictly positive; the exponent is ``1 / gamma``.

    Returns
    -------
    corrected : ndarray of uint8, same shape
        ``rint(255 * (image / 255) ** (1 / gamma))``, computed in float64.

    Raises
    ------
    ValueError
        If ``gamma <= 0`` (the message names ``gamma``).
    """
    # TODO: reject gamma <= 0 with a ValueError that names gamma.
    # TODO: scale to 0..1, raise to the power 1 / gamma, scale back to 0..255,
    # then rint, clip and return uint8.
    raise NotImplementedError("gamma_correction: not started yet")
