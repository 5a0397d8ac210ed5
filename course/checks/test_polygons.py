"""Checks for `polygons`."""

import functools

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from imagecourse.samples import derived, sample

from grader.core.answers import remembered
from grader.kit.expect import expect_array, expect_bool, expect_equal, expect_unmodified
from grader.kit.marks import graded

FUNCTIONS = ["point_in_polygon", "points_in_polygon", "polygon_inside", "group_holes"]
CLEARANCE = 0.05  # test points stay at least this far from every edge (the answer on an edge is not specified)


# -- random simple polygons -------------------------------------------------------------
def _segments_touch(p, q, r, s) -> bool:
    """Whether the closed segments pq and rs share a point."""
    def orient(a, b, c):
        return np.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))

    def on(a, b, c):  # c on segment ab, given that the three are collinear
        return min(a[0], b[0]) <= c[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= c[1] <= max(a[1], b[1])

    o1, o2, o3, o4 = orient(p, q, r), orient(p, q, s), orient(r, s, p), orient(r, s, q)
    if o1 != o2 and o3 != o4:
        return True
    return bool((o1 == 0 and on(p, q, r)) or (o2 == 0 and on(p, q, s)) or (o3 == 0 and on(r, s, p))
                or (o4 == 0 and on(r, s, q)))


def is_simple(polygon: np.ndarray) -> bool:
    """No repeated vertex, no fold-back and no two edges that meet except neighbours at their shared vertex."""
    m = len(polygon)
    if len(np.unique(polygon, axis=0)) != m:
        return False
    edges = [(polygon[i], polygon[(i + 1) % m]) for i in range(m)]
    for i in range(m):
        a, b, c = polygon[i - 1], polygon[i], polygon[(i + 1) % m]
        cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0])
        dot = (b[0] - a[0]) * (c[0] - b[0]) + (b[1] - a[1]) * (c[1] - b[1])
        if cross == 0 and dot < 0:  # the next edge runs back along this one
            return False
        for j in range(i + 2, m):
            if i == 0 and j == m - 1:
                continue  # neighbours through the closing edge
            if _segments_touch(*edges[i], *edges[j]):
                return False
    return True


def random_polygon(rng, m: int, convex: bool, scale: float = 20.0) -> np.ndarray:
    """A simple polygon with whole-number vertices: around a circle (convex) or a star (concave)."""
    while True:
        angles = np.sort(rng.uniform(0, 2 * np.pi, m))
        radii = np.full(m, scale) if convex else rng.uniform(0.25, 1.0, m) * scale
        centre = rng.integers(-30, 30, 2)
        polygon = np.rint(centre + radii[:, None] * np.stack([np.cos(angles), np.sin(angles)], axis=1))
        if is_simple(polygon):
            return polygon


