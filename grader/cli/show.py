"""``pixelgrade show``: the reference and your output, drawn on real images (over :func:`grader.learning.show.run`).

Exit status 0 when it wrote some picture, 2 when there was nothing to show (the course
declares no ``renderings`` hook, or none of the exercises named has a picture), with the reason.
"""

from __future__ import annotations

import argparse

from grader.cli import arguments
from grader.core import catalog
from grader.exitcodes import ExitCode


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pixelgrade show",
                                     description="Pictures of the reference and your output on real images.",
                                     epilog="Exit status: 0 pictures written, 2 bad usage or nothing to show "
                                            "(the course draws no pictures, or not of these exercises).")
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
    course = catalog.active()
    if "renderings" not in course.hooks:
        # Said before anything else (matplotlib missing, say): with no renderings there is nothing to draw.
        print(f"pixelgrade show: the course {course.title!r} draws no pictures: its {course.catalog_file.name} "
              f"declares no renderings hook ([course.hooks] renderings = \"MODULE\"), so there is nothing to show.")
        return ExitCode.USAGE
    from grader.learning import show  # imported once there is something to draw: it loads the drawing code

    return show.run(args.exercises, target=args.target, out=args.out, reference_only=args.reference_only)
