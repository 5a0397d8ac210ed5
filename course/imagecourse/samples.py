"""Real images from ``skimage.data`` (bundled, offline), remembered by recipe.

Arrays handed out here are cached and read-only, and each is registered with the
expression that makes it, so a failure snippet can say ``skimage.data.moon()``.

The first image read from ``skimage.data`` imports ``skimage.io`` and its image
plugins, which takes most of a second: more than grading a whole exercise. So the
images are also kept, once read, in one ``.npz`` file of the user's cache folder
(``$XDG_CACHE_HOME/pixelgrade``, else ``~/.cache/pixelgrade``; named after the
scikit-image version, so an upgrade reads them again), and later runs load them
from there. The file is only ever a copy: if it cannot be read or written, the
images come from ``skimage.data`` as before.
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
import tempfile
from pathlib import Path

import numpy as np

from grader.kit.describe import remember_recipe

IMAGES = ("camera", "moon", "coins", "astronaut", "chelsea", "coffee", "hubble_deep_field", "logo", "horse")
CACHE_ENV = "PIXELGRADE_SAMPLE_CACHE"  # a file to use instead, or "off"


def cache_file() -> Path | None:
    """Where the copies of the sample images are kept (None: ``PIXELGRADE_SAMPLE_CACHE=off``)."""
    chosen = os.environ.get(CACHE_ENV, "")
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "pixelgrade" / f"samples-skimage-{importlib.metadata.version('scikit-image')}.npz"


def _from_skimage(name: str) -> np.ndarray:
    import skimage.data

    return np.ascontiguousarray(getattr(skimage.data, name)())


def _write_cache(path: Path) -> None:
    """Every sample image into ``path`` (atomically: a reader sees all of them or no file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, scratch = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, **{name: _from_skimage(name) for name in IMAGES})
        os.replace(scratch, path)
    finally:
        if os.path.exists(scratch):
            os.unlink(scratch)


@functools.cache
def _cached() -> dict[str, np.ndarray]:
    """The cached copies, by name ({} when there is no usable cache file)."""
    path = cache_file()
    if path is None:
        return {}
    for attempt in range(2):
        try:
            with np.load(path, allow_pickle=False) as stored:
                images = {name: stored[name] for name in IMAGES}
            return images
        except (OSError, KeyError, ValueError, EOFError):
            if attempt:
                return {}
        try:
            _write_cache(path)
        except OSError:  # a read-only home: read from skimage.data every time
            return {}
    return {}


@functools.cache
def sample(name: str) -> np.ndarray:
    """The bundled ``skimage.data`` image ``name`` (read-only)."""
    if name not in IMAGES:
        raise ValueError(f"name must be one of {', '.join(IMAGES)}; got {name!r}")
    stored = _cached().get(name)
    image = np.ascontiguousarray(stored) if stored is not None else _from_skimage(name)
    image.flags.writeable = False
    return remember_recipe(image, f"skimage.data.{name}()")


def derived(array: np.ndarray, expression: str) -> np.ndarray:
    """Register an array derived from a sample (``skimage.data.coffee()[..., 0]``)."""
    return remember_recipe(array, expression)
