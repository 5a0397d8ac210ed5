"""A course registers its own adapters (its ``adapters`` hook): values that are not arrays, made data.

The course in tests/courses/shapes has learners return objects of classes they write (a
rectangle, a circle), which cannot cross from the worker to the checks. Its adapter ``area``
(shapes_adapters.py), copied into each worker's runtime and imported there before any learner
code, asks the object for its area. Graded as a learner and an instructor would, with
``python -m grader --course``, at both isolation levels that confine a worker; then the
hook's mistakes, each said where it lies; then what a learner can do to an adapter (replace
it), and what that earns them (nothing they could not have earned by returning the value).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys

import pytest
from conftest import PROJECT_ROOT, forced_level

from grader.core import catalog
from grader.core.learner import LearnerModule, course_adapters
from grader.sandbox import adapters, isolation

SHAPES = PROJECT_ROOT / "tests" / "courses" / "shapes"
EXAMPLES = "3"
LEVELS = ["auto", "landlock"]  # namespaces and all; Landlock, seccomp and the uid without namespaces
FULL, WRONG = 5, 3  # the solution's points; a circle whose area() is its perimeter loses the circle's 2

# A circle whose area() is its perimeter (2 pi r): the adapter reads it, the circle's check fails.
PERIMETER = ("        return math.pi * self.radius**2", "        return 2 * math.pi * self.radius")
# Every area() answers 1.0: what a learner gets by returning that value itself ...
AREA_IS_ONE = [("        return self.width * self.height", "        return 1.0"),
               ("        return math.pi * self.radius**2", "        return 1.0")]
# ... and a correct submission that, on import, replaces the course's adapter it finds in sys.modules
# with one that says 1.0 whatever it is given.
FORGER = '''
import sys

_course_adapters = sys.modules["pixelgrade_course_adapters"]  # loaded before this module, there to be seen


def _forged(shape):
    return {"area": 1.0}


_course_adapters.area.__code__ = _forged.__code__  # the very function the worker's table holds
'''


def pixelgrade(*args, cwd, level="auto", timeout=240):
    """``python -m grader ARGS`` in ``cwd`` at isolation ``level``, with no course but the one the arguments name."""
    environment = {key: value for key, value in os.environ.items() if key != catalog.COURSE_ENV}
    environment.update(PYTHONPATH=str(PROJECT_ROOT), **{isolation.MODE_ENV: level})
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=timeout)


def text(result) -> str:
    return " ".join((result.stdout + result.stderr).split())


def submission(folder, *edits, prepend: str = ""):
    """The reference solution in ``folder``, each ``(old, new)`` of ``edits`` made once, ``prepend`` after it."""
    folder.mkdir(parents=True)
    source = (SHAPES / "solutions" / "shapes.py").read_text()
    for old, new in edits:
        assert old in source, old
        source = source.replace(old, new, 1)
    (folder / "shapes.py").write_text(source + prepend)
    return folder


def grade(course, target, *, cwd, level="auto"):
    """The grade of ``target`` (a folder with shapes.py): the process and its JSON report's one exercise."""
    out = cwd / f"{target.name}-{level}.json"
    result = pixelgrade("--course", course, "shapes", "--target", target, "--json", out, "--examples", EXAMPLES,
                        cwd=cwd, level=level)
    assert out.is_file(), text(result)
    (exercise,) = json.loads(out.read_text())["exercises"]
    return result, exercise


def points_by_check(exercise) -> dict:
    return {check["id"].split("::")[-1]: (check["status"], check["points"]) for check in exercise["checks"]}


@pytest.fixture
def copy(tmp_path):
    """A copy of the shapes course, to break."""
    folder = tmp_path / "shapes-course"
    shutil.copytree(SHAPES, folder, ignore=shutil.ignore_patterns("__pycache__", ".pixelgrade"))
    return folder


def _edit(path, old, new):
    source = path.read_text()
    assert old in source, (path, old)
    path.write_text(source.replace(old, new, 1))


