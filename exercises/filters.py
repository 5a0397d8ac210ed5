"""Exercise 6 — filters: blurring and denoising.

A blur replaces every pixel by a weighted average of its neighbourhood: a
convolution with a kernel whose weights are positive and add up to 1. Adding up
to 1 matters: a flat region must stay exactly as bright as it was.

- The *mean* (box) kernel gives every pixel of an ``n x n`` square the same
  weight, ``1 / n**2``. It is simple, but its hard edges leave blocky artefacts.
- The *Gaussian* kernel gives near pixels more weight than far ones, following
  ``exp(-(x**2 + y**2) / (2 * sigma**2))`` around the centre; ``sigma`` (in
  pixels) sets how far the blur reaches. Its size ``n`` is odd so that it has a
  centre pixel. It blurs smoothly, with no blocks.

Averaging is the wrong tool against salt-and-pepper noise (isolated black and
white pixels): a single 255 among dark pixels drags their mean up and spreads
into a grey blotch. The *median* of the neighbourhood ignores such outliers: it
is the middle value once the window is sorted, so a few extreme pixels cannot
move it, and edges stay sharp. The median of an odd number of values is one of
those values, so the filter keeps the image's dtype.

Near the border, both operations extend the image by mirroring it (border pixel
included) so that every pixel has a full neighbourhood; that is SciPy's
``boundary="symm"`` for ``convolve2d`` and ``mode="reflect"`` for
``scipy.ndimage``.

This module must work on its own: if you need a convolution, write the small
part you need here (or copy your own) instead of importing the convolution
exercise.

Check your work with `pixelgrade filters`; stuck? `pixelgrade hint filters`.
"""

import numpy as np


def mean_kernel(n):
    """A box kernel that averages an ``n x n`` neighbourhood.

    Parameters
    ----------
    n : int
        Side length, at least 1 (even sizes are allowed).

    Returns
    -------
    kernel : ndarray of float64, shape (n, n)
        Every entry ``1 / n**2``.
    """
    # TODO: an (n, n) float64 array whose entries add up to 1.
    raise NotImplementedError("mean_kernel: not started yet")


def gaussian_kernel(n, sigma):
    """A normalised ``n x n`` Gaussian kernel.

    Parameters
    ----------
    n : int
        Side length, a positive odd number.
    sigma : float
        Standard deviation in pixels, > 0.

    Returns
    -------
    kernel : ndarray of float64, shape (n, n)
        Proportional to ``exp(-(x**2 + y**2) / (2 * sigma**2))`` for ``x, y`` in
        ``-(n-1)/2 .. (n-1)/2``, normalised to sum to 1.

    Raises
    ------
    ValueError
        If ``n`` is even or ``sigma <= 0`` (the message names the argument).
    """
    # TODO: reject an even n and sigma <= 0.
    # TODO: the offsets x of each row/column from the centre; evaluate the
    # Gaussian on the grid of (x, y) pairs (broadcasting helps).
    # TODO: divide by the sum so the weights add up to 1.
    raise NotImplementedError("gaussian_kernel: not started yet")


def blur(image, kernel):
    """Blur an image by convolving it with a kernel, the border mirrored.

    Off limits: ``scipy.signal.convolve2d``, ``scipy.signal.correlate2d``,
    ``scipy.signal.convolve``, ``scipy.signal.fftconvolve``, ``scipy.ndimage.convolve``,
    ``scipy.ndimage.correlate``, ``scipy.ndimage.uniform_filter``,
    ``scipy.ndimage.gaussian_filter``, ``skimage.filters.gaussian``. They are what this
    function is graded against, so calling them withholds its points: use them to check
    your work, not in it.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C), usually uint8
        The image; a colour image is blurred channel by channel.
    kernel : array_like of shape (F0, F1)
        The kernel, e.g. ``mean_kernel(3)`` or ``gaussian_kernel(5, 1.0)``.

    Returns
    -------
    blurred : ndarray of uint8, same shape as image
        ``convolve2d(channel, kernel, mode="same", boundary="symm")`` for each
        channel, rounded with ``np.rint`` and clipped to [0, 255].
    """
    # TODO: convolve in float64 ("same" size, border mirrored), every channel
    # of a colour image with the same kernel.
    # TODO: round with np.rint, clip to 0..255, return uint8.
    raise NotImplementedError("blur: not started yet")


def median_filter(image, size):
    """Replace each pixel by the median of its ``size x size`` neighbourhood.

    Off limits: ``scipy.ndimage.median_filter``, ``scipy.signal.medfilt2d``,
    ``scipy.signal.medfilt``, ``skimage.filters.median``, ``scipy.ndimage.rank_filter``,
    ``scipy.ndimage.percentile_filter``, ``scipy.ndimage.generic_filter``. They are what
    this function is graded against, so calling them withholds its points: use them to
    check your work, not in it.

    Equal to ``scipy.ndimage.median_filter(image, size=size, mode="reflect")``.

    Parameters
    ----------
    image : ndarray of shape (H, W)
        A greyscale image.
    size : int
        Window side, a positive odd number.

    Returns
    -------
    filtered : ndarray of shape (H, W), same dtype as image

    Raises
    ------
    ValueError
        If ``size`` is even (the message names ``size``).
    """
    # TODO: reject an even size.
    # TODO: mirror the border (border pixel included) by size // 2 pixels.
    # TODO: look at every size x size window at once (see
    # np.lib.stride_tricks.sliding_window_view) and take the middle value of
    # each (np.median, or np.partition which does not sort everything).
    raise NotImplementedError("median_filter: not started yet")
