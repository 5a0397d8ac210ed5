"""Plain-words descriptions of values and calls, and snippets that reproduce a call.

The one place that sums a value up for the grader's messages. A value's name and short
texts (:func:`type_name`, :func:`shorten`, :func:`safe_repr`, :class:`Foreign`) are the
worker's own, in :mod:`grader.sandbox.naming` (the worker names values before any learner
code runs, from its copy of the sandbox's code), and are used alike here.
"""

from __future__ import annotations

import inspect
import weakref
from dataclasses import dataclass, field

import numpy as np

# Names and short texts: the worker's own (it imports them from its copy of the sandbox), used alike
# here, and part of this module for the checks (describe.safe_repr, describe.Foreign...).
from grader.sandbox.naming import SHOWN_CHARACTERS, Foreign, safe_repr, shorten, type_name  # noqa: F401

SNIPPET_MAX_ELEMENTS = 100


class _NoValue:
    """Marks a call that has not returned (it raised, or has not run yet)."""

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE = _NoValue()


# -- recipes: how a snippet rebuilds a large input --------------------------------------------
class _Recipes:
    """The Python expression each registered array is, by the array itself.

    NumPy arrays cannot be dict keys and cannot carry attributes, so the table is keyed
    by ``id()``, but each entry holds a weak reference to its array, checked on every
    lookup and dropping the entry when the array dies: an array that later gets the same
    id never inherits another's recipe, and the table keeps no array alive. (A value
    that takes no weak reference is held strongly: its id cannot be reused meanwhile.)
    """

    def __init__(self):
        self._entries: dict[int, tuple[object, str]] = {}

    def remember(self, value, expression: str) -> None:
        key = id(value)
        entries = self._entries

        def forget(reference, key=key):
            if entries.get(key, (None,))[0] is reference:
                del entries[key]

        try:
            holder = weakref.ref(value, forget)
        except TypeError:  # a list, say: held, and called like a weak reference
            holder = lambda: value  # noqa: E731
        entries[key] = (holder, expression)

    def get(self, value) -> str | None:
        entry = self._entries.get(id(value))
        return entry[1] if entry is not None and entry[0]() is value else None

    def __len__(self) -> int:
        return len(self._entries)


# Arrays the checks took from a known source (skimage.data...), so that a snippet can
# say `image = skimage.data.moon()` instead of printing 262,144 numbers.
_RECIPES = _Recipes()


def remember_recipe(array: np.ndarray, expression: str) -> np.ndarray:
    """Record that ``array`` is what the Python ``expression`` evaluates to; returns ``array``."""
    _RECIPES.remember(array, expression)
    return array


def recipe_of(value) -> str | None:
    """The expression ``value`` was registered with (:func:`remember_recipe`), or None."""
    return _RECIPES.get(value)


# -- descriptions ------------------------------------------------------------------------
def describe(value) -> str:
    """A short description: ``uint8 (5, 5)``, ``3``, ``a list of 4 items`` (at most 300 characters)."""
    if type(value) is np.ndarray:
        return f"{value.dtype} {tuple(value.shape)}"
    if isinstance(value, Foreign):
        what = f"a `{value.type_name}` object"
        return f"{what} ({value.summary})" if value.summary else what
    if isinstance(value, np.generic):
        return shorten(f"{value.dtype.name}({value.item()!r})")
    if isinstance(value, (bool, int, float, str)) or value is None:
        return shorten(repr(value))
    if isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        if len(value) <= 3 and all(not isinstance(v, (list, tuple, dict)) for v in value):
            inner = ", ".join(describe(v) for v in value)
            return f"[{inner}]" if kind == "list" else f"({inner}{',' if len(value) == 1 else ''})"
        return f"a {kind} of {len(value)} items"
    if isinstance(value, dict):
        return f"a dict with {len(value)} keys"
    return f"a `{type_name(value, qualified=False)}` object"


def show(value, limit: int = SHOWN_CHARACTERS) -> str:
    """A value as a message shows it: plain data by its ``repr``, arrays and foreign objects described."""
    text = describe(value) if isinstance(value, (np.ndarray, Foreign)) else repr(value)
    return shorten(text, limit)


