"""Reference solution: looking at a labelled data set before modelling it.

Before training anything, count the classes (is the data balanced?), look at
the average image of every class (what does a typical "3" look like?), find
where two classes differ, and look at a sample of real images.
"""

import numpy as np


def _check_labels(labels, num_classes):
    """Return ``labels`` as int64 after checking they lie in ``[0, num_classes)``.

    The values are compared as they are, before any cast, so that a negative
    value or a fraction is not hidden by the conversion (a uint8 array cannot
    hold a negative value, but an int array can).
    """
    labels = np.asarray(labels)
    if labels.dtype.kind not in "biuf":
        raise TypeError(f"labels must be integers, got {labels.dtype}")
    if labels.ndim != 1:
        raise ValueError(f"labels must be a 1-D array, got shape {labels.shape}")
    if labels.size:
        low, high = labels.min(), labels.max()
        if low < 0 or high >= num_classes:
            raise ValueError(f"labels must lie in [0, {num_classes}), got values from {low} to {high}")
        if labels.dtype.kind == "f" and np.any(labels != np.floor(labels)):
            raise ValueError("labels must be whole numbers")
    return labels.astype(np.int64)


def _class_mean(images, labels, c):
    """The mean image (float64) of class ``c``, zeros if it has no images."""
    members = images[labels == c]
    if len(members) == 0:
        return np.zeros(images.shape[1:])
    return members.astype(np.float64).mean(axis=0)


def class_counts(labels, num_classes=10):
    """Count the examples of every class.

    Parameters
    ----------
    labels : (N,) array_like of int
        Class labels in ``0 .. num_classes-1`` (any integer dtype, uint8 too).
    num_classes : int, optional
        The number of classes.

    Returns
    -------
    counts : (num_classes,) ndarray of int64
        ``counts[c]`` is the number of labels equal to ``c``.

    Raises
    ------
    ValueError
        If a label lies outside ``[0, num_classes)``.

    Examples
    --------
    >>> import numpy as np
    >>> class_counts(np.array([0, 2, 2, 1, 2], dtype=np.uint8), num_classes=4)
    array([1, 1, 3, 0])
    """
    # Check the range first.
    # np.bincount would reject a negative label with a message about
    # bincount, and silently count a label >= num_classes in an extra bin;
    # an explicit check names the real problem: the labels.
    labels = _check_labels(labels, num_classes)
    # One count per class, including classes that never occur.
    # bincount counts every value 0, 1, 2, ... in one pass; minlength adds
    # zeros for classes larger than the largest label present.
    return np.bincount(labels, minlength=num_classes).astype(np.int64)


def class_means(images, labels, num_classes=10):
    """The average image of every class.

    Parameters
    ----------
    images : (N, H, W) ndarray
        The images (uint8 or any number type).
    labels : (N,) array_like of int
        The class of every image, in ``0 .. num_classes-1``.
    num_classes : int, optional
        The number of classes.

    Returns
    -------
    means : (num_classes, H, W) ndarray of float64
        ``means[c]`` is the pixel-wise mean of the images of class ``c``;
        zeros for a class without images.

    Raises
    ------
    ValueError
        If a label lies outside ``[0, num_classes)`` or the lengths differ.

    Examples
    --------
    >>> import numpy as np
    >>> images = np.array([[[0, 255]], [[255, 255]], [[10, 20]]], dtype=np.uint8)
    >>> class_means(images, np.array([0, 0, 2]), num_classes=3)
    array([[[127.5, 255. ]],
    <BLANKLINE>
           [[  0. ,   0. ]],
    <BLANKLINE>
           [[ 10. ,  20. ]]])
    """
    images = np.asarray(images)
    labels = _check_labels(labels, num_classes)
    if len(labels) != len(images):
        raise ValueError(f"labels must have one entry per image ({len(images)}), got {len(labels)}")
    # For each class, select its images with a boolean mask and average
    # them along the image axis, in float64 (a uint8 sum would overflow).
    # A loop over the classes is fine (ten of them); the mean of each class
    # is one vectorised reduction over all its images.
    # A class without images gets zeros (the mean of nothing is 0/0).
    means = np.zeros((num_classes,) + images.shape[1:])
    for c in range(num_classes):
        means[c] = _class_mean(images, labels, c)
    return means


