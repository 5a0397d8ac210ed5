"""Reference solution: blurring with mean and Gaussian kernels, median denoising.

Self-contained (numpy only): the "same"-size convolution with a mirrored
border that `blur` needs, and the mirrored padding that `median_filter` needs,
are small private helpers here rather than imports of the convolution
exercise.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["mean_kernel", "gaussian_kernel", "blur", "median_filter"]


def _positive_int(name, value, *, odd=False):
    """``value`` as a Python int >= 1 (and odd if asked), else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {value!r}")
    value = int(value)
    if odd and (value < 1 or value % 2 == 0):
        raise ValueError(f"{name} must be a positive odd int, got {value}")
    if value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value}")
    return value


def _symmetric_index(n, before, after):
    """Source index of each position of an axis mirrored (border pixel included).

    The pattern ``0 .. n-1, n-1 .. 0`` repeats with period ``2n``, so any
    width works, even one larger than the axis.
    """
    k = np.mod(np.arange(-before, n + after), 2 * n)
    return np.where(k >= n, 2 * n - 1 - k, k)


def _pad_symmetric(image, before, after):
    """Mirror the first two axes: ``before[i]``/``after[i]`` pixels on axis ``i``."""
    out = np.take(image, _symmetric_index(image.shape[0], before[0], after[0]), axis=0)
    return np.take(out, _symmetric_index(image.shape[1], before[1], after[1]), axis=1)


