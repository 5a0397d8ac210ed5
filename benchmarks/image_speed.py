"""How fast are the image-analysis reference solutions next to their oracles?

Times each reference function of ``solutions/`` and the SciPy / scikit-image
function it is graded against on the same input, and prints the ratio
(reference time / oracle time; below 1 means the reference is faster). Each
figure is the median of several runs in this one process, after one warm-up run.

    python3 benchmarks/image_speed.py            # 512 x 512 and 2048 x 2048
    python3 benchmarks/image_speed.py --repeats 9 --sizes 256 1024

The images are ``skimage.data.camera()`` (512 x 512, uint8) tiled or cropped to
the size asked for. This is a benchmark, not a test: it asserts nothing about
speed, only that each pair of results agrees.
"""

import argparse
import importlib.util
import pathlib
import time

import numpy as np
from scipy import ndimage, signal
from skimage import data
from skimage.filters import threshold_otsu

ROOT = pathlib.Path(__file__).resolve().parents[1]


def load(module):
    """Import ``solutions/<module>.py`` by path (solutions/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"reference_{module}", ROOT / "solutions" / f"{module}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def median_seconds(fn, repeats):
    fn()  # warm-up: caches, lazy imports, first-touch allocation
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def image_of_size(n):
    camera = data.camera()
    reps = -(-n // camera.shape[0])
    return np.ascontiguousarray(np.tile(camera, (reps, reps))[:n, :n])


def cases(image):
    """(name, reference call, oracle call, check) for one image."""
    convolution, filters, sobel, thresholding = (load(m) for m in ("convolution", "filters", "sobel", "thresholding"))
    kernel = np.random.default_rng(0).normal(size=(5, 5))

    def sobel_oracle():
        f = image.astype(float)
        return np.hypot(ndimage.sobel(f, axis=1, mode="reflect"), ndimage.sobel(f, axis=0, mode="reflect"))

    close = lambda a, b: np.allclose(a, b, rtol=1e-7, atol=1e-9)  # noqa: E731
    yield (
        "convolve2d 5x5 same/fill",
        lambda: convolution.convolve2d(image, kernel),
        lambda: signal.convolve2d(image.astype(float), kernel, "same", "fill"),
        close,
    )
    yield (
        "convolve2d 5x5 same/symm",
        lambda: convolution.convolve2d(image, kernel, boundary="symm"),
        lambda: signal.convolve2d(image.astype(float), kernel, "same", "symm"),
        close,
    )
    for size in (3, 5):
        yield (
            f"median_filter size {size}",
            lambda size=size: filters.median_filter(image, size),
            lambda size=size: ndimage.median_filter(image, size=size, mode="reflect"),
            np.array_equal,
        )
    yield ("sobel_magnitude", lambda: sobel.sobel_magnitude(image), sobel_oracle, close)
    yield (
        "otsu_threshold",
        lambda: thresholding.otsu_threshold(image),
        lambda: int(threshold_otsu(image)),
        lambda a, b: a == b,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 2048], help="image side lengths")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per function (median is reported)")
    args = parser.parse_args()

    print(f"{'function':<26} {'image':>11} {'reference ms':>13} {'oracle ms':>10} {'ratio':>6}")
    for n in args.sizes:
        image = image_of_size(n)
        for name, reference, oracle, same in cases(image):
            if not same(reference(), oracle()):
                raise SystemExit(f"{name}: the reference and the oracle disagree on the {n} x {n} image")
            ref_s = median_seconds(reference, args.repeats)
            ora_s = median_seconds(oracle, args.repeats)
            print(f"{name:<26} {f'{n}x{n}':>11} {ref_s * 1e3:13.2f} {ora_s * 1e3:10.2f} {ref_s / ora_s:6.2f}")


if __name__ == "__main__":
    main()
