"""``pixelgrade show EXERCISE``: the reference and your output, side by side, on real images.

Each exercise gets one or more PNG figures of what its functions do to the
course's sample images (``skimage.data``) or to handwritten digits: the
equalised ``moon`` with its before and after histograms, Sobel edges of
``camera``, Otsu on ``coins``, k-means colours of ``chelsea``, polygon nesting on
the ``horse`` contours, the digits' montage and class means, and so on. Your
functions run in the sandbox worker (:class:`grader.learner.LearnerModule`),
never in this process; where one fails, its tile says why instead.

``--reference-only`` draws the reference alone (the pictures in ``docs/`` are
made that way). Figures go to ``--out DIR`` (default ``.pixelgrade/show`` next to
the target) and are kept small: a figure over ``MAX_BYTES`` is saved with a
palette of colours, then scaled down.

Digits: the project's loader :mod:`grader.mnist` when there is one, else the
Keras-format file named by ``PIXELGRADE_MNIST``, else scikit-learn's bundled 8 x 8
digits scaled to 0..255.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.markup import escape

from grader import exercises as course
from grader import failures, lookup, state
from grader.exercises import PROJECT_ROOT
from grader.samples import sample

MAX_BYTES = 190_000
TILE_IN = 2.6  # inches per tile
DPI = 90
SHOW_TIMEOUT_S = 60.0  # a learner call on a real image may take longer than on a tiny one


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
            from grader.describe import describe

            raise Failed(f"{function} returned {describe(value)}, which cannot be drawn")
        return value


def _short(text: str, limit: int = 220) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def reference_source(name: str) -> Source:
    from grader.runner import load_reference

    module = load_reference(name)
    return Source("reference", lambda function, *a, **k: getattr(module, function)(*a, **k))


def learner_source(name: str, target: Path, reference=None):
    """A Source for the learner's module in ``target`` (and the proxy, to close)."""
    from grader.learner import LearnerModule

    exercise = course.BY_NAME[name]
    limits = dataclasses.replace(exercise.limits, timeout_s=max(exercise.limits.timeout_s, SHOW_TIMEOUT_S))
    proxy = LearnerModule(name, Path(target).resolve() / f"{name}.py", reference=reference, limits=limits,
                          off_limits=exercise.off_limits)
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


# -- the digits --------------------------------------------------------------------------
def _unpack(data):
    """(x_train, y_train, x_test, y_test) from the shapes a loader may return."""
    if isinstance(data, dict) or hasattr(data, "files"):
        return tuple(np.asarray(data[key]) for key in ("x_train", "y_train", "x_test", "y_test"))
    if all(hasattr(data, key) for key in ("x_train", "y_train", "x_test", "y_test")):
        return tuple(np.asarray(getattr(data, key)) for key in ("x_train", "y_train", "x_test", "y_test"))
    (x_train, y_train), (x_test, y_test) = data[:2]
    return np.asarray(x_train), np.asarray(y_train), np.asarray(x_test), np.asarray(y_test)


def _sklearn_digits():
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.clip(np.rint(digits.images * 255.0 / 16.0), 0, 255).astype(np.uint8)
    labels = digits.target.astype(np.uint8)
    order = np.random.default_rng(0).permutation(len(labels))
    split = int(0.8 * len(labels))
    train, test = order[:split], order[split:]
    return images[train], labels[train], images[test], labels[test]


def load_digits_data() -> tuple[tuple, str]:
    """((x_train, y_train, x_test, y_test), a description of where they came from)."""
    try:
        from grader import mnist  # the project's MNIST loader, when it exists
    except ImportError:
        mnist = None
    if mnist is not None:
        for name in ("load", "load_mnist", "load_data"):
            loader = getattr(mnist, name, None)
            if callable(loader):
                try:
                    loaded = loader()
                    data = _unpack(loaded)
                except Exception:
                    break
                kind = "scikit-learn's digits" if getattr(loaded, "source", "") == "sklearn" else "MNIST"
                return data, _describe_digits(kind, data)
    path = os.environ.get("PIXELGRADE_MNIST", "")
    if path and Path(path).is_file():
        try:
            with np.load(path) as archive:
                data = _unpack(archive)
            return data, _describe_digits("MNIST", data)
        except Exception:
            pass
    data = _sklearn_digits()
    return data, _describe_digits("scikit-learn's digits", data)


