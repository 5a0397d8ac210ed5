"""Reference solution: padding, output sizes and 2-D convolution.

Everything is vectorised: padding is index arithmetic (one gather per axis)
and a convolution is a sum of ``F0 * F1`` shifted, weighted views of the padded
image, so the only Python loop runs over the kernel's entries, never over
pixels.
"""

import numpy as np

__all__ = ["pad", "output_size", "convolve2d", "convolve_channels"]

_PAD_MODES = ("constant", "edge", "reflect", "symmetric")
_CONV_MODES = ("full", "same", "valid")
_BOUNDARIES = ("fill", "symm", "wrap")


def _one_of(name, value, allowed):
    """Raise ``ValueError`` unless ``value`` is one of the strings ``allowed``."""
    if not (isinstance(value, str) and value in allowed):
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {choices}; got {value!r}")


def _as_int(name, value):
    """``value`` as a Python int; ``TypeError`` for floats, strings, bools, ..."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {value!r}")
    return int(value)


def _stride(stride):
    """``stride`` as a Python int >= 1; anything else is a bad value."""
    try:
        value = _as_int("stride", stride)
    except TypeError:
        value = 0
    if value < 1:
        raise ValueError(f"stride must be an int >= 1, got {stride!r}")
    return value


def _pad_widths(width):
    """``(rows, cols)`` from an int or a pair of ints, both checked >= 0."""
    message = "width must be a non-negative int or a (rows, cols) pair of them"
    if isinstance(width, (tuple, list)) or np.ndim(width) > 0:
        if len(width) != 2:
            raise ValueError(f"{message}, got {width!r}")
        rows, cols = width
    else:
        rows = cols = width
    try:
        rows, cols = _as_int("width", rows), _as_int("width", cols)
    except TypeError:
        raise TypeError(f"{message}, got {width!r}") from None
    if rows < 0 or cols < 0:
        raise ValueError(f"{message}, got {width!r}")
    return rows, cols


def _check_constant(value, dtype):
    """Return ``value`` if an array of ``dtype`` can hold it exactly, else raise.

    Integers must be whole numbers inside the dtype's range, booleans 0 or 1,
    floats anything that does not overflow the type (NaN and inf included).
    """
    if np.ndim(value) != 0:
        raise ValueError(f"constant_value must be a single number, got {value!r}")
    item = np.asarray(value).item()
    kind = dtype.kind
    if kind in "biu":
        if kind == "b":
            low, high = 0, 1
        else:
            info = np.iinfo(dtype)
            low, high = int(info.min), int(info.max)
        if isinstance(item, int):
            ok = low <= item <= high
        elif isinstance(item, float):
            ok = float(item).is_integer() and low <= item <= high
        else:
            ok = False
        if not ok:
            raise ValueError(
                f"constant_value must be a whole number from {low} to {high} for a {dtype} image, got {value!r}"
            )
    elif kind == "f":
        if not isinstance(item, (int, float)):
            raise ValueError(f"constant_value must be a real number for a {dtype} image, got {value!r}")
        limit = float(np.finfo(dtype).max)
        # NaN and inf are floats like any other; a finite value must not overflow.
        # (Python compares a huge int with a float exactly, without converting.)
        if (isinstance(item, int) or np.isfinite(item)) and abs(item) > limit:
            raise ValueError(f"constant_value must lie within +-{limit:g} for a {dtype} image, got {value!r}")
    else:
        try:
            if kind == "c" and not isinstance(item, (int, float, complex)):
                raise TypeError
            np.asarray(value).astype(dtype)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"constant_value must be a value a {dtype} image can hold, got {value!r}") from None
    return value


def _source_index(n, before, after, mode):
    """Indices into an axis of length ``n`` for every position of the padded axis.

    Position ``i`` of the padded axis (``-before <= i < n + after``) shows
    pixel ``index[i + before]`` of the original axis.
    """
    i = np.arange(-before, n + after)
    if mode == "edge":
        return np.clip(i, 0, n - 1)
    if mode == "symmetric":
        # Mirror including the border pixel: the pattern 0..n-1, n-1..0 repeats
        # with period 2n, so the rule works for any width, however large.
        k = np.mod(i, 2 * n)
        return np.where(k >= n, 2 * n - 1 - k, k)
    if mode == "reflect":
        if n == 1:
            return np.zeros_like(i)
        # Mirror about the border pixel: 0..n-1, n-2..1 repeats with period
        # 2(n - 1); the border pixel is not repeated.
        period = 2 * (n - 1)
        k = np.mod(i, period)
        return np.where(k >= n, period - k, k)
    if mode == "wrap":
        return np.mod(i, n)
    raise AssertionError(mode)  # pragma: no cover


def pad(image, width, mode="constant", constant_value=0):
    """Pad the first two axes of an image.

    Parameters
    ----------
    image : (H, W) or (H, W, C) ndarray, any dtype
        The image. Axes after the first two are not padded.
    width : int or tuple of (int, int)
        Pixels to add on every side, or ``(rows, cols)``: ``rows`` above and
        below, ``cols`` left and right.
    mode : {"constant", "edge", "reflect", "symmetric"}, optional
        What the new pixels hold, exactly as in ``np.pad``: ``constant_value``;
        a copy of the nearest border pixel; the image mirrored about its border
        pixel (``d c b | a b c d | c b a``); or mirrored including it
        (``c b a | a b c d | d c b``). Widths larger than the image repeat the
        mirroring.
    constant_value : scalar, optional
        Value of the new pixels in ``"constant"`` mode.

    Returns
    -------
    padded : (H + 2*rows, W + 2*cols, ...) ndarray, same dtype as ``image``
        A new array; ``image`` is not modified.

    Raises
    ------
    ValueError
        If a width is negative, ``mode`` is unknown, ``constant_value`` cannot be
        held by the image's dtype (e.g. 300, -1 or 0.5 for ``uint8``), the image
        has fewer than two axes, or an empty axis would need to be extended
        from its (missing) pixels.
    TypeError
        If ``width`` is not an int or a pair of ints.

    Examples
    --------
    >>> import numpy as np
    >>> row = np.array([[1, 2, 3]], dtype=np.uint8)
    >>> pad(row, (0, 2), mode="reflect")
    array([[3, 2, 1, 2, 3, 2, 1]], dtype=uint8)
    >>> pad(row, (0, 2), mode="symmetric")
    array([[2, 1, 1, 2, 3, 3, 2]], dtype=uint8)
    >>> pad(row, 1, constant_value=9)
    array([[9, 9, 9, 9, 9],
           [9, 1, 2, 3, 9],
           [9, 9, 9, 9, 9]], dtype=uint8)
    >>> pad(row, 1, mode="wrap")
    Traceback (most recent call last):
    ...
    ValueError: mode must be one of 'constant', 'edge', 'reflect', 'symmetric'; got 'wrap'
    """
    image = np.asarray(image)
    if image.ndim < 2:
        raise ValueError(f"image must have at least two axes (H, W, ...), got shape {image.shape}")
    # Check the arguments before any work, and say which one is wrong and what
    # was expected: a negative width has no meaning, an unknown mode no rule.
    rows, cols = _pad_widths(width)
    _one_of("mode", mode, _PAD_MODES)
    height, breadth = image.shape[:2]

    if mode == "constant":
        # A new canvas filled with the constant, then the image copied into
        # its middle: the border is whatever the canvas held.
        value = _check_constant(constant_value, image.dtype)
        out = np.full((height + 2 * rows, breadth + 2 * cols) + image.shape[2:], value, dtype=image.dtype)
        out[rows : rows + height, cols : cols + breadth] = image
        return out

    for axis, n, w in ((0, height, rows), (1, breadth, cols)):
        if n == 0 and w > 0:
            raise ValueError(
                f"can't extend the empty axis {axis} of image with mode {mode!r}; only 'constant' can pad an empty axis"
            )
    # Every padded position copies one original pixel: compute *which* one with
    # index arithmetic per axis, then gather rows and columns in one go each.
    out = np.take(image, _source_index(height, rows, rows, mode), axis=0)
    return np.take(out, _source_index(breadth, cols, cols, mode), axis=1)


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
        If ``stride`` is not an int >= 1, or the window does not fit,
        ``f > n + 2*padding``.
    TypeError
        If ``n``, ``f`` or ``padding`` is not an int.

    Examples
    --------
    >>> output_size(28, 5)
    24
    >>> output_size(28, 5, padding=2)
    28
    >>> output_size(7, 3, stride=2)
    3
    """
    n, f = _as_int("n", n), _as_int("f", f)
    padding = _as_int("padding", padding)
    # A stride of 0 would never move the window; a window longer than the
    # padded input has no position at all.
    stride = _stride(stride)
    if f > n + 2 * padding:
        raise ValueError(f"f must be <= n + 2*padding = {n + 2 * padding} (the window must fit), got {f}")
    # The first window starts at 0 and the last can start at most at
    # n + 2*padding - f; the starts are multiples of the stride, and
    # counting them (both ends included) gives the formula.
    return (n + 2 * padding - f) // stride + 1


