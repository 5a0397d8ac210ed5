"""An instructor's hidden check of `vectors` (pixelgrade batch --hidden-checks tests/courses/vectors_hidden).

Learners never see it: it runs after the public checks, and its result is marked hidden.
"""

import math

import numpy as np

from grader.kit.expect import fail
from grader.kit.marks import graded


@graded("norm", 1)
def test_norm_of_narrow_integers(learner):
    """norm of an int32 vector whose squares do not fit an int32"""
    v = np.array([300_000, 400_000], dtype=np.int32)
    got = learner.norm(v)
    if not isinstance(got, (float, np.floating)) or not math.isclose(float(got), 500_000.0):
        fail(f"returned {got!r}, expected 500000.0 (3-4-5, times 100,000): square in float64, not in int32.")
