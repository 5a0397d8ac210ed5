"""Tests for naming the mistake (grader.diagnosis and course/checks/misconceptions.py).

Each misconception of the catalog, written as a buggy submission, must get its
sentence, and only in its own function's checks; the reference solutions never
get one. The project's other buggy submissions (the tables in
test_image_exercises, test_buggy_submissions and test_data_exercises) are checked
against ``conftest.EXPECTED_DIAGNOSIS`` by their own tests: an unrelated bug gets
no sentence there.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import EXPECTED_DIAGNOSIS, diagnoses, make_submission

from grader import api, diagnosis
from grader.describe import CallRecord

# Buggy submissions for the misconceptions that the other tables do not make.
MISTAKES = {
    "equalise rounds where the formula floors": ("equalisation", "equalise", "rint-not-floor", """
        def equalise(image):
            image = np.asarray(image)
            if image.dtype != np.uint8:
                raise TypeError(f"image must be uint8; got {image.dtype}")
            if image.size == 0:
                return image.copy()
            return np.rint(255 * _cumulative_histogram(image)[image] / image.size).astype(np.uint8)
    """),
    "log_transform truncates": ("intensity", "log_transform", "floor-not-rint", """
        def log_transform(image):
            image = np.asarray(image).astype(np.float64)
            if image.size == 0 or image.max() == 0:
                return np.zeros(image.shape, dtype=np.uint8)
            return (255 / np.log1p(image.max()) * np.log1p(image)).astype(np.uint8)
    """),
    "gamma_correction truncates": ("intensity", "gamma_correction", "floor-not-rint", """
        def gamma_correction(image, gamma):
            if not gamma > 0:
                raise ValueError(f"gamma must be > 0, got {gamma!r}")
            return (255.0 * (np.asarray(image) / 255.0) ** (1 / gamma)).astype(np.uint8)
    """),
    "equalise_colour multiplies in uint8": ("equalisation", "equalise_colour", "narrow-dtype-product", """
        def equalise_colour(image):
            image = np.asarray(image)
            if image.dtype != np.uint8:
                raise TypeError(f"image must be uint8; got {image.dtype}")
            if image.ndim != 3 or image.shape[2] not in (3, 4):
                raise ValueError(f"image must have shape (H, W, 3) or (H, W, 4); got shape {image.shape}")
            rgb = image[:, :, :3]
            value = rgb.max(axis=2)
            new_value = _equalise(value)
            product = rgb * new_value[:, :, None]
            with np.errstate(invalid="ignore", divide="ignore"):
                out = np.clip(np.rint(product / value[:, :, None]), 0, 255)
            return np.where(value[:, :, None] > 0, out, new_value[:, :, None]).astype(np.uint8)
    """),
    "equalise_colour truncates": ("equalisation", "equalise_colour", "floor-not-rint-colour", """
        def equalise_colour(image):
            image = np.asarray(image)
            if image.dtype != np.uint8:
                raise TypeError(f"image must be uint8; got {image.dtype}")
            if image.ndim != 3 or image.shape[2] not in (3, 4):
                raise ValueError(f"image must have shape (H, W, 3) or (H, W, 4); got shape {image.shape}")
            rgb = image[:, :, :3]
            value = rgb.max(axis=2)
            new_value = _equalise(value).astype(np.float64)
            with np.errstate(invalid="ignore", divide="ignore"):
                out = np.clip(rgb.astype(np.float64) * new_value[:, :, None] / value[:, :, None], 0, 255)
            out = np.where(value[:, :, None] > 0, np.nan_to_num(out), new_value[:, :, None])
            return out.astype(np.uint8)
    """),
    "histogram with 256 bins, the last never filled": ("histogram", "histogram", "histogram-to-254", """
        def histogram(image):
            image = _check_uint8(image)
            counts = np.zeros(256, dtype=np.int64)
            for value in range(255):
                counts[value] = np.count_nonzero(image == value)
            return counts
    """),
    "convolve2d pads 'symm' with np.pad's reflect": ("convolution", "convolve2d", "reflect-not-symmetric", """
        def convolve2d(image, kernel, mode="same", boundary="fill", fill_value=0.0, stride=1):
            if boundary != "symm" or mode != "same":
                return _convolve2d(image, kernel, mode, boundary, fill_value, stride)
            image, kernel = np.asarray(image).astype(float), np.asarray(kernel).astype(float)
            kh, kw = kernel.shape
            padded = np.pad(image, ((kh - 1, kh - 1), (kw - 1, kw - 1)), mode="reflect")
            out = _convolve2d(padded, kernel, "same", "fill", 0.0, 1)
            return out[kh - 1 : kh - 1 + image.shape[0], kw - 1 : kw - 1 + image.shape[1]][::stride, ::stride]
    """),
    "convolve_channels correlates": ("convolution", "convolve_channels", "correlation-not-convolution", """
        def convolve_channels(image, kernel, **options):
            image = np.asarray(image)
            if image.ndim != 3:
                raise ValueError(f"image must be (H, W, C), got shape {image.shape}")
            flipped = np.asarray(kernel)[::-1, ::-1]
            return np.stack([_convolve2d(image[..., c], flipped, **options) for c in range(image.shape[2])], axis=2)
    """),
    "blur correlates": ("filters", "blur", "correlation-not-convolution-blur", """
        def blur(image, kernel):
            image, kernel = np.asarray(image), np.asarray(kernel)[::-1, ::-1]
            out = _convolve_same_symm(image.astype(np.float64), kernel.astype(np.float64))
            return np.clip(np.rint(out), 0, 255).astype(np.uint8)
    """),
    "median_filter mirrors with 'reflect'": ("filters", "median_filter", "reflect-not-symmetric-blur", """
        def median_filter(image, size):
            size = _positive_int("size", size, odd=True)
            image = np.asarray(image)
            if image.ndim != 2:
                raise ValueError(f"image must be 2-D (H, W), got shape {image.shape}")
            r = size // 2
            if min(image.shape) <= r:
                padded = _pad_symmetric(image, (r, r), (r, r))
            else:
                padded = np.pad(image, r, mode="reflect")
            windows = sliding_window_view(padded, (size, size)).reshape(image.shape + (size * size,))
            return np.median(windows, axis=-1).astype(image.dtype)
    """),
    "sobel_gradients mirrors with 'reflect'": ("sobel", "sobel_gradients", "reflect-not-symmetric-sobel", """
        def sobel_gradients(image):
            image = np.asarray(image)
            if image.ndim != 2:
                raise ValueError(f"image must be 2-D (H, W), got shape {image.shape}")
            image = image.astype(np.float64)
            if min(image.shape) < 2:
                return _gradients(image)
            p = np.pad(image, 1, mode="reflect")
            dx = p[:, 2:] - p[:, :-2]
            dy = p[2:] - p[:-2]
            return dx[1:-1] * 2.0 + (dx[:-2] + dx[2:]), dy[:, 1:-1] * 2.0 + (dy[:, :-2] + dy[:, 2:])
    """),
    "kmeans stops after one round": ("kmeans", "kmeans", "kmeans-one-round", """
        def kmeans(points, k, *, init=None, max_iter=100, seed=0):
            points = _as_points(points)
            n = points.shape[0]
            if not 1 <= k <= n:
                raise ValueError(f"k must satisfy 1 <= k <= n = {n}, got k={k}")
            if init is None:
                centers = points[np.random.default_rng(seed).choice(n, k, replace=False)]
            else:
                centers = np.asarray(init, dtype=np.float64)
                if centers.shape != (k, points.shape[1]):
                    raise ValueError(f"init must have shape ({k}, {points.shape[1]}), got {centers.shape}")
            return _lloyd(points, centers.copy(), min(max_iter, 1))
    """),
}


def test_every_misconception_is_tested():
    """Each catalog entry is made by at least one buggy submission of the project."""
    made = {entry[2] for entry in MISTAKES.values()} | set(EXPECTED_DIAGNOSIS.values())
    catalogued = {entry.id for entry in diagnosis.catalog().entries}
    assert catalogued - made == set(), "misconceptions without a buggy submission that makes them"
    assert made - catalogued == set(), "tests name misconceptions that are not in the catalog"


def test_the_issue_list_is_in_the_catalog():
    """The mistakes the course promised to name (issue 10) are all in the catalog."""
    catalogued = {entry.id for entry in diagnosis.catalog().entries}
    promised = {"correlation-not-convolution", "rint-not-floor", "floor-not-rint", "histogram-to-254",
                "narrow-dtype-arithmetic", "narrow-dtype-product", "reflect-not-symmetric", "otsu-class-0-below-t",
                "otsu-float-tie", "kmeans-one-round"}
    assert promised <= catalogued


def test_every_entry_has_one_sentence_and_a_known_function():
    from grader.exercises import gradable
    from grader.runner import load_reference

    modules = {exercise.name for exercise in gradable()}
    for entry in diagnosis.catalog().entries:
        assert entry.module in modules, entry.id
        reference = load_reference(entry.module)
        for function in entry.functions:
            assert callable(getattr(reference, function, None)), f"{entry.id}: no {entry.module}.{function}"
        sentence = entry.sentence()
        assert sentence.endswith((".", ")")) and sentence.count(". ") <= 1, entry.id


@pytest.mark.parametrize("bug", MISTAKES)
def test_a_misconception_gets_its_sentence_in_its_function_only(tmp_path, bug):
    module, function, expected, source = MISTAKES[bug]
    target = make_submission(tmp_path, [module], replace={module: {function: source}})
    report = api.grade([module], target=target)
    found = diagnoses(report, module)
    assert found == {function: {expected}}, f"{bug}: diagnosed {found}"
    sentence = diagnosis.catalog().by_id(expected).sentence()
    diagnosed = [c for c in report.exercise(module).checks if c.misconception]
    assert all(c.message.startswith(sentence) for c in diagnosed)
    assert all(c.status != "passed" for c in diagnosed)


def test_the_reference_solutions_are_never_diagnosed(solutions_report):
    assert [c.id for e in solutions_report.exercises for c in e.checks if c.misconception] == []


def _call(module, function, args, value, reference):
    record = CallRecord(module, function, tuple(args), {}, [], reference=reference)
    record.value = value
    return record


def test_a_result_equal_to_the_right_answer_is_never_diagnosed():
    """An Otsu on an input without ties: the float and exact answers agree, so no sentence."""
    from grader.runner import load_reference

    reference = load_reference("thresholding")
    image = np.array([[0, 0, 200, 200]], dtype=np.uint8)
    right = reference.otsu_threshold(image)
    assert diagnosis.diagnose(_call("thresholding", "otsu_threshold", [image], right, reference)) is None


def test_the_float_otsu_on_the_issue_examples_is_diagnosed():
    from grader.runner import load_reference

    reference = load_reference("thresholding")
    for values, float_answer in (([190, 178, 184, 178, 190], 184), ([217, 217, 143, 143, 69, 69, 143, 143], 143)):
        image = np.array([values], dtype=np.uint8)
        assert reference.otsu_threshold(image) != float_answer
        found = diagnosis.diagnose(_call("thresholding", "otsu_threshold", [image], float_answer, reference))
        assert found is not None and found.id == "otsu-float-tie", values


def test_a_broken_catalog_entry_never_changes_a_grade(monkeypatch):
    """A catalog entry that raises is skipped: the diagnosis is a courtesy."""
    from grader.runner import load_reference

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the catalog")

    entry = diagnosis.Misconception("broken", "histogram", ("histogram",), "a broken entry", "never shown.", broken)
    monkeypatch.setattr(diagnosis, "catalog", lambda: diagnosis.Catalog([entry]))
    reference = load_reference("histogram")
    image = np.zeros((2, 2), dtype=np.uint8)
    assert diagnosis.diagnose(_call("histogram", "histogram", [image], np.zeros(256), reference)) is None


def test_catalog_ids_are_unique():
    entry = diagnosis.catalog().entries[0]
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
])
def test_same_compares_results(a, b, equal):
    assert diagnosis.same(a, b) is equal
