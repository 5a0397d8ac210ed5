"""Vectors: the dot product and the length of a vector, from their definitions.

The dot product of two vectors of the same length adds up the products of their
elements, ``a[0] * b[0] + a[1] * b[1] + ...``. It says how much two vectors point the
same way: it is 0 for perpendicular vectors. The length (Euclidean norm) of a vector is
the square root of its dot product with itself (Pythagoras, in any number of dimensions).

NumPy has both (``np.dot``, ``np.linalg.norm``): here you write them with the elementwise
operations and reductions only, to see that there is nothing more to them.

Check your work with `pixelgrade vectors`; stuck? `pixelgrade hint vectors`.
"""

import numpy as np


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """The dot product of two vectors.

    Off limits: ``numpy.dot``, ``numpy.inner``, ``numpy.vdot``, ``numpy.matmul``, ``numpy.linalg.norm``.

    Parameters
    ----------
    a, b : ndarray, shape (n,)
        Two vectors of the same length, of integers or floats.

    Returns
    -------
    float
        The sum of ``a[i] * b[i]``, computed in float64 (0.0 for empty vectors).

    Raises
    ------
    ValueError
        If ``a`` and ``b`` have different lengths; the message says so ("length").
    """
    # TODO: refuse vectors of different lengths (ValueError), then add up the products of their elements.
    raise NotImplementedError("dot: not started yet")


def norm(v: np.ndarray) -> float:
    """The length (Euclidean norm) of a vector.

    Off limits: ``numpy.dot``, ``numpy.inner``, ``numpy.vdot``, ``numpy.matmul``, ``numpy.linalg.norm``.

    Parameters
    ----------
    v : ndarray, shape (n,)
        A vector of integers or floats.

    Returns
    -------
    float
        The square root of the sum of ``v[i] ** 2``, computed in float64 (0.0 for an empty vector).
    """
    # TODO: square every element (in float64), add them up, take the square root.
    raise NotImplementedError("norm: not started yet")
