"""The course's common mistakes, recognised and named by the grader (its ``misconceptions`` hook).

Each entry is a function that computes what a learner's function written with
that mistake returns for the same arguments: one or more outputs, since a
mistake can be written in more than one way (its variants, always listed in the
same order, so that the n-th output is the same way of writing it on every
input). It runs in the grader, on the arguments of the calls the checks made,
with ``ref`` the reference module (trusted, in-process). Where an input cannot
tell the mistake from another one, the entry returns no output (``[]``). A
function's failed checks start with the entry's sentence only when the learner's
results equal one variant's outputs on every call the checks made where the entry
has an output, and that output is wrong on at least two different inputs of
failed checks (grader.core.diagnosis says why). Write the sentence for the
learner: what the mistake is and what the contract asks instead, without handing
over the code, and claim only what is true of every input it can appear on.

To add one: a function below decorated with ``@mistake(...)``; a buggy
submission that makes it in ``tests/curriculum/buggy_submissions.py`` (the one
table), and a near miss (another bug that shares an output with it, and gets no
sentence) in ``tests/curriculum/test_misconceptions.py``.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from grader.core.diagnosis import Misconception, Rounded, same

MISCONCEPTIONS: list[Misconception] = []


def mistake(identifier: str, module: str, functions, name: str, explanation: str):
    """Register the decorated ``outputs(ref, function, *args, **kwargs) -> list`` in the catalog."""
    functions = (functions,) if isinstance(functions, str) else tuple(functions)

    def register(outputs):
        MISCONCEPTIONS.append(Misconception(identifier, module, functions, name, explanation, outputs))
        return outputs

    return register


def _floor_uint8(values) -> Rounded:
    """Floored and clipped to uint8; where a value lies within a hair of an integer, either side (see Rounded)."""
    return Rounded.floor(values)


def _rint_uint8(values) -> Rounded:
    """Rounded with rint and clipped to uint8; within a hair of a half-integer, either side (see Rounded)."""
    return Rounded.rint(values)


def _stack(planes, axis):
    """``np.stack`` of arrays, or of Rounded arrays (keeping where each may be 1 off)."""
    if isinstance(planes[0], Rounded):
        return Rounded(np.stack([p.values for p in planes], axis=axis), np.stack([p.either_way for p in planes], axis))
    return np.stack(planes, axis=axis)


def _where_dark(value, scaled: Rounded, dark) -> Rounded:
    """``scaled`` where the brightness ``value`` > 0, else ``dark`` (exact): the V == 0 rule of equalise_colour."""
    bright = value[..., None] > 0
    return Rounded(np.where(bright, scaled.values, dark[..., None]).astype(np.uint8), bright & scaled.either_way)


def _reflect_where_symmetric(image, rows, cols):
    """``image`` padded on its first two axes with np.pad's "reflect" (the edge pixel not repeated)."""
    widths = ((rows, rows), (cols, cols)) + ((0, 0),) * (image.ndim - 2)
    return np.pad(image, widths, mode="reflect")


def _same_mode(image, kernel, pad_image):
    """scipy's "same" convolution of ``image`` with the border made by ``pad_image``."""
    from scipy.signal import convolve2d

    kh, kw = kernel.shape
    padded = pad_image(image.astype(np.float64), kh - 1, kw - 1)
    out = convolve2d(padded, kernel.astype(np.float64), mode="same")
    return out[kh - 1 : kh - 1 + image.shape[0], kw - 1 : kw - 1 + image.shape[1]]


# -- arrays ---------------------------------------------------------------------------------------

@mistake("column-major-flatten", "arrays", "flatten", "column-major order",
         "each image was read column by column (Fortran order); the contract flattens row by row (C order), "
         "the order NumPy uses by default.")
def _(ref, function, images):
    images = np.asarray(images)
    return [images.reshape(images.shape[0], -1, order="F")]


# -- intensity -----------------------------------------------------------------------------------

@mistake("narrow-dtype-arithmetic", "intensity", "log_transform", "arithmetic in uint8",
         "the image was used in its own dtype: in uint8, `1 + 255` wraps round to 0, and `np.log` of a uint8 "
         "array gives float16, so values come out wrong. Convert to float64 before any arithmetic.")
