"""The options that several ``pixelgrade`` commands share, each defined once.

``pixelgrade``, ``watch``, ``list``, ``hint``, ``show``, ``dev check`` and ``batch`` take
some of the same options (``--target``, ``--examples``, ``--timeout``, ``--state``, the
exercises, ``--require-isolation``, ``--trust-submissions``...). Each command's parser adds them from here, so
an option has one name, one default, one help text and one validator everywhere.

A validator is an argparse ``type=``: a value it refuses is argparse's usage error, on
stderr with exit status 2 (:attr:`~grader.exitcodes.ExitCode.USAGE`), naming the
option and what it expects::

    pixelgrade list: error: argument --examples: expected a whole number of at least 1, got '0'
"""

from __future__ import annotations

import argparse
import math

from grader.core.catalog import DEFAULT_EXAMPLES

DEFAULT_TARGET = "exercises"


# -- validators (argparse ``type=``) ------------------------------------------------------------
def whole_number_at_least_one(text: str) -> int:
    """``text`` as an int of at least 1; otherwise an error saying so (argparse adds the option's name)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def positive_seconds(text: str) -> float:
    """``text`` as a finite number of seconds above 0; otherwise an error saying so."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):  # written so that NaN is refused too
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


# -- the shared options -------------------------------------------------------------------------
def add_exercises(parser: argparse.ArgumentParser, *, many: bool, help: str) -> None:
    """The positional exercise names: any number (``args.exercises``) or at most one (``args.exercise``).

    ``help`` says what the command does with them and what it does without any, which
    differs between commands (grade all of them, begin with the current one...).
    """
    if many:
        parser.add_argument("exercises", nargs="*", metavar="EXERCISE", help=help)
    else:
        parser.add_argument("exercise", nargs="?", metavar="EXERCISE", help=help)


def add_target(parser: argparse.ArgumentParser) -> None:
    """``--target DIR``: the folder of the learner's exercise modules."""
    parser.add_argument("--target", default=DEFAULT_TARGET, metavar="DIR",
                        help=f"directory of exercise modules (default: {DEFAULT_TARGET})")


def add_examples(parser: argparse.ArgumentParser, *, default: int = DEFAULT_EXAMPLES) -> None:
    """``--examples N``: Hypothesis examples per property check (``list`` and ``dev check`` use fewer)."""
    parser.add_argument("--examples", type=whole_number_at_least_one, default=default, metavar="N",
                        help=f"Hypothesis examples per property check (default: {default})")


def add_jobs(parser: argparse.ArgumentParser) -> None:
    """``--jobs N``: exercises graded side by side (:mod:`grader.core.parallel`; default: every core)."""
    from grader.core.parallel import available_cores

    cores = available_cores()
    parser.add_argument("--jobs", "-j", type=whole_number_at_least_one, default=cores, metavar="N",
                        help=f"exercises graded at once, each in a process of its own "
                             f"(default: the number of cores, {cores}; 1 grades them one after the other)")


def add_timeout(parser: argparse.ArgumentParser) -> None:
    """``--timeout SECONDS``: overrides every exercise's time limit per learner call (None: the catalog's)."""
    parser.add_argument("--timeout", type=positive_seconds, metavar="SECONDS",
                        help="time limit for each call of a learner function (default: per exercise)")


def add_state(parser: argparse.ArgumentParser) -> None:
    """``--state DIR``: where the state file is (:mod:`grader.learning.state`)."""
    parser.add_argument("--state", metavar="DIR",
                        help="folder of the state file (default: .pixelgrade next to the target, "
                             "or $PIXELGRADE_STATE_DIR)")


def add_require_isolation(parser: argparse.ArgumentParser) -> None:
    """``--require-isolation``: refuse to grade without the full sandbox (:mod:`grader.sandbox.isolation`)."""
    parser.add_argument("--require-isolation", action="store_true",
                        help="refuse to start (status 2) unless the full sandbox is available: "
                             "Landlock, an unprivileged uid when run as root (see README: Safety)")


def add_trust_submissions(parser: argparse.ArgumentParser) -> None:
    """``--trust-submissions``: run learner code even where the sandbox does not protect others (README: Safety)."""
    parser.add_argument("--trust-submissions", action="store_true",
                        help="grade even where this machine's sandbox would not keep learner code from other "
                             "people's work and secrets (refused otherwise): only for a class you trust; every "
                             "report records it")


def add_allow_public_heldout(parser: argparse.ArgumentParser) -> None:
    """``--allow-public-heldout``: grade the exercises scored on held-out digits that learner code can read."""
    parser.add_argument("--allow-public-heldout", action="store_true",
                        help="grade the exercises scored on held-out digits even when those digits are public "
                             "(scikit-learn's, which learner code can read: refused otherwise); every report "
                             "records it")


def add_hidden_visibility(parser: argparse.ArgumentParser) -> None:
    """``--hidden-visibility``: how Gradescope shows hidden checks (``batch`` and ``merge``)."""
    # Imported here, not above: only the instructors' commands need the Gradescope writer,
    # and every learner command imports this module.
    from grader.writers import gradescope

    parser.add_argument("--hidden-visibility", choices=gradescope.HIDDEN_VISIBILITIES, default="after_published",
                        help="Gradescope visibility of hidden checks (default: after_published)")


def add_course(parser: argparse.ArgumentParser) -> None:
    """``--course DIR``: the course to grade (read by :mod:`grader.cli.main` before the command runs)."""
    parser.add_argument("--course", metavar="DIR",
                        help="the course: a folder with course.toml, or the file (default: $PIXELGRADE_COURSE, "
                             "else the nearest course.toml in this folder or above)")
