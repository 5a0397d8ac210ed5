"""Naming the mistake: do all of a function's failing results match a known misconception's?

Like Exercism's analyzers, a failed check can say, in one sentence before the
details, which common mistake the learner made. The mistakes are the course's
(its ``misconceptions`` hook; ``course/imagecourse/misconceptions.py`` here): each entry computes,
in the grader process, what a function written with that misconception returns
for the same arguments. The learner's source is never read: only what it returned.

A wrong name misleads more than no name, so one failing call is never enough.
The runner keeps the learner call each check ended with (for a failed check, the
call its failure is about: :attr:`grader.core.failures.CheckFailed.call`); once all
the checks of an exercise have run, :func:`name_mistakes` looks at each function's
calls together and names a mistake only when

- none of the function's checks ended in a timeout, a crash, an exception or an
  off-limits call (what such a call would have returned is unknown);
- on every call for which the catalog entry has an output, of a failed check or a
  passed one, the learner's result is that output: the same way of writing the
  mistake (its variant) on every one of them, including where the mistake would
  have been right (a learner who is right where the mistake is not, or wrong where
  it is right, did something else);
- that output differs from the right answer on the calls of at least two failed
  checks with different arguments (the calls that *tell*).

The sentence then starts the message of each failed check whose call told, and of
no other: a check that failed on an input where the mistake does not show (a wrong
dtype, an input that was changed) says only what it shows.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from grader.core import catalog
from grader.core.results import CheckStatus
from grader.kit.describe import NO_VALUE, CallRecord

# Judging a call costs one reference call and the catalog's calls on the same input:
# cheap for the checks' small inputs, skipped for larger ones.
MAX_ELEMENTS = 1 << 22
RTOL, ATOL = 1e-7, 1e-9
# The fewest calls, with different arguments, on which a mistake must show before it is named.
MIN_TELLING_INPUTS = 2
# A function with a check that ended like this is never diagnosed: its result there is unknown.
UNKNOWN_RESULT = {CheckStatus.ERROR, CheckStatus.OFF_LIMITS, CheckStatus.NOT_STARTED, CheckStatus.MISSING,
                  CheckStatus.GRADER_ERROR, CheckStatus.NOT_GRADED}


@dataclass(frozen=True)
class Misconception:
    """A common mistake, how to recognise it, and the sentence that names it."""

    id: str  # stable, for reports and tests: "correlation-not-convolution"
    module: str  # the exercise module: "convolution"
    functions: tuple[str, ...]  # the contract functions it can show up in
    name: str  # a few words: "correlation instead of convolution"
    explanation: str  # one sentence, addressed to the learner
    # (reference_module, function_name, *args, **kwargs) -> the outputs a function with
    # this mistake could return: one per way of writing it (its variants), always in the
    # same order, or [] where the mistake cannot be told from the right answer.
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


def mistakes() -> Catalog:
    """The active course's misconceptions (its ``misconceptions`` hook; none without one)."""
    return _mistakes_of(catalog.active().catalog_file)


@lru_cache(maxsize=4)
def _mistakes_of(catalog_file) -> Catalog:
    entries = catalog.active().hook("misconceptions")
    return Catalog(entries if entries is not None else ())


def name_mistakes(checks: Iterable, calls: dict) -> None:
    """Start the messages of the checks that show a known mistake with the sentence that names it.

    ``checks``: one exercise's :class:`~grader.core.results.CheckResult` objects, all run;
    ``calls``: the learner call each check ended with, by check id (for a failed check,
    the call its failure is about). Changes ``message`` and ``misconception`` of the
    checks it names a mistake in. Never raises: a diagnosis is a courtesy, and a failure
    to make one must not change a grade.
    """
    by_function: dict[str, list] = {}
    for check in checks:
        if check.function and check.status != CheckStatus.SKIPPED:
            by_function.setdefault(check.function, []).append(check)
    for function, ran in by_function.items():
        if all(check.status == CheckStatus.PASSED for check in ran):
            continue
        try:
            named = judge(function, ran, calls)
        except Exception:  # noqa: BLE001 - see the docstring
            continue
        for check in ran:
            entry = named.get(check.id)
            if entry is not None:
                check.message = f"{entry.sentence()}\n{check.message}"
                check.misconception = entry.id


@dataclass(frozen=True)
class Evidence:
    """A call of the function that a check ended with: its arguments' fingerprint, the right answer, the verdict."""

    check_id: str
    call: CallRecord
    inputs: str  # the same for two calls with equal arguments
    correct: object
    failed: bool  # the check did not pass


def judge(function: str, ran: list, calls: dict) -> dict[str, Misconception]:
    """{check id: the mistake its message names} for the checks of one function (``ran``: all that ran)."""
    if any(check.status in UNKNOWN_RESULT for check in ran):
        return {}
    evidence = []
    for check in ran:
        found = _evidence(check, function, calls.get(check.id))
        if found is _UNKNOWN:
            return {}
        if found is not None:
            evidence.append(found)
    if not any(item.failed for item in evidence):
        return {}
    named: dict[Misconception, set[str]] = {}
    for entry in mistakes().for_function(evidence[0].call.module, function):
        shown = telling_checks(entry, evidence)
        if shown:
            named[entry] = shown
    # Two mistakes that both fit the same check: its output cannot tell which one it is.
    seen: set[str] = set()
    for shown in named.values():
        if seen & shown:
            return {}
        seen |= shown
    return {check_id: entry for entry, shown in named.items() for check_id in shown}


_UNKNOWN = object()  # a failing call whose result is unknown on a valid input: nothing can be named


