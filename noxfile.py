"""Sessions for learners (grade), instructors (solutions) and developers (tests, lint).

    nox -s grade          grade every exercise in exercises/
    nox -s histogram      grade one exercise (one session per exercise)
    nox -s solutions      grade the reference solutions (must get full marks)
    nox -s tests          the project's own tests
    nox -s lint           ruff

Environments are reused between runs and built with uv when it is available.
Only the sessions that need TensorFlow (the machine-learning exercises) install it.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["grade"]

ROOT = Path(__file__).resolve().parent
# The course, in order (grader/exercises.py is the source; tests/test_course.py checks they agree).
IMAGE_EXERCISES = ["arrays", "intensity", "histogram", "equalisation", "convolution", "filters", "sobel",
                   "thresholding", "kmeans", "polygons", "exploration", "baseline"]
ML_EXERCISES = ["networks", "training"]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist-10k.npz"


def _install(session: nox.Session, *extras: str) -> None:
    spec = f".[{','.join(extras)}]" if extras else "."
    # Compiled bytecode makes every grading worker start fast (uv skips it by default).
    session.install("-e", spec, env={"UV_COMPILE_BYTECODE": "1"})


def _env() -> dict:
    # Point the MNIST loader at the course's shared copy when there is one and
    # nothing else was chosen (machines without internet).
    env = {}
    if "PIXELGRADE_MNIST" not in os.environ and SHARED_MNIST.exists():
        env["PIXELGRADE_MNIST"] = str(SHARED_MNIST)
    return env


def _has_checks(name: str) -> bool:
    return (ROOT / "grader" / "checks" / f"test_{name}.py").exists()


@nox.session
def grade(session: nox.Session) -> None:
    """Grade every exercise in exercises/ (pass options after --, e.g. -- --json out.json)."""
    needs_ml = any(_has_checks(name) for name in ML_EXERCISES)
    _install(session, *(["ml"] if needs_ml else []))
    session.run("pixelgrade", *session.posargs, env=_env())


def _exercise_session(name: str, ml: bool):
    def run(session: nox.Session) -> None:
        _install(session, *(["ml"] if ml else []))
        session.run("pixelgrade", name, *session.posargs, env=_env())

    run.__doc__ = f"Grade the {name} exercise."
    return nox.session(name=name)(run)


for _name in IMAGE_EXERCISES + ML_EXERCISES:
    if _has_checks(_name):
        _exercise_session(_name, _name in ML_EXERCISES)


@nox.session
def solutions(session: nox.Session) -> None:
    """Grade the reference solutions: anything short of full marks fails."""
    needs_ml = any(_has_checks(name) for name in ML_EXERCISES)
    _install(session, *(["ml"] if needs_ml else []))
    session.run("pixelgrade", "--target", "solutions", "--require-full", *session.posargs, env=_env())


def _install_bubblewrap(session: nox.Session) -> None:
    """bubblewrap gives the sandbox its namespaces; the tests grade hostile code at the full level.

    Installed with apt where the session runs as root on Debian or Ubuntu (CI); elsewhere
    the tests run at whatever level the machine has (README: Safety).
    """
    if shutil.which("bwrap") or not sys.platform.startswith("linux") or os.geteuid() != 0 \
            or not shutil.which("apt-get"):
        return
    quiet = {"silent": True, "external": True}
    try:
        session.run("apt-get", "install", "-y", "-q", "bubblewrap", **quiet)
    except nox.command.CommandFailed:  # an old package list: refresh it once
        session.run("apt-get", "update", "-q", **quiet)
        session.run("apt-get", "install", "-y", "-q", "bubblewrap", **quiet)


@nox.session
def tests(session: nox.Session) -> None:
    """The project's own tests, the reference solutions' doctests and the contract check.

    Once the machine-learning exercises have checks, TensorFlow (the ``ml`` extra) is
    installed here too, so that their checks, tests and doctests run in CI.
    """
    needs_ml = any(_has_checks(name) for name in ML_EXERCISES)
    _install(session, *(["ml"] if needs_ml else []))
    _install_bubblewrap(session)
    doctested = IMAGE_EXERCISES + (ML_EXERCISES if needs_ml else [])
    solution_files = [f"solutions/{name}.py" for name in doctested if (ROOT / "solutions" / f"{name}.py").exists()]
    session.run("pytest", "--doctest-modules", "-q", "-p", "no:cacheprovider", *solution_files)
    contract_check = ROOT.parent / "shared" / "tools" / "contract_check.py"
    if contract_check.exists():  # the course's shared tools, beside the project
        session.run("python", str(contract_check))
    session.run("pytest", "-q", *session.posargs, env=_env())


@nox.session
def lint(session: nox.Session) -> None:
    """ruff, on the grader, the references and the tests."""
    session.install("ruff")
    session.run("ruff", "check", "grader", "solutions", "tests", "noxfile.py")
