"""Averages: the mean and the variance of some numbers, from their definitions.

The mean of ``n`` values is their sum divided by ``n``: the one number that is, on
average, closest to all of them. The variance says how far they are spread around it:
the mean of the squared differences from the mean. Both are one line of NumPy; here you
write that line yourself.

Check your work with `pixelgrade averages`; stuck? `pixelgrade hint averages`.
"""

import numpy as np


def mean(values: np.ndarray) -> float:
    """The mean of ``values``.

    Off limits: ``numpy.mean``, ``numpy.average``, ``numpy.var``, ``numpy.std``, ``statistics.mean``,
    ``statistics.pvariance``.

    Parameters
    ----------
    values : ndarray, shape (n,)
        Integers or floats, at least one.

    Returns
    -------
    float
        Their sum divided by their number, computed in float64.

    Raises
    ------
    ValueError
        If ``values`` is empty; the message names ``values``.
    """
    # TODO: refuse an empty array (ValueError naming `values`), then divide the sum by the count.
    raise NotImplementedError("mean: not started yet")


def variance(values: np.ndarray) -> float:
    """The (population) variance of ``values``: the mean of the squared differences from their mean.

    Off limits: ``numpy.mean``, ``numpy.average``, ``numpy.var``, ``numpy.std``, ``statistics.mean``,
    ``statistics.pvariance``.

    Parameters
    ----------
    values : ndarray, shape (n,)
        Integers or floats, at least one.

    Returns
    -------
    float
        The sum of ``(values[i] - m) ** 2`` divided by ``n`` (not ``n - 1``), ``m`` their mean, in float64.

    Raises
    ------
    ValueError
        If ``values`` is empty; the message names ``values``.
    """
    # TODO: refuse an empty array, then average the squared differences from the mean.
    raise NotImplementedError("variance: not started yet")
