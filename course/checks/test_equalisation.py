"""Checks for `equalisation`."""

import functools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from imagecourse.samples import derived, sample
from imagecourse.strategies import few_levels, uint8_images

from grader.kit.expect import expect, expect_array, expect_kind, expect_raises, expect_unmodified
from grader.kit.marks import graded

any_shape = uint8_images(min_dims=1, max_dims=3, min_side=1, max_side=8)
colour = st.sampled_from([3, 4]).flatmap(lambda c: uint8_images(channels=c, max_side=6))


# -- equalise -------------------------------------------------------------------
@graded("equalise", 3)
@given(image=any_shape)
def test_equalise_matches_reference(learner, reference, image):
    """equalise matches the reference on small images of any shape"""
    expect_array(learner.equalise(image), reference.equalise(image))


@graded("equalise", 2)
@given(image=few_levels(levels=5, max_side=8))
def test_equalise_matches_skimage(learner, image):
    """equalise is floor(255 * skimage.exposure.equalize_hist(image, nbins=256))"""
    from skimage.exposure import equalize_hist

    got = learner.equalise(image)
    expect_kind(got, np.uint8, image.shape)
    # skimage gives the CDF at each pixel as a float; the contract's integer
    # formula is its floor after scaling by 255 (up to float rounding).
    scaled = 255 * equalize_hist(image, nbins=256)
    expect(np.all((got <= scaled + 1e-6) & (got > scaled - 1 - 1e-6)),
           "the result is not floor(255 * CDF) at every pixel (compared with skimage.exposure.equalize_hist).")


@graded("equalise", 2)
@given(image=any_shape)
def test_equalise_is_monotone(learner, image):
    """equalise keeps the order of grey levels (a brighter input is never darker out)"""
    out = learner.equalise(image)
    expect_kind(out, np.uint8, image.shape)
    order = np.argsort(image, axis=None, kind="stable")
    expect(np.all(np.diff(out.ravel()[order].astype(np.int64)) >= 0),
           "a brighter input pixel became darker than a dimmer one; equalisation must keep the order of levels.")


@graded("equalise", 2)
@pytest.mark.parametrize("name", ["moon", "hubble_deep_field"])
def test_equalise_real_images(learner, reference, name):
    """equalise a real image"""
    image = sample(name)
    expect_array(learner.equalise(image), reference.equalise(image))


@graded("equalise", 1)
def test_equalise_flattens_histogram(learner):
    """equalising moon spreads its levels over the whole range"""
    out = learner.equalise(sample("moon"))
    expect_kind(out, np.uint8, (512, 512))
    expect(out.max() == 255, f"the brightest output level is {out.max()}; equalisation sends the brightest to 255.")


@graded("equalise", 1, guard=True)
def test_equalise_rejects_float(learner):
    """equalise raises TypeError for a float image"""
    expect_raises(learner, "equalise", np.zeros((3, 3)), exception="TypeError", mentions="image")


@graded("equalise", 1, guard=True)
def test_equalise_rejects_other_integer_dtypes(learner):
    """equalise raises TypeError for an int8 or a bool image (only uint8 is an image here)"""
    # np.int8 and bool cannot hold every uint8 value: a test like `dtype > np.uint8` lets them through.
    expect_raises(learner, "equalise", np.zeros((3, 3), np.int8), exception="TypeError", mentions="image")
    expect_raises(learner, "equalise", np.zeros((3, 3), bool), exception="TypeError", mentions="image")