def describe_short(value) -> str:
    """Like :func:`describe`, but shows small arrays' values (for a returned result)."""
    if type(value) is np.ndarray and value.size <= 12:
        return f"{np.array2string(value, separator=', ')} ({describe(value)})"
    return describe(value)


@dataclass
class CallRecord:
    """One call of a learner function, as the grader made it."""

    module: str
    function: str
    args: tuple
    kwargs: dict
    parameter_names: list = field(default_factory=list)
    mutated: list = field(default_factory=list)
    seconds: float | None = None  # the call's round trip, timed by the grader (never by the worker)
    # What came back, the follow-up call made on it in the worker (if any), and the
    # reference module: what grader.core.diagnosis needs to name a misconception.
    value: object = field(default=NO_VALUE, repr=False, compare=False)
    then: str | None = None
    reference: object = field(default=None, repr=False, compare=False)
    diagnosis: object = field(default=NO_VALUE, repr=False, compare=False)

    def named_args(self) -> list[tuple[str | None, object]]:
        names = list(self.parameter_names) + [None] * len(self.args)
        return [(names[i], value) for i, value in enumerate(self.args)] + list(self.kwargs.items())

    def argument_name(self, key) -> str:
        """The parameter name of a positional index or keyword (as the worker reports them)."""
        if isinstance(key, int) and key < len(self.parameter_names):
            return self.parameter_names[key]
        return str(key)

    def describe(self) -> str:
        """``histogram(image: uint8 (5, 5))``; scalars are shown by value."""
        parts = []
        for position, (name, value) in enumerate(self.named_args()):
            shown = describe(value)
            is_array = type(value) is np.ndarray
            if position >= len(self.args):
                parts.append(f"{name}: {shown}" if is_array else f"{name}={shown}")
            else:
                parts.append(f"{name}: {shown}" if (name and is_array) else shown)
        return f"{self.function}({', '.join(parts)})"

    def snippet(self) -> str:
        """Python code that makes the same call on the learner's module."""
        lines = ["import numpy as np", f"from {self.module} import {self.function}", ""]
        call_parts = []
        needs_skimage = False
        for position, (name, value) in enumerate(self.named_args()):
            variable = name or f"arg{position}"
            code = _literal(value)
            if code is None:
                recipe = recipe_of(value)
                if recipe is not None:
                    needs_skimage |= "skimage." in recipe
                    code = recipe
                else:
                    code = f"...  # {describe(value)}: too large to print here"
            if type(value) is np.ndarray or len(code) > 40:
                lines.append(f"{variable} = {code}")
                code = variable
            keyword = position >= len(self.args)
            call_parts.append(f"{name}={code}" if keyword else code)
        if needs_skimage:
            lines.insert(1, "import skimage.data")
        lines.append(f"print({self.function}({', '.join(call_parts)}))")
        return "\n".join(lines)


def _literal(value) -> str | None:
    """Python source for a small value, or None when it is too large to print."""
    if type(value) is np.ndarray:
        if value.size > SNIPPET_MAX_ELEMENTS:
            return None
        if value.size == 0:  # np.array([]) would lose the shape, (0, 3) say
            return f"np.zeros({tuple(value.shape)!r}, dtype=np.{value.dtype.name})"
        body = np.array2string(value, separator=", ", threshold=SNIPPET_MAX_ELEMENTS + 1, max_line_width=100)
        body = body.replace("\n", "\n    ")
        return f"np.array({body}, dtype=np.{value.dtype.name})"
    if isinstance(value, np.generic):
        return f"np.{value.dtype.name}({value.item()!r})"
    if isinstance(value, (list, tuple)):
        parts = [_literal(v) for v in value]
        if any(p is None for p in parts):
            return None
        inner = ", ".join(parts)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(parts) == 1 else ''})"
    if isinstance(value, (bool, int, float, str)) or value is None:
        return repr(value)
    return None


def parameter_names(function) -> list[str]:
    """The names of a reference function's positional parameters."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return []
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in signature.parameters.values() if p.kind in kinds]
