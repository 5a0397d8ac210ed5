"""Checks for `kmeans`."""

import warnings

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from imagecourse.samples import derived, sample
from imagecourse.strategies import uint8_images

from grader.core.answers import remembered
from grader.kit.expect import expect, expect_array, expect_kind, expect_raises, expect_unmodified
from grader.kit.marks import graded

FUNCTIONS = ["assign", "update", "kmeans", "quantise_colours"]
seeds = st.integers(0, 2**32 - 1)


# -- inputs ---------------------------------------------------------------------------
@st.composite
def whole_points(draw, max_n=10, max_k=4, max_d=3):
    """Points and centers with small whole-number coordinates: distances are exact, ties are common."""
    d = draw(st.integers(1, max_d))
    values = st.integers(-4, 4).map(float)
    points = draw(hnp.arrays(np.float64, st.tuples(st.integers(1, max_n), st.just(d)), elements=values))
    centers = draw(hnp.arrays(np.float64, st.tuples(st.integers(1, max_k), st.just(d)), elements=values))
    return points, centers


@st.composite
def blobs(draw, max_n=40, max_k=5, max_d=3):
    """(points, k): k blobs of random points in d dimensions (continuous values, so no exact ties)."""
    rng = np.random.default_rng(draw(seeds))
    k = draw(st.integers(1, max_k))
    n = draw(st.integers(k, max_n))
    d = draw(st.integers(1, max_d))
    middles = rng.uniform(-10, 10, size=(k, d))
    points = middles[rng.integers(0, k, n)] + rng.normal(scale=draw(st.sampled_from([0.5, 2.0, 5.0])), size=(n, d))
    return points, k, rng


