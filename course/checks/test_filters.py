"""Checks for `filters` (blurring and denoising).

Comparisons with the oracles (scipy.signal.convolve2d for blur,
scipy.ndimage.median_filter) run over a fixed grid of shapes and sizes with
seeded random values; comparisons with the reference and the properties use
Hypothesis.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from imagecourse.samples import derived, sample
from imagecourse.strategies import images

from grader.core.answers import remembered
from grader.kit.expect import expect, expect_array, expect_kind, expect_raises, expect_unmodified
from grader.kit.marks import graded
from grader.kit.speed import expect_fast

odd_sizes = st.sampled_from([1, 3, 5, 7, 9])
sigmas = st.one_of(st.sampled_from([0.5, 1, 1.0, 2.0]), st.floats(0.2, 5.0))


def mean(n):
    return np.full((n, n), 1.0 / n**2)


def gaussian(n, sigma):
    x = np.arange(n) - (n - 1) / 2
    kernel = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2.0 * sigma**2))
    return kernel / kernel.sum()


# Kernels to blur with: box and Gaussian kernels (mean_kernel(6) makes exact
# halves), and arbitrary small non-negative kernels (whose sums can leave 0..255).
kernels = st.one_of(
    st.integers(1, 6).map(mean),
    st.tuples(st.sampled_from([3, 5]), st.sampled_from([0.5, 1.0, 2.0])).map(lambda a: gaussian(*a)),
    hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 4)),
               elements=st.floats(0.0, 1.0, allow_subnormal=False)),
)
blur_images = st.one_of(images(np.uint8, max_side=6), images(np.uint8, max_side=5, channels=3))


def crop(name, size=128):
    """A ``size x size`` part of a sample image (small enough for a plain loop to be quick)."""
    top, left = {"camera": (200, 200), "coffee": (100, 200)}[name]
    image = np.ascontiguousarray(sample(name)[top : top + size, left : left + size])
    return derived(image, f"skimage.data.{name}()[{top}:{top + size}, {left}:{left + size}]")


@remembered  # grader.core.answers: computed (and scipy.signal imported) once per machine, not per grading
def scipy_blur_values(image, kernel):
    """``scipy.signal.convolve2d(..., "same", "symm")`` of each channel, before rounding."""
    from scipy.signal import convolve2d

    def one(channel):
        return convolve2d(channel.astype(float), kernel, mode="same", boundary="symm")

    if image.ndim == 2:
        return one(image)
    return np.stack([one(image[..., c]) for c in range(image.shape[2])], axis=-1)


@remembered
def scipy_median(image, size):
    """``scipy.ndimage.median_filter(image, size=size, mode="reflect")``, the contract's oracle."""
    from scipy.ndimage import median_filter

    return median_filter(image, size=size, mode="reflect")


def rounded(values):
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def near_half(values):
    """Where a float lies within 1e-9 of a half-integer (rint may go either way there)."""
    return np.abs(values - np.floor(values) - 0.5) < 1e-9


def expect_blur(got, image, kernel, expected=None, expected_from="the reference solution"):
    values = scipy_blur_values(image, kernel)
    if expected is None:
        expected, expected_from = rounded(values), 'scipy.signal.convolve2d(..., "same", "symm"), rint, clip'
    expect_array(got, expected, expected_from=expected_from, off_by_one_where=near_half(values))


# -- mean_kernel ------------------------------------------------------------------------
@graded("mean_kernel", 1)
def test_mean_kernel_entries(learner):
    """every entry of mean_kernel(n) is 1 / n**2 (n = 1..12)"""
    for n in range(1, 13):
        expect_array(learner.mean_kernel(n), mean(n), expected_from="np.full((n, n), 1 / n**2)")


@graded("mean_kernel", 1)
def test_mean_kernel_sums_to_one(learner):
    """mean_kernel(n) sums to 1 (n = 1..12)"""
    for n in range(1, 13):
        kernel = learner.mean_kernel(n)
        expect_kind(kernel, np.float64, (n, n))
        expect(np.isclose(kernel.sum(), 1.0, rtol=0, atol=1e-12), f"its entries add up to {kernel.sum()!r}, not 1.")


# -- gaussian_kernel -------------------------------------------------------------------
@graded("gaussian_kernel", 2)
@given(n=odd_sizes, sigma=sigmas)
def test_gaussian_matches_reference(learner, reference, n, sigma):
    """gaussian_kernel matches the reference"""
    expect_array(learner.gaussian_kernel(n, sigma), reference.gaussian_kernel(n, sigma))


