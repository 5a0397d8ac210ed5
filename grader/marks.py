"""The decorator that makes a pytest test a graded check."""

from __future__ import annotations

import pytest


def graded(function: str | None, points: float = 1, *, bonus: bool = False):
    """Mark a check: which contract ``function`` it grades and what it is worth.

    A parametrised check is worth ``points`` for each of its cases, so partial
    credit follows the cases that pass. A ``bonus`` check never counts towards
    the maximum (the optional speed checks). With ``function=None`` the check is
    parametrised over a ``function`` argument that names it.
    """
    return pytest.mark.pixelgrade(function=function, points=points, bonus=bonus)