def squared_distances(points, centers):
    return ((points[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)


def near_tie(points, centers, gap=1e-6):
    """Whether some point is (nearly) as far from two centers."""
    if len(centers) < 2:
        return False
    d = np.sort(squared_distances(points, centers), axis=1)
    return bool(np.any(d[:, 1] - d[:, 0] <= gap * (1 + d[:, 0])))


def lloyd_trace(reference, points, centers, max_iter):
    """Follow the reference's rounds: (a near tie came up, a cluster went empty, it converged)."""
    tie = empty = False
    labels = None
    for _ in range(max_iter):
        tie |= near_tie(points, centers)
        new = reference.assign(points, centers)
        if labels is not None and np.array_equal(new, labels):
            return tie, empty, True
        labels = new
        empty |= bool(np.bincount(labels, minlength=len(centers)).min() == 0)
        centers = reference.update(points, labels, centers)
    tie |= near_tie(points, centers)
    return tie, empty, False


def inertia(points, centers, labels):
    return float(((points - centers[labels]) ** 2).sum())


def read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


# Points on which Lloyd's algorithm needs 116 rounds from the contract's default start (seed=0) with
# k=10, so that the default max_iter=100 stops it; and a crop of chelsea that needs 128 rounds with
# k=8 from quantise_colours' default start. (Most inputs settle within a few dozen rounds.)
SLOW_POINTS = derived(read_only(np.random.default_rng(7).uniform(0, 100, (1500, 1))),
                      "np.random.default_rng(7).uniform(0, 100, (1500, 1))")
SLOW_IMAGE = derived(read_only(np.ascontiguousarray(sample("chelsea")[48:96, 96:144])),
                     "skimage.data.chelsea()[48:96, 96:144]")


@remembered
def scipy_nearest(points, centers):
    """``cdist(points, centers, "sqeuclidean").argmin(axis=1)``: the index of each point's nearest center."""
    from scipy.spatial.distance import cdist

    return cdist(points, centers, "sqeuclidean").argmin(axis=1).astype(np.int64)


@remembered  # scikit-learn takes 2 s to import: its answers are kept (grader.core.answers)
def oracle_kmeans(points, init, max_iter):
    from sklearn.cluster import KMeans

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = KMeans(len(init), init=init, n_init=1, algorithm="lloyd", tol=0, max_iter=max_iter).fit(points)
    return fitted.cluster_centers_, fitted.labels_.astype(np.int64)


# -- assign ---------------------------------------------------------------------------
@graded("assign", 2)
@given(data=whole_points())
def test_assign_matches_reference(learner, reference, data):
    """assign labels like the reference (whole-number points, ties included), also with 300 coordinates"""
    points, centers = data
    expect_array(learner.assign(points, centers), reference.assign(points, centers))
    # Points with hundreds of coordinates (flattened images, say): each row repeated to 300 coordinates,
    # so every distance is multiplied by the same whole number, exactly, and the ties stay ties.
    repeats = 300 // points.shape[1]
    wide_points, wide_centers = np.tile(points, repeats), np.tile(centers, repeats)
    expect_array(learner.assign(wide_points, wide_centers), reference.assign(wide_points, wide_centers))


@graded("assign", 2)
@given(data=blobs())
def test_assign_matches_scipy(learner, data):
    """assign equals scipy's cdist(points, centers, "sqeuclidean").argmin(axis=1), away from ties, at any scale"""
    points, k, rng = data
    centers = rng.uniform(-10, 10, size=(k, points.shape[1]))
    assume(not near_tie(points, centers))
    expected = scipy_nearest(points, centers)
    expect_array(learner.assign(points, centers), expected, expected_from="cdist(points, centers).argmin(axis=1)")
    # The nearest center does not depend on the unit: scaled by 2**-40 (a power of two, so exactly),
    # with squared distances far below 1, every point keeps its label.
    tiny = 2.0 ** -40
    expect_array(learner.assign(points * tiny, centers * tiny), expected,
                 expected_from="cdist(points, centers).argmin(axis=1) before both were scaled by 2**-40, which "
                               "changes no comparison of distances")


@graded("assign", 2)
@given(data=whole_points(max_k=5))
def test_assign_nearest_with_lowest_index(learner, data):
    """every label is the nearest center, and a tie goes to the lowest index"""
    points, centers = data
    centers = np.concatenate([centers, centers[::-1]])  # every center twice: ties everywhere
    labels = learner.assign(points, centers)
    expect_kind(labels, np.int64, (len(points),))
    expect(np.all((labels >= 0) & (labels < len(centers))), "some labels are not indices of centers.")
    distances = squared_distances(points, centers)
    rows = np.arange(len(points))
    i = int(np.argmax(distances[rows, labels] > distances.min(axis=1)))
    expect(np.all(distances[rows, labels] == distances.min(axis=1)),
           f"point {i} got label {labels[i]} at squared distance {distances[i, labels[i]]:g}, but center "
           f"{distances[i].argmin()} is nearer ({distances[i].min():g}).")
    first = distances.argmin(axis=1)
    i = int(np.argmax(labels != first))
    expect(np.array_equal(labels, first),
           f"point {i} is equally near to centers {np.flatnonzero(distances[i] == distances[i].min()).tolist()}; "
           f"a tie goes to the lowest index, {first[i]}, but it got {labels[i]}.")


@graded("assign", 1)
def test_assign_many_points(learner):
    """assign 40,000 points (a solution that works in blocks of points must join the blocks right)"""
    rng = np.random.default_rng(21)
    points = rng.uniform(0, 100, size=(40_000, 2))
    centers = np.array([[10.0, 10.0], [90.0, 20.0], [50.0, 80.0], [30.0, 60.0]])
    expected = squared_distances(points, centers).argmin(axis=1).astype(np.int64)
    expect_array(learner.assign(points, centers), expected, expected_from="the nearest center of each point")


@graded("assign", 1)
def test_assign_real_colours(learner, reference):
    """assign the pixels of chelsea (every 8th row and column) to five colours"""
    image = sample("chelsea")[::8, ::8]
    points = derived(image.reshape(-1, 3).astype(np.float64),
                     "skimage.data.chelsea()[::8, ::8].reshape(-1, 3).astype(np.float64)")
    centers = np.array([[0.0, 0, 0], [255, 255, 255], [140, 100, 80], [200, 150, 120], [60, 50, 40]])
    expect_array(learner.assign(points, centers), reference.assign(points, centers))


# -- update ---------------------------------------------------------------------------
@st.composite
def labelled(draw, max_n=12, max_k=5, max_d=3):
    """(points, labels, centers): labels in 0..k-1, some clusters possibly empty."""
    k = draw(st.integers(1, max_k))
    d = draw(st.integers(1, max_d))
    n = draw(st.integers(1, max_n))
    values = st.floats(-100, 100, allow_nan=False, width=64)
    points = draw(hnp.arrays(np.float64, (n, d), elements=values))
    labels = draw(hnp.arrays(np.int64, n, elements=st.integers(0, k - 1)))
    centers = draw(hnp.arrays(np.float64, (k, d), elements=values))
    return points, labels, centers


@graded("update", 2)
@given(data=labelled())
def test_update_matches_reference(learner, reference, data):
    """update moves the centers like the reference (empty clusters included)"""
    points, labels, centers = data
    expect_array(learner.update(points, labels, centers), reference.update(points, labels, centers))


@graded("update", 2)
@given(data=labelled())
def test_update_centers_are_means(learner, data):
    """every center becomes the mean (np.mean) of its points"""
    points, labels, centers = data
    got = learner.update(points, labels, centers)
    expect_kind(got, np.float64, centers.shape)
    for j in np.unique(labels):
        mean = points[labels == j].mean(axis=0)
        expect(np.allclose(got[j], mean, rtol=1e-7, atol=1e-9),
               f"center {j} became {got[j].tolist()}; the mean of its {np.sum(labels == j)} points "
               f"(np.mean) is {mean.tolist()}.")


@graded("update", 2)
@given(data=labelled(max_k=4))
def test_update_empty_cluster_keeps_center(learner, data):
    """a center with no points keeps its old value"""
    points, labels, centers = data
    centers = np.concatenate([centers, centers[:1] + 7.5])  # one more center, and no point is labelled with it
    got = learner.update(points, labels, centers)
    expect_kind(got, np.float64, centers.shape)
    for j in sorted(set(range(len(centers))) - set(labels.tolist())):
        expect(np.array_equal(got[j], centers[j]),
               f"center {j} has no points and became {got[j].tolist()}; a center without points must keep its "
               f"old value {centers[j].tolist()} (its mean would be 0 / 0).")
    # With no points at all (n = 0), every center is one without points.
    expect_array(learner.update(np.zeros((0, points.shape[1])), np.zeros(0, dtype=np.int64), centers), centers,
                 expected_from="the old centers: with no points, every center keeps its value")


# -- kmeans ---------------------------------------------------------------------------
@graded("kmeans", 3)
@given(data=blobs(), from_points=st.booleans())
def test_kmeans_matches_sklearn(learner, reference, data, from_points):
    """kmeans equals sklearn's KMeans(k, init=init, n_init=1, algorithm="lloyd", tol=0) away from ties and empties"""
    points, k, rng = data
    if from_points:
        init = points[rng.choice(len(points), k, replace=False)]
    else:
        init = rng.uniform(points.min(axis=0), points.max(axis=0), size=(k, points.shape[1]))
    tie, empty, converged = lloyd_trace(reference, points, init, 100)
    assume(not tie and not empty and converged)
    expected_centers, expected_labels = oracle_kmeans(points, init, 100)
    got = learner.kmeans(points, k, init=init)
    expect(type(got) is tuple and len(got) == 2, f"returned {type(got).__name__}; expected a tuple (centers, labels).")
    centers, labels = got
    expect_array(centers, expected_centers, expected_from="sklearn.cluster.KMeans(...).cluster_centers_")
    expect_array(labels, expected_labels, expected_from="sklearn.cluster.KMeans(...).labels_")


@graded("kmeans", 2)
@given(data=blobs(max_n=25), use_init=st.booleans(), seed=st.integers(0, 1000), max_iter=st.sampled_from([1, 2, 100]))
# seed=None and max_iter=None leave them out: the contract's defaults, seed=0 and max_iter=100, which stop
# these points after 100 of the 116 rounds they need.
@example(data=(SLOW_POINTS, 10, None), use_init=False, seed=None, max_iter=None)
def test_kmeans_matches_reference(learner, reference, data, use_init, seed, max_iter):
    """kmeans matches the reference (default start from the seed, or init; empty clusters included; the defaults)"""
    points, k, rng = data
    options = {name: value for name, value in [("max_iter", max_iter), ("seed", seed)] if value is not None}
    init = rng.uniform(-15, 15, size=(k, points.shape[1])) if use_init else None
    seeded = points[np.random.default_rng(options.get("seed", 0)).choice(len(points), k, replace=False)]
    start = init if use_init else seeded
    assume(not lloyd_trace(reference, points, start, options.get("max_iter", 100))[0])
    expected = reference.kmeans(points, k, init=init, **options)
    # Every argument by its name in the contract (points and k too: only init, max_iter and seed are keyword-only).
    got = learner.kmeans(points=points, k=k, init=init, **options)
    expect(type(got) is tuple and len(got) == 2, f"returned {type(got).__name__}; expected a tuple (centers, labels).")
    expect_array(got[0], expected[0], expected_from="the reference's centers")
    expect_array(got[1], expected[1], expected_from="the reference's labels")


@graded("kmeans", 2)
@given(data=blobs(max_n=30))
def test_kmeans_inertia_never_rises(learner, data):
    """the inertia never rises from one round to the next (max_iter = 1, 2, 3, ...)"""
    points, k, rng = data
    init = rng.uniform(-12, 12, size=(k, points.shape[1]))
    previous = None
    for rounds in range(1, 7):
        got = learner.kmeans(points, k, init=init, max_iter=rounds)
        expect(type(got) is tuple and len(got) == 2,
               f"returned {type(got).__name__}; expected a tuple (centers, labels).")
        centers, labels = got
        expect_kind(centers, np.float64, (k, points.shape[1]))
        expect_kind(labels, np.int64, (len(points),))
        expect(np.all((labels >= 0) & (labels < k)), "some labels are not indices of centers.")
        value = inertia(points, centers, labels)
        expect(previous is None or value <= previous * (1 + 1e-9) + 1e-9,
               f"the inertia (sum of squared distances to the centers) rose from {previous!r} after "
               f"{rounds - 1} rounds to {value!r} after {rounds}; neither an assign nor an update step can raise it.")
        previous = value


@graded("kmeans", 1)
@given(data=blobs(max_n=30), max_iter=st.sampled_from([1, 3, 100]))
def test_kmeans_labels_belong_to_final_centers(learner, data, max_iter):
    """the labels returned are the nearest of the returned centers"""
    points, k, rng = data
    got = learner.kmeans(points, k, init=rng.uniform(-12, 12, size=(k, points.shape[1])), max_iter=max_iter)
    expect(type(got) is tuple and len(got) == 2, f"returned {type(got).__name__}; expected a tuple (centers, labels).")
    centers, labels = got
    expect_kind(centers, np.float64, (k, points.shape[1]))
    expect_kind(labels, np.int64, (len(points),))
    assume(not near_tie(points, centers))
    nearest = squared_distances(points, centers).argmin(axis=1)
    i = int(np.argmax(labels != nearest))
    expect(np.array_equal(labels, nearest),
           f"point {i} has label {labels[i]}, but the nearest returned center is {nearest[i]}: the labels must "
           "belong to the final centers (assign once more after the last update).")


@graded("kmeans", 1, guard=True)
@pytest.mark.parametrize("k", [0, 6])
def test_kmeans_rejects_bad_k(learner, k):
    """kmeans raises ValueError for k < 1 or k > n"""
    points = np.arange(10, dtype=np.float64).reshape(5, 2)
    expect_raises(learner, "kmeans", points, k, exception="ValueError", mentions="k")


# -- quantise_colours ----------------------------------------------------------------------
def rounding_slack(reference, image, k, seed):
    """Pixels whose reference center has a component within 1e-9 of a half-integer (may round either way)."""
    pixels = image[..., :3].reshape(-1, 3).astype(np.float64)
    centers, labels = reference.kmeans(pixels, k, seed=seed)
    half = np.abs(centers - np.floor(centers) - 0.5) <= 1e-9
    return half[labels].reshape(image.shape[:2] + (3,))


def colours_of(image):
    return np.unique(image.reshape(-1, image.shape[-1]), axis=0)


@graded("quantise_colours", 2)
@pytest.mark.parametrize("name, k", [("chelsea", 2), ("chelsea", 6), ("coffee", 4), ("coffee", 8)])
def test_quantise_real_images(learner, reference, name, k):
    """quantise_colours of a real photograph (every 4th row and column) uses at most k colours"""
    image = derived(np.ascontiguousarray(sample(name)[::4, ::4]), f"skimage.data.{name}()[::4, ::4]")
    got = learner.quantise_colours(image, k)
    expect_kind(got, np.uint8, image.shape)
    count = len(colours_of(got))
    expect(count <= k, f"the result has {count} different colours; k-means with k={k} gives at most {k}.")
    expect_array(got, reference.quantise_colours(image, k), off_by_one_where=rounding_slack(reference, image, k, 0))


@graded("quantise_colours", 2)
@given(image=uint8_images(channels=3, max_side=6), k=st.integers(1, 4), seed=st.integers(0, 100))
@example(image=SLOW_IMAGE, k=8, seed=0)  # 128 rounds to settle: kmeans' max_iter=100 stops it
@example(image=np.array([[[0, 0, 0], [255, 255, 255]]], dtype=np.uint8), k=2, seed=0)  # 0 and 255 stay as they are
def test_quantise_matches_reference(learner, reference, image, k, seed):
    """quantise_colours matches the reference on small RGB images (black and white, and a crop k-means is slow on)"""
    k = min(k, image.shape[0] * image.shape[1])
    got = learner.quantise_colours(image, k, seed=seed)
    expect_kind(got, np.uint8, image.shape)
    count = len(colours_of(got))
    expect(count <= k, f"the result has {count} different colours; k-means with k={k} gives at most {k}.")
    expect_array(got, reference.quantise_colours(image, k, seed=seed),
                 off_by_one_where=rounding_slack(reference, image, k, seed))


@graded("quantise_colours", 1)
def test_quantise_takes_the_contracts_keywords(learner, reference):
    """quantise_colours(image=..., k=..., seed=...) works with every argument named, as the contract names them"""
    image = derived(np.ascontiguousarray(sample("coffee")[::16, ::16]), "skimage.data.coffee()[::16, ::16]")
    got = learner.quantise_colours(image=image, k=3, seed=5)
    expect_array(got, reference.quantise_colours(image, 3, seed=5),
                 off_by_one_where=rounding_slack(reference, image, 3, 5))


@graded("quantise_colours", 1, guard=True)
def test_quantise_rejects_bad_k(learner):
    """quantise_colours raises ValueError for k < 1 or k > H * W, as kmeans does"""
    image = np.random.default_rng(48).integers(0, 256, (4, 4, 3), dtype=np.uint8)
    for k in (0, 17):
        expect_raises(learner, "quantise_colours", image, k, exception="ValueError", mentions="k")


# -- every function -------------------------------------------------------------------
@graded(None, 1, guard=True)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_input_unchanged(learner, function):
    """leaves its input unchanged (unsorted ones: sorting a sorted array in place changes nothing)"""
    points = np.array([[9.0, 9.0], [1.0, 0.5], [0.0, 0.0], [10.0, 8.0], [0.5, 1.0]])
    centers = np.array([[9.0, 9.5], [0.0, 1.0]])
    args = {
        "assign": (points, centers),
        "update": (points, np.array([0, 1, 1, 0, 1]), centers),
        "kmeans": (points, 2),
        "quantise_colours": (np.random.default_rng(48).integers(0, 256, (4, 4, 3), dtype=np.uint8), 3),
    }[function]
    learner.call(function, *args)
    expect_unmodified(learner)
