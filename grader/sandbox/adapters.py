"""Grader-side code that runs inside the worker, after a learner's function returns.

Some results cannot cross to the grader as data (a Keras model, a fitted
scikit-learn classifier). An adapter, named by the grader in its request, turns
such a result into plain data inside the worker: a structural summary, or
predictions on inputs the grader sends. Adapters are the grader's code, never the
learner's, and run after the learner's call has ended.
"""

from __future__ import annotations

ADAPTERS: dict = {}


def adapter(function):
    """Register an adapter under its function name."""
    ADAPTERS[function.__name__] = function
    return function


@adapter
def type_name(value):
    """The exact type of the returned value (for checks that only need that)."""
    cls = type(value)
    return f"{cls.__module__}.{cls.__qualname__}"
