"""Exercise 11 — exploration: look at a labelled data set before you model it.

It is tempting to load MNIST and start training at once. Experienced
practitioners first *look at the data*, because a few simple summaries
answer questions that decide everything that follows:

* **Class balance.** How many examples does each class have? If 90 % of the
  images were "1", a model that always answers "1" would score 90 % and
  learn nothing; accuracy only means something against the class shares.
  Labels that fall outside the expected range are a bug in the data, and
  worth an error, not a silent count.
* **Mean images.** The pixel-wise average of all images of a class shows the
  "typical" digit: a blurry 0 ring, a thin vertical 1. Blurry edges show how
  much the writers vary; a sharp mean would mean the images are centred and
  scaled alike (MNIST's are).
* **Where two classes differ.** ``|mean_a - mean_b|`` lights up the pixels
  that tell, say, a 3 from an 8 (the left side of the loops). A linear
  classifier essentially learns weights that look at exactly such pixels;
  classes whose mean images barely differ are the ones it will confuse.
* **Real samples.** Averages hide oddities: look at a random grid of real
  images, one row per class, to spot mislabelled or strange examples.

Two traps with real data: labels often come as ``uint8`` (so ``labels - 1``
wraps round to 255, and a sum can overflow), and images are ``uint8`` too,
so average in float64. A class with no images at all has no mean (0/0): use
zeros instead so that the picture still has a row for it.

The montage must be repeatable: use one generator
``rng = np.random.default_rng(seed)`` and call
``rng.choice(np.flatnonzero(labels == d), per_class, replace=False)`` for
``d = 0, 1, ...`` in this order (each call moves the generator on).

Check your work with `pixelgrade exploration`; stuck? `pixelgrade hint exploration`.
"""

import numpy as np


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
    """
    # TODO: raise ValueError (naming labels and the range expected) if any
    # label is below 0 or at least num_classes.
    # TODO: count every class, including the ones that never occur, and
    # return int64 of length num_classes.
    raise NotImplementedError("class_counts: not started yet")


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
        If a label lies outside ``[0, num_classes)``.
    """
    # TODO: start from zeros of shape (num_classes, H, W), float64.
    # TODO: for every class with images, average its images (float64) along
    # the image axis; a class without images keeps its zeros.
    raise NotImplementedError("class_means: not started yet")


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
    """
    # TODO: the float64 mean image of class a and of class b (zeros for a
    # class without images), then their absolute difference.
    raise NotImplementedError("mean_difference: not started yet")


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
    """
    # TODO: create the generator once, before the loop over classes.
    # TODO: for d = 0, 1, ..., num_classes - 1 choose the indices of
    # per_class images of class d exactly as the docstring says.
    # TODO: place them: row d of the grid, left to right in the order chosen
    # (np.hstack / np.vstack, or one reshape and transpose), uint8.
    raise NotImplementedError("montage: not started yet")
