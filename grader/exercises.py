"""The course: every exercise of the contract, in order, with its grading settings.

This is the one place that says, per exercise, which calls are off-limits (the
oracle a function is graded against), how long a call may take, how much memory
the worker may use, and what optional dependencies the checks need.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from grader.sandbox.client import Limits

DEFAULT_EXAMPLES = 30  # Hypothesis examples per property in a full grade (grader.runner's default)

CHECKS_DIR = Path(__file__).resolve().parent / "checks"
HINTS_DIR = Path(__file__).resolve().parent / "hints"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DOCS_DIR = PROJECT_ROOT / "docs"


@dataclass(frozen=True)
class Exercise:
    name: str
    number: int
    title: str
    off_limits: dict = field(default_factory=dict)  # function -> oracles it may not call
    limits: Limits = Limits()
    needs: tuple = ()  # optional packages the checks need ("tensorflow")

    @property
    def checks_file(self) -> Path:
        return CHECKS_DIR / f"test_{self.name}.py"

    @property
    def hints_file(self) -> Path:
        return HINTS_DIR / f"{self.name}.md"

    @property
    def has_checks(self) -> bool:
        return self.checks_file.exists()

    @property
    def page(self) -> Path:
        """Its page in the course: ``docs/NN-<name>.md``."""
        return DOCS_DIR / f"{self.number:02d}-{self.name}.md"

    def unavailable_reason(self, missing) -> str:
        """Why its checks are skipped here (``missing`` optional packages), with the command that installs them."""
        return f"needs {', '.join(missing)}, which is not installed for this Python. {install_advice(self, missing)}"


# Optional packages the checks may need -> the extra of pyproject.toml that installs them.
EXTRAS = {"tensorflow": "ml"}


def install_command(missing) -> str:
    """The exact command that installs ``missing`` into the Python running the grader."""
    extras = sorted({EXTRAS.get(name, "") for name in missing} - {""})
    if extras:
        editable = (PROJECT_ROOT / "pyproject.toml").exists()
        spec = f"{PROJECT_ROOT if editable else 'pixelgrade'}[{','.join(extras)}]"
        return f"{shlex.quote(sys.executable)} -m pip install {'-e ' if editable else ''}{shlex.quote(spec)}"
    return f"{shlex.quote(sys.executable)} -m pip install {' '.join(shlex.quote(name) for name in missing)}"


def install_advice(exercise: Exercise, missing) -> str:
    """One sentence: the install command, and the nox session that grades ``exercise`` with what it needs."""
    advice = f"Install it with: {install_command(missing)}"
    if (PROJECT_ROOT / "noxfile.py").exists():
        advice += (f" (or grade it in an environment of its own: `python3 -m nox -s {exercise.name}`, "
                   f"run in {PROJECT_ROOT})")
    return advice + "."


_ML = Limits(timeout_s=600.0, import_timeout_s=120.0, memory_bytes=None, threads=2)

EXERCISES: tuple[Exercise, ...] = (
    Exercise("arrays", 1, "Images as arrays, reshaping for models"),
    Exercise("intensity", 2, "Point transforms"),
    Exercise(
        "histogram",
        3,
        "Histograms",
        off_limits={
            name: ("numpy.histogram", "skimage.exposure.histogram", "skimage.exposure.cumulative_distribution")
            for name in ("histogram", "cumulative_histogram", "normalised_cdf")
        },
    ),
    Exercise(
        "equalisation",
        4,
        "Histogram equalisation",
        off_limits={
            name: ("skimage.exposure.equalize_hist", "skimage.exposure.equalize_adapthist")
            for name in ("equalise", "equalise_colour")
        },
    ),
    Exercise(
        "convolution",
        5,
        "Padding, sliding windows, output size",
        off_limits={
            "pad": ("numpy.pad", "skimage.util.pad"),
            "convolve2d": (
                "scipy.signal.convolve2d", "scipy.signal.correlate2d", "scipy.signal.convolve",
                "scipy.signal.fftconvolve", "scipy.signal.oaconvolve", "scipy.ndimage.convolve",
                "scipy.ndimage.correlate",
            ),
            "convolve_channels": (
                "scipy.signal.convolve2d", "scipy.signal.correlate2d", "scipy.signal.convolve",
                "scipy.signal.fftconvolve", "scipy.signal.oaconvolve", "scipy.ndimage.convolve",
                "scipy.ndimage.correlate",
            ),
        },
    ),
    Exercise(
        "filters",
        6,
        "Blurring and denoising",
        off_limits={
            "median_filter": ("scipy.ndimage.median_filter", "scipy.signal.medfilt2d", "scipy.signal.medfilt",
                              "skimage.filters.median", "scipy.ndimage.rank_filter",
                              "scipy.ndimage.percentile_filter", "scipy.ndimage.generic_filter"),
            "blur": ("scipy.signal.convolve2d", "scipy.signal.correlate2d", "scipy.signal.convolve",
                     "scipy.signal.fftconvolve", "scipy.ndimage.convolve", "scipy.ndimage.correlate",
                     "scipy.ndimage.uniform_filter", "scipy.ndimage.gaussian_filter", "skimage.filters.gaussian"),
        },
    ),
    Exercise(
        "sobel",
        7,
        "Gradients and edges",
        off_limits={
            name: ("scipy.ndimage.sobel", "skimage.filters.sobel", "skimage.filters.sobel_h",
                   "skimage.filters.sobel_v", "scipy.ndimage.correlate", "scipy.ndimage.convolve",
                   "scipy.signal.convolve2d", "scipy.signal.correlate2d")
            for name in ("sobel_gradients", "sobel_magnitude", "edges")
        },
    ),
    Exercise(
        "thresholding",
        8,
        "Segmentation by a threshold",
        off_limits={
            name: ("skimage.filters.threshold_otsu", "skimage.filters.threshold_multiotsu")
            for name in ("otsu_threshold", "otsu_mask_rgb")
        },
    ),
    Exercise(
        "kmeans",
        9,
        "Clustering colours",
        off_limits={
            name: ("sklearn.cluster.KMeans", "sklearn.cluster.k_means", "sklearn.cluster.MiniBatchKMeans",
                   "scipy.cluster.vq.kmeans", "scipy.cluster.vq.kmeans2", "scipy.cluster.vq.vq")
            for name in ("assign", "update", "kmeans", "quantise_colours")
        },
    ),
    Exercise(
        "polygons",
        10,
        "Ray casting and vectorisation",
        off_limits={
            name: ("matplotlib.path.Path", "skimage.measure.points_in_poly")
            for name in ("point_in_polygon", "points_in_polygon", "polygon_inside", "group_holes")
        },
    ),
    Exercise("exploration", 11, "Looking at a labelled data set"),
    Exercise("baseline", 12, "A classical classifier", limits=Limits(timeout_s=120.0, memory_bytes=None, threads=2)),
    Exercise("networks", 13, "Defining models in Keras", limits=_ML, needs=("tensorflow",)),
    Exercise("training", 14, "A CNN that reaches an accuracy threshold", limits=_ML, needs=("tensorflow",)),
)

BY_NAME = {exercise.name: exercise for exercise in EXERCISES}


def gradable() -> list[Exercise]:
    """The exercises that have checks, in course order."""
    return [exercise for exercise in EXERCISES if exercise.has_checks]


def resolve(names) -> list[Exercise]:
    """Exercises by name, in the order given; an unknown name raises ValueError naming the choices."""
    chosen = []
    for name in names:
        if name not in BY_NAME:
            raise ValueError(f"unknown exercise {name!r}; choose from: {', '.join(BY_NAME)}")
        exercise = BY_NAME[name]
        if not exercise.has_checks:
            raise ValueError(f"exercise {name!r} has no checks yet")
        chosen.append(exercise)
    return chosen
