"""How the learner can run pixelgrade from their own shell: what the reports tell them to type.

``pixelgrade arrays`` is only good advice when ``pixelgrade`` is on the learner's PATH.
A learner who followed the README ran ``python3 -m nox -s grade``: nox ran
``.nox/grade/bin/pixelgrade`` with its own PATH, and the learner's shell knows no
``pixelgrade``. :func:`command` gives the words that work where the learner is:

- ``pixelgrade`` when the learner's PATH finds this very program;
- else the program's path (``.nox/grade/bin/pixelgrade``, relative to the working
  folder when it lies inside it, as the README writes it);
- else, when pixelgrade runs as ``python -m grader`` (or in a notebook, or under
  pytest) from an environment with no ``pixelgrade`` program, that interpreter with
  ``-m grader``.

Under nox (``NOX_CURRENT_SESSION`` is set), the PATH is nox's, with the session's
``bin`` folder first: the learner's own shell does not have it, so the path is given.

A writer's module: the reports (:mod:`grader.writers.terminal`) write these words as well
as the learning tools (``hint``, ``list``, ``watch``).
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

PROGRAM = "pixelgrade"
NOX_SESSION_ENV = "NOX_CURRENT_SESSION"  # set by nox (2022.8.7 and later) for the commands a session runs


def _absolute(path: str | Path) -> Path:
    # Not resolved: an environment's `python` is a link to the base interpreter, which
    # has no grader installed, so following links would take one for the other.
    return Path(os.path.abspath(path))


def _same_place(found: str | None, wanted: Path, *, folder_only: bool = False) -> bool:
    """Whether ``found`` (from the PATH) is ``wanted``, or with ``folder_only`` lies in its folder."""
    if not found:
        return False
    found_path, wanted = _absolute(found), _absolute(wanted)
    return found_path.parent == wanted.parent if folder_only else found_path == wanted


def _shown(path: Path, cwd: Path) -> str:
    """``path`` as the learner would type it: relative to ``cwd`` when inside it, else absolute."""
    path = _absolute(path)
    try:
        relative = path.relative_to(cwd)
    except ValueError:
        return shlex.quote(str(path))
    # "./" is not needed for a path with a folder in it; the shell only searches PATH for bare names.
    return shlex.quote(str(relative) if relative.parent != Path(".") else f"./{relative}")


def _program_of(executable: str) -> Path | None:
    """The ``pixelgrade`` program installed beside ``executable`` (the same environment), if any."""
    folder = Path(executable).parent
    for name in (PROGRAM, f"{PROGRAM}.exe"):
        if (folder / name).is_file():
            return folder / name
    return None


def command(*, argv0: str | None = None, executable: str | None = None, environ=None,
            cwd: str | Path | None = None) -> str:
    """The words that start pixelgrade from the learner's shell, e.g. ``pixelgrade`` or ``.nox/grade/bin/pixelgrade``.

    Parameters
    ----------
    argv0, executable, environ, cwd
        This process's ``sys.argv[0]``, ``sys.executable``, ``os.environ`` and working
        folder (given only by tests).

    Returns
    -------
    str
        A command prefix, quoted for a POSIX shell where needed; append the arguments.
    """
    argv0 = sys.argv[0] if argv0 is None else argv0
    executable = sys.executable if executable is None else executable
    environ = os.environ if environ is None else environ
    cwd = _absolute(cwd or os.getcwd())
    return _program(argv0, executable, environ, cwd) + _course_words(environ, cwd)


def _program(argv0: str, executable: str, environ, cwd: Path) -> str:
    under_nox = bool(environ.get(NOX_SESSION_ENV))
    path = environ.get("PATH", "")
    running = Path(argv0) if argv0 and Path(argv0).name.removesuffix(".exe") == PROGRAM else None
    program = running or _program_of(executable)
    if program is not None:
        if not under_nox and _same_place(shutil.which(PROGRAM, path=path), program):
            return PROGRAM
        return _shown(program, cwd)
    # python -m grader, a notebook, pytest, from an environment without the program: its interpreter.
    for name in ("python3", "python"):
        if not under_nox and _same_place(shutil.which(name, path=path), Path(executable), folder_only=True):
            return f"{name} -m grader"
    return f"{_shown(Path(executable), cwd)} -m grader"


def _course_words(environ, cwd: Path) -> str:
    """`` --course DIR`` when the course being graded is not the one the same command would find from ``cwd``.

    A course given with ``--course`` (or ``Settings.course``) is not found again by a command
    typed without it, from a folder outside the course: the suggested command names it.
    """
    from grader.core import catalog

    try:
        course = catalog.active()
    except (catalog.CourseNotFound, catalog.CatalogError):
        return ""
    try:  # what the same command finds, from the same folder with the same environment
        found = catalog.find_catalog(environ.get(catalog.COURSE_ENV) or None, start=cwd, environ={})
    except catalog.CourseNotFound:
        found = None
    if found is not None and Path(found).resolve() == course.catalog_file:
        return ""
    return f" --course {_shown(course.folder, cwd)}"
