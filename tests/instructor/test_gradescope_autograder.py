"""Gradescope's autograder grades every exercise it was built for, or says loudly that it cannot.

End to end, as Gradescope runs it: ``make_autograder.py`` builds the zip, which is unpacked into
a temporary ``/autograder``; ``setup.sh`` installs into a *fresh* virtual environment (made with
this interpreter, never given this environment's packages: ``uv pip install`` from the local
cache where uv is installed, as nox's sessions do, else pip) and secures the digits
(``PIXELGRADE_MNIST`` at build time only: ``run_autograder`` must find them where setup.sh put
them); then ``run_autograder`` grades a submission into ``results.json``.

- All 14 exercises: the reference solutions get every point of every exercise (networks and
  training graded, not skipped), and a submission with one bug loses points in that exercise only;
  the maxima are checked against the checks' own marks (collected apart, in a subprocess).
- A course without the ML exercises builds no TensorFlow; if its image is then asked to grade
  them, results.json says the autograder is misconfigured, keeps their points in the maximum and
  shows the learner no install command.
- setup.sh fails the build when a package a chosen exercise needs does not import, or the digits
  cannot be had.

7 to 11 minutes on 2 shared cores (setup.sh with TensorFlow from uv's cache 50 to 75 s; each
run_autograder 3 to 4 minutes, every exercise graded twice, the references' alongside the
submission's, CNN training included): marked slow; ``nox -s tests`` runs it (TensorFlow
installed, bubblewrap as root).
The grader's side of a missing package is also checked in-process, fast, at the end.
"""

from __future__ import annotations

import collections
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from conftest import EXERCISES, PROJECT_ROOT, make_submission
from imagecourse import mnist

from grader import api
from grader.core import catalog, results, runner
from grader.writers import learner_feedback

EXAMPLES = PROJECT_ROOT / "examples"
PYTHON = sys.executable
SHARED_MNIST = PROJECT_ROOT.parent / "shared" / "data" / "mnist-10k.npz"
ALL = [exercise.name for exercise in catalog.active().gradable()]
ML = [exercise.name for exercise in catalog.active().gradable() if exercise.needs]
POSIX_ONLY = pytest.mark.skipif(os.name != "posix", reason="the autograder's scripts are bash scripts")
# uv installs from its cache (seconds, TensorFlow included); pip downloads everything again.
INSTALLER = "uv" if shutil.which("uv") else "pip"
GRADING_ARGS = "--examples 5"  # Hypothesis' budget per property check: the grade is the same, sooner


def _env(**extra) -> dict:
    """This process's environment without pixelgrade's choices (but the tests' own caches), plus ``extra``."""
    kept = ("PIXELGRADE_ANSWERS", "PIXELGRADE_STATE_DIR")  # the tests' temporary caches (conftest)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "GITHUB_", "PIXELGRADE", "VIRTUAL_ENV", "PYTHONPATH")) or k in kept}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def _digits() -> Path:
    """A Keras-format MNIST file for setup.sh (this machine reaches no internet for Keras' copy)."""
    if os.environ.get(mnist.ENVIRONMENT_VARIABLE):
        return Path(os.environ[mnist.ENVIRONMENT_VARIABLE])
    if SHARED_MNIST.is_file():
        return SHARED_MNIST
    pytest.fail(f"no MNIST file: set {mnist.ENVIRONMENT_VARIABLE} to a Keras-format .npz (README: the digits)")


def build_autograder(root: Path, **options) -> Path:
    """``make_autograder.build`` (with the example hidden checks), unpacked into ``root/source`` as Gradescope does."""
    spec = importlib.util.spec_from_file_location("make_autograder", EXAMPLES / "gradescope" / "make_autograder.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    root.mkdir(parents=True)
    archive = module.build(root / "autograder.zip", EXAMPLES / "hidden_checks", **options)
    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):
        (root / "source" / name).chmod(0o755)
    return root


