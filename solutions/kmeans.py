"""Reference solution: k-means clustering of colours (Lloyd's algorithm).

Lloyd's algorithm alternates two steps that each can only lower the inertia
(the sum of squared distances from every point to its center):

* **assign** every point to its nearest center (for fixed centers, the
  nearest one is the best choice for each point separately);
* **update** every center to the mean of its points (for fixed labels, the
  mean is the point that minimises the sum of squared distances).

Since the inertia never rises and there are finitely many labellings, the
labels must eventually stop changing; that is when we stop.
"""

import numpy as np

# Number of points whose distances to all centers are computed at once. The
# (chunk, k) distance table stays small enough for the processor's caches.
_CHUNK = 8192


def _as_points(points):
    """Return ``points`` as a float64 ``(n, d)`` array or raise ValueError."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2:
        raise ValueError(f"points must be a 2-D (n, d) array, got shape {points.shape}")
    return points


def _as_centers(centers, d):
    """Return ``centers`` as a float64 ``(k, d)`` array or raise ValueError."""
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2 or centers.shape[1] != d or centers.shape[0] < 1:
        raise ValueError(f"centers must be a (k, {d}) array with k >= 1, got shape {centers.shape}")
    return centers


def _squared_distances(points, centers, out=None, scratch=None):
    """Squared Euclidean distances ``(n, k)`` as plain sums of squared differences.

    The sum runs over the coordinates in order (``dx0**2 + dx1**2 + ...``), so
    two centers that are exactly as far from a point give exactly the same
    number, and ``argmin`` can honour the "lowest index wins" rule. (The
    shortcut ``|x|**2 - 2 x.c + |c|**2`` is faster but rounds differently for
    each center, so it can break exact ties either way.) ``out`` and
    ``scratch`` are optional ``(n, k)`` buffers, reused to save allocations.
    """
    shape = (points.shape[0], centers.shape[0])
    out = np.empty(shape) if out is None else out
    scratch = np.empty(shape) if scratch is None else scratch
    out.fill(0.0)
    for j in range(points.shape[1]):  # a loop over the d coordinates, not the points
        np.subtract(points[:, j, None], centers[None, :, j], out=scratch)
        np.multiply(scratch, scratch, out=scratch)
        out += scratch
    return out


def assign(points, centers):
    """Label every point with the index of its nearest center.

    Parameters
    ----------
    points : (n, d) array_like of float
        The points to label, one per row.
    centers : (k, d) array_like of float
        The current centers, one per row.

    Returns
    -------
    labels : (n,) ndarray of int64
        ``labels[i]`` is the index of the center nearest to ``points[i]`` in
        squared Euclidean distance; a tie goes to the lowest index.

    Raises
    ------
    ValueError
        If ``points`` is not 2-D or ``centers`` is not ``(k, d)`` with ``k >= 1``.

    Examples
    --------
    >>> import numpy as np
    >>> points = np.array([[0.0, 0.0], [1.0, 0.0], [9.0, 9.0]])
    >>> centers = np.array([[0.0, 0.0], [10.0, 10.0]])
    >>> assign(points, centers)
    array([0, 0, 1])
    >>> assign([[1.0, 0.0]], [[0.0, 0.0], [2.0, 0.0]])  # a tie: lowest index
    array([0])
    """
    points = _as_points(points)
    centers = _as_centers(centers, points.shape[1])
    # The distance from every point to every center, then the nearest one.
    # (The work is in _assign, which the k-means loop shares.)
    return _assign(points, centers)


def _assign(points, centers):
    """The assign step, without checks (float64 ``(n, d)`` points and ``(k, d)`` centers)."""
    labels = np.empty(points.shape[0], dtype=np.int64)
    # Broadcasting (n, 1, d) against (1, k, d) gives every difference at once;
    # we do it a chunk of points at a time to keep the table small. argmin
    # returns the first minimum, so an exact tie goes to the lowest index.
    rows = min(_CHUNK, points.shape[0])
    out, scratch = np.empty((rows, len(centers))), np.empty((rows, len(centers)))
    for start in range(0, points.shape[0], _CHUNK):
        block = points[start:start + _CHUNK]
        m = block.shape[0]
        distances = _squared_distances(block, centers, out[:m], scratch[:m])
        labels[start:start + m] = np.argmin(distances, axis=1)
    return labels


def update(points, labels, centers):
    """Move every center to the mean of the points labelled with it.

    Parameters
    ----------
    points : (n, d) array_like of float
        The points, one per row.
    labels : (n,) array_like of int
        The index of the center of each point, in ``0 .. k-1``.
    centers : (k, d) array_like of float
        The current centers; a center without points keeps its row.

    Returns
    -------
    new_centers : (k, d) ndarray of float64
        The mean of the points of each cluster; the old center for an empty
        cluster. The inputs are not modified.

    Raises
    ------
    ValueError
        If the shapes do not fit together or a label is outside ``0 .. k-1``.

    Examples
    --------
    >>> import numpy as np
    >>> points = np.array([[0.0, 0.0], [2.0, 0.0], [10.0, 10.0]])
    >>> update(points, np.array([0, 0, 1]), np.zeros((3, 2)))  # cluster 2 is empty
    array([[ 1.,  0.],
           [10., 10.],
           [ 0.,  0.]])
    """
    points = _as_points(points)
    centers = _as_centers(centers, points.shape[1])
    labels = np.asarray(labels)
    k = centers.shape[0]
    if labels.shape != (points.shape[0],):
        raise ValueError(f"labels must have shape ({points.shape[0]},), got {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= k):
        raise ValueError(f"labels must lie in [0, {k}), got values from {labels.min()} to {labels.max()}")
    # The sum and the number of the points of every cluster.
    # Mean = sum / count, but an empty cluster keeps its old center.
    # (Both steps live in _update, which the k-means loop shares.)
    return _update(points, labels.astype(np.int64), centers)


def _update(points, labels, centers, weights=None):
    """The update step, without checks; ``weights`` counts each point that often.

    With integer-valued points and integer weights every sum is exact in
    float64, so a colour with weight 5 contributes exactly what five pixels of
    that colour would.
    """
    k = centers.shape[0]
    # bincount adds up, for every cluster at once, the values that carry its
    # label (one pass per coordinate, no loop over the points).
    counts = np.bincount(labels, weights=weights, minlength=k)
    sums = np.stack([np.bincount(labels, weights=points[:, j] if weights is None else points[:, j] * weights,
                                 minlength=k)
                     for j in range(points.shape[1])], axis=1)
    # A cluster with no points has no mean (0 / 0); leaving its center where
    # it was is the simplest choice that keeps the inertia from rising.
    new_centers = centers.copy()
    full = counts > 0
    new_centers[full] = sums[full] / counts[full, None]
    return new_centers


def _lloyd(points, centers, max_iter, weights=None):
    """Lloyd's rounds from ``centers``; returns the final centers and their labels."""
    labels = None
    for _ in range(max_iter):
        new_labels = _assign(points, centers)
        # Once two assignments agree, an update would give the same centers
        # again: the algorithm has converged.
        if labels is not None and np.array_equal(new_labels, labels):
            break
        labels = new_labels
        centers = _update(points, labels, centers, weights)
    # The labels returned belong to the final centers (after max_iter rounds
    # the last update may have moved them).
    return centers, _assign(points, centers)


