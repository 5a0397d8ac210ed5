"""Real images from ``skimage.data`` (bundled, offline), remembered by recipe.

Arrays handed out here are cached and read-only, and each is registered with the
expression that makes it, so a failure snippet can say ``skimage.data.moon()``.
"""

from __future__ import annotations

import functools

import numpy as np

from grader.describe import remember_recipe

IMAGES = ("camera", "moon", "coins", "astronaut", "chelsea", "coffee", "hubble_deep_field", "logo", "horse")


@functools.cache
def sample(name: str) -> np.ndarray:
    """The bundled ``skimage.data`` image ``name`` (read-only)."""
    if name not in IMAGES:
        raise ValueError(f"name must be one of {', '.join(IMAGES)}; got {name!r}")
    import skimage.data

    image = np.ascontiguousarray(getattr(skimage.data, name)())
    image.flags.writeable = False
    return remember_recipe(image, f"skimage.data.{name}()")


def derived(array: np.ndarray, expression: str) -> np.ndarray:
    """Register an array derived from a sample (``skimage.data.coffee()[..., 0]``)."""
    return remember_recipe(array, expression)
