"""The pictures of ``pixelgrade show``, one rendering per exercise of the course.

``RENDERINGS`` maps an exercise to a function that takes the sources (the reference,
maybe the learner's) and returns ``[(file stem, rows of tiles, title)]``; the engine
(:mod:`grader.learning.show`) calls the functions through the sources, draws the tiles and
saves the figures. ``NO_REFERENCE_CALLS``: drawn without calling the reference
solution (from the contract, or with scikit-learn); ``IDEA_ONLY``: about the idea,
the same for everybody, with no learner output in it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from grader.learning.show import Failed, Source, Tile, image_tile, plot_tile
from imagecourse import mnist
from imagecourse.samples import sample


# -- the digits --------------------------------------------------------------------------
def _describe_digits(kind: str, data) -> str:
    x_train, _, x_test, _ = data
    return f"{kind}, {len(x_train)} training and {len(x_test)} held-out images of {x_train.shape[1]}x{x_train.shape[2]}"


@functools.cache
def _digits_cache() -> tuple[tuple, str]:
    """((x_train, y_train, x_test, y_test), where they came from): the course's loader (imagecourse.mnist)."""
    try:
        loaded = mnist.load()
    except mnist.MnistError:  # a broken PIXELGRADE_MNIST file: the picture still draws, from scikit-learn's digits
        loaded = mnist.load_sklearn()
    data = (loaded.x_train, loaded.y_train, loaded.x_test, loaded.y_test)
    return data, _describe_digits("scikit-learn's digits" if loaded.source == "sklearn" else "MNIST", data)


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
    """(name, output shape, parameters) per layer, from the model inspector's description (grader.core.models)."""
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


def _inspected_summary(source: Source, function: str):
    """The inspector's description of the model ``function()`` returns, or a Failed that says why there is none.

    The model is saved in the learner's worker and described by the grader's inspector,
    outside it (grader.core.models), as the checks do; the learner's Source calls a
    LearnerModule, whose worker holds the saved file.
    """
    from grader.core import failures, models
    from grader.core.learner import LearnerModule
    from grader.kit.describe import shorten

    learner = getattr(source.call_function, "__self__", None)
    if not isinstance(learner, LearnerModule):
        return Failed("only a learner's model can be inspected here")
    try:
        found = models.keras_model(learner, function)
    except failures.LearnerFailure as failure:
        return Failed(shorten(" ".join(failure.message.split()), 220))
    except models.InspectorFailed as error:
        return Failed(shorten(str(error), 220))
    return Failed(found.problem) if found.problem else found.summary


def _learner_model_tile(source: Source, function: str) -> Tile:
    summary = _inspected_summary(source, function)
    if isinstance(summary, Failed):
        return Tile(_label(source, f"{function}()"), text=str(summary))
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
