"""Checks for `convolution` (padding, output size, 2-D convolution).

Comparisons with the oracles (np.pad, scipy.signal.convolve2d) run over a fixed
grid of shapes (1-pixel images, odd, even and non-square kernels, kernels and
widths larger than the image, every stride) with seeded random values: the shapes
are where the mistakes are, and a grid covers all of them in a few milliseconds.
Comparisons with the reference and the properties use Hypothesis.
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
from grader.kit.expect import expect, expect_array, expect_int, expect_kind, expect_raises, expect_unmodified
from grader.kit.marks import graded
from grader.kit.speed import expect_fast

PAD_MODES = ["constant", "edge", "reflect", "symmetric"]
MODES = ["full", "same", "valid"]
BOUNDARIES = ["fill", "symm", "wrap"]
# A 5 x 5 binomial (Gaussian-like) blur, and a 3 x 3 sharpening kernel.
BINOMIAL = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256.0
SHARPEN = np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]])
# A 5 x 5 blur that smears towards the lower right: asymmetric, so that a correlation (the
# kernel not flipped) gives another image than the convolution.
SMEAR = np.outer([1, 2, 3, 4, 5], [5, 4, 3, 2, 1]) / 225.0

kernel_values = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)
image_values = {
    np.uint8: None,
    np.float64: st.floats(-100.0, 100.0, allow_nan=False, allow_infinity=False, allow_subnormal=False),
}


@remembered  # SciPy's signal module alone takes 2 s to import: answers are kept (grader.core.answers)
def scipy_convolve2d(image, kernel, mode="same", boundary="fill", fill_value=0.0, stride=1):
    """The contract's oracle for convolve2d."""
    from scipy.signal import convolve2d

    out = convolve2d(np.asarray(image).astype(float), np.asarray(kernel).astype(float), mode, boundary,
                     fillvalue=fill_value)
    return out[::stride, ::stride]


def crop(name, size=128):
    """A ``size x size`` part of a sample image (small enough for a plain loop to be quick)."""
    top, left = {"camera": (200, 200), "astronaut": (0, 192), "coffee": (100, 200)}.get(name, (0, 0))
    image = np.ascontiguousarray(sample(name)[top : top + size, left : left + size])
    return derived(image, f"skimage.data.{name}()[{top}:{top + size}, {left}:{left + size}]")


def np_pad(image, width, mode, constant_value=0):
    rows, cols = (width, width) if isinstance(width, int) else width
    widths = ((rows, rows), (cols, cols)) + ((0, 0),) * (image.ndim - 2)
    if mode == "constant":
        return np.pad(image, widths, mode=mode, constant_values=constant_value)
    return np.pad(image, widths, mode=mode)


# -- grids (oracle comparisons) --------------------------------------------------------
PAD_IMAGES = [((1, 1), np.uint8, 7), ((1, 4), np.int16, -300), ((3, 2), np.float32, 0.5), ((4, 5), np.uint8, 255),
              ((2, 3, 2), np.uint8, 0),
              # Masks (False and True are the only constants a bool image holds), a float border of -inf
              # (a float holds it exactly). Complex and time dtypes are no images: not graded.
              ((2, 3), np.bool_, False), ((3, 2), np.bool_, True), ((2, 2), np.float64, -np.inf),
              # Whole floats at both ends of uint8's range, and float32's largest value: held exactly.
              ((2, 2), np.uint8, 0.0), ((3, 1), np.uint8, 255.0), ((1, 3), np.float32, float(np.finfo(np.float32).max))]
PAD_WIDTHS = [0, 1, (2, 0), (0, 3), (1, 2), 6, (9, 4)]  # 6 and (9, 4): wider than the image
CONV_IMAGES = [(1, 1), (1, 5), (4, 1), (3, 4), (6, 5)]
CONV_KERNELS = [(1, 1), (3, 3), (2, 2), (2, 3), (4, 1), (5, 5), (7, 2)]  # odd, even, non-square, large


def random_image(rng, shape, dtype=np.uint8):
    kind = np.dtype(dtype).kind
    if kind == "b":
        return rng.integers(0, 2, size=shape).astype(bool)
    if kind == "f":
        return (rng.normal(size=shape) * 50).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(max(info.min, -1000), min(info.max, 1000), size=shape, endpoint=True).astype(dtype)


def pad_grid(mode):
    """(image, width, constant_value) for every image of PAD_IMAGES and width of PAD_WIDTHS."""
    rng = np.random.default_rng(2)
    for (shape, dtype, constant), width in itertools.product(PAD_IMAGES, PAD_WIDTHS):
        yield random_image(rng, shape, dtype), width, constant if mode == "constant" else 0


