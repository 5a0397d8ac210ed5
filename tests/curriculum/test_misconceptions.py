"""Tests for naming the mistake (grader.core.diagnosis and course/imagecourse/misconceptions.py).

Each misconception of the catalog must be made by a buggy submission of the project:
an entry of tests/curriculum/buggy_submissions.py (tests/curriculum/test_buggy_submissions.py checks that it
gets its sentence, and only in its own function's checks, and that an entry with no
misconception gets none). The reference solutions never get one.

Each must also have a near miss here (``NEAR_MISSES``): another bug that returns what
the mistake returns on one input and something else on another. Graded on those inputs,
the near miss gets no sentence, while the mistake itself, on the same inputs, gets its own.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pytest
from buggy_submissions import SUBMISSIONS

from grader.core import catalog, diagnosis
from grader.core.reference import load_reference
from grader.core.results import CheckResult, CheckStatus
from grader.kit.describe import CallRecord


def test_every_misconception_is_tested():
    """Each catalog entry is made by at least one buggy submission of the project."""
    made = {identifier for entry in SUBMISSIONS for identifier in entry.misconceptions}
    catalogued = {entry.id for entry in diagnosis.mistakes().entries}
    assert catalogued - made == set(), "misconceptions without a buggy submission that makes them"
    assert made - catalogued == set(), "tests name misconceptions that are not in the catalog"


def test_the_issue_list_is_in_the_catalog():
    """The mistakes the course promised to name (issue 10) are all in the catalog."""
    catalogued = {entry.id for entry in diagnosis.mistakes().entries}
    promised = {"correlation-not-convolution", "rint-not-floor", "floor-not-rint", "histogram-to-254",
                "narrow-dtype-arithmetic", "narrow-dtype-product", "reflect-not-symmetric", "otsu-class-0-below-t",
                "otsu-float-tie", "kmeans-one-round"}
    assert promised <= catalogued


def test_every_entry_has_one_sentence_and_a_known_function():
    modules = {exercise.name for exercise in catalog.active().gradable()}
    for entry in diagnosis.mistakes().entries:
        assert entry.module in modules, entry.id
        reference = load_reference(entry.module)
        for function in entry.functions:
            assert callable(getattr(reference, function, None)), f"{entry.id}: no {entry.module}.{function}"
        sentence = entry.sentence()
        assert sentence.endswith((".", ")")) and sentence.count(". ") <= 1, entry.id


def test_the_reference_solutions_are_never_diagnosed(solutions_report):
    assert [c.id for e in solutions_report.exercises for c in e.checks if c.misconception] == []


# -- the rule, on calls made by hand ----------------------------------------------------------------------------

def graded_calls(module: str, function: str, results: list, *, statuses=None):
    """Checks of ``function`` that ended with the calls ``(args, kwargs, value)`` of ``results``, and those calls.

    A check fails when its value is not the reference's (``statuses`` overrides that, one per call).
    """
    reference = load_reference(module)
    checks, calls = [], {}
    for i, (args, kwargs, value) in enumerate(results):
        record = CallRecord(module, function, tuple(args), dict(kwargs), [], reference=reference)
        record.value = value
        if statuses is not None:
            status = statuses[i]
        else:
            right = diagnosis.same(value, getattr(reference, function)(*copy.deepcopy(args), **kwargs))
            status = CheckStatus.PASSED if right else CheckStatus.FAILED
        check = CheckResult(f"{module}::check_{i}", module, function, f"check {i}", 1, status=status,
                            message="Called `...`: it differs.")
        checks.append(check)
        calls[check.id] = record
    return checks, calls


def named(checks) -> dict:
    return {check.id: check.misconception for check in checks if check.misconception}


OTSU_TIES = ([190, 178, 184, 178, 190], [217, 217, 143, 143, 69, 69, 143, 143])


def float_otsu(values) -> int:
    """The textbook Otsu in floating point with cumulative sums (the catalog's second variant)."""
    image = np.array([values], dtype=np.uint8)
    p = np.bincount(image.ravel(), minlength=256) / image.size
    omega, mu = np.cumsum(p), np.cumsum(p * np.arange(256))
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.nan_to_num((mu[-1] * omega - mu) ** 2 / (omega * (1 - omega)), nan=-1.0, posinf=-1.0)
    return int(np.argmax(score))


def test_two_different_inputs_are_needed():
    """The same wrong answer on one input, however many checks fail on it, names nothing; on two inputs it does."""
    image = np.array([[3, 255, 7]], dtype=np.uint8)
    wrong = np.bincount(image.ravel(), minlength=256)[:255]
    one_input = [((image,), {}, wrong)] * 3
    checks, calls = graded_calls("histogram", "histogram", one_input)
    diagnosis.name_mistakes(checks, calls)
    assert named(checks) == {}
    other = np.array([255, 0], dtype=np.uint8)
    checks, calls = graded_calls("histogram", "histogram",
                                 one_input + [((other,), {}, np.bincount(other, minlength=256)[:255])])
    diagnosis.name_mistakes(checks, calls)
    assert set(named(checks).values()) == {"histogram-to-254"} and len(named(checks)) == 4


def test_a_timeout_or_a_crash_names_nothing():
    """The same failing calls, plus one check that timed out (or crashed): no sentence anywhere."""
    results = [((np.array([[i, 255]], dtype=np.uint8),), {},
                np.bincount(np.array([i, 255]), minlength=256)[:255]) for i in range(3)]
    for status in (CheckStatus.ERROR, CheckStatus.OFF_LIMITS):
        checks, calls = graded_calls("histogram", "histogram", results)
        diagnosis.name_mistakes(checks, calls)
        assert len(named(checks)) == 3
        checks, calls = graded_calls("histogram", "histogram", results)
        checks.append(CheckResult("histogram::slow", "histogram", "histogram", "slow", 1, status=status))
        diagnosis.name_mistakes(checks, calls)
        assert named(checks) == {}, status


def test_a_passed_check_where_the_mistake_shows_names_nothing():
    """A learner right on an input where the mistake is wrong did not make that mistake."""
    results = [((np.array([[i, 255]], dtype=np.uint8),), {},
                np.bincount(np.array([i, 255]), minlength=256)[:255]) for i in range(3)]
    image = np.array([[9, 255]], dtype=np.uint8)
    results.append(((image,), {}, np.bincount(image.ravel(), minlength=256)))  # right, where 0..254 is not
    checks, calls = graded_calls("histogram", "histogram", results)
    assert checks[-1].status == CheckStatus.PASSED
    diagnosis.name_mistakes(checks, calls)
    assert named(checks) == {}


def test_only_the_checks_whose_input_shows_the_mistake_get_the_sentence():
    """A check that failed on its dtype alone, on an input where the mistake is right, says only that."""
    def never_255(image):  # 256 bins, the last one never filled
        counts = np.bincount(image.ravel(), minlength=256)
        counts[255] = 0
        return counts

    results = [((np.array([[i, 255]], dtype=np.uint8),), {}, never_255(np.array([i, 255]))) for i in range(2)]
    image = np.array([[5, 6]], dtype=np.uint8)
    results.append(((image,), {}, never_255(image).astype(np.int32)))  # no 255: right, but for its dtype
    statuses = [CheckStatus.FAILED] * 3
    checks, calls = graded_calls("histogram", "histogram", results, statuses=statuses)
    diagnosis.name_mistakes(checks, calls)
    assert sorted(named(checks)) == ["histogram::check_0", "histogram::check_1"]
    assert checks[0].message.startswith(diagnosis.mistakes().by_id("histogram-to-254").sentence() + "\n")


def test_a_result_equal_to_the_right_answer_is_never_diagnosed():
    """An Otsu on an input without ties: the float and exact answers agree, so no sentence."""
    reference = load_reference("thresholding")
    images = [np.array([[0, 0, 200, 200]], dtype=np.uint8), np.array([[10, 10, 250]], dtype=np.uint8)]
    checks, calls = graded_calls("thresholding", "otsu_threshold",
                                 [((image,), {}, reference.otsu_threshold(image)) for image in images],
                                 statuses=[CheckStatus.FAILED] * 2)
    diagnosis.name_mistakes(checks, calls)
    assert named(checks) == {}


def test_the_float_otsu_on_the_issue_examples_is_diagnosed():
    reference = load_reference("thresholding")
    results = []
    for values in OTSU_TIES:
        image = np.array([values], dtype=np.uint8)
        results.append(((image,), {}, float_otsu(values)))
    assert results[0][2] != reference.otsu_threshold(results[0][0][0])
    # The cumulative-sums variant gets the first tie wrong and the second right: add more ties it gets wrong.
    for values in ([0, 0, 255, 255], [10, 10, 30, 30, 20]):
        image = np.array([values], dtype=np.uint8)
        results.append(((image,), {}, float_otsu(values)))
    checks, calls = graded_calls("thresholding", "otsu_threshold", results)
    diagnosis.name_mistakes(checks, calls)
    failed = [c.id for c in checks if c.status == CheckStatus.FAILED]
    assert len(failed) >= 2 and named(checks) == dict.fromkeys(failed, "otsu-float-tie")


def test_a_broken_catalog_entry_never_changes_a_grade(monkeypatch):
    """A catalog entry that raises is skipped: the diagnosis is a courtesy."""
    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the catalog")

    entry = diagnosis.Misconception("broken", "histogram", ("histogram",), "a broken entry", "never shown.", broken)
    monkeypatch.setattr(diagnosis, "catalog", lambda: diagnosis.Catalog([entry]))
    images = [np.zeros((2, 2), dtype=np.uint8), np.ones((2, 2), dtype=np.uint8)]
    checks, calls = graded_calls("histogram", "histogram", [((image,), {}, np.zeros(256)) for image in images])
    diagnosis.name_mistakes(checks, calls)
    assert named(checks) == {} and all(c.status == CheckStatus.FAILED for c in checks)


def test_catalog_ids_are_unique():
    entry = diagnosis.mistakes().entries[0]
    with pytest.raises(ValueError, match="repeated"):
        diagnosis.Catalog([entry, entry])


@pytest.mark.parametrize(("a", "b", "equal"), [
    (np.array([1, 2]), np.array([1.0, 2.0]), True),  # any dtype, same values
    (np.array([1, 2]), np.array([1, 2, 0]), False),  # shapes differ
    (np.array([0.1 + 0.2]), np.array([0.3]), True),  # the contract's float tolerance
    (3, np.int64(3), True),
    (True, 1, False),  # a bool is not a number here
    ((np.zeros(2), np.ones(2)), [np.zeros(2), np.ones(2)], True),
    ({0: [1]}, {0: [1]}, True),
    ({0: [1]}, {0: [2]}, False),
    (None, None, False),  # nothing to compare
    (diagnosis.Rounded.floor(np.array([2.9999999999999996, 7.5])), np.array([3, 7]), True),  # a hair from 3
    (diagnosis.Rounded.floor(np.array([2.9999999999999996, 7.5])), np.array([2, 8]), False),  # 7.5 floors to 7
    (diagnosis.Rounded.rint(np.array([2.5, 3.4])), np.array([3, 3]), True),  # an exact half may go up
    (diagnosis.Rounded.rint(np.array([2.5, 3.4])), np.array([2, 4]), False),
])
def test_same_compares_results(a, b, equal):
    assert diagnosis.same(a, b) is equal


# -- near misses: a different bug that shares an output with each mistake --------------------------------------

@dataclass(frozen=True)
class NearMiss:
    """Another bug than ``misconception``'s, with inputs on which it shares an output with it, and one where not."""

    misconception: str
    function: str
    bug: str  # what the near miss does, in words
    near_miss: Callable  # (reference, *args, **kwargs) -> what the near miss returns
    inputs: list = field(default_factory=list)  # (args, kwargs) of the calls the checks made


def calls(*arguments) -> list:
    """``(args, kwargs)`` pairs: a tuple of arguments each, the last item a dict of keywords when it is one."""
    made = []
    for item in arguments:
        item = item if isinstance(item, tuple) else (item,)
        if item and isinstance(item[-1], dict):
            made.append((item[:-1], item[-1]))
        else:
            made.append((item, {}))
    return made


def u8(values) -> np.ndarray:
    return np.array(values, dtype=np.uint8)


def rng_image(seed, shape, high=256) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, high, shape).astype(np.uint8)


