"""``pixelgrade``: hand the arguments to the command they name, one module of :mod:`grader.cli` each.

``pixelgrade [EXERCISE ...]`` (no subcommand) grades (:mod:`grader.cli.grade`);
``pixelgrade watch ...``, ``pixelgrade list ...`` and the others are in the table below.
Every command's module has ``main(argv) -> ExitCode`` and is imported only when used.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from pathlib import Path

from grader.exitcodes import ExitCode

# The subcommands and their modules (each under grader.cli, with ``main(argv) -> ExitCode``),
# imported only when used: `pixelgrade hint` need not load the batch grader.
SUBCOMMANDS: dict[str, str] = {
    "watch": "grader.cli.watch",  # re-grade the exercise being edited on every save
    "hint": "grader.cli.hint",  # the next numbered hint
    "list": "grader.cli.listing",  # every exercise with its status and points
    "show": "grader.cli.show",  # pictures of the reference and your output on real images
    "batch": "grader.cli.batch",  # instructors: grade many submissions into a gradebook
    "merge": "grader.cli.merge",  # instructors: join the shards of a batch into one gradebook
    "summary": "grader.cli.summary",  # a Markdown summary of results (CI job summaries)
    "dev": "grader.cli.dev",  # `pixelgrade dev check` (the course is complete), `dev sandbox` (this machine holds)
    "new": "grader.cli.new",  # course authors: write a new course with one example exercise
}


def _course_option(argv: list[str]) -> str | None:
    """The value of ``--course DIR`` (or ``--course=DIR``) anywhere in ``argv``, without parsing the rest."""
    for index, word in enumerate(argv):
        if word == "--":
            break
        if word == "--course" and index + 1 < len(argv):
            return argv[index + 1]
        if word.startswith("--course="):
            return word.partition("=")[2]
    return None


def _without_course(argv: list[str]) -> list[str]:
    """``argv`` without its ``--course DIR`` (or ``--course=DIR``): the course is active by then."""
    kept, skip, options_ended = [], False, False
    for word in argv:
        if skip:
            skip = False
        elif options_ended:
            kept.append(word)
        elif word == "--course":
            skip = True
        elif not word.startswith("--course="):
            options_ended = word == "--"
            kept.append(word)
    return kept


def _run(argv: list[str]) -> ExitCode:
    named = _course_option(argv)
    if named is not None:
        # The course is chosen once, here, for the whole command (grader.core.catalog.activate):
        # every module below reads it from there, never at import time. Without --course, the
        # first module that needs one finds it (PIXELGRADE_COURSE, else the nearest course.toml).
        from grader.core import catalog

        catalog.activate(named)
        argv = _without_course(argv)  # so that `pixelgrade --course DIR dev check` finds its command
    if argv and argv[0] in SUBCOMMANDS:
        return importlib.import_module(SUBCOMMANDS[argv[0]]).main(argv[1:])
    from grader.cli import grade

    return grade.main(argv, subcommands=SUBCOMMANDS)


def main(argv: list[str] | None = None) -> ExitCode:
    """Run the command ``argv`` (default: ``sys.argv[1:]``) names, or grade when it names none.

    A course that cannot be found or read is a usage error (status 2, one line naming the
    file, the entry and the key); a failure of pixelgrade itself is status 3, with a
    one-line reason (``PIXELGRADE_DEBUG=1`` shows the traceback).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    from grader.core.catalog import CatalogError, CourseNotFound

    try:
        return _run(argv)
    except (CatalogError, CourseNotFound) as error:
        print(f"pixelgrade: error: {error}", file=sys.stderr)
        return ExitCode.USAGE
    except BrokenPipeError:  # `pixelgrade ... | head`: the reader left; nothing more to say, and nowhere to say it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.GRADER_ERROR
    except Exception as error:  # noqa: BLE001 - any crash of the engine: one line, the status that says so
        if os.environ.get("PIXELGRADE_DEBUG"):
            raise
        where = traceback.extract_tb(error.__traceback__)[-1]
        print(f"pixelgrade: internal error: {type(error).__name__}: {error} (at {Path(where.filename).name}:"
              f"{where.lineno}; a fault of pixelgrade or its set-up, not of the work graded; "
              f"PIXELGRADE_DEBUG=1 shows the traceback)", file=sys.stderr)
        return ExitCode.GRADER_ERROR


if __name__ == "__main__":
    sys.exit(main())
