"""The image exercises (intensity, convolution, filters, sobel, thresholding).

A deliberately buggy function loses its own points and nobody else's; a function
that calls its oracle loses its points as "off_limits"; a slow but correct
function loses only the optional speed bonus, and the report says why without
calling the exercise incomplete.
"""

import io

import pytest
from conftest import assert_diagnosis, make_submission
from rich.console import Console

from grader import api, reports, results

# Bonus checks time real calls; they are left out of the per-function points here
# (a busy machine must not make these tests flaky) and looked at on their own below.


def counted_points(report, exercise: str) -> dict:
    """{function: (points, max_points)} over the checks that count (no bonus)."""
    table: dict = {}
    for check in report.exercise(exercise).checks:
        if check.bonus:
            continue
        got, most = table.get(check.function, (0.0, 0.0))
        table[check.function] = (got + check.points, most + check.max_points)
    return table


def grade_with(tmp_path, module, replace):
    target = make_submission(tmp_path, [module], replace={module: replace})
    return api.grade([module], target=target, max_examples=15)


BUGS = {
    # -- intensity
    "log_transform in uint8/float16": ("intensity", "log_transform", """
        def log_transform(image):
            image = np.asarray(image)
            if image.size == 0 or image.max() == 0:
                return np.zeros(image.shape, dtype=np.uint8)
            c = 255 / np.log(1 + image.max())
            return _to_uint8(c * np.log(1 + image))
    """),
    "gamma_correction uses gamma, not 1 / gamma": ("intensity", "gamma_correction", """
        def gamma_correction(image, gamma):
            if not gamma > 0:
                raise ValueError(f"gamma must be > 0, got {gamma!r}")
            return _to_uint8(255.0 * (np.asarray(image) / 255.0) ** gamma)
    """),
    "negative returns int64": ("intensity", "negative", """
        def negative(image):
            return 255 - np.asarray(image).astype(np.int64)
    """),
    # -- convolution
    "convolve2d correlates (kernel not flipped)": ("convolution", "convolve2d", """
        def convolve2d(image, kernel, mode="same", boundary="fill", fill_value=0.0, stride=1):
            kernel = np.asarray(kernel)
            flipped = kernel[::-1, ::-1] if kernel.ndim == 2 else kernel
            return _convolve2d(image, flipped, mode, boundary, fill_value, stride)
    """),
    "convolve2d centres even kernels wrongly in 'same' mode": ("convolution", "convolve2d", """
        def convolve2d(image, kernel, mode="same", boundary="fill", fill_value=0.0, stride=1):
            if mode != "same":
                return _convolve2d(image, kernel, mode, boundary, fill_value, stride)
            stride = _stride(stride)
            image, kernel = np.asarray(image), np.asarray(kernel)
            full = _convolve2d(image, kernel, "full", boundary, fill_value, 1)
            top, left = kernel.shape[0] // 2, kernel.shape[1] // 2  # should be (F - 1) // 2
            return full[top : top + image.shape[0], left : left + image.shape[1]][::stride, ::stride]
    """),
    "pad uses 'reflect' where 'symmetric' is due": ("convolution", "pad", """
        def pad(image, width, mode="constant", constant_value=0):
            image = np.asarray(image)
            rows, cols = _pad_widths(width)
            _one_of("mode", mode, _PAD_MODES)
            height, breadth = image.shape[:2]
            if mode == "constant":
                value = _check_constant(constant_value, image.dtype)
                out = np.full((height + 2 * rows, breadth + 2 * cols) + image.shape[2:], value, dtype=image.dtype)
                out[rows : rows + height, cols : cols + breadth] = image
                return out
            rule = "reflect" if mode == "symmetric" else mode
            out = np.take(image, _source_index(height, rows, rows, rule), axis=0)
            return np.take(out, _source_index(breadth, cols, cols, rule), axis=1)
    """),
    "output_size forgets the + 1": ("convolution", "output_size", """
        def output_size(n, f, stride=1, padding=0):
            stride = _stride(stride)
            if f > n + 2 * padding:
                raise ValueError(f"f must be <= n + 2*padding, got {f}")
            return (n + 2 * padding - f) // stride
    """),
    # -- filters
    "median_filter pads with zeros": ("filters", "median_filter", """
        def median_filter(image, size):
            size = _positive_int("size", size, odd=True)
            image = np.asarray(image)
            if image.ndim != 2:
                raise ValueError(f"image must be 2-D (H, W), got shape {image.shape}")
            r = size // 2
            padded = np.zeros((image.shape[0] + 2 * r, image.shape[1] + 2 * r), dtype=image.dtype)
            padded[r : r + image.shape[0], r : r + image.shape[1]] = image
            windows = sliding_window_view(padded, (size, size)).reshape(image.shape + (size * size,))
            return np.median(windows, axis=-1).astype(image.dtype)
    """),
    "gaussian_kernel not normalised": ("filters", "gaussian_kernel", """
        def gaussian_kernel(n, sigma):
            n = _positive_int("n", n, odd=True)
            if not sigma > 0:
                raise ValueError(f"sigma must be > 0, got {sigma!r}")
            x = np.arange(n) - (n - 1) / 2
            return np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2.0 * float(sigma) ** 2))
    """),
    "blur truncates instead of rounding": ("filters", "blur", """
        def blur(image, kernel):
            image, kernel = np.asarray(image), np.asarray(kernel)
            out = _convolve_same_symm(image.astype(np.float64), kernel.astype(np.float64))
            return np.clip(out, 0, 255).astype(np.uint8)
    """),
    # -- sobel
    "sobel_gradients convolves (flipped kernel)": ("sobel", "sobel_gradients", """
        def sobel_gradients(image):
            image = np.asarray(image)
            if image.ndim != 2:
                raise ValueError(f"image must be 2-D (H, W), got shape {image.shape}")
            gx, gy = _gradients(image.astype(np.float64))
            return -gx, -gy
    """),
    "sobel_magnitude is |gx| + |gy|": ("sobel", "sobel_magnitude", """
        def sobel_magnitude(image):
            gx, gy = _gradients(np.asarray(image).astype(np.float64))
            return np.abs(gx) + np.abs(gy)
    """),
    "edges uses >=": ("sobel", "edges", """
        def edges(image, threshold):
            return _magnitude(np.asarray(image).astype(np.float64)) >= threshold
    """),
    # -- thresholding
    "Otsu with class 0 = image < t": ("thresholding", "otsu_threshold", """
        def otsu_threshold(image):
            image = np.asarray(image)
            _check_uint8(image)
            counts = np.bincount(image.ravel(), minlength=256)
            if np.count_nonzero(counts) == 1:
                return int(np.flatnonzero(counts)[0])
            levels = np.arange(256)
            c0 = np.cumsum(counts) - counts  # class 0 is image < t
            s0 = np.cumsum(counts * levels) - counts * levels
            n, total = counts.sum(), (counts * levels).sum()
            with np.errstate(divide="ignore", invalid="ignore"):
                score = (n * s0 - c0 * total).astype(float) ** 2 / (c0 * (n - c0))
            score[(c0 == 0) | (c0 == n)] = -1.0
            return int(np.argmax(score))
    """),
    # The textbook Otsu in floating point: right away from ties, wrong on exact ones.
    "Otsu in floating point (a loop over t)": ("thresholding", "otsu_threshold", """
        def otsu_threshold(image):
            image = np.asarray(image)
            _check_uint8(image)
            p = np.bincount(image.ravel(), minlength=256) / image.size
            best, best_t = -1.0, int(image.ravel()[0])
            for t in range(256):
                w0 = p[:t + 1].sum()
                w1 = 1 - w0
                if w0 == 0 or w1 <= 0:
                    continue
                mu0 = (np.arange(t + 1) * p[:t + 1]).sum() / w0
                mu1 = (np.arange(t + 1, 256) * p[t + 1:]).sum() / w1
                score = w0 * w1 * (mu0 - mu1) ** 2
                if score > best:
                    best, best_t = score, t
            return best_t
    """),
    "Otsu in floating point (cumulative sums)": ("thresholding", "otsu_threshold", """
        def otsu_threshold(image):
            image = np.asarray(image)
            _check_uint8(image)
            p = np.bincount(image.ravel(), minlength=256) / image.size
            omega, mu = np.cumsum(p), np.cumsum(p * np.arange(256))
            with np.errstate(divide="ignore", invalid="ignore"):
                score = (mu[-1] * omega - mu) ** 2 / (omega * (1 - omega))
            score = np.nan_to_num(score, nan=-1.0, posinf=-1.0)
            return int(np.argmax(score)) if score.max() > 0 else int(image.ravel()[0])
    """),
    "threshold uses >=": ("thresholding", "threshold", """
        def threshold(image, t):
            return np.asarray(image) >= t
    """),
    "otsu_mask_rgb takes the union": ("thresholding", "otsu_mask_rgb", """
        def otsu_mask_rgb(image):
            image = np.asarray(image)
            mask = np.zeros(image.shape[:2], dtype=bool)
            for c in range(3):
                mask |= image[..., c] > _otsu(image[..., c])
            return mask
    """),
}