def _(ref, function, image):
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.size == 0 or image.max() == 0:
        return []
    wrapped = 255 / np.log(1 + image.max()) * np.log(1 + image)  # 1 + image stays uint8 and wraps
    float16 = 255 / np.log1p(float(image.max())) * np.log1p(image)  # np.log1p of uint8 is float16
    return [_rint_uint8(wrapped), _rint_uint8(float16)]


@mistake("floor-not-rint", "intensity", ("log_transform", "gamma_correction"), "truncating instead of rounding",
         "the float results were cut down to whole numbers (`astype(np.uint8)` or `np.floor`), so 254.9 became "
         "254; the contract rounds with `np.rint` first, then clips to 0..255.")
def _(ref, function, image, *args):
    image = np.asarray(image).astype(np.float64)
    if function == "gamma_correction":
        (gamma,) = args
        return [_floor_uint8(255 * (image / 255) ** (1 / gamma))]
    if image.size == 0 or image.max() == 0:
        return []
    return [_floor_uint8(255 / np.log1p(image.max()) * np.log1p(image))]


@mistake("gamma-not-inverted", "intensity", "gamma_correction", "the exponent `gamma` instead of `1 / gamma`",
         "the image was raised to the power `gamma`; the contract raises it to `1 / gamma`, so that gamma > 1 "
         "brightens.")
def _(ref, function, image, gamma):
    return [_rint_uint8(255 * (np.asarray(image).astype(np.float64) / 255) ** gamma)]


# -- histogram ------------------------------------------------------------------------------------

def _counts_to_254(image):
    return np.bincount(np.asarray(image).ravel(), minlength=256)[:255].astype(np.int64)


@mistake("histogram-to-254", "histogram", ("histogram", "cumulative_histogram", "normalised_cdf"),
         "a histogram over 0..254",
         "the count of the value 255 is missing: `range(255)` (or a length of 255) stops at 254. uint8 values "
         "run from 0 to 255, so there are 256 bins.")
def _(ref, function, image):
    image = np.asarray(image)
    counts = _counts_to_254(image)
    with_zero = np.append(counts, 0)  # 256 bins, the last one never filled
    if function == "histogram":
        return [counts, with_zero]
    totals = [np.cumsum(counts), np.cumsum(with_zero)]
    if function == "cumulative_histogram":
        return totals
    return [total / image.size for total in totals] if image.size else []


@mistake("exclusive-cumsum", "histogram", ("cumulative_histogram", "normalised_cdf"),
         "a running total that starts late",
         "each entry counts the values below it but not the value itself; entry `v` must count every pixel "
         "`<= v`, so the last entry is the number of pixels.")
def _(ref, function, image):
    image = np.asarray(image)
    counts = np.bincount(image.ravel(), minlength=256).astype(np.int64)
    total = np.concatenate([[0], np.cumsum(counts)[:-1]])
    if function == "cumulative_histogram":
        return [total]
    return [total / image.size] if image.size else []


@mistake("integer-division-cdf", "histogram", "normalised_cdf", "integer division",
         "`//` divides whole numbers and drops the fraction, so every fraction of the pixels below 1 became 0; "
         "the normalised CDF divides with `/`, in floating point.")