def kmeans(points, k, *, init=None, max_iter=100, seed=0):
    """Cluster points with Lloyd's algorithm.

    Parameters
    ----------
    points : (n, d) array_like of float
        The points to cluster, one per row.
    k : int
        The number of clusters, ``1 <= k <= n``.
    init : (k, d) array_like of float, optional
        The starting centers. By default ``k`` distinct points chosen with
        ``np.random.default_rng(seed).choice(n, k, replace=False)``.
    max_iter : int, optional
        The largest number of assign/update rounds.
    seed : int, optional
        Seed of the random choice of starting centers (unused with ``init``).

    Returns
    -------
    centers : (k, d) ndarray of float64
        The final centers.
    labels : (n,) ndarray of int64
        The nearest final center of every point (``assign(points, centers)``).

    Raises
    ------
    ValueError
        If ``k < 1`` or ``k > n``, or ``init`` is not a ``(k, d)`` array.

    Notes
    -----
    The rounds stop when an assignment gives the same labels as the one
    before, or after ``max_iter`` rounds. From the same ``init`` this reaches
    the result of ``sklearn.cluster.KMeans(k, init=init, n_init=1,
    algorithm="lloyd", tol=0)`` whenever no cluster goes empty and no point is
    exactly as far from two centers.

    Examples
    --------
    >>> import numpy as np
    >>> points = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 10.0], [10.0, 11.0]])
    >>> centers, labels = kmeans(points, 2, init=points[[0, 1]])
    >>> centers
    array([[ 0. ,  0.5],
           [10. , 10.5]])
    >>> labels
    array([0, 0, 1, 1])
    """
    points = _as_points(points)
    n = points.shape[0]
    # Check k before anything else.
    # k distinct starting points need 1 <= k <= n; checking first gives a
    # message about k rather than one from deep inside rng.choice.
    if not 1 <= k <= n:
        raise ValueError(f"k must satisfy 1 <= k <= n = {n}, got k={k}")
    # The starting centers.
    # Starting from k distinct data points guarantees that every cluster has
    # at least one point in the first round.
    if init is None:
        centers = points[np.random.default_rng(seed).choice(n, k, replace=False)]
    else:
        centers = np.asarray(init, dtype=np.float64)
        if centers.shape != (k, points.shape[1]):
            raise ValueError(f"init must have shape ({k}, {points.shape[1]}), got {centers.shape}")
        centers = centers.copy()
    # Alternate assign and update until the labels stop changing.
    # Each step can only lower the inertia (sum of squared distances), and
    # there are finitely many labellings, so the labels settle down. The
    # loop is _lloyd above, shared with quantise_colours.
    return _lloyd(points, centers, max_iter)