def rint8(values) -> np.ndarray:
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def floor8(values) -> np.ndarray:
    return np.clip(np.floor(values), 0, 255).astype(np.uint8)


# arrays
def transposed_images(ref, images):
    return np.asarray(images).swapaxes(1, 2).reshape(len(images), -1)


# intensity
def log_with_one_wrapping_add(ref, image):
    image = np.asarray(image)
    c = 255 / np.log(1.0 + float(image.max()))
    with np.errstate(divide="ignore"):
        return rint8(c * np.log((1 + image).astype(np.float64)))  # 1 + 255 wraps to 0 in uint8


def gamma_scaled_by_254(ref, image, gamma):
    return floor8(254 * (np.asarray(image) / 255) ** (1 / gamma))


def gamma_not_inverted_truncated(ref, image, gamma):
    return floor8(255 * (np.asarray(image) / 255) ** gamma)


# histogram
def histogram_from_1(ref, image):
    return np.bincount(np.asarray(image).ravel(), minlength=256)[1:256].astype(np.int64)


def exclusive_patched_last(ref, image):
    counts = np.bincount(np.asarray(image).ravel(), minlength=256)
    total = np.concatenate([[0], np.cumsum(counts)[:-1]])
    total[-1] = np.asarray(image).size  # "the last entry must be the pixel count"
    return total


