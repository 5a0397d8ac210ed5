"""Checks for `shapes`: the objects `rectangle` and `circle` return, read through the course's adapter.

A learner's object cannot cross to the checks, so each call asks the worker to pass it through
the course's adapter `area` (shapes_adapters.py): what comes back is the object's own answer,
learner data like any returned value, compared here with the reference's. The engine's built-in
adapter `type_name` names the returned object's type.
"""

import math

from hypothesis import given
from hypothesis import strategies as st

from grader.kit.expect import fail
from grader.kit.marks import graded

sides = st.floats(0.1, 100.0, allow_nan=False, allow_infinity=False)


def expect_area(got, expected: float) -> None:
    """``got`` is the adapter's reply: ``{"area": float}`` close to ``expected``, or a problem to report."""
    if not isinstance(got, dict) or set(got) not in ({"area"}, {"problem"}):
        fail(f"the shape could not be read (the adapter replied {got!r}).")
    if "problem" in got:
        fail(f"the grader asked the returned shape for its area: {got['problem']}.")
    area = got["area"]
    # The reply is learner-influenced data (learner code can replace the adapter): checked like a returned value.
    if isinstance(area, bool) or not isinstance(area, (int, float)) or not math.isfinite(area):
        fail(f"its area() gave {area!r} (a {type(area).__name__}); expected a finite number.")
    if not math.isclose(area, expected, rel_tol=1e-9, abs_tol=1e-12):
        fail(f"its area() returned {got['area']!r}, expected {expected!r} (from the reference solution).")


@graded("rectangle", 2)
@given(width=sides, height=sides)
def test_rectangle_area(learner, reference, width, height):
    """rectangle(width, height).area() is width * height"""
    got = learner.call("rectangle", width, height, _then="area")
    expect_area(got, reference.rectangle(width, height).area())


@graded("rectangle", 1)
def test_rectangle_returns_an_object(learner):
    """rectangle returns an object of the learner's own class, not a number"""
    kind = learner.call("rectangle", 2.0, 3.0, _then="type_name")
    if kind in ("float", "int") or kind.startswith("numpy."):
        fail(f"rectangle(2.0, 3.0) returned a {kind}; expected an object with an area() method.")


@graded("circle", 2)
@given(radius=sides)
def test_circle_area(learner, reference, radius):
    """circle(radius).area() is pi * radius ** 2"""
    got = learner.call("circle", radius, _then="area")
    expect_area(got, reference.circle(radius).area())
