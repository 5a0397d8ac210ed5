"""Checks for `thresholding` (global thresholds and Otsu's method).

skimage.filters.threshold_otsu is the oracle only away from exact ties (the
contract computes exactly and sends ties to the smallest t; skimage's floating
point may pick another): it is compared on real images and on a grid of seeded
random images whose best split is unique by a clear margin, computed exactly
here with fractions. Comparisons with the reference and the properties use
Hypothesis.
"""

import functools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from imagecourse.samples import derived, sample
from imagecourse.strategies import few_levels, images, symmetric_histograms, uint8_images

from grader.core.answers import remembered
from grader.kit.describe import describe
from grader.kit.expect import (
    expect,
    expect_array,
    expect_int,
    expect_kind,
    expect_raises,
    expect_unmodified,
    fail,
)
from grader.kit.marks import graded
from grader.kit.speed import expect_fast

otsu_images = st.one_of(few_levels(levels=4, min_dims=1, max_dims=3, max_side=8),
                        uint8_images(min_dims=1, max_dims=3, max_side=8), symmetric_histograms())
# The two ties a textbook Otsu in floating point gets wrong (one each way), then the extremes.
TIE_EXAMPLES = ([190, 178, 184, 178, 190], [217, 217, 143, 143, 69, 69, 143, 143], [0, 0, 255, 255],
                [0, 255, 128, 128], [0, 0, 1, 254, 255, 255])

colour_images = st.one_of(few_levels(levels=4, max_side=6, channels=3), images(np.uint8, max_side=6, channels=3))


def between_class_variances(image) -> dict:
    """``{t: w0 * w1 * (mu0 - mu1)**2}`` as exact fractions, for every t that leaves both classes non-empty."""
    counts = [int(c) for c in np.bincount(image.ravel(), minlength=256)]
    n, total = sum(counts), sum(t * c for t, c in enumerate(counts))
    scores, c0, s0 = {}, 0, 0
    for t in range(255):
        c0, s0 = c0 + counts[t], s0 + t * counts[t]
        c1 = n - c0
        if c0 and c1:
            scores[t] = Fraction(c0 * c1, n * n) * (Fraction(s0, c0) - Fraction(total - s0, c1)) ** 2
    return scores


def best_split_is_clear(image) -> bool:
    """The best score is unique among the distinct splits (thresholds at occupied levels), by a margin.

    Thresholds between two occupied levels split the pixels alike and score alike;
    skimage sends them to the lower level as the contract does. Only a tie between
    different splits separates the contract (exact) from skimage (floating point).
    """
    scores = between_class_variances(image)
    levels = sorted(scores[int(t)] for t in np.unique(image) if int(t) in scores)
    if not levels:
        return True  # a constant image
    return len(levels) == 1 or (levels[-1] - levels[-2]) > levels[-1] * Fraction(1, 10**9)


@functools.cache
def four_megapixels():
    image = np.tile(sample("camera"), (4, 4))
    image.flags.writeable = False
    return derived(image, "np.tile(skimage.data.camera(), (4, 4))")


def returned_int(got) -> int:
    """``got`` as an int, or a failure when the function returned something else."""
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
        fail(f"returned {describe(got)}; expected an int.")
    return int(got)


@remembered
def skimage_otsu(image) -> int:
    from skimage.filters import threshold_otsu

    return int(threshold_otsu(image))


# -- threshold -------------------------------------------------------------------------------
@graded("threshold", 2)
@given(image=uint8_images(min_dims=1, max_dims=3, max_side=8),
       t=st.one_of(st.integers(-1, 256), st.floats(-1.0, 256.0)))
def test_threshold_is_image_greater_than_t(learner, image, t):
    """threshold(image, t) is image > t"""
    expect_array(learner.threshold(image, t), image > t, expected_from="image > t")


@graded("threshold", 1)
def test_threshold_real_image(learner):
    """threshold(skimage.data.coins(), 100)"""
    image = sample("coins")
    expect_array(learner.threshold(image, 100), image > 100, expected_from="image > 100")


