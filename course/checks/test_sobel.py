"""Checks for `sobel` (gradients and edges).

Comparisons with the oracle (scipy.ndimage.sobel) run over a fixed grid of shapes
(1-pixel rows and columns included) with seeded random values; comparisons with
the reference and the properties use Hypothesis.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from imagecourse.samples import derived, sample
from imagecourse.strategies import images

from grader.core.answers import remembered
from grader.kit.describe import describe
from grader.kit.expect import expect, expect_array, expect_kind, expect_raises, expect_unmodified, fail
from grader.kit.marks import graded

KX = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
grey = st.one_of(images(np.uint8, max_side=8),
                 images(np.float64, max_side=6, elements=st.floats(-1e3, 1e3, allow_subnormal=False)))
grey_or_colour = st.one_of(images(np.uint8, max_side=7), images(np.uint8, max_side=5, channels=3))
# Integer images have integer gradients, so magnitudes are square roots of integers
# and never equal a threshold k + 0.5: no pixel sits exactly on the threshold.
thresholds = st.integers(0, 1200).map(lambda k: k + 0.5)


@remembered
def scipy_sobel(image):
    """(gx, gy) from scipy.ndimage.sobel, the contract's oracle."""
    from scipy.ndimage import sobel

    image = image.astype(float)
    return sobel(image, axis=1, mode="reflect"), sobel(image, axis=0, mode="reflect")


def grid(colour=False):
    """Seeded random images of every awkward shape, uint8 and float."""
    rng = np.random.default_rng(8)
    shapes = [(1, 1), (1, 5), (5, 1), (2, 2), (3, 4), (8, 7)] + ([(1, 1, 3), (4, 5, 3)] if colour else [])
    for shape in shapes:
        yield rng.integers(0, 256, shape, dtype=np.uint8)
        yield rng.normal(0, 100, shape)


def crop(name, size=128):
    """A ``size x size`` part of a sample image (small enough for a plain loop to be quick)."""
    top, left = {"camera": (150, 200), "astronaut": (0, 192)}[name]
    image = np.ascontiguousarray(sample(name)[top : top + size, left : left + size])
    return derived(image, f"skimage.data.{name}()[{top}:{top + size}, {left}:{left + size}]")


def pair(got, what="(gx, gy)"):
    """The two arrays of a returned pair, or a failure that says what came back."""
    if type(got) not in (tuple, list) or len(got) != 2:
        fail(f"returned {describe(got)}; expected a tuple {what} of two arrays.")
    return got


def expect_gradients(got, expected, expected_from="the reference solution"):
    gx, gy = pair(got)
    expect_array(gx, expected[0], expected_from=f"{expected_from} (gx)")
    expect_array(gy, expected[1], expected_from=f"{expected_from} (gy)")


# -- sobel_kernels --------------------------------------------------------------------
@graded("sobel_kernels", 2)
def test_kernels(learner):
    """sobel_kernels returns kx = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]] and ky = kx.T"""
    kx, ky = pair(learner.sobel_kernels(), "(kx, ky)")
    expect_array(kx, KX, expected_from="the contract's kx")
    expect_array(ky, KX.T, expected_from="the contract's ky = kx.T")


# -- sobel_gradients -------------------------------------------------------------------
@graded("sobel_gradients", 3)
def test_gradients_match_scipy(learner):
    """sobel_gradients equals scipy.ndimage.sobel(image, axis=1 / 0, mode="reflect")"""
    for image in grid():
        expect_gradients(learner.sobel_gradients(image), scipy_sobel(image),
                         expected_from='scipy.ndimage.sobel(image.astype(float), axis=..., mode="reflect")')


@graded("sobel_gradients", 1)
def test_gradients_of_an_empty_image(learner):
    """sobel_gradients of an image with no rows or no columns: two empty arrays, as scipy.ndimage.sobel gives"""
    for shape in [(0, 3), (3, 0), (0, 0)]:
        image = np.zeros(shape, dtype=np.uint8)
        expect_gradients(learner.sobel_gradients(image), scipy_sobel(image),
                         expected_from='scipy.ndimage.sobel(image.astype(float), axis=..., mode="reflect")')


@graded("sobel_gradients", 2)
@given(image=grey)
def test_gradients_match_reference(learner, reference, image):
    """sobel_gradients matches the reference"""
    expect_gradients(learner.sobel_gradients(image), reference.sobel_gradients(image))


@graded("sobel_gradients", 1)
def test_gradients_point_to_brighter_pixels(learner):
    """on a ramp that brightens to the right, gx > 0 and gy = 0 (and the transposed ramp swaps them)"""
    for height, width, step in [(1, 2, 1), (3, 5, 20), (4, 3, 7)]:
        ramp = np.tile(np.arange(width) * step, (height, 1)).astype(np.uint8)
        gx, gy = pair(learner.sobel_gradients(ramp))
        expect_kind(gx, np.float64, ramp.shape)
        expect_kind(gy, np.float64, ramp.shape)
        expect(np.all(gx > 0) and np.all(gy == 0), "on an image that brightens to the right, expected gx > 0 "
               "everywhere and gy == 0 (a correlation with kx, not a convolution, which flips the sign).")
        gx, gy = pair(learner.sobel_gradients(ramp.T.copy()))
        expect_kind(gx, np.float64, ramp.T.shape)
        expect_kind(gy, np.float64, ramp.T.shape)
        expect(np.all(gy > 0) and np.all(gx == 0), "on an image that brightens downwards, expected gy > 0 "
               "everywhere and gx == 0.")


@graded("sobel_gradients", 1)
def test_gradients_real_image(learner):
    """sobel_gradients of part of skimage.data.camera()"""
    image = crop("camera")
    expect_gradients(learner.sobel_gradients(image), scipy_sobel(image), expected_from="scipy.ndimage.sobel")


