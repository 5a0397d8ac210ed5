"""grader.kit.describe: the one describer of values (the grader's messages and the worker's wire alike)."""

from __future__ import annotations

import subprocess
import sys
import weakref

import numpy as np
import pytest

from grader.kit import describe as describing
from grader.kit.describe import CallRecord, Foreign, describe, recipe_of, remember_recipe, safe_repr, show, type_name
from grader.sandbox import isolation


class Widget:
    """A class of the learner's, as far as the grader can tell."""


class Counts(np.ndarray):
    """An ndarray subclass: no plain array."""

    def __new__(cls, values):
        return np.asarray(values).view(cls)


@pytest.mark.parametrize("value, words", [
    (np.zeros((5, 5), np.uint8), "uint8 (5, 5)"),
    (np.zeros((0, 3)), "float64 (0, 3)"),
    (np.ones((2, 1, 3), bool), "bool (2, 1, 3)"),
    (np.zeros((2, 2), np.complex64), "complex64 (2, 2)"),
    (np.array(3.5, np.float32), "float32 ()"),
    (np.int64(7), "int64(7)"),
    (np.float32(0.5), "float32(0.5)"),
    (np.bool_(True), "bool(True)"),
    (3, "3"),
    (2.5, "2.5"),
    (True, "True"),
    ("abc", "'abc'"),
    (None, "None"),
    ([1, 2.5, None], "[1, 2.5, None]"),
    ((np.zeros(2, np.uint8),), "(uint8 (2,),)"),
    ([[1, 2], [3]], "a list of 2 items"),
    (([1], (2,)), "a tuple of 2 items"),
    (list(range(1000)), "a list of 1000 items"),
    ({"a": 1, "b": [2]}, "a dict with 2 keys"),
    (Foreign("keras.src.models.Sequential", "3 layers"), "a `keras.src.models.Sequential` object (3 layers)"),
    (Foreign("Thing"), "a `Thing` object"),
    (Widget(), "a `Widget` object"),
    (Counts([1, 2]), "a `Counts` object"),  # an ndarray subclass is no plain array
])
def test_describe_says_what_a_value_is(value, words):
    assert describe(value) == words


def test_long_values_are_cut_short():
    text = describe("x" * 10_000)
    assert len(text) == describing.SHOWN_CHARACTERS and text.startswith("'xxx") and text.endswith("...")
    assert len(describe(np.str_("y" * 5000))) == describing.SHOWN_CHARACTERS
    shown = show(list(range(1000)), limit=40)
    assert len(shown) == 40 and shown.startswith("[0, 1, 2") and shown.endswith("...")
    assert describing.shorten("short") == "short" and describing.shorten("abcdefgh", 6) == "abc..."


def test_show_gives_plain_data_by_value_and_arrays_by_description():
    assert show({"a": [1, 2], "b": (3,)}) == "{'a': [1, 2], 'b': (3,)}"
    assert show(np.zeros((3, 4), np.int16)) == "int16 (3, 4)"
    assert show(Foreign("torch.Tensor", "a tensor")) == "a `torch.Tensor` object (a tensor)"


def test_type_names():
    def local():
        class Inner:
            pass

        return Inner()

    assert type_name([]) == "list" and type_name(None) == "NoneType"  # builtins go bare
    assert type_name(np.zeros(1)) == "numpy.ndarray"
    assert type_name(Counts([1])) == f"{__name__}.Counts"
    assert type_name(Widget()) == f"{__name__}.Widget"
    assert type_name(local()) == f"{__name__}.test_type_names.<locals>.local.<locals>.Inner"
    assert type_name(local(), qualified=False) == "Inner"


def test_safe_repr_never_runs_the_objects_own_repr():
    class Loud:
        def __repr__(self):
            raise RuntimeError("learner code ran")

    text = safe_repr(Loud())
    assert text.startswith(f"<{__name__}.") and "Loud object at 0x" in text
    long_name = type("L" * 300, (), {})()
    assert len(safe_repr(long_name)) == 120 and safe_repr(long_name).endswith("...")


def test_a_registered_array_gets_its_recipe_in_the_snippet():
    image = remember_recipe(np.zeros((64, 64), np.uint8), "skimage.data.camera()[:64, :64]")
    assert recipe_of(image) == "skimage.data.camera()[:64, :64]"
    assert recipe_of(image.copy()) is None and recipe_of(image[:2]) is None  # the array itself, not its kin
    snippet = CallRecord("histogram", "histogram", (image,), {}, ["image"]).snippet()
    assert "image = skimage.data.camera()[:64, :64]" in snippet and "import skimage.data" in snippet
    unknown = CallRecord("histogram", "histogram", (np.zeros((64, 64), np.uint8),), {}, ["image"]).snippet()
    assert "too large to print here" in unknown and "skimage" not in unknown


def test_a_dead_arrays_recipe_dies_with_it_and_never_passes_to_an_array_with_its_id():
    before = len(describing._RECIPES)
    first = remember_recipe(np.zeros((32, 32)), "skimage.data.moon()")
    alive = weakref.ref(first)
    old_id = id(first)
    assert len(describing._RECIPES) == before + 1
    del first
    assert alive() is None, "the table must not keep the array alive"
    assert len(describing._RECIPES) == before, "its entry goes when the array does"
    # CPython hands a freed object's memory, and so its id, to the next object of its size:
    # an array that lands there is a stranger all the same.
    others = [np.zeros((32, 32)) for _ in range(50)]
    assert all(recipe_of(other) is None for other in others), [id(o) == old_id for o in others]
    # And should an entry outlive its array (a callback not run yet), the identity check still holds.
    gone = np.zeros(3)
    reference = weakref.ref(gone)
    del gone
    newcomer = np.zeros(3)
    describing._RECIPES._entries[id(newcomer)] = (reference, "skimage.data.moon()")
    try:
        assert recipe_of(newcomer) is None
    finally:
        describing._RECIPES._entries.pop(id(newcomer), None)


def test_a_value_without_weak_references_keeps_its_recipe():
    pair = remember_recipe([np.zeros(2), np.ones(2)], "two_arrays()")
    assert recipe_of(pair) == "two_arrays()" and recipe_of(list(pair)) is None


def test_the_worker_imports_the_describer_from_its_own_copy_and_nothing_heavy(tmp_path):
    """The wire and the adapters run in the worker: its copy of the code must hold what names a value
    (grader/sandbox/naming.py, which kit.describe builds on), and importing them must not import what the
    worker has no use for (or is slow to load)."""
    runtime = isolation.runtime_dir()
    code = f"""
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "pixelgrade" not in getattr(f, "__module__", "")]
sys.path[:] = [p for p in sys.path if not str(p).startswith("__editable__.pixelgrade")]
sys.path.insert(0, {str(runtime)!r})
import grader.sandbox.worker, grader.sandbox.naming
print(grader.sandbox.naming.__file__)
print(sorted({{m.split(".")[0] for m in sys.modules}} & {{"pytest", "hypothesis", "rich", "scipy", "skimage",
                                                       "jinja2", "subprocess", "psutil"}}))
"""
    done = subprocess.run([sys.executable, "-I", "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    where, heavy = done.stdout.splitlines()
    assert where.startswith(str(runtime)), where
    assert heavy == "[]", heavy
