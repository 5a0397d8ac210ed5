"""``pixelgrade dev check``: the course is complete and agrees with its catalog.

Like rustlings' ``dev check``: for every exercise of the course's ``course.toml`` (or the
ones named), its material is all there and consistent, and then every stub fails while
every solution passes. It requires exactly what the course author's guide
(``docs/course-authors.md``, "What dev check requires") lists, and each problem it finds
names the file and what to write there. Per exercise:

- the stub ``<exercises>/<name>.py``: its public functions are the catalog's, in its order;
  each has a ``# TODO:`` comment and raises ``NotImplementedError``; a function with
  off-limits calls names them on an ``Off limits:`` line of its docstring; a module
  docstring that says "Exercise N" gives the exercise's number;
- the solution ``<solutions>/<name>.py``: every function of the catalog, with the stub's parameters;
- the checks ``<checks>/test_<name>.py``: a check that names each function;
- the hints: at least three, each a question, every function named in one;
- the page ``<docs>/NN-<name>.md`` (NN its position), only when the course has a docs folder;
- the picture ``<docs>/images/<name>.png``, only for the exercises the course's ``renderings``
  hook draws.

For the course as a whole: every declared hook imports and is what :mod:`grader.hookspec`
says; where the course's ``README.md`` links to the pages, or ``<docs>/README.md`` has a
table of exercises, they follow the catalog's order; and no page is left from an exercise
that moved or went. Then it grades (unless ``--no-grade``): the stubs must score no point,
the solutions full marks. Exit status 0 when nothing is wrong, 1 with the list of
problems otherwise, 2 for a usage error.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from grader.core import catalog
from grader.core.results import ExerciseStatus
from grader.exitcodes import ExitCode

MIN_HINTS = 3
DEV_EXAMPLES = 5  # Hypothesis examples per property when dev check grades: enough to fail a stub


# -- where things are, as the messages name them ------------------------------------------------
def shown(path: Path) -> str:
    """``path`` relative to the course's root (``exercises/vectors.py``), as an author finds it."""
    root = catalog.active().root
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _functions(path: Path) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def _public(functions: dict) -> list[str]:
    return [name for name in functions if not name.startswith("_")]


def _parameters(node: ast.FunctionDef) -> str:
    """A function's parameters as written (``(image, *, bins=256)``), for a message."""
    return f"({ast.unparse(node.args)})"


def _parse_problem(path: Path) -> str | None:
    try:
        ast.parse(path.read_text(encoding="utf-8"))
    except SyntaxError as error:
        return f"{shown(path)} is not valid Python (line {error.lineno}: {error.msg}); fix it so that it imports"
    return None


# -- one exercise ------------------------------------------------------------------------------------
def stub_problems(exercise: catalog.Exercise) -> list[str]:
    """What is wrong with the stub of ``exercise`` (empty when nothing is)."""
    path = exercise.stub_file
    where = shown(path)
    listed = ", ".join(exercise.functions)
    if not path.is_file():
        return [f"{where} is missing: write the stub, with the functions {listed} (each with a `# TODO:` "
                f"comment and `raise NotImplementedError`)"]
    broken = _parse_problem(path)
    if broken:
        return [broken]
    source = path.read_text(encoding="utf-8")
    functions = _functions(path)
    problems = []
    if _public(functions) != list(exercise.functions):
        problems.append(f"{where} defines {_public(functions)}; the catalog lists {list(exercise.functions)}: "
                        f"define exactly the catalog's functions, in its order (name any helper with a leading `_`)")
    for name in exercise.functions:
        node = functions.get(name)
        if node is None:
            continue
        body = ast.get_source_segment(source, node) or ""
        if "# TODO:" not in body:
            problems.append(f"{where}: {name} has no '# TODO:' marker; write a `# TODO:` comment in it that says "
                            f"what to do there")
        if "NotImplementedError" not in body:
            problems.append(f"{where}: {name} does not raise NotImplementedError; end it with "
                            f"`raise NotImplementedError(\"{name}: not started yet\")`")
        calls = exercise.off_limits.get(name, ())
        doc = " ".join((ast.get_docstring(node) or "").split())
        wanted = ", ".join(f"``{call}``" for call in calls)
        if calls and "Off limits:" not in doc:
            problems.append(f"{where}: {name}'s docstring names no off-limits call (an 'Off limits:' line); "
                            f"add the line `Off limits: {wanted}.` to it")
        problems += [f"{where}: {name}'s docstring does not name ``{call}``; add it to its 'Off limits:' line"
                     for call in calls if "Off limits:" in doc and f"``{call}``" not in doc]
    numbered = re.match(r"Exercise (\d+)\b", ast.get_docstring(ast.parse(source)) or "")
    if numbered and int(numbered.group(1)) != exercise.number:
        problems.append(f"{where}: its docstring says 'Exercise {numbered.group(1)}'; it is number "
                        f"{exercise.number} in the catalog: write 'Exercise {exercise.number}'")
    return problems


