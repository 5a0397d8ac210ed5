"""Comparisons that explain themselves, for writing checks.

Each helper compares what a learner's function returned with what was expected
and, when they differ, raises :class:`~grader.core.failures.CheckFailed` with a
teacher's message: the call, what came back, what was expected, where they first
differ, and a snippet that reproduces the call. As in array-api-tests, an array
is checked for its type, then dtype, then shape, then values, and the
per-element detail is built only after the whole-array check has failed.
"""

from __future__ import annotations

import numpy as np

from grader.core import failures, learner
from grader.kit import pictures
from grader.kit.describe import CallRecord, describe, describe_short, show
from grader.sandbox.wire import Foreign

RTOL = 1e-7
ATOL = 1e-9


def fail(message: str, *, call: CallRecord | None = None):
    """Fail the check with ``message`` about the latest learner call.

    The failure carries the call: once all the checks have run, :mod:`grader.core.diagnosis`
    looks at the calls of all the function's checks together, and names a known mistake
    (a sentence before the message) only when every one of them agrees with it.
    """
    call = call or learner.last_call()
    if call is None:
        raise failures.CheckFailed(message)
    raise failures.CheckFailed(f"Called `{call.describe()}`: {message}", snippet=call.snippet(), call=call)


def expect(condition, message: str, *, call: CallRecord | None = None) -> None:
    """Fail with ``message`` unless ``condition`` holds (for property checks)."""
    if not bool(condition):
        fail(message, call=call)


def _index(index: tuple) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def _scalar(value) -> str:
    item = value.item() if isinstance(value, np.generic) else value
    return repr(item)


def expect_kind(got, dtype, shape, *, call: CallRecord | None = None) -> None:
    """``got`` must be a plain ndarray of ``dtype`` and ``shape`` (its values are not looked at)."""
    dtype = np.dtype(dtype)
    shape = tuple(shape)
    wanted = f"a numpy.ndarray of {dtype} {shape}"
    if type(got) is not np.ndarray:
        if isinstance(got, Foreign) and "ndarray subclass" in got.summary:
            fail(f"returned a `{got.type_name}` (an ndarray subclass); expected a plain {wanted}. "
                 "Return `np.asarray(result)`.", call=call)
        fail(f"returned {describe(got)}; expected {wanted}.", call=call)
    if got.dtype != dtype:
        fail(f"returned an array of dtype {got.dtype}; expected dtype {dtype} (shape {shape}).", call=call)
    if got.shape != shape:
        fail(f"returned an array of shape {tuple(got.shape)}; expected shape {shape} (dtype {dtype}).", call=call)


def expect_array(got, expected: np.ndarray, *, expected_from: str = "the reference solution",
                 exact: bool | None = None, rtol: float = RTOL, atol: float = ATOL,
                 off_by_one_where: np.ndarray | None = None, call: CallRecord | None = None) -> None:
    """``got`` must be a plain ndarray with ``expected``'s dtype, shape and values (see ``_compare_arrays``).

    When an image-valued result fails, the failure carries the arrays, so that the
    runner can draw input | expected | yours | difference once the check is scored.
    """
    try:
        _compare_arrays(got, expected, expected_from=expected_from, exact=exact, rtol=rtol, atol=atol,
                        off_by_one_where=off_by_one_where, call=call)
    except failures.CheckFailed as error:
        pictures.attach(error, got, np.asarray(expected), call or learner.last_call())
        raise


def _compare_arrays(got, expected: np.ndarray, *, expected_from: str = "the reference solution",
                    exact: bool | None = None, rtol: float = RTOL, atol: float = ATOL,
                    off_by_one_where: np.ndarray | None = None, call: CallRecord | None = None) -> None:
    """``got`` must be a plain ndarray with ``expected``'s dtype, shape and values.

    Integer and boolean arrays must match exactly (``exact`` defaults to that);
    float arrays to ``rtol``/``atol``. ``off_by_one_where`` marks elements that
    may differ by 1 (a value rounded from within 1e-9 of a half-integer). When
    only the dtype is wrong the message says whether the values are right too,
    so that a learner fixing the dtype is not surprised by a second failure.
    """
    expected = np.asarray(expected)
    if exact is None:
        exact = expected.dtype.kind not in "fc"
    options = dict(exact=exact, rtol=rtol, atol=atol, off_by_one_where=off_by_one_where)
    if (type(got) is np.ndarray and got.dtype != expected.dtype and got.shape == expected.shape
            and got.dtype.kind in "biuf" and expected.dtype.kind in "biuf"):
        wrong = _differences(got.astype(np.float64), expected.astype(np.float64), **options)
        dtype = f"returned an array of dtype {got.dtype}; expected dtype {expected.dtype} (shape {expected.shape})"
        if wrong is None:
            cast = f"`.astype(np.{expected.dtype.name})`"
            fail(f"{dtype}. On this input its values are right; only its dtype is not ({cast} gives it, and other "
                 "inputs may show other differences).", call=call)
        fail(f"{dtype}. Its values are wrong too: they differ from {expected_from} {wrong}.", call=call)
    expect_kind(got, expected.dtype, expected.shape, call=call)
    wrong = _differences(got, expected, **options)
    if wrong is None:
        return
    shown = f"{describe_short(got)}" if got.size <= 12 else f"{describe(got)}"
    fail(f"returned {shown} that differs from {expected_from} {wrong}.", call=call)


