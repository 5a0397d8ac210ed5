"""Checks for `exploration` (on the course's MNIST loader's digits)."""

import functools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from imagecourse import mlcheck
from imagecourse.samples import derived

from grader.kit.expect import expect, expect_array, expect_kind, expect_raises, expect_unmodified
from grader.kit.marks import graded

FUNCTIONS = ["class_counts", "class_means", "mean_difference", "montage"]


@pytest.fixture(scope="module")
def digits():
    """The training images and labels the checks look at (the first few thousand)."""
    data = mlcheck.digits()
    return (mlcheck.part(data, "x_train", mlcheck.EXPLORATION_IMAGES),
            mlcheck.part(data, "y_train", mlcheck.EXPLORATION_IMAGES), data.description)


@st.composite
def labelled_images(draw, max_n=8, max_side=4):
    """(images, labels, num_classes): a few small uint8 images with labels in 0..num_classes-1."""
    num_classes = draw(st.integers(1, 5))
    n = draw(st.integers(1, max_n))
    images = draw(hnp.arrays(np.uint8, st.tuples(st.just(n), st.integers(1, max_side), st.integers(1, max_side))))
    dtype = draw(st.sampled_from([np.uint8, np.int64]))
    labels = draw(hnp.arrays(dtype, n, elements=st.integers(0, num_classes - 1)))
    return images, labels, num_classes


def oracle_mean(images, labels, c):
    members = images[labels == c]
    return members.astype(np.float64).mean(axis=0) if len(members) else np.zeros(images.shape[1:])


# -- class_counts -------------------------------------------------------------------------
@graded("class_counts", 2)
@given(data=labelled_images(), extra=st.integers(0, 3))
def test_counts_match_bincount(learner, data, extra):
    """class_counts equals np.bincount(labels, minlength=num_classes)"""
    _, labels, num_classes = data
    expect_array(learner.class_counts(labels, num_classes + extra),
                 np.bincount(labels, minlength=num_classes + extra).astype(np.int64),
                 expected_from="np.bincount(labels, minlength=num_classes)")


@graded("class_counts", 2)
def test_counts_of_the_digits(learner, digits):
    """class_counts of the digits' training labels (uint8)"""
    _, labels, description = digits
    counts = learner.class_counts(labels)
    expect_array(counts, np.bincount(labels, minlength=10).astype(np.int64),
                 expected_from=f"np.bincount on {description}")
    expect(counts.sum() == len(labels), f"the counts add up to {counts.sum()}; expected {len(labels)} labels.")


@graded("class_counts", 1, guard=True)
@pytest.mark.parametrize("bad", [(10, 12), (-1, -3)], ids=["too large", "negative"])
def test_counts_reject_bad_labels(learner, bad):
    """class_counts raises ValueError for a label outside [0, num_classes)"""
    # The first label outside the range and one further out: a test for `label == num_classes`
    # (or `label == -1`) alone is not a range check.
    for value in bad:
        labels = np.array([0, 3, value, 9], dtype=np.int64)
        expect_raises(learner, "class_counts", labels, 10, exception="ValueError", mentions="labels")


# -- class_means -------------------------------------------------------------------------
@graded("class_means", 2)
@given(data=labelled_images())
def test_means_match_reference(learner, reference, data):
    """class_means matches the reference on small batches (empty classes included)"""
    images, labels, num_classes = data
    expect_array(learner.class_means(images, labels, num_classes), reference.class_means(images, labels, num_classes))


@graded("class_means", 2)
def test_means_of_the_digits(learner, digits):
    """class_means of the digits equals the np.mean of every class's images"""
    images, labels, description = digits
    expected = np.stack([oracle_mean(images, labels, c) for c in range(10)])
    expect_array(learner.class_means(images, labels), expected,
                 expected_from=f"images[labels == c].mean(axis=0) on {description}")


@graded("class_means", 1)
@given(data=labelled_images())
def test_means_empty_class_is_zero(learner, data):
    """a class without images has a mean of zeros"""
    images, labels, num_classes = data
    got = learner.class_means(images, labels, num_classes + 2)
    expect_kind(got, np.float64, (num_classes + 2,) + images.shape[1:])
    for c in sorted(set(range(num_classes + 2)) - set(labels.tolist())):
        expect(np.all(got[c] == 0), f"class {c} has no images, but its mean is not all zeros.")


# -- mean_difference --------------------------------------------------------------------
@graded("mean_difference", 2)
@given(data=labelled_images(), pair=st.tuples(st.integers(0, 6), st.integers(0, 6)))
def test_difference_matches_reference(learner, reference, data, pair):
    """mean_difference matches the reference on small batches (empty classes included)"""
    images, labels, _ = data
    a, b = pair
    expect_array(learner.mean_difference(images, labels, a, b), reference.mean_difference(images, labels, a, b))


@graded("mean_difference", 2)
@pytest.mark.parametrize("a, b", [(3, 8), (1, 7), (4, 9)])
def test_difference_of_the_digits(learner, digits, a, b):
    """mean_difference of two digits equals |mean_a - mean_b| computed with np.mean"""
    images, labels, description = digits
    expected = np.abs(oracle_mean(images, labels, a) - oracle_mean(images, labels, b))
    expect_array(learner.mean_difference(images, labels, a, b), expected,
                 expected_from=f"|images[labels == a].mean(0) - images[labels == b].mean(0)| on {description}")


