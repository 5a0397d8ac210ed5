"""The engine grades any course: a second, small course (tests/courses/vectors), end to end.

Every command runs as ``python -m grader`` in a process of its own, from an empty folder,
with the course named by ``--course`` (or ``PIXELGRADE_COURSE``, for ``check()``): nothing
of this repository's image course, which the tests' conftest activates in this process,
can leak into it. The course needs NumPy only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import PROJECT_ROOT

VECTORS = PROJECT_ROOT / "tests" / "courses" / "vectors"
HIDDEN = PROJECT_ROOT / "tests" / "courses" / "vectors_hidden"
EXAMPLES = "3"  # Hypothesis examples per property: enough to grade, quick


def pixelgrade(*args, cwd, env=None, timeout=120):
    """``python -m grader ARGS`` in ``cwd``, with no course but the one the arguments (or ``env``) name."""
    environment = {key: value for key, value in os.environ.items() if key != "PIXELGRADE_COURSE"}
    environment["PYTHONPATH"] = str(PROJECT_ROOT)
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=timeout)


def text(result) -> str:
    return " ".join((result.stdout + result.stderr).split())


@pytest.fixture
def work(tmp_path):
    """An empty working folder (no course.toml in it or above) with a learner's copy of the stubs and solutions."""
    folder = tmp_path / "work"
    shutil.copytree(VECTORS / "exercises", folder / "exercises")
    shutil.copytree(VECTORS / "solutions", folder / "solved")
    return folder


def grade_json(work, target, *extra):
    out = work / f"{target}.json"
    result = pixelgrade("--course", VECTORS, "vectors", "--target", target, "--json", out, "--examples", EXAMPLES,
                        *extra, cwd=work)
    return result, json.loads(out.read_text())


def _exercise(report):
    (exercise,) = report["exercises"]
    return exercise


# -- a learner's commands ------------------------------------------------------------------------
def test_the_solution_earns_full_marks_and_the_stub_is_not_started(work):
    solved, report = grade_json(work, "solved")
    assert solved.returncode == 0, text(solved)
    exercise = _exercise(report)
    assert exercise["status"] == "complete" and exercise["points"] == exercise["max_points"] == 12, exercise
    started, report = grade_json(work, "exercises")
    assert started.returncode == 0 and _exercise(report)["status"] == "not started", text(started)
    assert _exercise(report)["points"] == 0 and "hint vectors" in text(started)


def test_an_off_limits_call_earns_nothing_for_that_function(work):
    source = (work / "solved" / "vectors.py").read_text()
    (work / "solved" / "vectors.py").write_text(source.replace(
        "return float(np.sum(a.astype(np.float64) * b.astype(np.float64)))",
        "return float(np.dot(a.astype(np.float64), b.astype(np.float64)))"))
    result, report = grade_json(work, "solved")
    checks = _exercise(report)["checks"]
    assert all(check["points"] == 0 for check in checks if check["function"] == "dot"), checks
    assert all(check["points"] == check["max_points"] for check in checks if check["function"] == "norm"), checks
    assert "numpy.dot" in text(result)


def test_list_hint_and_watch_once(work):
    listed = pixelgrade("--course", VECTORS, "list", "--target", "exercises", "--examples", EXAMPLES, cwd=work)
    assert listed.returncode == 0 and "vectors" in text(listed) and "not started" in text(listed), text(listed)
    state = work / "state"
    hint = pixelgrade("hint", "vectors", "--state", state, "--course", VECTORS, cwd=work)
    assert hint.returncode == 0 and "Hints for 1. vectors (1 of 4)" in text(hint), text(hint)
    assert "which function adds up all of its elements?" in text(hint)
    by_function = pixelgrade("--course", VECTORS, "hint", "norm", "--state", state, cwd=work)
    assert "square root" in text(by_function), text(by_function)
    watched = pixelgrade("--course", VECTORS, "watch", "--once", "--target", "solved", "--examples", EXAMPLES,
                         "--state", state, cwd=work)
    assert watched.returncode == 0 and "vectors is complete" in text(watched), text(watched)


