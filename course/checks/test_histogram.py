"""Checks for `histogram`."""

import functools

import numpy as np
import pytest
from hypothesis import given
from imagecourse.samples import derived, sample
from imagecourse.strategies import few_levels, uint8_images

from grader.kit.expect import expect, expect_array, expect_kind, expect_raises, expect_unmodified
from grader.kit.marks import graded

any_shape = uint8_images(min_dims=1, max_dims=3, min_side=0, max_side=8)
non_empty = uint8_images(min_dims=1, max_dims=3, min_side=1, max_side=8)
FUNCTIONS = ["histogram", "cumulative_histogram", "normalised_cdf"]


def oracle_histogram(image):
    return np.histogram(image, bins=256, range=(0, 256))[0].astype(np.int64)


# -- histogram ---------------------------------------------------------------
@graded("histogram", 2)
@given(image=any_shape)
def test_histogram_matches_reference(learner, reference, image):
    """histogram counts like the reference on small images of any shape"""
    expect_array(learner.histogram(image), reference.histogram(image))


@graded("histogram", 2)
@given(image=few_levels(levels=3, min_dims=1, max_dims=3))
def test_histogram_matches_numpy(learner, image):
    """histogram equals np.histogram(image, bins=256, range=(0, 256))"""
    expect_array(learner.histogram(image), oracle_histogram(image), expected_from="np.histogram")


@graded("histogram", 1)
@given(image=any_shape)
def test_histogram_sums_to_size(learner, image):
    """the counts of a histogram add up to image.size"""
    counts = learner.histogram(image)
    expect_kind(counts, np.int64, (256,))
    expect(counts.sum() == image.size, f"its counts add up to {counts.sum()}; expected image.size = {image.size}.")


@graded("histogram", 1)
@pytest.mark.parametrize("name", ["moon", "camera", "hubble_deep_field"])
def test_histogram_real_images(learner, name):
    """histogram of a real image"""
    image = sample(name)
    expect_array(learner.histogram(image), np.bincount(image.ravel(), minlength=256), expected_from="np.bincount")


@graded("histogram", 1, guard=True)
def test_histogram_rejects_float(learner):
    """histogram raises TypeError for a float image"""
    expect_raises(learner, "histogram", np.zeros((2, 2)), exception="TypeError", mentions="image")


@graded("histogram", 1, guard=True)
def test_histogram_rejects_other_integer_dtypes(learner):
    """histogram raises TypeError for an int8 or a bool image (only uint8 is an image here)"""
    # np.int8 and bool cannot hold every uint8 value: a test like `dtype > np.uint8` lets them through.
    expect_raises(learner, "histogram", np.zeros((2, 2), np.int8), exception="TypeError", mentions="image")
    expect_raises(learner, "histogram", np.zeros((2, 2), bool), exception="TypeError", mentions="image")


# -- cumulative_histogram -------------------------------------------------------
@graded("cumulative_histogram", 2)
@given(image=any_shape)
def test_cumulative_matches_reference(learner, reference, image):
    """cumulative_histogram adds up like the reference"""
    expect_array(learner.cumulative_histogram(image), reference.cumulative_histogram(image))


@graded("cumulative_histogram", 2)
@given(image=any_shape)
def test_cumulative_never_decreases_and_ends_at_size(learner, image):
    """the cumulative histogram never decreases and ends at image.size"""
    totals = learner.cumulative_histogram(image)
    expect_array(totals, np.cumsum(oracle_histogram(image)), expected_from="np.cumsum(np.histogram(...))")
    expect(np.all(np.diff(totals) >= 0), "it decreases somewhere; a running total of counts never does.")
    expect(totals[-1] == image.size, f"its last entry is {totals[-1]}; expected image.size = {image.size}.")


@graded("cumulative_histogram", 1)
@pytest.mark.parametrize("name", ["moon", "coins"])
def test_cumulative_real_images(learner, name):
    """cumulative_histogram of a real image"""
    image = sample(name)
    expect_array(learner.cumulative_histogram(image), np.cumsum(np.bincount(image.ravel(), minlength=256)),
                 expected_from="np.cumsum(np.bincount(...))")


# -- normalised_cdf --------------------------------------------------------------
@graded("normalised_cdf", 2)
@given(image=non_empty)
def test_cdf_matches_reference(learner, reference, image):
    """normalised_cdf matches the reference"""
    expect_array(learner.normalised_cdf(image), reference.normalised_cdf(image))


@graded("normalised_cdf", 2)
@given(image=non_empty)
def test_cdf_is_a_distribution(learner, image):
    """the CDF never decreases, stays in [0, 1] and ends at exactly 1"""
    cdf = learner.normalised_cdf(image)
    expect_array(cdf, np.cumsum(oracle_histogram(image)) / image.size, expected_from="np.histogram, cumsum, / size")
    expect(np.all(np.diff(cdf) >= 0), "the CDF decreases somewhere; a fraction of pixels 'at most v' cannot.")
    expect(cdf[-1] == 1.0, f"the CDF ends at {cdf[-1]!r}; every pixel is at most 255, so it must end at 1.0.")


@graded("normalised_cdf", 1)
def test_cdf_real_image(learner, reference):
    """normalised_cdf of skimage.data.moon()"""
    image = sample("moon")
    expect_array(learner.normalised_cdf(image), reference.normalised_cdf(image))


@graded("normalised_cdf", 1)
def test_cdf_of_a_few_levels(learner):
    """normalised_cdf of a 2 x 3 image of three levels: fractions such as 2/6, in floating point"""
    image = np.array([[0, 0, 1], [3, 3, 3]], dtype=np.uint8)
    expected = np.cumsum(oracle_histogram(image)) / image.size
    expect_array(learner.normalised_cdf(image), expected, expected_from="np.cumsum(np.histogram(...)) / image.size")


@graded("normalised_cdf", 1, guard=True)
def test_cdf_rejects_empty_image(learner):
    """normalised_cdf raises ValueError for an empty image"""
    expect_raises(learner, "normalised_cdf", np.zeros((0, 3), np.uint8), exception="ValueError", mentions="image")


@graded("normalised_cdf", 1, guard=True)
def test_cdf_rejects_float(learner):
    """normalised_cdf raises TypeError for a float image"""
    expect_raises(learner, "normalised_cdf", np.zeros((2, 2), np.float32), exception="TypeError", mentions="image")


# -- every function -------------------------------------------------------------------
@graded(None, 1, guard=True)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_input_unchanged(learner, function):
    """leaves its input unchanged (an unsorted one: sorting a sorted image in place changes nothing)"""
    image = np.random.default_rng(30).integers(0, 256, (5, 6), dtype=np.uint8)
    learner.call(function, image)
    expect_unmodified(learner)


@functools.cache
def one_level(side=512):
    """A constant image of ``side**2`` pixels: more of one level than a uint16 counter holds (65,535)."""
    image = np.full((side, side), 77, dtype=np.uint8)
    image.flags.writeable = False
    return derived(image, f"np.full(({side}, {side}), 77, dtype=np.uint8)")


@graded(None, 1)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_counts_past_a_narrow_counter(learner, function):
    """counts 262,144 pixels of one level (a 512 x 512 constant image): counters as wide as int64"""
    image = one_level()
    counts = np.zeros(256, dtype=np.int64)
    counts[77] = image.size
    expected = {"histogram": counts, "cumulative_histogram": np.cumsum(counts),
                "normalised_cdf": np.cumsum(counts) / image.size}[function]
    expect_array(learner.call(function, image), expected,
                 expected_from=f"{image.size:,} pixels of value 77")
