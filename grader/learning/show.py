"""``pixelgrade show EXERCISE``: the reference and your output, side by side, on real images.

Each exercise gets one or more PNG figures of what its functions do to the
course's sample images (``skimage.data``) or to handwritten digits: the
equalised ``moon`` with its before and after histograms, Sobel edges of
``camera``, Otsu on ``coins``, k-means colours of ``chelsea``, polygon nesting on
the ``horse`` contours, the digits' montage and class means, and so on. Your
functions run in the sandbox worker (:class:`grader.core.learner.LearnerModule`),
never in this process; where one fails, its tile says why instead.

``--reference-only`` draws the reference alone (the pictures in ``docs/`` are
made that way). Figures go to ``--out DIR`` (default ``.pixelgrade/show`` next to
the target) and are kept small: a figure over ``MAX_BYTES`` is saved with a
palette of colours, then scaled down.

The renderings themselves are the course's (its ``renderings`` hook,
:class:`grader.hookspec.Renderings`; this repository's course has them in
``course/imagecourse/renderings.py``, and its digits from ``course/imagecourse/mnist.py``).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import shlex
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.markup import escape

from grader.core import catalog, failures
from grader.exitcodes import ExitCode
from grader.learning import lookup, state

MAX_BYTES = 190_000
TILE_IN = 2.6  # inches per tile
DPI = 90
SHOW_TIMEOUT_S = 60.0  # a learner call on a real image may take longer than on a tiny one
# matplotlib draws the figures; the engine installs it only with its `pictures` extra.
NEEDS_MATPLOTLIB = (f"it draws with matplotlib, which is not installed for this Python. Install it with: "
                    f"{shlex.quote(sys.executable)} -m pip install 'matplotlib>=3.8' "
                    f"(the engine's extra: pip install 'pixelgrade[pictures]'), then run it again.")


# -- calling the reference and the learner ---------------------------------------------
class Failed(Exception):
    """A call that gave no usable value; the message goes into the tile."""


@dataclass
class Source:
    """Whose output a row or column shows: ``reference`` or ``yours``."""

    label: str
    call_function: Callable

    def call(self, function: str, *args, **kwargs):
        try:
            return self.call_function(function, *args, **kwargs)
        except failures.LearnerFailure as failure:
            raise Failed(_short(failure.message)) from None
        except Failed:
            raise
        except Exception as error:  # the reference failed: say so rather than crash
            raise Failed(f"{type(error).__name__}: {_short(str(error))}") from None

    def array(self, function: str, *args, ndim: tuple = (2, 3), **kwargs) -> np.ndarray:
        """Call and insist on an ndarray of one of ``ndim`` dimensions."""
        value = self.call(function, *args, **kwargs)
        if type(value) is not np.ndarray or value.ndim not in ndim or value.dtype.kind not in "biuf":
            from grader.kit.describe import describe

            raise Failed(f"{function} returned {describe(value)}, which cannot be drawn")
        return value


def _short(text: str, limit: int = 220) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def reference_source(name: str) -> Source:
    from grader.core.reference import load_reference

    module = load_reference(name)
    return Source("reference", lambda function, *a, **k: getattr(module, function)(*a, **k))


def learner_source(name: str, target: Path, reference=None):
    """A Source for the learner's module in ``target`` (and the proxy, to close)."""
    from grader.core.learner import LearnerModule, course_adapters

    exercise = catalog.active().by_name[name]
    limits = dataclasses.replace(exercise.limits, timeout_s=max(exercise.limits.timeout_s, SHOW_TIMEOUT_S))
    proxy = LearnerModule(name, Path(target).resolve() / f"{name}.py", reference=reference, limits=limits,
                          off_limits=exercise.off_limits, course_adapters=course_adapters(catalog.active()))
    return Source("yours", proxy.call), proxy


