"""``pixelgrade show``: the reference and your output, drawn on real images (over :func:`grader.learning.show.run`)."""

from __future__ import annotations

import argparse

from grader.cli import arguments
from grader.cli.exitcodes import ExitCode
from grader.learning import show


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pixelgrade show",
                                     description="Pictures of the reference and your output on real images.")
    arguments.add_exercises(parser, many=True,
                            help="exercises (or their functions, e.g. 'otsu'); default: every exercise")
    arguments.add_target(parser)
    arguments.add_course(parser)
    parser.add_argument("--out", metavar="DIR", help="where to write the PNG files (default: .pixelgrade/show "
                                                     "next to the target)")
    parser.add_argument("--reference-only", action="store_true", help="draw the reference solution alone")
    return parser


def main(argv: list[str]) -> ExitCode:
    args = build_parser().parse_args(argv)
    return show.run(args.exercises, target=args.target, out=args.out, reference_only=args.reference_only)
