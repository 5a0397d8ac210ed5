"""Hypothesis strategies for the checks: small images and batches."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def images(dtype=np.uint8, *, min_dims: int = 2, max_dims: int = 2, min_side: int = 1, max_side: int = 8,
           channels: int | None = None, elements=None):
    """Arrays of ``dtype``: ``min_dims..max_dims`` axes, or ``(H, W, channels)``."""
    if channels is not None:
        shape = st.tuples(st.integers(min_side, max_side), st.integers(min_side, max_side), st.just(channels))
    else:
        shape = hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)
    return hnp.arrays(dtype, shape, elements=elements)


def batches(dtype=np.uint8, *, channels: bool | int = False, max_n: int = 4, max_side: int = 6):
    """Batches ``(N, H, W)``, or ``(N, H, W, C)`` with ``channels``."""
    sides = [st.integers(1, max_n), st.integers(1, max_side), st.integers(1, max_side)]
    if channels is True:
        sides.append(st.integers(1, 4))
    elif channels:
        sides.append(st.just(int(channels)))
    return hnp.arrays(dtype, st.tuples(*sides))


def uint8_images(**options):
    """uint8 images (the default kind)."""
    return images(np.uint8, **options)


def few_levels(levels: int = 3, **options):
    """uint8 images drawn from a few values (ties and repeated levels)."""
    values = st.lists(st.integers(0, 255), min_size=1, max_size=levels, unique=True)
    return values.flatmap(lambda vs: images(np.uint8, elements=st.sampled_from(vs), **options))