def test_check_in_a_notebook_finds_the_course_from_the_environment(work):
    code = ("from grader import check; result = check('norm', target='solved', max_examples=3); "
            "print('RESULT', result.points, result.max_points, result.complete)")
    result = subprocess.run([sys.executable, "-c", code], cwd=work, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PIXELGRADE_COURSE": str(VECTORS), "PYTHONPATH": str(PROJECT_ROOT)})
    assert "RESULT 12.0 12.0 True" in result.stdout, result.stdout + result.stderr


def test_show_says_there_is_nothing_to_show(work):
    shown = pixelgrade("--course", VECTORS, "show", "vectors", cwd=work)
    assert shown.returncode == 2 and "draws no pictures" in text(shown), text(shown)


# -- an instructor's batch -------------------------------------------------------------------------
def test_batch_with_hidden_checks_and_its_summary(work):
    submissions = work / "submissions"
    shutil.copytree(work / "solved", submissions / "ada")
    shutil.copytree(work / "exercises", submissions / "bob")
    shutil.copytree(work / "solved", submissions / "cy")
    broken = submissions / "cy" / "vectors.py"  # squares in the vector's own dtype: the hidden check catches it
    broken.write_text(broken.read_text().replace("np.asarray(v, dtype=np.float64) ** 2", "np.asarray(v) ** 2"))
    out = work / "batch"
    result = pixelgrade("--course", VECTORS, "batch", submissions, "--out", out, "--hidden-checks", HIDDEN,
                        "--jobs", "2", "--examples", EXAMPLES, cwd=work, timeout=240)
    assert result.returncode == 0, text(result)
    batch = json.loads((out / "batch.json").read_text())
    expected = [(check["id"], check["hidden"]) for check in batch["expected"]["vectors"]]
    assert expected[-1] == ("vectors::hidden::test_norm_of_narrow_integers", True), expected
    assert [hidden for _, hidden in expected].count(True) == 1
    rows = {row["id"]: row for row in batch["rows"]}
    assert sorted(rows) == ["ada", "bob", "cy"], list(rows)
    assert {name: (row["total"], row["max_total"]) for name, row in rows.items()} == {
        "ada": (13, 13), "bob": (0, 13), "cy": (12, 13)}  # cy fails the hidden check only
    hidden = {name: [(check["points"], check["hidden"]) for exercise in row["report"]["exercises"]
                     for check in exercise["checks"] if check["id"] == expected[-1][0]] for name, row in rows.items()}
    assert hidden == {"ada": [(1, True)], "bob": [(0, True)], "cy": [(0, True)]}, hidden
    summary = pixelgrade("summary", out, cwd=work)
    assert summary.returncode == 0 and all(name in summary.stdout for name in rows), text(summary)


# -- a course author's commands ---------------------------------------------------------------------
def test_dev_check_passes_the_vectors_course(work):
    checked = pixelgrade("--course", VECTORS, "dev", "check", "--examples", EXAMPLES, cwd=work)
    assert checked.returncode == 0, text(checked)
    assert "every stub fails and every solution passes" in checked.stdout


def test_new_writes_a_course_that_dev_check_passes(tmp_path):
    made = pixelgrade("new", "my-course", cwd=tmp_path)
    assert made.returncode == 0, text(made)
    assert "dev check" in made.stdout and "hint averages" in made.stdout  # the next steps, as commands
    course = tmp_path / "my-course"
    for name in ("course.toml", "exercises/averages.py", "solutions/averages.py", "checks/test_averages.py",
                 "docs/01-averages.md", "README.md"):
        assert (course / name).is_file(), name
    assert 'title = "My course"' in (course / "course.toml").read_text()
    checked = pixelgrade("dev", "check", "--course", course, "--examples", EXAMPLES, cwd=tmp_path)
    assert checked.returncode == 0, text(checked)
    assert "every stub fails and every solution passes" in checked.stdout
    again = pixelgrade("new", "my-course", cwd=tmp_path)
    assert again.returncode == 2 and "exists and is not empty" in text(again), text(again)


@pytest.fixture
def copy(tmp_path):
    """A copy of the vectors course, to break."""
    folder = tmp_path / "vectors"
    shutil.copytree(VECTORS, folder, ignore=shutil.ignore_patterns("__pycache__", ".pixelgrade"))
    return folder


def _edit(path, old, new):
    source = path.read_text()
    assert old in source, (path, old)
    path.write_text(source.replace(old, new, 1))


def test_dev_check_asks_for_what_the_course_has(copy, tmp_path):
    """The page only with a docs folder, the 'Off limits:' line only for off-limits calls; each message says what."""
    _edit(copy / "exercises" / "vectors.py", "    Off limits: ``numpy.dot``, ", "    ")
    (copy / "docs" / "01-vectors.md").unlink()
    result = pixelgrade("--course", copy, "dev", "check", "--no-grade", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert ("- exercises/vectors.py: dot's docstring names no off-limits call (an 'Off limits:' line); add the line "
            "`Off limits: ``numpy.dot``, ``numpy.linalg.norm``, ``numpy.inner``, ``numpy.vdot``, ``numpy.matmul``.`"
            " to it") in lines, lines
    assert any(line.startswith("- docs/01-vectors.md is missing: write the exercise's page") for line in lines)
    assert len(lines) == 3, lines  # those two, and the count
    # Without off-limits calls no line is asked for; without a docs folder, no page.
    catalog = copy / "course.toml"
    catalog.write_text(catalog.read_text().split("[[exercise.off_limits]]")[0])
    shutil.rmtree(copy / "docs")
    result = pixelgrade("--course", copy, "dev", "check", "--no-grade", cwd=tmp_path)
    assert result.returncode == 0, text(result)


def test_dev_check_names_a_missing_solution_and_a_check_left_out(copy, tmp_path):
    (copy / "solutions" / "vectors.py").unlink()
    _edit(copy / "checks" / "test_vectors.py", '@graded("norm", 2)', '@graded("dot", 2)')
    _edit(copy / "checks" / "test_vectors.py", '@graded("norm", 1)', '@graded("dot", 1)')
    _edit(copy / "checks" / "test_vectors.py", '@graded("norm", 1, guard=True)', '@graded("dot", 1, guard=True)')
    result = pixelgrade("--course", copy, "dev", "check", "--no-grade", cwd=tmp_path)
    assert result.returncode == 1
    assert ("- solutions/vectors.py is missing: write the reference solution, defining dot, norm with the stub's "
            "signatures") in result.stdout, result.stdout
    assert ("- checks/test_vectors.py has no check of norm (no check names it); add one marked "
            "`@graded(\"norm\", points)`") in result.stdout, result.stdout


# -- a course that cannot be read, or none at all ----------------------------------------------------
@pytest.mark.parametrize("old, new, words", [
    ('limits = "small"', 'limits = {timeout_s = "unlimited"}', ["exercise 1 (vectors)", "timeout_s",
                                                               "a number of seconds above 0"]),
    ('title = "Dot products and lengths"', 'title = "Dot products and lengths"\npoints = 3',
     ["exercise 1 (vectors)", "unknown key points", "allowed:"]),
])
def test_a_malformed_catalog_is_a_usage_error_naming_entry_and_key(copy, tmp_path, old, new, words):
    _edit(copy / "course.toml", old, new)
    for command in (["vectors", "--target", copy / "solutions"], ["list"], ["batch", copy / "solutions", "--single",
                                                                          "--jobs", "2"]):
        result = pixelgrade("--course", copy, *command, cwd=tmp_path)
        assert result.returncode == 2, (command, text(result))
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert str(copy / "course.toml") in result.stderr and all(word in result.stderr for word in words), words


def test_no_course_found_is_a_usage_error_that_says_what_to_do(tmp_path):
    result = pixelgrade("list", cwd=tmp_path)
    assert result.returncode == 2, text(result)
    assert "no course here" in result.stderr and "--course DIR" in result.stderr and "pixelgrade new" in result.stderr
    named = pixelgrade("--course", tmp_path / "nowhere", "list", cwd=tmp_path)
    assert named.returncode == 2 and "expected a course folder" in named.stderr, text(named)
