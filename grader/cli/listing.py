"""``pixelgrade list``: every exercise with its status and points (over :func:`grader.learning.listing.run`).

Named ``listing``, not ``list``, so as not to shadow the builtin wherever it is imported.
"""

from __future__ import annotations

import argparse

from grader.cli import arguments
from grader.exitcodes import ExitCode
from grader.learning import listing


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pixelgrade list",
                                     description="Every exercise with its status and points, from a quick grade "
                                                 "of what changed since the last one.")
    arguments.add_target(parser)
    arguments.add_course(parser)
    arguments.add_examples(parser, default=listing.QUICK_EXAMPLES)
    parser.add_argument("--saved", action="store_true", help="grade nothing; show the last saved results")
    parser.add_argument("--regrade", action="store_true",
                        help="grade every exercise, even those unchanged since their saved result")
    parser.add_argument("--all", action="store_true",
                        help="also grade the slow exercises (those that train models)")
    arguments.add_jobs(parser)
    arguments.add_state(parser)
    return parser


def main(argv: list[str]) -> ExitCode:
    args = build_parser().parse_args(argv)
    return listing.run(target=args.target, examples=args.examples, saved=args.saved, regrade=args.regrade,
                       include_slow=args.all, state_dir=args.state, jobs=args.jobs)
