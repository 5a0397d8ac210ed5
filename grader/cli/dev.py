"""``pixelgrade dev``: the course authors' and instructors' tools.

``pixelgrade dev check``: the course is complete and agrees with its catalog
(over :func:`grader.instructor.devcheck.run`).
``pixelgrade dev sandbox``: the project's own hostile submissions against the sandbox this
machine gives, attack by attack (over :func:`grader.instructor.sandbox_check.run`).
"""

from __future__ import annotations

import argparse

from grader.cli import arguments
from grader.exitcodes import ExitCode


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pixelgrade dev", description="Tools for the authors of the course "
                                                                        "and for instructors.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="check that the course is complete and agrees with its catalog",
                               description="Check that the course is complete and agrees with its catalog: "
                                           "the material of every exercise, then every stub fails and every "
                                           "solution passes. Each problem names the file and what to write; "
                                           "the rules are listed in the course author's guide "
                                           "(docs/course-authors.md).",
                               epilog="Exit status: 0 nothing wrong, 1 problems (listed), 2 bad usage.")
    arguments.add_exercises(check, many=True, help="exercises to check (default: all)")
    check.add_argument("--no-grade", action="store_true", help="check the files only; do not grade")
    # Imported here: `pixelgrade dev sandbox` need not load the course checker, nor the reverse.
    from grader.instructor.devcheck import DEV_EXAMPLES

    arguments.add_examples(check, default=DEV_EXAMPLES)
    arguments.add_course(check)

    sandbox = actions.add_parser(
        "sandbox", help="run hostile submissions against this machine's sandbox and say what held",
        description="Run the project's own hostile submissions (grader/instructor/attacks/), each in a real "
                    "worker at the level this machine gives, and print, attack by attack, what it tried and "
                    "whether the sandbox held. Run it on any machine (a CI runner, a container, a course "
                    "platform's image) before grading other people's work there.",
        epilog="Exit status: 0 every attack held, 1 some attack got through or could not be judged, "
               "2 bad usage.")
    from grader.instructor.sandbox_check import NAMES

    sandbox.add_argument("attacks", nargs="*", metavar="ATTACK",
                         help=f"attacks to run (default: all): {', '.join(NAMES)}")
    sandbox.add_argument("--json", metavar="PATH", help="also write the verdicts as JSON to PATH")
    sandbox.add_argument("--jobs", "-j", type=arguments.whole_number_at_least_one, default=2, metavar="N",
                         help="attacks run at once (default: 2)")
    return parser


def main(argv: list[str]) -> ExitCode:
    args = build_parser().parse_args(argv)
    if args.action == "sandbox":
        from grader.instructor import sandbox_check

        return sandbox_check.run(args.attacks or None, json_path=args.json, jobs=args.jobs)
    from grader.instructor import devcheck

    return devcheck.run(args.exercises, grade=not args.no_grade, examples=args.examples)