def _convolve_same_symm(image, kernel):
    """``scipy.signal.convolve2d(image, kernel, "same", "symm")`` on the first two axes.

    ``image`` is float64 ``(H, W, ...)``; further axes (channels) are carried along.
    """
    height, width = image.shape[:2]
    f0, f1 = kernel.shape
    # "same" keeps the centre of the full convolution; with an even kernel the
    # extra tap lies before the pixel: F // 2 pixels above, (F - 1) // 2 below.
    padded = _pad_symmetric(image, (f0 // 2, f1 // 2), ((f0 - 1) // 2, (f1 - 1) // 2))
    out = np.zeros(image.shape)
    term = np.empty_like(out)
    for a in range(f0):
        for b in range(f1):
            # Kernel entry (a, b) multiplies the pixel a rows above and b columns
            # left of the output's anchor: the kernel is flipped.
            top, left = f0 - 1 - a, f1 - 1 - b
            np.multiply(padded[top : top + height, left : left + width], kernel[a, b], out=term)
            out += term
    return out


def mean_kernel(n):
    """A box kernel that averages an ``n x n`` neighbourhood.

    Parameters
    ----------
    n : int
        Side length, at least 1 (even sizes are allowed).

    Returns
    -------
    kernel : (n, n) ndarray, float64
        Every entry ``1 / n**2``, so the entries sum to 1.

    Raises
    ------
    ValueError
        If ``n < 1``.
    TypeError
        If ``n`` is not an int.

    Examples
    --------
    >>> mean_kernel(2)
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    n = _positive_int("n", n)
    # Weights that sum to 1 keep the overall brightness: a flat region stays
    # exactly as it was.
    return np.full((n, n), 1.0 / n**2)


def gaussian_kernel(n, sigma):
    """A normalised ``n x n`` Gaussian kernel.

    Parameters
    ----------
    n : int
        Side length, a positive odd number, so the kernel has a centre pixel.
    sigma : float
        Standard deviation in pixels, > 0.

    Returns
    -------
    kernel : (n, n) ndarray, float64
        Proportional to ``exp(-(x**2 + y**2) / (2 * sigma**2))`` for ``x, y`` in
        ``-(n-1)/2 .. (n-1)/2``, normalised to sum to 1.

    Raises
    ------
    ValueError
        If ``n`` is even or < 1, or ``sigma <= 0``.
    TypeError
        If ``n`` is not an int.

    Examples
    --------
    >>> import numpy as np
    >>> k = gaussian_kernel(3, 1.0)
    >>> k.round(4)
    array([[0.0751, 0.1238, 0.0751],
           [0.1238, 0.2042, 0.1238],
           [0.0751, 0.1238, 0.0751]])
    >>> bool(np.isclose(k.sum(), 1.0))
    True
    """
    # An even n has no centre pixel, so the kernel would shift the image by half
    # a pixel; sigma <= 0 is no width at all ("not > 0" also refuses NaN).
    n = _positive_int("n", n, odd=True)
    if not sigma > 0:
        raise ValueError(f"sigma must be > 0, got {sigma!r}")
    # Offsets from the centre pixel; the weight falls off with the squared
    # distance, so near pixels count more than far ones.
    x = np.arange(n) - (n - 1) / 2
    kernel = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2.0 * float(sigma) ** 2))
    # Normalise so the weights sum to 1 and the blur keeps the brightness.
    return kernel / kernel.sum()


def blur(image, kernel):
    """Blur an image by convolving it with a kernel, the border mirrored.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array_like, real numbers
        The image, usually ``uint8``; a colour image is blurred channel by channel.
    kernel : (F0, F1) array_like
        The kernel, e.g. `mean_kernel` or `gaussian_kernel`.

    Returns
    -------
    blurred : ndarray, uint8, same shape as ``image``
        ``scipy.signal.convolve2d(channel, kernel, mode="same", boundary="symm")``
        of each channel, rounded with ``np.rint`` and clipped to [0, 255].

    Raises
    ------
    ValueError
        If ``image`` is not 2-D or 3-D or is empty, or ``kernel`` is not 2-D or
        is empty.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((3, 3), dtype=np.uint8)
    >>> image[1, 1] = 90
    >>> blur(image, mean_kernel(3))
    array([[10, 10, 10],
           [10, 10, 10],
           [10, 10, 10]], dtype=uint8)
    """
    image, kernel = np.asarray(image), np.asarray(kernel)
    if image.ndim not in (2, 3):
        raise ValueError(f"image must be (H, W) or (H, W, C), got shape {image.shape}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"image must not be empty, got shape {image.shape}")
    if kernel.ndim != 2 or kernel.size == 0:
        raise ValueError(f"kernel must be a non-empty 2-D array, got shape {kernel.shape}")
    # Convolve in float64 (uint8 sums would overflow) with a mirrored border,
    # so edge pixels are averaged with plausible neighbours instead of black.
    out = _convolve_same_symm(image.astype(np.float64), kernel.astype(np.float64))
    # Back to uint8: round to the nearest integer, then clip into 0..255.
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def median_filter(image, size):
    """Replace each pixel by the median of its ``size x size`` neighbourhood.

    Equal to ``scipy.ndimage.median_filter(image, size=size, mode="reflect")``.

    Parameters
    ----------
    image : (H, W) array_like
        A greyscale image, any real dtype.
    size : int
        Window side, a positive odd number.

    Returns
    -------
    filtered : (H, W) ndarray, same dtype as ``image``

    Raises
    ------
    ValueError
        If ``size`` is even or < 1, or ``image`` is not 2-D.
    TypeError
        If ``size`` is not an int.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.full((4, 4), 10, dtype=np.uint8)
    >>> image[1, 2] = 255  # salt noise
    >>> median_filter(image, 3)
    array([[10, 10, 10, 10],
           [10, 10, 10, 10],
           [10, 10, 10, 10],
           [10, 10, 10, 10]], dtype=uint8)
    """
    # An even window has no centre pixel (and an even count has no middle value).
    size = _positive_int("size", size, odd=True)
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D (H, W), got shape {image.shape}")
    height, width = image.shape
    out = np.empty_like(image)
    if image.size == 0:
        return out
    r = size // 2
    middle = size * size // 2
    # Mirror the border (border pixel included) so every pixel has a full window.
    padded = _pad_symmetric(image, (r, r), (r, r))
    # Every window as a view (no copy): windows[i, j] is the size x size block
    # centred on pixel (i, j). Work on bands of rows so the copy that
    # np.partition makes stays around 4 million values.
    windows = sliding_window_view(padded, (size, size))
    band = max(1, (1 << 22) // (width * size * size))
    for top in range(0, height, band):
        block = windows[top : top + band].reshape(-1, width, size * size)
        # The median of an odd count is the element of rank size*size // 2;
        # partition puts it in place without sorting the whole window.
        out[top : top + band] = np.partition(block, middle, axis=-1)[..., middle]
    return out