@graded("gaussian_kernel", 1)
@given(n=odd_sizes, sigma=sigmas)
def test_gaussian_is_normalised_and_symmetric(learner, n, sigma):
    """gaussian_kernel sums to 1, peaks in the middle and is symmetric"""
    kernel = learner.gaussian_kernel(n, sigma)
    expect_kind(kernel, np.float64, (n, n))
    expect(np.isclose(kernel.sum(), 1.0, rtol=0, atol=1e-12),
           f"its entries add up to {kernel.sum()!r}; divide by the sum so that they add up to 1.")
    same = {"its transpose": kernel.T, "itself upside down": kernel[::-1], "itself mirrored": kernel[:, ::-1]}
    for name, other in same.items():
        expect(np.allclose(kernel, other, rtol=1e-12, atol=0),
               f"the kernel is not equal to {name}; a Gaussian centred on the middle pixel is symmetric.")
    expect(kernel[n // 2, n // 2] == kernel.max(), "the largest weight is not the middle one.")


@graded("gaussian_kernel", 1)
@pytest.mark.parametrize("n, sigma", [(5, 1.0), (7, 2.5)])
def test_gaussian_of_the_formula(learner, n, sigma):
    """gaussian_kernel(n, sigma) is exp(-(x**2 + y**2) / (2 * sigma**2)) divided by its sum"""
    expect_array(learner.gaussian_kernel(n, sigma), gaussian(n, sigma),
                 expected_from="exp(-(x**2 + y**2) / (2 * sigma**2)) / its sum")


@graded("gaussian_kernel", 1, guard=True)
def test_gaussian_rejects_even_size(learner):
    """gaussian_kernel raises ValueError for an even n"""
    expect_raises(learner, "gaussian_kernel", 4, 1.0, exception="ValueError", mentions="n")


@graded("gaussian_kernel", 1, guard=True)
def test_gaussian_rejects_non_positive_sigma(learner):
    """gaussian_kernel raises ValueError for sigma = 0 and sigma < 0"""
    expect_raises(learner, "gaussian_kernel", 3, 0.0, exception="ValueError", mentions="sigma")
    expect_raises(learner, "gaussian_kernel", 3, -1.0, exception="ValueError", mentions="sigma")


# -- blur -----------------------------------------------------------------------------
@graded("blur", 3)
@given(image=blur_images, kernel=kernels)
def test_blur_matches_reference(learner, reference, image, kernel):
    """blur matches the reference on small grey and colour images"""
    expect_blur(learner.blur(image, kernel), image, kernel, reference.blur(image, kernel))


@graded("blur", 2)
def test_blur_matches_scipy(learner):
    """blur is scipy.signal.convolve2d(..., "same", "symm") on each channel, rounded and clipped"""
    rng = np.random.default_rng(6)
    shapes = [(1, 1), (2, 5), (5, 2), (6, 6), (4, 5, 3)]
    grid = [mean(1), mean(2), mean(3), mean(6), gaussian(3, 1.0), gaussian(5, 0.5),
            rng.uniform(0, 1, (2, 3)), rng.uniform(0, 3, (4, 1))]  # the last one leaves 0..255
    for shape, kernel in itertools.product(shapes, grid):
        image = rng.integers(0, 256, shape, dtype=np.uint8)
        expect_blur(learner.blur(image, kernel), image, kernel)


@graded("blur", 1)
@given(value=st.integers(0, 255), shape=st.sampled_from([(4, 5), (3, 3, 3), (1, 6)]),
       kernel=st.one_of(st.integers(1, 6).map(mean), st.sampled_from([gaussian(5, 1.0), gaussian(3, 0.5)])))
def test_blur_keeps_a_constant_image(learner, value, shape, kernel):
    """blurring a constant image leaves it unchanged"""
    image = np.full(shape, value, dtype=np.uint8)
    expect_array(learner.blur(image, kernel), image, expected_from="the image itself (a flat image stays flat)")


@graded("blur", 1)
@pytest.mark.parametrize("name", ["camera", "coffee"])
def test_blur_real_images(learner, name):
    """blur part of a real image: camera with mean_kernel(6) (exact halves round either way), coffee with a Gaussian"""
    image = crop(name)
    kernel = mean(6) if name == "camera" else gaussian(5, 1.0)
    expect_blur(learner.blur(image, kernel), image, kernel)


@graded("blur", 1)
def test_blur_flips_the_kernel(learner):
    """blur flips the kernel (a convolution): an asymmetric kernel on part of skimage.data.camera()"""
    image = crop("camera", 24)
    smear = np.outer([1, 2, 3], [3, 2, 1]) / 36.0  # smears towards the lower right
    expect_blur(learner.blur(image, smear), image, smear)


@graded("blur", 1)
def test_blur_clips_both_ends(learner):
    """blur clips to 0..255 at both ends: a sharpening kernel gives values below 0 and above 255"""
    image = np.zeros((3, 4), dtype=np.uint8)
    image[1, 1] = 200
    sharpen = np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]])  # 1000 at the centre, -200 around
    expect_blur(learner.blur(image, sharpen), image, sharpen)


