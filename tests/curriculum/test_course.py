"""The course is complete and agrees with its catalog (grader.instructor.devcheck: ``pixelgrade dev check``),
adding an exercise is what CONTRIBUTING.md says, and the pages hand over no answer."""

import ast
import os
import re
import shutil
import subprocess
import sys

import pytest
from conftest import BY_NAME, PROJECT_ROOT, SOLUTIONS

from grader.instructor import devcheck


def _functions(path):
    tree = ast.parse(path.read_text())
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


@pytest.mark.parametrize("name", list(BY_NAME))
def test_every_exercise_has_its_material(name):
    """Stub (TODOs, off-limits calls named), solution, checks, hints, page and picture."""
    assert devcheck.material_problems(BY_NAME[name]) == []


def test_the_readmes_list_the_catalog_in_order_and_no_page_is_left_over():
    assert devcheck.course_problems() == []


def test_nox_sessions_come_from_the_catalog():
    noxfile = (PROJECT_ROOT / "noxfile.py").read_text()
    assert 'course" / "course.toml"' in noxfile
    assert [name for name in BY_NAME if f'"{name}"' in noxfile] == [], "an exercise named in noxfile.py"


# -- the dev check finds what is missing, in a copy of the course ----------------------------------
COPIED = ("grader", "course", "exercises", "solutions", "docs", "README.md", "pyproject.toml")


def _copy_project(tmp_path):
    root = tmp_path / "project"
    for name in COPIED:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__", ".pixelgrade"))
        else:
            shutil.copy2(source, root / name)
    return root


def _run(root, *args, timeout=300):
    """``python -m grader ARGS`` with the copy's own grader and course (its folder first on the path)."""
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PIXELGRADE_COURSE", None)
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _edit(path, old, new):
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


