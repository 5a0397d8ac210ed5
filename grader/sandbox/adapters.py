"""Grader-side code that runs inside the worker, after a learner's function returns.

Some results cannot cross to the grader as data (a Keras model, a fitted
scikit-learn classifier). An adapter, named by the grader in its request, turns
such a result into something that can: a file, a type name, predictions on inputs
the grader sends. Adapters are the grader's code, but they run in the learner's
process after the learner's call, where the learner's code may have replaced them
(``sys.modules`` holds this module, and its table, for anyone to change). So no
grade trusts what an adapter says about a model:

- ``save_keras`` only writes the model to a file, which a separate sandboxed process
  that never imported learner code loads in Keras' safe mode, describes and runs
  (:mod:`grader.sandbox.inspector`, driven by :mod:`grader.core.models`). A forged reply
  can at worst point the grader at a file the learner wrote, which is inspected the same way.
- ``predict_classes`` returns what the learner's own ``predict`` returns, which is learner
  code in any case: see its docstring for what that can and cannot prove.

A course adds its own (its ``adapters`` hook, :mod:`grader.hookspec`): a module of the
course whose ``ADAPTERS`` maps names to plain functions ``(value, *then_args) -> data``.
Each worker gets a copy of that one file in its runtime (:func:`grader.sandbox.isolation.runtime_dir`)
and imports it before any learner code (:func:`with_course`); the grader checks the names
first (:func:`check_table`, :meth:`CourseAdapters.check_name`). The same holds for them as for
the built-in ones: they run in the learner's process, so what they return is data the learner
could have influenced, and a check grades it as such.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from dataclasses import dataclass

import numpy as np

from grader.sandbox import naming as describe  # a value's name, without running its code

ADAPTERS: dict = {}


def adapter(function):
    """Register an adapter under its function name."""
    ADAPTERS[function.__name__] = function
    return function


@adapter
def type_name(value):
    """The exact type of the returned value (for checks that only need that)."""
    return describe.type_name(value)


# -- models (the data exercises) ------------------------------------------------------------
# Third-party packages are looked up, never imported here: the worker does not let code
# loaded after the learner's module import anything of the grader's, and a Keras model
# cannot exist unless the learner's code imported Keras. An adapter never raises (the
# worker calls it after the learner's call, outside its error handling): whatever goes
# wrong is described in a plain dict under "problem", for the check to report.


def _is_keras_model(value) -> bool:
    keras = sys.modules.get("keras")  # a Keras model cannot exist unless Keras was imported
    if keras is None:
        return False
    try:
        return isinstance(value, keras.Model)
    except Exception:  # noqa: BLE001
        return False


MODEL_SUFFIX = ".keras"


@adapter
def save_keras(model, name):
    """Save a Keras model as ``name`` in the worker's scratch folder, for the inspector to load.

    ``name`` is the grader's choice (a plain file name ending in ``.keras``): the grader
    then opens that name and no other. Returns ``{"file": name}``, or
    ``{"problem": ..., "type": ...}`` when ``model`` is not a Keras model or cannot be
    saved. Neither is believed beyond that: ``"file"`` only tells the grader that a file
    is worth looking for, and ``"type"`` only names, in a failure message, what came back.
    """
    kind = describe.type_name(model)
    if not _is_keras_model(model):
        return {"problem": "not a Keras model", "type": kind}
    if not isinstance(name, str) or os.path.basename(name) != name or not name.endswith(MODEL_SUFFIX):
        return {"problem": "the grader asked for an unusable file name", "type": kind}
    keras = sys.modules["keras"]
    try:
        # keras.saving.save_model rather than the model's own save(), which a subclass may redefine.
        keras.saving.save_model(model, os.path.join(tempfile.gettempdir(), name))
    except Exception as error:  # noqa: BLE001 - a model Keras cannot serialise (say, a subclass without get_config)
        return {"problem": f"saving it with `keras.saving.save_model` raised {type(error).__name__}: "
                           f"{describe.shorten(error)}", "type": kind}
    return {"file": name}


def _predict(model, x):
    """``model.predict(x)`` as a plain ndarray, or a problem string."""
    predict = getattr(model, "predict", None)
    if not callable(predict):
        return None, f"it returned {describe.shorten(describe.type_name(model), 120)}, which has no `predict` method"
    try:
        out = np.asarray(predict(x))
    except Exception as error:  # noqa: BLE001
        return None, (f"calling `predict` on the held-out images raised {type(error).__name__}: "
                      f"{describe.shorten(error)}")
    if out.dtype.hasobject or out.dtype.fields is not None:
        return None, f"`predict` returned an array of dtype {out.dtype}; expected numbers"
    return np.ascontiguousarray(out), None


@adapter
def predict_classes(model, x):
    """The predicted classes of a fitted scikit-learn classifier for ``x``: its own ``predict``.

    Returns ``{"type", "predictions" (int64 labels when they are whole numbers), "problem"}``.

    What this can prove: the held-out labels never enter the worker, so predictions
    that agree with them can only come from code that tells the digits apart (unless
    the labels are public inside the sandbox: the course's ``public_heldout`` hook says when).
    What it cannot: how they were made. ``predict`` is learner code (a classifier's
    method, or this very adapter replaced), so whether the model is a logistic
    regression, or was fitted on the training images alone, is not known; and ``type``
    is whatever the worker says. The checks count right answers and read nothing else.
    """
    result = {"type": describe.type_name(model), "predictions": None, "problem": None}
    out, problem = _predict(model, x)
    if problem:
        result["problem"] = problem
        return result
    if out.dtype.kind == "f" and out.size and np.all(np.isfinite(out)) and np.all(out == np.rint(out)):
        out = out.astype(np.int64)  # whole numbers stored as floats are labels all the same
    if out.dtype.kind in "iub":
        out = out.astype(np.int64)
    result["predictions"] = out
    return result


# -- a course's own adapters ------------------------------------------------------------------
BUILT_IN = tuple(ADAPTERS)  # the engine's own names, which a course's adapter may not take
COURSE_MODULE = "pixelgrade_course_adapters"  # the name a worker imports the course's module under
COURSE_TABLE = "ADAPTERS"  # the table a course's module defines, unless its hook names another
LOAD_FAILED = "the course's adapters (its `adapters` hook) could not be loaded in the worker"


@dataclass(frozen=True)
class CourseAdapters:
    """A course's adapters, as the grader hands them to its workers.

    ``file``: the course's module (one ``.py`` file: each worker imports a copy of it, never the
    course folder); ``table``: the name of its dict of adapters; ``names``: its adapters' names,
    which the grader checked (:func:`check_table`).
    """

    file: str
    table: str = COURSE_TABLE
    names: tuple[str, ...] = ()

    def check_name(self, name: str) -> None:
        """Raise ValueError unless ``name`` is an adapter: the engine's or this course's."""
        check_name(name, self.names)


def check_name(name: str, course_names=()) -> None:
    """Raise ValueError unless ``name`` is a built-in adapter or one of ``course_names``, naming the choices."""
    if name in BUILT_IN or name in course_names:
        return
    theirs = f"; the course's: {', '.join(sorted(course_names))}" if course_names else " (the course declares none)"
    raise ValueError(f"no adapter named {name!r} (the `_then` of a learner call): the built-in ones are "
                     f"{', '.join(BUILT_IN)}{theirs}")


def check_table(table) -> tuple[str, ...]:
    """The names of a course's table of adapters, or ValueError saying what is wrong with it.

    A dict of plain functions by name: each name an identifier that no built-in adapter has.
    """
    if type(table) is not dict:
        raise ValueError(f"expected a dict of adapters by name, got a {type(table).__name__}")
    for name, function in table.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"an adapter's name must be an identifier, got {name!r}")
        if name in BUILT_IN:
            raise ValueError(f"{name!r} is a built-in adapter's name ({', '.join(BUILT_IN)}): "
                             "give the course's adapter another one")
        if not callable(function):
            raise ValueError(f"adapter {name!r} is a {type(function).__name__}, not a function")
    return tuple(table)


def with_course(file: str | None, table: str = COURSE_TABLE) -> dict:
    """:data:`ADAPTERS`, with the course's added when ``file`` names its module: what the worker dispatches on.

    Called by the worker after it confined itself and before it imports learner code, so the
    course's module is imported from its copy (``file``) while nothing of the learner's has run.
    It may import what the worker may: the standard library, NumPy and what is installed.
    Raises whatever importing it raises, or ValueError (:func:`check_table`). The table stays this
    module's one, in ``sys.modules`` for learner code to change, as the module's docstring says:
    copying it would hide nothing (the functions themselves can be rewritten) and pretend otherwise.
    """
    if not file:
        return ADAPTERS
    spec = importlib.util.spec_from_file_location(COURSE_MODULE, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[COURSE_MODULE] = module
    spec.loader.exec_module(module)
    if not hasattr(module, table):
        raise ValueError(f"its module defines no {table}")
    course = getattr(module, table)
    check_table(course)
    ADAPTERS.update(course)
    return ADAPTERS
