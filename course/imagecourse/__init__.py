"""The image-analysis course's own modules: what its checks, hooks and tools share.

The engine (:mod:`grader`) holds no course matter; this course brings it here, beside its
``course.toml``, and the engine puts that folder first on ``sys.path`` when it grades (so
every module is imported as ``imagecourse.<module>``, one module object each):

- ``mnist``: where the digits come from (``PIXELGRADE_MNIST``, Keras' download,
  scikit-learn's 8×8 digits); its ``public_heldout`` and ``private_files`` are hooks;
- ``samples``: the ``skimage.data`` images the checks use, cached, with the
  recipes failure snippets print;
- ``strategies``: Hypothesis strategies for images and batches;
- ``mlcheck``: the data exercises' recipes, thresholds and budgets;
- ``misconceptions``: the common mistakes a failure is checked for (a hook);
- ``renderings``: the pictures ``pixelgrade show`` draws (a hook);
- :func:`warm_up`, here: what a batch's fork server imports and loads once (a hook).
"""

# What the checks import, slow to import (skimage.filters alone takes most of a second).
WARM_MODULES = ("scipy.ndimage", "scipy.signal", "skimage.data", "skimage.exposure", "skimage.filters",
                "hypothesis.extra.numpy", "imagecourse.strategies", "imagecourse.samples")


def warm_up() -> None:
    """The course's ``warm_up`` hook: what a batch's fork server does once, so that no submission's child does it.

    Imports what the checks import and reads every sample image (from the cache file).
    """
    import importlib

    for name in WARM_MODULES:
        importlib.import_module(name)
    from imagecourse import samples

    for name in samples.IMAGES:
        samples.sample(name)
