"""Exercise 5 — convolution: padding, sliding windows, output size.

A convolution slides a small grid of weights, the *kernel*, over the image; at
each position it multiplies the pixels under the kernel by the weights and adds
them up. Blurring, sharpening and edge detection are all convolutions; only the
weights differ. Convolutional neural networks learn their kernels.

**How big is the output?** Along one axis, an image of length ``N`` and a kernel
of length ``F`` that moves ``S`` pixels at a time (the *stride*), after ``P``
pixels of padding are added at each end, give

    (N - F + 2P) / S + 1     positions (rounded down).

The kernel's first position starts at 0, its last can start at ``N + 2P - F``,
and it stops every ``S`` pixels in between; count the stops. For example
``N = 28, F = 5``: 24 positions without padding, 28 with ``P = 2``.

**Why pad?** Without padding every convolution shrinks the image by ``F - 1``
pixels, and a border pixel takes part in fewer sums than a central one: the
kernel never gets centred on it. Padding adds a frame of made-up pixels so the
output keeps the input's size and the kernel can "see" the border. What to put in
the frame is a choice: a constant (zero, usually), a copy of the nearest border
pixel (``edge``), or a mirror image of the inside (``reflect`` mirrors about the
border pixel, ``d c b | a b c d``; ``symmetric`` repeats it, ``c b a | a b c``).
Mirroring avoids inventing a dark frame that a blur would smear inwards.

**Why is the kernel flipped?** Sliding the kernel as it is and summing is a
*correlation*. A *convolution* first flips the kernel upside down and left to
right: ``out[i, j] = sum of kernel[a, b] * image[i - a, j - b]``. The flip is
what gives convolution its algebra: it is commutative (``f * k == k * f``) and
associative (``(f * k1) * k2 == f * (k1 * k2)``, so two blurs can be merged into
one kernel), and the delta kernel (a single 1) is its identity: convolving an
image with a delta gives the image back, and convolving a single bright pixel
with a kernel draws the kernel the right way up (a correlation draws it upside
down). For symmetric kernels (mean, Gaussian) the two agree; for others they do
not. Sobel filters are usually written as correlations, which is why the
``sobel`` exercise says "correlation".

Compute in float64, and loop over the kernel's entries rather than over the
pixels: the sum of ``F*F`` shifted slices of the padded image, each multiplied
by one weight, is a whole convolution.

Check your work with `pixelgrade convolution`; stuck? `pixelgrade hint convolution`.
"""

import numpy as np


def pad(image, width, mode="constant", constant_value=0):
    """Pad the first two axes of an image.

    Off limits: ``numpy.pad``, ``skimage.util.pad``. They are what this function is
    graded against, so calling them withholds its points: use them to check your work,
    not in it.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C), any dtype
        The image. Axes after the first two are not padded.
    width : int or tuple of (int, int)
        Pixels to add on every side, or ``(rows, cols)``: ``rows`` above and
        below, ``cols`` left and right.
    mode : {"constant", "edge", "reflect", "symmetric"}, optional
        What the new pixels hold, exactly as in ``np.pad`` (widths larger than
        the image included).
    constant_value : scalar, optional
        Value of the new pixels in ``"constant"`` mode.

    Returns
    -------
    padded : ndarray of shape (H + 2*rows, W + 2*cols, ...), same dtype as image

    Raises
    ------
    ValueError
        If a width is negative, ``mode`` is unknown, or ``constant_value`` cannot
        be held by the image's dtype (300, -1 or 0.5 for a uint8 image). The
        message names the argument and the allowed values.
    """
    # TODO: check width (an int or a (rows, cols) pair, never negative) and mode.
    # TODO: "constant": check constant_value fits the dtype; make a new array
    # full of it and copy the image into the middle.
    # TODO: the other modes: for each padded position, work out WHICH pixel of
    # the image it copies (index arithmetic: np.clip, np.mod, np.where), then
    # gather rows and columns with np.take. Do not call np.pad: it is the oracle.
    raise NotImplementedError("pad: not started yet")


def output_size(n, f, stride=1, padding=0):
    """Length of the output of a sliding window along one axis.

    Parameters
    ----------
    n : int
        Input length.
    f : int
        Window (kernel) length.
    stride : int, optional
        Step between two window positions, at least 1.
    padding : int, optional
        Pixels added at each end of the input.

    Returns
    -------
    size : int
        ``(n + 2*padding - f) // stride + 1``.

    Raises
    ------
    ValueError
        If ``stride < 1`` or ``f > n + 2*padding`` (the window does not fit).
    """
    # TODO: validate stride and f, then count the window positions.
    raise NotImplementedError("output_size: not started yet")