def convolution_grid(mode, boundary):
    """(image, kernel, options) for every image and kernel shape SciPy accepts in ``mode``.

    Strides 1..3 and fill values take turns; every fifth image is a float image.
    """
    rng = np.random.default_rng(5)
    for i, (image_shape, kernel_shape) in enumerate(itertools.product(CONV_IMAGES, CONV_KERNELS)):
        if mode == "valid":
            fits = all(f <= n for n, f in zip(image_shape, kernel_shape))
            larger = all(f >= n for n, f in zip(image_shape, kernel_shape))
            if not (fits or larger):
                continue  # SciPy raises ValueError: see the check on that
        image = random_image(rng, image_shape, np.float64 if i % 5 == 4 else np.uint8)
        kernel = rng.normal(size=kernel_shape).round(3)
        options = {"mode": mode, "boundary": boundary, "fill_value": [0.0, 1.5, -3.0, 255.0][i % 4],
                   "stride": 1 + i % 3}
        yield image, kernel, options


# -- strategies -------------------------------------------------------------------
@st.composite
def pad_cases(draw, mode):
    """An image of a few dtypes, 2-D or 3-D, a width (often larger than the image) and a constant it can hold."""
    dtype = draw(st.sampled_from([np.uint8, np.int16, np.float32]))
    image = draw(images(dtype, min_dims=2, max_dims=3, min_side=1, max_side=5,
                        elements=st.integers(-50, 50) if dtype == np.int16 else None))
    width = draw(st.one_of(st.integers(0, 12), st.tuples(st.integers(0, 12), st.integers(0, 12))))
    constant = {np.uint8: st.integers(0, 255), np.int16: st.integers(-300, 300),
                np.float32: st.sampled_from([0.0, 0.5, -2.25, 1e3])}[dtype]
    return image, width, draw(constant) if mode == "constant" else 0


@st.composite
def kernel_shapes(draw, height, width, mode):
    """Odd, even and non-square kernel shapes; in "valid" mode, ones SciPy accepts."""
    if mode == "valid":
        if draw(st.booleans()):  # the kernel fits inside the image
            return draw(st.integers(1, height)), draw(st.integers(1, width))
        # at least as large as the image in every dimension: the two swap roles
        return draw(st.integers(height, height + 2)), draw(st.integers(width, width + 2))
    return draw(st.integers(1, 5)), draw(st.integers(1, 5))


@st.composite
def convolutions(draw, mode=None, boundary=None, channels=None):
    """(image, kernel, options): small images and kernels, every option drawn."""
    mode = mode or draw(st.sampled_from(MODES))
    boundary = boundary or draw(st.sampled_from(BOUNDARIES))
    height, width = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    dtype = draw(st.sampled_from([np.uint8, np.float64]))
    shape = (height, width) if channels is None else (height, width, draw(st.integers(1, channels)))
    image = draw(hnp.arrays(dtype, shape, elements=image_values[dtype]))
    kernel = draw(hnp.arrays(np.float64, draw(kernel_shapes(height, width, mode)), elements=kernel_values))
    options = {"mode": mode, "boundary": boundary,
               "fill_value": draw(st.sampled_from([0.0, 1.5, -3.0, 255.0])),
               "stride": draw(st.integers(1, 3))}
    return image, kernel, options


# -- pad ------------------------------------------------------------------------------
@graded("pad", 1)
@pytest.mark.parametrize("mode", PAD_MODES)
def test_pad_matches_numpy(learner, mode):
    """pad equals np.pad in this mode (1-pixel and bool images; widths larger than the image)"""
    for image, width, constant in pad_grid(mode):
        options = {"constant_value": constant} if mode == "constant" else {}
        expect_array(learner.pad(image, width, mode=mode, **options), np_pad(image, width, mode, constant),
                     expected_from=f"np.pad(image, ..., mode={mode!r})")


@graded("pad", 1)
@given(data=st.data(), mode=st.sampled_from([None, *PAD_MODES]))
def test_pad_matches_reference(learner, reference, data, mode):
    """pad matches the reference (and pads with zeros by default)"""
    image, width, constant = data.draw(pad_cases(mode or "constant"))
    if mode is None:
        expect_array(learner.pad(image, width), reference.pad(image, width))
    else:
        expect_array(learner.pad(image, width, mode=mode, constant_value=constant),
                     reference.pad(image, width, mode=mode, constant_value=constant))