def distance_to_boundary(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """The distance of every point to the nearest edge (closing edge included)."""
    a, b = polygon, np.roll(polygon, -1, axis=0)
    ab = b - a
    length2 = np.maximum((ab ** 2).sum(axis=1), 1e-300)
    ap = points[:, None, :] - a[None]
    t = np.clip((ap * ab[None]).sum(axis=2) / length2, 0, 1)
    nearest = a[None] + t[..., None] * ab[None]
    return np.sqrt(((points[:, None, :] - nearest) ** 2).sum(axis=2)).min(axis=1)


def points_around(rng, polygon, count: int) -> np.ndarray:
    """Points around ``polygon``, away from its edges; half of them on the height of a vertex.

    A ray through a vertex is where the half-open crossing test matters.
    """
    low, high = polygon.min(axis=0) - 3, polygon.max(axis=0) + 3
    points = rng.uniform(low, high, size=(4 * count, 2))
    points[::2, 1] = polygon[rng.integers(0, len(polygon), len(points[::2])), 1]  # y of a vertex
    points[1::4, 0] = np.rint(points[1::4, 0]) + 0.5
    keep = distance_to_boundary(points, polygon) > CLEARANCE
    return np.ascontiguousarray(points[keep][:count])


@remembered
def oracle(points, polygon):
    from matplotlib.path import Path

    return Path(polygon).contains_points(points)


@st.composite
def polygon_cases(draw, count=8):
    """(polygon, points): a random simple polygon and points away from its boundary."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    polygon = random_polygon(rng, draw(st.integers(3, 12)), draw(st.booleans()))
    points = points_around(rng, polygon, count)
    assume(len(points) > 0)
    return polygon, points


# -- real contours ----------------------------------------------------------------------
def contours_recipe(name: str) -> str:
    """Python for the list ``contours(name)`` (it starts with ``skimage.`` so that snippets import skimage)."""
    mask = ("skimage.data.horse()" if name == "horse" else
            "skimage.data.coins() > skimage.filters.threshold_otsu(skimage.data.coins())")
    return (f"skimage.measure and [c[:, ::-1] - 1 for c in skimage.measure.find_contours(np.pad({mask}, 1)"
            ".astype(float), 0.5)]")


@functools.cache
def contours(name: str) -> list:
    """The (x, y) contours of a binary picture of ``name``, padded so that every outline closes.

    As in the course's vectorisation notebook: ``find_contours`` at level 0.5 of
    the mask (``horse`` as it is, ``coins`` above its Otsu threshold), each
    ``(row, col)`` contour turned into ``(x, y)``.
    """
    found = contour_arrays(name)
    for polygon in found:
        polygon.flags.writeable = False
    return derived(found, contours_recipe(name))


@remembered
def contour_arrays(name: str) -> list:
    """What :func:`contours` returns, computed (its answer kept by grader.core.answers)."""
    from skimage.filters import threshold_otsu
    from skimage.measure import find_contours

    image = sample(name)
    mask = image if name == "horse" else image > threshold_otsu(image)
    return [np.ascontiguousarray(c[:, ::-1] - 1.0) for c in find_contours(np.pad(mask, 1).astype(float), 0.5)]


def oracle_groups(polygons) -> dict:
    """group_holes by the contract's definition, with matplotlib's point-in-polygon test."""
    n = len(polygons)
    inside = np.zeros((n, n), dtype=bool)
    firsts = np.array([p[0] for p in polygons]).reshape(n, 2)
    for j, outer in enumerate(polygons):
        inside[:, j] = oracle(firsts, outer)
    np.fill_diagonal(inside, False)
    depth = inside.sum(axis=1)
    return {int(i): [int(h) for h in np.flatnonzero(inside[:, i] & (depth == depth[i] + 1))]
            for i in np.flatnonzero(depth % 2 == 0)}


def concentric(rng, groups: int, levels: int) -> list:
    """Convex polygons, each ``levels`` deep around a common centre, ``groups`` of them far apart, shuffled."""
    polygons = []
    for g in range(groups):
        base = random_polygon(rng, int(rng.integers(3, 9)), convex=True, scale=40.0)
        base = base - base.mean(axis=0)
        for level in range(levels):
            # Shrinking a convex polygon towards an inner point keeps each copy inside the one before.
            polygon = base * (1 - level / (levels + 0.5)) + [200.0 * g, 0.0]
            polygons.append(np.roll(polygon, int(rng.integers(0, len(polygon))), axis=0))
    order = rng.permutation(len(polygons))
    return [np.ascontiguousarray(polygons[i]) for i in order]


# -- point_in_polygon ------------------------------------------------------------------
@graded("point_in_polygon", 3)
@given(case=polygon_cases(count=6))
def test_point_matches_matplotlib(learner, case):
    """point_in_polygon equals matplotlib's Path.contains_points on random polygons, off the boundary"""
    polygon, points = case
    expected = oracle(points, polygon)
    for point, inside in zip(points, expected):
        expect_bool(learner.point_in_polygon(point, polygon), inside,
                    expected_from="matplotlib.path.Path(polygon).contains_points")


@graded("point_in_polygon", 1)
def test_point_concave_notch(learner):
    """point_in_polygon: the notch of a U is outside, its arms inside"""
    u_shape = np.array([(0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3)], dtype=np.float64)
    for point, inside in [((1.5, 2.0), False), ((0.5, 2.0), True), ((2.5, 1.0), True), ((1.5, 0.5), True),
                          ((3.5, 1.0), False), ((-0.5, 3.0), False), ((0.5, 1.0), True),
                          ((-1.0, 1.0), False)]:
        expect_bool(learner.point_in_polygon(np.array(point), u_shape), inside, expected_from="the U's drawing")


@graded("point_in_polygon", 2)
@given(case=polygon_cases(count=4), shift=st.tuples(st.integers(-50, 50), st.integers(-50, 50)),
       turn=st.integers(0, 11), backwards=st.booleans(), closed=st.booleans())
def test_point_invariance(learner, case, shift, turn, backwards, closed):
    """point_in_polygon ignores a shift, a turned or reversed vertex order, a repeated first vertex"""
    polygon, points = case
    expected = oracle(points, polygon)
    moved = np.roll(polygon, turn % len(polygon), axis=0)[::-1 if backwards else 1] + np.array(shift, float)
    if closed:
        moved = np.concatenate([moved, moved[:1]])
    for point, inside in zip(points + np.array(shift, float), expected):
        expect_bool(learner.point_in_polygon(point, np.ascontiguousarray(moved)), inside,
                    expected_from="the same point in the polygon before it was moved or its vertices turned")


# -- points_in_polygon -----------------------------------------------------------------
@graded("points_in_polygon", 3)
@given(case=polygon_cases(count=40))
def test_points_match_matplotlib(learner, case):
    """points_in_polygon equals matplotlib's Path.contains_points on random polygons, off the boundary"""
    polygon, points = case
    expect_array(learner.points_in_polygon(points, polygon), oracle(points, polygon),
                 expected_from="matplotlib.path.Path(polygon).contains_points")


@graded("points_in_polygon", 2)
@given(case=polygon_cases(count=30), shift=st.tuples(st.integers(-50, 50), st.integers(-50, 50)),
       turn=st.integers(0, 11), backwards=st.booleans(), closed=st.booleans())
def test_points_invariance(learner, case, shift, turn, backwards, closed):
    """points_in_polygon ignores a shift, a turned or reversed vertex order, a repeated first vertex"""
    polygon, points = case
    moved = np.roll(polygon, turn % len(polygon), axis=0)[::-1 if backwards else 1] + np.array(shift, float)
    if closed:
        moved = np.concatenate([moved, moved[:1]])
    expect_array(learner.points_in_polygon(points + np.array(shift, float), np.ascontiguousarray(moved)),
                 oracle(points, polygon),
                 expected_from="the same points in the polygon before it was moved or its vertices turned")


@graded("points_in_polygon", 2)
@pytest.mark.parametrize("name", ["horse", "coins"])
def test_points_real_contour(learner, name):
    """points_in_polygon on the longest contour of a real image, on a grid of points off the boundary"""
    polygon = derived(max(contours(name), key=len),
                      contours_recipe(name).replace("skimage.measure and [", "skimage.measure and max([", 1)
                      + ", key=len)")
    (x0, y0), (x1, y1) = polygon.min(axis=0), polygon.max(axis=0)
    xs, ys = np.meshgrid(np.linspace(x0 - 2, x1 + 2, 37), np.linspace(y0 - 2, y1 + 2, 29))
    points = np.stack([xs.ravel(), ys.ravel()], axis=1) + 0.013
    points = np.ascontiguousarray(points[distance_to_boundary(points, polygon) > CLEARANCE])
    expect_array(learner.points_in_polygon(points, polygon), oracle(points, polygon),
                 expected_from="matplotlib.path.Path(polygon).contains_points")


@graded("points_in_polygon", 1)
def test_points_many(learner):
    """points_in_polygon of 10,000 points (a solution that works in blocks of points must join them right)"""
    rng = np.random.default_rng(12)
    polygon = random_polygon(rng, 9, convex=False)
    points = points_around(rng, polygon, 10_000)
    expect_array(learner.points_in_polygon(points, polygon), oracle(points, polygon),
                 expected_from="matplotlib.path.Path(polygon).contains_points")


@graded("points_in_polygon", 1)
def test_points_no_points(learner):
    """points_in_polygon of no points is an empty bool array"""
    square = np.array([[0.0, 0], [4, 0], [4, 4], [0, 4]])
    expect_array(learner.points_in_polygon(np.zeros((0, 2)), square), np.zeros(0, dtype=bool))


# -- polygon_inside ----------------------------------------------------------------------
@graded("polygon_inside", 2)
@given(seed=st.integers(0, 2**32 - 1), turn=st.integers(0, 11))
def test_polygon_inside_nested_and_apart(learner, seed, turn):
    """polygon_inside: a shrunken copy is inside, the original is not inside it, a distant copy is not inside"""
    rng = np.random.default_rng(seed)
    outer = random_polygon(rng, int(rng.integers(3, 10)), convex=True, scale=30.0)
    middle = outer.mean(axis=0)
    inner = np.ascontiguousarray(np.roll(middle + 0.5 * (outer - middle), turn % len(outer), axis=0))
    far = np.ascontiguousarray(outer + [100.0, -3.0])
    for a, b, expected in [(inner, outer, True), (outer, inner, False), (far, outer, False), (outer, far, False)]:
        expect_bool(learner.polygon_inside(a, b), expected,
                    expected_from="the construction (a convex polygon shrunk towards its centre lies inside it)")


@graded("polygon_inside", 2)
@given(case=polygon_cases(count=1), scale=st.sampled_from([0.3, 1.0]), turn=st.integers(0, 11))
def test_polygon_inside_matches_matplotlib(learner, case, scale, turn):
    """polygon_inside equals matplotlib's test of the inner polygon's first vertex"""
    outer, points = case
    triangle = points[0] + scale * np.array([[0.0, 0.0], [0.011, 0.0], [0.0, 0.013]])
    expected = bool(oracle(triangle[:1], outer)[0])
    expect_bool(learner.polygon_inside(triangle, np.roll(outer, turn % len(outer), axis=0)), expected,
                expected_from="matplotlib.path.Path(outer).contains_points(inner[:1])")


# A U whose notch is 4 wide, and a thinner U inside it: the mean of a U's vertices lies in its notch.
U_SHAPE = np.array([(0, 0), (10, 0), (10, 10), (7, 10), (7, 3), (3, 3), (3, 10), (0, 10)], dtype=np.float64)
THIN_U = np.array([(0.5, 0.5), (9.5, 0.5), (9.5, 9.5), (7.5, 9.5), (7.5, 2.5), (2.5, 2.5), (2.5, 9.5), (0.5, 9.5)])
IN_THE_NOTCH = np.array([(4, 4), (6, 4), (6, 6), (4, 6)], dtype=np.float64)


@graded("polygon_inside", 1)
def test_polygon_inside_looks_at_the_first_vertex(learner):
    """polygon_inside tests the first vertex of inner: a U around a square is not inside it, a U inside a U is"""
    for inner, outer, expected in [(U_SHAPE, IN_THE_NOTCH, False), (THIN_U, U_SHAPE, True)]:
        expect_bool(learner.polygon_inside(inner, outer), expected,
                    expected_from="the drawing (the middle of a U lies in its notch, outside it)")


# -- group_holes ---------------------------------------------------------------------------
@graded("group_holes", 3)
@given(seed=st.integers(0, 2**32 - 1), groups=st.integers(1, 3), levels=st.integers(1, 5))
def test_group_holes_nested(learner, seed, groups, levels):
    """group_holes on shuffled nested polygons equals the grouping by depth (matplotlib's test)"""
    polygons = concentric(np.random.default_rng(seed), groups, levels)
    expect_equal(learner.group_holes(polygons), oracle_groups(polygons),
                 expected_from="depths counted with matplotlib.path.Path.contains_points")


@graded("group_holes", 2)
@pytest.mark.parametrize("name", ["horse", "coins"])
def test_group_holes_real_contours(learner, name):
    """group_holes of the contours of a real image"""
    polygons = contours(name)
    expect_equal(learner.group_holes(polygons, _timeout=60), oracle_groups(polygons),
                 expected_from="depths counted with matplotlib.path.Path.contains_points")


@graded("group_holes", 2)
@given(seed=st.integers(0, 2**32 - 1), groups=st.integers(1, 3), levels=st.integers(1, 4),
       shift=st.tuples(st.integers(-100, 100), st.integers(-100, 100)), turn=st.integers(0, 11))
def test_group_holes_invariance(learner, seed, groups, levels, shift, turn):
    """group_holes does not change when all polygons move or their vertices start elsewhere"""
    polygons = concentric(np.random.default_rng(seed), groups, levels)
    expected = oracle_groups(polygons)
    moved = [np.ascontiguousarray(np.roll(p, (turn + i) % len(p), axis=0) + np.array(shift, float))
             for i, p in enumerate(polygons)]
    expect_equal(learner.group_holes(moved), expected, expected_from="the grouping of the polygons before they moved")


@graded("group_holes", 1)
def test_group_holes_of_nothing(learner):
    """group_holes of no polygons is an empty dict"""
    expect_equal(learner.group_holes([]), {})


# -- every function -------------------------------------------------------------------
@graded(None, 1, guard=True)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_input_unchanged(learner, function):
    """leaves its input unchanged (unsorted ones: sorting a sorted array in place changes nothing)"""
    square = np.array([[4.0, 4.0], [0.0, 4.0], [0.0, 0.0], [4.0, 0.0]])
    small = np.array([[2.0, 2.0], [1.0, 1.0], [2.0, 1.0]])
    args = {
        "point_in_polygon": (np.array([2.0, 1.0]), square),
        "points_in_polygon": (np.array([[5.0, 1.0], [1.0, 2.0], [3.0, -1.0]]), square),
        "polygon_inside": (small, square),
        "group_holes": ([square, small],),
    }[function]
    learner.call(function, *args)
    expect_unmodified(learner)