# -- a learner's grade, read through the course's adapter ------------------------------------------
@pytest.mark.parametrize("level", LEVELS)
def test_the_solution_earns_full_marks_and_a_wrong_area_loses_its_points(tmp_path, level):
    solved = submission(tmp_path / "solved")
    result, exercise = grade(SHAPES, solved, cwd=tmp_path, level=level)
    assert result.returncode == 0 and exercise["points"] == exercise["max_points"] == FULL, text(result)
    wrong = submission(tmp_path / "wrong", PERIMETER)
    result, exercise = grade(SHAPES, wrong, cwd=tmp_path, level=level)
    assert exercise["points"] == WRONG, text(result)
    assert points_by_check(exercise) == {"test_rectangle_area": ("passed", 2), "test_rectangle_returns_an_object":
                                         ("passed", 1), "test_circle_area": ("failed", 0)}, exercise
    # The value the adapter read in the worker, as the learner's message says it.
    assert "its area() returned 6.283185307179586, expected 3.141592653589793" in text(result), text(result)
    stub, exercise = grade(SHAPES, SHAPES / "exercises", cwd=tmp_path, level=level)
    assert exercise["status"] == "not started" and exercise["points"] == 0, text(stub)


def test_a_batch_grades_through_the_courses_adapter(tmp_path):
    submissions = tmp_path / "submissions"
    submission(submissions / "ada")
    submission(submissions / "bob", PERIMETER)
    shutil.copytree(SHAPES / "exercises", submissions / "cy")
    out = tmp_path / "batch"
    result = pixelgrade("--course", SHAPES, "batch", submissions, "--out", out, "--jobs", "2",
                        "--examples", EXAMPLES, cwd=tmp_path)
    assert result.returncode == 0, text(result)
    rows = {row["id"]: (row["total"], row["max_total"]) for row in json.loads((out / "batch.json").read_text())["rows"]}
    assert rows == {"ada": (FULL, FULL), "bob": (WRONG, FULL), "cy": (0, FULL)}, rows


# -- the hook's mistakes, each where it lies -----------------------------------------------------------
def test_an_adapter_named_like_a_built_in_one_is_the_catalogs_error(copy, tmp_path):
    _edit(copy / "shapes_adapters.py", 'ADAPTERS = {"area": area}', 'ADAPTERS = {"area": area, "type_name": area}')
    result = pixelgrade("--course", copy, "shapes", "--target", SHAPES / "solutions", cwd=tmp_path)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, text(result)
    assert (f"pixelgrade: error: {copy / 'course.toml'}: [course.hooks] adapters = 'shapes_adapters': 'type_name' "
            "is a built-in adapter's name") in result.stderr, text(result)
    # A batch says it once, before anything runs, rather than once per submission; dev check says it too.
    submission(tmp_path / "submissions" / "ada")
    result = pixelgrade("--course", copy, "batch", tmp_path / "submissions", "--out", tmp_path / "out",
                        cwd=tmp_path)
    assert result.returncode == 2 and "'type_name' is a built-in adapter's name" in " ".join(result.stderr.split())
    assert not (tmp_path / "out" / "batch.json").exists()
    result = pixelgrade("--course", copy, "dev", "check", "--no-grade", cwd=tmp_path)
    assert result.returncode == 1 and "'type_name' is a built-in adapter's name" in " ".join(result.stdout.split())


@pytest.mark.parametrize("old, new, words", [
    ('ADAPTERS = {"area": area}', "TABLE = {}", "shapes_adapters defines no ADAPTERS"),
    ('ADAPTERS = {"area": area}', 'ADAPTERS = {"area": 2.5}', "adapter 'area' is a float, not a function"),
    ('ADAPTERS = {"area": area}', 'ADAPTERS = [area]', "expected a dict of adapters by name, got a list"),
])
def test_a_table_that_is_no_dict_of_functions_names_the_hook(copy, old, new, words):
    _edit(copy / "shapes_adapters.py", old, new)
    sys.modules.pop("shapes_adapters", None)
    sys.path.insert(0, str(copy))
    try:
        with pytest.raises(catalog.CatalogError) as raised:
            course_adapters(catalog.load_course(copy / "course.toml"))
    finally:
        sys.path.remove(str(copy))
        sys.modules.pop("shapes_adapters", None)
    assert "[course.hooks] adapters = 'shapes_adapters'" in str(raised.value) and words in str(raised.value)


