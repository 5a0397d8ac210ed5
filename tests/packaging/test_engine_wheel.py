"""The engine installs on its own: its wheel, in a fresh environment, grades any course given by its folder.

As CI does it (issue 24): the wheel is built from a copy of this checkout (``uv build``); it must
hold ``grader/`` and its metadata, nothing of the image course. It is installed into a new virtual
environment with only its own dependencies (from the package index; uv's cache makes that quick),
where SciPy, scikit-image, scikit-learn, Matplotlib and TensorFlow are not importable. That
environment's ``pixelgrade`` then grades the small second course of ``tests/courses/vectors`` end
to end (grade, list, hint, ``watch --once``, ``check()``, a batch with hidden checks, its summary,
``dev check``, ``new``), from a copy outside this repository as a course author's folder would be.
Last, the wheel with the image course's own requirements (its course.toml's ``requires``) grades
this repository's course.

Every command runs as a subprocess with a time limit, from a folder that holds no course (the
course is named by ``--course`` or ``PIXELGRADE_COURSE``), with this process's environment but
for pixelgrade's settings (``PIXELGRADE_ISOLATION`` is passed on: the test can be run at the
Landlock-only level). Workers run from a virtual environment in a temporary folder: the sandbox
must let them read it. About a minute with uv's cache warm; marked slow. Run with ``-s`` to see
the wheel's size, its files by folder and the time of each step.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name != "posix", reason="the environments' scripts are in bin/ on POSIX only"),
]

VECTORS = PROJECT_ROOT / "tests" / "courses" / "vectors"
VECTORS_HIDDEN = PROJECT_ROOT / "tests" / "courses" / "vectors_hidden"
IMAGE_COURSE = PROJECT_ROOT / "course"
# What a copy of the checkout leaves out: version control, environments, caches, earlier builds.
NOT_COPIED = shutil.ignore_patterns(".git", ".nox", ".venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc",
                                    ".pixelgrade", ".hypothesis", ".ruff_cache", ".pytest_cache", "node_modules")
# The image course's libraries: none of them is the engine's dependency.
IMAGE_LIBRARIES = ("scipy", "skimage", "sklearn", "matplotlib", "tensorflow", "keras")
SOURCE_FOLDERS = ("course", "exercises", "solutions", "tests", "docs", "examples", "benchmarks", "tools")
STEP_TIMEOUT_S = 300
TIMINGS: dict[str, float] = {}


def _uv() -> str:
    """uv, beside this Python (the dev extra installs it) or on the PATH."""
    beside = Path(sys.executable).with_name("uv")
    found = str(beside) if beside.is_file() else shutil.which("uv")
    if found is None:
        pytest.skip("needs uv, which builds the wheel and the environments: pip install -e '.[dev]' (nox -s tests "
                    "installs it)")
    return found


def _env(tmp: Path, **extra) -> dict:
    """This process's environment without pixelgrade's settings (but the sandbox level), with state and caches
    of this test's own, plus ``extra``."""
    kept = ("PIXELGRADE_ISOLATION", "PIXELGRADE_SAMPLE_CACHE")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PIXELGRADE", "VIRTUAL_ENV", "PYTHONPATH", "PYTEST_", "CONDA_PREFIX")) or key in kept}
    env.update(PIXELGRADE_STATE_DIR=str(tmp / "state"), PIXELGRADE_ANSWERS=str(tmp / "answers"),
               PIXELGRADE_PICTURES="off")
    env.update({key: str(value) for key, value in extra.items()})
    return env


def run(command, *, step: str, cwd: Path, env: dict, timeout: float = STEP_TIMEOUT_S) -> subprocess.CompletedProcess:
    """``command``, timed under ``step``; its output is in the failure message of any assertion on it."""
    started = time.perf_counter()
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    TIMINGS[step] = TIMINGS.get(step, 0.0) + time.perf_counter() - started
    done.output = done.stdout + done.stderr  # what the assertions show
    return done


def _words(text: str) -> str:
    return " ".join(text.split())  # rich wraps lines at the terminal's width


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("engine-wheel")


@pytest.fixture(scope="module")
def wheel(workdir) -> Path:
    """The engine's wheel, built from a copy of this checkout as CI builds it from a fresh clone."""
    source = workdir / "checkout"
    shutil.copytree(PROJECT_ROOT, source, ignore=NOT_COPIED, symlinks=True)
    built = run([_uv(), "build", "--wheel", "--out-dir", workdir / "dist", source], step="build the wheel",
                cwd=workdir, env=_env(workdir))
    assert built.returncode == 0, built.output
    (found,) = (workdir / "dist").glob("pixelgrade-*.whl")
    return found


