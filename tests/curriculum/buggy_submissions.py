"""The project's buggy submissions, one table (issue 12): each is ``solutions/<exercise>.py``
with one function replaced by a wrong version, and says what grading it must show.

``tests/curriculum/test_buggy_submissions.py`` grades every entry and checks it: the broken
function loses points and no other function loses any; its failed checks say what
was called (or, for an off-limits call, that the oracle was called); the checks it
names fail; the grader names the expected misconception in that function's checks,
or names none at all. The entries of the exercises that need TensorFlow (networks,
training) are checked where it is installed (marked ``ml``).
``tests/curriculum/test_misconceptions.py`` checks that every misconception of the catalog
(``course/imagecourse/misconceptions.py``) is made by an entry here. ``benchmarks/grades.py``
records every entry's grade, check by check (the exercises without TensorFlow);
``tests/instructor/test_batch.py`` puts some of them in its batch, and
``tests/curriculum/test_determinism.py`` and ``test_data_exercises.py`` take one each.

To add one: an entry below, with its ``misconception`` if the grader should name
one (a bug the catalog does not know gets no sentence, and that is checked too; a
near miss of a catalogued mistake, which shares an output with it, gets none either).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Buggy:
    """A buggy submission and what its grade must show."""

    id: str  # also its test's id, and what benchmarks/grades.py matches recorded grades by (keep it when editing)
    exercise: str
    function: str  # the one function replaced; it must lose points, and it alone
    source: str  # the wrong version of ``function`` (dedented before use)
    # The catalog id named in its checks (a tuple: each named in some of them); None: no sentence in any check.
    misconception: str | tuple[str, ...] | None = None
    oracle: str | None = None  # an off-limits call it makes: every value check must say it was called
    fails: tuple[str, ...] = ()  # checks (by name, any parameters) that must fail outright, with no points
    breaks: str | None = None  # a check (by name) that must not pass: at least one of its runs is lost
    # Hypothesis examples per property check: what the table it came from graded it with,
    # so that no entry is checked on fewer examples than before the tables were merged.
    # (The TensorFlow exercises' entries have 30: the grader's default, what theirs used.)
    examples: int = 15

    @property
    def misconceptions(self) -> tuple[str, ...]:
        """The catalog ids its checks name, each in at least one of them."""
        if self.misconception is None:
            return ()
        return (self.misconception,) if isinstance(self.misconception, str) else tuple(self.misconception)


SUBMISSIONS = [
    # -- arrays
    Buggy("Fortran-order flatten", "arrays", "flatten", misconception="column-major-flatten", examples=30, source="""
        def flatten(images):
            images = np.asarray(images)
            return images.reshape(images.shape[0], -1, order="F").copy()
    """),
    Buggy("normalise returns float64", "arrays", "normalise", examples=30, source="""
        def normalise(images):
            return np.asarray(images) / 255
    """),
    Buggy("one_hot accepts bad labels", "arrays", "one_hot", examples=30, source="""
        def one_hot(labels, num_classes):
            labels = np.asarray(labels)
            return np.eye(num_classes, dtype=np.float32)[labels % num_classes]
    """),
    Buggy("grey_to_rgb makes four channels", "arrays", "grey_to_rgb", examples=30, source="""
        def grey_to_rgb(image):
            return np.repeat(np.asarray(image)[:, :, np.newaxis], 4, axis=2)
    """),
    Buggy("drop_alpha keeps the alpha channel", "arrays", "drop_alpha", examples=30, source="""
        def drop_alpha(image):
            return np.asarray(image).copy()
    """),
    # -- intensity
    Buggy("log_transform in uint8/float16", "intensity", "log_transform",
          misconception="narrow-dtype-arithmetic", source="""
        def log_transform(image):
            image = np.asarray(image)
            if image.size == 0 or image.max() == 0:
                return np.zeros(image.shape, dtype=np.uint8)
            c = 255 / np.log(1 + image.max())
            return _to_uint8(c * np.log(1 + image))
    """),
    Buggy("gamma_correction uses gamma, not 1 / gamma", "intensity", "gamma_correction",
          misconception="gamma-not-inverted", source="""
        def gamma_correction(image, gamma):
            if not gamma > 0:
                raise ValueError(f"gamma must be > 0, got {gamma!r}")
            return _to_uint8(255.0 * (np.asarray(image) / 255.0) ** gamma)
    """),
    Buggy("negative returns int64", "intensity", "negative", source="""
        def negative(image):
            return 255 - np.asarray(image).astype(np.int64)
    """),
    Buggy("log_transform truncates", "intensity", "log_transform",
          misconception="floor-not-rint", examples=30, source="""
        def log_transform(image):
            image = np.asarray(image).astype(np.float64)
            if image.size == 0 or image.max() == 0:
                return np.zeros(image.shape, dtype=np.uint8)
            return (255 / np.log1p(image.max()) * np.log1p(image)).astype(np.uint8)
    """),
    Buggy("gamma_correction truncates", "intensity", "gamma_correction",
          misconception="floor-not-rint", examples=30, source="""
        def gamma_correction(image, gamma):
            if not gamma > 0:
                raise ValueError(f"gamma must be > 0, got {gamma!r}")
            return (255.0 * (np.asarray(image) / 255.0) ** (1 / gamma)).astype(np.uint8)
    """),
    # -- histogram
    Buggy("histogram over 0..254", "histogram", "histogram", misconception="histogram-to-254", examples=30, source="""
        def histogram(image):
            image = _check_uint8(image)
            return np.bincount(image.ravel(), minlength=255)[:255].astype(np.int64)
    """),
    Buggy("cumulative histogram off by one", "histogram", "cumulative_histogram",
          misconception="exclusive-cumsum", examples=30, source="""
        def cumulative_histogram(image):
            counts = _counts(image)
            return np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    """),
    Buggy("histogram with 256 bins, the last never filled", "histogram", "histogram",
          misconception="histogram-to-254", examples=30, source="""
        def histogram(image):
            image = _check_uint8(image)
            counts = np.zeros(256, dtype=np.int64)
            for value in range(255):
                counts[value] = np.count_nonzero(image == value)
            return counts
    """),
    Buggy("normalised_cdf divides by 255, not by the pixel count", "histogram", "normalised_cdf",
          examples=30, source="""
        def normalised_cdf(image):
            image = _check_uint8(image)
            if image.size == 0:
                raise ValueError("image must not be empty")
            return np.cumsum(_counts(image)) / 255.0
    """),
    Buggy("normalised_cdf divides with //", "histogram", "normalised_cdf",
          misconception="integer-division-cdf", examples=30, source="""
        def normalised_cdf(image):
            image = _check_uint8(image)
            if image.size == 0:
                raise ValueError("image must not be empty")
            return np.cumsum(_counts(image)) // image.size
    """),
    # Values right, input sorted in place: a sorted input shows nothing, an unsorted one does.
    Buggy("cumulative_histogram sorts the pixels in place", "histogram", "cumulative_histogram",
          breaks="test_input_unchanged", examples=30, source="""
        def cumulative_histogram(image):
            image = _check_uint8(np.asarray(image))
            values = image.reshape(-1)  # a view of a contiguous image: sorting it sorts the image
            values.sort()
            return np.searchsorted(values, np.arange(256), side="right").astype(np.int64)
    """),
    Buggy("histogram counts in uint16", "histogram", "histogram", breaks="test_counts_past_a_narrow_counter",
          examples=30, source="""
        def histogram(image):
            image = _check_uint8(image)
            counts = np.zeros(256, dtype=np.uint16)
            np.add.at(counts, image.ravel(), 1)  # wraps round past 65,535
            return counts.astype(np.int64)
    """),
    # -- equalisation
    Buggy("float output from equalise", "equalisation", "equalise", examples=30, source="""
        def equalise(image):
            image = np.asarray(image)
            if image.dtype != np.uint8:
                raise TypeError(f"image must be uint8; got {image.dtype}")
            lookup = (255 * _cumulative_histogram(image)) // image.size
            return lookup[image].astype(np.float64)
    """),
    Buggy("equalise modifies its input in place", "equalisation", "equalise", examples=30, source="""
        def equalise(image):
            if image.dtype != np.uint8:
                raise TypeError(f"image must be uint8; got {image.dtype}")
            lookup = ((255 * _cumulative_histogram(image)) // image.size).astype(np.uint8)
            image[...] = lookup[image]
            return image.copy()
    """),
    Buggy("equalise computes 255 * cdf in int32", "equalisation", "equalise",
          breaks="test_equalise_a_large_image", examples=30, source="""
        def equalise(image):
            image = np.asarray(image)
            if image.dtype != np.uint8:
                raise TypeError(f"image must be uint8; got {image.dtype}")
            cdf = np.cumsum(np.bincount(image.ravel(), minlength=256)).astype(np.int32)
            return ((255 * cdf[image]) // image.size).astype(np.uint8)  # 255 * cdf wraps past 8.4 million pixels
    """),
    Buggy("equalise_colour equalises each channel", "equalisation", "equalise_colour",
          misconception="per-channel-equalise", examples=30, source="""
        def equalise_colour(image):
            rgb = np.asarray(image)[:, :, :3]
            return np.stack([equalise(rgb[:, :, c]) for c in range(3)], axis=2)
    """),
    Buggy("equalise rounds where the formula floors", "equalisation", "equalise",
          misconception="rint-not-floor", examples=30, source="""
        def equalise(image):
            image = np.asarray(image)
            if image.dtype != np.uint8:
                raise TypeError(f"image must be uint8; got {image.dtype}")
            if image.size == 0:
                return image.copy()
            return np.rint(255 * _cumulative_histogram(image)[image] / image.size).astype(np.uint8)
    """),
    Buggy("equalise_colour multiplies in uint8", "equalisation", "equalise_colour",
          misconception="narrow-dtype-product", examples=30, source="""
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
    Buggy("equalise_colour truncates", "equalisation", "equalise_colour",
          misconception="floor-not-rint-colour", examples=30, source="""
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
    # -- convolution
    Buggy("convolve2d correlates (kernel not flipped)", "convolution", "convolve2d",
          misconception="correlation-not-convolution", source="""
        def convolve2d(image, kernel, mode="same", boundary="fill", fill_value=0.0, stride=1):
            kernel = np.asarray(kernel)
            flipped = kernel[::-1, ::-1] if kernel.ndim == 2 else kernel
            return _convolve2d(image, flipped, mode, boundary, fill_value, stride)
    """),
    Buggy("convolve2d centres even kernels wrongly in 'same' mode", "convolution", "convolve2d", source="""
        def convolve2d(image, kernel, mode="same", boundary="fill", fill_value=0.0, stride=1):
            if mode != "same":
                return _convolve2d(image, kernel, mode, boundary, fill_value, stride)
            stride = _stride(stride)
            image, kernel = np.asarray(image), np.asarray(kernel)
            full = _convolve2d(image, kernel, "full", boundary, fill_value, 1)
            top, left = kernel.shape[0] // 2, kernel.shape[1] // 2  # should be (F - 1) // 2
            return full[top : top + image.shape[0], left : left + image.shape[1]][::stride, ::stride]
    """),
    Buggy("pad uses 'reflect' where 'symmetric' is due", "convolution", "pad",
          misconception="reflect-not-symmetric", source="""
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
    Buggy("pad swaps 'reflect' and 'symmetric'", "convolution", "pad",
          misconception=("reflect-not-symmetric", "symmetric-not-reflect"), source="""
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
            rule = {"reflect": "symmetric", "symmetric": "reflect"}.get(mode, mode)
            out = np.take(image, _source_index(height, rows, rows, rule), axis=0)
            return np.take(out, _source_index(breadth, cols, cols, rule), axis=1)
    """),
    Buggy("output_size forgets the + 1", "convolution", "output_size",
          misconception="output-size-no-plus-one", source="""
        def output_size(n, f, stride=1, padding=0):
            stride = _stride(stride)
            if f > n + 2 * padding:
                raise ValueError(f"f must be <= n + 2*padding, got {f}")
            return (n + 2 * padding - f) // stride
    """),
    Buggy("pad calls np.pad", "convolution", "pad", oracle="numpy.pad", source="""
        def pad(image, width, mode="constant", constant_value=0):
            image = np.asarray(image)
            rows, cols = _pad_widths(width)
            _one_of("mode", mode, _PAD_MODES)
            widths = ((rows, rows), (cols, cols)) + ((0, 0),) * (image.ndim - 2)
            if mode == "constant":
                return np.pad(image, widths, constant_values=_check_constant(constant_value, image.dtype))
            return np.pad(image, widths, mode=mode)
    """),
    Buggy("convolve2d calls scipy.signal.convolve2d", "convolution", "convolve2d",
          oracle="scipy.signal.convolve2d", source="""
        def convolve2d(image, kernel, mode="same", boundary="fill", fill_value=0.0, stride=1):
            from scipy import signal

            _convolve2d(image, kernel, mode, boundary, fill_value, stride)  # raises for bad arguments
            image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
            return signal.convolve2d(image, kernel, mode, boundary, fillvalue=fill_value)[::stride, ::stride]
    """),
    Buggy("convolve2d pads 'symm' with np.pad's reflect", "convolution", "convolve2d",
          misconception="reflect-not-symmetric", examples=30, source="""
        def convolve2d(image, kernel, mode="same", boundary="fill", fill_value=0.0, stride=1):
            if boundary != "symm" or mode != "same":
                return _convolve2d(image, kernel, mode, boundary, fill_value, stride)
            image, kernel = np.asarray(image).astype(float), np.asarray(kernel).astype(float)
            kh, kw = kernel.shape
            padded = np.pad(image, ((kh - 1, kh - 1), (kw - 1, kw - 1)), mode="reflect")
            out = _convolve2d(padded, kernel, "same", "fill", 0.0, 1)
            return out[kh - 1 : kh - 1 + image.shape[0], kw - 1 : kw - 1 + image.shape[1]][::stride, ::stride]
    """),
    Buggy("convolve_channels correlates", "convolution", "convolve_channels",
          misconception="correlation-not-convolution", examples=30, source="""
        def convolve_channels(image, kernel, **options):
            image = np.asarray(image)
            if image.ndim != 3:
                raise ValueError(f"image must be (H, W, C), got shape {image.shape}")
            flipped = np.asarray(kernel)[::-1, ::-1]
            return np.stack([_convolve2d(image[..., c], flipped, **options) for c in range(image.shape[2])], axis=2)
    """),
    # -- filters
    Buggy("median_filter pads with zeros", "filters", "median_filter", misconception="zero-border-median", source="""
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
    Buggy("gaussian_kernel not normalised", "filters", "gaussian_kernel",
          misconception="unnormalised-gaussian", source="""
        def gaussian_kernel(n, sigma):
            n = _positive_int("n", n, odd=True)
            if not sigma > 0:
                raise ValueError(f"sigma must be > 0, got {sigma!r}")
            x = np.arange(n) - (n - 1) / 2
            return np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2.0 * float(sigma) ** 2))
    """),
    Buggy("blur truncates instead of rounding", "filters", "blur", misconception="floor-not-rint-blur", source="""
        def blur(image, kernel):
            image, kernel = np.asarray(image), np.asarray(kernel)
            out = _convolve_same_symm(image.astype(np.float64), kernel.astype(np.float64))
            return np.clip(out, 0, 255).astype(np.uint8)
    """),
    Buggy("median_filter calls scipy.ndimage.median_filter", "filters", "median_filter",
          oracle="scipy.ndimage.median_filter", source="""
        def median_filter(image, size):
            import scipy.ndimage

            size = _positive_int("size", size, odd=True)
            return scipy.ndimage.median_filter(np.asarray(image), size=size, mode="reflect")
    """),
    Buggy("blur correlates", "filters", "blur",
          misconception="correlation-not-convolution-blur", examples=30, source="""
        def blur(image, kernel):
            image, kernel = np.asarray(image), np.asarray(kernel)[::-1, ::-1]
            out = _convolve_same_symm(image.astype(np.float64), kernel.astype(np.float64))
            return np.clip(np.rint(out), 0, 255).astype(np.uint8)
    """),
    Buggy("median_filter mirrors with 'reflect'", "filters", "median_filter",
          misconception="reflect-not-symmetric-blur", examples=30, source="""
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
    # -- sobel
    Buggy("sobel_gradients convolves (flipped kernel)", "sobel", "sobel_gradients",
          misconception="convolution-not-correlation", source="""
        def sobel_gradients(image):
            image = np.asarray(image)
            if image.ndim != 2:
                raise ValueError(f"image must be 2-D (H, W), got shape {image.shape}")
            gx, gy = _gradients(image.astype(np.float64))
            return -gx, -gy
    """),
    Buggy("sobel_magnitude is |gx| + |gy|", "sobel", "sobel_magnitude", misconception="l1-magnitude", source="""
        def sobel_magnitude(image):
            gx, gy = _gradients(np.asarray(image).astype(np.float64))
            return np.abs(gx) + np.abs(gy)
    """),
    Buggy("edges uses >=", "sobel", "edges", misconception="greater-or-equal", source="""
        def edges(image, threshold):
            return _magnitude(np.asarray(image).astype(np.float64)) >= threshold
    """),
    Buggy("sobel_gradients mirrors with 'reflect'", "sobel", "sobel_gradients",
          misconception="reflect-not-symmetric-sobel", examples=30, source="""
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
    # -- thresholding
    Buggy("Otsu with class 0 = image < t", "thresholding", "otsu_threshold",
          misconception="otsu-class-0-below-t", source="""
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
    # The textbook Otsu in floating point: right away from ties, wrong on exact ones, which the
    # ties check says in so many words.
    Buggy("Otsu in floating point (a loop over t)", "thresholding", "otsu_threshold",
          misconception="otsu-float-tie", fails=("test_otsu_compares_exactly_on_ties",), source="""
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
    Buggy("Otsu in floating point (cumulative sums)", "thresholding", "otsu_threshold",
          misconception="otsu-float-tie", fails=("test_otsu_compares_exactly_on_ties",), source="""
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
    Buggy("threshold uses >=", "thresholding", "threshold", misconception="greater-or-equal-threshold", source="""
        def threshold(image, t):
            return np.asarray(image) >= t
    """),
    Buggy("otsu_mask_rgb takes the union", "thresholding", "otsu_mask_rgb", misconception="otsu-union", source="""
        def otsu_mask_rgb(image):
            image = np.asarray(image)
            mask = np.zeros(image.shape[:2], dtype=bool)
            for c in range(3):
                mask |= image[..., c] > _otsu(image[..., c])
            return mask
    """),
    # Near misses of catalogued mistakes (issue 22): each shares an output with one of them, and gets no sentence.
    Buggy("otsu_mask_rgb shares the red channel's threshold", "thresholding", "otsu_mask_rgb", source="""
        def otsu_mask_rgb(image):
            image = np.asarray(image)
            t = _otsu(image[..., 0])
            return (image[..., 0] > t) & (image[..., 1] > t) & (image[..., 2] > t)
    """),
    Buggy("Otsu that never tries t = 0", "thresholding", "otsu_threshold", breaks="test_otsu_can_be_zero", source="""
        def otsu_threshold(image):
            image = np.asarray(image)
            _check_uint8(image)
            counts = np.bincount(image.ravel(), minlength=256)
            if np.count_nonzero(counts) == 1:
                return int(np.flatnonzero(counts)[0])
            levels = np.arange(256)
            n, total = int(counts.sum()), int((counts * levels).sum())
            best, best_t = None, 0
            for t in range(1, 256):  # t = 0 forgotten
                c0, s0 = int(counts[: t + 1].sum()), int((counts[: t + 1] * levels[: t + 1]).sum())
                if 0 < c0 < n:
                    num, den = (n * s0 - c0 * total) ** 2, c0 * (n - c0)
                    if best is None or num * best[1] > best[0] * den:
                        best, best_t = (num, den), t
            return best_t
    """),
    Buggy("otsu_threshold sums levels in int32", "thresholding", "otsu_threshold",
          breaks="test_otsu_a_large_image", source="""
        def otsu_threshold(image):
            image = np.asarray(image)
            _check_uint8(image)
            counts = np.bincount(image.ravel(), minlength=256)
            if np.count_nonzero(counts) == 1:
                return int(np.flatnonzero(counts)[0])
            c0 = np.cumsum(counts, dtype=np.int32).astype(object)
            s0 = np.cumsum(counts * np.arange(256), dtype=np.int32).astype(object)  # wraps past 2**31
            n, total = int(c0[-1]), int(s0[-1])
            num, den = (n * s0 - c0 * total) ** 2, c0 * (n - c0)
            candidates = np.flatnonzero(den != 0)
            best = candidates[0]
            for t in candidates[1:]:
                if num[t] * den[best] > num[best] * den[t]:
                    best = t
            return int(best)
    """),
    Buggy("otsu_threshold calls skimage.filters.threshold_otsu", "thresholding", "otsu_threshold",
          oracle="skimage.filters.threshold_otsu", source="""
        def otsu_threshold(image):
            from skimage.filters import threshold_otsu

            image = np.asarray(image)
            _check_uint8(image)
            return int(threshold_otsu(image))
    """),
    # -- kmeans
    Buggy("kmeans stops after one round", "kmeans", "kmeans", misconception="kmeans-one-round", examples=30, source="""
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
    Buggy("assign breaks ties towards the highest index", "kmeans", "assign",
          misconception="assign-ties-highest", breaks="test_assign_nearest_with_lowest_index", source="""
        def assign(points, centers):
            points = _as_points(points)
            centers = _as_centers(centers, points.shape[1])
            distances = _squared_distances(points, centers)
            return (len(centers) - 1 - np.argmin(distances[:, ::-1], axis=1)).astype(np.int64)
    """),
    Buggy("update sets an empty cluster to zero", "kmeans", "update",
          misconception="empty-cluster-zero", breaks="test_update_empty_cluster_keeps_center", source="""
        def update(points, labels, centers):
            points = _as_points(points)
            centers = _as_centers(centers, points.shape[1])
            labels = np.asarray(labels).astype(np.int64)
            k = len(centers)
            counts = np.bincount(labels, minlength=k)
            sums = np.stack([np.bincount(labels, weights=points[:, j], minlength=k)
                             for j in range(points.shape[1])], axis=1)
            return sums / np.maximum(counts, 1)[:, None]
    """),
    Buggy("kmeans returns the labels from before the last update", "kmeans", "kmeans",
          misconception="kmeans-stale-labels", breaks="test_kmeans_labels_belong_to_final_centers", source="""
        def kmeans(points, k, *, init=None, max_iter=100, seed=0):
            points = _as_points(points)
            n = len(points)
            if not 1 <= k <= n:
                raise ValueError(f"k must satisfy 1 <= k <= n = {n}, got k={k}")
            if init is None:
                centers = points[np.random.default_rng(seed).choice(n, k, replace=False)]
            else:
                centers = np.array(init, dtype=np.float64)
            labels = None
            for _ in range(max_iter):
                new = _assign(points, centers)
                if labels is not None and np.array_equal(new, labels):
                    break
                labels = new
                centers = _update(points, labels, centers)
            return centers, labels
    """),
    Buggy("quantise_colours truncates the centers", "kmeans", "quantise_colours",
          misconception="floor-not-rint-quantise", breaks="test_quantise_real_images", source="""
        def quantise_colours(image, k, *, seed=0):
            image = np.asarray(image)
            if image.ndim != 3 or image.shape[2] not in (3, 4):
                raise ValueError(f"image must be (H, W, 3), got shape {image.shape}")
            pixels = image[..., :3].reshape(-1, 3).astype(np.float64)
            n = len(pixels)
            if not 1 <= k <= n:
                raise ValueError(f"k must satisfy 1 <= k <= H*W = {n}, got k={k}")
            start = pixels[np.random.default_rng(seed).choice(n, k, replace=False)]
            centers, labels = _lloyd(pixels, start, 100)
            return centers.astype(np.uint8)[labels].reshape(image.shape[:2] + (3,))
    """),
    # -- polygons
    Buggy("ray casting with <= in the crossing test", "polygons", "point_in_polygon",
          breaks="test_point_matches_matplotlib", source="""
        def point_in_polygon(point, polygon):
            x, y = np.asarray(point, dtype=np.float64)
            x1, y1, x2, y2 = _edges(_as_polygon(polygon))
            straddles = ((y1 <= y) & (y <= y2)) | ((y2 <= y) & (y <= y1))
            with np.errstate(divide="ignore", invalid="ignore"):
                x_cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            return bool(np.count_nonzero(straddles & (x < x_cross)) % 2)
    """),
    Buggy("points_in_polygon forgets the closing edge", "polygons", "points_in_polygon",
          breaks="test_points_match_matplotlib", source="""
        def points_in_polygon(points, polygon):
            points = np.asarray(points, dtype=np.float64)
            polygon = _as_polygon(polygon)
            x1, y1, x2, y2 = polygon[:-1, 0], polygon[:-1, 1], polygon[1:, 0], polygon[1:, 1]
            return _crossings_odd(points[:, 0, None], points[:, 1, None], x1, y1, x2, y2)
    """),
    Buggy("polygon_inside swaps inner and outer", "polygons", "polygon_inside",
          misconception="polygon-inside-swapped", breaks="test_polygon_inside_nested_and_apart", source="""
        def polygon_inside(inner, outer):
            inner, outer = _as_polygon(inner), _as_polygon(outer)
            return bool(_crossings_odd(outer[0, 0], outer[0, 1], *_edges(inner)))
    """),
    Buggy("polygon_inside tests the mean of inner's vertices", "polygons", "polygon_inside",
          breaks="test_polygon_inside_looks_at_the_first_vertex", source="""
        def polygon_inside(inner, outer):
            inner, outer = _as_polygon(inner), _as_polygon(outer)
            x, y = inner.mean(axis=0)
            return bool(_crossings_odd(x, y, *_edges(outer)))
    """),
    Buggy("group_holes counts every deeper polygon as a hole", "polygons", "group_holes",
          misconception="holes-at-every-depth", breaks="test_group_holes_real_contours", source="""
        def group_holes(polygons):
            polygons = [_as_polygon(p) for p in polygons]
            n = len(polygons)
            if n == 0:
                return {}
            firsts = np.array([p[0] for p in polygons])
            inside = np.empty((n, n), dtype=bool)
            for j, outer in enumerate(polygons):
                inside[:, j] = _points_inside(firsts, outer)
            np.fill_diagonal(inside, False)
            depth = inside.sum(axis=1)
            return {int(i): [int(h) for h in np.flatnonzero(inside[:, i])] for i in np.flatnonzero(depth % 2 == 0)}
    """),
    # -- exploration
    Buggy("class_counts has no range check", "exploration", "class_counts",
          breaks="test_counts_reject_bad_labels", source="""
        def class_counts(labels, num_classes=10):
            return np.bincount(np.asarray(labels).astype(np.int64), minlength=num_classes).astype(np.int64)
    """),
    Buggy("class_means divides by the total count", "exploration", "class_means",
          misconception="mean-over-all-images", breaks="test_means_of_the_digits", source="""
        def class_means(images, labels, num_classes=10):
            images = np.asarray(images)
            labels = _check_labels(labels, num_classes)
            means = np.zeros((num_classes,) + images.shape[1:])
            for c in range(num_classes):
                means[c] = images[labels == c].astype(np.float64).sum(axis=0) / len(images)
            return means
    """),
    Buggy("class_means sums in int32", "exploration", "class_means", breaks="test_means_of_many_images",
          source="""
        def class_means(images, labels, num_classes=10):
            images = np.asarray(images)
            labels = _check_labels(labels, num_classes)
            means = np.zeros((num_classes,) + images.shape[1:])
            for c in range(num_classes):
                members = images[labels == c]
                if len(members):
                    means[c] = members.sum(axis=0, dtype=np.int32) / len(members)  # wraps past 2**31
            return means
    """),
    Buggy("mean_difference without the absolute value", "exploration", "mean_difference",
          misconception="signed-difference", breaks="test_difference_of_the_digits", source="""
        def mean_difference(images, labels, a, b):
            images, labels = np.asarray(images), np.asarray(labels)
            return _class_mean(images, labels, a) - _class_mean(images, labels, b)
    """),
    Buggy("montage with a fresh rng for every class", "exploration", "montage",
          misconception="montage-fresh-rng", breaks="test_montage_of_the_digits", source="""
        def montage(images, labels, per_class=10, *, seed=0, num_classes=10):
            images = np.asarray(images)
            labels = _check_labels(labels, num_classes)
            rows = []
            for d in range(num_classes):
                rng = np.random.default_rng(seed)
                chosen = images[rng.choice(np.flatnonzero(labels == d), per_class, replace=False)]
                rows.append(np.hstack(list(chosen)))
            return np.vstack(rows).astype(np.uint8)
    """),
    # -- baseline
    Buggy("a classifier that predicts the majority class", "baseline", "fit_logistic",
          breaks="test_held_out_accuracy", source="""
        def fit_logistic(X, y):
            from sklearn.dummy import DummyClassifier

            return DummyClassifier(strategy="most_frequent").fit(X, y)
    """),
    Buggy("fit_logistic returns an unfitted classifier", "baseline", "fit_logistic",
          breaks="test_held_out_accuracy", source="""
        def fit_logistic(X, y):
            return LogisticRegression()
    """),
    # -- networks
    Buggy("valid padding in the CNN", "networks", "build_cnn", breaks="test_cnn_layers", examples=30, source="""
        def build_cnn(input_shape=(28, 28, 1), num_classes=10):
            import keras

            model = keras.Sequential([
                keras.Input(shape=tuple(input_shape)),
                keras.layers.Conv2D(32, 5, padding="valid", activation="relu"),
                keras.layers.MaxPooling2D(2),
                keras.layers.Dropout(0.2),
                keras.layers.Flatten(),
                keras.layers.Dense(128, activation="relu"),
                keras.layers.Dense(num_classes, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            return model
    """),
    # Pooling with padding="same" differs from MaxPooling2D(2) on odd sides only (7 x 9 -> 4 x 5, not 3 x 4).
    Buggy("same padding in the CNN's pooling", "networks", "build_cnn", breaks="test_cnn_follows_its_arguments",
          examples=30, source="""
        def build_cnn(input_shape=(28, 28, 1), num_classes=10):
            import keras

            model = keras.Sequential([
                keras.Input(shape=tuple(input_shape)),
                keras.layers.Conv2D(32, 5, padding="same", activation="relu"),
                keras.layers.MaxPooling2D(2, padding="same"),
                keras.layers.Dropout(0.2),
                keras.layers.Flatten(),
                keras.layers.Dense(128, activation="relu"),
                keras.layers.Dense(num_classes, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            return model
    """),
    Buggy("no softmax on the MLP's last layer", "networks", "build_mlp",
          breaks="test_mlp_gives_probabilities", examples=30, source="""
        def build_mlp(num_pixels=784, num_classes=10):
            import keras

            model = keras.Sequential([
                keras.Input(shape=(num_pixels,)),
                keras.layers.Dense(num_pixels, activation="relu"),
                keras.layers.Dense(num_classes),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            return model
    """),
    Buggy("the CNN compiled with the wrong loss", "networks", "build_cnn",
          breaks="test_cnn_compiled", examples=30, source="""
        def build_cnn(input_shape=(28, 28, 1), num_classes=10):
            import keras

            model = keras.Sequential([
                keras.Input(shape=tuple(input_shape)),
                keras.layers.Conv2D(32, 5, padding="same", activation="relu"),
                keras.layers.MaxPooling2D(2),
                keras.layers.Dropout(0.2),
                keras.layers.Flatten(),
                keras.layers.Dense(128, activation="relu"),
                keras.layers.Dense(num_classes, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="mean_squared_error", metrics=["accuracy"])
            return model
    """),
    # -- training
    Buggy("train_cnn returns an untrained model", "training", "train_cnn",
          breaks="test_held_out_accuracy", examples=30, source="""
        def train_cnn(x_train, y_train, *, seed=0):
            import keras

            keras.utils.set_random_seed(seed)
            model = keras.Sequential([
                keras.Input(shape=x_train.shape[1:3] + (1,)),
                keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
                keras.layers.Flatten(),
                keras.layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            return model
    """),
    Buggy("train_cnn returns the training history", "training", "train_cnn",
          breaks="test_held_out_accuracy", examples=30, source="""
        def train_cnn(x_train, y_train, *, seed=0):
            import keras

            model = keras.Sequential([
                keras.Input(shape=x_train.shape[1:3] + (1,)),
                keras.layers.Flatten(),
                keras.layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            return model.fit(_as_images(x_train[:64]), np.asarray(y_train[:64]), epochs=1, verbose=0)
    """),
]


def by_id(name: str) -> Buggy:
    """The entry ``name``, for the tests that grade one of them their own way."""
    found = [entry for entry in SUBMISSIONS if entry.id == name]
    if len(found) != 1:
        raise KeyError(f"{len(found)} entries have the id {name!r}")
    return found[0]
