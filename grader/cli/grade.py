"""``pixelgrade [EXERCISE ...]``: grade and print the report (a thin layer over :func:`grader.api.grade`)."""

from __future__ import annotations

import argparse
from collections.abc import Iterable

from rich.console import Console

from grader import api
from grader.cli import arguments
from grader.cli.exitcodes import ExitCode
from grader.cli.progress import CheckProgress
from grader.core import catalog
from grader.sandbox.isolation import IsolationUnavailable
from grader.writers import json_results, terminal


def build_parser(subcommands: Iterable[str] = ()) -> argparse.ArgumentParser:
    """The parser of ``pixelgrade``; its help names the ``subcommands`` too (it is the top-level help)."""
    others = [f"pixelgrade {name}" for name in subcommands]
    parser = argparse.ArgumentParser(
        prog="pixelgrade",
        description="Grade image-analysis exercises against the course contract.",
        epilog="Exercises, in order: " + ", ".join(e.name for e in catalog.EXERCISES)
        + (". Other commands: " + ", ".join(others) if others else ""),
    )
    arguments.add_exercises(parser, many=True, help="exercises to grade (default: all)")
    arguments.add_target(parser)
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    arguments.add_examples(parser)
    arguments.add_timeout(parser)
    arguments.add_jobs(parser)
    parser.add_argument("--verbose", "-v", action="store_true", help="list every check, passed or not")
    parser.add_argument("--require-full", action="store_true",
                        help="exit with status 1 unless every exercise gets full marks")
    arguments.add_require_isolation(parser)
    return parser


def main(argv: list[str], *, subcommands: Iterable[str] = ()) -> ExitCode:
    """Grade the exercises ``argv`` names in its ``--target``, print the report, return the exit status.

    ``subcommands``: the other commands, for ``--help`` (the dispatcher, :mod:`grader.cli.main`, knows them).
    """
    args = build_parser(subcommands).parse_args(argv)
    console = Console(stderr=False)
    try:
        with CheckProgress(Console(stderr=True)) as progress:
            report = api.grade(args.exercises, target=args.target, max_examples=args.examples,
                               timeout_s=args.timeout, progress=progress, require_isolation=args.require_isolation,
                               jobs=args.jobs)
    except (ValueError, IsolationUnavailable) as error:
        console.print(f"[red]pixelgrade: {error}[/]")
        return ExitCode.USAGE
    terminal.print_report(report, console, verbose=args.verbose)
    if args.json:
        json_results.write_report(report, args.json)
        console.print(f"Results written to {args.json}")
    if report.grader_errors:
        return ExitCode.GRADER_ERROR
    if args.require_full and not report.complete:
        return ExitCode.NOT_FULL
    return ExitCode.OK