def run_setup(root: Path, **extra) -> subprocess.CompletedProcess:
    """setup.sh into ``root/venv``, a new environment of this Python's version with nothing of this one's packages."""
    options = {"PIXELGRADE_VENV_OPTIONS": "--without-pip"} if INSTALLER == "uv" else {}
    env = _env(PIXELGRADE_SOURCE=root / "source", PIXELGRADE_VENV=root / "venv", PIXELGRADE_PYTHON=PYTHON,
               PIXELGRADE_INSTALLER=INSTALLER, **options, **extra)
    return subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True,
                          timeout=900)


def run_autograder(root: Path, submission: Path, **extra) -> tuple[dict, str]:
    """run_autograder on ``submission``, as Gradescope runs it: results.json and the instructor's log."""
    results_dir = root / "results" / submission.name
    done = subprocess.run([str(root / "source" / "run_autograder")], cwd=root, capture_output=True, text=True,
                          timeout=1800, env=_env(PIXELGRADE_AUTOGRADER=root, PIXELGRADE_SUBMISSION=submission,
                                                 PIXELGRADE_RESULTS=results_dir, PIXELGRADE_ARGS=GRADING_ARGS, **extra))
    assert done.returncode == 0, done.stdout + done.stderr  # Gradescope wants results.json, whatever happened
    return json.loads((results_dir / "results.json").read_text()), done.stdout + done.stderr


def checks_worth() -> dict[str, float]:
    """{exercise: points of its checks, bonus aside}, from the checks' own marks (public and the example hidden ones).

    Collected by pytest in a process of its own, apart from any grading: what the maxima must be.
    """
    script = textwrap.dedent("""
        import collections, json, sys
        from pathlib import Path
        import pytest

        class Worth:
            points = collections.Counter()

            def pytest_collection_modifyitems(self, items):
                for item in items:
                    mark = item.get_closest_marker("pixelgrade")
                    options = mark.kwargs if mark else {}
                    name = Path(str(item.fspath)).stem.removeprefix("test_").removesuffix("_hidden")
                    self.points[name] += 0.0 if options.get("bonus") else float(options.get("points", 1))

        files = sys.argv[3:]
        pytest.main([*files, "--collect-only", "-q", "-p", "no:cacheprovider", "--import-mode=importlib",
                     "-c", sys.argv[1], "--rootdir", sys.argv[2]], plugins=[Worth()])
        print(json.dumps(dict(Worth.points)))
    """)
    files = [str(catalog.active().checks_dir / f"test_{name}.py") for name in ALL]
    files += [str(path) for path in sorted((EXAMPLES / "hidden_checks").glob("test_*_hidden.py"))]
    checks = catalog.active().checks_dir
    done = subprocess.run([PYTHON, "-c", script, str(runner.CHECKS_INI), str(checks), *files], capture_output=True,
                          text=True,
                          timeout=300, cwd=PROJECT_ROOT,
                          # the course's folder too, as the runner puts it on sys.path: the checks import its modules
                          env=_env(PYTHONPATH=os.pathsep.join([str(catalog.active().folder), str(PROJECT_ROOT)])))
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def by_exercise(data: dict) -> dict[str, dict]:
    """{exercise: {"score", "max", "statuses"}} of a results.json (each test's first tag is its exercise)."""
    found: dict[str, dict] = collections.defaultdict(lambda: {"score": 0.0, "max": 0.0, "statuses": set()})
    for test in data["tests"]:
        entry = found[test["tags"][0]]
        entry["score"] += test["score"]
        entry["max"] += test["max_score"]
        entry["statuses"].add(test["extra_data"]["pixelgrade_status"])
    return dict(found)


@pytest.fixture(scope="module")
def full_autograder(tmp_path_factory):
    """The default autograder (every exercise) after its setup.sh: root, and setup.sh's result."""
    root = build_autograder(tmp_path_factory.mktemp("gradescope") / "autograder")
    setup = run_setup(root, PIXELGRADE_MNIST=_digits())
    assert setup.returncode == 0, setup.stdout + setup.stderr
    return root, setup