@pytest.mark.parametrize("bug", BUGS)
def test_bug_costs_only_its_function(tmp_path, solutions_report, bug):
    module, function, source = BUGS[bug]
    report = grade_with(tmp_path, module, {function: source})
    full = counted_points(solutions_report, module)
    got = counted_points(report, module)
    assert got[function][0] < got[function][1], f"{bug}: {function} kept all its points"
    for name, (points, most) in got.items():
        if name != function:
            assert (points, most) == full[name], f"{bug}: {name} lost points it should not have"
    failed = [c for c in report.exercise(module).checks if c.status != results.PASSED and not c.bonus]
    assert all(c.function == function for c in failed)
    # Each says what was called, or that a guard waits for a value check (grader.marks).
    assert all(c.status in (results.FAILED, results.ERROR) and _details(c).startswith(("Called `", "Not counted yet"))
               for c in failed), [
        (c.status, c.message) for c in failed]
    assert_diagnosis(report, module, function, bug)
    assert not report.grader_errors


OFF_LIMITS = {
    "pad calls np.pad": ("convolution", "pad", "numpy.pad", """
        def pad(image, width, mode="constant", constant_value=0):
            image = np.asarray(image)
            rows, cols = _pad_widths(width)
            _one_of("mode", mode, _PAD_MODES)
            widths = ((rows, rows), (cols, cols)) + ((0, 0),) * (image.ndim - 2)
            if mode == "constant":
                return np.pad(image, widths, constant_values=_check_constant(constant_value, image.dtype))
            return np.pad(image, widths, mode=mode)
    """),
    "convolve2d calls scipy.signal.convolve2d": ("convolution", "convolve2d", "scipy.signal.convolve2d", """
        def convolve2d(image, kernel, mode="same", boundary="fill", fill_value=0.0, stride=1):
            from scipy import signal

            _convolve2d(image, kernel, mode, boundary, fill_value, stride)  # raises for bad arguments
            image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
            return signal.convolve2d(image, kernel, mode, boundary, fillvalue=fill_value)[::stride, ::stride]
    """),
    "median_filter calls scipy.ndimage.median_filter": ("filters", "median_filter", "scipy.ndimage.median_filter", """
        def median_filter(image, size):
            import scipy.ndimage

            size = _positive_int("size", size, odd=True)
            return scipy.ndimage.median_filter(np.asarray(image), size=size, mode="reflect")
    """),
    "otsu_threshold calls skimage.filters.threshold_otsu": ("thresholding", "otsu_threshold",
                                                            "skimage.filters.threshold_otsu", """
        def otsu_threshold(image):
            from skimage.filters import threshold_otsu

            image = np.asarray(image)
            _check_uint8(image)
            return int(threshold_otsu(image))
    """),
}