@graded("mean_difference", 1)
def test_difference_is_symmetric(learner, digits):
    """mean_difference(a, b) equals mean_difference(b, a), and is zero for a class with itself"""
    images, labels, _ = digits
    first = learner.mean_difference(images, labels, 2, 5)
    expect_kind(first, np.float64, images.shape[1:])
    expect_array(learner.mean_difference(images, labels, 5, 2), first,
                 expected_from="mean_difference(images, labels, 2, 5)")
    expect_array(learner.mean_difference(images, labels, 6, 6), np.zeros(images.shape[1:]),
                 expected_from="zeros (a class does not differ from itself)")


# -- montage --------------------------------------------------------------------------------
def oracle_montage(images, labels, per_class, seed, num_classes=10):
    """The contract's construction, word for word."""
    rng = np.random.default_rng(seed)
    rows = [np.hstack(list(images[rng.choice(np.flatnonzero(labels == d), per_class, replace=False)]))
            for d in range(num_classes)]
    return np.vstack(rows).astype(np.uint8)


@graded("montage", 3)
@pytest.mark.parametrize("per_class, seed", [(10, 0), (4, 7)])
def test_montage_of_the_digits(learner, digits, per_class, seed):
    """montage of the digits follows the contract's choice of images, row by row"""
    images, labels, description = digits
    expected = oracle_montage(images, labels, per_class, seed)
    # per_class by keyword: the signature allows it (only seed and num_classes are keyword-only).
    expect_array(learner.montage(images, labels, per_class=per_class, seed=seed), expected,
                 expected_from=f"one default_rng(seed), one rng.choice per class in order, on {description}")
    if (per_class, seed) == (10, 0):
        # The contract's defaults are per_class=10 and seed=0: leaving them out must give the same grid.
        expect_array(learner.montage(images, labels), expected,
                     expected_from=f"one default_rng(0), one rng.choice of 10 images per class in order (the "
                                   f"defaults per_class=10, seed=0), on {description}")


@st.composite
def montage_inputs(draw):
    """(images, labels, per_class, num_classes): every class has at least per_class images."""
    num_classes = draw(st.integers(1, 4))
    per_class = draw(st.integers(1, 3))
    extra = draw(st.lists(st.integers(0, num_classes - 1), max_size=4))
    labels = np.array(draw(st.permutations(list(range(num_classes)) * per_class + extra)), dtype=np.int64)
    images = draw(hnp.arrays(np.uint8, st.tuples(st.just(len(labels)), st.integers(1, 3), st.integers(1, 3))))
    return images, labels, per_class, num_classes


@graded("montage", 2)
@given(data=montage_inputs(), seed=st.integers(0, 100))
def test_montage_matches_reference(learner, reference, data, seed):
    """montage matches the reference on small batches"""
    images, labels, per_class, num_classes = data
    expect_array(learner.montage(images, labels, per_class, seed=seed, num_classes=num_classes),
                 reference.montage(images, labels, per_class, seed=seed, num_classes=num_classes))


@graded("montage", 1)
def test_montage_rows_hold_their_class(learner, digits):
    """every image in row d of the montage is an image of class d"""
    images, labels, _ = digits
    grid = learner.montage(images, labels, 6, seed=3)
    h, w = images.shape[1:]
    expect_kind(grid, np.uint8, (10 * h, 6 * w))
    for d in range(10):
        members = images[labels == d].reshape(-1, h * w)
        for j in range(6):
            tile = grid[d * h:(d + 1) * h, j * w:(j + 1) * w].reshape(1, h * w)
            expect(np.any(np.all(members == tile, axis=1)),
                   f"the image in row {d}, column {j} is not an image of class {d}.")


# -- every function -------------------------------------------------------------------
@graded(None, 1, guard=True)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_input_unchanged(learner, function):
    """leaves its input unchanged (unsorted ones: sorting a sorted array in place changes nothing)"""
    images = np.random.default_rng(36).integers(0, 256, (6, 2, 3), dtype=np.uint8)
    labels = np.array([2, 0, 1, 0, 2, 1], dtype=np.uint8)
    args = {
        "class_counts": (labels, 3),
        "class_means": (images, labels, 3),
        "mean_difference": (images, labels, 0, 2),
        "montage": (images, labels, 2),
    }[function]
    kwargs = {"num_classes": 3} if function == "montage" else {}
    learner.call(function, *args, **kwargs)
    expect_unmodified(learner)


# -- many images (last: a learner's loop over them may take a while) --------------------------------
@functools.cache
def many_images():
    """8,500,000 one-pixel images of 255, the last one 0 and of class 1: class 0's sum passes an int32's range."""
    images = np.full((8_500_000, 1, 1), 255, dtype=np.uint8)
    labels = np.zeros(len(images), dtype=np.uint8)
    images[-1], labels[-1] = 0, 1
    images.flags.writeable = labels.flags.writeable = False
    return (derived(images, "np.concatenate([np.full((8_499_999, 1, 1), 255, dtype=np.uint8), "
                            "np.zeros((1, 1, 1), dtype=np.uint8)])"),
            derived(labels, "np.concatenate([np.zeros(8_499_999, dtype=np.uint8), np.ones(1, dtype=np.uint8)])"))


@graded("class_means", 1)
def test_means_of_many_images(learner):
    """the class means of 8.5 million one-pixel images: their sum, 255 * 8,499,999, passes what an int32 holds"""
    # One check, of class_means only: sending 8.5 million images costs a tenth of a second each time.
    images, labels = many_images()
    expect_array(learner.class_means(images, labels, 2, _timeout=60), np.array([[[255.0]], [[0.0]]]),
                 expected_from="class 0's images are all 255, class 1's one image is 0")