@pytest.fixture(scope="module")
def worth():
    return checks_worth()


@POSIX_ONLY
@pytest.mark.slow
def test_setup_installs_tensorflow_and_the_digits_for_the_default_autograder(full_autograder):
    root, setup = full_autograder
    log = setup.stdout + setup.stderr
    assert f"grading {len(ALL)} exercises" in log and "they need tensorflow" in log
    assert f"every package the {len(ALL)} exercises need imports" in log
    venv = root / "venv"
    (site,) = (venv / "lib").glob("python3*/site-packages")
    assert (site / "tensorflow").is_dir() and (site / "keras").is_dir()  # installed into it, not borrowed
    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()
    digits = root / "pixelgrade-data" / "mnist.npz"  # beside source/ and venv/, as in /autograder
    assert digits.read_bytes() == _digits().read_bytes()
    assert (digits.stat().st_mode & 0o077, digits.parent.stat().st_mode & 0o077) == (0, 0)  # root's alone
    assert "attacks held" in log  # the sandbox check ran last


@POSIX_ONLY
@pytest.mark.slow
def test_all_14_exercises_are_graded_and_one_bug_costs_points_in_its_exercise_only(full_autograder, worth, tmp_path):
    """One grading (each costs minutes: the batch trains the reference's CNN and the learner's): a submission that is
    the reference solutions but for one bug in histogram."""
    root, _ = full_autograder
    submission = make_submission(tmp_path / "one-bug", ALL, replace={"histogram": {"histogram": """
        def histogram(image):
            image = _check_uint8(image)
            return np.bincount(image.ravel(), minlength=256)[::-1].astype(np.int64)
    """}})
    data, log = run_autograder(root, submission)
    exercises = by_exercise(data)
    assert list(exercises) == ALL
    assert {name: entry["max"] for name, entry in exercises.items()} == pytest.approx(worth)
    assert exercises["histogram"]["score"] < exercises["histogram"]["max"]
    assert "failed" in exercises["histogram"]["statuses"]
    for name in set(ALL) - {"histogram"}:  # the ML ones graded, and earned, on the digits setup.sh put in place
        assert exercises[name]["score"] >= exercises[name]["max"] > 0, name
        assert exercises[name]["statuses"].isdisjoint({"skipped", "grader_error", "not_graded"}), name
    assert data["score"] == pytest.approx(sum(test["score"] for test in data["tests"]))
    assert sum(worth.values()) - worth["histogram"] <= data["score"] < sum(worth.values())
    passed, public = map(int, re.search(r"Public checks passed: (\d+)/(\d+)", data["output"]).groups())
    assert 0 < passed < public
    assert "warning:" not in log  # the batch's own grading of the references got full marks


@POSIX_ONLY
@pytest.mark.slow
def test_setup_fails_the_build_when_a_needed_package_does_not_import(full_autograder, tmp_path):
    """An environment whose TensorFlow is broken (here: shadowed by one that raises) is never used to grade."""
    root, _ = full_autograder
    broken = tmp_path / "broken" / "tensorflow"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('libtensorflow_framework.so.2: cannot open shared file')\n")
    setup = run_setup(root, PIXELGRADE_MNIST=_digits(), PYTHONPATH=broken.parent)
    assert setup.returncode == 1, setup.stdout + setup.stderr
    assert "13. networks, 14. training need tensorflow, which does not import" in setup.stderr
    assert "libtensorflow_framework.so.2" in setup.stderr and "This image must not grade them" in setup.stderr
    assert "attacks held" not in setup.stdout  # it stopped there


