"""Naming the mistake: does a failing result match a known misconception's output?

Like Exercism's analyzers, a failed check can say, in one sentence before the
details, which common mistake the learner made. The mistakes are a catalog
beside the checks (``course/checks/misconceptions.py``): each entry computes,
in the grader process, what a function written with that misconception returns
for the same arguments. A failure is diagnosed when the learner's result equals
one of those outputs and that output is not also the right answer. The
learner's source is never read: only what it returned.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from grader.core import catalog as course
from grader.kit.describe import NO_VALUE, CallRecord

CATALOG_FILE = "checks/misconceptions.py"  # in the course folder
# Diagnosing costs one reference call and the catalog's calls on the same input:
# cheap for the checks' small inputs, skipped for the speed checks' large ones.
MAX_ELEMENTS = 1 << 22
RTOL, ATOL = 1e-7, 1e-9


@dataclass(frozen=True)
class Misconception:
    """A common mistake, how to recognise it, and the sentence that names it."""

    id: str  # stable, for reports and tests: "correlation-not-convolution"
    module: str  # the exercise module: "convolution"
    functions: tuple[str, ...]  # the contract functions it can show up in
    name: str  # a few words: "correlation instead of convolution"
    explanation: str  # one sentence, addressed to the learner
    # (reference_module, function_name, *args, **kwargs) -> the outputs a function
    # with this mistake could return (one or more variants of writing it).
    outputs: Callable

    def sentence(self) -> str:
        return f"This looks like a common mistake, {self.name}: {self.explanation}"


class Catalog:
    """Misconceptions by (module, function), in the catalog's order."""

    def __init__(self, entries):
        self.entries = tuple(entries)
        ids = [entry.id for entry in self.entries]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"misconception ids must be unique; repeated: {duplicated}")

    def for_function(self, module: str, function: str) -> list[Misconception]:
        return [m for m in self.entries if m.module == module and function in m.functions]

    def by_id(self, identifier: str) -> Misconception:
        for entry in self.entries:
            if entry.id == identifier:
                return entry
        raise KeyError(identifier)


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    return Catalog(course.course_module(CATALOG_FILE).MISCONCEPTIONS)


def diagnose(call: CallRecord | None) -> Misconception | None:
    """The misconception whose output the learner's result for ``call`` equals, if any.

    Never raises: a diagnosis is a courtesy, and a failure to make one must not
    change a grade. The answer is cached on the call (a check can fail once per
    Hypothesis example, on the same call record only once).
    """
    if call is None:
        return None
    if call.diagnosis is NO_VALUE:
        try:
            call.diagnosis = _diagnose(call)
        except Exception:  # noqa: BLE001 - see the docstring
            call.diagnosis = None
    return call.diagnosis


def _diagnose(call: CallRecord) -> Misconception | None:
    if call.value is NO_VALUE or call.then or call.reference is None or _too_large(call):
        return None
    candidates = catalog().for_function(call.module, call.function)
    if not candidates:
        return None
    function = getattr(call.reference, call.function, None)
    if function is None:
        return None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            correct = function(*_copies(call.args), **_copies(call.kwargs))
        except Exception:  # noqa: BLE001 - the call was invalid: nothing to compare with
            return None
        for misconception in candidates:
            try:
                outputs = misconception.outputs(call.reference, call.function, *_copies(call.args),
                                                **_copies(call.kwargs))
            except Exception:  # noqa: BLE001 - this mistake has no output for these arguments
                continue
            for output in outputs:
                if output is not None and same(output, call.value) and not same(output, correct):
                    return misconception
    return None


def _too_large(call: CallRecord) -> bool:
    values = list(call.args) + list(call.kwargs.values())
    return sum(np.asarray(v).size for v in values if isinstance(v, np.ndarray)) > MAX_ELEMENTS


def _copies(values):
    """Fresh copies, so that no catalog entry can alter the arguments the check reuses."""
    if isinstance(values, dict):
        return {key: _copies(value) for key, value in values.items()}
    if isinstance(values, tuple):
        return tuple(_copies(value) for value in values)
    if isinstance(values, list):
        return [_copies(value) for value in values]
    return values.copy() if isinstance(values, np.ndarray) else values


def same(a, b) -> bool:
    """Equal as results: same shape and values (floats to the contract's tolerance), any dtype.

    The dtype is not compared: a learner who floors instead of rounding made
    that mistake whatever dtype they return (another check says so).
    """
    if isinstance(a, dict) or isinstance(b, dict):
        return (isinstance(a, dict) and isinstance(b, dict) and set(a) == set(b)
                and all(same(a[key], b[key]) for key in a))
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return (isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)) and len(a) == len(b)
                and all(same(x, y) for x, y in zip(a, b)))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.shape != b.shape:
            return False
        if a.dtype.kind not in "biuf" or b.dtype.kind not in "biuf":
            return False
        if a.dtype.kind in "f" or b.dtype.kind in "f":
            return bool(np.allclose(a.astype(np.float64), b.astype(np.float64), rtol=RTOL, atol=ATOL,
                                    equal_nan=True))
        return bool(np.array_equal(a, b))
    numbers = (bool, int, float, np.bool_, np.integer, np.floating)
    if isinstance(a, numbers) and isinstance(b, numbers):
        if isinstance(a, (bool, np.bool_)) != isinstance(b, (bool, np.bool_)):
            return False
        return bool(np.isclose(float(a), float(b), rtol=RTOL, atol=ATOL))
    return False
