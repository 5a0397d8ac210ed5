"""Notebooks whose cells have no ids (nbformat 4.5 written by a tool, or by hand) are read without a word.

nbformat requires a cell id from format 4.5 on (JEP 62); a notebook that lacks them made
``nbformat.read`` print a ``MissingIDFieldWarning`` traceback on the instructor's terminal,
once per notebook of the class.
"""

import json
import subprocess
import sys
import warnings

import pytest
from conftest import SOLUTIONS

from grader.instructor import ipynb

HISTOGRAM = (SOLUTIONS / "histogram.py").read_text()
ROOT = SOLUTIONS.parent


def _cell(source: str, **fields) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source, **fields}


def _notebook(path, minor: int, cells: list[dict]):
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": minor, "metadata": {}, "cells": cells}))
    return path


NOTEBOOKS = {
    "4.5 without ids": (5, [_cell(HISTOGRAM), _cell("x = 1")]),
    "4.5 with one id missing": (5, [_cell(HISTOGRAM, id="first"), _cell("x = 1")]),
    "4.5 with an id twice": (5, [_cell(HISTOGRAM, id="same"), _cell("x = 1", id="same")]),
    "4.4 (before ids)": (4, [_cell(HISTOGRAM), _cell("x = 1")]),
}


@pytest.mark.parametrize("kind", NOTEBOOKS)
def test_a_notebook_without_cell_ids_is_read_without_a_warning(tmp_path, kind):
    minor, cells = NOTEBOOKS[kind]
    path = _notebook(tmp_path / "histogram.ipynb", minor, cells)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        converted = ipynb.convert(path)
    assert [str(w.message)[:80] for w in caught] == []
    assert "histogram" in converted.functions and converted.cells == 2


def test_grading_such_notebooks_prints_nothing_on_the_terminal(tmp_path):
    """What the instructor sees: ``convert_all`` in a fresh Python, as ``pixelgrade batch`` runs it."""
    for number, (minor, cells) in enumerate(NOTEBOOKS.values()):
        folder = tmp_path / f"learner{number}"
        folder.mkdir()
        _notebook(folder / "histogram.ipynb", minor, cells)
    script = ("import sys; from pathlib import Path; from grader.instructor import ipynb\n"
              "notes, written = ipynb.convert_all(Path(sys.argv[1]), ['histogram'])\n"
              "print(len(written))")
    shown = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                           timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert shown.stderr == ""
    assert shown.stdout.strip() == str(len(NOTEBOOKS))
