"""A course kept outside the project is as unreadable to learner code as the project's own course.

The grader puts a course's folder (and its checks' folder) on ``sys.path`` while it grades,
and the worker may read what is on ``sys.path`` (the installed libraries). So a course given
with ``--course DIR`` anywhere on the machine must be protected by name
(``grader.sandbox.isolation.protect``, called when a course becomes active): a submission
that tries to read that course's solutions, checks or catalog reads nothing, at both
isolation levels. The peek's result is the learner's reply, so it is measured by what the
check compares, never believed.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT, forced_level

from grader import api
from grader.core import catalog
from grader.sandbox import isolation

SECRET = "the-reference-answer-7f3a"

CATALOG = """
[course]
title = "A course kept elsewhere"

[[exercise]]
name = "peek"
functions = ["peek"]
"""

CHECKS = '''
from grader.kit.expect import expect
from grader.kit.marks import graded


@graded("peek", 1)
def test_peek_reads_nothing_of_the_course(learner):
    """the learner's code finds none of the course's files"""
    found = learner.peek()
    expect(found == [], f"peek returned {found!r}; expected [] (nothing readable)")
'''

SOLUTION = f'''
SECRET = "{SECRET}"


def peek():
    return []
'''

# The submission: it reads every file of the course it can name, by its path (learned any way: a
# guess, a log, a former student) and by searching sys.path, and returns what it read.
PEEK = '''
import os
import sys


def peek(course={course!r}):
    found = []
    places = [os.path.join(course, name) for name in ("course.toml", "solutions/peek.py", "checks/test_peek.py")]
    places += [os.path.join(folder, "peek.py") for folder in sys.path if folder]
    for path in places:
        try:
            with open(path) as file:
                text = file.read()
        except OSError:
            continue
        # The markers are made here, so that this file's own text does not hold them.
        if "-".join({parts!r}) in text or "[[" + "exercise]]" in text or "@grad" + "ed(" in text:
            found.append(path)
    return found
'''


def write_course(course: Path) -> Path:
    """The one-exercise course `peek` in the folder ``course``."""
    (course / "checks").mkdir(parents=True)
    (course / "solutions").mkdir()
    (course / "exercises").mkdir()
    (course / "course.toml").write_text(CATALOG)
    (course / "checks" / "test_peek.py").write_text(textwrap.dedent(CHECKS))
    (course / "solutions" / "peek.py").write_text(SOLUTION)
    (course / "exercises" / "peek.py").write_text("def peek():\n    # TODO: nothing\n    raise NotImplementedError\n")
    return course


@pytest.fixture
def elsewhere(tmp_path):
    """A course in a folder of its own outside the project; the project's course active again afterwards."""
    course = write_course(tmp_path / "elsewhere")
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "peek.py").write_text(PEEK.format(course=str(course), parts=SECRET.split("-")))
    yield course, submission
    catalog.activate(PROJECT_ROOT / "course")


@pytest.mark.parametrize("level", ["auto", "landlock"])
def test_a_course_outside_the_project_is_not_readable_by_learner_code(elsewhere, level):
    course, submission = elsewhere
    # As once a course's hook was used (its misconceptions, its pictures): its folder is on sys.path for good.
    catalog.activate(course).importable()
    with forced_level(level) as chosen:
        if not chosen.protects_others:
            pytest.skip(f"this machine's {level} level does not confine workers: {chosen.describe()}")
        report = api.grade(["peek"], target=submission, course=course, max_examples=2)
    check = report.exercises[0].checks[0]
    assert catalog.active().catalog_file == course / "course.toml"
    assert check.status == "passed", check.message  # it read nothing of the course
    assert not any(path.startswith(str(course)) for path in isolation.read_paths())


def test_the_same_submission_reads_the_course_when_nothing_protects_it(elsewhere):
    """The attack is real: with the kernel's sandbox off (plain), the same code reads the course's files."""
    course, submission = elsewhere
    with forced_level("plain"):
        report = api.grade(["peek"], target=submission, course=course, max_examples=2, trust_submissions=True)
    check = report.exercises[0].checks[0]
    assert check.status == "failed" and "solutions/peek.py" in check.message


# -- the folder of the instructor's script ---------------------------------------------------------------------
# `python grade.py` puts the script's folder first on sys.path (`python -m grader`, the working folder): an
# instructor's folder of submissions, notes and hidden checks. It is no library folder: no worker reads it.
SCRIPT = '''
import sys
from grader import api

report = api.grade(["peek"], target=sys.argv[1], course=sys.argv[2], max_examples=2)
print(report.exercises[0].checks[0].status, report.exercises[0].checks[0].message)
'''

NOTES_PEEK = '''
def peek(notes={notes!r}):
    try:
        with open(notes) as file:
            return [file.read()]
    except OSError:
        return []
'''


@pytest.mark.parametrize("level", ["auto", "landlock"])
def test_the_folder_of_the_instructors_script_is_not_readable_by_learner_code(elsewhere, tmp_path, level):
    import subprocess
    import sys

    course, submission = elsewhere
    instructor = tmp_path / "instructor"
    instructor.mkdir()
    (instructor / "notes.txt").write_text("bob copied from alice\n")
    (instructor / "grade.py").write_text(SCRIPT)
    (submission / "peek.py").write_text(NOTES_PEEK.format(notes=str(instructor / "notes.txt")))
    env = {**os.environ, isolation.MODE_ENV: level,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "grade.py", str(submission), str(course)], cwd=instructor, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("passed"), done.stdout  # peek read nothing: the notes stayed the instructor's


# -- a course inside a folder that every worker reads ----------------------------------------------------------
def test_grading_others_work_refuses_a_course_kept_inside_usr(tmp_path):
    """Workers read /usr whole (Python runs from it): a course under /usr/src is refused, not exposed."""
    import shutil

    course = Path("/usr/src") / f"pixelgrade-test-course-{os.getpid()}"
    if not os.access("/usr/src", os.W_OK):
        pytest.skip("needs to write in /usr/src (the tests run as root in CI)")
    write_course(course)
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    try:
        catalog.activate(course)
        refused = r"inside a system folder.*pixelgrade-test-course.*\(inside /usr\)"
        with pytest.raises(api.LearnerCodeRefused, match=refused):
            api.grade(["peek"], target=course / "solutions", hidden_checks=hidden, max_examples=2)
        with pytest.raises(api.LearnerCodeRefused, match="inside /usr"):
            api.refuse_unprotected(purpose="pixelgrade batch")
        assert api.refuse_unprotected(purpose="pixelgrade batch", trust_submissions=True)  # the instructor vouches
        # Hidden checks named through a link that leads into /usr are found out the same way.
        catalog.activate(PROJECT_ROOT / "course")
        (course / "hidden").mkdir()
        link = tmp_path / "hidden-link"
        link.symlink_to(course / "hidden")
        with pytest.raises(api.LearnerCodeRefused, match=r"pixelgrade-test-course.*/hidden \(inside /usr\)"):
            api.refuse_unprotected(purpose="pixelgrade batch", hidden_checks=link)
    finally:
        shutil.rmtree(course)