@graded("pad", 1)
@pytest.mark.parametrize("mode, row", [("reflect", [3, 2, 1, 2, 3, 2, 1]), ("symmetric", [2, 1, 1, 2, 3, 3, 2])])
def test_pad_mirrors_like_the_contract(learner, mode, row):
    """pad mirrors [1, 2, 3] as the contract says: "reflect" skips the edge pixel, "symmetric" repeats it"""
    image = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.uint8)
    expected = np.array([row, [r + 3 for r in row]], dtype=np.uint8)
    expect_array(learner.pad(image, (0, 2), mode=mode), expected, expected_from=f"np.pad(image, ((0, 0), (2, 2)), "
                 f"mode={mode!r})")


@graded("pad", 1, guard=True)
def test_pad_rejects_negative_width(learner):
    """pad raises ValueError for a negative width"""
    image = np.zeros((3, 3), dtype=np.uint8)
    expect_raises(learner, "pad", image, -1, exception="ValueError", mentions="width")
    expect_raises(learner, "pad", image, (1, -2), exception="ValueError", mentions="width")
    # -1 on one axis only: each of rows and cols is checked, and -1 is already too small.
    expect_raises(learner, "pad", image, (-1, 2), exception="ValueError", mentions="width")
    expect_raises(learner, "pad", image, (2, -1), exception="ValueError", mentions="width")


@graded("pad", 1, guard=True)
def test_pad_rejects_unknown_mode(learner):
    """pad raises ValueError for an unknown mode"""
    expect_raises(learner, "pad", np.zeros((3, 3), dtype=np.uint8), 1, mode="mirror",
                  exception="ValueError", mentions="mode")


@graded("pad", 1, guard=True)
def test_pad_rejects_constant_the_dtype_cannot_hold(learner):
    """pad raises ValueError for a constant_value the dtype cannot hold (uint8: 300, -1, 0.5; bool: 2; float32: 1e39)"""
    cases = [(np.uint8, (300, -1, 0.5, 300.0, -1.0)), (np.bool_, (2, -1)), (np.float32, (1e39,))]
    for dtype, values in cases:
        image = np.zeros((3, 3), dtype=dtype)
        for value in values:
            expect_raises(learner, "pad", image, 1, constant_value=value, exception="ValueError",
                          mentions="constant_value")


# -- output_size -------------------------------------------------------------------------
@graded("output_size", 2)
@given(n=st.integers(1, 64), padding=st.integers(0, 5), stride=st.integers(1, 5), data=st.data())
def test_output_size_formula(learner, n, padding, stride, data):
    """output_size is (n + 2*padding - f) // stride + 1"""
    f = data.draw(st.integers(1, n + 2 * padding), label="f")
    expect_int(learner.output_size(n, f, stride=stride, padding=padding), (n + 2 * padding - f) // stride + 1,
               expected_from="(n + 2*padding - f) // stride + 1")


@graded("output_size", 1)
@pytest.mark.parametrize("n, f, stride, padding, size", [(28, 5, 1, 0, 24), (32, 3, 2, 1, 16), (7, 7, 1, 0, 1)],
                         ids=["28 with 5", "32 with 3, stride 2, padding 1", "a window as large as the input"])
def test_output_size_classic_cases(learner, n, f, stride, padding, size):
    """output_size of classic layer sizes (one window position counts: a window as large as the input fits once)"""
    expect_int(learner.output_size(n, f, stride=stride, padding=padding), size,
               expected_from="(n + 2*padding - f) // stride + 1")
    if (stride, padding) == (1, 0):  # the defaults: output_size(n, f) is stride 1, no padding
        expect_int(learner.output_size(n, f), size, expected_from="(n - f) + 1 (stride=1 and padding=0 by default)")


@graded("output_size", 1, guard=True)
def test_output_size_rejects_bad_arguments(learner):
    """output_size raises ValueError for stride < 1 and for a window that does not fit"""
    expect_raises(learner, "output_size", 28, 5, stride=0, exception="ValueError", mentions="stride")
    expect_raises(learner, "output_size", 4, 7, padding=1, exception="ValueError", mentions="f")
    expect_raises(learner, "output_size", 3, 4, exception="ValueError", mentions="f")  # one too long, no padding


