"""The data exercises (kmeans, polygons, exploration, baseline, networks, training).

A deliberately buggy function loses points in the checks meant for that bug, and
no other function loses any. The TensorFlow exercises' tests are skipped, with
the reason, where TensorFlow is missing; `nox -s tests` installs it.
"""

import pytest
from conftest import assert_diagnosis, make_submission, needs_tensorflow, points_by_function

from grader import api
from grader.core import results

# name: (module, function, a check that must fail, new source of the function)
BUGS = {
    # -- kmeans
    "assign breaks ties towards the highest index": ("kmeans", "assign", "test_assign_nearest_with_lowest_index", """
        def assign(points, centers):
            points = _as_points(points)
            centers = _as_centers(centers, points.shape[1])
            distances = _squared_distances(points, centers)
            return (len(centers) - 1 - np.argmin(distances[:, ::-1], axis=1)).astype(np.int64)
    """),
    "update sets an empty cluster to zero": ("kmeans", "update", "test_update_empty_cluster_keeps_center", """
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
    "kmeans returns the labels from before the last update": (
        "kmeans", "kmeans", "test_kmeans_labels_belong_to_final_centers", """
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
    "quantise_colours truncates the centers": ("kmeans", "quantise_colours", "test_quantise_real_images", """
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
    "ray casting with <= in the crossing test": ("polygons", "point_in_polygon", "test_point_matches_matplotlib", """
        def point_in_polygon(point, polygon):
            x, y = np.asarray(point, dtype=np.float64)
            x1, y1, x2, y2 = _edges(_as_polygon(polygon))
            straddles = ((y1 <= y) & (y <= y2)) | ((y2 <= y) & (y <= y1))
            with np.errstate(divide="ignore", invalid="ignore"):
                x_cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            return bool(np.count_nonzero(straddles & (x < x_cross)) % 2)
    """),
    "points_in_polygon forgets the closing edge": (
        "polygons", "points_in_polygon", "test_points_match_matplotlib", """
        def points_in_polygon(points, polygon):
            points = np.asarray(points, dtype=np.float64)
            polygon = _as_polygon(polygon)
            x1, y1, x2, y2 = polygon[:-1, 0], polygon[:-1, 1], polygon[1:, 0], polygon[1:, 1]
            return _crossings_odd(points[:, 0, None], points[:, 1, None], x1, y1, x2, y2)
    """),
    "polygon_inside swaps inner and outer": ("polygons", "polygon_inside", "test_polygon_inside_nested_and_apart", """
        def polygon_inside(inner, outer):
            inner, outer = _as_polygon(inner), _as_polygon(outer)
            return bool(_crossings_odd(outer[0, 0], outer[0, 1], *_edges(inner)))
    """),
    "group_holes counts every deeper polygon as a hole": (
        "polygons", "group_holes", "test_group_holes_real_contours", """
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
    "class_counts has no range check": ("exploration", "class_counts", "test_counts_reject_bad_labels", """
        def class_counts(labels, num_classes=10):
            return np.bincount(np.asarray(labels).astype(np.int64), minlength=num_classes).astype(np.int64)
    """),
    "class_means divides by the total count": ("exploration", "class_means", "test_means_of_the_digits", """
        def class_means(images, labels, num_classes=10):
            images = np.asarray(images)
            labels = _check_labels(labels, num_classes)
            means = np.zeros((num_classes,) + images.shape[1:])
            for c in range(num_classes):
                means[c] = images[labels == c].astype(np.float64).sum(axis=0) / len(images)
            return means
    """),
    "mean_difference without the absolute value": (
        "exploration", "mean_difference", "test_difference_of_the_digits", """
        def mean_difference(images, labels, a, b):
            images, labels = np.asarray(images), np.asarray(labels)
            return _class_mean(images, labels, a) - _class_mean(images, labels, b)
    """),
    "montage with a fresh rng for every class": ("exploration", "montage", "test_montage_of_the_digits", """
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
    "a classifier that predicts the majority class": ("baseline", "fit_logistic", "test_held_out_accuracy", """
        def fit_logistic(X, y):
            from sklearn.dummy import DummyClassifier

            return DummyClassifier(strategy="most_frequent").fit(X, y)
    """),
    "fit_logistic returns an unfitted classifier": ("baseline", "fit_logistic", "test_held_out_accuracy", """
        def fit_logistic(X, y):
            return LogisticRegression()
    """),
}

ML_BUGS = {
    "valid padding in the CNN": ("networks", "build_cnn", "test_cnn_layers", """
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
    "no softmax on the MLP's last layer": ("networks", "build_mlp", "test_mlp_gives_probabilities", """
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
    "the CNN compiled with the wrong loss": ("networks", "build_cnn", "test_cnn_compiled", """
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
    "train_cnn returns an untrained model": ("training", "train_cnn", "test_held_out_accuracy", """
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
    "train_cnn returns the training history": ("training", "train_cnn", "test_held_out_accuracy", """
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
}


def _check_bug(tmp_path, full_report, bugs, bug, **options):
    module, function, check_name, source = bugs[bug]
    target = make_submission(tmp_path, [module], replace={module: {function: source}})
    report = api.grade([module], target=target, **options)
    full = points_by_function(full_report, module)
    for name, (points, most) in points_by_function(report, module).items():
        if name == function:
            assert points < most, f"{bug}: {function} kept all its points"
        else:
            assert (points, most) == full[name], f"{bug}: {name} lost points it should not have"
    checks = report.exercise(module).checks
    failed = [c for c in checks if c.status != results.PASSED]
    assert any(c.id.split("::")[-1].startswith(check_name) for c in failed), (
        f"{bug}: {check_name} passed", [(c.id, c.message) for c in failed])
    # Each says what was called, or that a guard waits for a value check (grader.kit.marks).
    assert all(c.status in (results.FAILED, results.ERROR) and _details(c).startswith(("Called `", "Not counted yet"))
               for c in failed), [
        (c.id, c.status, c.message) for c in failed]
    assert_diagnosis(report, module, function, bug)
    return report


@pytest.mark.parametrize("bug", BUGS)
def test_bug_costs_only_its_function(tmp_path, solutions_report, bug):
    _check_bug(tmp_path, solutions_report, BUGS, bug, max_examples=15)


@pytest.mark.ml
@needs_tensorflow
@pytest.mark.parametrize("bug", ML_BUGS)
def test_ml_bug_costs_only_its_function(tmp_path, ml_solutions_report, bug):
    report = _check_bug(tmp_path, ml_solutions_report, ML_BUGS, bug)
    if ML_BUGS[bug][0] == "training":
        accuracy = next(c for c in report.exercise("training").checks if "held_out_accuracy" in c.id)
        assert "held-out images" in accuracy.message or "not a Keras model" in accuracy.message, accuracy.message


def test_accuracy_messages_name_the_data(tmp_path):
    """A failed accuracy check says which digits it used (file, Keras or scikit-learn's) and the threshold."""
    from course import mlcheck

    target = make_submission(tmp_path, ["baseline"], replace={"baseline": {"fit_logistic": BUGS[
        "a classifier that predicts the majority class"][3]}})
    report = api.grade(["baseline"], target=target)
    check = next(c for c in report.exercise("baseline").checks if "held_out_accuracy" in c.id)
    digits = mlcheck.digits()
    assert digits.description in check.message
    assert f"{mlcheck.thresholds(digits).baseline:.0%}" in check.message
    assert check.status == results.FAILED and check.points == 0


def _details(check) -> str:
    """The message after the sentence that names a misconception (if the failure was diagnosed)."""
    return check.message.split("\n", 1)[1] if check.misconception else check.message