def mean_difference(images, labels, a, b):
    """Where the average images of two classes differ.

    Parameters
    ----------
    images : (N, H, W) ndarray
        The images.
    labels : (N,) array_like of int
        The class of every image.
    a, b : int
        The two classes to compare.

    Returns
    -------
    difference : (H, W) ndarray of float64
        ``|mean_a - mean_b|``, an empty class's mean being zeros.

    Raises
    ------
    ValueError
        If the lengths of ``images`` and ``labels`` differ.

    Examples
    --------
    >>> import numpy as np
    >>> images = np.array([[[0, 200]], [[100, 200]], [[250, 0]]], dtype=np.uint8)
    >>> mean_difference(images, np.array([1, 1, 7]), 1, 7)
    array([[200., 200.]])
    """
    images = np.asarray(images)
    labels = np.asarray(labels)
    if len(labels) != len(images):
        raise ValueError(f"labels must have one entry per image ({len(images)}), got {len(labels)}")
    # The mean image of class a and of class b (zeros if empty), then
    # the absolute difference: large values show the pixels that tell the two
    # digits apart, the pixels a classifier should look at.
    return np.abs(_class_mean(images, labels, a) - _class_mean(images, labels, b))


def montage(images, labels, per_class=10, *, seed=0, num_classes=10):
    """A grid of sample images: one row per class.

    Parameters
    ----------
    images : (N, H, W) ndarray of uint8
        The images.
    labels : (N,) array_like of int
        The class of every image, in ``0 .. num_classes-1``.
    per_class : int, optional
        The number of images in every row.
    seed : int, optional
        Seed of the random choice of images.
    num_classes : int, optional
        The number of rows.

    Returns
    -------
    grid : (num_classes * H, per_class * W) ndarray of uint8
        Row ``d`` holds ``per_class`` images of class ``d``, chosen with one
        ``rng = np.random.default_rng(seed)`` as
        ``rng.choice(np.flatnonzero(labels == d), per_class, replace=False)``
        for ``d = 0, 1, ...`` in order, placed left to right in that order.

    Raises
    ------
    ValueError
        If a class has fewer than ``per_class`` images, or a label lies
        outside ``[0, num_classes)``.

    Examples
    --------
    >>> import numpy as np
    >>> images = np.arange(6, dtype=np.uint8).reshape(6, 1, 1)
    >>> montage(images, np.array([0, 1, 0, 1, 0, 1]), per_class=2, num_classes=2)
    array([[2, 4],
           [5, 1]], dtype=uint8)
    """
    images = np.asarray(images)
    labels = _check_labels(labels, num_classes)
    if len(labels) != len(images):
        raise ValueError(f"labels must have one entry per image ({len(images)}), got {len(labels)}")
    if images.dtype != np.uint8:
        images = np.clip(np.rint(images.astype(np.float64)), 0, 255).astype(np.uint8)
    h, w = images.shape[1:3]
    # One random generator for the whole montage, so the picture is
    # repeatable and every row depends on the same seed.
    rng = np.random.default_rng(seed)
    chosen = np.empty((num_classes, per_class) + images.shape[1:], dtype=np.uint8)
    for d in range(num_classes):
        members = np.flatnonzero(labels == d)
        if len(members) < per_class:
            raise ValueError(f"per_class={per_class} but class {d} has only {len(members)} images")
        # Choose per_class distinct images of class d (in this order).
        # The calls must come in the order d = 0, 1, ... because each one
        # moves the generator on: that is what makes the montage repeatable.
        chosen[d] = images[rng.choice(members, per_class, replace=False)]
    # Lay the chosen images out in a grid.
    # (classes, per_class, H, W) -> (classes, H, per_class, W): with the
    # image rows next to the grid rows, a plain reshape puts the images side
    # by side, with no loop over images or pixels.
    grid = np.swapaxes(chosen, 1, 2)
    return grid.reshape((num_classes * h, per_class * w) + images.shape[3:])