def _(ref, function, image):
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.size == 0:
        return []
    return [np.cumsum(np.bincount(image.ravel(), minlength=256)) // image.size]


# -- equalisation ---------------------------------------------------------------------------------

def _cdf(image):
    return np.cumsum(np.bincount(np.asarray(image).ravel(), minlength=256)).astype(np.int64)


@mistake("rint-not-floor", "equalisation", "equalise", "rounding where the formula floors",
         "the values were rounded to the nearest whole number; the contract's formula floors "
         "(`(255 * cdf[image]) // image.size`, integer division), which keeps the result exact.")
def _(ref, function, image):
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.size == 0:
        return []
    return [_rint_uint8(255 * _cdf(image)[image] / image.size)]


def _brightness(ref, image):
    """The RGB channels, their brightness V and the contract's V2 = equalise(V) (the reference's)."""
    rgb = np.asarray(image)[..., :3]
    value = rgb.max(axis=2)
    return rgb, value, ref.equalise(value)


@mistake("narrow-dtype-product", "equalisation", "equalise_colour", "arithmetic in uint8",
         "`channel * V2` was computed in uint8, where products above 255 wrap round; the contract computes "
         "`(channel * V2) / V` in float64.")
def _(ref, function, image):
    rgb, value, new_value = _brightness(ref, image)
    if rgb.dtype != np.uint8 or rgb.size == 0:
        return []
    outputs = []
    for product in (rgb * new_value[..., None],):  # uint8 * uint8 stays uint8: it wraps
        with np.errstate(divide="ignore", invalid="ignore"):
            scaled = _rint_uint8(product.astype(np.float64) / value[..., None])
        outputs.append(_where_dark(value, scaled, new_value))
    return outputs


@mistake("floor-not-rint-colour", "equalisation", "equalise_colour", "truncating instead of rounding",
         "`(channel * V2) / V` was cut down to a whole number (`astype(np.uint8)` or `np.floor`); the contract "
         "rounds it with `np.rint`.")
def _(ref, function, image):
    rgb, value, new_value = _brightness(ref, image)
    if rgb.size == 0:
        return []
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = _floor_uint8(rgb.astype(np.float64) * new_value[..., None] / value[..., None])
    return [_where_dark(value, scaled, new_value)]


@mistake("per-channel-equalise", "equalisation", "equalise_colour", "equalising each channel on its own",
         "R, G and B were equalised separately, which shifts the hues; the contract equalises the brightness "
         "`V = max(R, G, B)` and scales the three channels together by `V2 / V`.")
def _(ref, function, image):
    rgb = np.asarray(image)[..., :3]
    return [np.stack([ref.equalise(rgb[..., c]) for c in range(3)], axis=2)]


# -- convolution ----------------------------------------------------------------------------------

@mistake("correlation-not-convolution", "convolution", ("convolve2d", "convolve_channels"),
         "correlation instead of convolution",
         "the kernel was slid over the image as it is; convolution flips it in both directions first "
         "(a symmetric kernel hides the difference, an asymmetric one shows it).")
def _(ref, function, image, kernel, *args, **kwargs):
    names = ("mode", "boundary", "fill_value", "stride")
    options = {"mode": "same", "boundary": "fill", "fill_value": 0.0, "stride": 1} | dict(zip(names, args)) | kwargs
    flipped = np.asarray(kernel)[::-1, ::-1]
    correlated = getattr(ref, function)(image, flipped, *args, **kwargs)
    if options["mode"] == "same":
        planes = [image] if function == "convolve2d" else [np.asarray(image)[..., c] for c in range(np.shape(image)[2])]
        shifted = [_off_centre(plane, kernel, options) for plane in planes]
        for offset in range(len(shifted[0])):
            output = shifted[0][offset] if function == "convolve2d" else _stack([s[offset] for s in shifted], axis=2)
            if same(correlated, output):
                return []
    return [correlated]


def _off_centre(image, kernel, options, rounding=None) -> list:
    """The "same" convolution with its window moved by one row and/or column: a centring mistake's outputs.

    On some inputs (a one-tap kernel, a tiny image) correlating gives what such a
    mistake gives; the output cannot tell the two apart, and no diagnosis is better
    than a wrong one. "full" and "valid" place no centre: nothing to confuse there.
    """
    from scipy.signal import convolve2d

    image, kernel = np.asarray(image).astype(np.float64), np.asarray(kernel).astype(np.float64)
    full = convolve2d(image, kernel, "full", options["boundary"], fillvalue=options["fill_value"])
    (height, width), (kh, kw) = image.shape, kernel.shape
    outputs = []
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            top, left = (kh - 1) // 2 + dy, (kw - 1) // 2 + dx
            if (dy, dx) == (0, 0) or top < 0 or left < 0 or top + height > full.shape[0] \
                    or left + width > full.shape[1]:
                continue
            window = full[top : top + height, left : left + width][:: options["stride"], :: options["stride"]]
            outputs.append(rounding(window) if rounding else window)
    return outputs


@mistake("reflect-not-symmetric", "convolution", ("pad", "convolve2d"), '"reflect" where "symmetric" is due',
         'the border was mirrored without repeating the edge pixel (np.pad\'s "reflect"); "symmetric" (and '
         'SciPy\'s boundary "symm") repeats it: [1, 2, 3] extends to 2, 1 | 1, 2, 3 | 3, 2.')
def _(ref, function, image, *args, **kwargs):
    image = np.asarray(image)
    if function == "pad":
        names = ("width", "mode", "constant_value")
        options = dict(zip(names, args)) | kwargs
        if options.get("mode") != "symmetric":
            return []
        width = options["width"]
        rows, cols = (width, width) if np.ndim(width) == 0 else width
        return [_reflect_where_symmetric(image, int(rows), int(cols))]
    names = ("kernel", "mode", "boundary", "fill_value", "stride")
    options = {"mode": "same", "boundary": "fill", "stride": 1} | dict(zip(names, args)) | kwargs
    if options["boundary"] != "symm" or options["mode"] != "same" or image.ndim != 2:
        return []
    kernel = np.asarray(options["kernel"])
    stride = options["stride"]
    return [_same_mode(image, kernel, _reflect_where_symmetric)[::stride, ::stride]]


@mistake("symmetric-not-reflect", "convolution", "pad", '"symmetric" where "reflect" is due',
         'the border was mirrored repeating the edge pixel (np.pad\'s "symmetric"); "reflect" mirrors about the '
         'edge pixel without repeating it: [1, 2, 3] extends to 3, 2 | 1, 2, 3 | 2, 1.')
def _(ref, function, image, *args, **kwargs):
    options = dict(zip(("width", "mode", "constant_value"), args)) | kwargs
    if options.get("mode") != "reflect":
        return []
    width = options["width"]
    rows, cols = (width, width) if np.ndim(width) == 0 else width
    image = np.asarray(image)
    widths = ((int(rows), int(rows)), (int(cols), int(cols))) + ((0, 0),) * (image.ndim - 2)
    return [np.pad(image, widths, mode="symmetric")]


@mistake("output-size-no-plus-one", "convolution", "output_size", "one position short",
         "the count leaves out the first position of the window: `n + 2*padding - f` is how far the window "
         "can move, and the positions are that many strides plus the one it starts at.")
def _(ref, function, n, f, stride=1, padding=0):
    return [(n + 2 * padding - f) // stride]


# -- filters --------------------------------------------------------------------------------------

def _blur(image, kernel, pad_image, rounding):
    image, kernel = np.asarray(image), np.asarray(kernel)
    channels = [image] if image.ndim == 2 else [image[..., c] for c in range(image.shape[2])]
    planes = [rounding(_same_mode(channel, kernel, pad_image)) for channel in channels]
    return planes[0] if image.ndim == 2 else _stack(planes, axis=2)


def _symmetric(image, rows, cols):
    widths = ((rows, rows), (cols, cols)) + ((0, 0),) * (image.ndim - 2)
    return np.pad(image, widths, mode="symmetric")


@mistake("floor-not-rint-blur", "filters", "blur", "truncating instead of rounding",
         "the blurred values were cut down to whole numbers (`astype(np.uint8)` or `np.floor`); the contract "
         "rounds them with `np.rint`, then clips to 0..255.")
def _(ref, function, image, kernel):
    return [_blur(image, kernel, _symmetric, _floor_uint8)]


@mistake("reflect-not-symmetric-blur", "filters", ("blur", "median_filter"), '"reflect" where "symmetric" is due',
         'the border was mirrored without repeating the edge pixel (np.pad\'s "reflect"); the contract extends '
         'it symmetrically, repeating it: [1, 2, 3] extends to 2, 1 | 1, 2, 3 | 3, 2.')
def _(ref, function, image, *args):
    if function == "blur":
        return [_blur(image, args[0], _reflect_where_symmetric, _rint_uint8)]
    from scipy import ndimage

    return [ndimage.median_filter(np.asarray(image), size=args[0], mode="mirror")]


@mistake("correlation-not-convolution-blur", "filters", "blur", "correlation instead of convolution",
         "the kernel was slid over the image as it is; the contract's blur is a convolution, which flips the "
         "kernel first (only an asymmetric kernel shows the difference).")
def _(ref, function, image, kernel):
    correlated = ref.blur(image, np.asarray(kernel)[::-1, ::-1])
    image = np.asarray(image)
    planes = [image] if image.ndim == 2 else [image[..., c] for c in range(image.shape[2])]
    options = {"boundary": "symm", "fill_value": 0.0, "stride": 1}
    shifted = [_off_centre(plane, kernel, options, _rint_uint8) for plane in planes]
    for offset in range(len(shifted[0])):  # as for convolve2d: a centring mistake could give the same output
        output = shifted[0][offset] if image.ndim == 2 else _stack([s[offset] for s in shifted], axis=2)
        if same(correlated, output):
            return []
    return [correlated]


@mistake("zero-border-median", "filters", "median_filter", "a border of zeros",
         "the image was padded with zeros, which pulls the medians along the edges towards 0; the contract extends "
         "the border symmetrically (repeating the edge pixels).")
def _(ref, function, image, size):
    from scipy import ndimage

    return [ndimage.median_filter(np.asarray(image), size=size, mode="constant", cval=0)]


@mistake("unnormalised-gaussian", "filters", "gaussian_kernel", "a kernel that does not sum to 1",
         "the Gaussian weights were not divided by their sum; a blur kernel must sum to 1, or it brightens or "
         "darkens the whole image.")
def _(ref, function, n, sigma):
    x = np.arange(n) - (n - 1) / 2
    return [np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2.0 * float(sigma) ** 2))]


