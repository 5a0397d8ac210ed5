"""Shared helpers for the project's tests: grading submissions made on the fly."""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import os
import shutil
import tempfile
import textwrap
from pathlib import Path
from unittest import mock

import pytest

from grader import api
from grader.core import catalog

PROJECT_ROOT = Path(__file__).resolve().parents[1]  # this repository: the image course and the engine
# The tests grade this repository's course: it is made the active one before any test runs.
COURSE = catalog.activate(PROJECT_ROOT / "course")
# ... and the one their subprocesses grade, wherever they run (a test's temporary folder holds no course.toml);
# the tests about finding a course remove it (tests/cli/test_main_errors.py, tests/engine, tests/packaging).
os.environ.setdefault(catalog.COURSE_ENV, str(PROJECT_ROOT / "course"))
# Its own modules (course/imagecourse/) import as `imagecourse.X`, as they do when the engine
# grades: course/ first on sys.path, so that a test and a check share one module object each.
COURSE.importable()
BY_NAME = COURSE.by_name

# The tests keep the reference's answers and the checks' examples (grader.core.answers,
# grader.core.replay) in a folder of this run's own, not in the user's cache: a test that
# grades under unusual conditions must not leave examples for the user's next grading.
os.environ.setdefault("PIXELGRADE_ANSWERS", tempfile.mkdtemp(prefix="pixelgrade-test-cache-"))
# A grading saves its result (.pixelgrade/state.json beside the target): the tests' gradings
# keep theirs in a folder of this run's own, never in the checkout.
os.environ.setdefault("PIXELGRADE_STATE_DIR", tempfile.mkdtemp(prefix="pixelgrade-test-state-"))

# The courses under tests/courses are graded by the engine (tests/engine, tests/packaging), not collected
# here: their test_*.py files are checks, which need the grader's fixtures. (Said here, not in a
# conftest.py of theirs, which would be imported as a second module named `conftest`.)
collect_ignore = ["courses"]

SOLUTIONS = PROJECT_ROOT / "solutions"
EXERCISES = PROJECT_ROOT / "exercises"
IMAGE_EXERCISES = [e.name for e in COURSE.gradable() if not e.needs]
# The exercises whose checks need TensorFlow (networks, training): their tests are
# skipped, with the reason, where it is not installed; CI installs it (nox -s tests).
ML_EXERCISES = [e.name for e in COURSE.gradable() if e.needs]
HAS_TENSORFLOW = importlib.util.find_spec("tensorflow") is not None
needs_tensorflow = pytest.mark.skipif(
    not HAS_TENSORFLOW,
    reason="needs TensorFlow, which is not installed (see course/course.toml's [course.optional]; nox -s tests has it)")


@pytest.fixture(autouse=True)
def _this_repositorys_course_after_each_test():
    """A test that grades another course (tests/engine, tests/sandbox) leaves this repository's active after it."""
    yield
    if catalog.active() is not COURSE:
        catalog.activate(COURSE)


@contextlib.contextmanager
def forced_level(level: str):
    """``PIXELGRADE_ISOLATION=level`` while the block runs (workers read it when they are made): its Isolation."""
    from grader.sandbox import isolation

    with mock.patch.dict(os.environ, {isolation.MODE_ENV: level}):
        yield isolation.current()


def replace_function(source: str, name: str, new_source: str) -> str:
    """``source`` with the top-level function ``name`` replaced by ``new_source``."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            lines = source.splitlines(keepends=True)
            start = (node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1
            replacement = textwrap.dedent(new_source).strip() + "\n"
            return "".join(lines[:start]) + replacement + "".join(lines[node.end_lineno:])
    raise AssertionError(f"no function {name!r} to replace")


def make_submission(directory: Path, modules, *, replace: dict | None = None, prepend: dict | None = None,
                    source: Path = SOLUTIONS) -> Path:
    """Copy ``modules`` from ``source`` into ``directory``, then break them as asked.

    ``replace``: {module: {function: new source}}; ``prepend``: {module: code run at import}.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for module in modules:
        text = (source / f"{module}.py").read_text()
        for function, new in (replace or {}).get(module, {}).items():
            text = replace_function(text, function, new)
        if module in (prepend or {}):
            text = textwrap.dedent(prepend[module]) + "\n" + text
        (directory / f"{module}.py").write_text(text)
    return directory


def diagnoses(report, exercise: str) -> dict:
    """{function: {misconception ids}} of the diagnosed checks of one exercise."""
    found: dict = {}
    for check in report.exercise(exercise).checks:
        if check.misconception:
            found.setdefault(check.function, set()).add(check.misconception)
    return found


def copy_tree(source: Path, directory: Path) -> Path:
    shutil.copytree(source, directory, dirs_exist_ok=True)
    return directory


def points_by_function(report, exercise: str) -> dict:
    """{function: (points, max_points)} for one exercise of a report."""
    table: dict = {}
    for check in report.exercise(exercise).checks:
        got, most = table.get(check.function, (0.0, 0.0))
        table[check.function] = (got + check.points, most + check.max_points)
    return table


def counted_points(report, exercise: str) -> dict:
    """{function: (points, max_points)} over the checks that count: speed bonuses left out.

    Bonus checks time real calls, so a busy machine may cost one; the tests that compare
    points must not fail for it (the bonuses have their own tests).
    """
    table: dict = {}
    for check in report.exercise(exercise).checks:
        if not check.bonus:
            got, most = table.get(check.function, (0.0, 0.0))
            table[check.function] = (got + check.points, most + check.max_points)
    return table


@pytest.fixture(scope="session")
def solutions_report():
    """One grading of the reference solutions, shared by the tests that compare with it."""
    return api.grade(IMAGE_EXERCISES, target=SOLUTIONS)


@pytest.fixture(scope="session")
def ml_solutions_report():
    """One grading of the TensorFlow exercises' references (it trains the CNN once, ~40 s), shared."""
    if not HAS_TENSORFLOW:
        pytest.skip("needs TensorFlow, which is not installed")
    return api.grade(ML_EXERCISES, target=SOLUTIONS)