def quantise_colours(image, k, *, seed=0):
    """Repaint an image with only ``k`` colours chosen by k-means.

    Parameters
    ----------
    image : (H, W, 3) ndarray of uint8
        An RGB image (an alpha channel, ``(H, W, 4)``, is dropped first).
    k : int
        The number of colours, ``1 <= k <= H * W``.
    seed : int, optional
        Seed of the choice of starting centers, as in `kmeans`.

    Returns
    -------
    quantised : (H, W, 3) ndarray of uint8
        Every pixel replaced by the rounded (rint) center of its cluster.

    Raises
    ------
    ValueError
        If ``image`` is not ``(H, W, 3)`` or ``(H, W, 4)``, or ``k`` is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.array([[[0, 0, 0], [2, 2, 2]],
    ...                   [[200, 0, 0], [202, 0, 1]]], dtype=np.uint8)
    >>> quantise_colours(image, 2)[..., 0]
    array([[  1,   1],
           [201, 201]], dtype=uint8)
    >>> len(np.unique(quantise_colours(image, 2).reshape(-1, 3), axis=0))
    2
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f"image must be (H, W, 3), got shape {image.shape}")
    rgb = image[..., :3]
    # Every pixel is a point in colour space: reshape to (H*W, 3).
    pixels = rgb.reshape(-1, 3)
    n = pixels.shape[0]
    if not 1 <= k <= n:
        raise ValueError(f"k must satisfy 1 <= k <= H*W = {n}, got k={k}")
    # Run kmeans with this seed.
    if image.dtype != np.uint8:  # not a colour photograph: the plain way
        points = pixels.astype(np.float64)
        start = points[np.random.default_rng(seed).choice(n, k, replace=False)]
        centers, labels = _lloyd(points, start, 100)  # kmeans(points, k, seed=seed)
        return np.clip(np.rint(centers), 0, 255).astype(np.uint8)[labels].reshape(rgb.shape)
    centers = pixels[np.random.default_rng(seed).choice(n, k, replace=False)].astype(np.float64)
    # This is kmeans(pixels, k, seed=seed), only faster: a photograph repeats
    # its colours (chelsea has 135,300 pixels but 32,584 colours), so we
    # cluster every distinct colour once, weighted by how often it occurs.
    # Pixels of one colour always share a label, and with whole numbers all
    # sums are exact, so the centers and labels are the very same.
    code = (pixels[:, 0].astype(np.int64) << 16) | (pixels[:, 1].astype(np.int64) << 8) | pixels[:, 2]
    codes, inverse, counts = np.unique(code, return_inverse=True, return_counts=True)
    colours = np.stack([codes >> 16, (codes >> 8) & 255, codes & 255], axis=1).astype(np.float64)
    centers, colour_labels = _lloyd(colours, centers, 100, counts.astype(np.float64))
    # Look up each pixel's center, round and put the pixels back in shape.
    # Indexing the (k, 3) table of colours with the labels paints every pixel
    # at once; rint then clip turns the float centers into valid uint8 values.
    palette = np.clip(np.rint(centers), 0, 255).astype(np.uint8)
    return palette[colour_labels[inverse.ravel()]].reshape(rgb.shape)