def cdf_rounded(ref, image):
    image = np.asarray(image)
    return np.round(np.cumsum(np.bincount(image.ravel(), minlength=256)) / image.size)


# equalisation
def equalise_ceil(ref, image):
    image = np.asarray(image)
    cdf = np.cumsum(np.bincount(image.ravel(), minlength=256))
    return np.ceil(255 * cdf[image] / image.size).astype(np.uint8)


def colour_wrapping_and_truncating(ref, image):
    rgb = np.asarray(image)[..., :3]
    value = rgb.max(axis=2)
    new_value = ref.equalise(value)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.floor((rgb * new_value[..., None]).astype(np.float64) / value[..., None])
    return np.where(value[..., None] > 0, np.clip(np.nan_to_num(out), 0, 255), new_value[..., None]).astype(np.uint8)


def colour_truncating_dark_black(ref, image):
    rgb = np.asarray(image)[..., :3]
    value = rgb.max(axis=2)
    new_value = ref.equalise(value).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.nan_to_num(rgb * new_value[..., None] / value[..., None])
    return np.clip(out, 0, 255).astype(np.uint8)  # where V == 0, 0 rather than V2


def per_channel_keeping_alpha(ref, image):
    image = np.asarray(image)
    return np.stack([ref.equalise(image[..., c]) for c in range(image.shape[2])], axis=2)


