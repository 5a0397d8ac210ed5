"""Shapes: objects that know their area.

A function may return more than numbers: here each returns an object, of a class you write,
that remembers its measures and computes its area when asked (its ``area()`` method). The
grader never sees your object itself; it asks it for its area.

Check your work with `pixelgrade shapes`; stuck? `pixelgrade hint shapes`.
"""

import math  # noqa: F401 - math.pi, for the circle


def rectangle(width: float, height: float):
    """A rectangle of the given width and height.

    Parameters
    ----------
    width, height : float
        Its sides, both above 0.

    Returns
    -------
    object
        An object of a class of yours whose ``area()`` method returns ``width * height`` as a float.
    """
    # TODO: write a class Rectangle that keeps width and height and has an area() method; return one.
    raise NotImplementedError("rectangle: not started yet")


def circle(radius: float):
    """A circle of the given radius.

    Parameters
    ----------
    radius : float
        Its radius, above 0.

    Returns
    -------
    object
        An object of a class of yours whose ``area()`` method returns ``pi * radius ** 2`` as a float.
    """
    # TODO: write a class Circle that keeps its radius and has an area() method; return one.
    raise NotImplementedError("circle: not started yet")