# -- sobel ----------------------------------------------------------------------------------------

@mistake("convolution-not-correlation", "sobel", "sobel_gradients", "convolution where correlation is due",
         "the kernels were flipped (a convolution), which turns both gradients' signs round; the contract "
         "correlates, so that `gx > 0` where the image gets brighter to the right.")
def _(ref, function, image):
    gx, gy = ref.sobel_gradients(image)
    return [(-gx, -gy)]


@mistake("reflect-not-symmetric-sobel", "sobel", "sobel_gradients", '"reflect" where "symmetric" is due',
         'the border was mirrored without repeating the edge pixel (np.pad\'s "reflect"); the contract extends '
         'it symmetrically, repeating it, as `scipy.ndimage.sobel(..., mode="reflect")` does.')
def _(ref, function, image):
    from scipy import ndimage

    image = np.asarray(image).astype(np.float64)
    return [(ndimage.sobel(image, axis=1, mode="mirror"), ndimage.sobel(image, axis=0, mode="mirror"))]


@mistake("l1-magnitude", "sobel", "sobel_magnitude", "|gx| + |gy| instead of the length",
         "the magnitude was taken as `|gx| + |gy|`; the contract's is the length of the gradient vector, "
         "`hypot(gx, gy)` (the square root of the sum of squares).")