def _venv(workdir: Path, name: str, *requirements) -> Path:
    """A new virtual environment of this Python's version with ``requirements`` installed; its bin/ folder."""
    venv = workdir / name
    made = run([_uv(), "venv", "--python", sys.executable, venv], step=f"{name}: create", cwd=workdir,
               env=_env(workdir))
    assert made.returncode == 0, made.output
    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()
    installed = run([_uv(), "pip", "install", "--python", venv / "bin" / "python", *requirements],
                    step=f"{name}: install", cwd=workdir, env=_env(workdir))
    assert installed.returncode == 0, installed.output
    return venv / "bin"


@pytest.fixture(scope="module")
def engine(wheel, workdir) -> Path:
    """An environment with the engine's wheel and its own dependencies alone: its bin/ folder."""
    return _venv(workdir, "engine-venv", wheel)


@pytest.fixture(scope="module")
def image_engine(wheel, workdir) -> Path:
    """An environment with the engine's wheel and what the image course requires (course.toml): its bin/ folder."""
    requires = tomllib.loads((IMAGE_COURSE / "course.toml").read_text(encoding="utf-8"))["course"]["requires"]
    return _venv(workdir, "image-venv", wheel, *requires)


@pytest.fixture(scope="module", autouse=True)
def figures(request):
    """The figures of the closing note (with -s): the wheel's size and files, the time of each step."""
    yield
    if TIMINGS:
        steps = "; ".join(f"{step} {seconds:.1f} s" for step, seconds in TIMINGS.items())
        print(f"\nengine wheel, time per step: {steps}")


