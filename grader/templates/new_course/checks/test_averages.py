"""Checks for `averages`: each a pytest test marked with the function it grades and its points.

The fixtures: ``learner`` (the learner's module, run in a sandboxed worker: ``learner.mean(x)``)
and ``reference`` (the solution in solutions/averages.py). The helpers of ``grader.kit.expect``
compare and explain; a check's docstring is its title in the report.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.kit.expect import expect_raises, expect_unmodified, fail
from grader.kit.marks import graded

# Small arrays of moderate floats: Hypothesis explores their values, and shrinks a failure to a short one.
samples = hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(-1e3, 1e3))


def expect_float(got, expected: float, *, expected_from: str = "the reference solution") -> None:
    """``got`` must be a number close to ``expected``; otherwise the message says what came back."""
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (float, int, np.floating, np.integer)):
        fail(f"returned {got!r} (a {type(got).__name__}); expected a float.")
    if not math.isclose(float(got), expected, rel_tol=1e-9, abs_tol=1e-9):
        fail(f"returned {float(got)!r}, expected {expected!r} (from {expected_from}).")


# -- mean ---------------------------------------------------------------------------------------
@graded("mean", 2)  # 2 points
@given(values=samples)  # a Hypothesis property: checked on many generated inputs
def test_mean_matches_reference(learner, reference, values):
    """mean agrees with the reference"""
    expect_float(learner.mean(values), reference.mean(values))


@graded("mean", 1)  # parametrised: 1 point for each case that passes
@pytest.mark.parametrize("values", [[4], [1, 2, 3, 4], [-5, 5], [200, 200, 200]])
def test_mean_by_hand(learner, values):
    """mean of small integer arrays, by hand"""
    values = np.array(values, dtype=np.uint8 if min(values) >= 0 else np.int64)
    expect_float(learner.mean(values), sum(values.tolist()) / len(values), expected_from="sum / n")


@graded("mean", 1, guard=True)  # a guard: counts once another check of mean passes
def test_mean_rejects_empty(learner):
    """mean raises ValueError for an empty array"""
    expect_raises(learner, "mean", np.array([]), exception="ValueError", mentions="values")


# -- variance -----------------------------------------------------------------------------------
@graded("variance", 2)
@given(values=samples)
def test_variance_matches_numpy(learner, values):
    """variance equals np.var (dividing by n)"""
    expect_float(learner.variance(values), float(np.var(values)), expected_from="np.var")


@graded("variance", 1, guard=True)
def test_variance_leaves_its_input_unchanged(learner):
    """variance leaves its input unchanged"""
    learner.variance(np.array([3.0, 1.0, 2.0]))
    expect_unmodified(learner)