# -- tiles and figures -------------------------------------------------------------------
@dataclass
class Tile:
    """One panel of a figure: an image, a plot (``draw(ax)``) or a message."""

    title: str
    image: np.ndarray | None = None
    draw: Callable | None = None
    text: str = ""
    cmap: str = "gray"
    vmin: float | None = None
    vmax: float | None = None
    options: dict = field(default_factory=dict)


def image_tile(title: str, make: Callable[[], np.ndarray], **options) -> Tile:
    """A tile of ``make()``'s image, or of the reason it failed."""
    try:
        return Tile(title, image=make(), **options)
    except Failed as failure:
        return Tile(title, text=str(failure))


def plot_tile(title: str, draw: Callable) -> Tile:
    return Tile(title, draw=draw)


def _draw_tile(ax, tile: Tile) -> None:
    ax.set_title(tile.title, fontsize=8)
    if tile.text:
        import textwrap

        ax.text(0.5, 0.5, textwrap.fill(tile.text, 34), ha="center", va="center", fontsize=7, color="firebrick",
                transform=ax.transAxes, wrap=True)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_color("firebrick")
        return
    if tile.draw is not None:
        try:
            tile.draw(ax)
        except Failed as failure:
            ax.cla()
            _draw_tile(ax, Tile(tile.title, text=str(failure)))
        ax.tick_params(labelsize=6)
        return
    image = tile.image
    if image.dtype == bool:
        image = image.astype(np.uint8)
        vmin, vmax = (0, 1) if tile.vmin is None else (tile.vmin, tile.vmax)
    elif image.dtype == np.uint8 and tile.vmin is None and tile.cmap == "gray":
        vmin, vmax = 0, 255
    else:
        vmin, vmax = tile.vmin, tile.vmax
    if image.ndim == 3:
        image = image[..., :3]
        if image.dtype != np.uint8:
            image = np.clip(image.astype(np.float64) / (255.0 if image.max() > 1 else 1.0), 0.0, 1.0)
        ax.imshow(image, **tile.options)
    else:
        ax.imshow(image, cmap=tile.cmap, vmin=vmin, vmax=vmax, **tile.options)
    ax.set_xticks([])
    ax.set_yticks([])


