"""``pixelgrade watch``: re-grade the exercise being edited on every save (over :func:`grader.learning.watch.run`)."""

from __future__ import annotations

import argparse

from grader.cli import arguments
from grader.exitcodes import ExitCode
from grader.learning import watch


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pixelgrade watch",
                                     description="Re-grade the exercise you are editing every time you save it.")
    arguments.add_exercises(parser, many=False, help="where to begin (default: the first exercise not complete yet)")
    arguments.add_target(parser)
    arguments.add_course(parser)
    arguments.add_examples(parser)
    arguments.add_timeout(parser)
    parser.add_argument("--interval", type=arguments.positive_seconds, default=watch.DEFAULT_INTERVAL_S,
                        metavar="SECONDS", help=f"how often to look for changes (default: {watch.DEFAULT_INTERVAL_S})")
    parser.add_argument("--stop-after", type=float, metavar="SECONDS", help="stop watching after this long")
    parser.add_argument("--max-regrades", type=int, metavar="N", help="stop after N re-grades")
    parser.add_argument("--once", action="store_true",
                        help="grade the current exercise once and stop, without waiting for a save")
    arguments.add_state(parser)
    return parser


def main(argv: list[str]) -> ExitCode:
    args = build_parser().parse_args(argv)
    return watch.run(args.exercise, target=args.target, max_examples=args.examples, timeout_s=args.timeout,
                     state_dir=args.state, interval=args.interval, stop_after=args.stop_after,
                     max_regrades=args.max_regrades, once=args.once)
