"""Reference solution: points in polygons by ray casting, and polygon nesting.

The even-odd rule: walk from a point to the right along a horizontal ray and
count the edges of the polygon that you cross. An odd count means the point
is inside, an even count outside, for convex and concave polygons alike.

The nesting of the outlines found by ``skimage.measure.find_contours`` tells
objects from their holes: an outline inside an even number of others bounds
an object, an outline inside an odd number bounds a hole of the object
around it.
"""

import numpy as np

# Number of points tested against all edges at once in `points_in_polygon`:
# the (chunk, m) tables of the computation stay a few megabytes large.
_CHUNK = 4096


def _as_polygon(polygon):
    """Return ``polygon`` as a float64 ``(m, 2)`` array or raise ValueError."""
    polygon = np.asarray(polygon, dtype=np.float64)
    if polygon.ndim != 2 or polygon.shape[1] != 2 or polygon.shape[0] < 1:
        raise ValueError(f"polygon must be an (m, 2) array of vertices, got shape {polygon.shape}")
    return polygon


def _edges(polygon):
    """Return the start and end vertices ``(x1, y1, x2, y2)`` of every edge.

    The closing edge from the last vertex back to the first is included. A
    repeated first vertex at the end only adds an edge of length zero, which
    never crosses a ray, so it needs no special case.
    """
    start = polygon
    end = np.roll(polygon, -1, axis=0)
    return start[:, 0], start[:, 1], end[:, 0], end[:, 1]


def _crossings_odd(x, y, x1, y1, x2, y2):
    """Whether the ray from ``(x, y)`` to the right crosses an odd number of edges.

    ``x`` and ``y`` broadcast against the edge arrays ``x1 .. y2``; the last
    axis is the one of the edges.
    """
    # An edge can only be crossed by the horizontal line through the point if
    # one end lies above it and the other does not. The half-open test
    # (y1 > y) != (y2 > y) counts a vertex lying exactly on the line for only
    # one of its two edges, so the ray through a vertex is not counted twice,
    # and horizontal edges (y1 == y2) are never counted at all.
    straddles = (y1 > y) != (y2 > y)
    # Where the edge meets the line y = const: interpolate x along the edge.
    # Edges that do not straddle get a harmless denominator of 1; their result
    # is masked out anyway.
    dy = np.where(straddles, y2 - y1, 1.0)
    x_cross = x1 + (y - y1) * (x2 - x1) / dy
    # The ray goes to the right, so only crossings right of the point count.
    crosses = straddles & (x < x_cross)
    # Even-odd rule: an odd number of crossings means inside.
    return np.count_nonzero(crosses, axis=-1) % 2 == 1


def point_in_polygon(point, polygon):
    """Whether a point lies inside a polygon (even-odd rule).

    Parameters
    ----------
    point : (2,) array_like of float
        The point ``(x, y)``.
    polygon : (m, 2) array_like of float
        The vertices ``(x, y)`` in order; the closing edge is implied (a
        repeated first vertex at the end is accepted).

    Returns
    -------
    inside : bool
        True if a ray cast from the point crosses the polygon's edges an odd
        number of times. Points on an edge or vertex may go either way.

    Raises
    ------
    ValueError
        If ``point`` is not two numbers or ``polygon`` is not ``(m, 2)``.

    Examples
    --------
    >>> square = [(0, 0), (4, 0), (4, 4), (0, 4)]
    >>> point_in_polygon((1, 2), square)
    True
    >>> point_in_polygon((5, 2), square)
    False
    >>> u_shape = [(0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3)]
    >>> point_in_polygon((1.5, 2), u_shape)  # in the notch of the U
    False
    """
    point = np.asarray(point, dtype=np.float64)
    if point.shape != (2,):
        raise ValueError(f"point must be (x, y), got shape {point.shape}")
    polygon = _as_polygon(polygon)
    # Pair every vertex with the next one.
    # np.roll(polygon, -1, axis=0) moves every row up by one, so its row i is
    # the end of edge i, and the last edge ends at the first vertex: the
    # closing edge comes for free (see _edges).
    x1, y1, x2, y2 = _edges(polygon)
    # For every edge, does it straddle the horizontal line through the
    # point (half-open test), and if so, is the crossing to the right?
    # Count the crossings: odd means inside.
    # (Both steps live in _crossings_odd, shared with points_in_polygon.)
    return bool(_crossings_odd(point[0], point[1], x1, y1, x2, y2))