BREAKAGES = {
    "a hint that asks nothing": (
        lambda root: _edit(root / "course" / "course.toml",
                           "What does `np.bincount` return for values that never occur at the end of the range? "
                           "What does its `minlength` argument change? (It needs a 1-D input: what does "
                           "`image.ravel()` give?)", "Use `np.bincount` with `minlength`."),
        "the catalog's hints for histogram: hint 2 asks no question"),
    "a stub without its TODO": (lambda root: _edit(root / "exercises" / "histogram.py", "# TODO:", "# do:"),
                                "exercises/histogram.py: histogram has no '# TODO:' marker"),
    "a page left behind": (lambda root: (root / "docs" / "03-histogram.md").rename(root / "docs" / "03-histogramme.md"),
                           "docs/03-histogram.md is missing"),
    "a function the catalog does not list": (
        lambda root: _edit(root / "course" / "course.toml", 'functions = ["histogram", "cumulative_histogram", ',
                           'functions = ["histogram", "cumulative_histogram", "bins", '),
        "the catalog lists ['histogram', 'cumulative_histogram', 'bins', 'normalised_cdf']"),
    "a signature changed in the solution": (
        lambda root: _edit(root / "solutions" / "histogram.py", "def histogram(image", "def histogram(picture"),
        "solutions/histogram.py: histogram has another signature than the stub's"),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_dev_check_names_what_is_wrong(tmp_path, breakage):
    root = _copy_project(tmp_path)
    make, problem = BREAKAGES[breakage]
    make(root)
    result = _run(root, "dev", "check", "--no-grade")
    assert result.returncode == 1, result.stdout + result.stderr
    assert problem in result.stdout


# -- adding an exercise: CONTRIBUTING.md's steps, tried on a throwaway one ------------------------------
NEW_ENTRY = '''
[[exercise]]
name = "brightness"
title = "The mean brightness of an image"
functions = ["mean_brightness"]
hints = [
    "For `mean_brightness`: which NumPy method averages every element of an array, whatever its shape?",
    "What dtype is the mean of a `uint8` array computed in, and which exception does a float image raise?",
    "What should an image with no pixels give: is there a mean of nothing?",
]
'''
NEW_STUB = '''"""Exercise 15: the mean brightness of an image, one number for all its pixels.

Check your work with `pixelgrade brightness`; stuck? `pixelgrade hint brightness`.
"""

import numpy as np


def mean_brightness(image: np.ndarray) -> float:
    """The mean grey level of ``image``.

    Parameters
    ----------
    image : ndarray of uint8, shape (H, W)

    Returns
    -------
    float
        The mean of every pixel, in 0..255.
    """
    # TODO: refuse an image that is not uint8 (TypeError), then average every pixel.
    raise NotImplementedError("mean_brightness: not started yet")
'''
NEW_SOLUTION = '''"""Reference solution: the mean brightness of an image."""

import numpy as np


def mean_brightness(image: np.ndarray) -> float:
    """The mean grey level of ``image`` (float64 arithmetic)."""
    if image.dtype != np.uint8:
        raise TypeError(f"image must be uint8, got {image.dtype}")
    # The mean in float64: a uint8 accumulator would wrap around.
    return float(image.mean(dtype=np.float64))
'''
NEW_CHECKS = '''"""Checks for the throwaway exercise `brightness`."""

import numpy as np
from hypothesis import given

from grader.kit.expect import expect, expect_raises
from grader.kit.marks import graded
from imagecourse.strategies import uint8_images


@graded("mean_brightness", 2)
@given(image=uint8_images(min_dims=2, max_dims=2, min_side=1, max_side=8))
def test_mean_brightness_matches_numpy(learner, image):
    """mean_brightness is the mean of every pixel"""
    got = learner.mean_brightness(image)
    expect(abs(got - float(image.mean())) < 1e-9, f"it returned {got}; expected {float(image.mean())}.")


@graded("mean_brightness", 1, guard=True)
def test_mean_brightness_rejects_float(learner):
    """mean_brightness raises TypeError for a float image"""
    expect_raises(learner, "mean_brightness", np.zeros((2, 2)), exception="TypeError", mentions="image")
'''


@pytest.mark.slow
def test_a_new_exercise_is_one_catalog_entry_and_its_files(tmp_path):
    root = _copy_project(tmp_path)
    with open(root / "course" / "course.toml", "a") as catalog:
        catalog.write(NEW_ENTRY)
    (root / "exercises" / "brightness.py").write_text(NEW_STUB)
    (root / "solutions" / "brightness.py").write_text(NEW_SOLUTION)
    (root / "course" / "checks" / "test_brightness.py").write_text(NEW_CHECKS)
    missing = _run(root, "dev", "check", "brightness", "--no-grade")
    assert missing.returncode == 1 and "docs/15-brightness.md is missing" in missing.stdout, missing.stdout
    # No picture is asked for: the course's renderings hook draws none of brightness.
    assert "brightness.png" not in missing.stdout
    (root / "docs" / "15-brightness.md").write_text("# 15. brightness\n\n**The idea.** One number.\n")
    shutil.copy2(root / "docs" / "images" / "histogram.png", root / "docs" / "images" / "brightness.png")
    checked = _run(root, "dev", "check", "brightness", "--examples", "3")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "every stub fails and every solution passes" in checked.stdout
    # Everything that lists exercises follows: the course as a whole now wants its page in the READMEs,
    listed = _run(root, "dev", "check", "--no-grade")
    assert listed.returncode == 1 and "README.md: the links to the pages" in listed.stdout
    # and the grader, `pixelgrade list` and the hints know it by its number.
    graded = _run(root, "brightness", "--target", "solutions", "--examples", "3")
    assert graded.returncode == 0 and re.search(r"15 brightness\s+3/3\s+complete", graded.stdout), graded.stdout
    hint = _run(root, "hint", "brightness", "--state", str(tmp_path / "state"))
    assert "Hints for 15. brightness" in hint.stdout and "which NumPy method" in hint.stdout


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