@pytest.mark.parametrize("case", OFF_LIMITS)
def test_calling_the_oracle_costs_only_its_function(tmp_path, solutions_report, case):
    module, function, oracle, source = OFF_LIMITS[case]
    report = grade_with(tmp_path, module, {function: source})
    full = counted_points(solutions_report, module)
    got = counted_points(report, module)
    assert got[function][0] < got[function][1], f"{case}: {function} kept all its points"
    for name, (points, most) in got.items():
        if name != function:
            assert (points, most) == full[name], f"{case}: {name} lost points it should not have"
    lost = [c for c in report.exercise(module).checks if c.status != results.PASSED]
    assert lost and all(c.function == function for c in lost), [(c.id, c.status) for c in lost]
    # Every check that ran the function to the end found the oracle call; the ones
    # that passed are the checks of its argument errors, raised before the call.
    # (Its guards, such as "input unchanged", wait for a value check that the oracle call lost.)
    value_checks = [c for c in lost if not c.guard]
    assert {c.status for c in value_checks} == {results.OFF_LIMITS}, [(c.id, c.status, c.message) for c in lost]
    assert all(f"`{function}` called `{oracle}`" in c.message for c in value_checks), value_checks[0].message
    assert all(c.status == results.OFF_LIMITS or c.message.startswith("Not counted yet") for c in lost if c.guard)
    assert not report.grader_errors


SLOW = {
    # Correct, but 30 times the work on the speed check's large input only: a few
    # timed calls (work, not sleep, so that a busy machine slows both sides alike).
    "slower than 10x": ("repeat", 30),
    # So slow that one call settles it (it is not called again).
    "far too slow": ("sleep", 5),
}