def test_the_wheel_holds_the_engine_and_nothing_of_a_course(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = [name for name in archive.namelist() if not name.endswith("/")]
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    tops = collections.Counter(name.split("/")[0] for name in names)
    folders = collections.Counter("/".join(name.split("/")[:2]) if name.count("/") > 1 else "grader/*.py"
                                  for name in names if name.startswith("grader/"))
    print(f"\nengine wheel: {wheel.name}, {wheel.stat().st_size / 1024:.0f} KiB, {len(names)} files: "
          + ", ".join(f"{top} {count}" for top, count in sorted(tops.items()))
          + "; grader/: " + ", ".join(f"{folder} {count}" for folder, count in sorted(folders.items())))
    assert set(tops) == {"grader", next(top for top in tops if top.endswith(".dist-info"))}, tops
    assert not any(name.startswith(f"{folder}/") for name in names for folder in SOURCE_FOLDERS)
    # Every file of the engine's source is in it: its modules and the files they read (templates, the
    # checks' pytest.ini, the hostile submissions of `dev sandbox`, the files `pixelgrade new` writes).
    source = {path.relative_to(PROJECT_ROOT).as_posix() for path in (PROJECT_ROOT / "grader").rglob("*")
              if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"}
    assert source - set(names) == set()
    assert "grader/core/checks_pytest.ini" in names
    # Its dependencies are the engine's: the image course's libraries are none of them, Matplotlib an extra.
    requires = [line.removeprefix("Requires-Dist: ") for line in metadata.splitlines()
                if line.startswith("Requires-Dist: ")]
    plain = {requirement.split(";")[0].strip() for requirement in requires if "extra ==" not in requirement}
    assert {"numpy>=1.26", "pytest>=8.0", "rich>=13.0"} <= plain
    assert any(requirement.startswith("hypothesis") and "<7" in requirement for requirement in plain), plain
    for library in ("scipy", "scikit-image", "scikit-learn", "matplotlib", "tensorflow", "tensorflow-cpu"):
        assert not any(requirement.startswith(library) for requirement in plain), (library, plain)
    assert any(r.startswith("matplotlib") and 'extra == "pictures"' in r for r in requires), requires


def test_a_fresh_environment_has_the_engine_without_the_image_course_libraries(engine, workdir):
    probe = ("import importlib.util, json; "
             f"print(json.dumps({{name: importlib.util.find_spec(name) is not None for name in {IMAGE_LIBRARIES!r}}}))")
    found = run([engine / "python", "-c", probe], step="engine-venv: probe", cwd=workdir, env=_env(workdir))
    assert found.returncode == 0, found.output
    assert json.loads(found.stdout) == dict.fromkeys(IMAGE_LIBRARIES, False)
    version = run([engine / "pixelgrade", "--version"], step="engine-venv: probe", cwd=workdir, env=_env(workdir))
    assert version.returncode == 0 and "0." in version.output, version.output


def test_the_installed_engine_grades_a_second_course_end_to_end(engine, workdir):
    # Copies, as a course author's and an instructor's folders would be: no conftest.py of this repository above them.
    course, hidden_checks = workdir / "vectors-course", workdir / "vectors-hidden"
    shutil.copytree(VECTORS, course, ignore=NOT_COPIED)
    shutil.copytree(VECTORS_HIDDEN, hidden_checks, ignore=NOT_COPIED)
    here = workdir / "elsewhere"  # no course.toml here or above: the course is named, never found by chance
    here.mkdir()
    env = _env(workdir / "vectors")
    pixelgrade = engine / "pixelgrade"

    def grade(*arguments, step: str, **extra):
        return run([pixelgrade, *arguments], step=step, cwd=here, env={**env, **extra})

    done = grade("--course", course, "--target", course / "solutions", "vectors", step="vectors: grade")
    assert done.returncode == 0, done.output
    assert "complete" in done.output and "Total: 12/12 points" in _words(done.output), done.output
    done = grade("--course", course, "--target", course / "exercises", "vectors", "--require-full",
                 step="vectors: grade")
    assert done.returncode == 1 and "not started" in done.output, done.output

    done = grade("list", "--course", course, "--target", course / "exercises", step="vectors: list")
    assert done.returncode == 0 and "not started" in done.output and "Total: 0/12 points" in _words(done.output), \
        done.output
    done = grade("hint", "vectors", "--course", course, "--target", course / "exercises", step="vectors: hint")
    assert done.returncode == 0 and "Hints for 1. vectors (1 of" in done.output, done.output
    done = grade("watch", "--once", "--course", course, "--target", course / "solutions", step="vectors: watch")
    assert done.returncode == 0 and "Every exercise is complete" in _words(done.output), done.output
    done = grade("show", "vectors", "--course", course, "--target", course / "exercises", step="vectors: show")
    assert done.returncode == 2 and "renderings" in done.output, done.output  # it draws nothing, and says why

    notebook = f"from grader import check; print(repr(check('norm', target={str(course / 'solutions')!r})))"
    done = run([engine / "python", "-c", notebook], step="vectors: check()", cwd=here,
               env={**env, "PIXELGRADE_COURSE": str(course)})
    assert done.returncode == 0 and "<checked vectors: 12/12 (complete)>" in done.stdout, done.output

    submissions = workdir / "submissions"
    for learner, source in (("ada", course / "solutions"), ("bob", course / "exercises")):
        (submissions / learner).mkdir(parents=True)
        shutil.copy(source / "vectors.py", submissions / learner / "vectors.py")
    out = workdir / "batch"
    done = grade("batch", submissions, "--course", course, "--out", out, "--hidden-checks", hidden_checks,
                 "--jobs", "2", step="vectors: batch")
    assert done.returncode == 0, done.output
    batch = json.loads((out / "batch.json").read_text())
    rows = {row["id"]: row for row in batch["rows"]}
    assert {learner: row["status"] for learner, row in rows.items()} == {"ada": "graded", "bob": "graded"}
    hidden = [check for check in batch["expected"]["vectors"] if check["hidden"]]
    assert hidden, batch["expected"]  # the hidden checks were graded too, and count in the maximum
    assert rows["ada"]["total"] == rows["ada"]["max_total"] == 12 + sum(check["max_points"] for check in hidden)
    assert rows["bob"]["total"] == 0
    report = (out / "report.html").read_text()
    assert "vectors" in report and "<svg" not in report  # the class report, without its charts (no matplotlib)
    done = grade("summary", out / "batch.json", step="vectors: summary")
    assert done.returncode == 0 and "| ada | graded |" in done.output and "Includes hidden checks" in done.output, \
        done.output

    done = grade("dev", "check", "--course", course, step="vectors: dev check")
    assert done.returncode == 0, done.output
    new = workdir / "new-course"
    done = grade("new", new, step="vectors: new")
    assert done.returncode == 0 and (new / "course.toml").is_file(), done.output
    done = grade("dev", "check", "--course", new, step="vectors: dev check")
    assert done.returncode == 0, done.output


def test_the_installed_engine_grades_the_image_course_with_its_requirements(image_engine, workdir):
    here = workdir / "elsewhere-image"
    here.mkdir()
    done = run([image_engine / "pixelgrade", "--course", IMAGE_COURSE, "--target", PROJECT_ROOT / "solutions",
                "histogram", "sobel", "--require-full"], step="image course: grade", cwd=here,
               env=_env(workdir / "image"))
    assert done.returncode == 0, done.output
    assert done.output.count("complete") >= 2 and "grader error" not in done.output, done.output
