"""The shapes course's adapters: what a learner's shape says about itself, as data.

A learner's ``rectangle`` returns an object of a class the learner wrote, which cannot cross
from the worker to the checks. ``area`` runs in the worker, right after the call, and asks the
object itself. Its answer is learner code's answer: the checks compare it with the reference's.
NumPy and the standard library only: the worker imports a copy of this file alone.
"""

import math


def area(shape):
    """``{"area": float}`` from the shape's own ``area()``, or ``{"problem": words}``: never raises."""
    method = getattr(shape, "area", None)
    if not callable(method):
        return {"problem": f"it returned a {type(shape).__name__}, which has no `area()` method"}
    try:
        value = float(method())
    except Exception as error:  # noqa: BLE001 - the learner's method failed: said, not raised
        return {"problem": f"its `area()` raised {type(error).__name__}: {error}"}
    if not math.isfinite(value):
        return {"problem": f"its `area()` returned {value!r}"}
    return {"area": value}


ADAPTERS = {"area": area}