def figure_of(rows: list[list[Tile]], title: str):
    """A matplotlib Figure (Agg canvas) of ``rows`` of tiles."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    columns = max(len(row) for row in rows)
    figure = Figure(figsize=(TILE_IN * columns, TILE_IN * len(rows) + 0.8), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    import textwrap

    figure.suptitle(textwrap.fill(title, max(30, int(columns * TILE_IN * 11))), fontsize=10)
    grid = figure.add_gridspec(len(rows), columns)
    for r, row in enumerate(rows):
        for c, tile in enumerate(row):
            _draw_tile(figure.add_subplot(grid[r, c]), tile)
    return figure


def save_figure(figure, path: Path, max_bytes: int = MAX_BYTES) -> Path:
    """Save as PNG; over ``max_bytes``, with a palette of colours, then scaled down until it fits."""
    from PIL import Image

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    data = buffer.getvalue()
    if len(data) > max_bytes:
        image = Image.open(io.BytesIO(data)).convert("RGB")
        for scale in (1.0, 0.85, 0.7, 0.55, 0.4):
            size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
            smaller = image if scale == 1.0 else image.resize(size, Image.LANCZOS)
            out = io.BytesIO()
            smaller.quantize(colors=96, method=Image.Quantize.MEDIANCUT).save(out, format="PNG", optimize=True)
            data = out.getvalue()
            if len(data) <= max_bytes:
                break
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _no_reference(function, *args, **kwargs):
    raise Failed("drawn from the contract")


# -- driving it ----------------------------------------------------------------------------
def render(name: str, *, target: str | Path = "exercises", out: str | Path | None = None,
           reference_only: bool = False, console: Console | None = None) -> list[Path]:
    """Draw the figures of exercise ``name``; their paths ([] with a message when there are none)."""
    console = console or Console()
    renderings = catalog.active().hook("renderings")
    if renderings is None:
        console.print(f"{name}: this course draws no pictures (its course.toml declares no renderings hook).")
        return []
    if name not in renderings.RENDERINGS:
        console.print(f"{name}: this exercise has no picture.")
        return []
    target = Path(target)
    out = Path(out) if out else state.state_dir(target) / "show"
    calls_reference = name not in getattr(renderings, "NO_REFERENCE_CALLS", ())
    if calls_reference and not (catalog.active().solutions_dir / f"{name}.py").exists():
        console.print(f"{name}: there is no reference solution for it yet, so there is nothing to show.")
        return []
    sources, proxy = [], None
    try:
        sources.append(reference_source(name) if calls_reference else Source("reference", _no_reference))
        if name in getattr(renderings, "IDEA_ONLY", ()):
            if not reference_only:
                console.print(f"{name}: this picture is about the idea, the same for everybody; "
                              f"`pixelgrade {name}` grades your code.", highlight=False, soft_wrap=True)
        elif not reference_only:
            if (target / f"{name}.py").exists():
                from grader.core.reference import load_reference

                reference = load_reference(name) if calls_reference else None
                source, proxy = learner_source(name, target, reference=reference)
                sources.append(source)
            else:
                console.print(f"{name}: there is no {escape(str(target / f'{name}.py'))}; showing the reference only.",
                              highlight=False, soft_wrap=True)
        paths = []
        for stem, rows, title in renderings.RENDERINGS[name](sources):
            paths.append(save_figure(figure_of(rows, title), out / f"{stem}.png"))
        return paths
    finally:
        if proxy is not None:
            proxy.close()


def run(names: Iterable[str] = (), *, target: str | Path = "exercises", out: str | Path | None = None,
        reference_only: bool = False, console: Console | None = None) -> ExitCode:
    """Draw the figures of the exercises ``names`` and print their paths: ``pixelgrade show``.

    Parameters
    ----------
    names
        Exercises or their functions (``"otsu"``); empty: every exercise.
    target, out, reference_only
        As for :func:`render`.

    Returns
    -------
    ExitCode
        ``USAGE`` for an unknown name, a ``target`` that is no folder (unless ``reference_only``) or
        no matplotlib to draw with (the message says what to install), and when no picture was
        written at all (the course or the exercises have none: it says why); else ``OK``, even
        when some picture could not be drawn (it says why).
    """
    console = console or Console()
    if not Path(target).is_dir() and not reference_only:
        console.print(f"[red]pixelgrade show: target must be a directory of exercise modules; "
                      f"{escape(repr(str(target)))} is not a directory[/]")
        return ExitCode.USAGE
    try:
        chosen = [lookup.find_exercise(name).name for name in names] or lookup.exercise_names()
    except ValueError as error:
        console.print(f"[red]pixelgrade show: {escape(str(error))}[/]")
        return ExitCode.USAGE
    if importlib.util.find_spec("matplotlib") is None:  # the engine installed without its `pictures` extra
        console.print(f"[red]pixelgrade show: {escape(NEEDS_MATPLOTLIB)}[/]", highlight=False, soft_wrap=True)
        return ExitCode.USAGE
    written = 0
    for name in dict.fromkeys(chosen):
        try:
            paths = render(name, target=target, out=out, reference_only=reference_only, console=console)
        except Exception as error:  # one picture that cannot be drawn should not stop the others
            console.print(f"[red]{name}: could not draw the picture: {escape(type(error).__name__)}: "
                          f"{escape(str(error))}[/]")
            continue
        for path in paths:
            console.print(f"{name}: {escape(str(path))}", highlight=False, soft_wrap=True)
            written += 1
    if not written:  # nothing to show is not a success: a script that expects pictures must notice
        console.print("pixelgrade show: no pictures were written (the lines above say why).")
        return ExitCode.USAGE
    return ExitCode.OK
