"""README.md's Python examples run as written (issue 24: ``from grader import batch, gradebook`` did not).

Every ```` ```python ```` block of the README is run as a script of its own, with this
tests' Python, in a folder set up as a reader's would be: the course's stubs in
``exercises/``, a folder of two submissions in ``submissions/`` (one the reference, one a
stub), this repository's course named by ``PIXELGRADE_COURSE``. A block must end without
an error and do what the README says it does. (Shell examples are the nox sessions' and
the command line's tests' to run.)
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import EXERCISES, PROJECT_ROOT, SOLUTIONS

from grader.core import catalog
from grader.sandbox import isolation

README = PROJECT_ROOT / "README.md"
BLOCK = re.compile(r"^(?P<indent>[ \t]*)```python[ \t]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.S | re.M)


def python_blocks(text: str) -> list[str]:
    """The ```python blocks of a Markdown text, each dedented (a block may sit in a list item)."""
    return [textwrap.dedent(match["body"]) for match in BLOCK.finditer(text)]


BLOCKS = python_blocks(README.read_text(encoding="utf-8"))


def test_the_readme_has_its_python_examples():
    """The test below would pass on no example at all: grade, check and the batch are the README's three."""
    assert len(BLOCKS) >= 3, BLOCKS
    text = "\n".join(BLOCKS)
    for call in ("grade(", "check(", "grade_batch(", "write_all("):
        assert call in text, f"README.md has no Python example calling {call}...)"


def test_blocks_are_found_as_written():
    """Indented blocks (in a list item) come out dedented; other languages are left alone."""
    text = "- a list item:\n\n  ```python\n  import os\n\n  if os:\n      pass\n  ```\n\n```bash\nls\n```\n"
    assert python_blocks(text) == ["import os\n\nif os:\n    pass\n"]


@pytest.fixture(scope="module")
def reader_folder(tmp_path_factory) -> Path:
    """A folder as the README's reader has it: the stubs, and a folder of submissions."""
    folder = tmp_path_factory.mktemp("reader")
    shutil.copytree(EXERCISES, folder / "exercises", ignore=shutil.ignore_patterns("__pycache__"))
    for student, source in (("alice", SOLUTIONS), ("bob", EXERCISES)):
        (folder / "submissions" / student).mkdir(parents=True)
        shutil.copy(source / "histogram.py", folder / "submissions" / student / "histogram.py")
    return folder


@pytest.mark.parametrize("number", range(len(BLOCKS)), ids=lambda number: f"block{number + 1}")
def test_each_python_example_runs(number, reader_folder):
    code = BLOCKS[number]
    script = reader_folder / f"readme_example_{number + 1}.py"
    script.write_text(code, encoding="utf-8")
    env = {**os.environ, catalog.COURSE_ENV: str(PROJECT_ROOT / "course")}
    done = subprocess.run([sys.executable, script.name], cwd=reader_folder, env=env, capture_output=True,
                          text=True, timeout=900)
    batch = "grade_batch(" in code
    if batch and not isolation.current().protects_others:
        # What the README says a batch does where the sandbox does not protect others: refuse, saying why.
        assert done.returncode != 0 and "LearnerCodeRefused" in done.stderr, done.stderr[-3000:]
        return
    assert done.returncode == 0, f"README.md's example {number + 1} failed:\n{code}\n{done.stderr[-3000:]}"
    if "report = grade(" in code:  # the stubs are graded: nothing earned, out of the exercise's points
        assert re.search(r"^0/\d+ points$", done.stdout, re.M), done.stdout
    if 'check("otsu")' in code:  # the report of thresholding, which otsu is a function of
        assert "thresholding" in done.stdout, done.stdout[-3000:]
    if batch:  # every output written; the reference's copy is graded in full, the stub's not at all
        grades = reader_folder / "grades"
        assert {"gradebook.csv", "report.html", "batch.json", "summary.md"} <= {p.name for p in grades.iterdir()}
        with open(grades / "gradebook.csv", newline="", encoding="utf-8") as file:
            rows = {row["submission"]: row for row in csv.DictReader(file)}
        assert set(rows) == {"alice", "bob"}, rows
        assert rows["alice"]["status"] == "graded" and rows["alice"]["points"] == rows["alice"]["max_points"], rows
        assert float(rows["bob"]["points"]) == 0 and float(rows["bob"]["max_points"]) > 0, rows
