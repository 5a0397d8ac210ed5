"""A value's name and a short text for it, without running any of its code: the worker's describer.

The worker (:mod:`grader.sandbox.wire` describes what it cannot send,
:mod:`grader.sandbox.adapters` names what a learner returned) and the grader's messages
(:mod:`grader.kit.describe`, which builds on this module) name values alike. It lives in
the sandbox because the worker imports it from its own copy of the sandbox's code, before
any learner code runs: its imports stay NumPy and the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SHOWN_CHARACTERS = 300  # a value shown in a message, at most (a learner may return a megabyte of text)


@dataclass(frozen=True)
class Foreign:
    """A value that is not plain data, as seen from the grader: only a description (see grader.sandbox.wire)."""

    type_name: str
    summary: str = ""
    array: np.ndarray | None = field(default=None, compare=False)

    def __repr__(self) -> str:
        return f"<{self.type_name}{': ' + self.summary if self.summary else ''}>"


def type_name(value, *, qualified: bool = True) -> str:
    """The name of ``value``'s exact type: ``numpy.ma.MaskedArray``, ``list`` (a builtin goes bare).

    ``qualified=False``: the class's own name alone (``MaskedArray``).
    """
    cls = type(value)
    if not qualified:
        return cls.__name__
    module = getattr(cls, "__module__", "") or ""
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def shorten(text, limit: int = SHOWN_CHARACTERS) -> str:
    """``text`` (made a string) cut to ``limit`` characters, ``...`` marking the cut."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def safe_repr(value, limit: int = 120) -> str:
    """``<module.Class object at 0x...>`` for any object: never its own ``__repr__`` (learner code)."""
    try:
        text = object.__repr__(value)
    except BaseException:  # noqa: BLE001 - a hostile class must not break the worker
        text = "?"
    return shorten(text, limit)