def solution_problems(exercise: catalog.Exercise) -> list[str]:
    """What is wrong with the solution of ``exercise``: a function missing, or another signature than the stub's."""
    path = exercise.solution_file
    where = shown(path)
    if not path.is_file():
        return [f"{where} is missing: write the reference solution, defining {', '.join(exercise.functions)} "
                f"with the stub's signatures"]
    broken = _parse_problem(path)
    if broken:
        return [broken]
    solution = _functions(path)
    stub = _functions(exercise.stub_file) if exercise.stub_file.is_file() and not _parse_problem(
        exercise.stub_file) else {}
    problems = [f"{where} does not define {name}; define it with the stub's signature" for name in exercise.functions
                if name not in solution]
    problems += [f"{where}: {name} has another signature than the stub's; give it the stub's parameters "
                 f"{_parameters(stub[name])}" for name in exercise.functions
                 if name in solution and name in stub and ast.dump(solution[name].args) != ast.dump(stub[name].args)]
    return problems


def checks_problems(exercise: catalog.Exercise) -> list[str]:
    """What is wrong with the checks of ``exercise``: the file missing, or a function no check names."""
    where = shown(exercise.checks_file)
    if not exercise.has_checks:
        return [f"{where} is missing: write the checks, at least one `@graded(\"function\", points)` check for "
                f"each of {', '.join(exercise.functions) or 'its functions'}"]
    text = exercise.checks_file.read_text(encoding="utf-8")
    return [f"{where} has no check of {name} (no check names it); add one marked `@graded(\"{name}\", points)`"
            for name in exercise.functions if f'"{name}"' not in text and f"'{name}'" not in text]


def hints_problems(exercise: catalog.Exercise) -> list[str]:
    """What is wrong with the hints of ``exercise``: too few, one that asks nothing, a function left out."""
    where = f"the catalog's hints for {exercise.name}"
    entry = f"its `hints` in {shown(catalog.active().catalog_file)}"
    if len(exercise.hints) < MIN_HINTS:
        return [f"{where}: {len(exercise.hints)} hints; write at least {MIN_HINTS} in {entry}, gentle first, "
                f"each a question"]
    problems = [f"{where}: hint {number} asks no question; make it a question for the learner to answer ({entry})"
                for number, hint in enumerate(exercise.hints, 1) if "?" not in hint]
    text = " ".join(exercise.hints)
    problems += [f"{where}: no hint names {name}; begin one with \"`{name}`: \" ({entry})"
                 for name in exercise.functions if name not in text]
    return problems


def page_problems(exercise: catalog.Exercise, drawn: Iterable[str] = ()) -> list[str]:
    """The page of ``exercise``, when the course has a docs folder, and its picture when the renderings draw it."""
    course = catalog.active()
    problems = []
    if course.docs_dir.is_dir() and not exercise.page.is_file():
        problems.append(f"{shown(exercise.page)} is missing: write the exercise's page (NN is its position in the "
                        f"catalog); a course without pages has no {shown(course.docs_dir)} folder")
    if exercise.name in drawn and not exercise.picture.is_file():
        out = shown(exercise.picture.parent)
        problems.append(f"{shown(exercise.picture)} is missing (the renderings hook draws {exercise.name}): make "
                        f"it with `pixelgrade show {exercise.name} --reference-only --out {out}`, run in "
                        f"{course.root}")
    return problems