# -- median_filter ----------------------------------------------------------------------
median_images = st.one_of(images(np.uint8, max_side=8),
                          images(np.float64, max_side=6, elements=st.floats(-1e3, 1e3, allow_subnormal=False)))


@graded("median_filter", 2)
@given(image=median_images, size=odd_sizes)
def test_median_matches_reference(learner, reference, image, size):
    """median_filter matches the reference (any window, even wider than the image)"""
    expect_array(learner.median_filter(image, size), reference.median_filter(image, size))


@graded("median_filter", 2)
def test_median_matches_scipy(learner):
    """median_filter equals scipy.ndimage.median_filter(image, size=size, mode="reflect")"""
    rng = np.random.default_rng(7)
    shapes = [(1, 1), (1, 6), (6, 1), (2, 3), (5, 5), (8, 7)]
    for shape, size in itertools.product(shapes, [1, 3, 5, 7, 9, 11]):
        # SciPy reads outside its padded image when the window is much wider than
        # the image (size // 2 >= 4 * side): compare with it only where it is right.
        if size // 2 >= 4 * min(shape):
            continue
        image = rng.integers(0, 256, shape, dtype=np.uint8) if size % 4 == 1 else rng.normal(0, 100, shape)
        expect_array(learner.median_filter(image, size), scipy_median(image, size),
                     expected_from='scipy.ndimage.median_filter(image, size=size, mode="reflect")')


@graded("median_filter", 1)
def test_median_large_crop(learner):
    """median_filter of a 256 x 256 crop of camera, size 9 (a solution that works in bands of rows must join them)"""
    image = crop("camera", 256)
    expect_array(learner.median_filter(image, 9), scipy_median(image, 9),
                 expected_from='scipy.ndimage.median_filter(image, size=9, mode="reflect")')
    # One window of over 4 million values (2049 x 2049): a band of rows must hold at least one row of windows.
    pixel = np.array([[7]], dtype=np.uint8)
    expect_array(learner.median_filter(pixel, 2049), pixel,
                 expected_from="the pixel itself (the mirrored border of a 1-pixel image repeats it)")


@graded("median_filter", 1)
def test_median_real_image(learner):
    """median_filter of part of skimage.data.camera() with a 3 x 3 window"""
    image = crop("camera")
    expect_array(learner.median_filter(image, 3), scipy_median(image, 3),
                 expected_from='scipy.ndimage.median_filter(image, size=3, mode="reflect")')


@graded("median_filter", 1, guard=True)
def test_median_rejects_even_size(learner):
    """median_filter raises ValueError for an even size"""
    expect_raises(learner, "median_filter", np.zeros((4, 4), dtype=np.uint8), 2, exception="ValueError",
                  mentions="size")
    # A one-column image too: the size itself must be refused, whatever NumPy would say about the shapes.
    expect_raises(learner, "median_filter", np.zeros((5, 1), dtype=np.uint8), 4, exception="ValueError",
                  mentions="size")


# -- every function -------------------------------------------------------------------
@graded(None, 1, guard=True)
@pytest.mark.parametrize("function", ["blur", "median_filter"])
def test_input_unchanged(learner, function):
    """leaves its inputs unchanged (unsorted ones: sorting a sorted array in place changes nothing)"""
    rng = np.random.default_rng(48)
    image = rng.integers(0, 256, (6, 8), dtype=np.uint8)
    if function == "blur":
        learner.blur(image, rng.permutation(6).astype(np.float64).reshape(2, 3) / 15)
    else:
        learner.median_filter(image, 3)
    expect_unmodified(learner)


# -- the optional speed bonus (last: a call that times out is not made again) ------
# A guard as well as a bonus: a fast wrong answer earns nothing (grader.core.runner.withhold_guards).
@graded("median_filter", 1, bonus=True, guard=True)
def test_median_speed(learner, reference, record_property):
    """median_filter is fast: a 512 x 512 image, size 5, in at most 10x the reference's time"""
    expect_fast(learner, "median_filter", reference.median_filter, sample("camera"), 5,
                check=lambda got, expected: expect_array(got, expected),
                record=record_property, what="a 512 × 512 image with size 5")