def _(ref, function, image):
    image = np.asarray(image)
    planes = [image] if image.ndim == 2 else [image[..., c] for c in range(image.shape[2])]
    out = []
    for plane in planes:
        gx, gy = ref.sobel_gradients(plane)
        out.append(np.abs(gx) + np.abs(gy))
    return [out[0] if image.ndim == 2 else np.stack(out, axis=2)]


@mistake("greater-or-equal", "sobel", "edges", "`>=` where the contract says `>`",
         "pixels whose magnitude equals the threshold were counted as edges; the contract keeps only those "
         "strictly above it.")
def _(ref, function, image, threshold):
    return [ref.sobel_magnitude(image) >= threshold]


# -- thresholding ---------------------------------------------------------------------------------

@mistake("greater-or-equal-threshold", "thresholding", "threshold", "`>=` where the contract says `>`",
         "pixels equal to `t` were put in the foreground; the contract's foreground is `image > t`, so `t` "
         "itself is background (the class 0 of Otsu's method).")
def _(ref, function, image, t):
    return [np.asarray(image) >= t]


def _exact_otsu(counts, first):
    """The exact Otsu threshold, class 0 being the levels ``< t + first`` (first=0: ``<= t``; 1: ``< t``)."""
    levels = np.arange(256)
    nonzero = np.flatnonzero(counts)
    if len(nonzero) == 1:
        return int(nonzero[0])
    n, total = int(counts.sum()), int((counts * levels).sum())
    best, best_t = None, None
    for t in range(256):
        below = levels < t + (1 - first)
        c0, s0 = int(counts[below].sum()), int((counts * levels)[below].sum())
        if c0 == 0 or c0 == n:
            continue
        score = Fraction((n * s0 - c0 * total) ** 2, c0 * (n - c0))
        if best is None or score > best:
            best, best_t = score, t
    return best_t


