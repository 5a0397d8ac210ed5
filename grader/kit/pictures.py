"""Failure pictures: input | expected | yours | difference, as one PNG per failed image check.

When ``expect_array`` finds that an image-valued result differs from what was
expected, it only *attaches* the arrays to the :class:`~grader.core.failures.CheckFailed`
it raises (:func:`attach`: cheap, since Hypothesis may fail and shrink a check many
times). Once the check has been scored, the runner calls :func:`save_for`, which
draws the panel with matplotlib's Agg canvas (no pyplot, no display), in the
grader's process, and returns the file's path for the report. Drawing is
best-effort: any error is swallowed, noted in the check's message, and never
changes a check's status or points. Where matplotlib is not installed (the engine
without its ``pictures`` extra), no picture is drawn and nothing is noted: the
report is the same but for the picture's path.

Where the pictures go: ``<state dir>/pictures/<target folder name>/`` (the state
dir is ``.pixelgrade`` next to the target, see :mod:`grader.learning.state`).
``PIXELGRADE_PICTURES=DIR`` puts them in ``DIR`` instead, ``PIXELGRADE_PICTURES=off``
turns them off (batch grading of many submissions, say).
"""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.core import state_folder as state  # the .pixelgrade folder, named below the learning tools

PICTURES_ENV = "PIXELGRADE_PICTURES"
MIN_SIDE = 4
MAX_PIXELS = 4096 * 4096
TILE_PX = 300  # width of one tile
HEIGHT_PX = 340  # height of the panel
DPI = 100
_OFF = {"0", "off", "no", "false", "none"}


@dataclass
class Panel:
    """The arrays of one failed image comparison (references, nothing is copied)."""

    expected: np.ndarray
    got: np.ndarray
    input: np.ndarray | None = None
    call: str = ""


def is_image(value) -> bool:
    """A 2-D array, or 3-D with 3 or 4 channels, at least 4 x 4, of numbers or booleans."""
    if type(value) is not np.ndarray or value.dtype.kind not in "biuf" or value.size > MAX_PIXELS:
        return False
    if value.ndim == 3 and value.shape[2] not in (3, 4):
        return False
    return value.ndim in (2, 3) and min(value.shape[:2]) >= MIN_SIDE


def first_image_argument(call) -> np.ndarray | None:
    """The first image-like argument of a learner call (a CallRecord), if any."""
    if call is None:
        return None
    for value in (*call.args, *call.kwargs.values()):
        if is_image(value):
            return value
    return None


def attach(error, got, expected, call=None) -> None:
    """Attach the arrays of a failed image comparison to ``error`` (never raises)."""
    try:
        if is_image(expected) and type(got) is np.ndarray and got.shape == expected.shape and is_image(got):
            error.panel = Panel(expected=expected, got=got, input=first_image_argument(call),
                                call=call.describe() if call is not None else "")
    except Exception:  # a picture is a nicety: never let it change how a check fails
        pass


BESIDE_TARGET = "beside the target"  # the default choice of folder (grader.api.Settings.pictures)


def folder_for(target, choice: str | Path | None = BESIDE_TARGET) -> Path | None:
    """Where failure pictures for ``target`` go, or None when they are turned off.

    ``choice``: a folder, None (no pictures), or :data:`BESIDE_TARGET`, which means the
    state folder beside the target unless ``PIXELGRADE_PICTURES`` chooses otherwise.
    """
    if choice is None:
        return None
    if choice != BESIDE_TARGET:
        return Path(choice)
    chosen = os.environ.get(PICTURES_ENV, "").strip()
    if chosen.lower() in _OFF and chosen:
        return None
    if chosen:
        return Path(chosen)
    return state.state_dir(target) / "pictures" / Path(target).resolve().name


def file_name(check_id: str) -> str:
    """``equalisation::test_equalise_real_images[moon]`` -> ``equalisation--equalise_real_images-moon.png``."""
    exercise, _, test = check_id.partition("::")
    test = test.removeprefix("test_")
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{exercise}--{test}" if test else exercise).strip("-.")
    return stem[:150] + ".png"


def panel_size(tiles: int) -> tuple[int, int]:
    """The (width, height) in pixels of a panel of ``tiles`` tiles."""
    return tiles * TILE_PX, HEIGHT_PX


def can_draw() -> bool:
    """Whether matplotlib, which draws the pictures, is installed (``pip install "pixelgrade[pictures]"``)."""
    return importlib.util.find_spec("matplotlib") is not None


def save_for(error, check, folder: Path | None) -> str:
    """Draw the panel attached to ``error`` for ``check`` into ``folder``; its path, or "" (never raises)."""
    panel = getattr(error, "panel", None)
    if panel is None or folder is None or getattr(check, "hidden", False):  # a hidden check's input is never shown
        return ""
    if not can_draw():  # an engine installed without pictures: not a fault to note under every failed check
        return ""
    try:
        path = draw_panel(folder / file_name(check.id), expected=panel.expected, got=panel.got,
                          input=panel.input, title=f"{check.title}\n{panel.call}")
        return str(path)
    except Exception as problem:
        note = f"(No picture of this failure: pixelgrade could not draw it: {type(problem).__name__}: {problem})"
        check.message = f"{check.message}\n{note}" if check.message else note
        return ""


