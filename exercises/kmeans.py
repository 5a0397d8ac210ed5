"""Exercise 9 — kmeans: clustering colours with Lloyd's algorithm.

A photograph can hold tens of thousands of different colours, but the eye
sees a handful of regions: fur, grass, sky. k-means finds ``k`` representative
colours ("centers") so that every pixel is close to one of them. Treat each
pixel as a point ``(R, G, B)`` in a 3-D colour space and the problem becomes:
split the points into ``k`` groups that are as tight as possible.

"Tight" has a number: the *inertia*, the sum over all points of the squared
distance to the center of their group. Lloyd's algorithm lowers it by
repeating two simple steps:

1. **Assign.** Keep the centers fixed and give every point the label of its
   nearest center. No other choice of labels could do better, because each
   point's term of the sum is as small as it can be.
2. **Update.** Keep the labels fixed and move every center to the mean of
   its points. The mean is exactly the point that minimises a sum of squared
   distances, so again the inertia cannot rise.

Because neither step ever raises the inertia and there are only finitely
many ways to label the points, the labels must eventually stop changing:
that is when we stop (or after ``max_iter`` rounds, to be safe). The result
depends on the starting centers; here they are ``k`` distinct data points
picked at random with a fixed seed, so runs are repeatable.

Two details matter for an exact answer:

* **Ties.** A point exactly as far from two centers goes to the one with the
  lowest index (``np.argmin`` already returns the first minimum). Compute the
  distances as plain sums of squared differences in float64 so that equal
  distances really come out equal.
* **Empty clusters.** A center may end up with no points at all. Its mean is
  0 / 0, so leave that center where it was.

Finally `quantise_colours` repaints an image with only ``k`` colours: every
pixel takes the (rounded) colour of its center. Try ``k = 2, 4, 8, 16`` on
``skimage.data.chelsea()`` and look at the results.

Vectorise: compare every point with every center at once through
broadcasting (a ``(n, 1, d)`` array minus a ``(1, k, d)`` array is
``(n, k, d)``); a loop over the ``k`` centers or ``d`` coordinates is fine, a
loop over the points is far too slow for an image.

Check your work with `pixelgrade kmeans`; stuck? `pixelgrade hint kmeans`.
"""

import numpy as np


def assign(points, centers):
    """Label every point with the index of its nearest center.

    Off limits: ``sklearn.cluster.KMeans``, ``sklearn.cluster.k_means``,
    ``sklearn.cluster.MiniBatchKMeans``, ``scipy.cluster.vq.kmeans``,
    ``scipy.cluster.vq.kmeans2``, ``scipy.cluster.vq.vq``. They are what this function
    is graded against, so calling them withholds its points: use them to check your
    work, not in it.

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
    """
    # TODO: compute the squared distance from every point to every center, an
    # (n, k) float64 table, as a sum of squared differences (broadcasting).
    # TODO: pick the index of the smallest distance in each row (ties: lowest
    # index) and return it as int64.
    raise NotImplementedError("assign: not started yet")


def update(points, labels, centers):
    """Move every center to the mean of the points labelled with it.

    Off limits: ``sklearn.cluster.KMeans``, ``sklearn.cluster.k_means``,
    ``sklearn.cluster.MiniBatchKMeans``, ``scipy.cluster.vq.kmeans``,
    ``scipy.cluster.vq.kmeans2``, ``scipy.cluster.vq.vq``. They are what this function
    is graded against, so calling them withholds its points: use them to check your
    work, not in it.

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
    """
    # TODO: for every cluster, add up its points and count them.
    # TODO: divide sum by count where the count is not zero; an empty cluster
    # keeps its old center. Work on a float64 copy, never on `centers` itself.
    raise NotImplementedError("update: not started yet")


def kmeans(points, k, *, init=None, max_iter=100, seed=0):
    """Cluster points with Lloyd's algorithm.

    Off limits: ``sklearn.cluster.KMeans``, ``sklearn.cluster.k_means``,
    ``sklearn.cluster.MiniBatchKMeans``, ``scipy.cluster.vq.kmeans``,
    ``scipy.cluster.vq.kmeans2``, ``scipy.cluster.vq.vq``. They are what this function
    is graded against, so calling them withholds its points: use them to check your
    work, not in it.

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
        If ``k < 1`` or ``k > n`` (the message names ``k``).
    """
    # TODO: check that 1 <= k <= n, else raise ValueError naming k.
    # TODO: the starting centers: `init` if given, else the points at
    # np.random.default_rng(seed).choice(n, k, replace=False).
    # TODO: repeat at most max_iter times: assign; stop if the labels are the
    # same as last round's; otherwise update the centers.
    # TODO: return the final centers and the labels that assign gives for them.
    raise NotImplementedError("kmeans: not started yet")


def quantise_colours(image, k, *, seed=0):
    """Repaint an image with only ``k`` colours chosen by k-means.

    Off limits: ``sklearn.cluster.KMeans``, ``sklearn.cluster.k_means``,
    ``sklearn.cluster.MiniBatchKMeans``, ``scipy.cluster.vq.kmeans``,
    ``scipy.cluster.vq.kmeans2``, ``scipy.cluster.vq.vq``. They are what this function
    is graded against, so calling them withholds its points: use them to check your
    work, not in it.

    Parameters
    ----------
    image : (H, W, 3) ndarray of uint8
        An RGB image.
    k : int
        The number of colours, ``1 <= k <= H * W``.
    seed : int, optional
        Seed of the choice of starting centers, as in `kmeans`.

    Returns
    -------
    quantised : (H, W, 3) ndarray of uint8
        Every pixel replaced by the rounded (``np.rint``) center of its cluster.

    Raises
    ------
    ValueError
        If ``k`` is out of range (from `kmeans`).
    """
    # TODO: turn the pixels into float64 points of shape (H*W, 3).
    # TODO: run kmeans with this seed.
    # TODO: give every pixel its center's colour (rint, clip to 0..255,
    # uint8) and reshape back to (H, W, 3).
    raise NotImplementedError("quantise_colours: not started yet")