# convolution
def flipped_upside_down_only(ref, image, kernel, *args, **kwargs):
    # Sliding the kernel flipped upside down only is convolving with it flipped left to right.
    return ref.convolve2d(image, np.asarray(kernel)[:, ::-1], *args, **kwargs)


def symmetric_as_reflect_on_columns(ref, image, width, mode="constant", constant_value=0):
    rows, cols = (width, width) if np.ndim(width) == 0 else width
    image = np.asarray(image)
    if mode != "symmetric":
        return ref.pad(image, width, mode, constant_value)
    out = np.pad(image, ((rows, rows), (0, 0)) + ((0, 0),) * (image.ndim - 2), mode="symmetric")
    return np.pad(out, ((0, 0), (cols, cols)) + ((0, 0),) * (image.ndim - 2), mode="reflect")


def reflect_as_symmetric_on_columns(ref, image, width, mode="constant", constant_value=0):
    rows, cols = (width, width) if np.ndim(width) == 0 else width
    image = np.asarray(image)
    if mode != "reflect":
        return ref.pad(image, width, mode, constant_value)
    out = np.pad(image, ((rows, rows), (0, 0)) + ((0, 0),) * (image.ndim - 2), mode="reflect")
    return np.pad(out, ((0, 0), (cols, cols)) + ((0, 0),) * (image.ndim - 2), mode="symmetric")


def output_size_without_padding(ref, n, f, stride=1, padding=0):
    return (n - f) // stride + 1


# filters
def blur_truncating_without_lower_clip(ref, image, kernel):
    from scipy.signal import convolve2d

    out = convolve2d(np.asarray(image, dtype=np.float64), kernel, mode="same", boundary="symm")
    return np.floor(np.minimum(out, 255)).astype(np.int64).astype(np.uint8)  # below 0 wraps round


def median_wrapping(ref, image, size):
    from scipy import ndimage

    return ndimage.median_filter(np.asarray(image), size=size, mode="wrap")


def blur_flipped_upside_down_only(ref, image, kernel):
    return ref.blur(image, np.asarray(kernel)[:, ::-1])  # as for convolve2d


def median_padded_with_the_minimum(ref, image, size):
    from scipy import ndimage

    image = np.asarray(image)
    return ndimage.median_filter(image, size=size, mode="constant", cval=image.min())


def gaussian_continuous_normalisation(ref, n, sigma):
    x = np.arange(n) - (n - 1) / 2
    return np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2.0 * sigma**2)) / (2 * np.pi * sigma**2)


# sobel
def gx_negated_only(ref, image):
    gx, gy = ref.sobel_gradients(image)
    return -gx, gy


def sobel_wrapping(ref, image):
    from scipy import ndimage

    image = np.asarray(image, dtype=np.float64)
    return ndimage.sobel(image, axis=1, mode="wrap"), ndimage.sobel(image, axis=0, mode="wrap")


def squared_magnitude(ref, image):
    gx, gy = ref.sobel_gradients(image)
    return gx**2 + gy**2


def edges_one_below(ref, image, threshold):
    return ref.sobel_magnitude(image) > threshold - 1


# thresholding
def threshold_one_below(ref, image, t):
    return np.asarray(image) > t - 1


def otsu_skipping_zero(ref, image):
    counts = np.bincount(np.asarray(image).ravel(), minlength=256)
    if np.count_nonzero(counts) == 1:
        return int(np.flatnonzero(counts)[0])
    n, total = int(counts.sum()), int((counts * np.arange(256)).sum())
    best, best_t = None, 0
    for t in range(1, 256):  # t = 0 forgotten
        c0, s0 = int(counts[: t + 1].sum()), int((counts[: t + 1] * np.arange(t + 1)).sum())
        if 0 < c0 < n:
            score = Fraction((n * s0 - c0 * total) ** 2, c0 * (n - c0))
            if best is None or score > best:
                best, best_t = score, t
    return best_t


def otsu_exact_ties_to_the_largest(ref, image):
    counts = np.bincount(np.asarray(image).ravel(), minlength=256)
    n, total = int(counts.sum()), int((counts * np.arange(256)).sum())
    best, best_t = None, 0
    for t in range(256):
        c0, s0 = int(counts[: t + 1].sum()), int((counts[: t + 1] * np.arange(t + 1)).sum())
        if 0 < c0 < n:
            score = Fraction((n * s0 - c0 * total) ** 2, c0 * (n - c0))
            if best is None or score >= best:  # a tie moves to the larger t
                best, best_t = score, t
    # Only thresholds at occupied levels split differently: the larger of two equal splits is the occupied one.
    return best_t if counts[best_t] else int(np.flatnonzero(counts[: best_t + 1])[-1])