@graded("sobel_gradients", 1, guard=True)
def test_gradients_reject_colour(learner):
    """sobel_gradients raises ValueError for a colour (3-D) image"""
    expect_raises(learner, "sobel_gradients", np.zeros((4, 4, 3), dtype=np.uint8), exception="ValueError",
                  mentions="image")


@graded("sobel_gradients", 1, guard=True)
def test_gradients_reject_a_row_of_values(learner):
    """sobel_gradients raises ValueError for a 1-D array (an image is 2-D)"""
    expect_raises(learner, "sobel_gradients", np.zeros(5, dtype=np.uint8), exception="ValueError", mentions="image")


# -- sobel_magnitude ---------------------------------------------------------------------
@graded("sobel_magnitude", 2)
@given(image=grey_or_colour)
def test_magnitude_matches_reference(learner, reference, image):
    """sobel_magnitude matches the reference on grey and colour images"""
    expect_array(learner.sobel_magnitude(image), reference.sobel_magnitude(image))


@graded("sobel_magnitude", 1)
def test_magnitude_is_hypot_of_scipy_gradients(learner):
    """sobel_magnitude is np.hypot of scipy.ndimage.sobel along both axes (channel by channel)"""
    for image in grid(colour=True):
        channels = [image] if image.ndim == 2 else [image[..., c] for c in range(image.shape[2])]
        expected = np.stack([np.hypot(*scipy_sobel(channel)) for channel in channels], axis=-1)
        expect_array(learner.sobel_magnitude(image), expected.reshape(image.shape),
                     expected_from="np.hypot(gx, gy) with scipy.ndimage.sobel")


@graded("sobel_magnitude", 1)
@given(value=st.integers(0, 255), shape=st.sampled_from([(1, 1), (3, 4), (5, 2, 3)]))
def test_magnitude_of_a_constant_image_is_zero(learner, value, shape):
    """the gradient magnitude of a constant image is zero everywhere (borders included)"""
    image = np.full(shape, value, dtype=np.uint8)
    expect_array(learner.sobel_magnitude(image), np.zeros(shape), expected_from="zeros (a flat image has no edges)")


@graded("sobel_magnitude", 1)
@given(image=images(np.uint8, max_side=6), offset=st.integers(-300, 300))
def test_magnitude_ignores_a_constant_offset(learner, image, offset):
    """adding a constant to the image does not change the gradient magnitude"""
    before = learner.sobel_magnitude(image)
    expect_kind(before, np.float64, image.shape)
    shifted = image.astype(np.float64) + offset
    after = learner.sobel_magnitude(shifted)
    expect_array(after, before, expected_from=f"sobel_magnitude(image) (the image without the {offset:+d})")


@graded("sobel_magnitude", 1)
def test_magnitude_real_colour_image(learner):
    """sobel_magnitude of part of skimage.data.astronaut(), channel by channel"""
    image = crop("astronaut")
    expected = np.stack([np.hypot(*scipy_sobel(image[..., c])) for c in range(3)], axis=-1)
    expect_array(learner.sobel_magnitude(image), expected, expected_from="np.hypot of scipy.ndimage.sobel per channel")


# -- edges -------------------------------------------------------------------------------
@graded("edges", 2)
@given(image=images(np.uint8, max_side=8), threshold=thresholds)
def test_edges_match_reference(learner, reference, image, threshold):
    """edges matches the reference"""
    expect_array(learner.edges(image, threshold), reference.edges(image, threshold))


@graded("edges", 1)
@pytest.mark.parametrize("threshold", [100.5, 400.5])
def test_edges_real_image(learner, threshold):
    """edges of part of skimage.data.camera() are where the scipy Sobel magnitude exceeds the threshold"""
    image = crop("camera")
    expect_array(learner.edges(image, threshold), np.hypot(*scipy_sobel(image)) > threshold,
                 expected_from="np.hypot(scipy.ndimage.sobel(...)) > threshold")


@graded("edges", 1)
def test_edges_are_strictly_above_the_threshold(learner):
    """edges is magnitude > threshold: a magnitude equal to the threshold is no edge"""
    step = np.array([[0, 0, 3, 3]] * 3, dtype=np.uint8)  # magnitudes 0, 12, 12, 0, exactly
    expect_array(learner.edges(step, 12.0), np.zeros(step.shape, dtype=bool),
                 expected_from="magnitude > 12 (the magnitudes are 0 and exactly 12)")
    expect_array(learner.edges(step, 11.5), np.tile([False, True, True, False], (3, 1)),
                 expected_from="magnitude > 11.5 (the magnitudes are 0 and exactly 12)")


@graded("edges", 1)
def test_edges_of_a_horizontal_step_at_its_magnitude(learner):
    """edges of a horizontal step at its magnitude, exactly 8: a magnitude equal to the threshold is no edge"""
    step = np.array([[0] * 5] * 2 + [[2] * 5] * 3, dtype=np.uint8)  # magnitudes 0 and exactly 8 (gy = 2 + 4 + 2)
    expect_array(learner.edges(step, 8.0), np.zeros(step.shape, dtype=bool),
                 expected_from="magnitude > 8 (the magnitudes are 0 and exactly 8)")


# -- every function -------------------------------------------------------------------
@graded(None, 1, guard=True)
@pytest.mark.parametrize("function", ["sobel_gradients", "sobel_magnitude", "edges"])
def test_input_unchanged(learner, function):
    """leaves its input unchanged (an unsorted one: sorting a sorted image in place changes nothing)"""
    image = np.random.default_rng(30).integers(0, 256, (5, 6), dtype=np.uint8)
    learner.call(function, image, *((50.5,) if function == "edges" else ()))
    expect_unmodified(learner)
