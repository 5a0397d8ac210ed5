"""What a report tells the learner to type (grader/writers/invocation.py): a command their own shell can run."""

from __future__ import annotations

import os
import stat

import pytest

from grader.core import catalog
from grader.writers import invocation


@pytest.fixture(autouse=True)
def _course_found_anywhere(request, monkeypatch):
    """These tests are about the program's words: the course is taken to be found from any folder."""
    if "course" not in request.node.name:
        monkeypatch.setattr(invocation, "_course_words", lambda environ, cwd: "")


def _environment(root):
    """A project with nox's environment `.nox/grade` and a user environment `venv`, each with pixelgrade."""
    programs = {}
    for where in (".nox/grade/bin", "venv/bin"):
        folder = root / where
        folder.mkdir(parents=True)
        for name in ("pixelgrade", "python", "python3"):
            program = folder / name
            program.write_text("#!/bin/sh\n")
            program.chmod(program.stat().st_mode | stat.S_IXUSR)
        programs[where] = folder
    return programs


def test_a_learner_who_used_nox_is_told_the_programs_path(tmp_path):
    bins = _environment(tmp_path)
    nox_path = os.pathsep.join([str(bins[".nox/grade/bin"]), "/usr/bin"])  # nox puts the session's bin first
    command = invocation.command(argv0=str(bins[".nox/grade/bin"] / "pixelgrade"),
                                 executable=str(bins[".nox/grade/bin"] / "python"),
                                 environ={"PATH": nox_path, "NOX_CURRENT_SESSION": "arrays"}, cwd=tmp_path)
    assert command == ".nox/grade/bin/pixelgrade"
    # Run from elsewhere (nox -f path/noxfile.py): the whole path.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert invocation.command(argv0=str(bins[".nox/grade/bin"] / "pixelgrade"),
                              executable=str(bins[".nox/grade/bin"] / "python"),
                              environ={"PATH": nox_path, "NOX_CURRENT_SESSION": "arrays"},
                              cwd=elsewhere) == str(bins[".nox/grade/bin"] / "pixelgrade")


def test_pixelgrade_on_the_learners_path_is_just_pixelgrade(tmp_path):
    bins = _environment(tmp_path)
    path = os.pathsep.join([str(bins["venv/bin"]), "/usr/bin"])  # an activated environment
    assert invocation.command(argv0=str(bins["venv/bin"] / "pixelgrade"), executable=str(bins["venv/bin"] / "python"),
                              environ={"PATH": path}, cwd=tmp_path) == "pixelgrade"
    # Another environment's pixelgrade comes first on the PATH: this one is named by its path.
    other = os.pathsep.join([str(bins[".nox/grade/bin"]), str(bins["venv/bin"])])
    assert invocation.command(argv0=str(bins["venv/bin"] / "pixelgrade"), executable=str(bins["venv/bin"] / "python"),
                              environ={"PATH": other}, cwd=tmp_path) == "venv/bin/pixelgrade"


@pytest.mark.parametrize("path_has_it", [True, False])
def test_python_m_grader_without_a_program(tmp_path, path_has_it):
    folder = tmp_path / "env" / "bin"
    folder.mkdir(parents=True)
    for name in ("python", "python3"):
        (folder / name).write_text("#!/bin/sh\n")
        (folder / name).chmod(0o755)
    path = str(folder) if path_has_it else "/nonexistent"
    command = invocation.command(argv0="/somewhere/grader/__main__.py", executable=str(folder / "python"),
                                 environ={"PATH": path}, cwd=tmp_path)
    assert command == ("python3 -m grader" if path_has_it else "env/bin/python -m grader")


def test_a_path_with_a_space_is_quoted(tmp_path):
    bins = _environment(tmp_path / "my course")
    command = invocation.command(argv0=str(bins["venv/bin"] / "pixelgrade"),
                                 executable=str(bins["venv/bin"] / "python"),
                                 environ={"PATH": "/usr/bin", "NOX_CURRENT_SESSION": "grade"}, cwd=tmp_path)
    assert command == "'my course/venv/bin/pixelgrade'"


def test_a_course_the_same_command_would_not_find_is_named(tmp_path):
    from conftest import PROJECT_ROOT

    inside = invocation.command(argv0="pixelgrade", executable="/nowhere/python", environ={"PATH": ""},
                                cwd=PROJECT_ROOT / "exercises")
    assert "--course" not in inside  # found from there: the nearest course/course.toml above
    outside = invocation.command(argv0="pixelgrade", executable="/nowhere/python", environ={"PATH": ""},
                                 cwd=tmp_path)
    assert outside.endswith(f" --course {catalog.active().folder}")
    named = invocation.command(argv0="pixelgrade", executable="/nowhere/python",
                               environ={"PATH": "", catalog.COURSE_ENV: str(PROJECT_ROOT / "course")}, cwd=tmp_path)
    assert "--course" not in named  # the learner's shell names it already
