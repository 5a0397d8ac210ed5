"""``pixelgrade``: hand the arguments to the command they name, one module of :mod:`grader.cli` each.

``pixelgrade [EXERCISE ...]`` (no subcommand) grades (:mod:`grader.cli.grade`);
``pixelgrade watch ...``, ``pixelgrade list ...`` and the others are in the table below.
Every command's module has ``main(argv) -> ExitCode`` and is imported only when used.
"""

from __future__ import annotations

import importlib
import sys

from grader.cli.exitcodes import ExitCode

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
}


def main(argv: list[str] | None = None) -> ExitCode:
    """Run the command ``argv`` (default: ``sys.argv[1:]``) names, or grade when it names none."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        return importlib.import_module(SUBCOMMANDS[argv[0]]).main(argv[1:])
    from grader.cli import grade

    return grade.main(argv, subcommands=SUBCOMMANDS)


if __name__ == "__main__":
    sys.exit(main())
