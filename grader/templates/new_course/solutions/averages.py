"""Reference solution: the mean and the variance of some numbers."""

import numpy as np


def mean(values: np.ndarray) -> float:
    """The mean of ``values`` (float64 arithmetic).

    Examples
    --------
    >>> mean(np.array([1, 2, 3, 4]))
    2.5
    """
    values = np.asarray(values, dtype=np.float64)  # float64: a sum of narrow integers may overflow
    if values.size == 0:
        raise ValueError("values must hold at least one number, got an empty array")
    # The definition itself: the sum shared equally among the values.
    return float(np.sum(values) / values.size)


def variance(values: np.ndarray) -> float:
    """The population variance of ``values`` (divided by n).

    Examples
    --------
    >>> variance(np.array([1, 2, 3, 4]))
    1.25
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        raise ValueError("values must hold at least one number, got an empty array")
    # Differences from the mean first, then their squares: sum(x**2)/n - m**2 loses digits to cancellation.
    differences = values - mean(values)
    return float(np.sum(differences**2) / values.size)
