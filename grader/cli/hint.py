"""``pixelgrade hint [EXERCISE]``: the next numbered hint (over :func:`grader.learning.hints.run`)."""

from __future__ import annotations

import argparse

from grader.cli import arguments
from grader.exitcodes import ExitCode
from grader.learning import hints


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pixelgrade hint", description="Show the next hint for an exercise.")
    arguments.add_exercises(parser, many=False,
                            help="an exercise or one of its functions, e.g. 'otsu' (default: the current exercise)")
    arguments.add_target(parser)
    arguments.add_course(parser)
    arguments.add_state(parser)
    parser.add_argument("--reset", action="store_true", help="start again from the first hint")
    return parser


def main(argv: list[str]) -> ExitCode:
    args = build_parser().parse_args(argv)
    return hints.run(args.exercise, target=args.target, state_dir=args.state, reset=args.reset)
