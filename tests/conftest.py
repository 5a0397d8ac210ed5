"""Shared helpers for the project's tests: grading submissions made on the fly."""

from __future__ import annotations

import ast
import importlib.util
import shutil
import textwrap
from pathlib import Path

import pytest

from grader import api
from grader.core.catalog import PROJECT_ROOT, gradable

SOLUTIONS = PROJECT_ROOT / "solutions"
EXERCISES = PROJECT_ROOT / "exercises"
IMAGE_EXERCISES = [e.name for e in gradable() if not e.needs]
# The exercises whose checks need TensorFlow (networks, training): their tests are
# skipped, with the reason, where it is not installed; CI installs it (nox -s tests).
ML_EXERCISES = [e.name for e in gradable() if e.needs]
HAS_TENSORFLOW = importlib.util.find_spec("tensorflow") is not None
needs_tensorflow = pytest.mark.skipif(
    not HAS_TENSORFLOW, reason="needs TensorFlow, which is not installed (pip install -e '.[ml]', or nox -s tests)")


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


# The misconception (course/checks/misconceptions.py) each buggy submission of
# tests/curriculum/test_data_exercises.py is diagnosed as, by its name; a bug not listed gets no
# sentence at all (see assert_diagnosis). The table of tests/curriculum/buggy_submissions.py says
# its entries' own, in each entry; these stay here until those tables join it.
EXPECTED_DIAGNOSIS = {
    "assign breaks ties towards the highest index": "assign-ties-highest",
    "update sets an empty cluster to zero": "empty-cluster-zero",
    "kmeans returns the labels from before the last update": "kmeans-stale-labels",
    "quantise_colours truncates the centers": "floor-not-rint-quantise",
    "polygon_inside swaps inner and outer": "polygon-inside-swapped",
    "group_holes counts every deeper polygon as a hole": "holes-at-every-depth",
    "class_means divides by the total count": "mean-over-all-images",
    "mean_difference without the absolute value": "signed-difference",
    "montage with a fresh rng for every class": "montage-fresh-rng",
}


def diagnoses(report, exercise: str) -> dict:
    """{function: {misconception ids}} of the diagnosed checks of one exercise."""
    found: dict = {}
    for check in report.exercise(exercise).checks:
        if check.misconception:
            found.setdefault(check.function, set()).add(check.misconception)
    return found


def assert_diagnosis(report, exercise: str, function: str, bug: str) -> None:
    """A buggy submission is named as its misconception, in its function only, or not at all."""
    expected = EXPECTED_DIAGNOSIS.get(bug)
    found = diagnoses(report, exercise)
    assert found == ({function: {expected}} if expected else {}), f"{bug!r} was diagnosed as {found}"


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