def mask_with_one_shared_threshold(ref, image):
    image = np.asarray(image)
    t = ref.otsu_threshold(image[..., 0])
    return np.logical_and.reduce([image[..., c] > t for c in range(3)])


# kmeans
def one_round_from_the_seed_alone(ref, points, k, *, init=None, max_iter=100, seed=0):
    points = np.asarray(points, dtype=np.float64)
    start = points[np.random.default_rng(seed).choice(len(points), k, replace=False)]  # init ignored
    centers = ref.update(points, ref.assign(points, start), start)
    return centers, ref.assign(points, centers)


def labels_of_the_start(ref, points, k, *, init=None, max_iter=100, seed=0):
    centers, _ = ref.kmeans(points, k, init=init, max_iter=max_iter, seed=seed)
    start = np.asarray(init, dtype=np.float64) if init is not None else \
        np.asarray(points)[np.random.default_rng(seed).choice(len(points), k, replace=False)]
    return centers, ref.assign(points, start)


def manhattan_ties_to_the_highest(ref, points, centers):
    distances = np.abs(np.asarray(points)[:, None, :] - np.asarray(centers)[None, :, :]).sum(axis=2)
    return (len(centers) - 1 - np.argmin(distances[:, ::-1], axis=1)).astype(np.int64)


def empty_cluster_to_the_mean_of_all(ref, points, labels, centers):
    points, labels = np.asarray(points, np.float64), np.asarray(labels)
    out = np.asarray(centers, np.float64).copy()
    for c in range(len(out)):
        members = points[labels == c]
        out[c] = members.mean(axis=0) if len(members) else points.mean(axis=0)
    return out


def quantise_truncating_with_seed_0(ref, image, k, *, seed=0):
    image = np.asarray(image)
    centers, labels = ref.kmeans(image[..., :3].reshape(-1, 3).astype(np.float64), k, seed=0)  # seed ignored
    return np.floor(centers).astype(np.uint8)[labels].reshape(image.shape[:2] + (3,))


# polygons
def centroid_inside(ref, inner, outer):
    return bool(ref.points_in_polygon(np.asarray(inner, dtype=np.float64).mean(axis=0)[None], outer)[0])


def holes_two_levels_deep(ref, polygons):
    n = len(polygons)
    inside = np.array([[i != j and ref.polygon_inside(polygons[i], polygons[j]) for j in range(n)]
                       for i in range(n)], dtype=bool).reshape(n, n)
    depth = inside.sum(axis=1)
    return {int(i): [int(h) for h in np.flatnonzero(inside[:, i] & (depth <= depth[i] + 2))]
            for i in np.flatnonzero(depth % 2 == 0)}


# exploration
def means_over_the_class_count(ref, images, labels, num_classes=10):
    images, labels = np.asarray(images, np.float64), np.asarray(labels)
    return np.stack([images[labels == c].sum(axis=0) for c in range(num_classes)]) / num_classes


def signed_difference_of_sums(ref, images, labels, a, b):
    images, labels = np.asarray(images, np.float64), np.asarray(labels)
    return images[labels == a].sum(axis=0) - images[labels == b].sum(axis=0)


def fresh_rng_sorted(ref, images, labels, per_class=10, *, seed=0, num_classes=10):
    images, labels = np.asarray(images), np.asarray(labels)
    rows = [np.hstack(list(images[np.sort(np.random.default_rng(seed).choice(np.flatnonzero(labels == d), per_class,
                                                                             replace=False))]))
            for d in range(num_classes)]
    return np.vstack(rows).astype(np.uint8)


SQUARE = np.array([[0.0, 0], [10, 0], [10, 10], [0, 10]])
SMALL = np.array([[4.0, 4], [6, 4], [5, 6]])  # around the square's middle
U_SHAPE = np.array([(0, 0), (10, 0), (10, 10), (7, 10), (7, 3), (3, 3), (3, 10), (0, 10)], dtype=np.float64)
IN_THE_NOTCH = np.array([(4.0, 4), (6, 4), (6, 6), (4, 6)])


def nested(levels: int, apart: float = 0.0) -> list:
    """``levels`` squares, each inside the one before, moved right by ``apart``."""
    return [np.array([[i, i], [20 - i, i], [20 - i, 20 - i], [i, 20 - i]], dtype=np.float64) + [apart, 0]
            for i in range(0, 2 * levels, 2)]


def labelled(seed, n, num_classes, side=2):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, side, side)).astype(np.uint8), np.arange(n) % num_classes


STEP = np.array([[0, 0, 3, 3]] * 3, dtype=np.uint8)  # Sobel magnitudes 0 and exactly 12
RAMP = np.tile(np.array([0, 10, 30, 60], dtype=np.uint8), (3, 1))  # gradients along x only
POINTS_1D = np.array([[0.0], [2.0], [4.0], [1.0]])
PIXELS = rng_image(4, (5, 6, 3))
POINTS = PIXELS.reshape(-1, 3).astype(np.float64)
SEEDED_START = POINTS[np.random.default_rng(0).choice(len(POINTS), 3, replace=False)]  # kmeans' start for seed 0