@mistake("otsu-class-0-below-t", "thresholding", "otsu_threshold", "class 0 as `image < t`",
         "the split was scored with class 0 = `image < t`; the contract's class 0 is `image <= t` (and class 1 "
         "is `image > t`, as `threshold` makes it), which moves the answer by one level.")
def _(ref, function, image):
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.size == 0:
        return []
    return [_exact_otsu(np.bincount(image.ravel(), minlength=256), first=1)]


@mistake("otsu-float-tie", "thresholding", "otsu_threshold", "Otsu in floating point on a tie",
         "two thresholds split this image equally well, and rounding errors in the floating-point variances "
         "picked the larger one; compare the variances exactly (integers or fractions) so that a tie goes to "
         "the smallest `t`, as the contract says.")
def _(ref, function, image):
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.size == 0:
        return []
    p = np.bincount(image.ravel(), minlength=256) / image.size
    outputs = []
    # The textbook loop over t with probabilities and means.
    best, best_t = -1.0, int(image.ravel()[0])
    for t in range(256):
        w0 = p[: t + 1].sum()
        w1 = 1 - w0
        if w0 == 0 or w1 <= 0:
            continue
        mu0 = (np.arange(t + 1) * p[: t + 1]).sum() / w0
        mu1 = (np.arange(t + 1, 256) * p[t + 1 :]).sum() / w1
        score = w0 * w1 * (mu0 - mu1) ** 2
        if score > best:
            best, best_t = score, t
    outputs.append(best_t)
    # The vectorised form with cumulative sums.
    omega, mu = np.cumsum(p), np.cumsum(p * np.arange(256))
    score = np.nan_to_num((mu[-1] * omega - mu) ** 2 / (omega * (1 - omega)), nan=-1.0, posinf=-1.0)
    outputs.append(int(np.argmax(score)) if score.max() > 0 else int(image.ravel()[0]))
    return outputs


@mistake("otsu-union", "thresholding", "otsu_mask_rgb", "the union instead of the intersection",
         "a pixel bright in any one channel was kept; the contract keeps a pixel only where all three channels "
         "are above their thresholds (a logical and).")
def _(ref, function, image):
    image = np.asarray(image)
    mask = np.zeros(image.shape[:2], dtype=bool)
    for c in range(3):
        mask |= ref.threshold(image[..., c], ref.otsu_threshold(image[..., c]))
    return [mask]


# -- kmeans ---------------------------------------------------------------------------------------

def _starting_centers(points, k, init, seed):
    if init is not None:
        return np.asarray(init, dtype=np.float64)
    return points[np.random.default_rng(seed).choice(len(points), k, replace=False)]


@mistake("kmeans-one-round", "kmeans", "kmeans", "k-means that stops after one round",
         "the result is what one assign/update round gives; Lloyd's algorithm repeats the two steps until the "
         "labels stop changing (or `max_iter` rounds have run).")
def _(ref, function, points, k, *, init=None, max_iter=100, seed=0):
    points = np.asarray(points, dtype=np.float64)
    if max_iter <= 1:
        return []
    start = _starting_centers(points, k, init, seed)
    labels = ref.assign(points, start)
    centers = ref.update(points, labels, start)
    return [(centers, ref.assign(points, centers)), (centers, labels)]


@mistake("kmeans-stale-labels", "kmeans", "kmeans", "the labels from before the last update",
         "the labels returned belong to the centers before their last move; the contract returns the labels of "
         "the final centers (`assign(points, centers)` once more).")
def _(ref, function, points, k, *, init=None, max_iter=100, seed=0):
    points = np.asarray(points, dtype=np.float64)
    centers = _starting_centers(points, k, init, seed)
    labels = None
    for _ in range(max_iter):
        new = ref.assign(points, centers)
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        centers = ref.update(points, labels, centers)
    return [(centers, labels)]


@mistake("assign-ties-highest", "kmeans", "assign", "ties to the highest index",
         "a point exactly as far from two centers went to the later one; the contract gives it to the lowest "
         "index (what `np.argmin` does on the first of equal values).")
