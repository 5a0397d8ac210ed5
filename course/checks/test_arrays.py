"""Checks for `arrays`."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from imagecourse.samples import sample
from imagecourse.strategies import batches, images, uint8_images

from grader.kit.describe import describe
from grader.kit.expect import expect_array, expect_kind, expect_raises, expect_unmodified, fail
from grader.kit.marks import graded

FLOAT32 = {"rtol": 1e-6, "atol": 0}  # float32 results: one rounding step may differ
dtypes = st.sampled_from([np.uint8, np.int16, np.float32, np.float64])
grey_or_colour = st.one_of(batches(), batches(channels=True))


@graded("normalise", 2)
@given(images=st.one_of(grey_or_colour, uint8_images(min_dims=1, max_dims=4)))
def test_normalise(learner, reference, images):
    """normalise scales 0..255 to float32 in [0, 1]"""
    expect_array(learner.normalise(images), reference.normalise(images), **FLOAT32)
    expect_array(learner.normalise(images), (images / 255).astype(np.float32), expected_from="images / 255",
                 **FLOAT32)


@graded("flatten", 2)
@given(images=grey_or_colour)
def test_flatten(learner, reference, images):
    """flatten gives one row per image, in C order"""
    expect_array(learner.flatten(images), reference.flatten(images))
    expect_array(learner.flatten(images), np.reshape(images, (len(images), -1)),
                 expected_from="np.reshape(images, (N, -1))")


@graded("flatten", 2)
@given(images=st.one_of(batches(np.float64), batches(np.int16, channels=3)))
def test_flatten_round_trip(learner, images):
    """reshaping flatten's rows back gives the images again (any dtype)"""
    rows = learner.flatten(images)
    expect_kind(rows, images.dtype, (len(images), images[0].size))
    back = rows.reshape(images.shape)
    same = back == images
    if images.dtype.kind == "f":
        same |= np.isnan(back) & np.isnan(images)
    differs = ~same
    if differs.any():
        first = tuple(int(i) for i in np.argwhere(differs)[0])
        fail(f"returned rows {describe(rows)} that, reshaped to the images' shape {images.shape}, do not give the "
             f"images back: they differ at {int(differs.sum())} of {images.size} positions; the first at index "
             f"{list(first)}: {back[first].item()!r} instead of {images[first].item()!r}. Each row must hold one "
             "image's values in C order (row by row), so that `rows.reshape(images.shape)` undoes it.")


@graded("add_channel_axis", 2)
@given(images=dtypes.flatmap(lambda dtype: batches(dtype=dtype)))
def test_add_channel_axis(learner, images):
    """add_channel_axis turns (N, H, W) into (N, H, W, 1), dtype unchanged"""
    expect_array(learner.add_channel_axis(images), images[..., np.newaxis], expected_from="images[..., np.newaxis]")


@graded("grey_to_rgb", 2)
@given(image=dtypes.flatmap(lambda dtype: images(dtype, max_side=6)))
def test_grey_to_rgb(learner, image):
    """grey_to_rgb repeats the channel three times, dtype unchanged"""
    expect_array(learner.grey_to_rgb(image), np.repeat(image[:, :, None], 3, axis=2),
                 expected_from="np.repeat(image[:, :, None], 3, axis=2)")


@graded("grey_to_rgb", 1)
def test_grey_to_rgb_camera(learner):
    """grey_to_rgb of skimage.data.camera()"""
    image = sample("camera")
    expect_array(learner.grey_to_rgb(image), np.dstack([image] * 3), expected_from="np.dstack([image] * 3)")


@graded("drop_alpha", 1)
@given(image=uint8_images(channels=4, max_side=6))
def test_drop_alpha(learner, image):
    """drop_alpha keeps R, G and B"""
    expect_array(learner.drop_alpha(image), image[:, :, :3], expected_from="image[:, :, :3]")


@graded("drop_alpha", 1)
def test_drop_alpha_logo(learner):
    """drop_alpha of skimage.data.logo() (RGBA)"""
    image = sample("logo")
    expect_array(learner.drop_alpha(image), image[:, :, :3], expected_from="image[:, :, :3]")


@graded("to_greyscale", 2)
@given(image=st.sampled_from([3, 4]).flatmap(lambda c: uint8_images(channels=c, max_side=6)))
def test_to_greyscale(learner, reference, image):
    """to_greyscale weighs R, G and B (and ignores alpha)"""
    expect_array(learner.to_greyscale(image), reference.to_greyscale(image))
    oracle = image[:, :, :3].astype(np.float64) @ np.array([0.2989, 0.5870, 0.1140])
    expect_array(learner.to_greyscale(image), oracle, expected_from="image[..., :3] @ weights")


@graded("to_greyscale", 1)
@pytest.mark.parametrize("name", ["astronaut", "logo"])
def test_to_greyscale_real(learner, reference, name):
    """to_greyscale of a real colour image"""
    image = sample(name)
    expect_array(learner.to_greyscale(image), reference.to_greyscale(image))


@graded("to_greyscale", 1)
def test_to_greyscale_weights(learner):
    """to_greyscale uses the weights it is given"""
    image = np.array([[[10, 20, 30]]], dtype=np.uint8)
    expect_array(learner.to_greyscale(image, weights=(1.0, 0.0, 0.5)), np.array([[25.0]]),
                 expected_from="1.0 * R + 0.0 * G + 0.5 * B")


@graded("one_hot", 2)
@given(data=st.data())
def test_one_hot(learner, reference, data):
    """one_hot puts a 1 in each label's column"""
    num_classes = data.draw(st.integers(1, 12), label="num_classes")
    # Integer labels, as the contract says, also when there are none (np.array([]) would be float64).
    labels = data.draw(st.lists(st.integers(0, num_classes - 1), max_size=8).map(lambda v: np.array(v, dtype=np.int64)),
                       label="labels")
    expect_array(learner.one_hot(labels, num_classes), reference.one_hot(labels, num_classes))
    expect_array(learner.one_hot(labels, num_classes),
                 np.eye(num_classes, dtype=np.float32)[labels.astype(int)],
                 expected_from="np.eye(num_classes, dtype=np.float32)[labels]")


@graded("one_hot", 1, guard=True)
@pytest.mark.parametrize("labels", [[0, 3, 10], [2, 11], [-1, 2]], ids=["too large", "far too large", "negative"])
def test_one_hot_rejects_bad_labels(learner, labels):
    """one_hot raises ValueError for a label outside [0, num_classes)"""
    expect_raises(learner, "one_hot", np.array(labels), 10, exception="ValueError", mentions="label")


@graded(None, 1, guard=True)
@pytest.mark.parametrize("function", ["normalise", "flatten", "add_channel_axis", "grey_to_rgb", "drop_alpha",
                                      "to_greyscale", "one_hot"])
def test_input_unchanged(learner, function):
    """leaves its input unchanged (an unsorted one: sorting a sorted array in place changes nothing)"""
    rng = np.random.default_rng(7)
    if function == "one_hot":
        learner.call(function, np.array([2, 0, 1, 2], dtype=np.int64), 3)
        expect_unmodified(learner)
        return
    shapes = {"grey_to_rgb": (3, 4), "drop_alpha": (3, 4, 4), "to_greyscale": (3, 4, 3)}
    image = rng.integers(0, 256, shapes.get(function, (2, 4, 6)), dtype=np.uint8)
    learner.call(function, image)
    expect_unmodified(learner)
