"""The decorator that makes a pytest test a graded check."""

from __future__ import annotations

import pytest


def graded(function: str | None, points: float = 1, *, bonus: bool = False, guard: bool = False):
    """Mark a check: which contract ``function`` it grades and what it is worth.

    A parametrised check is worth ``points`` for each of its cases, so partial
    credit follows the cases that pass. A ``bonus`` check never counts towards
    the maximum (the optional speed checks). With ``function=None`` the check is
    parametrised over a ``function`` argument that names it.

    A ``guard`` checks a property that a function which does nothing has too (its
    inputs unchanged, an error raised for bad input): its points count only once one of
    the function's other checks passes, so that returning ``None`` earns nothing.
    """
    return pytest.mark.pixelgrade(function=function, points=points, bonus=bonus, guard=guard)
