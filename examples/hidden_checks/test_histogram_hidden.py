"""Hidden checks for exercise 3, `histogram`: an example of checks an instructor holds back.

Keep files like this one out of the learners' repository and hand their folder to the
batch grader::

    pixelgrade batch SUBMISSIONS --hidden-checks examples/hidden_checks

A hidden check file is named ``test_<exercise>_hidden.py`` and is written exactly like
``course/checks/test_<exercise>.py`` (same fixtures, same ``@graded`` marks, same
``grader.kit.expect`` helpers). Hidden checks run after every public check and count
towards the grade; learner-facing output (``--learner-view`` reports, Gradescope's
visible tests, feedback files) never shows their names, messages or inputs.
"""

import numpy as np
from hypothesis import given
from imagecourse.strategies import uint8_images

from grader.kit.expect import expect_array
from grader.kit.marks import graded


def _checkerboard():
    """A 7 x 9 checkerboard of the grey levels 13 and 254."""
    return np.where(np.indices((7, 9)).sum(axis=0) % 2 == 0, 13, 254).astype(np.uint8)


@graded("histogram", 2)
def test_histogram_of_a_seven_by_nine_checkerboard(learner):
    """histogram of a 7 x 9 checkerboard of the levels 13 and 254"""
    expected = np.zeros(256, dtype=np.int64)
    expected[13], expected[254] = 32, 31
    expect_array(learner.histogram(_checkerboard()), expected, expected_from="counting the squares")


@graded("histogram", 2)
@given(image=uint8_images(min_side=9, max_side=16))
def test_histogram_of_larger_images(learner, reference, image):
    """histogram of images 9 to 16 pixels a side (the public checks stop at 8)"""
    expect_array(learner.histogram(image), reference.histogram(image))


@graded("cumulative_histogram", 1)
def test_cumulative_histogram_of_the_checkerboard(learner):
    """cumulative_histogram of a 7 x 9 checkerboard of the levels 13 and 254"""
    expected = np.zeros(256, dtype=np.int64)
    expected[13:] += 32
    expected[254:] += 31
    expect_array(learner.cumulative_histogram(_checkerboard()), expected, expected_from="counting the squares")
