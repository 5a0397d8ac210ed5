"""Sessions for learners (grade), instructors (solutions) and developers (tests, lint).

    nox -s grade          grade every exercise in exercises/
    nox -s histogram      grade one exercise (one session per exercise)
    nox -s solutions      grade the reference solutions (must get full marks)
    nox -s tests          the project's own tests (then tests_without_tensorflow, in an environment without it)
    nox -s lint           ruff
    nox -s mutants        mutation testing of the checks (slow; not a default session)
    nox -s bench          every speed benchmark, one table (slow; not a default session)

Environments are reused between runs and built with uv when it is available.
Only the sessions that need TensorFlow (the machine-learning exercises) install it.
"""

from __future__ import annotations

import os
import shutil
import sys
import tomllib
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["grade"]

ROOT = Path(__file__).resolve().parent
# The course, in order, from its catalog (read with tomllib: nox runs outside the project's environment).
_CATALOG = tomllib.loads((ROOT / "course" / "course.toml").read_text(encoding="utf-8"))["exercise"]
COURSE = [entry["name"] for entry in _CATALOG]
ML_EXERCISES = [entry["name"] for entry in _CATALOG if "tensorflow" in entry.get("needs", [])]
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
    return (ROOT / "course" / "checks" / f"test_{name}.py").exists()


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


for _name in COURSE:
    if _has_checks(_name):
        _exercise_session(_name, _name in ML_EXERCISES)


@nox.session
def solutions(session: nox.Session) -> None:
    """Grade the reference solutions: anything short of full marks fails."""
    needs_ml = any(_has_checks(name) for name in ML_EXERCISES)
    _install(session, *(["ml"] if needs_ml else []))
    session.run("pixelgrade", "--target", "solutions", "--require-full", *session.posargs, env=_env())


# Programs the tests need from the system, by command -> Debian package: bubblewrap gives
# the sandbox its namespaces (the tests grade hostile code at the full level); Chromium
# opens the class report in a real browser (tests/writers/test_class_report.py).
SYSTEM_PACKAGES = {"bwrap": "bubblewrap", "chromium": "chromium"}


def _install_system_packages(session: nox.Session) -> None:
    """Installed with apt where the session runs as root on Debian or Ubuntu (CI).

    Elsewhere the tests run with what the machine has: the sandbox at its level (README:
    Safety), the browser test skipped with its reason.
    """
    missing = [package for command, package in SYSTEM_PACKAGES.items() if not shutil.which(command)]
    if not missing or not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    quiet = {"silent": True, "external": True}
    try:
        session.run("apt-get", "install", "-y", "-q", *missing, **quiet)
    except nox.command.CommandFailed:  # an old package list: refresh it once
        session.run("apt-get", "update", "-q", **quiet)
        session.run("apt-get", "install", "-y", "-q", *missing, **quiet)


@nox.session
def tests(session: nox.Session) -> None:
    """The project's own tests, the reference solutions' doctests and the contract check.

    Once the machine-learning exercises have checks, TensorFlow (the ``ml`` extra) is
    installed here too, so that their checks, tests and doctests run in CI.
    """
    needs_ml = any(_has_checks(name) for name in ML_EXERCISES)
    # dev: cosmic-ray, for the fixed sample of mutants in tests/curriculum/test_mutants.py.
    _install(session, "dev", *(["ml"] if needs_ml else []))
    _install_system_packages(session)
    doctested = [name for name in COURSE if needs_ml or name not in ML_EXERCISES]
    solution_files = [f"solutions/{name}.py" for name in doctested if (ROOT / "solutions" / f"{name}.py").exists()]
    session.run("pytest", "--doctest-modules", "-q", "-p", "no:cacheprovider", *solution_files)
    contract_check = ROOT.parent / "shared" / "tools" / "contract_check.py"
    if contract_check.exists():  # the course's shared tools, beside the project
        session.run("python", str(contract_check))
    # The tests of a machine without TensorFlow cannot run here: they run in their own environment.
    session.run("pytest", "-q", "-m", "not without_tensorflow", *session.posargs, env=_env())
    if needs_ml and not session.posargs:
        session.notify("tests_without_tensorflow")


@nox.session
def tests_without_tensorflow(session: nox.Session) -> None:
    """The tests of what a learner sees without TensorFlow, in an environment that lacks it (run by ``tests``)."""
    _install(session)
    session.run("pytest", "-q", "-m", "without_tensorflow", *session.posargs, env=_env())


@nox.session
def mutants(session: nox.Session) -> None:
    """Mutation testing of the checks: mutate solutions/ (in copies), grade each mutant, report survivors.

    Slow (every image exercise, a second or more per mutant): run on demand, e.g.
    ``nox -s mutants -- histogram`` or ``nox -s mutants -- --sample 50``; see tools/mutants.py.
    """
    needs_ml = any(name in session.posargs for name in ML_EXERCISES)
    _install(session, "dev", *(["ml"] if needs_ml else []))
    session.run("python", str(ROOT / "tools" / "mutants.py"), *session.posargs, env=_env())


@nox.session
def bench(session: nox.Session) -> None:
    """Every speed benchmark of issue 13, printed as one table (benchmarks/run_all.py; not a default session).

    ``nox -s bench -- --quick`` for fewer runs, ``-- --ml`` to add the training exercise
    and five CNN seeds (installs TensorFlow), ``-- --skip-otter`` to use otter's recorded figure.
    """
    _install(session, "dev", *(["ml"] if "--ml" in session.posargs else []))
    _install_system_packages(session)
    session.run("python", str(ROOT / "benchmarks" / "run_all.py"), *session.posargs, env=_env())


@nox.session
def lint(session: nox.Session) -> None:
    """ruff, on the grader, the course, the references, the tests, the tools and the benchmarks."""
    session.install("ruff")
    session.run("ruff", "check", "grader", "course", "solutions", "tests", "tools", "benchmarks", "noxfile.py")