def _differences(got: np.ndarray, expected: np.ndarray, *, exact: bool, rtol: float, atol: float,
                 off_by_one_where) -> str | None:
    """Where two arrays of one shape differ, in words ("at 3 of 16 positions; ..."), or None if they agree."""
    if exact:
        same = np.array_equal(got, expected, equal_nan=expected.dtype.kind in "fc")
    else:
        same = np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    if same:
        return None
    if exact:
        differs = got != expected
        if expected.dtype.kind in "fc":
            differs &= ~(np.isnan(got) & np.isnan(expected))
        if off_by_one_where is not None and expected.dtype.kind in "iuf":
            slack = np.abs(got.astype(np.float64) - expected.astype(np.float64)) <= 1
            differs &= ~(slack & np.asarray(off_by_one_where, dtype=bool))
            if not differs.any():
                return None
    else:
        differs = ~np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    count = int(differs.sum())
    first = tuple(np.argwhere(differs)[0]) if got.ndim else ()
    where = f"at index {_index(first)}" if got.ndim else ""
    tolerance = "" if exact else f" (beyond rtol={rtol:g}, atol={atol:g})"
    return (f"at {count} of {got.size} {'position' if got.size == 1 else 'positions'}{tolerance}; the first "
            f"{where}: returned {_scalar(got[first])}, expected {_scalar(expected[first])}")


def expect_int(got, expected: int, *, expected_from: str = "the reference solution",
               call: CallRecord | None = None) -> None:
    """``got`` must be an int (Python or NumPy integer, not bool) equal to ``expected``."""
    if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
        fail(f"returned {describe(got)}; expected an int.", call=call)
    if int(got) != int(expected):
        fail(f"returned {int(got)}, expected {int(expected)} (from {expected_from}).", call=call)


def expect_bool(got, expected: bool, *, expected_from: str = "the reference solution",
                call: CallRecord | None = None) -> None:
    """``got`` must be a bool (Python or NumPy) equal to ``expected``."""
    if not isinstance(got, (bool, np.bool_)):
        fail(f"returned {describe(got)}; expected True or False.", call=call)
    if bool(got) != bool(expected):
        fail(f"returned {bool(got)}, expected {bool(expected)} (from {expected_from}).", call=call)


def expect_equal(got, expected, *, expected_from: str = "the reference solution",
                 call: CallRecord | None = None) -> None:
    """Plain Python data (dicts, lists, tuples of ints...) must be equal, type by type."""
    problem = _plain_difference(got, expected)
    if problem:
        fail(f"returned {_show(got)}, expected {_show(expected)} (from {expected_from}): {problem}.", call=call)


_show = show  # under this name too: benchmarks/floor.py times it


def _plain_difference(got, expected, path: str = "the result") -> str:
    if isinstance(expected, dict):
        if type(got) is not dict:
            return f"{path} is {describe(got)}, not a dict"
        if set(got) != set(expected):
            missing = sorted(set(expected) - set(got), key=repr)
            extra = sorted(set(got) - set(expected), key=repr)
            return f"{path} has keys {sorted(got, key=repr)}; missing {missing}, unexpected {extra}"
        for key in expected:
            problem = _plain_difference(got[key], expected[key], f"{path}[{key!r}]")
            if problem:
                return problem
        return ""
    if isinstance(expected, (list, tuple)):
        if type(got) is not type(expected):
            return f"{path} is {describe(got)}, not a {type(expected).__name__}"
        if len(got) != len(expected):
            return f"{path} has {len(got)} items, expected {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            problem = _plain_difference(g, e, f"{path}[{i}]")
            if problem:
                return problem
        return ""
    if isinstance(expected, (int, np.integer)) and not isinstance(expected, (bool, np.bool_)):
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
            return f"{path} is {describe(got)}, not an int"
        return "" if int(got) == int(expected) else f"{path} is {int(got)}, expected {int(expected)}"
    if type(got) is np.ndarray or isinstance(got, Foreign):
        return f"{path} is {describe(got)}"
    return "" if got == expected and type(got) is type(expected) else f"{path} is {got!r}, expected {expected!r}"


def expect_raises(proxy, function: str, *args, exception: str = "ValueError", mentions: str | None = None,
                  **kwargs) -> None:
    """Calling ``function`` must raise ``exception`` (by name, subclasses included).

    ``mentions``: a word the message must contain (the argument's name), since the
    contract asks for errors that name the argument at fault.
    """
    try:
        got = proxy.call(function, *args, **kwargs)
    except failures.LearnerRaised as raised:
        if not raised.is_a(exception):
            fail(f"raised {raised.types[0]}({raised.text!r}); expected {exception}.")
        if mentions and mentions not in raised.text:
            fail(f"raised {exception}({raised.text!r}); the message should name the argument `{mentions}` "
                 "so that the caller knows what to fix.")
        return
    fail(f"returned {describe(got)}; expected it to raise {exception}.")


def expect_unmodified(proxy) -> None:
    """The latest call must have left every input as it was."""
    call = proxy.last
    if call is not None and call.mutated:
        names = ", ".join(f"`{name}`" for name in call.mutated)
        fail(f"it modified its input {names} in place. No function may change its inputs: "
             "work on a copy (or build a new array) instead.", call=call)
