"""The hooks a course may declare: what each is, its type, and who calls it.

A course brings what the engine cannot know (pictures of its exercises, where its
held-out data comes from, how to read its learners' objects) as hooks, declared in its ``course.toml``::

    [course.hooks]
    renderings = "renderings"                    # a module: renderings.py beside course.toml
    public_heldout = "data:public_heldout"       # a module's attribute, the way entry points are named

The folder of ``course.toml`` is put first on ``sys.path`` and the module imported by its
name, so a hook may import the course's other modules, and the checks the same modules
(one module object each).
A course declares only the hooks it has: without one, the engine does without
(``pixelgrade show`` says the course has no pictures; held-out data is taken to be
private). :meth:`grader.core.catalog.Course.hook` returns a declared hook, and
:data:`HOOKS` lists them all: the catalog refuses any other name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol


class Renderings(Protocol):
    """``renderings``: a module that draws ``pixelgrade show EXERCISE``.

    ``RENDERINGS[name](sources)`` draws exercise ``name``: ``sources`` are
    :class:`grader.learning.show.Source` (the reference first, then the learner's, each with
    a ``call(function, *args)``), and it yields ``(stem, rows, title)``: a PNG's file stem,
    rows of :class:`grader.learning.show.Tile`, and the figure's title. An exercise not in
    ``RENDERINGS`` has no picture.
    """

    RENDERINGS: Mapping[str, Callable[[list[Any]], Iterable[tuple[str, list, str]]]]
    # Optional: the exercises whose pictures call no reference solution (drawn from the contract itself) ...
    NO_REFERENCE_CALLS: set[str]
    # ... and those whose picture shows the idea only, the same for everybody (no learner column).
    IDEA_ONLY: set[str]


PublicHeldout = Callable[[], "str | None"]
"""``public_heldout``: ``() -> str | None``, why the held-out data this machine grades on is public.

Grading others' work on held-out data that learner code can read proves nothing, so an
instructor's grading refuses the exercises with ``thresholds`` while this says why
(``--allow-public-heldout`` grades them anyway). None: the data is private.
"""

PrivateFiles = Callable[[], Mapping[str, str]]
"""``private_files``: ``() -> {path: what a learner reads instead}``, the grading machine's files the course reads.

Its data, say (``{"/srv/mnist.npz": "the MNIST data"}``): learner-facing text shows the words
instead of the path (:mod:`grader.writers.grader_paths`), and ``pixelgrade dev sandbox``
checks that learner code cannot read the files. Called whenever it is needed, so it may
read the environment.
"""

WarmUp = Callable[[], None]
"""``warm_up``: ``() -> None``, what a batch's fork server does once, before it forks a child per submission.

Import what the checks import and load what they load (sample images, say), so that each
child finds it done. Its errors are ignored: warming up only saves time.
"""


class Adapters(Protocol):
    """``adapters``: a module of the course whose ``ADAPTERS`` maps names to the course's adapters.

    An adapter turns what a learner's function returned, when it cannot cross to the grader as
    data (an object of a class the learner defined, a fitted model), into data: a check asks
    for it by name, ``learner.call("rectangle", 2, 3, _then="area")``, and receives what
    ``ADAPTERS["area"](value, *_then_args)`` returns (numbers, strings, lists, dicts, arrays).
    ``"module:NAME"`` names another dict of the module. The names may not be the engine's own
    (``type_name``, ``save_keras``, ``predict_classes``: :mod:`grader.sandbox.adapters`).

    It runs in the worker, after the learner's call: each worker imports a copy of this one
    file, before any learner code, so it may import the standard library, NumPy and installed
    packages, never the course's other modules (nor the grader). Learner code can read that
    copy and replace its functions: put nothing in it a learner must not see, and grade what
    it returns as the learner's data, never as proof. It should return a problem rather than
    raise; an exception it raises is the call's failure, reported with the adapter's name.
    """

    ADAPTERS: Mapping[str, Callable[..., Any]]


HOOKS: dict[str, str] = {
    "misconceptions": "a sequence of grader.core.diagnosis.Misconception: the common mistakes a failure is checked for",
    "renderings": "a module with RENDERINGS (and optionally NO_REFERENCE_CALLS, IDEA_ONLY): pixelgrade show",
    "public_heldout": "() -> str | None: why the held-out data is public (None: it is private)",
    "private_files": "() -> {path: words}: files of this machine learners must neither see named nor read",
    "warm_up": "() -> None: imports and loads that a batch's fork server does once for every submission",
    "adapters": "a module with ADAPTERS, {name: (value, *then_args) -> data}: what a learner's call returned, "
                "made data in the worker for a check's `_then=name`",
}