@POSIX_ONLY
@pytest.mark.slow
def test_a_course_without_the_ml_exercises_builds_no_tensorflow_and_says_when_it_is_misconfigured(tmp_path, worth):
    root = build_autograder(tmp_path / "autograder", exercises=["histogram", "baseline"])
    assert (root / "source" / "pixelgrade-exercises.txt").read_text() == "histogram,baseline\n"
    missing = run_setup(root, PIXELGRADE_MNIST=tmp_path / "no-such-file.npz")
    assert missing.returncode == 1 and "no MNIST digits from PIXELGRADE_MNIST" in missing.stderr, missing.stderr
    setup = run_setup(root, PIXELGRADE_MNIST=_digits())
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert "grading 2 exercises (histogram, baseline); they need nothing more" in setup.stderr
    (site,) = (root / "venv" / "lib").glob("python3*/site-packages")
    assert not (site / "tensorflow").exists() and (site / "sklearn").is_dir()

    # The instructor then asks this image for the ML exercises too (at grading time, not rebuilt).
    submission = make_submission(tmp_path / "reference", ["histogram", *ML])
    data, log = run_autograder(root, submission, PIXELGRADE_EXERCISES=",".join(["histogram", *ML]))
    exercises = by_exercise(data)
    assert list(exercises) == ["histogram", *ML]
    assert {name: exercises[name]["max"] for name in ML} == pytest.approx({name: worth[name] for name in ML})
    for name in ML:
        assert exercises[name]["statuses"] == {"grader_error"} and exercises[name]["score"] == 0
    assert data["score"] == pytest.approx(exercises["histogram"]["score"]) and exercises["histogram"]["score"] > 0
    text = data["output"] + json.dumps(data["tests"])
    assert "13. networks, 14. training: checks not run, because the autograder is misconfigured" in \
        " ".join(data["output"].split())
    assert "pip install" not in text and "skipped" not in text and str(root) not in text
    assert "this image lacks tensorflow, which networks, training need" in log  # the instructor's log says why


# -- the grader's side, in-process: an instructor's grading keeps the points of what it could not run -------------
def test_an_instructors_grading_reports_a_missing_package_as_misconfigured_and_keeps_the_points(monkeypatch):
    from grader.core import runner

    monkeypatch.setattr(runner, "_missing_needs", lambda exercise: list(exercise.needs))  # as if not installed
    report = api.grade(["histogram", *ML], target=EXERCISES, require_needs=True, max_examples=2)
    for name in ML:
        exercise = report.exercise(name)
        assert exercise.status == results.ExerciseStatus.GRADER_ERROR and exercise.max_points > 0
        command = catalog.active().by_name[name].install_command(["tensorflow"])
        assert all(c.status == results.CheckStatus.GRADER_ERROR and c.message.startswith(catalog.MISCONFIGURED)
                   and command in c.message for c in exercise.checks)
    text = " ".join(learner_feedback.for_report(report).split())
    assert "13. networks, 14. training: checks not run, because the autograder is misconfigured" in text
    assert "pip install" not in text and "skipped" not in text
    # A learner grading their own work still gets the skip and the command that installs it.
    own = api.grade(ML, target=EXERCISES, max_examples=2)
    assert all(e.status == results.ExerciseStatus.SKIPPED for e in own.exercises)


def test_an_instructors_grading_reports_unreadable_digits_as_misconfigured(monkeypatch, tmp_path):
    monkeypatch.setenv(mnist.ENVIRONMENT_VARIABLE, str(tmp_path / "gone.npz"))
    mnist.load.cache_clear()  # the digits are loaded once per process: again, from the missing file
    try:
        report = api.grade(["baseline"], target=EXERCISES, require_needs=True, max_examples=2)
        own = api.grade(["baseline"], target=EXERCISES, max_examples=2)
    finally:
        mnist.load.cache_clear()
    errors = report.grader_errors
    assert errors and all(c.message.startswith(f"{catalog.MISCONFIGURED}: the MNIST data could not be loaded")
                          for c in errors)
    skipped = [c for c in own.exercises[0].checks if c.status == results.CheckStatus.SKIPPED]
    assert {c.id for c in skipped} == {c.id for c in errors}  # a learner's own machine skips them ...
    assert report.max_points == own.max_points + sum(c.max_points for c in errors)  # ... an instructor's keeps them
