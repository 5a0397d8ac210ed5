"""``pixelgrade dev``: the course authors' tools.

``pixelgrade dev check``: the course is complete and agrees with its catalog
(over :func:`grader.instructor.devcheck.run`).
"""

from __future__ import annotations

import argparse

from grader.cli import arguments
from grader.cli.exitcodes import ExitCode
from grader.instructor import devcheck


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pixelgrade dev", description="Tools for the authors of the course.")
    # One action so far; a subparser keeps `pixelgrade dev --help` listing it, and room for more.
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="check that the course is complete and agrees with its catalog",
                               description="Check that the course is complete and agrees with its catalog: "
                                           "the material of every exercise, then every stub fails and every "
                                           "solution passes.")
    arguments.add_exercises(check, many=True, help="exercises to check (default: all)")
    check.add_argument("--no-grade", action="store_true", help="check the files only; do not grade")
    arguments.add_examples(check, default=devcheck.DEV_EXAMPLES)
    return parser


def main(argv: list[str]) -> ExitCode:
    args = build_parser().parse_args(argv)
    return devcheck.run(args.exercises, grade=not args.no_grade, examples=args.examples)