def material_problems(exercise: catalog.Exercise, drawn: Iterable[str] | None = None) -> list[str]:
    """Everything :func:`check` checks about one exercise's files (not its grades).

    ``drawn``: the exercises the course's renderings hook draws (default: asked of the hook).
    """
    drawn = drawn_exercises() if drawn is None else drawn
    return (stub_problems(exercise) + solution_problems(exercise) + checks_problems(exercise)
            + hints_problems(exercise) + page_problems(exercise, drawn))


# -- the course as a whole ----------------------------------------------------------------------------
def drawn_exercises() -> set[str]:
    """The exercises the course's ``renderings`` hook draws (none without the hook, or when it cannot be imported)."""
    try:
        renderings = catalog.active().hook("renderings")
        return set(getattr(renderings, "RENDERINGS", {})) if renderings is not None else set()
    except Exception:  # noqa: BLE001 - hook_problems says why
        return set()


# What each hook must be (grader.hookspec), as a test and the words that say it.
_HOOK_KINDS: dict[str, tuple[Callable[[object], bool], str]] = {
    "renderings": (lambda hook: isinstance(getattr(hook, "RENDERINGS", None), Mapping),
                   "a module with a RENDERINGS dict (exercise name -> function that draws it)"),
    "misconceptions": (lambda hook: isinstance(hook, Iterable) and not isinstance(hook, (str, bytes, Mapping)),
                       "a sequence of grader.core.diagnosis.Misconception"),
    "public_heldout": (callable, "a function () -> str | None"),
}


def hook_problems() -> list[str]:
    """Every hook the catalog declares imports and is what :mod:`grader.hookspec` says it is."""
    course = catalog.active()
    problems = []
    for name, declared in course.hooks.items():
        where = f"{shown(course.catalog_file)} [course.hooks] {name} = {declared!r}"
        try:
            hook = course.hook(name)
        except catalog.CatalogError as error:
            problems.append(f"{error}; write that module (its folder is {course.folder}) or remove the line")
            continue
        except Exception as error:  # noqa: BLE001 - the course's own module failed while importing
            problems.append(f"{where}: importing it raised {type(error).__name__}: {error}")
            continue
        test, what = _HOOK_KINDS.get(name, (lambda hook: True, ""))
        if not test(hook):
            problems.append(f"{where}: expected {what}, got {type(hook).__name__}")
        elif name == "renderings":
            unknown = sorted(set(hook.RENDERINGS) - set(course.by_name))
            if unknown:
                problems.append(f"{where}: RENDERINGS draws {', '.join(unknown)}, which the catalog does not list")
        elif name == "adapters":
            from grader.core.learner import course_adapters

            try:
                course_adapters(course)  # the table's names and functions, as a grading checks them
            except catalog.CatalogError as error:
                problems.append(str(error))
    return problems