def test_a_check_asking_for_no_such_adapter_is_a_grader_error_naming_the_choices(copy, tmp_path):
    _edit(copy / "checks" / "test_shapes.py", 'learner.call("circle", radius, _then="area")',
          'learner.call("circle", radius, _then="aera")')
    result, exercise = grade(copy, SHAPES / "solutions", cwd=tmp_path)
    assert result.returncode == 3, text(result)
    status, message = next((c["status"], c["message"]) for c in exercise["checks"] if c["id"].endswith("circle_area"))
    assert status == "grader_error", exercise
    assert ("no adapter named 'aera' (the `_then` of a learner call): the built-in ones are type_name, save_keras, "
            "predict_classes; the course's: area") in " ".join(message.split()), message


def test_an_adapter_module_that_imports_the_courses_other_modules_runs_no_learner_code(copy, tmp_path):
    (copy / "shapes_helpers.py").write_text("SQUARE = 2\n")
    _edit(copy / "shapes_adapters.py", "import math\n", "import math\n\nimport shapes_helpers  # noqa: F401\n")
    marker = tmp_path / "ran"
    # Learner code that would leave a mark at import (the plain level lets a worker write there), were it run.
    target = submission(tmp_path / "marked", prepend=f"\nopen({str(marker)!r}, 'w').close()\n")
    result, exercise = grade(copy, target, cwd=tmp_path, level="plain")
    assert result.returncode == 3 and exercise["status"] == "grader error", text(result)
    said = " ".join(" ".join(c["message"].split()) for c in exercise["checks"])
    assert ("the course's adapters (its `adapters` hook) could not be loaded in the worker: ModuleNotFoundError: "
            "No module named 'shapes_helpers'; no learner code ran") in said, said
    assert not marker.exists()


def test_an_adapter_that_raises_is_the_calls_failure_naming_the_adapter(copy, tmp_path):
    _edit(copy / "shapes_adapters.py", 'ADAPTERS = {"area": area}',
          'ADAPTERS = {"area": lambda shape: {"area": float(shape.area())}}')
    broken = submission(tmp_path / "broken", ("        return self.width * self.height", "        return 1 / 0"))
    result, exercise = grade(copy, broken, cwd=tmp_path)
    message = next(c["message"] for c in exercise["checks"] if c["id"].endswith("test_rectangle_area"))
    assert ("it raised ZeroDivisionError: (in the course's adapter `area`, which the grader applied to what "
            "`rectangle` returned) division by zero") in " ".join(message.split()), message
    assert "return 1 / 0" in message  # the learner's own line, where it raised
    assert points_by_check(exercise)["test_circle_area"] == ("passed", 2), exercise


# -- the worker's copy -----------------------------------------------------------------------------------
def test_each_worker_reads_a_sealed_copy_of_the_one_file():
    file = str(SHAPES / "shapes_adapters.py")
    runtime = isolation.runtime_dir(None, file)
    copied = isolation.course_adapters_copy(runtime)
    assert copied.read_text() == (SHAPES / "shapes_adapters.py").read_text()
    assert stat.S_IMODE(copied.stat().st_mode) == 0o400 and stat.S_IMODE(copied.parent.stat().st_mode) == 0o500
    assert not copied.parent.name.isidentifier()  # no import statement finds the folder
    assert isolation.runtime_dir(None, file) == runtime and isolation.runtime_dir(None) == isolation.runtime_dir()
    assert isolation.runtime_dir(None) != runtime  # a course without adapters has a runtime without them
    assert sorted(p.name for p in runtime.iterdir()) == sorted([isolation.BOOTSTRAP, "course-adapters", "grader"])


# -- what a learner can do to an adapter, and what it earns them ---------------------------------------
@pytest.fixture
def proxies(tmp_path):
    """Proxies of shapes.py in folders of ``tmp_path``, with the shapes course's adapters; closed afterwards."""
    made = []
    shapes_course = catalog.load_course(SHAPES / "course.toml")
    found = course_adapters(shapes_course)
    assert found.names == ("area",) and found.file == str(SHAPES / "shapes_adapters.py")

    def make(folder):
        made.append(LearnerModule("shapes", folder / "shapes.py", course_adapters=found))
        return made[-1]

    yield make
    for proxy in made:
        proxy.close()


