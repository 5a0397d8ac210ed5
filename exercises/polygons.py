"""Exercise 10 — polygons: ray casting, the even-odd rule and holes.

After thresholding, an object in an image is a blob of pixels. Its outline,
traced by ``skimage.measure.find_contours``, is a polygon: a list of
vertices joined by straight edges. Polygons are compact (a few hundred
vertices instead of many thousand pixels), scale to any resolution, and are
what vector graphics, maps and annotation tools store. To use them we need
one basic question answered quickly: does a point lie inside a polygon?

**Ray casting.** From the point, walk to the right along a horizontal ray
and count how often you cross the polygon's edges. Each crossing takes you
from inside to outside or back, and far to the right you are surely outside.
So an *odd* number of crossings means the point started inside, an *even*
number (zero included) means outside. This is the *even-odd rule*; it works
for concave polygons as well as convex ones.

For one edge from ``(x1, y1)`` to ``(x2, y2)`` and a point ``(x, y)``:

* The edge can only meet the ray's line if one end is above it and the
  other is not: ``(y1 > y) != (y2 > y)``. This *half-open* test matters when
  the ray passes exactly through a vertex: the vertex belongs to two edges,
  and the test counts it for exactly one of them when the polygon really
  crosses the line there (and for none or both, which is the same for
  even-odd, when it only touches it). Horizontal edges are never counted.
* If it straddles, the edge meets the line at
  ``x_cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)``; the ray crosses the
  edge only if ``x < x_cross`` (the crossing is to the right of the point).

A polygon here is an ``(m, 2)`` array of ``(x, y)`` vertices in order; the
last vertex joins back to the first (``np.roll`` pairs every vertex with the
next one). Some tools repeat the first vertex at the end: that adds an edge
of length zero, which never straddles anything, so it does no harm. For
points exactly on an edge the answer is not specified.

**Vectorising.** With ``n`` points and ``m`` edges, put the points along one
axis and the edges along the other: broadcasting gives an ``(n, m)`` table of
"does the ray of point i cross edge j", and a sum along the edges gives all
the counts at once.

**Holes.** ``find_contours`` returns a flat list of outlines: the rim of a
coin, the rim of a hole in it, the rim of a speck inside that hole... Which
is which? Count for each polygon how many of the *other* polygons it lies
inside (its *depth*). Outlines that do not cross are either nested or
apart, so testing one vertex is enough. Depth 0, 2, 4... are outlines of
objects; depth 1, 3... are holes, and each hole belongs to the polygon one
level up that contains it. Careful: ``find_contours`` gives ``(row, col)``
points, and ``(x, y)`` is ``(col, row)``.

Check your work with `pixelgrade polygons`; stuck? `pixelgrade hint polygons`.
"""

import numpy as np


def point_in_polygon(point, polygon):
    """Whether a point lies inside a polygon (even-odd rule).

    Off limits: ``matplotlib.path.Path``, ``skimage.measure.points_in_poly``. They are
    what this function is graded against, so calling them withholds its points: use them
    to check your work, not in it.

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
    """
    # TODO: pair every vertex (x1, y1) with the next one (x2, y2), the last
    # one with the first (np.roll).
    # TODO: for each edge: does it straddle the ray's line, (y1 > y) != (y2 > y),
    # and if so is its crossing x to the right of the point?
    # TODO: odd number of crossings -> True. Return a Python bool.
    raise NotImplementedError("point_in_polygon: not started yet")


def points_in_polygon(points, polygon):
    """Whether each of many points lies inside a polygon (even-odd rule).

    Off limits: ``matplotlib.path.Path``, ``skimage.measure.points_in_poly``. They are
    what this function is graded against, so calling them withholds its points: use them
    to check your work, not in it.

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
        ``inside[i]`` is ``point_in_polygon(points[i], polygon)``; equal to
        ``matplotlib.path.Path(polygon).contains_points(points)`` for points
        off the boundary.
    """
    # TODO: the same test as point_in_polygon, for all points and edges at
    # once: point coordinates as columns (n, 1), edge coordinates as rows
    # (m,), giving (n, m) tables. No loop over the points.
    # TODO: avoid dividing by zero for edges that do not straddle (their
    # result is thrown away anyway), e.g. with np.where.
    # TODO: count the crossings of each point along the edge axis; odd -> True.
    raise NotImplementedError("points_in_polygon: not started yet")


def polygon_inside(inner, outer):
    """Whether polygon ``inner`` lies inside polygon ``outer``.

    Off limits: ``matplotlib.path.Path``, ``skimage.measure.points_in_poly``. They are
    what this function is graded against, so calling them withholds its points: use them
    to check your work, not in it.

    Parameters
    ----------
    inner, outer : (m, 2) array_like of float
        Two polygons that do not cross each other.

    Returns
    -------
    inside : bool
        Whether the first vertex of ``inner`` lies inside ``outer``.
    """
    # TODO: polygons that do not cross are nested or apart, so one vertex
    # decides: test the first vertex of `inner` against `outer`.
    raise NotImplementedError("polygon_inside: not started yet")


def group_holes(polygons):
    """Group non-crossing polygons into outlines and their holes.

    Off limits: ``matplotlib.path.Path``, ``skimage.measure.points_in_poly``. They are
    what this function is graded against, so calling them withholds its points: use them
    to check your work, not in it.

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
    """
    # TODO: find out for every pair (i, j), i != j, whether polygon i lies
    # inside polygon j (an (n, n) boolean table; points_in_polygon can test
    # all first vertices against one polygon at once).
    # TODO: the depth of each polygon: how many others it lies inside.
    # TODO: for each polygon i of even depth, its holes: the polygons of
    # depth[i] + 1 that lie inside i, as a sorted list of Python ints.
    raise NotImplementedError("group_holes: not started yet")
