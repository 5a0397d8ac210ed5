"""pixelgrade's grader: grade exercise modules against the course contract.

>>> from grader import grade          # doctest: +SKIP
>>> report = grade(["histogram"], target="exercises")   # doctest: +SKIP
"""

from grader.api import grade

__all__ = ["grade"]