# -- drawing ----------------------------------------------------------------------
def _as_float(array: np.ndarray) -> np.ndarray:
    return array.astype(np.float64)


def _range(array: np.ndarray) -> tuple[float, float]:
    """The display range of an image: 0..255 for uint8, 0..1 for bool, else its finite min..max."""
    if array.dtype == np.uint8:
        return 0.0, 255.0
    if array.dtype == bool:
        return 0.0, 1.0
    finite = _as_float(array)[np.isfinite(array)] if array.dtype.kind == "f" else _as_float(array).ravel()
    if finite.size == 0:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    if array.dtype.kind == "f" and 0.0 <= low and high <= 1.0:
        return 0.0, 1.0
    return (low, high) if high > low else (low - 1.0, high + 1.0)


def _step(image: np.ndarray) -> int:
    """The stride that brings an image's larger side down to about a tile (drawing big arrays is slow)."""
    return max(1, -(-max(image.shape[:2]) // TILE_PX))


def _shrink_max(image: np.ndarray) -> np.ndarray:
    """Shrink a 2-D map by its block maxima, so that a single differing pixel stays visible."""
    step = _step(image)
    if step == 1:
        return image
    height, width = (-(-image.shape[0] // step)) * step, (-(-image.shape[1] // step)) * step
    padded = np.zeros((height, width), dtype=image.dtype)
    padded[: image.shape[0], : image.shape[1]] = image
    return padded.reshape(height // step, step, width // step, step).max(axis=(1, 3))


def _show(ax, image: np.ndarray, title: str, value_range: tuple[float, float]) -> None:
    """Draw one image tile, greyscale or colour, on the shared ``value_range``."""
    low, high = value_range
    step = _step(image)
    original, image = image, image[::step, ::step]
    data = np.nan_to_num(_as_float(image), nan=low, posinf=high, neginf=low)
    if data.ndim == 3:
        data = np.clip((data[..., :3] - low) / (high - low), 0.0, 1.0)
        options = {}
    else:
        options = {"cmap": "gray", "vmin": low, "vmax": high}
    interpolation = "nearest" if max(image.shape[:2]) * 3 <= TILE_PX else "antialiased"
    ax.imshow(data, interpolation=interpolation, **options)
    _caption(ax, title, original)


def _caption(ax, title: str, image: np.ndarray | None = None) -> None:
    shape = f"\n{image.dtype} {tuple(image.shape)}" if image is not None else ""
    ax.set_title(title + shape, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def difference(got: np.ndarray, expected: np.ndarray, *, rtol: float = 1e-7, atol: float = 1e-9):
    """(|got - expected| per pixel, max over channels; mask of pixels that differ)."""
    if expected.dtype == bool or got.dtype == bool:
        magnitude = (got.astype(bool) != expected.astype(bool)).astype(np.float64)
        differs = magnitude > 0
    else:
        g, e = _as_float(got), _as_float(expected)
        both_nan = np.isnan(g) & np.isnan(e)
        with np.errstate(invalid="ignore", over="ignore"):
            magnitude = np.abs(g - e)
        magnitude[both_nan] = 0.0
        if expected.dtype.kind == "f" or got.dtype.kind == "f":
            differs = ~np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
        else:
            differs = g != e
        finite = magnitude[np.isfinite(magnitude)]
        magnitude[~np.isfinite(magnitude)] = finite.max() if finite.size and finite.max() > 0 else 1.0
    if magnitude.ndim == 3:
        magnitude, differs = magnitude.max(axis=2), differs.any(axis=2)
    return magnitude, differs


def draw_panel(path, *, expected: np.ndarray, got: np.ndarray, input: np.ndarray | None = None,
               title: str = "") -> Path:
    """Write the PNG panel (input | expected | yours | difference) to ``path`` and return it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    tiles = 3 + (input is not None)
    width, height = panel_size(tiles)
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = list(figure.subplots(1, tiles))
    figure.subplots_adjust(left=0.01, right=0.97, top=0.72, bottom=0.03, wspace=0.12)
    if title:
        lines = [line if len(line) <= 110 else line[:107] + "..." for line in title.strip().splitlines()[:2]]
        figure.suptitle("\n".join(lines), fontsize=9)
    if input is not None:
        _show(axes.pop(0), input, "input", _range(input))
    shared = _range(expected)
    _show(axes[0], expected, "expected", shared)
    _show(axes[1], got, "yours", shared)
    magnitude, differs = difference(got, expected)
    shown = _shrink_max(magnitude)
    image = axes[2].imshow(shown, cmap="inferno", vmin=0.0, vmax=max(float(shown.max()), 1e-12),
                           interpolation="nearest" if max(shown.shape) * 3 <= TILE_PX else "antialiased")
    count = int(differs.sum())
    _caption(axes[2], f"difference |yours - expected|\n{count} of {differs.size} pixels differ")
    figure.colorbar(image, ax=axes[2], fraction=0.046, pad=0.03)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=DPI, pil_kwargs={"compress_level": 3})
    return path
