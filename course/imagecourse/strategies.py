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


def symmetric_histograms(max_pairs: int = 3, max_count: int = 4):
    """1-D uint8 images whose histogram is symmetric about a centre: exact ties for Otsu.

    Levels come in pairs ``centre - d, centre + d`` with equal counts (plus, maybe, the
    centre itself), so a split and its mirror image have exactly the same between-class
    variance; centres and offsets reach the extremes 0 and 255.
    """

    def build(centre2, offsets, counts, middle):
        values = []
        for offset, count in zip(offsets, counts):
            low, high = (centre2 - offset) // 2, (centre2 + offset) // 2
            values += [low] * count + [high] * count
        if centre2 % 2 == 0:
            values += [centre2 // 2] * middle
        return np.array(values, dtype=np.uint8)

    # Twice the centre, so that half-integer centres (between two levels) occur too;
    # offsets have the parity of the centre, so that both ends of a pair are integers.
    return st.integers(0, 510).flatmap(lambda centre2: st.tuples(
        st.just(centre2),
        st.lists(st.integers(1, min(centre2, 510 - centre2)).filter(lambda d: d % 2 == centre2 % 2),
                 min_size=1, max_size=max_pairs, unique=True) if 0 < centre2 < 510 else st.just([]),
        st.lists(st.integers(1, max_count), min_size=max_pairs, max_size=max_pairs),
        st.integers(0, max_count),
    )).map(lambda args: build(*args)).filter(lambda image: len(np.unique(image)) >= 2)
