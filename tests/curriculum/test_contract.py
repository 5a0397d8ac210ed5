"""docs/contract.md, the project's own statement of every exercise, agrees with the catalog, the stubs
and the solutions.

The contract lists each exercise as a section ``## N. `module` — title`` and each of its
functions as a heading ``### `name(parameters)` ``. Every exercise of the catalog
(``course/course.toml``) is there, at its number, with exactly the catalog's functions in
the catalog's order, each with the very signature of the stub (``exercises/``) and of the
solution (``solutions/``); nothing else is. Signatures are compared as parsed Python
(names, kinds, defaults), so quoting or spacing cannot hide a difference; annotations
are left out, since they do not change how a function is called.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT

from grader.core import catalog

CONTRACT = PROJECT_ROOT / "docs" / "contract.md"
SECTION = re.compile(r"^## (\d+)\. `(\w+)`")
FUNCTION = re.compile(r"^### `(\w+)\((.*)\)`\s*$")


def contract_functions(text: str) -> tuple[list[tuple[int, str]], dict[str, list[tuple[str, str]]]]:
    """The sections ``[(number, module)]`` and ``{module: [(function, parameters)]}`` of a contract's text."""
    sections, functions, current = [], {}, None
    for line in text.splitlines():
        if match := SECTION.match(line):
            current = match.group(2)
            sections.append((int(match.group(1)), current))
            functions.setdefault(current, [])
        elif match := FUNCTION.match(line):
            functions.setdefault(current, []).append((match.group(1), match.group(2)))
    return sections, functions


def _without_annotations(arguments: ast.arguments) -> str:
    for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                     *filter(None, [arguments.vararg, arguments.kwarg])]:
        argument.annotation = None
    return ast.dump(arguments)


def parsed_signature(name: str, parameters: str) -> str:
    """The parameters of ``def name(parameters)`` as parsed Python; ``SyntaxError`` if they are not Python."""
    function = ast.parse(f"def {name}({parameters}):\n    pass\n").body[0]
    return _without_annotations(function.args)


def module_functions(path: Path) -> dict[str, str]:
    """The public top-level functions of a module file and their parsed parameters (read, not imported)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name: _without_annotations(node.args) for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_")}


def contract_problems(text: str, exercises, folders: dict[str, Path]) -> list[str]:
    """Every way the contract's ``text`` disagrees with the catalog's ``exercises`` and the modules in ``folders``."""
    sections, functions = contract_functions(text)
    problems = []
    wanted = [(exercise.number, exercise.name) for exercise in exercises]
    if sections != wanted:
        problems.append(f"the contract's sections are {sections}; the catalog's exercises are {wanted}")
    if None in functions:
        problems.append(f"functions before the first section: {functions[None]}")
    for exercise in exercises:
        listed = functions.get(exercise.name, [])
        names = [name for name, _ in listed]
        if names != list(exercise.functions):
            problems.append(f"{exercise.name}: the contract lists {names}; the catalog {list(exercise.functions)}")
        modules = {where: module_functions(folder / f"{exercise.name}.py") for where, folder in folders.items()}
        for where, defined in modules.items():
            extra = sorted(set(defined) - set(exercise.functions))
            if extra:
                problems.append(f"{where}/{exercise.name}.py defines public functions the contract does not list: "
                                f"{extra}")
        for name, parameters in listed:
            try:
                stated = parsed_signature(name, parameters)
            except SyntaxError as error:
                problems.append(f"{exercise.name}.{name}({parameters}): not a Python signature ({error.msg})")
                continue
            for where, defined in modules.items():
                if name not in defined:
                    problems.append(f"{where}/{exercise.name}.py has no function {name}")
                elif defined[name] != stated:
                    problems.append(f"{where}/{exercise.name}.py: {name} has another signature than the "
                                    f"contract's {name}({parameters})")
    return problems


FOLDERS = {"exercises": catalog.active().stubs_dir, "solutions": catalog.active().solutions_dir}


def test_the_contract_agrees_with_the_catalog_the_stubs_and_the_solutions():
    assert contract_problems(CONTRACT.read_text(encoding="utf-8"), catalog.active().exercises, FOLDERS) == []


def test_every_function_of_the_catalog_has_a_heading_of_its_own():
    sections, functions = contract_functions(CONTRACT.read_text(encoding="utf-8"))
    exercises = catalog.active().exercises
    assert len(sections) == len(exercises) == 14
    assert sum(len(listed) for listed in functions.values()) == sum(len(e.functions) for e in exercises)


# -- the check finds what it is for, on altered copies of the contract --------------------------------
def _altered(old: str, new: str) -> list[str]:
    text = CONTRACT.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    return contract_problems(text.replace(old, new), catalog.active().exercises, FOLDERS)


@pytest.mark.parametrize(("old", "new", "problem"), [
    ("### `pad(image, width, mode=\"constant\", constant_value=0)`",
     "### `pad(image, width, mode=\"edge\", constant_value=0)`",
     "exercises/convolution.py: pad has another signature than the contract's pad(image, width, mode=\"edge\""),
    ("### `kmeans(points, k, *, init=None, max_iter=100, seed=0)`",
     "### `kmeans(points, k, init=None, max_iter=100, seed=0)`",
     "solutions/kmeans.py: kmeans has another signature"),
    ("### `otsu_mask_rgb(image)`", "### `otsu_mask_rgb(image)`\n\n### `otsu_multi(image, classes=3)`",
     "thresholding: the contract lists ['threshold', 'otsu_threshold', 'otsu_mask_rgb', 'otsu_multi']"),
    ("### `drop_alpha(image)`\n", "", "arrays: the contract lists ['normalise', 'flatten', 'add_channel_axis', "
                                     "'grey_to_rgb', 'to_greyscale', 'one_hot']"),
    ("## 9. `kmeans`", "## 9. `clustering`", "the contract's sections are"),
    ("### `edges(image, threshold)`", "### `edges(image, threshold=)`", "sobel.edges(image, threshold=): not a Python"),
])
def test_the_check_names_a_disagreement(old, new, problem):
    problems = _altered(old, new)
    assert any(problem in found for found in problems), problems


def test_a_public_function_the_contract_does_not_list_is_named(tmp_path):
    for folder, source in FOLDERS.items():
        (tmp_path / folder).mkdir()
        for exercise in catalog.active().exercises:
            (tmp_path / folder / f"{exercise.name}.py").write_bytes((source / f"{exercise.name}.py").read_bytes())
    with open(tmp_path / "solutions" / "histogram.py", "a", encoding="utf-8") as module:
        module.write("\n\ndef bins(image):\n    return 256\n")
    problems = contract_problems(CONTRACT.read_text(encoding="utf-8"), catalog.active().exercises,
                                 {folder: tmp_path / folder for folder in FOLDERS})
    assert problems == ["solutions/histogram.py defines public functions the contract does not list: ['bins']"]


# -- the project points at its own contract, not at a file outside it --------------------------------
@pytest.mark.parametrize("document", ["README.md", "docs/README.md", "CONTRIBUTING.md"])
def test_the_documents_point_at_the_projects_own_contract(document):
    text = (PROJECT_ROOT / document).read_text(encoding="utf-8")
    link = "contract.md" if document == "docs/README.md" else "docs/contract.md"
    assert f"]({link})" in text, f"{document} does not link to {link}"
    assert "curriculum.md" not in text and "../shared" not in text, f"{document} still points outside the project"
