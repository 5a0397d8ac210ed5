"""``pixelgrade dev check``: the course is complete and agrees with its catalog.

Like rustlings' ``dev check``: for every exercise of ``course/course.toml`` (or the
ones named), the material is all there and consistent, and then every stub fails
while every solution passes. What it checks, per exercise:

- the stub ``exercises/<name>.py``: the catalog's functions, each with a ``# TODO:``
  and a ``NotImplementedError``, its off-limits calls named in its docstring, and a
  module docstring that says ``pixelgrade <name>`` (and, if it says "Exercise N", its number);
- the solution ``solutions/<name>.py``: the same functions with the same signatures;
- the checks ``course/checks/test_<name>.py``: at least one for every function;
- the hints: at least three, each a question, every function named in one;
- the page ``docs/NN-<name>.md`` (NN its position) and its picture ``docs/images/<name>.png``;
- and, for the course as a whole, the pages listed by ``README.md`` and ``docs/README.md``
  in the catalog's order, and no page left from an exercise that moved or went.

Then it grades (unless ``--no-grade``): the stubs must score no point, the
solutions full marks. Exit status 0 when nothing is wrong, 1 with the list of
problems otherwise, 2 for a usage error.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from grader.cli.exitcodes import ExitCode
from grader.core import catalog
from grader.core.results import ExerciseStatus

MIN_HINTS = 3
DEV_EXAMPLES = 5  # Hypothesis examples per property when dev check grades: enough to fail a stub


def _functions(path: Path) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def _public(functions: dict) -> list[str]:
    return [name for name in functions if not name.startswith("_")]


def stub_problems(exercise: catalog.Exercise) -> list[str]:
    """What is wrong with the stub of ``exercise`` (empty when nothing is)."""
    path, where = exercise.stub_file, f"exercises/{exercise.name}.py"
    if not path.is_file():
        return [f"{where} is missing"]
    source = path.read_text(encoding="utf-8")
    functions = _functions(path)
    problems = []
    if _public(functions) != list(exercise.functions):
        problems.append(f"{where} defines {_public(functions)}; the catalog lists {list(exercise.functions)}")
    for name in exercise.functions:
        node = functions.get(name)
        if node is None:
            continue
        body = ast.get_source_segment(source, node) or ""
        if "# TODO:" not in body:
            problems.append(f"{where}: {name} has no '# TODO:' marker")
        if "NotImplementedError" not in body:
            problems.append(f"{where}: {name} does not raise NotImplementedError")
        calls = exercise.off_limits.get(name, ())
        doc = " ".join((ast.get_docstring(node) or "").split())
        if calls and "Off limits:" not in doc:
            problems.append(f"{where}: {name}'s docstring names no off-limits call (an 'Off limits:' line)")
        problems += [f"{where}: {name}'s docstring does not name ``{call}``" for call in calls
                     if "Off limits:" in doc and f"``{call}``" not in doc]
    numbered = re.match(r"Exercise (\d+)\b", ast.get_docstring(ast.parse(source)) or "")
    if numbered and int(numbered.group(1)) != exercise.number:
        problems.append(f"{where}: its docstring says 'Exercise {numbered.group(1)}'; it is number "
                        f"{exercise.number} in the catalog")
    if f"pixelgrade {exercise.name}" not in (ast.get_docstring(ast.parse(source)) or ""):
        problems.append(f"{where}: the module docstring does not say how to check it (`pixelgrade {exercise.name}`)")
    return problems


def solution_problems(exercise: catalog.Exercise) -> list[str]:
    path, where = exercise.solution_file, f"solutions/{exercise.name}.py"
    if not path.is_file():
        return [f"{where} is missing"]
    solution = _functions(path)
    stub = _functions(exercise.stub_file) if exercise.stub_file.is_file() else {}
    problems = [f"{where} does not define {name}" for name in exercise.functions if name not in solution]
    problems += [f"{where}: {name} has another signature than the stub's" for name in exercise.functions
                 if name in solution and name in stub and ast.dump(solution[name].args) != ast.dump(stub[name].args)]
    return problems


def checks_problems(exercise: catalog.Exercise) -> list[str]:
    where = f"course/checks/test_{exercise.name}.py"
    if not exercise.has_checks:
        return [f"{where} is missing"]
    text = exercise.checks_file.read_text(encoding="utf-8")
    return [f"{where} has no check of {name} (no check names it)" for name in exercise.functions
            if f'"{name}"' not in text and f"'{name}'" not in text]


def hints_problems(exercise: catalog.Exercise) -> list[str]:
    where = f"the catalog's hints for {exercise.name}"
    if len(exercise.hints) < MIN_HINTS:
        return [f"{where}: {len(exercise.hints)} hints; at least {MIN_HINTS}, gentle first"]
    problems = [f"{where}: hint {number} asks no question" for number, hint in enumerate(exercise.hints, 1)
                if "?" not in hint]
    text = " ".join(exercise.hints)
    problems += [f"{where}: no hint names {name}" for name in exercise.functions if name not in text]
    return problems


def page_problems(exercise: catalog.Exercise) -> list[str]:
    page = exercise.page
    where = f"docs/{page.name}"
    problems = []
    if not page.is_file():
        problems.append(f"{where} is missing (its page; NN is its position in the catalog)")
    elif not page.read_text(encoding="utf-8").startswith(f"# {exercise.number}. {exercise.name}"):
        problems.append(f"{where} does not start with '# {exercise.number}. {exercise.name}'")
    if not exercise.picture.is_file():
        problems.append(f"docs/images/{exercise.picture.name} is missing "
                        f"(`pixelgrade show {exercise.name} --reference-only --out docs/images`)")
    return problems


def course_problems(exercises=catalog.active().exercises) -> list[str]:
    """Problems of the course as a whole: the lists in the READMEs, stray pages."""
    problems = []
    readme = catalog.active().root / "README.md"
    if readme.is_file():
        text = readme.read_text(encoding="utf-8")
        if re.findall(r"\]\(docs/(\d\d-\w+\.md)\)", text) != [exercise.page.name for exercise in exercises]:
            problems.append("README.md: the links to the pages (docs/NN-<name>.md) are not the catalog's, in order")
    index = catalog.active().docs_dir / "README.md"
    if index.is_file():
        rows = re.findall(r"^\| (\d+) \| \[(\w+)\]\((\d\d)-(\w+)\.md\)", index.read_text(encoding="utf-8"), re.M)
        expected = [(str(e.number), e.name, f"{e.number:02d}", e.name) for e in exercises]
        if rows != expected:
            problems.append("docs/README.md: the table of exercises is not the catalog's, numbered in order")
    pages = {exercise.page.name for exercise in exercises}
    problems += [f"docs/{path.name} belongs to no exercise of the catalog (renumber or remove it)"
                 for path in sorted(catalog.active().docs_dir.glob("[0-9][0-9]-*.md")) if path.name not in pages]
    return problems


def material_problems(exercise: catalog.Exercise) -> list[str]:
    """Everything :func:`check` checks about one exercise's files (not its grades)."""
    return (stub_problems(exercise) + solution_problems(exercise) + checks_problems(exercise)
            + hints_problems(exercise) + page_problems(exercise))


