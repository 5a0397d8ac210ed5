"""Reference solution: Sobel gradients, gradient magnitude and edges.

The Sobel kernels are separable, ``kx = [1, 2, 1]^T [-1, 0, 1]``, so each
gradient is a difference of neighbours along one axis followed by a
``[1, 2, 1]`` smoothing along the other: a few whole-array subtractions and
additions of shifted views of the padded image, no loop at all.
"""

import numpy as np

__all__ = ["sobel_kernels", "sobel_gradients", "sobel_magnitude", "edges"]


def _pad_symmetric_1(image):
    """Mirror one pixel around the first two axes (the border pixel repeated)."""
    height, width = image.shape[:2]
    # Index -1 shows pixel 0 and index n shows pixel n - 1: for a one-pixel axis
    # both are pixel 0.
    rows = np.clip(np.arange(-1, height + 1), 0, height - 1)
    cols = np.clip(np.arange(-1, width + 1), 0, width - 1)
    return np.take(np.take(image, rows, axis=0), cols, axis=1)


def _gradients(image):
    """Sobel ``(gx, gy)`` of a float64 array along its first two axes."""
    if image.shape[0] == 0 or image.shape[1] == 0:
        return np.zeros(image.shape), np.zeros(image.shape)
    p = _pad_symmetric_1(image)
    # Correlation, not convolution: kx is applied as written, right neighbour
    # minus left neighbour, so gx > 0 where it gets brighter to the right.
    dx = p[:, 2:] - p[:, :-2]
    # ... then smooth that difference down the columns with weights 1, 2, 1
    # (same grouping as scipy.ndimage: centre * 2 + (above + below)).
    gx = dx[1:-1] * 2.0 + (dx[:-2] + dx[2:])
    # gy is the same with the axes' roles swapped: lower minus upper row,
    # smoothed along the rows.
    dy = p[2:] - p[:-2]
    gy = dy[:, 1:-1] * 2.0 + (dy[:, :-2] + dy[:, 2:])
    return gx, gy


def _magnitude(image):
    """``hypot(gx, gy)`` of a float64 array along its first two axes."""
    gx, gy = _gradients(image)
    # Pythagoras: the gradient is a vector (gx, gy); hypot avoids overflow.
    return np.hypot(gx, gy)


def sobel_kernels():
    """The two 3 x 3 Sobel kernels.

    Returns
    -------
    kx : (3, 3) ndarray, float64
        ``[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]``: responds to changes from left
        to right.
    ky : (3, 3) ndarray, float64
        ``kx.T``: responds to changes from top to bottom.

    Examples
    --------
    >>> kx, ky = sobel_kernels()
    >>> kx
    array([[-1.,  0.,  1.],
           [-2.,  0.,  2.],
           [-1.,  0.,  1.]])
    >>> bool((ky == kx.T).all())
    True
    """
    # A difference (-1, 0, 1) across the columns, weighted (1, 2, 1) down the
    # rows so the centre row counts most and noise is smoothed.
    kx = np.outer([1.0, 2.0, 1.0], [-1.0, 0.0, 1.0])
    return kx, kx.T.copy()


def sobel_gradients(image):
    """Horizontal and vertical Sobel gradients of a greyscale image.

    The correlation (not convolution) of the image with ``kx`` and ``ky``, the
    border extended symmetrically; equal to
    ``scipy.ndimage.sobel(image.astype(float), axis=1 / 0, mode="reflect")``.

    Parameters
    ----------
    image : (H, W) array_like, real numbers
        The image (computed in float64).

    Returns
    -------
    gx : (H, W) ndarray, float64
        Positive where brightness increases to the right.
    gy : (H, W) ndarray, float64
        Positive where brightness increases downwards.

    Raises
    ------
    ValueError
        If ``image`` is not 2-D.

    Examples
    --------
    >>> import numpy as np
    >>> ramp = np.array([[0, 10, 20],
    ...                  [0, 10, 20]], dtype=np.uint8)
    >>> gx, gy = sobel_gradients(ramp)
    >>> gx
    array([[40., 80., 40.],
           [40., 80., 40.]])
    >>> gy
    array([[0., 0., 0.],
           [0., 0., 0.]])
    """
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D (H, W), got shape {image.shape}")
    # float64 first: uint8 differences would wrap around (0 - 1 is 255). The
    # helper mirrors a one-pixel border so border pixels get full 3 x 3 windows.
    return _gradients(image.astype(np.float64))


def sobel_magnitude(image):
    """Length of the Sobel gradient, ``hypot(gx, gy)``, at every pixel.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array_like, real numbers
        The image; a colour image is treated channel by channel.

    Returns
    -------
    magnitude : ndarray, float64, same shape as ``image``

    Raises
    ------
    ValueError
        If ``image`` is not 2-D or 3-D.

    Examples
    --------
    >>> import numpy as np
    >>> step = np.array([[0, 0, 3],
    ...                  [0, 0, 3],
    ...                  [0, 0, 3]])
    >>> sobel_magnitude(step)
    array([[ 0., 12., 12.],
           [ 0., 12., 12.],
           [ 0., 12., 12.]])
    """
    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(f"image must be (H, W) or (H, W, C), got shape {image.shape}")
    # The helper works on the first two axes, so channels ride along untouched.
    return _magnitude(image.astype(np.float64))


def edges(image, threshold):
    """Mark pixels whose Sobel gradient magnitude exceeds a threshold.

    Parameters
    ----------
    image : (H, W) array_like, real numbers
        A greyscale image.
    threshold : float
        Pixels with ``sobel_magnitude > threshold`` are edges.

    Returns
    -------
    mask : (H, W) ndarray, bool

    Raises
    ------
    ValueError
        If ``image`` is not 2-D.

    Examples
    --------
    >>> import numpy as np
    >>> step = np.array([[0, 0, 3],
    ...                  [0, 0, 3]])
    >>> edges(step, 6)
    array([[False,  True,  True],
           [False,  True,  True]])
    """
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D (H, W), got shape {image.shape}")
    # Strong change of brightness = long gradient vector = an edge.
    return _magnitude(image.astype(np.float64)) > threshold
