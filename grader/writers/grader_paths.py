"""Learner-facing text without the grading machine's paths: the learner's own names instead.

Feedback that reaches a learner from elsewhere (a batch's ``feedback/<id>.txt``,
Gradescope's results, a CI summary, a notebook's report) must not show where the grader
keeps things: the instructor's folder of submissions, the staging folder, the course's
checkout, the course's data, the Python installation. :func:`hide` rewrites a text for a
learner: the submission's own path becomes "your submission", a page of the course
becomes its path within the course (``docs/03-histogram.md``), a file the course names
in its ``private_files`` hook the words it gives ("the MNIST data"), and any other
absolute path the name of its last part (``histogram.py``).
"""

from __future__ import annotations

import os
import re
import sysconfig
from collections.abc import Mapping
from pathlib import Path

from grader.core import catalog

ENGINE_ROOT = Path(__file__).resolve().parents[2]  # the folder that holds the grader package

YOUR_SUBMISSION = "your submission"
# An absolute path: "/" (or "C:\") at the start of a word, then at least one folder.
_ABSOLUTE = re.compile(r"""(?<![\w.~)\]}>/\\-])(?:/|[A-Za-z]:[\\/])(?:[^\s'"`<>|:;,()\[\]{}\\/]+[\\/])+"""
                       r"""(?P<last>[^\s'"`<>|:;,()\[\]{}\\/]*)""")


# The machine's usual top folders, wherever they appear (inside `file:///tmp/...`, after a
# letter, doubled slashes): a path under one of them is never the learner's to read.
_MACHINE = re.compile(r"""/+(?:tmp|var|root|home|opt|work|srv|mnt|private|usr|etc|proc)(?=/)"""
                      r"""(?:/+[^\s'"`<>|:;,()\[\]{}\\/]*)*""")


def _last_part(match: re.Match) -> str:
    return match.group(0).rstrip("/").rsplit("/", 1)[-1] or "."


def _known_places(target: str | None) -> list[tuple[str, str]]:
    """(path, what a learner reads instead), longest first: the specific ones before the generic rule."""
    places: list[tuple[str, str]] = []
    if target:
        places.append((target, YOUR_SUBMISSION))
        try:
            places.append((str(Path(target).resolve()), YOUR_SUBMISSION))
        except (OSError, RuntimeError):
            pass
    for root in {catalog.active().root, ENGINE_ROOT}:
        places.append((str(root) + os.sep, ""))  # <checkout>/docs/03-histogram.md -> docs/03-histogram.md
        places.append((str(root), "the course"))
    for path, words in private_files().items():
        places.append((path, words))
        places.append((str(Path(path).resolve()), words))
    for kind in ("stdlib", "platstdlib", "purelib", "platlib"):  # a traceback's numpy/core/fromnumeric.py
        folder = sysconfig.get_paths().get(kind)
        if folder:
            places.append((folder + os.sep, ""))
    return sorted({p for p in places if p[0] and p[0] not in (os.sep, "." + os.sep, ".")},
                  key=lambda place: -len(place[0]))


def hide(text: str, target: str | None = None) -> str:
    """``text`` with no path of the grading machine in it (``target``: the submission's path as graded).

    Known places first (the submission, the course, the course's private files, the Python
    installation's libraries), then any absolute path left (the staging folder, the
    sandbox's copy): its last part alone.
    """
    if not text:
        return text
    for place, instead in _known_places(target):
        text = text.replace(place, instead)
    text = _ABSOLUTE.sub(lambda match: match["last"] or ".", text)
    return _MACHINE.sub(_last_part, text)


def private_files() -> dict[str, str]:
    """The active course's ``private_files`` hook, called now: {path: what a learner reads instead} ({}: none).

    A hook that returns anything but a mapping of strings to strings is the course's mistake:
    :class:`~grader.core.catalog.CatalogError`, naming the hook.
    """
    course = catalog.active()
    hook = course.hook("private_files")
    if hook is None:
        return {}
    files = hook()
    if not isinstance(files, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise catalog.CatalogError(f"{course.catalog_file}: [course.hooks] private_files must return a mapping of "
                                   f"paths to words (str -> str), got {type(files).__name__}")
    return {path: words for path, words in files.items() if path}


def course_page(page: Path) -> str:
    """A page of the course as a learner finds it in their copy of the course: ``docs/03-histogram.md``."""
    for root in (catalog.active().root, ENGINE_ROOT):
        try:
            return page.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
    return f"docs/{page.name}"