def grade_problems(exercises, *, examples: int = DEV_EXAMPLES, progress=None) -> list[str]:
    """Grade the stubs (they must earn nothing) and the solutions (full marks), with few examples."""
    from grader import api

    problems = []
    names = [exercise.name for exercise in exercises if exercise.has_checks]
    if not names:
        return problems
    solutions = api.grade(names, target=catalog.active().solutions_dir, max_examples=examples, progress=progress)
    for result in solutions.exercises:
        # "skipped": an optional package is missing here (`pixelgrade` says which), not a problem of the course.
        if result.status not in (ExerciseStatus.COMPLETE, ExerciseStatus.SKIPPED):
            failed = [check.id for check in result.checks if check.points < check.max_points and not check.bonus]
            problems.append(f"solutions/{result.name}.py is {result.status}, {result.points:g}/{result.max_points:g}"
                            f" points; failing: {', '.join(failed[:5])}")
    stubs = api.grade(names, target=catalog.active().stubs_dir, max_examples=examples, progress=progress)
    for result in stubs.exercises:
        if result.points > 0:
            passed = [check.id for check in result.checks if check.points > 0]
            problems.append(f"exercises/{result.name}.py (the stub) earns {result.points:g} points; "
                            f"a stub must fail every check: {', '.join(passed[:5])}")
    return problems


def check(names=(), *, grade: bool = True, examples: int = DEV_EXAMPLES) -> list[str]:
    """Every problem of the course (or of the exercises ``names``); an unknown name raises ValueError."""
    unknown = [name for name in names if name not in catalog.active().by_name]
    if unknown:
        raise ValueError(f"unknown exercise {unknown[0]!r}; choose from: {', '.join(catalog.active().by_name)}")
    chosen = [catalog.active().by_name[name] for name in names] or list(catalog.active().exercises)
    problems = [] if names else course_problems()
    for exercise in chosen:
        problems += material_problems(exercise)
    if grade:
        problems += grade_problems(chosen, examples=examples)
    return problems


def run(names: Sequence[str] = (), *, grade: bool = True, examples: int = DEV_EXAMPLES) -> ExitCode:
    """Print every problem of the course (or of the exercises ``names``) and a verdict: ``pixelgrade dev check``.

    Returns
    -------
    ExitCode
        ``OK`` when nothing is wrong, ``NOT_FULL`` when something is, ``USAGE`` for an unknown name.
    """
    try:
        problems = check(names, grade=grade, examples=examples)
    except ValueError as error:
        print(f"pixelgrade dev check: {error}", file=sys.stderr)
        return ExitCode.USAGE
    checked = len(names) or len(catalog.active().exercises)
    for problem in problems:
        print(f"- {problem}")
    if problems:
        print(f"{len(problems)} problem(s) in {checked} exercise(s) of {catalog.active().catalog_file}")
        return ExitCode.NOT_FULL  # the course is not complete and consistent yet
    graded = "; every stub fails and every solution passes" if grade else ""
    print(f"dev check: {checked} exercise(s) complete and consistent with {catalog.active().catalog_file.name}{graded}")
    return ExitCode.OK