# -- convolve2d ---------------------------------------------------------------------------
@graded("convolve2d", 1)
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("mode", MODES)
def test_convolve2d_matches_scipy(learner, mode, boundary):
    """convolve2d equals scipy.signal.convolve2d (odd, even, non-square and large kernels, strides, even 64)"""
    for image, kernel, options in convolution_grid(mode, boundary):
        expect_array(learner.convolve2d(image, kernel, **options), scipy_convolve2d(image, kernel, **options),
                     expected_from=f"scipy.signal.convolve2d(..., {mode!r}, {boundary!r})[::stride, ::stride]")
    # A stride longer than the result keeps its first row and column only.
    image, kernel = random_image(np.random.default_rng(8), (6, 5)), SHARPEN
    options = {"mode": mode, "boundary": boundary, "stride": 64}
    expect_array(learner.convolve2d(image, kernel, **options), scipy_convolve2d(image, kernel, **options),
                 expected_from=f"scipy.signal.convolve2d(..., {mode!r}, {boundary!r})[::64, ::64]")


@graded("convolve2d", 2)
@given(case=convolutions())
def test_convolve2d_matches_reference(learner, reference, case):
    """convolve2d matches the reference for every option"""
    image, kernel, options = case
    expect_array(learner.convolve2d(image, kernel, **options), reference.convolve2d(image, kernel, **options))


@graded("convolve2d", 1)
@given(case=convolutions(), a=st.integers(-3, 3), b=st.floats(-2.0, 2.0), data=st.data())
def test_convolve2d_is_linear(learner, reference, case, a, b, data):
    """convolution is linear: conv(a*x + b*y) = a*conv(x) + b*conv(y)"""
    x, kernel, options = case
    options["fill_value"] = 0.0  # a constant border is linear only when it is 0
    x = x.astype(np.float64)
    y = data.draw(hnp.arrays(np.float64, x.shape, elements=image_values[np.float64]), label="y")
    both = learner.convolve2d(a * x + b * y, kernel, **options)
    # The reference's shape (its answers are remembered) rather than SciPy's: the same
    # shape, without importing scipy.signal for a shape alone.
    expect_kind(both, np.float64, reference.convolve2d(x, kernel, **options).shape)
    call = learner.last
    separate = a * learner.convolve2d(x, kernel, **options) + b * learner.convolve2d(y, kernel, **options)
    scale = np.abs(kernel).sum() * (abs(a) * np.abs(x).max() + abs(b) * np.abs(y).max()) + 1.0
    expect(np.allclose(both, separate, rtol=1e-7, atol=1e-9 * scale),
           f"the result is not linear: with a = {a!r}, b = {b!r} it differs from a * conv(x) + b * conv(y) "
           f"by up to {np.abs(both - separate).max():.3g}.", call=call)


