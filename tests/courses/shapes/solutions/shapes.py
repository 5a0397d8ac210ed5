"""Reference solution: shapes that know their area."""

import math


class Rectangle:
    """A rectangle of a given width and height."""

    def __init__(self, width: float, height: float):
        self.width, self.height = float(width), float(height)

    def area(self) -> float:
        return self.width * self.height


class Circle:
    """A circle of a given radius."""

    def __init__(self, radius: float):
        self.radius = float(radius)

    def area(self) -> float:
        return math.pi * self.radius**2


def rectangle(width: float, height: float) -> Rectangle:
    """A rectangle, whose ``area()`` is ``width * height``.

    Examples
    --------
    >>> rectangle(2, 3).area()
    6.0
    """
    return Rectangle(width, height)


def circle(radius: float) -> Circle:
    """A circle, whose ``area()`` is ``pi * radius ** 2``.

    Examples
    --------
    >>> round(circle(1).area(), 4)
    3.1416
    """
    return Circle(radius)