def course_problems(exercises: Sequence[catalog.Exercise] | None = None) -> list[str]:
    """Problems of the course as a whole: its hooks, the lists of pages in its READMEs, stray pages."""
    course = catalog.active()
    exercises = list(course.exercises if exercises is None else exercises)
    problems = hook_problems()
    docs = shown(course.docs_dir)
    readme = course.root / "README.md"
    if readme.is_file():
        links = re.findall(rf"\]\({re.escape(docs)}/(\d\d-\w+\.md)\)", readme.read_text(encoding="utf-8"))
        if links and links != [exercise.page.name for exercise in exercises]:
            problems.append(f"README.md: the links to the pages ({docs}/NN-<name>.md) are not the catalog's, in "
                            f"order; link to each exercise's page, in the catalog's order")
    index = course.docs_dir / "README.md"
    if index.is_file():
        rows = re.findall(r"^\| (\d+) \| \[(\w+)\]\((\d\d)-(\w+)\.md\)", index.read_text(encoding="utf-8"), re.M)
        expected = [(str(e.number), e.name, f"{e.number:02d}", e.name) for e in exercises]
        if rows and rows != expected:
            problems.append(f"{docs}/README.md: the table of exercises is not the catalog's, numbered in order; "
                            f"give it one row `| N | [name](NN-name.md) | ...` per exercise, in the catalog's order")
    pages = {exercise.page.name for exercise in exercises}
    if course.docs_dir.is_dir():
        problems += [f"{docs}/{path.name} belongs to no exercise of the catalog (renumber or remove it)"
                     for path in sorted(course.docs_dir.glob("[0-9][0-9]-*.md")) if path.name not in pages]
    return problems


# -- grading --------------------------------------------------------------------------------------------
def grade_problems(exercises, *, examples: int = DEV_EXAMPLES, progress=None) -> list[str]:
    """Grade the stubs (they must earn nothing) and the solutions (full marks), with few examples."""
    from grader import api

    course = catalog.active()
    problems = []
    names = [exercise.name for exercise in exercises if exercise.has_checks]
    if not names:
        return problems
    solutions = api.grade(names, target=course.solutions_dir, max_examples=examples, progress=progress)
    for result in solutions.exercises:
        # "skipped": an optional package is missing here (`pixelgrade` says which), not a problem of the course.
        if result.status not in (ExerciseStatus.COMPLETE, ExerciseStatus.SKIPPED):
            failed = [check.id for check in result.checks if check.points < check.max_points and not check.bonus]
            problems.append(f"{shown(course.by_name[result.name].solution_file)} is {result.status}, "
                            f"{result.points:g}/{result.max_points:g} points; failing: {', '.join(failed[:5])}. "
                            f"The reference must pass every check: fix it or the checks "
                            f"(`pixelgrade {result.name} --target {shown(course.solutions_dir)}` says why)")
    stubs = api.grade(names, target=course.stubs_dir, max_examples=examples, progress=progress)
    for result in stubs.exercises:
        if result.points > 0:
            passed = [check.id for check in result.checks if check.points > 0]
            problems.append(f"{shown(course.by_name[result.name].stub_file)} (the stub) earns {result.points:g} "
                            f"points; a stub must fail every check: {', '.join(passed[:5])}")
    return problems


def check(names=(), *, grade: bool = True, examples: int = DEV_EXAMPLES) -> list[str]:
    """Every problem of the course (or of the exercises ``names``); an unknown name raises ValueError."""
    course = catalog.active()
    unknown = [name for name in names if name not in course.by_name]
    if unknown:
        raise ValueError(f"unknown exercise {unknown[0]!r}; choose from: {', '.join(course.by_name)}")
    chosen = [course.by_name[name] for name in names] or list(course.exercises)
    problems = [] if names else course_problems()
    drawn = drawn_exercises()
    for exercise in chosen:
        problems += material_problems(exercise, drawn)
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
        if isinstance(error, (catalog.CatalogError, catalog.CourseNotFound)):
            raise  # the command's usage error, with the file, the entry and the key
        print(f"pixelgrade dev check: {error}", file=sys.stderr)
        return ExitCode.USAGE
    course = catalog.active()
    checked = len(names) or len(course.exercises)
    for problem in problems:
        print(f"- {problem}")
    if problems:
        print(f"{len(problems)} problem(s) in {checked} exercise(s) of {course.catalog_file} (paths relative to "
              f"{course.root}; the course author's guide, docs/course-authors.md, says what each rule asks)")
        return ExitCode.NOT_FULL  # the course is not complete and consistent yet
    graded = "; every stub fails and every solution passes" if grade else ""
    print(f"dev check: {checked} exercise(s) complete and consistent with {course.catalog_file.name}{graded}")
    return ExitCode.OK
