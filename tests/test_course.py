"""The course is complete and consistent: every exercise has a stub with TODOs, a
reference, hints that ask questions, and the nox sessions match the registry."""

import ast
import re

import pytest
from conftest import EXERCISES, SOLUTIONS

from grader.exercises import EXERCISES as COURSE
from grader.exercises import PROJECT_ROOT, gradable

PRESENT = [e.name for e in COURSE if (EXERCISES / f"{e.name}.py").exists()]


def _functions(path):
    tree = ast.parse(path.read_text())
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def test_every_gradable_exercise_has_its_material():
    for exercise in gradable():
        assert (EXERCISES / f"{exercise.name}.py").exists(), exercise.name
        assert (SOLUTIONS / f"{exercise.name}.py").exists(), exercise.name
        assert exercise.hints_file.exists(), exercise.name


@pytest.mark.parametrize("name", PRESENT)
def test_stub_marks_every_function_with_todo(name):
    source = (EXERCISES / f"{name}.py").read_text()
    for function, node in _functions(EXERCISES / f"{name}.py").items():
        if function.startswith("_"):
            continue
        body = ast.get_source_segment(source, node)
        assert "# TODO:" in body, f"exercises/{name}.py: {function} has no '# TODO:' marker"
        assert "NotImplementedError" in body, f"exercises/{name}.py: {function} does not raise NotImplementedError"
    assert f"pixelgrade {name}" in ast.get_docstring(ast.parse(source)), f"{name}: docstring does not say how to check"


@pytest.mark.parametrize("name", [e.name for e in COURSE if e.off_limits and e.name in PRESENT])
def test_stub_names_the_off_limits_calls_where_the_task_is_read(name):
    exercise = next(e for e in COURSE if e.name == name)
    functions = _functions(EXERCISES / f"{name}.py")
    for function, oracles in exercise.off_limits.items():
        doc = " ".join(ast.get_docstring(functions[function]).split())
        assert "Off limits:" in doc, f"exercises/{name}.py: {function}'s docstring names no off-limits call"
        for oracle in oracles:
            assert f"``{oracle}``" in doc, f"exercises/{name}.py: {function}'s docstring does not name {oracle}"


@pytest.mark.parametrize("name", PRESENT)
def test_stub_and_solution_have_the_same_signatures(name):
    stub, solution = _functions(EXERCISES / f"{name}.py"), _functions(SOLUTIONS / f"{name}.py")
    public = {n for n in stub if not n.startswith("_")}
    assert public <= set(solution)
    for function in public:
        assert ast.dump(stub[function].args) == ast.dump(solution[function].args), f"{name}.{function}"


@pytest.mark.parametrize("name", PRESENT)
def test_hints_are_numbered_questions(name):
    path = PROJECT_ROOT / "grader" / "hints" / f"{name}.md"
    hints = re.findall(r"^\d+\. (.+)$", path.read_text(), flags=re.M)
    assert len(hints) >= 3, f"{path.name}: fewer than 3 numbered hints"
    assert all("?" in hint for hint in hints), f"{path.name}: every hint should ask a question"
    functions = [f for f in _functions(EXERCISES / f"{name}.py") if not f.startswith("_")]
    text = path.read_text()
    assert all(f in text for f in functions), f"{path.name}: a function has no hint"


def test_nox_sessions_follow_the_course():
    noxfile = (PROJECT_ROOT / "noxfile.py").read_text()
    listed = re.findall(r'"(\w+)"', noxfile.split("IMAGE_EXERCISES = [", 1)[1].split("]", 1)[0])
    listed += re.findall(r'"(\w+)"', noxfile.split("ML_EXERCISES = [", 1)[1].split("]", 1)[0])
    assert listed == [e.name for e in COURSE]
    ml = [e.name for e in COURSE if "tensorflow" in e.needs]
    assert re.findall(r'"(\w+)"', noxfile.split("ML_EXERCISES = [", 1)[1].split("]", 1)[0]) == ml


# -- the pages teach the idea without handing over the answer ---------------------------------------
# Code that is a solution rather than a pointer: a NumPy call with its arguments, broadcasting with new
# axes, a reduction or reshape chained on an array, a call's result indexed by an array (a lookup
# table applied), a comparison of comparisons (the crossing test), integer division by the size.
_ANSWER_CODE = [
    r"\bnp\.\w+\([^)]+\)",
    r"\[\s*:\s*,\s*None\s*\]|\[\s*None\s*\]|np\.newaxis",
    r"\.\s*(?:sum|ravel|reshape|cumsum|argmin|argmax|mean|astype|flatten)\s*\(",
    r"\w\)\s*\[\s*\w+\s*\]",
    r"\)\s*!=\s*\(",
    r"//\s*\w+\.size",
]
PAGES = sorted((PROJECT_ROOT / "docs").glob("[0-9][0-9]-*.md"))


def _code_in(markdown: str) -> list[str]:
    blocks = re.findall(r"```.*?\n(.*?)```", markdown, flags=re.S)
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", markdown, flags=re.S))
    return blocks + spans


def _solution_lines(name: str) -> set[str]:
    """The statements of a reference's public functions, whitespace-normalised (long enough to be an answer)."""
    source = (SOLUTIONS / f"{name}.py").read_text()
    lines = set()
    for function, node in _functions(SOLUTIONS / f"{name}.py").items():
        if function.startswith("_"):
            continue
        for statement in ast.walk(node):
            if isinstance(statement, (ast.Return, ast.Assign, ast.AugAssign, ast.Expr)) and not (
                    isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)):
                text = " ".join((ast.get_source_segment(source, statement) or "").split())
                text = text.removeprefix("return ")
                if len(text) >= 20 and "(" in text:
                    lines.add(text)
    return lines


@pytest.mark.parametrize("page", PAGES, ids=lambda path: path.name)
def test_pages_hand_over_no_solution_code(page):
    text = page.read_text()
    for code in _code_in(text):
        for pattern in _ANSWER_CODE:
            assert not re.search(pattern, code), f"docs/{page.name}: `{code}` hands over code of a solution"
    name = page.stem.split("-", 1)[1]
    if (SOLUTIONS / f"{name}.py").exists():
        flat = " ".join(text.split())
        for line in _solution_lines(name):
            assert line not in flat, f"docs/{page.name} quotes the reference solution: {line}"
