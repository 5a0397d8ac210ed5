"""``pixelgrade [EXERCISE ...]``: grade and print the report (a thin layer over :func:`grader.api.grade`).

The result is saved in the state file (:mod:`grader.learning.state`), as ``watch``,
``list`` and ``check()`` save theirs: ``pixelgrade list --saved`` then shows it, and
``pixelgrade hint`` without a name moves on to the next exercise once this one is complete.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import platform
import tomllib
from collections.abc import Iterable
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from grader import api
from grader.cli import arguments
from grader.core import catalog
from grader.exitcodes import ExitCode
from grader.learning.state import State, exercise_digest
from grader.sandbox.isolation import IsolationUnavailable
from grader.writers import json_results, terminal
from grader.writers.progress import CheckProgress


def version_text() -> str:
    """``pixelgrade 0.1.0 (Python 3.11.9)``: the installed version, else the project's own pyproject.toml's."""
    try:
        version = importlib.metadata.version("pixelgrade")
    except importlib.metadata.PackageNotFoundError:  # run from a copy of the project that was never installed
        try:
            with open(Path(__file__).resolve().parents[2] / "pyproject.toml", "rb") as file:
                version = tomllib.load(file)["project"]["version"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            version = "(version unknown)"
    return f"pixelgrade {version} (Python {platform.python_version()})"


def _exercises_line() -> str:
    """The help's list of the course's exercises; where no course is found, why (``--version`` needs none)."""
    try:
        return "Exercises, in order: " + ", ".join(e.name for e in catalog.active().exercises)
    except (catalog.CourseNotFound, catalog.CatalogError) as error:
        return f"No course to list the exercises of ({error})"


def build_parser(subcommands: Iterable[str] = ()) -> argparse.ArgumentParser:
    """The parser of ``pixelgrade``; its help names the ``subcommands`` too (it is the top-level help)."""
    others = [f"pixelgrade {name}" for name in subcommands]
    parser = argparse.ArgumentParser(
        prog="pixelgrade",
        description="Grade exercise modules against their course's checks.",
        epilog=_exercises_line() + (". Other commands: " + ", ".join(others) if others else ""),
    )
    arguments.add_exercises(parser, many=True, help="exercises to grade (default: all)")
    arguments.add_target(parser)
    arguments.add_course(parser)
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    arguments.add_examples(parser)
    arguments.add_timeout(parser)
    arguments.add_jobs(parser)
    parser.add_argument("--verbose", "-v", action="store_true", help="list every check, passed or not")
    parser.add_argument("--require-full", action="store_true",
                        help="exit with status 1 unless every exercise gets full marks")
    arguments.add_require_isolation(parser)
    arguments.add_state(parser)
    parser.add_argument("--version", action="version", version=version_text(),
                        help="print the version of pixelgrade and of Python, then exit")
    return parser


def _digests(names, target: str) -> dict[str, str]:
    """What each exercise to be graded depends on, taken before grading (a save meanwhile is then a change)."""
    if not Path(target).is_dir():
        return {}
    course = catalog.active()
    chosen = [name for name in names if name in course.by_name] if names else [e.name for e in course.gradable()]
    return {name: exercise_digest(target, name) for name in chosen}


def _save(report, args, digests: dict, console: Console) -> None:
    """Remember the result for ``list --saved``, ``hint`` and ``watch``; a file that cannot be written costs a note."""
    state = State.for_target(args.target, args.state)
    try:
        state.record(report, digests)
        state.save()
    except OSError as error:
        console.print(f"[yellow]pixelgrade: could not save the results in {escape(str(state.path))}: "
                      f"{escape(str(error))}[/]")


def main(argv: list[str], *, subcommands: Iterable[str] = ()) -> ExitCode:
    """Grade the exercises ``argv`` names in its ``--target``, print the report, return the exit status.

    ``subcommands``: the other commands, for ``--help`` (the dispatcher, :mod:`grader.cli.main`, knows them).
    """
    args = build_parser(subcommands).parse_args(argv)
    console = Console(stderr=False)
    digests = _digests(args.exercises, args.target)
    try:
        with CheckProgress(Console(stderr=True)) as progress:
            report = api.grade(args.exercises, target=args.target, max_examples=args.examples,
                               timeout_s=args.timeout, progress=progress, require_isolation=args.require_isolation,
                               jobs=args.jobs)
    except catalog.CatalogError:
        raise  # the course's mistake: one line on stderr, status 2 (grader.cli.main), wherever it is found
    except (ValueError, IsolationUnavailable) as error:
        console.print(f"[red]pixelgrade: {escape(str(error))}[/]")  # a catalog's "[course.hooks]" is no markup
        return ExitCode.USAGE
    terminal.print_report(report, console, verbose=args.verbose)
    _save(report, args, digests, console)
    if args.json:
        json_results.write_report(report, args.json)
        console.print(f"Results written to {args.json}")
    if report.grader_errors:
        return ExitCode.GRADER_ERROR
    if args.require_full and not report.complete:
        return ExitCode.NOT_FULL
    return ExitCode.OK