def points_in_polygon(points, polygon):
    """Whether each of many points lies inside a polygon (even-odd rule).

    Parameters
    ----------
    points : (n, 2) array_like of float
        The points ``(x, y)``, one per row.
    polygon : (m, 2) array_like of float
        The vertices ``(x, y)`` in order; the closing edge is implied (a
        repeated first vertex at the end is accepted).

    Returns
    -------
    inside : (n,) ndarray of bool
        ``inside[i]`` is ``point_in_polygon(points[i], polygon)``. Equal to
        ``matplotlib.path.Path(polygon).contains_points(points)`` for points
        off the boundary.

    Raises
    ------
    ValueError
        If ``points`` is not ``(n, 2)`` or ``polygon`` is not ``(m, 2)``.

    Examples
    --------
    >>> import numpy as np
    >>> triangle = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    >>> points_in_polygon([[1, 1], [3, 3], [-1, 1], [0.5, 3]], triangle)
    array([ True, False, False,  True])
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"points must be an (n, 2) array, got shape {points.shape}")
    # The same ray test for all points and all edges at once.
    # (The work is in _points_inside, which group_holes shares.)
    return _points_inside(points, _as_polygon(polygon))


def _points_inside(points, polygon):
    """points_in_polygon without checks (float64 ``(n, 2)`` points, ``(m, 2)`` polygon)."""
    x1, y1, x2, y2 = _edges(polygon)
    inside = np.empty(points.shape[0], dtype=bool)
    # Points along axis 0 (a column, [:, None]) against edges along axis 1
    # (a row) broadcast to an (n, m) table of "does this ray cross this
    # edge"; summing along the edges gives every point's count. Chunks of
    # points keep that table small for long contours and many points.
    for start in range(0, points.shape[0], _CHUNK):
        block = points[start:start + _CHUNK]
        inside[start:start + _CHUNK] = _crossings_odd(
            block[:, 0, None], block[:, 1, None], x1, y1, x2, y2)
    return inside


def polygon_inside(inner, outer):
    """Whether polygon ``inner`` lies inside polygon ``outer``.

    Parameters
    ----------
    inner, outer : (m, 2) array_like of float
        Two polygons that do not cross each other.

    Returns
    -------
    inside : bool
        Whether the first vertex of ``inner`` lies inside ``outer``.

    Raises
    ------
    ValueError
        If either polygon is not an ``(m, 2)`` array.

    Examples
    --------
    >>> big = [(0, 0), (10, 0), (10, 10), (0, 10)]
    >>> small = [(2, 2), (3, 2), (3, 3)]
    >>> polygon_inside(small, big), polygon_inside(big, small)
    (True, False)
    """
    inner = _as_polygon(inner)
    # Test one vertex of `inner` against `outer`.
    # Two polygons that never cross are either nested or apart, so the whole
    # of `inner` is inside `outer` exactly when any one of its vertices is.
    outer = _as_polygon(outer)
    return bool(_crossings_odd(inner[0, 0], inner[0, 1], *_edges(outer)))


def group_holes(polygons):
    """Group non-crossing polygons into outlines and their holes.

    Parameters
    ----------
    polygons : sequence of (m, 2) array_like of float
        Polygons that do not cross one another, for example the contours of
        ``skimage.measure.find_contours`` converted to ``(x, y)``.

    Returns
    -------
    holes : dict of int to list of int
        The depth of a polygon is the number of other polygons it lies
        inside. One key for each polygon of even depth (an outline of an
        object); its value is the sorted list of the indices of the polygons
        of depth + 1 that lie inside it (its holes), possibly empty.

    Raises
    ------
    ValueError
        If a polygon is not an ``(m, 2)`` array.

    Examples
    --------
    >>> def square(a, b):
    ...     return [(a, a), (b, a), (b, b), (a, b)]
    >>> # an object 0 with a hole 1 that holds an island 2; a second object 3
    >>> group_holes([square(0, 10), square(2, 8), square(4, 6), square(20, 30)])
    {0: [1], 2: [], 3: []}
    """
    polygons = [_as_polygon(p) for p in polygons]
    n = len(polygons)
    if n == 0:
        return {}
    firsts = np.array([p[0] for p in polygons])
    # Which polygon lies inside which?
    # inside[i, j] says whether polygon i lies inside polygon j: one
    # vectorised test of all first vertices against each polygon j.
    inside = np.empty((n, n), dtype=bool)
    for j, outer in enumerate(polygons):
        inside[:, j] = _points_inside(firsts, outer)
    np.fill_diagonal(inside, False)  # a polygon is not "another polygon"
    # The depth of each polygon = how many others contain it.
    depth = inside.sum(axis=1)
    # Outlines have even depth; their holes are the polygons one level
    # deeper that lie inside them.
    # A polygon of depth d + 1 inside an outline of depth d has no polygon in
    # between (that one would make its depth at least d + 2), so it is
    # directly inside: a hole of that outline, not of a deeper one.
    holes = {}
    for i in np.flatnonzero(depth % 2 == 0):
        mine = np.flatnonzero(inside[:, i] & (depth == depth[i] + 1))
        holes[int(i)] = [int(h) for h in mine]
    return holes
