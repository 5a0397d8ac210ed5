"""The learner's last mile (issue 23, item 11): `--version`, `watch --once`, an import error's words,
and commands a learner who used nox can type."""

from __future__ import annotations

import importlib.metadata
import io
import os
import re
import subprocess
import sys

import pytest
from conftest import EXERCISES, PROJECT_ROOT, SOLUTIONS
from rich.console import Console

from grader import api
from grader.cli import main as cli
from grader.core import results
from grader.core.results import CheckResult, ExerciseResult, GradeReport
from grader.writers import terminal


# -- pixelgrade --version ------------------------------------------------------------------------------------
def test_version_prints_the_version_and_ends_well(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"pixelgrade {importlib.metadata.version('pixelgrade')} (Python ")
    assert re.fullmatch(r"pixelgrade \S+ \(Python \d+\.\d+\.\d+\S*\)\n", out), out


# -- pixelgrade watch --once -----------------------------------------------------------------------------------
def _watch_once(target, state) -> str:
    command = [sys.executable, "-m", "grader", "watch", "--once", "--target", str(target), "--examples", "2",
               "--state", str(state)]
    env = dict(os.environ, COLUMNS="200")
    # Nothing is saved while it runs: --once must grade and end by itself, not wait for a save.
    finished = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=90)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return " ".join(finished.stdout.split())


def test_watch_once_grades_the_current_exercise_and_ends(tmp_path):
    target = tmp_path / "work"
    target.mkdir()
    (target / "histogram.py").write_text((EXERCISES / "histogram.py").read_text())
    out = _watch_once(target, tmp_path / "state")
    assert "3 histogram" in out and "not started" in out and "0/14 exercises done" in out
    assert "Watching" not in out


def test_watch_once_names_the_next_exercise_without_grading_it(tmp_path):
    target = tmp_path / "work"
    target.mkdir()
    (target / "histogram.py").write_text((SOLUTIONS / "histogram.py").read_text())
    (target / "equalisation.py").write_text((EXERCISES / "equalisation.py").read_text())
    out = _watch_once(target, tmp_path / "state")
    assert "3. histogram is complete" in out and "Next: 4. equalisation" in out and "1/14 exercises done" in out
    assert "4 equalisation" not in out  # named, not graded: that was once


# -- an import error quotes the learner's line as it is ------------------------------------------------------------
def test_an_import_error_quotes_the_source_line_without_a_full_stop(tmp_path):
    source = (SOLUTIONS / "arrays.py").read_text()
    (tmp_path / "arrays.py").write_text("import numpy_does_not_exist\n" + source)
    report = api.grade(["arrays"], target=tmp_path, max_examples=2)
    message = report.exercise("arrays").message
    assert "raised ModuleNotFoundError: No module named 'numpy_does_not_exist'" in message, message
    assert "import numpy_does_not_exist" in message, message  # the line is quoted...
    assert "import numpy_does_not_exist." not in message, message  # ...as written, with nothing added


# -- "Start here" for a learner who used nox ----------------------------------------------------------------------
def test_start_here_tells_a_nox_learner_a_command_their_shell_can_run(tmp_path, monkeypatch):
    # As `python3 -m nox -s arrays` runs it: nox's environment's program, nox's PATH, nox's variable.
    program = tmp_path / ".nox" / "arrays" / "bin" / "pixelgrade"
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(program), "arrays"])
    monkeypatch.setenv("NOX_CURRENT_SESSION", "arrays")
    monkeypatch.setenv("PIXELGRADE_COURSE", str(PROJECT_ROOT / "course"))  # the learner's shell finds the course
    monkeypatch.setenv("PATH", f"{program.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    check = CheckResult(id="arrays::test_normalise", exercise="arrays", function="normalise", title="normalise",
                        max_points=2, status=results.NOT_STARTED, message="`normalise` is not started yet.")
    report = GradeReport(target="exercises", exercises=[ExerciseResult("arrays", "Images as arrays", 1, [check])])
    buffer = io.StringIO()
    terminal.print_report(report, Console(file=buffer, width=200, color_system=None))
    lines = [" ".join(line.split()) for line in buffer.getvalue().splitlines()]
    assert "Start here: 1. arrays — Images as arrays" in lines, lines
    assert "Grade .nox/arrays/bin/pixelgrade arrays" in lines, lines
    assert "Stuck? .nox/arrays/bin/pixelgrade hint arrays" in lines, lines
    assert any(line.startswith("Watch .nox/arrays/bin/pixelgrade watch") for line in lines), lines