NEAR_MISSES = [
    NearMiss("column-major-flatten", "flatten", "each image transposed, channels kept last", transposed_images,
             calls(rng_image(1, (2, 2, 3)), rng_image(2, (2, 3, 2)), rng_image(3, (2, 2, 3, 2)))),
    NearMiss("narrow-dtype-arithmetic", "log_transform", "only `1 + image` in uint8 (it wraps at 255)",
             log_with_one_wrapping_add, calls(u8([[255, 255]]), u8([[255, 255, 255]]), u8([[100, 255]]))),
    NearMiss("floor-not-rint", "gamma_correction", "254 levels instead of 255, truncated", gamma_scaled_by_254,
             calls((u8([[1]]), 2.0), (u8([[1, 2]]), 2.0), (u8([[200]]), 2.0))),
    NearMiss("gamma-not-inverted", "gamma_correction", "the exponent gamma, and truncated",
             gamma_not_inverted_truncated, calls((u8([[128]]), 2.0), (u8([[128, 64]]), 2.0), (u8([[200]]), 2.0))),
    NearMiss("histogram-to-254", "histogram", "the counts of 1..255 (0 forgotten)", histogram_from_1,
             calls(np.zeros((0,), np.uint8), np.zeros((0, 3), np.uint8), u8([[3, 3]]))),
    NearMiss("exclusive-cumsum", "cumulative_histogram", "a running total that starts late, its last entry patched",
             exclusive_patched_last, calls(u8([[0, 1]]), u8([[0, 1, 1]]), u8([[0, 255]]))),
    NearMiss("integer-division-cdf", "normalised_cdf", "the fractions rounded with np.round", cdf_rounded,
             calls(u8([[0, 1, 1]]), u8([[0, 1, 1, 1]]), u8([[0, 0, 1]]))),
    NearMiss("rint-not-floor", "equalise", "np.ceil where the formula floors", equalise_ceil,
             calls(u8([[0, 1, 1, 1]]), u8([[0, 0, 0, 0, 1, 1, 1]]), u8([[0, 0, 0, 0, 0, 1, 1]]))),
    NearMiss("narrow-dtype-product", "equalise_colour", "the product in uint8, then truncated",
             colour_wrapping_and_truncating,
             calls(u8([[[34, 32, 204]]]), *[rng_image(seed, (2, 3, 3)) for seed in range(3)])),
    NearMiss("floor-not-rint-colour", "equalise_colour", "truncated, and black pixels kept black",
             colour_truncating_dark_black,
             calls(rng_image(5, (2, 3, 3), 200) + 20, rng_image(6, (3, 3, 3), 200) + 20,
                   np.concatenate([rng_image(7, (2, 3, 3)), np.zeros((1, 3, 3), np.uint8)]))),
    NearMiss("per-channel-equalise", "equalise_colour", "each channel equalised, alpha included",
             per_channel_keeping_alpha,
             calls(rng_image(8, (3, 3, 3)), rng_image(9, (2, 4, 3)), rng_image(10, (3, 3, 4)))),
    NearMiss("correlation-not-convolution", "convolve2d", "the kernel flipped upside down only",
             flipped_upside_down_only,
             calls((rng_image(11, (4, 5)), np.array([[1.0, 2.0, 4.0]])),
                   (rng_image(12, (5, 4)), np.array([[1.0, -2, 4]])),
                   (rng_image(13, (5, 5)), np.array([[1.0, 2], [3, 5]])))),
    NearMiss("reflect-not-symmetric", "pad", '"symmetric" mirrored with "reflect" on the columns only',
             symmetric_as_reflect_on_columns,
             calls((rng_image(14, (3, 4)), (0, 2), "symmetric"), (rng_image(15, (4, 3)), (0, 1), "symmetric"),
                   (rng_image(16, (3, 4)), (2, 2), "symmetric"))),
    NearMiss("symmetric-not-reflect", "pad", '"reflect" mirrored with "symmetric" on the columns only',
             reflect_as_symmetric_on_columns,
             calls((rng_image(17, (3, 4)), (0, 2), "reflect"), (rng_image(18, (4, 3)), (0, 1), "reflect"),
                   (rng_image(19, (3, 4)), (2, 2), "reflect"))),
    NearMiss("output-size-no-plus-one", "output_size", "the padding forgotten", output_size_without_padding,
             calls((4, 2, 2, 1), (6, 2, 2, 1), (5, 3, 1, 1))),
    NearMiss("floor-not-rint-blur", "blur", "truncated, clipped at 255 only (below 0 wraps round)",
             blur_truncating_without_lower_clip,
             calls((rng_image(20, (4, 5)), np.full((3, 3), 1 / 9)), (rng_image(21, (5, 4)), np.full((2, 2), 0.25)),
                   (u8([[0, 0, 0], [0, 200, 0], [0, 0, 0]]), np.array([[0, -1.0, 0], [-1, 5, -1], [0, -1, 0]])))),
    NearMiss("reflect-not-symmetric-blur", "median_filter", "the border wrapped round", median_wrapping,
             calls((rng_image(22, (2, 2)), 3), (rng_image(23, (2, 3)), 3), (rng_image(24, (5, 6)), 3))),
    NearMiss("correlation-not-convolution-blur", "blur", "the kernel flipped upside down only",
             blur_flipped_upside_down_only,
             calls((rng_image(25, (4, 5)), np.array([[0.1, 0.3, 0.6]])),
                   (rng_image(26, (5, 4)), np.array([[0.5, 0.2, 0.3]])),
                   (rng_image(27, (5, 5)), np.array([[0.1, 0.2], [0.3, 0.4]])))),
    NearMiss("zero-border-median", "median_filter", "a border of the image's minimum", median_padded_with_the_minimum,
             calls((np.concatenate([[[0, 0, 0, 0]], rng_image(28, (3, 4))]), 3),
                   (np.concatenate([[[0, 0, 0, 0, 0]], rng_image(29, (4, 5))]), 3),
                   (rng_image(30, (4, 4), 50) + 100, 3))),
    NearMiss("unnormalised-gaussian", "gaussian_kernel", "divided by 2 pi sigma**2 (the continuous formula)",
             gaussian_continuous_normalisation,
             calls((3, 1 / np.sqrt(2 * np.pi)), (5, 1 / np.sqrt(2 * np.pi)), (3, 1.0))),
    NearMiss("convolution-not-correlation", "sobel_gradients", "gx negated, gy right", gx_negated_only,
             calls(RAMP, RAMP[:2].copy(), rng_image(31, (4, 5)))),
    NearMiss("reflect-not-symmetric-sobel", "sobel_gradients", "the border wrapped round", sobel_wrapping,
             calls(rng_image(32, (2, 2)), rng_image(33, (2, 2)), rng_image(34, (4, 5)))),
    NearMiss("l1-magnitude", "sobel_magnitude", "gx**2 + gy**2 (the square root forgotten)", squared_magnitude,
             calls(np.array([[0, 0.25], [0.25, 0.5]]), np.array([[0.5, 0.25], [0.25, 0]]), rng_image(35, (4, 5)))),
    NearMiss("greater-or-equal", "edges", "magnitude > threshold - 1", edges_one_below,
             calls((STEP, 12.0), (STEP[:2].copy(), 12.0), (STEP, 12.3))),
    NearMiss("greater-or-equal-threshold", "threshold", "image > t - 1", threshold_one_below,
             calls((u8([[99, 100, 101]]), 100), (u8([[7, 8]]), 7), (u8([[99, 100, 101]]), 100.5))),
    NearMiss("otsu-class-0-below-t", "otsu_threshold", "t = 0 never tried", otsu_skipping_zero,
             calls(u8([0, 0, 200]), u8([0, 100, 101, 102]), u8([10, 10, 12, 200, 210, 220]))),
    NearMiss("otsu-float-tie", "otsu_threshold", "exact scores, a tie sent to the largest t",
             otsu_exact_ties_to_the_largest,
             calls(u8(OTSU_TIES[0]), u8(OTSU_TIES[1]), u8([208, 208, 180, 126, 98, 98, 153]))),
    NearMiss("otsu-union", "otsu_mask_rgb", "one threshold (the red channel's) for all three",
             mask_with_one_shared_threshold,
             calls(u8([[[255, 255, 200], [0, 60, 60], [0, 0, 120]], [[200, 200, 60], [120, 120, 255], [0, 120, 60]]]),
                   *[rng_image(seed, (3, 4, 3)) for seed in range(36, 39)])),
    NearMiss("kmeans-one-round", "kmeans", "one round, init ignored (always the seeded start)",
             one_round_from_the_seed_alone,
             calls((POINTS, 3, {"init": SEEDED_START}), (POINTS[:20], 3, {"init": POINTS[:20][
                 np.random.default_rng(0).choice(20, 3, replace=False)]}), (POINTS, 3, {"init": POINTS[[3, 4, 7]]}))),
    NearMiss("kmeans-stale-labels", "kmeans", "the labels of the starting centers", labels_of_the_start,
             calls(*[(POINTS, k, {"max_iter": m, "seed": s})
                     for k, m, s in [(3, 1, 0), (4, 1, 1), (3, 2, 0), (4, 2, 1), (3, 3, 3)]])),
    NearMiss("assign-ties-highest", "assign", "Manhattan distances, ties to the highest index",
             manhattan_ties_to_the_highest,
             calls((POINTS_1D, np.array([[1.0], [3.0]])), (POINTS_1D, np.array([[0.0], [4.0], [2.0]])),
                   (np.array([[0.0, 0.0], [3.0, 1.0]]), np.array([[2.0, 2.0], [4.0, 0.0]])))),
    NearMiss("empty-cluster-zero", "update", "an empty cluster moved to the mean of all points",
             empty_cluster_to_the_mean_of_all,
             calls((np.array([[-1.0, 2], [1, -2]]), np.array([0, 0]), np.array([[5.0, 5], [7, 7]])),
                   (np.array([[-3.0, 0], [3, 0], [1, 1]]), np.array([1, 1, 1]), np.array([[5.0, 5], [7, 7]])),
                   (np.array([[1.0, 2], [3, 4]]), np.array([0, 0]), np.array([[5.0, 5], [7, 7]])))),
    NearMiss("floor-not-rint-quantise", "quantise_colours", "truncated, the seed ignored",
             quantise_truncating_with_seed_0,
             calls((PIXELS, 3), (PIXELS[:4], 2), (PIXELS, 3, {"seed": 4}), (PIXELS, 2, {"seed": 9}))),
    NearMiss("polygon-inside-swapped", "polygon_inside", "the mean of inner's vertices tested", centroid_inside,
             calls((SQUARE, SMALL), (SQUARE + 1, SMALL + 1), (U_SHAPE, IN_THE_NOTCH))),
    NearMiss("holes-at-every-depth", "group_holes", "holes one and two levels deeper", holes_two_levels_deep,
             calls((nested(3),), (nested(3) + nested(3, apart=50),), (nested(4),))),
    NearMiss("mean-over-all-images", "class_means", "each sum divided by the number of classes",
             means_over_the_class_count,
             calls((*labelled(50, 3, 3), 3), (*labelled(51, 4, 4), 4), (*labelled(52, 5, 2), 2))),
    NearMiss("signed-difference", "mean_difference", "a signed difference of the classes' sums",
             signed_difference_of_sums,
             calls((*labelled(53, 2, 2), 0, 1), (*labelled(54, 2, 2), 1, 0), (*labelled(55, 6, 2), 0, 1))),
    NearMiss("montage-fresh-rng", "montage", "a fresh generator for every class, its choice sorted",
             fresh_rng_sorted,
             calls((*labelled(56, 12, 3), 1, {"num_classes": 3}),
                   (*labelled(57, 12, 3), 1, {"num_classes": 3, "seed": 4}),
                   (*labelled(58, 12, 3), 3, {"num_classes": 3}))),
]


