"""Reference solution: the dot product and the length of a vector."""

import numpy as np


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """The dot product of two vectors (float64 arithmetic).

    Examples
    --------
    >>> dot(np.array([1, 2, 3]), np.array([4, 5, 6]))
    32.0
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same length, got {a.shape} and {b.shape}")
    # In float64: integer products may overflow a narrow dtype, and the contract asks for a float.
    return float(np.sum(a.astype(np.float64) * b.astype(np.float64)))


def norm(v: np.ndarray) -> float:
    """The length of a vector: the square root of its dot product with itself.

    Examples
    --------
    >>> norm(np.array([3, 4]))
    5.0
    """
    # Squares in float64: 50_000 ** 2 does not fit an int32.
    squares = np.asarray(v, dtype=np.float64) ** 2
    return float(np.sqrt(np.sum(squares)))
