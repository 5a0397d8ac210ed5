"""Sessions for learners (grade), instructors (solutions) and developers (tests, lint).

    nox -s grade          grade every exercise in exercises/
    nox -s histogram      grade one exercise (one session per exercise)
    nox -s solutions      grade the reference solutions (must get full marks)
    nox -s tests          the project's own tests (then tests_without_tensorflow, in an environment without it)
    nox -s lint           ruff
    nox -s mutants        mutation testing of the checks (slow; not a default session)
    nox -s bench          every speed benchmark, one table (slow; not a default session)

Environments are reused between runs and built with uv when it is available. Each holds the
engine (this repository's ``grader/``, installed editable) and what the image course declares in
``course/course.toml``: its ``requires`` always, its optional needs (``[course.optional]``:
TensorFlow, for the machine-learning exercises) only in the sessions that grade or test those.
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
# The course, from its catalog (read with tomllib: nox runs outside the project's environment): its
# exercises in order, what each needs beyond the course's requirements, and what installs that.
_CATALOG = tomllib.loads((ROOT / "course" / "course.toml").read_text(encoding="utf-8"))
COURSE = [entry["name"] for entry in _CATALOG["exercise"]]
NEEDS = {entry["name"]: entry.get("needs", []) for entry in _CATALOG["exercise"]}
REQUIRES = _CATALOG.get("course", {}).get("requires", [])  # the checks', the references' and the pictures' packages
OPTIONAL = _CATALOG.get("course", {}).get("optional", {})  # a need -> its pip requirements
ML_EXERCISES = [name for name, needs in NEEDS.items() if needs]  # those that train models (TensorFlow)
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist-10k.npz"


def _install(session: nox.Session, *, needs=(), extras=()) -> None:
    """The engine (editable, with its ``extras``), the course's requirements and those of its ``needs``.

    One install command, so that the resolver sees every requirement at once. A need the
    course's ``[course.optional]`` does not list is installed by its own name, as
    ``pixelgrade`` itself advises (grader.core.catalog.Exercise.install_command).
    """
    engine = f".[{','.join(extras)}]" if extras else "."
    optional = [spec for need in dict.fromkeys(needs) for spec in OPTIONAL.get(need, [need])]
    # Compiled bytecode makes every grading worker start fast (uv skips it by default).
    session.install("-e", engine, *REQUIRES, *optional, env={"UV_COMPILE_BYTECODE": "1"})


def _needs_of(names) -> list[str]:
    """What the exercises ``names`` that have checks need beyond the course's requirements."""
    return [need for name in names if _has_checks(name) for need in NEEDS.get(name, [])]


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
    _install(session, needs=_needs_of(COURSE))
    session.run("pixelgrade", *session.posargs, env=_env())


def _exercise_session(name: str):
    def run(session: nox.Session) -> None:
        _install(session, needs=_needs_of([name]))
        session.run("pixelgrade", name, *session.posargs, env=_env())

    run.__doc__ = f"Grade the {name} exercise."
    return nox.session(name=name)(run)


for _name in COURSE:
    if _has_checks(_name):
        _exercise_session(_name)


@nox.session
def solutions(session: nox.Session) -> None:
    """Grade the reference solutions: anything short of full marks fails."""
    _install(session, needs=_needs_of(COURSE))
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

    Once the machine-learning exercises have checks, what they need (TensorFlow: the course's
    ``[course.optional]``) is installed here too, so that their checks, tests and doctests run in CI.
    """
    needs = _needs_of(COURSE)
    needs_ml = bool(needs)
    # dev: cosmic-ray, for the fixed sample of mutants in tests/curriculum/test_mutants.py; uv, which
    # builds the engine's wheel and installs it into fresh environments (tests/packaging).
    _install(session, needs=needs, extras=("dev",))
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
    _install(session)  # the course's requirements, none of its optional needs
    session.run("pytest", "-q", "-m", "without_tensorflow", *session.posargs, env=_env())


@nox.session
def mutants(session: nox.Session) -> None:
    """Mutation testing of the checks: mutate solutions/ (in copies), grade each mutant, report survivors.

    Slow (every image exercise, a second or more per mutant): run on demand, e.g.
    ``nox -s mutants -- histogram`` or ``nox -s mutants -- --sample 50``; see tools/mutants.py.
    """
    _install(session, needs=_needs_of(name for name in COURSE if name in session.posargs), extras=("dev",))
    session.run("python", str(ROOT / "tools" / "mutants.py"), *session.posargs, env=_env())


@nox.session
def bench(session: nox.Session) -> None:
    """Every speed benchmark of issue 13, printed as one table (benchmarks/run_all.py; not a default session).

    ``nox -s bench -- --quick`` for fewer runs, ``-- --ml`` to add the training exercise
    and five CNN seeds (installs TensorFlow), ``-- --skip-otter`` to use otter's recorded figure.
    """
    _install(session, needs=_needs_of(ML_EXERCISES) if "--ml" in session.posargs else (), extras=("dev",))
    _install_system_packages(session)
    session.run("python", str(ROOT / "benchmarks" / "run_all.py"), *session.posargs, env=_env())


@nox.session
def lint(session: nox.Session) -> None:
    """ruff, on the grader, the course, the references, the tests, the tools and the benchmarks."""
    session.install("ruff")
    session.run("ruff", "check", "grader", "course", "solutions", "tests", "tools", "benchmarks", "noxfile.py")