@pytest.mark.parametrize("case", SLOW)
def test_slow_but_correct_loses_only_the_bonus(tmp_path, solutions_report, case):
    how, amount = SLOW[case]
    report = grade_with(tmp_path, "convolution", {"convolve2d": f"""
        def convolve2d(image, kernel, mode="same", boundary="fill", fill_value=0.0, stride=1):
            import time

            if np.size(image) >= 512 * 512:
                if {how!r} == "sleep":
                    time.sleep({amount})
                else:
                    for _ in range({amount} - 1):
                        _convolve2d(image, kernel, mode, boundary, fill_value, stride)
            return _convolve2d(image, kernel, mode, boundary, fill_value, stride)
    """})
    exercise = report.exercise("convolution")
    assert counted_points(report, "convolution") == counted_points(solutions_report, "convolution")
    assert exercise.status == "complete" and exercise.points == exercise.max_points
    assert exercise.bonus_points == 0
    (bonus,) = [c for c in exercise.checks if c.bonus]
    assert bonus.status == results.FAILED
    assert "your convolve2d took" in bonus.message and "× the reference's time" in bonus.message, bonus.message
    assert ("one call: too slow to repeat" in bonus.message) == (how == "sleep"), bonus.message

    out = io.StringIO()
    reports.print_report(report, Console(file=out, width=200, color_system=None))
    text = out.getvalue()
    line = next(line for line in text.splitlines() if " convolution " in line)
    assert "complete" in line and "bonus" not in line
    assert "your convolve2d took" in text  # the bonus message is shown...
    assert "✗" not in text  # ...but not marked as a failure


def test_a_speed_check_that_times_out_costs_only_the_bonus(tmp_path, solutions_report, monkeypatch):
    from grader import speed

    monkeypatch.setattr(speed, "TIMEOUT_S", 1.0)  # the real limit is 60 s
    report = grade_with(tmp_path, "filters", {"median_filter": """
        def median_filter(image, size):
            import time

            if np.size(image) >= 512 * 512:
                time.sleep(30)
            size = _positive_int("size", size, odd=True)
            image = np.asarray(image)
            if image.ndim != 2:
                raise ValueError(f"image must be 2-D (H, W), got shape {image.shape}")
            r = size // 2
            windows = sliding_window_view(_pad_symmetric(image, (r, r), (r, r)), (size, size))
            return np.median(windows.reshape(image.shape + (size * size,)), axis=-1).astype(image.dtype)
    """})
    exercise = report.exercise("filters")
    assert counted_points(report, "filters") == counted_points(solutions_report, "filters")
    assert exercise.status == "complete" and exercise.bonus_points == 0
    (bonus,) = [c for c in exercise.checks if c.bonus]
    assert bonus.status == results.ERROR and "did not finish within 1 s" in bonus.message, bonus.message


def test_solutions_earn_the_speed_bonuses(solutions_report):
    speed_checked = ("convolution", "filters", "thresholding")
    assert [solutions_report.exercise(name).bonus_points for name in speed_checked] == [1, 1, 1]
    out = io.StringIO()
    reports.print_report(solutions_report, Console(file=out, width=200, color_system=None))
    line = next(line for line in out.getvalue().splitlines() if " filters " in line)
    assert "complete" in line and "+1 bonus" in line


def test_an_exercise_missing_only_a_bonus_is_complete():
    checks = [results.CheckResult("x::a", "x", "f", "a", 2, points=2, status=results.PASSED),
              results.CheckResult("x::speed", "x", "f", "speed", 1, status=results.FAILED, message="slow", bonus=True)]
    exercise = results.ExerciseResult("x", "X", 1, checks)
    assert exercise.status == "complete"
    assert (exercise.points, exercise.max_points, exercise.bonus_points) == (2, 2, 0)
    assert results.GradeReport("t", [exercise]).complete


@pytest.mark.parametrize("bug", ["Otsu in floating point (a loop over t)", "Otsu in floating point (cumulative sums)"])
def test_otsu_in_floating_point_is_taught_why_ties_need_exact_scores(tmp_path, bug):
    module, function, source = BUGS[bug]
    report = grade_with(tmp_path, module, {function: source})
    ties = next(c for c in report.exercise(module).checks if c.id.endswith("test_otsu_compares_exactly_on_ties"))
    assert ties.status == results.FAILED and ties.points == 0
    assert "exactly the same between-class variance" in ties.message and "floating point" in ties.message


def _details(check) -> str:
    """The message after the sentence that names a misconception (if the failure was diagnosed)."""
    return check.message.split("\n", 1)[1] if check.misconception else check.message