# -- equalise_colour --------------------------------------------------------------
def colour_slack(reference, image):
    """Where ``(channel * V2) / V`` is exactly a half-integer: the conventions let rint go either way there.

    (Another correct order, ``channel * (V2 / V)``, lands a hair to either side of .5.)
    """
    rgb = image[..., :3].astype(np.int64)
    value = rgb.max(axis=2)
    new_value = reference.equalise(image[..., :3].max(axis=2)).astype(np.int64)
    twice = 2 * rgb * new_value[..., None]
    divisor = np.maximum(value, 1)[..., None]
    return (value[..., None] > 0) & (twice % divisor == 0) & ((twice // divisor) % 2 == 1)


@graded("equalise_colour", 3)
@given(image=colour)
def test_colour_matches_reference(learner, reference, image):
    """equalise_colour matches the reference on small RGB and RGBA images"""
    expect_array(learner.equalise_colour(image), reference.equalise_colour(image),
                 off_by_one_where=colour_slack(reference, image))


@graded("equalise_colour", 2)
@given(image=uint8_images(channels=3, max_side=6))
def test_colour_brightness_is_equalised(learner, reference, image):
    """the brightest channel of each pixel becomes equalise(V)"""
    out = learner.equalise_colour(image)
    expect_kind(out, np.uint8, image.shape)
    expect_array(out.max(axis=2), reference.equalise(image.max(axis=2)),
                 expected_from="equalise(image.max(axis=2)) (each pixel's brightest channel should become V2)")


@graded("equalise_colour", 1)
def test_colour_keeps_the_hue_of_the_darkest_pixels(learner, reference):
    """equalise_colour keeps the hue of pixels whose brightest channel is 1 (only black pixels turn grey)"""
    image = np.array([[[1, 0, 0], [0, 1, 1], [1, 1, 0], [0, 0, 0]],
                      [[2, 0, 1], [1, 0, 1], [90, 30, 0], [255, 255, 255]]], dtype=np.uint8)
    expect_array(learner.equalise_colour(image), reference.equalise_colour(image),
                 off_by_one_where=colour_slack(reference, image))


@graded("equalise_colour", 2)
@pytest.mark.parametrize("name", ["hubble_deep_field", "coffee", "logo"])
def test_colour_real_images(learner, reference, name):
    """equalise_colour of a real image"""
    image = sample(name)
    expect_array(learner.equalise_colour(image), reference.equalise_colour(image),
                 off_by_one_where=colour_slack(reference, image))


@graded("equalise_colour", 1, guard=True)
@pytest.mark.parametrize("channels", [None, 2, 5, "4-D"])
def test_colour_rejects_other_shapes(learner, channels):
    """equalise_colour raises ValueError for an image that is not (H, W, 3) or (H, W, 4)"""
    grey = sample("moon")[:4, :4]
    if channels is None:
        image = derived(grey, "skimage.data.moon()[:4, :4]")
    elif channels == "4-D":
        image = derived(np.ascontiguousarray(np.repeat(grey[:, :, None, None], 3, axis=2)),
                        "np.repeat(skimage.data.moon()[:4, :4, None, None], 3, axis=2)")
    else:
        image = derived(np.ascontiguousarray(np.repeat(grey[:, :, None], channels, axis=2)),
                        f"np.repeat(skimage.data.moon()[:4, :4, None], {channels}, axis=2)")
    expect_raises(learner, "equalise_colour", image, exception="ValueError", mentions="image")


@graded(None, 1, guard=True)
@pytest.mark.parametrize("function", ["equalise", "equalise_colour"])
def test_input_unchanged(learner, function):
    """leaves its input unchanged (an unsorted one: sorting a sorted image in place changes nothing)"""
    image = np.random.default_rng(48).integers(0, 256, (4, 4, 3), dtype=np.uint8)
    learner.call(function, image)
    expect_unmodified(learner)


# -- a large image (last: a learner's loop over its pixels may take a while) -------------------
@functools.cache
def large_image():
    """camera tiled 3 x 11: 8,650,752 pixels, past where ``255 * cdf`` overflows an int32 (8,421,505 pixels)."""
    image = np.tile(sample("camera"), (3, 11))
    image.flags.writeable = False
    return derived(image, "np.tile(skimage.data.camera(), (3, 11))")


@graded("equalise", 1)
def test_equalise_a_large_image(learner, reference):
    """equalise an 8.6-megapixel image (255 * cdf passes what an int32 holds: compute in int64)"""
    # Tiling multiplies every count by 33, which leaves (255 * cdf) // size unchanged.
    expected = np.tile(reference.equalise(sample("camera")), (3, 11))
    expect_array(learner.equalise(large_image(), _timeout=60), expected,
                 expected_from="equalise(camera) tiled 3 x 11 (the same levels, each 33 times as often)")
