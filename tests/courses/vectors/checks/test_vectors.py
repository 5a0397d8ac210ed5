"""Checks for `vectors`: `dot` and `norm`, against the reference, NumPy and their properties.

Written with the engine's kit only (grader.kit.marks, grader.kit.expect) and Hypothesis:
this course needs nothing but NumPy.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.kit.expect import expect_raises, expect_unmodified, fail
from grader.kit.marks import graded

# Small vectors of moderate floats: Hypothesis explores their values and shrinks a failure to a short one.
values = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
vectors = hnp.arrays(np.float64, st.integers(0, 8), elements=values)
pairs = st.integers(0, 8).flatmap(lambda n: st.tuples(hnp.arrays(np.float64, n, elements=values),
                                                      hnp.arrays(np.float64, n, elements=values)))


def expect_number(got) -> None:
    """``got`` must be a float or an integer (Python or NumPy), not a bool."""
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (float, int, np.floating, np.integer)):
        fail(f"returned {got!r} (a {type(got).__name__}); expected a float.")


def expect_float(got, expected: float, *, expected_from: str = "the reference solution") -> None:
    """``got`` must be a float (Python or NumPy) close to ``expected``."""
    expect_number(got)
    if not math.isclose(float(got), expected, rel_tol=1e-9, abs_tol=1e-9):
        fail(f"returned {float(got)!r}, expected {expected!r} (from {expected_from}).")


# -- dot ---------------------------------------------------------------------------------------
@graded("dot", 2)
@given(pair=pairs)
def test_dot_matches_reference(learner, reference, pair):
    """dot agrees with the reference on small float vectors"""
    a, b = pair
    expect_float(learner.dot(a, b), reference.dot(a, b))


@graded("dot", 1)
@pytest.mark.parametrize("a, b", [([1, 2, 3], [4, 5, 6]), ([1, 0], [0, 1]), ([], []), ([50_000], [50_000])])
def test_dot_of_integer_vectors(learner, a, b):
    """dot of integer vectors, by hand: 32, perpendicular vectors, empty vectors, large integers"""
    a, b = np.array(a, dtype=np.int32), np.array(b, dtype=np.int32)
    expect_float(learner.dot(a, b), float(np.dot(a.astype(np.float64), b.astype(np.float64))),
                 expected_from="np.dot in float64")


@graded("dot", 1)
@given(pair=pairs)
def test_dot_is_symmetric(learner, pair):
    """dot(a, b) equals dot(b, a)"""
    a, b = pair
    first = learner.dot(a, b)
    expect_number(first)  # a number, before it is used: a list would make this check fail, not crash
    expect_float(learner.dot(b, a), float(first), expected_from=f"dot(a, b) = {first!r}")


@graded("dot", 1, guard=True)
def test_dot_rejects_different_lengths(learner):
    """dot raises ValueError for vectors of different lengths"""
    expect_raises(learner, "dot", np.ones(3), np.ones(2), exception="ValueError", mentions="length")


# -- norm --------------------------------------------------------------------------------------
@graded("norm", 2)
@given(v=vectors)
def test_norm_matches_numpy(learner, v):
    """norm equals np.linalg.norm on small float vectors"""
    expect_float(learner.norm(v), float(np.linalg.norm(v)), expected_from="np.linalg.norm")


@graded("norm", 1)
@given(v=vectors, scale=st.floats(-10, 10))
def test_norm_scales(learner, v, scale):
    """norm(scale * v) is |scale| * norm(v)"""
    length = float(np.linalg.norm(v))
    expect_float(learner.norm(scale * v), abs(scale) * length, expected_from=f"|scale| * {length!r}")


@graded("norm", 1, guard=True)
def test_norm_leaves_its_input_unchanged(learner):
    """norm leaves its input unchanged"""
    learner.norm(np.array([3.0, -4.0]))
    expect_unmodified(learner)
