"""imagecourse.samples, the course's own: the bundled images, from the cache exactly as skimage.data gives them."""

import numpy as np
import skimage.data
from imagecourse import samples


def test_cached_samples_are_skimages_own(tmp_path, monkeypatch):
    monkeypatch.setenv(samples.CACHE_ENV, str(tmp_path / "samples.npz"))
    samples._cached.cache_clear()
    samples.sample.cache_clear()
    try:
        first = samples._cached()  # writes the file
        assert (tmp_path / "samples.npz").is_file() and set(first) == set(samples.IMAGES)
        samples._cached.cache_clear()
        for name in samples.IMAGES:
            image, original = samples.sample(name), getattr(skimage.data, name)()
            assert image.dtype == original.dtype and image.shape == original.shape
            assert np.array_equal(image, original) and not image.flags.writeable
    finally:
        samples._cached.cache_clear()
        samples.sample.cache_clear()


def test_an_unreadable_cache_falls_back_to_skimage(tmp_path, monkeypatch):
    broken = tmp_path / "file-not-folder"
    broken.write_text("x")
    monkeypatch.setenv(samples.CACHE_ENV, str(broken / "samples.npz"))  # cannot be written
    samples._cached.cache_clear()
    try:
        assert samples._cached() == {}
    finally:
        samples._cached.cache_clear()