# -- otsu_threshold ----------------------------------------------------------------------------
@graded("otsu_threshold", 3)
@given(image=otsu_images)
@example(image=np.array(TIE_EXAMPLES[0], dtype=np.uint8))
@example(image=np.array(TIE_EXAMPLES[1], dtype=np.uint8))
def test_otsu_matches_reference(learner, reference, image):
    """otsu_threshold matches the reference (ties go to the smallest t)"""
    expect_int(learner.otsu_threshold(image), reference.otsu_threshold(image))


@graded("otsu_threshold", 2)
@given(image=otsu_images)
@example(image=np.array(TIE_EXAMPLES[0], dtype=np.uint8))
@example(image=np.array(TIE_EXAMPLES[1], dtype=np.uint8))
def test_otsu_maximises_between_class_variance(learner, image):
    """otsu_threshold's t maximises w0 * w1 * (mu0 - mu1)**2 (computed exactly), the smallest such t"""
    t = returned_int(learner.otsu_threshold(image))
    scores = between_class_variances(image)
    assume(scores)  # a constant image: see the check on constant images
    best = max(scores.values())
    winners = [s for s, score in scores.items() if score == best]
    expect(t in scores, f"returned t = {t}, which leaves one class empty (class 0 is image <= t, class 1 is "
                        f"image > t); the best split is t = {winners[0]}.")
    expect(scores[t] == best, f"returned t = {t}, whose between-class variance {float(scores[t]):.6g} is not the "
                              f"largest: t = {winners[0]} gives {float(best):.6g}.")
    expect(t == winners[0], f"returned t = {t}; t = {winners[0]} has exactly the same between-class variance and the "
                            "contract sends ties to the smallest t (compare the scores exactly, as fractions of "
                            "integers).")


def clear_images():
    """Seeded random grey images (few levels and many, small and larger) without ties."""
    rng = np.random.default_rng(9)
    for i in range(40):
        shape = [(1, 7), (3, 3), (5, 8), (16, 16), (40, 30)][i % 5]
        levels = rng.choice(256, size=[2, 3, 5, 256][i % 4], replace=False)
        image = rng.choice(levels, size=shape).astype(np.uint8)
        if best_split_is_clear(image):
            yield image


@graded("otsu_threshold", 2)
def test_otsu_matches_skimage(learner):
    """otsu_threshold equals skimage.filters.threshold_otsu (away from exact ties)"""
    for image in clear_images():
        expect_int(learner.otsu_threshold(image), skimage_otsu(image), expected_from="skimage.filters.threshold_otsu")


@graded("otsu_threshold", 1)
def test_otsu_breaks_exact_ties_to_the_smallest_t(learner):
    """otsu_threshold sends an exact tie to the smallest t (the contract's example, where skimage gives 13)"""
    image = np.array([5, 5, 5, 13, 13, 13, 13, 21, 21, 21], dtype=np.uint8)
    expect_int(learner.otsu_threshold(image), 5,
               expected_from="the contract (t = 5 and t = 13 score exactly the same; ties go to the smallest t)")
    expect_int(learner.otsu_threshold(image.reshape(2, 5)[:, ::-1].copy()), 5,
               expected_from="the contract (t = 5 and t = 13 score exactly the same; ties go to the smallest t)")



def tie_image(values) -> np.ndarray:
    return np.array(values, dtype=np.uint8)