def _describe_digits(kind: str, data) -> str:
    x_train, _, x_test, _ = data
    return f"{kind}, {len(x_train)} training and {len(x_test)} held-out images of {x_train.shape[1]}x{x_train.shape[2]}"


def _digits_cache() -> tuple[tuple, str]:
    if not hasattr(_digits_cache, "value"):
        _digits_cache.value = load_digits_data()
    return _digits_cache.value


# -- the renderings, one per exercise ------------------------------------------------------
# Each takes the sources (reference, maybe yours) and returns [(file stem, rows, title)].
def _columns(sources, make_tiles) -> list[list[Tile]]:
    return [make_tiles(source) for source in sources]


def _label(source: Source, what: str) -> str:
    return f"{what} ({source.label})"


def show_arrays(sources):
    astronaut, logo = sample("astronaut"), sample("logo")

    def row(source):
        return [image_tile(_label(source, "to_greyscale(astronaut)"),
                           lambda: source.array("to_greyscale", astronaut, ndim=(2,))),
                image_tile(_label(source, "drop_alpha(logo)"), lambda: source.array("drop_alpha", logo, ndim=(3,)))]

    checker = ((np.indices(logo.shape[:2]) // 16).sum(axis=0) % 2 * 60 + 160).astype(np.float64)
    alpha = logo[..., 3:4] / 255.0
    over = (logo[..., :3] * alpha + checker[..., None] * (1 - alpha)).astype(np.uint8)
    inputs = [Tile("astronaut (RGB)", image=astronaut), Tile("logo (RGBA, over a checkerboard)", image=over)]
    rows = [inputs] + _columns(sources, row)
    return [("arrays", rows, "An image is an array: colour to grey, dropping the alpha channel")]


def show_intensity(sources):
    camera, hubble = sample("camera"), sample("hubble_deep_field")

    def row(source):
        return [image_tile(_label(source, "negative"), lambda: source.array("negative", camera)),
                image_tile(_label(source, "log_transform"), lambda: source.array("log_transform", hubble)),
                image_tile(_label(source, "gamma_correction(g=2)"),
                           lambda: source.array("gamma_correction", camera, 2.0))]

    inputs = [Tile("camera", image=camera), Tile("hubble_deep_field", image=hubble), Tile("camera", image=camera)]
    rows = [inputs] + _columns(sources, row)
    return [("intensity", rows, "Point transforms: negative, log (expands dark values), gamma")]


def _histogram_plot(values_by_label: dict, *, cumulative: bool = False, line: dict | None = None):
    def draw(ax):
        for index, (label, values) in enumerate(values_by_label.items()):
            if isinstance(values, Failed):
                raise values
            values = np.asarray(values, dtype=np.float64)
            if values.shape != (256,):
                raise Failed(f"{label}: got an array of shape {values.shape}, expected (256,)")
            if index == 0:
                ax.fill_between(np.arange(256), values, step="mid", color="0.7", label=label)
            else:
                ax.step(np.arange(256), values, where="mid", color="crimson", linewidth=1, label=label)
        for label, (t, colour) in (line or {}).items():
            ax.axvline(t, color=colour, linestyle="--", linewidth=1, label=label)
        ax.set_xlim(0, 255)
        ax.legend(fontsize=6, loc="upper left" if cumulative else "upper right")

    return draw


def _outcome(source: Source, function: str, *args):
    try:
        return source.call(function, *args)
    except Failed as failure:
        return failure


def show_histogram(sources):
    camera = sample("camera")
    counts = {source.label: _outcome(source, "histogram", camera) for source in sources}
    totals = {source.label: _outcome(source, "cumulative_histogram", camera) for source in sources}
    rows = [[Tile("camera", image=camera),
             plot_tile("histogram(camera)", _histogram_plot(counts)),
             plot_tile("cumulative_histogram(camera)", _histogram_plot(totals, cumulative=True))]]
    return [("histogram", rows, "How many pixels have each grey level, and the running total")]


def show_equalisation(sources):
    moon = sample("moon")
    reference = sources[0]
    outputs = {source.label: _outcome(source, "equalise", moon) for source in sources}
    top = [Tile("moon", image=moon)]
    bottom = [plot_tile("histogram of moon", _histogram_plot({"moon": np.bincount(moon.ravel(), minlength=256)}))]
    for label, out in outputs.items():
        if isinstance(out, Failed) or type(out) is not np.ndarray or out.dtype != np.uint8:
            top.append(Tile(f"equalise(moon) ({label})", text=str(out) if isinstance(out, Failed)
                            else "not a uint8 image"))
            bottom.append(Tile(f"histogram after ({label})", text="no output to count"))
            continue
        top.append(Tile(f"equalise(moon) ({label})", image=out))
        bottom.append(plot_tile(f"histogram after ({label})",
                                _histogram_plot({label: np.bincount(out.ravel(), minlength=256)})))
    chelsea = sample("chelsea")
    try:
        per_channel = np.stack([reference.call("equalise", np.ascontiguousarray(chelsea[..., c]))
                                for c in range(3)], axis=2)
        separately = Tile("R, G, B equalised one by one:\nthe hue shifts", image=per_channel)
    except Failed as failure:
        separately = Tile("R, G, B equalised one by one", text=str(failure))
    colour = [Tile("chelsea", image=chelsea), separately] + [
        image_tile(_label(source, "equalise_colour"), lambda source=source: source.array(
            "equalise_colour", chelsea, ndim=(3,))) for source in sources]
    return [("equalisation", [top, bottom], "Histogram equalisation of moon: the levels spread over 0..255"),
            ("equalisation-colour", [colour], "Colour: equalise the brightness V = max(R, G, B), keep the hue")]


def show_convolution(sources):
    small = np.ascontiguousarray(sample("camera")[::4, ::4])
    modes = ("constant", "edge", "reflect", "symmetric")

    def pads(source):
        return [image_tile(_label(source, f"pad {mode}"), lambda mode=mode: source.array("pad", small, 32, mode))
                for mode in modes]

    impulse = np.zeros((15, 15))
    impulse[7, 7] = 1.0
    kernel = np.zeros((5, 5))
    kernel[:, 1] = 1.0
    kernel[0, 1:4] = 1.0
    kernel[2, 1:3] = 1.0  # an "F": not symmetric, so flipping shows
    stamp = [Tile("impulse (one bright pixel)", image=impulse, cmap="magma"),
             Tile("kernel (an F)", image=kernel, cmap="magma")]
    stamp += [image_tile(_label(source, "convolve2d(impulse, F)"),
                         lambda source=source: source.array("convolve2d", impulse, kernel, ndim=(2,)), cmap="magma")
              for source in sources]
    rows = _columns(sources, pads) + [stamp]
    return [("convolution", rows, "Padding modes; convolving an impulse stamps the kernel upright (it is flipped)")]


def _noisy_camera() -> np.ndarray:
    image = sample("camera")[64:320, 128:384].astype(np.float64)
    rng = np.random.default_rng(0)
    image = image + rng.normal(0, 12, image.shape)
    salt = rng.random(image.shape)
    image[salt < 0.03] = 0
    image[salt > 0.97] = 255
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def show_filters(sources):
    noisy = _noisy_camera()
    reference = sources[0]
    try:
        kernel = reference.call("gaussian_kernel", 7, 2.0)
    except Failed:
        kernel = np.full((7, 7), 1 / 49)

    def row(source):
        return [image_tile(_label(source, "blur, gaussian_kernel(7, 2)"), lambda: source.array("blur", noisy, kernel)),
                image_tile(_label(source, "median_filter(size=3)"),
                           lambda: source.array("median_filter", noisy, 3))]

    rows = [[Tile("camera with noise and salt & pepper" if i == 0 else "the same input", image=noisy)] + row(source)
            for i, source in enumerate(sources)]
    return [("filters", rows, "Blurring averages the noise away; the median removes salt and pepper")]


def show_sobel(sources):
    camera = sample("camera")

    def row(source):
        return [image_tile(_label(source, "sobel_magnitude"), lambda: source.array("sobel_magnitude", camera),
                           cmap="magma", vmin=0, vmax=800),
                image_tile(_label(source, "edges(camera, 200)"), lambda: source.array("edges", camera, 200))]

    rows = [[Tile("camera", image=camera)] + row(source) for source in sources]
    return [("sobel", rows, "Sobel: the gradient's magnitude, and edges where it exceeds a threshold")]


def show_thresholding(sources):
    coins = sample("coins")
    thresholds = {source.label: _outcome(source, "otsu_threshold", coins) for source in sources}
    colours = ("navy", "crimson")
    lines = {f"t = {t} ({label})": (t, colours[i % 2]) for i, (label, t) in enumerate(thresholds.items())
             if not isinstance(t, Failed) and isinstance(t, (int, np.integer))}
    histogram = {"coins": np.bincount(coins.ravel(), minlength=256)}
    masks = []
    for source in sources:
        t = thresholds[source.label]
        if isinstance(t, Failed):
            masks.append(Tile(_label(source, "otsu_threshold"), text=str(t)))
        elif isinstance(t, bool) or not isinstance(t, (int, np.integer)):
            masks.append(Tile(_label(source, "otsu_threshold"), text=f"returned {t!r}, not an int"))
        else:
            masks.append(image_tile(_label(source, f"threshold(coins, {int(t)})"),
                                    lambda source=source, t=t: source.array("threshold", coins, int(t), ndim=(2,))))
    rows = [[Tile("coins", image=coins), plot_tile("histogram and Otsu's threshold",
                                                  _histogram_plot(histogram, line=lines))] + masks]
    return [("thresholding", rows, "Otsu: the threshold that best separates two classes of grey levels")]


def _palette_of(image: np.ndarray) -> np.ndarray:
    colours = np.unique(image.reshape(-1, 3), axis=0)[:16]
    return colours[None, :, :].repeat(3, axis=0)


def show_kmeans(sources):
    chelsea = sample("chelsea")
    k = 6
    rows = []
    for source in sources:
        row = [Tile("chelsea", image=chelsea)]
        try:
            out = source.array("quantise_colours", chelsea, k, ndim=(3,))
            row += [Tile(_label(source, f"quantise_colours(k={k})"), image=out),
                    Tile(_label(source, "its colours"), image=_palette_of(out))]
        except Failed as failure:
            row.append(Tile(_label(source, f"quantise_colours(k={k})"), text=str(failure)))
        rows.append(row)
    return [("kmeans", rows, f"k-means (Lloyd's algorithm) finds {k} colours for chelsea")]


def horse_polygons() -> list[np.ndarray]:
    """The contours of ``horse`` (padded, so every outline closes) as (x, y) polygons."""
    from skimage.measure import find_contours

    horse = sample("horse")
    contours = find_contours(np.pad(horse, 1).astype(np.float64), 0.5)
    return [np.ascontiguousarray(contour[:, ::-1] - 1.0) for contour in contours]


def _nesting_plot(polygons, groups):
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    colours = ("tab:blue", "tab:orange", "tab:green", "tab:purple")

    def draw(ax):
        if isinstance(groups, Failed):
            raise groups
        if not isinstance(groups, dict):
            raise Failed(f"group_holes returned {type(groups).__name__}, expected a dict")
        for index, (outer, holes) in enumerate(sorted(groups.items())):
            rings = [polygons[outer]] + [polygons[h] for h in holes]
            vertices = np.concatenate([np.vstack([ring, ring[:1]]) for ring in rings])
            codes = np.concatenate([[MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 1) + [MplPath.CLOSEPOLY]
                                    for ring in rings])
            ax.add_patch(PathPatch(MplPath(vertices, codes), facecolor=colours[index % 4], alpha=0.55,
                                   edgecolor="black", linewidth=0.6,
                                   label=f"polygon {outer}, holes {list(holes)}"))
        ax.set_xlim(-5, 405)
        ax.set_ylim(333, -5)
        ax.set_aspect("equal")
        ax.legend(fontsize=6, loc="lower right")

    return draw


def _ray_plot(points, inside, polygon):
    def draw(ax):
        if isinstance(inside, Failed):
            raise inside
        mask = np.asarray(inside, dtype=bool)
        if mask.shape != (len(points),):
            raise Failed(f"points_in_polygon returned shape {mask.shape}, expected ({len(points)},)")
        ax.plot(*np.vstack([polygon, polygon[:1]]).T, color="black", linewidth=0.6)
        ax.scatter(*points[~mask].T, s=2, color="0.7")
        ax.scatter(*points[mask].T, s=2, color="tab:orange")
        ax.set_xlim(-5, 405)
        ax.set_ylim(333, -5)
        ax.set_aspect("equal")

    return draw


def show_polygons(sources):
    polygons = horse_polygons()
    outline = max(polygons[1:] or polygons, key=len)  # the horse (polygon 0 is the frame around it)
    ys, xs = np.mgrid[2:328:8, 2:400:8]
    points = np.column_stack([xs.ravel(), ys.ravel()]).astype(np.float64)
    rows = []
    for source in sources:
        rows.append([Tile("horse", image=sample("horse")),
                     plot_tile(_label(source, "group_holes(contours)"),
                               _nesting_plot(polygons, _outcome(source, "group_holes", polygons))),
                     plot_tile(_label(source, "points_in_polygon (even-odd)"),
                               _ray_plot(points, _outcome(source, "points_in_polygon", points, outline), outline))])
    return [("polygons", rows, "The horse's contours: which outline is a hole of which; ray casting")]


def _means_strip(means: np.ndarray) -> np.ndarray:
    """(10, H, W) class means as a 2 x 5 grid image."""
    count, height, width = means.shape
    columns = 5
    rows = -(-count // columns)
    grid = np.zeros((rows * height, columns * width))
    for index, mean in enumerate(means):
        r, c = divmod(index, columns)
        grid[r * height:(r + 1) * height, c * width:(c + 1) * width] = mean
    return grid


def show_exploration(sources):
    (x_train, y_train, _, _), where = _digits_cache()
    labels = y_train.astype(np.int64)
    rows = []
    for source in sources:
        def counts_plot(ax, source=source):
            counts = np.asarray(source.call("class_counts", labels))
            if counts.shape != (10,):
                raise Failed(f"class_counts returned shape {counts.shape}, expected (10,)")
            ax.bar(np.arange(10), counts, color="tab:blue")
            ax.set_xticks(np.arange(10))

        rows.append([
            image_tile(_label(source, "montage(images, labels)"),
                       lambda source=source: source.array("montage", x_train, labels, 10, ndim=(2,))),
            image_tile(_label(source, "class_means"), lambda source=source: _means_strip(
                source.array("class_means", x_train, labels, ndim=(3,))), cmap="magma"),
            plot_tile(_label(source, "class_counts"), counts_plot),
        ])
    return [("exploration", rows, f"Look at the data first: {where}")]


def _confusion(y_true, y_pred, classes=10) -> np.ndarray:
    table = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(table, (np.asarray(y_true, dtype=np.int64), np.clip(np.asarray(y_pred, dtype=np.int64), 0,
                                                                    classes - 1)), 1)
    return table


def _confusion_plot(y_true, predictions):
    def draw(ax):
        if isinstance(predictions, Failed):
            raise predictions
        predicted = np.asarray(predictions)
        if predicted.shape != y_true.shape:
            raise Failed(f"predict returned shape {predicted.shape}, expected {y_true.shape}")
        table = _confusion(y_true, predicted)
        ax.imshow(np.log1p(table), cmap="Blues")
        for (r, c), n in np.ndenumerate(table):
            if n:
                ax.text(c, r, str(n), ha="center", va="center", fontsize=4.5)
        ax.set_xlabel(f"predicted (accuracy {np.mean(predicted == y_true):.3f})", fontsize=7)
        ax.set_ylabel("true", fontsize=7)
        ax.set_xticks(range(10))
        ax.set_yticks(range(10))

    return draw


def _baseline_data(limit: int = 3000):
    (x_train, y_train, x_test, y_test), where = _digits_cache()

    def flat(images):
        return (images.reshape(len(images), -1) / 255.0).astype(np.float32)

    return (flat(x_train[:limit]), y_train[:limit].astype(np.int64), flat(x_test), y_test.astype(np.int64),
            x_train.shape[1:], where)


def show_baseline(sources):
    from grader.sandbox import adapters

    X, y, X_test, y_test, shape, where = _baseline_data()
    tiles = []
    reference = sources[0]
    try:
        model = reference.call("fit_logistic", X, y)
        weights = np.asarray(model.coef_).reshape(-1, *shape)
        tiles.append(Tile("weights per class (reference)", image=_means_strip(weights),
                          cmap="RdBu_r", vmin=-np.abs(weights).max(), vmax=np.abs(weights).max()))
        tiles.append(plot_tile("held-out digits (reference)", _confusion_plot(y_test, model.predict(X_test))))
    except (Failed, AttributeError) as failure:
        tiles.append(Tile("reference", text=str(failure)))
    for source in sources[1:]:
        if "predict_classes" in adapters.ADAPTERS:
            result = _outcome_then(source, "fit_logistic", X, y, then="predict_classes", then_args=(X_test,))
            predictions = _adapted(result, "predictions")
        else:
            predictions = Failed("this pixelgrade cannot ask your classifier for predictions; "
                                 "`pixelgrade baseline` grades it")
        tiles.append(plot_tile("held-out digits (yours)", _confusion_plot(y_test, predictions)))
    return [("baseline", [tiles], f"Logistic regression, a baseline (fitted on {len(y)} images; {where})")]


def _adapted(result, key: str):
    """The value under ``key`` of an adapter's reply, or a Failed that says what went wrong."""
    if isinstance(result, Failed):
        return result
    if not isinstance(result, dict):
        return Failed(f"unexpected reply {type(result).__name__}")
    if result.get("problem"):
        return Failed(str(result["problem"]))
    if result.get(key) is None:
        return Failed(f"it returned {result.get('type', 'something')}, which cannot be used here")
    return result[key]


def _outcome_then(source: Source, function: str, *args, then: str, then_args=()):
    try:
        return source.call(function, *args, _then=then, _then_args=then_args)
    except Failed as failure:
        return failure


def _model_plot(layers):
    """A model drawn layer by layer: name, output shape, parameters (from the contract)."""

    def draw(ax):
        from matplotlib.patches import FancyBboxPatch

        total = sum(params for _, _, params in layers)
        for i, (name, shape, params) in enumerate(layers):
            y = len(layers) - i
            ax.add_patch(FancyBboxPatch((0.03, y - 0.36), 0.94, 0.72, boxstyle="round,pad=0.02",
                                        facecolor="tab:blue" if params else "0.85", alpha=0.35,
                                        edgecolor="black", linewidth=0.6))
            ax.text(0.06, y, name, va="center", fontsize=6.5)
            ax.text(0.64, y, shape, va="center", fontsize=6.5)
            ax.text(0.95, y, f"{params:,}" if params else "", va="center", ha="right", fontsize=6.5)
        ax.text(0.5, 0.2, f"total parameters: {total:,}", ha="center", fontsize=7.5, weight="bold")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, len(layers) + 0.6)
        ax.set_axis_off()

    return draw


MLP_LAYERS = [("input", "784", 0), ("Dense 784, relu", "784", 784 * 784 + 784),
              ("Dense 10, softmax", "10", 784 * 10 + 10)]
CNN_LAYERS = [("input", "28x28x1", 0), ("Conv2D 32, 5x5, relu", "28x28x32", 5 * 5 * 1 * 32 + 32),
              ("MaxPooling2D 2", "14x14x32", 0), ("Dropout 0.2", "14x14x32", 0), ("Flatten", "6272", 0),
              ("Dense 128, relu", "128", 6272 * 128 + 128), ("Dense 10, softmax", "10", 128 * 10 + 10)]


def summary_layers(summary: dict) -> list[tuple[str, str, int]]:
    """(name, output shape, parameters) per layer, from the ``keras_summary`` adapter's description."""
    layers = [("input", "x".join(str(d) for d in (summary.get("input_shape") or [None])[1:]) or "?", 0)]
    for layer in summary.get("layers") or []:
        details = []
        for key in ("units", "filters", "pool_size", "rate"):
            if layer.get(key) is not None:
                value = layer[key]
                details.append("x".join(map(str, value)) if isinstance(value, list) else str(value))
        if isinstance(layer.get("kernel_size"), list):
            details.append("x".join(map(str, layer["kernel_size"])))
        if layer.get("activation") not in (None, "linear"):
            details.append(str(layer["activation"]))
        name = f"{layer.get('class', '?')} {', '.join(details)}".strip()
        shape = layer.get("output_shape") or []
        layers.append((name, "x".join(str(d) for d in shape[1:]) or "?", int(layer.get("params") or 0)))
    return layers


def _learner_model_tile(source: Source, function: str) -> Tile:
    summary = _outcome_then(source, function, then="keras_summary")
    layers = _adapted(summary, "layers")
    if isinstance(layers, Failed):
        return Tile(_label(source, f"{function}()"), text=str(layers))
    return plot_tile(_label(source, f"{function}()"), _model_plot(summary_layers(summary)))


def show_networks(sources):
    rows = [[plot_tile("build_mlp(): dense layers", _model_plot(MLP_LAYERS)),
             plot_tile("build_cnn(): convolution, pooling, dense", _model_plot(CNN_LAYERS))]]
    for source in sources[1:]:
        rows.append([_learner_model_tile(source, "build_mlp"), _learner_model_tile(source, "build_cnn")])
    return [("networks", rows, "The contract's two models, layer by layer (output shape, parameters)")]


def show_training(sources):
    from sklearn.tree import DecisionTreeClassifier

    X, y, X_test, y_test, shape, where = _baseline_data(limit=3000)
    tree = DecisionTreeClassifier(random_state=0).fit(X, y)
    seen, unseen = float(np.mean(tree.predict(X) == y)), float(np.mean(tree.predict(X_test) == y_test))
    wrong = np.flatnonzero(tree.predict(X_test) != y_test)[:10]

    def bars(ax):
        ax.bar([0, 1], [seen, unseen], color=["0.6", "tab:orange"])
        ax.set_xticks([0, 1], ["images it trained on", "held-out images"], fontsize=7)
        for x, value in enumerate((seen, unseen)):
            ax.text(x, value + 0.01, f"{value:.2f}", ha="center", fontsize=8)
        ax.set_ylim(0, 1.1)
        ax.set_ylabel("accuracy", fontsize=7)

    strip = np.concatenate([X_test[i].reshape(shape) for i in wrong], axis=1) if len(wrong) else np.zeros(shape)
    guesses = " ".join(str(int(guess)) for guess in tree.predict(X_test[wrong])) if len(wrong) else ""

    def mistakes(ax):
        ax.imshow(strip, cmap="gray")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel(f"the tree's guesses: {guesses}", fontsize=7)

    rows = [[plot_tile("a decision tree memorises its training set", bars),
             plot_tile("held-out digits it gets wrong", mistakes)]]
    return [("training", rows, f"Why we evaluate on unseen images ({where})")]


RENDERINGS: dict[str, Callable] = {
    "arrays": show_arrays,
    "intensity": show_intensity,
    "histogram": show_histogram,
    "equalisation": show_equalisation,
    "convolution": show_convolution,
    "filters": show_filters,
    "sobel": show_sobel,
    "thresholding": show_thresholding,
    "kmeans": show_kmeans,
    "polygons": show_polygons,
    "exploration": show_exploration,
    "baseline": show_baseline,
    "networks": show_networks,
    "training": show_training,
}
# Drawn without calling the reference solution (from the contract, or with scikit-learn).
NO_REFERENCE_CALLS = {"networks", "training"}
# About the idea, the same for everybody: no learner output in it.
IDEA_ONLY = {"training"}


def _no_reference(function, *args, **kwargs):
    raise Failed("drawn from the contract")


# -- driving it ----------------------------------------------------------------------------
def render(name: str, *, target: str | Path = "exercises", out: str | Path | None = None,
           reference_only: bool = False, console: Console | None = None) -> list[Path]:
    """Draw the figures of exercise ``name``; their paths ([] with a message when there are none)."""
    console = console or Console()
    if name not in RENDERINGS:
        console.print(f"{name}: this exercise has no picture.")
        return []
    target = Path(target)
    out = Path(out) if out else state.state_dir(target) / "show"
    calls_reference = name not in NO_REFERENCE_CALLS
    if calls_reference and not (PROJECT_ROOT / "solutions" / f"{name}.py").exists():
        console.print(f"{name}: there is no reference solution for it yet, so there is nothing to show.")
        return []
    sources, proxy = [], None
    try:
        sources.append(reference_source(name) if calls_reference else Source("reference", _no_reference))
        if name in IDEA_ONLY:
            if not reference_only:
                console.print(f"{name}: this picture is about the idea, the same for everybody; "
                              f"`pixelgrade {name}` grades your code.", highlight=False, soft_wrap=True)
        elif not reference_only:
            if (target / f"{name}.py").exists():
                from grader.runner import load_reference

                reference = load_reference(name) if calls_reference else None
                source, proxy = learner_source(name, target, reference=reference)
                sources.append(source)
            else:
                console.print(f"{name}: there is no {escape(str(target / f'{name}.py'))}; showing the reference only.",
                              highlight=False, soft_wrap=True)
        paths = []
        for stem, rows, title in RENDERINGS[name](sources):
            paths.append(save_figure(figure_of(rows, title), out / f"{stem}.png"))
        return paths
    finally:
        if proxy is not None:
            proxy.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pixelgrade show",
                                     description="Pictures of the reference and your output on real images.")
    parser.add_argument("exercises", nargs="*", metavar="EXERCISE",
                        help="exercises (or their functions, e.g. 'otsu'); default: every exercise")
    parser.add_argument("--target", default="exercises", help="directory of exercise modules (default: exercises)")
    parser.add_argument("--out", metavar="DIR", help="where to write the PNG files (default: .pixelgrade/show "
                                                     "next to the target)")
    parser.add_argument("--reference-only", action="store_true", help="draw the reference solution alone")
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    console = Console()
    if not Path(args.target).is_dir() and not args.reference_only:
        console.print(f"[red]pixelgrade show: target must be a directory of exercise modules; "
                      f"{escape(repr(args.target))} is not a directory[/]")
        return 2
    try:
        chosen = [lookup.find_exercise(name).name for name in args.exercises] or lookup.exercise_names()
    except ValueError as error:
        console.print(f"[red]pixelgrade show: {escape(str(error))}[/]")
        return 2
    written = 0
    for name in dict.fromkeys(chosen):
        try:
            paths = render(name, target=args.target, out=args.out, reference_only=args.reference_only,
                           console=console)
        except Exception as error:  # one picture that cannot be drawn should not stop the others
            console.print(f"[red]{name}: could not draw the picture: {escape(type(error).__name__)}: "
                          f"{escape(str(error))}[/]")
            continue
        for path in paths:
            console.print(f"{name}: {escape(str(path))}", highlight=False, soft_wrap=True)
            written += 1
    if not written:
        console.print("No pictures were written.")
    return 0
