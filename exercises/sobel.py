"""Exercise 7 — sobel: gradients and edges.

An edge is where the brightness changes fast. The rate of change along an axis
is a derivative; on pixels it becomes a difference of neighbours, e.g.
``right - left``. The Sobel operator takes that difference on three rows at once,
weighting the middle row twice (``1, 2, 1``) so that noise averages out:

    kx = [[-1, 0, 1],        ky = kx.T = [[-1, -2, -1],
          [-2, 0, 2],                     [ 0,  0,  0],
          [-1, 0, 1]]                     [ 1,  2,  1]]

Sobel kernels are written as *correlations*: laid on the image as printed, not
flipped as a convolution would (see the convolution exercise). So
``gx = sum of kx * window`` is positive where the image gets brighter to the
right, and ``gy`` is positive where it gets brighter downwards. (Convolving with
the same kernels would flip both signs.) Beyond the border the image is mirrored,
border pixel included, so a flat border does not look like an edge.

At each pixel ``(gx, gy)`` is a vector, the *gradient*: it points towards
brighter pixels and its length ``hypot(gx, gy) = sqrt(gx**2 + gy**2)`` measures
how strong the change is, whatever its direction. Thresholding that length marks
the edges.

``kx`` is the product of a column ``[1, 2, 1]`` and a row ``[-1, 0, 1]``, so the
whole correlation is a difference of shifted slices followed by a weighted sum of
shifted slices: no loop needed. Compute in float64: ``uint8`` differences wrap
around (``np.uint8(0) - 1`` is 255).

This module must work on its own: do not import the convolution exercise.

Check your work with `pixelgrade sobel`; stuck? `pixelgrade hint sobel`.
"""

import numpy as np


def sobel_kernels():
    """The two 3 x 3 Sobel kernels.

    Returns
    -------
    kx : ndarray of float64, shape (3, 3)
        ``[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]``.
    ky : ndarray of float64, shape (3, 3)
        ``kx.T``.
    """
    # TODO: write kx as a float64 array; ky is its transpose.
    raise NotImplementedError("sobel_kernels: not started yet")


def sobel_gradients(image):
    """Horizontal and vertical Sobel gradients of a greyscale image.

    Off limits: ``scipy.ndimage.sobel``, ``skimage.filters.sobel``,
    ``skimage.filters.sobel_h``, ``skimage.filters.sobel_v``,
    ``scipy.ndimage.correlate``, ``scipy.ndimage.convolve``,
    ``scipy.signal.convolve2d``, ``scipy.signal.correlate2d``. They are what this
    function is graded against, so calling them withholds its points: use them to check
    your work, not in it.

    The correlation (not convolution) of the image with ``kx`` and ``ky``, the
    border extended symmetrically (mirrored, border pixel included). Equal to
    ``scipy.ndimage.sobel(image.astype(float), axis=1 / 0, mode="reflect")``.

    Parameters
    ----------
    image : ndarray of shape (H, W)
        The image, of any real dtype (uint8 or float, negative values too): compute in float64.

    Returns
    -------
    gx : ndarray of float64, shape (H, W)
        Positive where brightness increases to the right.
    gy : ndarray of float64, shape (H, W)
        Positive where brightness increases downwards. An image with no rows or
        no columns gives two empty arrays of its shape, as ``scipy.ndimage.sobel`` does.

    Raises
    ------
    ValueError
        If ``image`` is not 2-D (the message names ``image``).
    """
    # TODO: check the image is 2-D; convert to float64 and mirror a one-pixel
    # border around it.
    # TODO: gx: right neighbour minus left neighbour, then weights 1, 2, 1 over
    # the rows above, at and below. gy: the same with rows and columns swapped.
    raise NotImplementedError("sobel_gradients: not started yet")


def sobel_magnitude(image):
    """Length of the Sobel gradient, ``hypot(gx, gy)``, at every pixel.

    Off limits: ``scipy.ndimage.sobel``, ``skimage.filters.sobel``,
    ``skimage.filters.sobel_h``, ``skimage.filters.sobel_v``,
    ``scipy.ndimage.correlate``, ``scipy.ndimage.convolve``,
    ``scipy.signal.convolve2d``, ``scipy.signal.correlate2d``. They are what this
    function is graded against, so calling them withholds its points: use them to check
    your work, not in it.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C)
        The image, of any real dtype; a colour image is treated channel by channel.

    Returns
    -------
    magnitude : ndarray of float64, same shape as image
    """
    # TODO: combine gx and gy with np.hypot; for (H, W, C), do every channel.
    raise NotImplementedError("sobel_magnitude: not started yet")


def edges(image, threshold):
    """Mark pixels whose Sobel gradient magnitude exceeds a threshold.

    Off limits: ``scipy.ndimage.sobel``, ``skimage.filters.sobel``,
    ``skimage.filters.sobel_h``, ``skimage.filters.sobel_v``,
    ``scipy.ndimage.correlate``, ``scipy.ndimage.convolve``,
    ``scipy.signal.convolve2d``, ``scipy.signal.correlate2d``. They are what this
    function is graded against, so calling them withholds its points: use them to check
    your work, not in it.

    Parameters
    ----------
    image : ndarray of shape (H, W)
        A greyscale image.
    threshold : float
        Pixels with ``sobel_magnitude(image) > threshold`` are edges.

    Returns
    -------
    mask : ndarray of bool, shape (H, W)
    """
    # TODO: compare the magnitude with the threshold.
    raise NotImplementedError("edges: not started yet")