def test_every_misconception_has_a_near_miss():
    catalogued = {entry.id for entry in diagnosis.mistakes().entries}
    assert {case.misconception for case in NEAR_MISSES} == catalogued


def outputs_of(entry, reference, function, args, kwargs) -> list:
    return list(entry.outputs(reference, function, *copy.deepcopy(args), **copy.deepcopy(kwargs)))


def plain(output):
    """A catalog output as a learner's function would return it (a Rounded output as its values)."""
    if isinstance(output, diagnosis.Rounded):
        return output.values
    if isinstance(output, tuple):
        return tuple(plain(item) for item in output)
    return output


@pytest.mark.parametrize("case", NEAR_MISSES, ids=[f"{case.misconception}: {case.bug}" for case in NEAR_MISSES])
def test_a_near_miss_gets_no_sentence(case):
    """Another bug, equal to the mistake on one input and not on another: no sentence; the mistake itself: one."""
    entry = diagnosis.mistakes().by_id(case.misconception)
    reference = load_reference(entry.module)
    function = getattr(reference, case.function)
    seen = []
    for args, kwargs in case.inputs:
        right = function(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        got = case.near_miss(reference, *copy.deepcopy(args), **copy.deepcopy(kwargs))
        outputs = outputs_of(entry, reference, case.function, args, kwargs)
        assert outputs, f"the mistake has no output for {args}"
        seen.append((args, kwargs, right, got, outputs))
    # The way of writing the mistake that the near miss comes closest to.
    variant = max(range(len(seen[0][4])), key=lambda v: sum(diagnosis.same(outs[v], got) for *_, got, outs in seen))
    shared = differs = 0
    results, mistaken = [], []
    for args, kwargs, right, got, outputs in seen:
        mistake = outputs[variant]
        wrong = not diagnosis.same(got, right)
        shared += wrong and diagnosis.same(mistake, got)
        # Another output, where either of the two is wrong (a learner right where the mistake is not, too).
        differs += not diagnosis.same(mistake, got) and (wrong or not diagnosis.same(mistake, right))
        results.append((args, kwargs, got))
        mistaken.append((args, kwargs, plain(mistake)))
    # A near miss: wrong where the mistake is wrong too, with the same output, and elsewhere another output.
    assert shared >= 1 and differs >= 1, (shared, differs)
    checks, made = graded_calls(entry.module, case.function, results)
    diagnosis.name_mistakes(checks, made)
    assert named(checks) == {}, f"the near miss ({case.bug}) was named {set(named(checks).values())}"
    # The mistake itself, on the same inputs, is named: the inputs can tell.
    checks, made = graded_calls(entry.module, case.function, mistaken)
    diagnosis.name_mistakes(checks, made)
    assert set(named(checks).values()) == {entry.id}, [c.status for c in checks]
