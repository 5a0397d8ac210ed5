"""Checks for `intensity` (point transforms)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from imagecourse.samples import sample
from imagecourse.strategies import uint8_images

from grader.kit.expect import expect, expect_array, expect_kind, expect_raises, expect_unmodified
from grader.kit.marks import graded

any_shape = uint8_images(min_dims=1, max_dims=3, min_side=1, max_side=8)
gammas = st.one_of(st.sampled_from([0.5, 1, 2, 2.2, 3.0]),
                   st.floats(0.1, 8.0, allow_nan=False, allow_infinity=False))
FUNCTIONS = {"negative": (), "log_transform": (), "gamma_correction": (2.2,)}
ALL_LEVELS = np.arange(256, dtype=np.uint8).reshape(16, 16)


def near_half(values: np.ndarray) -> np.ndarray:
    """Where a float lies within 1e-9 of a half-integer (rint may go either way there)."""
    return np.abs(values - np.floor(values) - 0.5) < 1e-9


def log_values(image):
    """``c * log(1 + image)`` before rounding, as the contract writes it."""
    values = image.astype(np.float64)
    if values.max() == 0:
        return np.zeros(image.shape)
    return 255.0 / np.log(1.0 + values.max()) * np.log(1.0 + values)


def gamma_values(image, gamma):
    """``255 * (image / 255) ** (1 / gamma)`` before rounding."""
    return 255.0 * (image.astype(np.float64) / 255.0) ** (1.0 / gamma)


# -- negative -------------------------------------------------------------------
@graded("negative", 2)
@given(image=any_shape)
def test_negative_matches_reference(learner, reference, image):
    """negative matches the reference on small images of any shape"""
    expect_array(learner.negative(image), reference.negative(image))


@graded("negative", 1)
def test_negative_real_image(learner):
    """negative of skimage.data.camera() is 255 - image"""
    image = sample("camera")
    expect_array(learner.negative(image), np.subtract(np.uint8(255), image), expected_from="255 - image")


@graded("negative", 1)
def test_negative_twice_gives_image_back(learner):
    """the negative of the negative is the image itself (all 256 levels)"""
    image = ALL_LEVELS
    once = learner.negative(image)
    expect_kind(once, np.uint8, image.shape)
    expect_array(learner.negative(once), image, expected_from="the original image (negative of the negative)")


# -- log_transform ----------------------------------------------------------------
@graded("log_transform", 3)
@given(image=any_shape)
def test_log_matches_reference(learner, reference, image):
    """log_transform matches the reference (computed in float64)"""
    expect_array(learner.log_transform(image), reference.log_transform(image),
                 off_by_one_where=near_half(log_values(image)))


@graded("log_transform", 1)
def test_log_of_black_is_black(learner):
    """log_transform of an all-zero image is all zeros"""
    image = np.zeros((3, 4), dtype=np.uint8)
    expect_array(learner.log_transform(image), image, expected_from="the contract (all zeros stay all zeros)")


@graded("log_transform", 1)
def test_log_of_an_empty_image(learner):
    """log_transform of an empty image is an empty uint8 image of the same shape"""
    image = np.zeros((0, 4), dtype=np.uint8)
    expect_array(learner.log_transform(image), image, expected_from="the contract (an empty image gives all zeros)")


@graded("log_transform", 1)
def test_log_of_one_pixel(learner):
    """log_transform sends the only pixel of a one-pixel image to 255 (unless it is 0)"""
    for image in (np.array([[7]], dtype=np.uint8), np.array([200], dtype=np.uint8),
                  np.array([[[1]]], dtype=np.uint8)):
        expect_array(learner.log_transform(image), np.full(image.shape, 255, np.uint8),
                     expected_from="c = 255 / log(1 + image.max()), so the brightest pixel becomes 255")


@graded("log_transform", 1)
def test_log_keeps_order_and_sends_the_brightest_to_255(learner):
    """log_transform keeps the order of levels and sends the brightest pixel to 255"""
    for brightest in (255, 200, 1):
        image = np.linspace(0, brightest, 60).astype(np.uint8).reshape(6, 10)[::-1].copy()
        out = learner.log_transform(image)
        expect_kind(out, np.uint8, image.shape)
        order = np.argsort(image, axis=None, kind="stable")
        expect(np.all(np.diff(out.ravel()[order].astype(np.int64)) >= 0),
               "a brighter input pixel became darker than a dimmer one; log is increasing.")
        top = out[image == brightest]
        expect(np.all(top == 255), f"the brightest pixels ({brightest}) became {top[0]}; "
                                   "c = 255 / log(1 + image.max()) sends them to exactly 255.")


@graded("log_transform", 1)
def test_log_of_sixteen_levels(learner, reference):
    """log_transform of the 16 levels 0, 17, 34, ..., 255 (a row of them)"""
    image = np.arange(0, 256, 17, dtype=np.uint8).reshape(1, 16)
    expect_array(learner.log_transform(image), reference.log_transform(image),
                 off_by_one_where=near_half(log_values(image)))


@graded("log_transform", 1)
def test_log_real_image(learner, reference):
    """log_transform of skimage.data.camera()"""
    image = sample("camera")
    expect_array(learner.log_transform(image), reference.log_transform(image),
                 off_by_one_where=near_half(log_values(image)))


# -- gamma_correction --------------------------------------------------------------
@graded("gamma_correction", 3)
@given(image=any_shape, gamma=gammas)
def test_gamma_matches_reference(learner, reference, image, gamma):
    """gamma_correction matches the reference (exponent 1 / gamma, in float64)"""
    expect_array(learner.gamma_correction(image, gamma), reference.gamma_correction(image, gamma),
                 off_by_one_where=near_half(gamma_values(image, gamma)))


@graded("gamma_correction", 1)
def test_gamma_one_changes_nothing(learner):
    """gamma_correction with gamma = 1 gives the image back (all 256 levels)"""
    expect_array(learner.gamma_correction(ALL_LEVELS, 1.0), ALL_LEVELS, expected_from="the image itself (gamma = 1)")


@graded("gamma_correction", 1)
def test_gamma_above_one_brightens(learner):
    """gamma > 1 never darkens a pixel, and keeps black and white (all 256 levels)"""
    image = ALL_LEVELS
    for gamma in (1.01, 1.5, 2, 3.7, 8.0):
        out = learner.gamma_correction(image, gamma)
        expect_kind(out, np.uint8, image.shape)
        expect(np.all(out >= image), f"a pixel got darker with gamma = {gamma!r}; with the exponent 1 / gamma < 1 "
                                     "every value in 0..1 moves up.")
        expect(np.all(out[image == 0] == 0) and np.all(out[image == 255] == 255),
               "black (0) or white (255) moved; both are fixed points of any power of image / 255.")


@graded("gamma_correction", 1)
def test_gamma_real_image(learner, reference):
    """gamma_correction of skimage.data.moon() with gamma = 2.2"""
    image = sample("moon")
    expect_array(learner.gamma_correction(image, 2.2), reference.gamma_correction(image, 2.2),
                 off_by_one_where=near_half(gamma_values(image, 2.2)))


@graded("gamma_correction", 1, guard=True)
def test_gamma_rejects_non_positive(learner):
    """gamma_correction raises ValueError for gamma = 0 and gamma < 0"""
    image = np.full((2, 2), 100, dtype=np.uint8)
    expect_raises(learner, "gamma_correction", image, 0, exception="ValueError", mentions="gamma")
    expect_raises(learner, "gamma_correction", image, -1.5, exception="ValueError", mentions="gamma")


# -- every function -------------------------------------------------------------------
@graded(None, 1, guard=True)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_input_unchanged(learner, function):
    """leaves its input unchanged (an unsorted one: sorting a sorted image in place changes nothing)"""
    image = np.random.default_rng(30).integers(0, 256, (5, 6), dtype=np.uint8)
    learner.call(function, image, *FUNCTIONS[function])
    expect_unmodified(learner)