def _fill_scalar(fill_value):
    """``fill_value`` as a float; ``ValueError`` if it is not one real number."""
    if np.size(fill_value) != 1:
        raise ValueError(f"fill_value must be a single number, got {fill_value!r}")
    item = np.asarray(fill_value).reshape(()).item()
    if isinstance(item, bool) or not isinstance(item, (int, float)):
        raise ValueError(f"fill_value must be a real number, got {fill_value!r}")
    return float(item)


def _plan(n, f, mode, stride):
    """Where the output of one axis starts in the 'full' result, and its length.

    Output ``i`` is the full-convolution position ``start + i*stride``; that
    position combines input pixels ``p - (f - 1) .. p``.
    """
    if mode == "full":
        start, size = 0, n + f - 1
    elif mode == "same":
        # The middle of the full result, starting (f - 1) // 2 in: each output
        # sees f // 2 pixels before it and (f - 1) // 2 after it, so for an even
        # kernel the extra tap lies before the pixel (as in SciPy).
        start, size = (f - 1) // 2, n
    else:
        start, size = f - 1, n - f + 1
    count = -(-size // stride)  # ceil(size / stride)
    return start, count


def _convolve(image, kernel, mode, boundary, fill, stride):
    """Vectorised 2-D convolution of float64 arrays (all arguments valid)."""
    (n0, n1), (f0, f1) = image.shape, kernel.shape
    start0, count0 = _plan(n0, f0, mode, stride)
    start1, count1 = _plan(n1, f1, mode, stride)
    # Input pixels needed along each axis: from the first output's leftmost
    # tap to the last output's rightmost tap.
    lo0, hi0 = start0 - (f0 - 1), start0 + (count0 - 1) * stride
    lo1, hi1 = start1 - (f1 - 1), start1 + (count1 - 1) * stride

    if boundary == "fill":
        padded = np.full((hi0 - lo0 + 1, hi1 - lo1 + 1), fill)
        r0, r1 = max(lo0, 0), min(hi0, n0 - 1)
        c0, c1 = max(lo1, 0), min(hi1, n1 - 1)
        if r0 <= r1 and c0 <= c1:
            padded[r0 - lo0 : r1 - lo0 + 1, c0 - lo1 : c1 - lo1 + 1] = image[r0 : r1 + 1, c0 : c1 + 1]
    else:
        # SciPy extends the image periodically: 'symm' mirrors including the
        # border pixel (np.pad's "symmetric"), 'wrap' repeats the image.
        rule = "symmetric" if boundary == "symm" else "wrap"
        padded = np.take(image, _source_index(n0, -lo0, hi0 - n0 + 1, rule), axis=0)
        padded = np.take(padded, _source_index(n1, -lo1, hi1 - n1 + 1, rule), axis=1)

    # out[i, j] = sum over (a, b) of kernel[a, b] * image[p - a, q - b]: the kernel
    # is flipped against the image. Add one weighted, shifted view per kernel
    # entry, row by row as SciPy's loop does; results agree with SciPy to the
    # last digit or two (its compiled loop may group wide rows differently).
    out = np.zeros((count0, count1))
    term = np.empty_like(out)
    span0, span1 = (count0 - 1) * stride + 1, (count1 - 1) * stride + 1
    for a in range(f0):
        for b in range(f1):
            top, left = f0 - 1 - a, f1 - 1 - b
            view = padded[top : top + span0 : stride, left : left + span1 : stride]
            np.multiply(view, kernel[a, b], out=term)
            out += term
    return out


def convolve2d(image, kernel, mode="same", boundary="fill", fill_value=0.0, stride=1):
    """True 2-D convolution (the kernel is flipped) of an image with a kernel.

    Equal to ``scipy.signal.convolve2d(image.astype(float),
    kernel.astype(float), mode, boundary, fill_value)[::stride, ::stride]``.

    Parameters
    ----------
    image : (H, W) array_like, real numbers
        The image (any real dtype; computed in float64).
    kernel : (F0, F1) array_like, real numbers
        The kernel, of any shape (odd, even, not square, larger than the image).
    mode : {"full", "same", "valid"}, optional
        ``"full"``: every position where kernel and image overlap,
        ``(H + F0 - 1, W + F1 - 1)``. ``"same"``: the centre of the full result,
        ``(H, W)``. ``"valid"``: only positions where the kernel lies inside the
        image, ``(H - F0 + 1, W - F1 + 1)``; a kernel at least as large as the
        image in every dimension swaps roles with it, as in SciPy.
    boundary : {"fill", "symm", "wrap"}, optional
        The image outside its border: ``fill_value``, the image mirrored
        (including the border pixel), or the image repeated.
    fill_value : float, optional
        Value outside the border when ``boundary="fill"``.
    stride : int, optional
        Keep every ``stride``-th row and column of the result (starting with
        the first).

    Returns
    -------
    out : ndarray, float64
        Shape of the chosen mode's result, each axis reduced by the stride to
        ``ceil(size / stride)``.

    Raises
    ------
    ValueError
        If ``image`` or ``kernel`` is not 2-D or is empty, ``mode`` or
        ``boundary`` is unknown, ``stride`` is not an int >= 1, ``fill_value`` is not a single
        real number, or ``mode="valid"`` and each of image and kernel is larger
        than the other in some dimension.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.arange(9.0).reshape(3, 3)
    >>> delta = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]])
    >>> np.array_equal(convolve2d(image, delta), image)
    True
    >>> convolve2d(image, np.ones((2, 2)), mode="valid")
    array([[ 8., 12.],
           [20., 24.]])
    >>> convolve2d(np.array([[0, 0, 1, 0, 0]]), np.array([[1, 2, 3]]))
    array([[0., 1., 2., 3., 0.]])
    >>> convolve2d(image, np.ones((3, 3)), boundary="symm", stride=2)
    array([[12., 24.],
           [48., 60.]])
    """
    return _convolve2d(image, kernel, mode, boundary, fill_value, stride)


def _convolve2d(image, kernel, mode="same", boundary="fill", fill_value=0.0, stride=1):
    """`convolve2d` itself: check every argument, then convolve.

    Shared by `convolve2d` and `convolve_channels`, so that each public function
    stands on its own.
    """
    image, kernel = np.asarray(image), np.asarray(kernel)
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D (H, W), got shape {image.shape}")
    if kernel.ndim != 2:
        raise ValueError(f"kernel must be 2-D, got shape {kernel.shape}")
    if image.size == 0:
        raise ValueError(f"image must not be empty, got shape {image.shape}")
    if kernel.size == 0:
        raise ValueError(f"kernel must not be empty, got shape {kernel.shape}")
    # Reject unknown options early, with the allowed values in the message, then
    # compute in float64 so that integer images cannot overflow.
    _one_of("mode", mode, _CONV_MODES)
    _one_of("boundary", boundary, _BOUNDARIES)
    stride = _stride(stride)
    fill = _fill_scalar(fill_value)
    image, kernel = image.astype(np.float64), kernel.astype(np.float64)

    if mode == "valid":
        image_fits = all(n >= f for n, f in zip(image.shape, kernel.shape, strict=True))
        kernel_fits = all(f >= n for n, f in zip(image.shape, kernel.shape, strict=True))
        if not (image_fits or kernel_fits):
            raise ValueError(
                "kernel must be no larger than image in every dimension (or larger "
                f"in every dimension) for mode 'valid', got image {image.shape} "
                f"and kernel {kernel.shape}"
            )
        if not image_fits:
            # Convolution is commutative, so SciPy slides the image over the
            # kernel instead.
            image, kernel = kernel, image
    return _convolve(image, kernel, mode, boundary, fill, stride)


def convolve_channels(image, kernel, **options):
    """Convolve each channel of a colour image with the same kernel.

    Parameters
    ----------
    image : (H, W, C) array_like, real numbers
        The image.
    kernel : (F0, F1) array_like
        The kernel.
    **options
        ``mode``, ``boundary``, ``fill_value``, ``stride``, as in `convolve2d`.

    Returns
    -------
    out : (H', W', C) ndarray, float64
        ``convolve2d(image[..., c], kernel, **options)`` for each channel ``c``,
        stacked on the last axis (``(H, W, C)`` for the default ``"same"``).

    Raises
    ------
    ValueError
        If ``image`` is not 3-D, or as in `convolve2d`.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((3, 3, 2))
    >>> image[1, 1] = [1, 10]
    >>> out = convolve_channels(image, np.ones((3, 3)) / 9)
    >>> out.shape, out.dtype
    ((3, 3, 2), dtype('float64'))
    >>> out[0, 0]
    array([0.11111111, 1.11111111])
    """
    image = np.asarray(image)
    if image.ndim != 3:
        raise ValueError(f"image must be 3-D (H, W, C), got shape {image.shape}")
    if image.shape[2] == 0:
        shape = _convolve2d(np.zeros(image.shape[:2]), kernel, **options).shape
        return np.zeros(shape + (0,))
    # A colour image is C independent greyscale images: filter each one.
    return np.stack(
        [_convolve2d(image[..., c], kernel, **options) for c in range(image.shape[2])],
        axis=-1,
    )