def _(ref, function, points, centers):
    points, centers = np.asarray(points, np.float64), np.asarray(centers, np.float64)
    distances = ((points[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    return [(len(centers) - 1 - np.argmin(distances[:, ::-1], axis=1)).astype(np.int64)]


@mistake("empty-cluster-zero", "kmeans", "update", "an empty cluster moved to zero",
         "a center with no points was set to zeros (or NaN); the contract leaves it where it was.")
def _(ref, function, points, labels, centers):
    points, labels = np.asarray(points, np.float64), np.asarray(labels)
    centers = np.asarray(centers, np.float64)
    zeros, nans = centers.copy(), centers.copy()
    for c in range(len(centers)):
        members = points[labels == c]
        zeros[c] = members.mean(axis=0) if len(members) else 0.0
        nans[c] = members.mean(axis=0) if len(members) else np.nan
    return [zeros, nans]


@mistake("floor-not-rint-quantise", "kmeans", "quantise_colours", "truncating instead of rounding",
         "the centers were cut down to whole numbers (`astype(np.uint8)`) instead of rounded with `np.rint`.")
def _(ref, function, image, k, *, seed=0):
    image = np.asarray(image)
    points = image[..., :3].reshape(-1, 3).astype(np.float64)
    centers, labels = ref.kmeans(points, k, seed=seed)
    floored = _floor_uint8(centers)[labels]
    shape = image.shape[:2] + (3,)
    return [Rounded(floored.values.reshape(shape), floored.either_way.reshape(shape))]


# -- polygons -------------------------------------------------------------------------------------

@mistake("polygon-inside-swapped", "polygons", "polygon_inside", "the two polygons swapped",
         "the test asked whether `outer` lies inside `inner`; the contract asks whether the first vertex of "
         "`inner` lies inside `outer`.")
def _(ref, function, inner, outer):
    return [ref.polygon_inside(outer, inner)]


@mistake("holes-at-every-depth", "polygons", "group_holes", "holes at every depth",
         "every polygon inside an outline was listed as its hole, the islands inside its holes too; a hole is a "
         "polygon exactly one level deeper (depth + 1), directly inside the outline.")
def _(ref, function, polygons):
    n = len(polygons)
    inside = np.array([[i != j and bool(ref.polygon_inside(polygons[i], polygons[j])) for j in range(n)]
                       for i in range(n)], dtype=bool).reshape(n, n)
    depth = inside.sum(axis=1)
    return [{int(i): [int(h) for h in np.flatnonzero(inside[:, i])] for i in np.flatnonzero(depth % 2 == 0)}]


# -- exploration ----------------------------------------------------------------------------------

@mistake("mean-over-all-images", "exploration", "class_means", "dividing by the number of all images",
         "each class's sum was divided by the number of images in the whole set; a class mean divides by the "
         "number of images of that class.")
def _(ref, function, images, labels, num_classes=10):
    images, labels = np.asarray(images, np.float64), np.asarray(labels)
    sums = np.stack([images[labels == c].sum(axis=0) for c in range(num_classes)])
    return [sums / len(images)]


@mistake("signed-difference", "exploration", "mean_difference", "a signed difference",
         "the difference of the two means kept its sign; the contract asks for its absolute value, how far apart "
         "the classes are at each pixel.")
def _(ref, function, images, labels, a, b):
    images, labels = np.asarray(images, np.float64), np.asarray(labels)

    def mean(c):
        members = images[labels == c]
        return members.mean(axis=0) if len(members) else np.zeros(images.shape[1:])

    return [mean(a) - mean(b), mean(b) - mean(a)]


@mistake("montage-fresh-rng", "exploration", "montage", "a new random generator for every class",
         "a fresh `np.random.default_rng(seed)` was made for every row, so every class draws with the same "
         "random numbers; the contract makes one generator and draws the rows from it in turn.")
def _(ref, function, images, labels, per_class=10, *, seed=0, num_classes=10):
    images, labels = np.asarray(images), np.asarray(labels)
    rows = []
    for d in range(num_classes):
        chosen = np.random.default_rng(seed).choice(np.flatnonzero(labels == d), per_class, replace=False)
        rows.append(np.hstack(list(images[chosen])))
    return [np.vstack(rows).astype(np.uint8)]