def _evidence(check, function: str, call: CallRecord | None):
    """The check's call as evidence, None when it says nothing, ``_UNKNOWN`` when it forbids a diagnosis."""
    if call is None or call.function != function or call.then or call.reference is None or _too_large(call):
        return None
    failed = check.status != CheckStatus.PASSED
    if call.value is NO_VALUE and not failed:
        return None  # it raised, as it should have (a check of an error)
    reference = getattr(call.reference, function, None)
    if reference is None:
        return None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            correct = reference(*_copies(call.args), **_copies(call.kwargs))
        except Exception:  # noqa: BLE001 - an invalid call (a check of an error): nothing to compare with
            return None
    if call.value is NO_VALUE:
        return _UNKNOWN  # it did not return on a valid input
    return Evidence(check.id, call, fingerprint(call.args, call.kwargs), correct, failed)


def telling_checks(entry: Misconception, evidence: list[Evidence]) -> set[str]:
    """The failed checks that show ``entry``, if the learner's results are that mistake's wherever it has one.

    A variant (a way of writing the mistake) fits when, on every call where it has
    an output (of a failed check or a passed one), the learner returned that output,
    and when that output differs from the right answer on the calls of failed checks
    with at least ``MIN_TELLING_INPUTS`` different arguments (the calls that *tell*).
    A call where the mistake would have been right and the learner is wrong, or the
    reverse, is a call it does not fit. Empty when no variant fits; else the failed
    checks whose calls tell.
    """
    by_variant: dict[int, list[tuple[Evidence, bool, bool]]] = {}
    for item in evidence:
        call = item.call
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                outputs = entry.outputs(call.reference, call.function, *_copies(call.args), **_copies(call.kwargs))
            except Exception:  # noqa: BLE001 - this mistake has no output for these arguments
                continue
        for variant, output in enumerate(outputs):
            if output is not None:
                tells = item.failed and not same(output, item.correct)
                by_variant.setdefault(variant, []).append((item, tells, same(output, call.value)))
    shown: set[str] = set()
    for calls in by_variant.values():
        telling = [item for item, tells, _ in calls if tells]
        if all(matched for _, _, matched in calls) and len({item.inputs for item in telling}) >= MIN_TELLING_INPUTS:
            shown |= {item.check_id for item in telling}
    return shown


def fingerprint(args, kwargs) -> str:
    """A digest of a call's arguments: equal for equal arguments (arrays by dtype, shape and bytes)."""
    digest = hashlib.sha256()

    def feed(value):
        if isinstance(value, np.ndarray):
            digest.update(f"array {value.dtype.str} {value.shape}".encode())
            digest.update(np.ascontiguousarray(value).tobytes())
        elif isinstance(value, (list, tuple)):
            digest.update(f"{type(value).__name__} {len(value)}".encode())
            for item in value:
                feed(item)
        elif isinstance(value, dict):
            digest.update(f"dict {len(value)}".encode())
            for key in sorted(value, key=repr):
                feed(key)
                feed(value[key])
        else:
            digest.update(f"{type(value).__name__} {value!r};".encode())

    feed(tuple(args))
    feed(dict(kwargs))
    return digest.hexdigest()


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


@dataclass(frozen=True, eq=False)
class Rounded:
    """Whole numbers rounded from floats, where those that lay within a hair of the boundary may be 1 off.

    Two correct ways of computing the same float can land on either side of a
    rounding boundary (an integer for ``np.floor``, a half-integer for ``np.rint``),
    as the contract's rounding rule says; a catalog entry that rounds marks those
    elements in ``either_way`` (:func:`same` then lets them differ by 1).
    """

    values: np.ndarray
    either_way: np.ndarray  # bool, the shape of ``values``

    @classmethod
    def rint(cls, values, low=0, high=255, dtype=np.uint8) -> Rounded:
        """``np.rint(values)`` clipped to ``low..high``; 1 off either way within 1e-9 of a half-integer."""
        values = np.asarray(values, dtype=np.float64)
        near = np.abs(values - np.floor(values) - 0.5) < 1e-9
        return cls(np.clip(np.rint(values), low, high).astype(dtype), near)

    @classmethod
    def floor(cls, values, low=0, high=255, dtype=np.uint8) -> Rounded:
        """``np.floor(values)`` clipped to ``low..high``; 1 off either way within 1e-9 of an integer."""
        values = np.asarray(values, dtype=np.float64)
        near = np.abs(values - np.rint(values)) < 1e-9 * np.maximum(1.0, np.abs(values))
        return cls(np.clip(np.floor(values), low, high).astype(dtype), near)

    def __getitem__(self, index) -> Rounded:
        return Rounded(self.values[index], self.either_way[index])


def same(a, b) -> bool:
    """Equal as results: same shape and values (floats to the contract's tolerance), any dtype.

    The dtype is not compared: a learner who floors instead of rounding made
    that mistake whatever dtype they return (another check says so). A
    :class:`Rounded` output may differ by 1 where it says it may.
    """
    if isinstance(a, Rounded) or isinstance(b, Rounded):
        return _same_rounded(a, b)
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


def _same_rounded(a, b) -> bool:
    slack = np.zeros((), dtype=bool)
    arrays = []
    for value in (a, b):
        if isinstance(value, Rounded):
            slack = slack | value.either_way
            value = value.values
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
            return False
        arrays.append(value)
    if arrays[0].shape != arrays[1].shape:
        return False
    gap = np.abs(arrays[0].astype(np.float64) - arrays[1].astype(np.float64))
    return bool(np.all((gap == 0) | (slack & (gap <= 1))))