def convolve2d(image, kernel, mode="same", boundary="fill", fill_value=0.0, stride=1):
    """True 2-D convolution (the kernel is flipped) of an image with a kernel.

    Off limits: ``scipy.signal.convolve2d``, ``scipy.signal.correlate2d``,
    ``scipy.signal.convolve``, ``scipy.signal.fftconvolve``,
    ``scipy.signal.oaconvolve``, ``scipy.ndimage.convolve``,
    ``scipy.ndimage.correlate``. They are what this function is graded against, so
    calling them withholds its points: use them to check your work, not in it.

    Equal to ``scipy.signal.convolve2d(image.astype(float), kernel.astype(float),
    mode, boundary, fill_value)[::stride, ::stride]``.

    Parameters
    ----------
    image : array_like of shape (H, W)
        The image (any real dtype; compute in float64).
    kernel : array_like of shape (F0, F1)
        The kernel, of any shape: odd, even, not square, even larger than the image.
    mode : {"full", "same", "valid"}, optional
        ``"full"``: every position where kernel and image overlap,
        ``(H + F0 - 1, W + F1 - 1)``; ``"same"``: the centre of the full result,
        ``(H, W)``; ``"valid"``: only positions where the kernel lies wholly
        inside the image, ``(H - F0 + 1, W - F1 + 1)``. In ``"valid"`` mode a
        kernel at least as large as the image in every dimension swaps roles
        with it, as in SciPy: image ``(2, 3)`` with kernel ``(3, 3)`` gives
        ``(2, 1)``, ``(1, 1)`` with ``(4, 1)`` gives ``(4, 1)``.
    boundary : {"fill", "symm", "wrap"}, optional
        The image beyond its border: ``fill_value``, the image mirrored (border
        pixel included), or the image repeated.
    fill_value : float, optional
        Value beyond the border when ``boundary="fill"``.
    stride : int, optional
        Keep every ``stride``-th row and column of the result, starting with the first.

    Returns
    -------
    out : ndarray of float64

    Raises
    ------
    ValueError
        If ``mode`` or ``boundary`` is unknown, ``stride < 1``, or in ``"valid"``
        mode neither fits inside the other: each is larger than the other in
        some dimension (image ``(2, 4)`` with kernel ``(3, 3)``).
    """
    # TODO: validate mode, boundary and stride; convert image and kernel to float64.
    # TODO: "valid" with a kernel at least as large as the image in every
    # dimension: swap them (convolution is commutative); when each is larger
    # than the other in some dimension: ValueError.
    # TODO: work out which image rows and columns the wanted outputs need (the
    # "full" result at position p uses pixels p - F + 1 .. p; "same" starts
    # (F - 1) // 2 into the full result, "valid" F - 1 into it), and build that
    # padded image according to boundary.
    # TODO: flip the kernel; add up, for every kernel entry, the weight times a
    # shifted slice of the padded image (step the slices by stride).
    raise NotImplementedError("convolve2d: not started yet")


def convolve_channels(image, kernel, **options):
    """Convolve each channel of a colour image with the same kernel.

    Off limits: ``scipy.signal.convolve2d``, ``scipy.signal.correlate2d``,
    ``scipy.signal.convolve``, ``scipy.signal.fftconvolve``,
    ``scipy.signal.oaconvolve``, ``scipy.ndimage.convolve``,
    ``scipy.ndimage.correlate``. They are what this function is graded against, so
    calling them withholds its points: use them to check your work, not in it.

    Parameters
    ----------
    image : array_like of shape (H, W, C)
        The image.
    kernel : array_like of shape (F0, F1)
        The kernel.
    **options
        ``mode``, ``boundary``, ``fill_value``, ``stride``, passed to `convolve2d`.

    Returns
    -------
    out : ndarray of float64, shape (H', W', C)
        `convolve2d` of each channel, stacked on the last axis.

    Raises
    ------
    ValueError
        If ``image`` is not 3-D, or as `convolve2d` raises.
    """
    # TODO: convolve every channel with convolve2d and stack the results on the
    # last axis.
    raise NotImplementedError("convolve_channels: not started yet")
