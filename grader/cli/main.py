"""The command line: a thin layer over :func:`grader.api.grade`."""

from __future__ import annotations

import argparse
import importlib
import sys

from rich.console import Console

from grader import api
from grader.cli.exitcodes import ExitCode
from grader.cli.progress import CheckProgress
from grader.core import catalog as exercises
from grader.sandbox.isolation import IsolationUnavailable
from grader.writers import reports


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pixelgrade",
        description="Grade image-analysis exercises against the course contract.",
        epilog="Exercises, in order: " + ", ".join(e.name for e in exercises.EXERCISES)
        + (". Other commands: " + ", ".join(f"pixelgrade {name}" for name in SUBCOMMANDS) if SUBCOMMANDS else ""),
    )
    parser.add_argument("exercises", nargs="*", metavar="EXERCISE", help="exercises to grade (default: all)")
    parser.add_argument("--target", default="exercises", help="directory of exercise modules (default: exercises)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument("--examples", type=int, default=api.DEFAULT_EXAMPLES,
                        help=f"Hypothesis examples per property check (default: {api.DEFAULT_EXAMPLES})")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="time limit for each call of a learner function (default: per exercise)")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every check, passed or not")
    parser.add_argument("--require-full", action="store_true",
                        help="exit with status 1 unless every exercise gets full marks")
    parser.add_argument("--require-isolation", action="store_true",
                        help="refuse to start (status 2) unless the full sandbox is available (see README: Safety)")
    return parser


# Subcommands live in their own modules (each with ``main(argv) -> int``), imported
# only when used. ``pixelgrade [EXERCISE ...]`` with no subcommand grades.
SUBCOMMANDS: dict[str, str] = {
    "watch": "grader.learning.watch",  # re-grade the exercise being edited on every save
    "hint": "grader.learning.hints",  # the next numbered hint
    "list": "grader.learning.listing",  # every exercise with its status and points
    "show": "grader.learning.show",  # pictures of the reference and your output on real images
    "batch": "grader.cli.batch",  # instructors: grade many submissions into a gradebook
    "merge": "grader.cli.merge",  # instructors: join the shards of a batch into one gradebook
    "summary": "grader.cli.summary",  # a Markdown summary of results (CI job summaries)
    "dev": "grader.instructor.devcheck",  # course authors: `pixelgrade dev check`, the course is complete
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        module = importlib.import_module(SUBCOMMANDS[argv[0]])
        return module.main(argv[1:])
    return grade_main(argv)


def grade_main(argv: list[str]) -> ExitCode:
    """``pixelgrade [EXERCISE ...] [--target DIR] ...``: grade and print the report."""
    args = _parser().parse_args(argv)
    console = Console(stderr=False)
    if args.examples < 1:
        console.print("[red]pixelgrade: --examples must be at least 1[/]")
        return ExitCode.USAGE
    if args.timeout is not None and args.timeout <= 0:
        console.print("[red]pixelgrade: --timeout must be a positive number of seconds[/]")
        return ExitCode.USAGE
    try:
        with CheckProgress(Console(stderr=True)) as progress:
            report = api.grade(args.exercises, target=args.target, max_examples=args.examples,
                               timeout_s=args.timeout, progress=progress, require_isolation=args.require_isolation)
    except (ValueError, IsolationUnavailable) as error:
        console.print(f"[red]pixelgrade: {error}[/]")
        return ExitCode.USAGE
    reports.print_report(report, console, verbose=args.verbose)
    if args.json:
        reports.write_json(report, args.json)
        console.print(f"Results written to {args.json}")
    if report.grader_errors:
        return ExitCode.GRADER_ERROR
    if args.require_full and not report.complete:
        return ExitCode.NOT_FULL
    return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