@pytest.mark.parametrize("level", LEVELS)
def test_an_adapter_replaced_by_learner_code_says_what_a_returned_value_could(tmp_path, proxies, level):
    """The adapter runs in the learner's process, where learner code can replace it (here, on import).

    What it then says is learner data, no more: the same as a submission whose shapes answer that
    value themselves, which the checks compare with the reference's areas (and fail). No grade
    trusts an adapter's word beyond what the learner's own code could have returned.
    """
    with forced_level(level):
        forger = proxies(submission(tmp_path / "forger", prepend=FORGER))
        honest_ones = proxies(submission(tmp_path / "ones", *AREA_IS_ONE))
        for proxy in (forger, honest_ones):
            assert proxy.call("rectangle", 2.0, 3.0, _then="area") == {"area": 1.0}
            assert proxy.call("circle", 1.0, _then="area") == {"area": 1.0}
            assert proxy.call("rectangle", 2.0, 3.0, _then="type_name") == "shapes.Rectangle"
        # The forgery stays in that worker: another learner's worker imports its own copy.
        assert proxies(submission(tmp_path / "solved")).call("rectangle", 2.0, 3.0, _then="area") == {"area": 6.0}


def test_the_forgery_and_the_plain_answer_earn_the_same(tmp_path):
    forged = grade(SHAPES, submission(tmp_path / "forger", prepend=FORGER), cwd=tmp_path)[1]
    plain = grade(SHAPES, submission(tmp_path / "ones", *AREA_IS_ONE), cwd=tmp_path)[1]
    assert points_by_check(forged) == points_by_check(plain) == {
        "test_rectangle_area": ("failed", 0), "test_rectangle_returns_an_object": ("passed", 1),
        "test_circle_area": ("failed", 0)}, (forged, plain)


def test_a_name_the_proxy_does_not_know_is_refused_before_any_worker_starts(tmp_path, proxies):
    proxy = proxies(submission(tmp_path / "solved"))
    with pytest.raises(ValueError, match="no adapter named 'volume'.*the course's: area"):
        proxy.call("rectangle", 2.0, 3.0, _then="volume")
    assert not proxy._worker.alive  # refused before it started
    bare = LearnerModule("shapes", tmp_path / "solved" / "shapes.py")  # no course adapters: the built-in ones only
    with pytest.raises(ValueError, match=r"no adapter named 'area'.*\(the course declares none\)"):
        bare.call("rectangle", 2.0, 3.0, _then="area")
    assert adapters.BUILT_IN == ("type_name", "save_keras", "predict_classes")


def test_the_hook_may_name_another_table_of_the_module(copy, tmp_path):
    _edit(copy / "course.toml", 'adapters = "shapes_adapters"', 'adapters = "shapes_adapters:MEASURES"')
    _edit(copy / "shapes_adapters.py", 'ADAPTERS = {"area": area}', 'MEASURES = {"surface": area}')
    sys.modules.pop("shapes_adapters", None)
    sys.path.insert(0, str(copy))
    try:
        found = course_adapters(catalog.load_course(copy / "course.toml"))
    finally:
        sys.path.remove(str(copy))
        sys.modules.pop("shapes_adapters", None)
    assert (found.table, found.names) == ("MEASURES", ("surface",))
    proxy = LearnerModule("shapes", submission(tmp_path / "solved") / "shapes.py", course_adapters=found)
    try:
        assert proxy.call("circle", 2.0, _then="surface") == {"area": pytest.approx(4 * 3.141592653589793)}
    finally:
        proxy.close()


def test_dev_check_passes_the_shapes_course(tmp_path):
    checked = pixelgrade("--course", SHAPES, "dev", "check", "--examples", EXAMPLES, cwd=tmp_path)
    assert checked.returncode == 0, text(checked)
    assert "every stub fails and every solution passes" in checked.stdout


def test_adapters_kept_among_the_solutions_are_refused(copy, tmp_path):
    """Every worker gets a copy of the adapters' file, which learner code can read: never a solution's module."""
    (copy / "solutions" / "shapes.py").write_text((copy / "solutions" / "shapes.py").read_text()
                                                  + "\n\nADAPTERS = {}\n")
    _edit(copy / "course.toml", 'adapters = "shapes_adapters"', 'adapters = "solutions.shapes"')
    result = pixelgrade("--course", copy, "shapes", "--target", SHAPES / "solutions", cwd=tmp_path)
    assert result.returncode == 2, text(result)
    assert "lies in solutions/, whose files learners must never read" in " ".join(result.stderr.split()), text(result)