def tie_images():
    """Images whose histograms are symmetric about a centre (seeded): every split ties with its mirror.

    Computed in floating point, the two scores of a tie differ in their last bits, so
    the comparison picks the mirror split about as often as not; exactly, they are equal
    and the contract's smallest t wins.
    """
    rng = np.random.default_rng(10)
    made = 0
    while made < 120:
        centre2 = int(rng.integers(0, 511))  # twice the centre: it may lie between two levels
        offsets = [d for d in range(1, min(centre2, 510 - centre2) + 1) if d % 2 == centre2 % 2]
        if not offsets:
            continue
        values = []
        for offset in rng.choice(offsets, size=min(len(offsets), int(rng.integers(1, 4))), replace=False):
            count = int(rng.integers(1, 5))
            values += [(centre2 - offset) // 2] * count + [(centre2 + offset) // 2] * count
        if centre2 % 2 == 0:
            values += [centre2 // 2] * int(rng.integers(0, 5))
        made += 1
        yield rng.permutation(np.array(values, dtype=np.uint8))


@graded("otsu_threshold", 1)
@pytest.mark.parametrize("images", ["worked examples", "random symmetric histograms"])
def test_otsu_compares_exactly_on_ties(learner, reference, images):
    """otsu_threshold finds exact ties (symmetric histograms) and sends them to the smallest t"""
    for image in (tie_images() if images == "random symmetric histograms" else map(tie_image, TIE_EXAMPLES)):
        got, want = returned_int(learner.otsu_threshold(image)), int(reference.otsu_threshold(image))
        if got == want:
            continue
        scores = between_class_variances(image)
        if got in scores and scores[got] == scores[want]:
            fail(f"returned t = {got}, but t = {want} has exactly the same between-class variance "
                 f"({scores[want]} as a fraction) and the contract sends ties to the smallest t. Computed in "
                 "floating point, the two scores differ only by rounding, so the comparison picks either one: "
                 "compare the scores exactly, with integers (multiply out the denominators) or fractions.")
        expect_int(got, want)


@graded("otsu_threshold", 1)
def test_otsu_of_a_constant_image(learner):
    """otsu_threshold of a constant image is its value"""
    for value, shape in [(0, (1,)), (7, (3, 3)), (128, (2, 3, 4)), (255, (4, 4))]:
        expect_int(learner.otsu_threshold(np.full(shape, value, dtype=np.uint8)), value,
                   expected_from="the contract (a constant image returns its value)")


@graded("otsu_threshold", 1)
@given(levels=st.lists(st.integers(0, 255), min_size=2, max_size=2, unique=True).map(sorted),
       picked=hnp.arrays(np.bool_, st.tuples(st.integers(1, 6), st.integers(2, 6))))
def test_otsu_separates_two_levels(learner, levels, picked):
    """on an image of two grey levels, image > otsu_threshold(image) is exactly the brighter level"""
    low, high = levels
    picked = picked.copy()
    picked.flat[0], picked.flat[-1] = True, False  # both levels occur
    two_level = np.where(picked, high, low).astype(np.uint8)
    t = returned_int(learner.otsu_threshold(two_level))
    expect(low <= t < high, f"returned t = {t}; with the levels {low} and {high}, a threshold in "
                            f"{low}..{high - 1} puts each level in its own class.")


@graded("otsu_threshold", 1)
def test_otsu_can_be_zero(learner):
    """otsu_threshold at the ends of the range: 0 where the darkest level alone is the best class 0, and 254"""
    for values, best in [([0, 1, 1, 1], 0), ([0, 0, 0, 1, 2], 0), ([0, 1, 2], 0), ([254, 255, 255], 254)]:
        expect_int(learner.otsu_threshold(np.array(values, dtype=np.uint8)), best,
                   expected_from="the exact between-class variances (class 0 is image <= t)")


@graded("otsu_threshold", 1)
@pytest.mark.parametrize("name", ["camera", "coins"])
def test_otsu_real_images(learner, name):
    """otsu_threshold of a real image equals skimage.filters.threshold_otsu"""
    image = sample(name)
    expect_int(learner.otsu_threshold(image), skimage_otsu(image), expected_from="skimage.filters.threshold_otsu")


@graded("otsu_threshold", 1, guard=True)
def test_otsu_rejects_float(learner):
    """otsu_threshold raises TypeError for a float image"""
    expect_raises(learner, "otsu_threshold", np.zeros((3, 3)), exception="TypeError", mentions="image")


@graded("otsu_threshold", 1, guard=True)
def test_otsu_rejects_other_integer_dtypes(learner):
    """otsu_threshold raises TypeError for an int8 or a bool image (only uint8 has the 256 levels to try)"""
    # np.int8 and bool cannot hold every uint8 value: a test like `dtype > np.uint8` lets them through.
    expect_raises(learner, "otsu_threshold", np.zeros((3, 3), np.int8), exception="TypeError", mentions="image")
    expect_raises(learner, "otsu_threshold", np.zeros((3, 3), bool), exception="TypeError", mentions="image")


# -- otsu_mask_rgb ------------------------------------------------------------------------------
@graded("otsu_mask_rgb", 2)
@given(image=colour_images)
def test_mask_matches_reference(learner, reference, image):
    """otsu_mask_rgb matches the reference"""
    expect_array(learner.otsu_mask_rgb(image), reference.otsu_mask_rgb(image))


@graded("otsu_mask_rgb", 1)
def test_mask_separates_two_colours(learner):
    """on an image of two colours, one brighter in every channel, the mask is exactly the brighter colour"""
    rng = np.random.default_rng(10)
    for shape in [(1, 2), (2, 1), (3, 4), (6, 5), (20, 30)]:
        levels = np.sort(np.stack([rng.choice(256, size=2, replace=False) for _ in range(3)]), axis=1)
        dark, bright = levels[:, 0].astype(np.uint8), levels[:, 1].astype(np.uint8)
        where = rng.random(shape) < 0.5
        where.flat[0], where.flat[-1] = True, False  # both colours occur
        image = np.where(where[..., None], bright, dark).astype(np.uint8)
        got = learner.otsu_mask_rgb(image)
        expect_kind(got, np.bool_, where.shape)
        expect_array(got, where, expected_from=f"the pixels of the brighter colour {bright.tolist()}")


@graded("otsu_mask_rgb", 1)
@pytest.mark.parametrize("name", ["astronaut", "coffee"])
def test_mask_real_images(learner, name):
    """otsu_mask_rgb of a real image: skimage.filters.threshold_otsu on each channel, combined with and"""
    image = sample(name)
    expected = np.logical_and.reduce([image[..., c] > skimage_otsu(image[..., c]) for c in range(3)])
    expect_array(learner.otsu_mask_rgb(image), expected,
                 expected_from="the and of channel > skimage.filters.threshold_otsu(channel)")


# -- every function -------------------------------------------------------------------
@graded(None, 1, guard=True)
@pytest.mark.parametrize("function", ["threshold", "otsu_threshold", "otsu_mask_rgb"])
def test_input_unchanged(learner, function):
    """leaves its input unchanged (an unsorted one: sorting a sorted image in place changes nothing)"""
    image = np.random.default_rng(48).integers(0, 256, (4, 4, 3), dtype=np.uint8)
    if function == "threshold":
        learner.threshold(image, 100)
    elif function == "otsu_threshold":
        learner.otsu_threshold(image)
    else:
        learner.otsu_mask_rgb(image)
    expect_unmodified(learner)


# -- a large image, then the optional speed bonus (last: a call that times out is not made again) ------
@functools.cache
def bright_camera():
    """camera squeezed into the levels 248..255: bright, so that sums of levels grow fast."""
    image = sample("camera") // 32 + 248
    image.flags.writeable = False
    return derived(image, "skimage.data.camera() // 32 + 248")


@functools.cache
def large_image():
    """The bright camera tiled 3 x 11: 8,650,752 pixels whose levels add up to 2,176,017,030, past an int32."""
    image = np.tile(bright_camera(), (3, 11))
    image.flags.writeable = False
    return derived(image, "np.tile(skimage.data.camera() // 32 + 248, (3, 11))")


@graded("otsu_threshold", 1)
def test_otsu_a_large_image(learner, reference):
    """otsu_threshold of a bright 8.6-megapixel image (its sum of levels passes what an int32 holds)"""
    # Tiling multiplies every count by 33, which scales every score alike: the same t wins.
    expect_int(learner.otsu_threshold(large_image(), _timeout=60), reference.otsu_threshold(bright_camera()),
               expected_from="otsu_threshold of the image tiled (the same histogram, each count 33 times as large)")


# A guard as well as a bonus: a fast wrong answer earns nothing (grader.core.runner.withhold_guards).
@graded("otsu_threshold", 1, bonus=True, guard=True)
def test_otsu_speed(learner, reference, record_property):
    """otsu_threshold is fast: a 2048 x 2048 image in at most 10x the reference's time"""
    expect_fast(learner, "otsu_threshold", reference.otsu_threshold, four_megapixels(),
                check=lambda got, expected: expect_int(got, expected),
                record=record_property, what="a 2048 × 2048 (4-megapixel) image")