@graded("convolve2d", 1)
def test_convolve2d_delta_gives_image_back(learner):
    """convolving with a delta kernel (a single 1 in the middle) gives the image back, whatever the boundary"""
    rng = np.random.default_rng(3)
    for shape, (rows, cols), boundary in itertools.product([(1, 1), (2, 5), (6, 4)], [(1, 1), (3, 3), (1, 5), (5, 3)],
                                                           BOUNDARIES):
        image = random_image(rng, shape)
        delta = np.zeros((rows, cols))
        delta[rows // 2, cols // 2] = 1.0
        expect_array(learner.convolve2d(image, delta, mode="same", boundary=boundary), image.astype(np.float64),
                     expected_from="the image itself (a delta kernel changes nothing)")


@graded("convolve2d", 1)
def test_convolve2d_real_image(learner):
    """convolve2d sharpens part of skimage.data.camera() like scipy.signal.convolve2d (and with the default options)"""
    image = crop("camera")
    expect_array(learner.convolve2d(image, SHARPEN, mode="same", boundary="symm"),
                 scipy_convolve2d(image, SHARPEN, "same", "symm"), expected_from="scipy.signal.convolve2d")
    # The defaults: mode="same", boundary="fill", fill_value=0.0, stride=1.
    expect_array(learner.convolve2d(image, SHARPEN), scipy_convolve2d(image, SHARPEN),
                 expected_from='scipy.signal.convolve2d(image, kernel, "same", "fill", 0.0)')


@graded("convolve2d", 1, guard=True)
def test_convolve2d_rejects_unknown_mode_and_boundary(learner):
    """convolve2d raises ValueError for an unknown mode or boundary"""
    image, kernel = np.zeros((4, 4)), np.ones((3, 3))
    expect_raises(learner, "convolve2d", image, kernel, mode="middle", exception="ValueError", mentions="mode")
    expect_raises(learner, "convolve2d", image, kernel, boundary="reflect", exception="ValueError",
                  mentions="boundary")


@graded("convolve2d", 1, guard=True)
def test_convolve2d_rejects_bad_stride(learner):
    """convolve2d raises ValueError for stride < 1"""
    expect_raises(learner, "convolve2d", np.zeros((4, 4)), np.ones((3, 3)), stride=0, exception="ValueError",
                  mentions="stride")


@graded("convolve2d", 1, guard=True)
def test_convolve2d_valid_rejects_kernel_larger_in_one_dimension(learner):
    """in "valid" mode, an image and a kernel each larger than the other in some dimension raise ValueError"""
    expect_raises(learner, "convolve2d", np.zeros((3, 3)), np.ones((4, 2)), mode="valid", exception="ValueError")


# -- convolve_channels ----------------------------------------------------------------------
@graded("convolve_channels", 2)
@given(case=convolutions(channels=4))
def test_channels_match_reference(learner, reference, case):
    """convolve_channels matches the reference for every option"""
    image, kernel, options = case
    expect_array(learner.convolve_channels(image, kernel, **options),
                 reference.convolve_channels(image, kernel, **options))


@graded("convolve_channels", 1)
@pytest.mark.parametrize("name", ["astronaut", "coffee"])
def test_channels_real_images(learner, name):
    """convolve_channels blurs a colour image like scipy.signal.convolve2d on each channel"""
    image = crop(name)
    expected = np.stack([scipy_convolve2d(image[..., c], BINOMIAL, "same", "symm") for c in range(3)], axis=-1)
    expect_array(learner.convolve_channels(image, BINOMIAL, mode="same", boundary="symm"), expected,
                 expected_from="scipy.signal.convolve2d on each channel")


@graded("convolve_channels", 1)
def test_channels_flip_the_kernel(learner):
    """convolve_channels flips the kernel: an asymmetric kernel on part of skimage.data.coffee() (no options too)"""
    image = crop("coffee", 24)
    expected = np.stack([scipy_convolve2d(image[..., c], SMEAR, "same", "symm") for c in range(3)], axis=-1)
    expect_array(learner.convolve_channels(image, SMEAR, mode="same", boundary="symm"), expected,
                 expected_from="scipy.signal.convolve2d on each channel (a convolution flips the kernel)")
    # No options: convolve2d's defaults (mode="same", boundary="fill", fill_value=0.0, stride=1).
    expected = np.stack([scipy_convolve2d(image[..., c], SMEAR) for c in range(3)], axis=-1)
    expect_array(learner.convolve_channels(image, SMEAR), expected,
                 expected_from='scipy.signal.convolve2d(channel, kernel, "same", "fill", 0.0) on each channel')


@graded("convolve_channels", 1, guard=True)
def test_channels_rejects_grey_image(learner):
    """convolve_channels raises ValueError for an image that is not 3-D (a 2-D one, a 4-D one)"""
    expect_raises(learner, "convolve_channels", np.zeros((4, 4)), np.ones((3, 3)), exception="ValueError",
                  mentions="image")
    # 4-D, and empty along its third axis: no channel to hand to convolve2d, so only the function's own test refuses it.
    expect_raises(learner, "convolve_channels", np.zeros((4, 4, 0, 2)), np.ones((3, 3)), exception="ValueError",
                  mentions="image")


# -- every function -------------------------------------------------------------------
@graded(None, 1, guard=True)
@pytest.mark.parametrize("function", ["pad", "convolve2d", "convolve_channels"])
def test_input_unchanged(learner, function):
    """leaves its inputs unchanged (unsorted ones: sorting a sorted array in place changes nothing)"""
    rng = np.random.default_rng(60)
    image = rng.integers(0, 256, (4, 5, 3), dtype=np.uint8)
    kernel = rng.permutation(6).astype(np.float64).reshape(2, 3)
    if function == "pad":
        learner.pad(image, (2, 1), mode="reflect")
    elif function == "convolve2d":
        learner.convolve2d(image[..., 0].copy(), kernel, boundary="symm")
    else:
        learner.convolve_channels(image, kernel, mode="full")
    expect_unmodified(learner)


# -- the optional speed bonus (last: a call that times out is not made again) ------
# A guard as well as a bonus: a fast wrong answer earns nothing (grader.core.runner.withhold_guards),
# and the kernel is asymmetric, so that its own result tells a correlation from a convolution.
@graded("convolve2d", 1, bonus=True, guard=True)
def test_convolve2d_speed(learner, reference, record_property):
    """convolve2d is fast: a 512 x 512 image and a 5 x 5 kernel in at most 10x the reference's time"""
    expect_fast(learner, "convolve2d", reference.convolve2d, sample("camera"), SMEAR,
                check=lambda got, expected: expect_array(got, expected),
                record=record_property, what="a 512 × 512 image and a 5 × 5 kernel")
