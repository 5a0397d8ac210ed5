"""Otter-grader side by side with ``pixelgrade batch``: the same submissions, one run.

Makes ``--submissions`` submissions (default 10), each a folder with copies of the
reference ``solutions/histogram.py``, ``thresholding.py`` and ``convolution.py``, and
grades them twice:

- **otter-grader** through its Python API, every submission in one process:
  ``otter.api.grade_submission(zip, ag_path="autograder.zip", quiet=True)`` per
  submission, against ten OK-format tests (``tests/q1.py`` .. ``q10.py``, one check
  each) that compare ``histogram``, ``otsu_threshold`` and ``convolve2d`` with
  ``np.bincount``, ``skimage.filters.threshold_otsu`` and ``scipy.signal.convolve2d``
  on small inputs. The autograder zip is built once beforehand with
  ``otter.generate.main`` (not timed). Otter grades one file per submission, so each
  otter submission is a zip of a three-line ``submission.py`` that imports the three
  modules from a ``learner/`` folder beside it;
- **pixelgrade** with ``grader.instructor.batch.grade_batch`` on the same folders, for
  ``--jobs 1`` and ``--jobs 2`` (its time includes the batch's one grading of the
  reference solutions).

It prints one table: checks per submission, seconds for the batch, submissions per
minute, and pixelgrade's rate over otter's.

Otter runs in its own virtualenv, never in the project's: ``otter-grader==7.0.*`` (else
the newest that installs) with numpy, scipy, scikit-image and ipykernel, created once
under ``~/.cache/pixelgrade-bench/otter-venv`` (``PIXELGRADE_OTTER_VENV`` overrides) and
reused. If it cannot be installed, or with ``--skip-otter``, otter is not measured and
no ratio is printed: every ratio compares two things measured here, in this run.

    python3 benchmarks/otter_peer.py                   # 10 submissions, installs otter the first time
    python3 benchmarks/otter_peer.py --submissions 20
    python3 benchmarks/otter_peer.py --skip-otter      # pixelgrade's figures only, no ratio

Or from another script: ``otter_peer.measure(10)`` returns the figures as a dict.
This is a benchmark, not a test: it asserts only that every submission was graded.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EXERCISES = ["histogram", "thresholding", "convolution"]
OTTER_VENV = pathlib.Path(os.environ.get("PIXELGRADE_OTTER_VENV",
                                         pathlib.Path.home() / ".cache" / "pixelgrade-bench" / "otter-venv"))
# otter executes a .py submission in a Jupyter kernel (nbconvert's ExecutePreprocessor),
# but otter-grader 7.0.0 does not depend on ipykernel: without it there is no kernel.
OTTER_EXTRAS = ["numpy", "scipy", "scikit-image", "ipykernel"]
OTTER_API = "otter.api.grade_submission (autograder zip from otter.generate.main), all in one process"

# Ten OK-format checks, one per test file. Each compares the learner's function with a
# library oracle on a small input; the doctest prints True when they agree.
_PRELUDE = """\
>>> import numpy as np
>>> rng = np.random.default_rng({seed})
"""
CHECKS = [
    ("histogram matches np.bincount on a random 16x16 image", """\
>>> image = rng.integers(0, 256, (16, 16), dtype=np.uint8)
>>> bool(np.array_equal(histogram(image), np.bincount(image.ravel(), minlength=256)))
True
"""),
    ("histogram of a constant 255 image", """\
>>> image = np.full((5, 7), 255, dtype=np.uint8)
>>> bool(np.array_equal(histogram(image), np.bincount(image.ravel(), minlength=256)))
True
"""),
    ("histogram of a 3-D image: 256 bins summing to the size", """\
>>> image = rng.integers(0, 256, (4, 5, 3), dtype=np.uint8)
>>> counts = histogram(image)
>>> counts.shape, int(counts.sum()), bool(np.array_equal(counts, np.bincount(image.ravel(), minlength=256)))
((256,), 60, True)
"""),
    ("otsu_threshold matches skimage on a random 16x16 image", """\
>>> from skimage.filters import threshold_otsu
>>> image = rng.integers(0, 256, (16, 16), dtype=np.uint8)
>>> int(otsu_threshold(image)) == int(threshold_otsu(image))
True
"""),
    ("otsu_threshold matches skimage on a bimodal image", """\
>>> from skimage.filters import threshold_otsu
>>> values = np.concatenate([rng.normal(60, 10, 200), rng.normal(180, 15, 200)])
>>> image = values.clip(0, 255).astype(np.uint8).reshape(20, 20)
>>> int(otsu_threshold(image)) == int(threshold_otsu(image))
True
"""),
    ("otsu_threshold matches skimage on two grey levels", """\
>>> from skimage.filters import threshold_otsu
>>> image = np.array([5, 5, 5, 200, 200], dtype=np.uint8)
>>> int(otsu_threshold(image)) == int(threshold_otsu(image))
True
"""),
    ("otsu_threshold matches skimage on three clusters", """\
>>> from skimage.filters import threshold_otsu
>>> image = np.array([10, 10, 12, 200, 210, 220], dtype=np.uint8)
>>> int(otsu_threshold(image)) == int(threshold_otsu(image))
True
"""),
    ("convolve2d 'same' matches scipy with a 3x3 kernel", """\
>>> from scipy.signal import convolve2d as oracle
>>> image, kernel = rng.normal(size=(8, 8)), rng.normal(size=(3, 3))
>>> bool(np.allclose(convolve2d(image, kernel), oracle(image, kernel, mode="same")))
True
"""),
    ("convolve2d 'full' matches scipy with a 3x2 kernel", """\
>>> from scipy.signal import convolve2d as oracle
>>> image, kernel = rng.normal(size=(7, 9)), rng.normal(size=(3, 2))
>>> bool(np.allclose(convolve2d(image, kernel, mode="full"), oracle(image, kernel, mode="full")))
True
"""),
    ("convolve2d 'same', boundary 'wrap' matches scipy", """\
>>> from scipy.signal import convolve2d as oracle
>>> image, kernel = rng.normal(size=(6, 5)), rng.normal(size=(3, 3))
>>> got = convolve2d(image, kernel, mode="same", boundary="wrap")
>>> bool(np.allclose(got, oracle(image, kernel, mode="same", boundary="wrap")))
True
"""),
]

# Otter grades one file per submission: this script puts the learner's three modules
# into the global environment that otter's tests run in.
SUBMISSION_PY = """\
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path("learner").resolve()))

from convolution import convolve2d
from histogram import histogram
from thresholding import otsu_threshold
"""

# Runs in the otter virtualenv: build the autograder zip, grade every submission in
# this one process, print the figures as JSON on the last line.
DRIVER_PY = """\
import contextlib, io, json, os, sys, time
started = time.perf_counter()
import otter
import otter.api
import otter.generate
imported = time.perf_counter() - started

work, zips = sys.argv[1], sys.argv[2:]
os.chdir(work)  # otter.generate looks for default files in the working directory
started = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    otter.generate.main(tests_dir="tests", output_path="autograder.zip", no_config=True,
                        no_requirements=True, no_environment=True)
generated = time.perf_counter() - started

scores = []
started = time.perf_counter()
for path in zips:
    results = otter.api.grade_submission(path, ag_path="autograder.zip", quiet=True)
    scores.append([float(results.total), float(results.possible)])
seconds = time.perf_counter() - started
print(json.dumps({"version": otter.__version__, "seconds": seconds, "scores": scores,
                  "import_seconds": imported, "generate_seconds": generated}))
"""


def _ok_test(number: int, title: str, body: str) -> str:
    """One OK-format test file (otter's ``tests/qN.py``): one suite, one doctest case.

    Otter 4 and later read a test file as OK format only if it sets ``OK_FORMAT = True``
    (otherwise it is taken for an ``otter.test_files`` exception-style file).
    """
    spec = {
        "name": f"q{number}",
        "points": 1,
        "suites": [{
            "cases": [{"code": _PRELUDE.format(seed=number) + body, "hidden": False, "locked": False,
                       "name": title}],
            "scored": True, "setup": "", "teardown": "", "type": "doctest",
        }],
    }
    return f"# {title}\nOK_FORMAT = True\n\ntest = {spec!r}\n"


def write_otter_tests(folder: pathlib.Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for number, (title, body) in enumerate(CHECKS, start=1):
        (folder / f"q{number}.py").write_text(_ok_test(number, title, body))
    return len(CHECKS)


def make_submissions(folder: pathlib.Path, count: int) -> list[pathlib.Path]:
    """``count`` folders, each with copies of the three reference modules."""
    made = []
    for i in range(count):
        target = folder / f"sub-{i:03d}"
        target.mkdir(parents=True)
        for name in EXERCISES:
            shutil.copy(ROOT / "solutions" / f"{name}.py", target / f"{name}.py")
        made.append(target)
    return made


def otter_zip(submission: pathlib.Path, destination: pathlib.Path) -> pathlib.Path:
    """The submission as otter takes it: ``submission.py`` and the modules in ``learner/``.

    The modules go in a subfolder because otter refuses a submission with more than one
    ``.py`` file at its top.
    """
    path = destination / f"{submission.name}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("submission.py", SUBMISSION_PY)
        for module in sorted(submission.glob("*.py")):
            archive.write(module, f"learner/{module.name}")
    return path


def _venv_python(venv: pathlib.Path) -> pathlib.Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _usable(python: pathlib.Path) -> bool:
    probe = "import otter.api, otter.generate, ipykernel, numpy, scipy, skimage"
    return python.exists() and subprocess.run([str(python), "-c", probe], capture_output=True).returncode == 0


def ensure_otter(venv: pathlib.Path = OTTER_VENV, log=print) -> tuple[pathlib.Path | None, str]:
    """The otter virtualenv's python, creating the virtualenv the first time.

    Returns ``(python, "")``, or ``(None, why)`` when otter could not be installed.
    """
    python = _venv_python(venv)
    if _usable(python):
        return python, ""
    log(f"installing otter-grader into {venv} (once) ...")
    try:
        if not python.exists():
            venv.parent.mkdir(parents=True, exist_ok=True)
            # From the base interpreter, not the project's virtualenv, so nothing of it leaks in.
            base = getattr(sys, "_base_executable", None) or shutil.which("python3") or sys.executable
            subprocess.run([base, "-m", "venv", str(venv)], check=True, capture_output=True, text=True)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        # 7.0.* is the version the figure was taken with; the newest otter that
        # installs is the fall-back.
        done = subprocess.run(pip + ["otter-grader==7.0.*", *OTTER_EXTRAS], capture_output=True, text=True)
        if done.returncode != 0:
            log("  otter-grader 7.0.* did not install; trying the newest otter-grader")
            done = subprocess.run(pip + ["otter-grader", *OTTER_EXTRAS], capture_output=True, text=True)
        if done.returncode != 0:
            return None, _last_lines(done.stderr or done.stdout)
    except (OSError, subprocess.CalledProcessError) as error:
        return None, _last_lines(getattr(error, "stderr", "") or str(error))
    if not _usable(python):
        return None, f"otter installed in {venv} but `import otter.api, ipykernel, skimage` fails there"
    return python, ""


def _last_lines(text: str, count: int = 5) -> str:
    lines = [line for line in (text or "").splitlines()
             if line.strip() and not line.startswith("WARNING: Location")]
    return " | ".join(lines[-count:]) or "no output"


def time_otter(python: pathlib.Path, work: pathlib.Path, submissions: list[pathlib.Path]) -> dict:
    """Grade ``submissions`` with otter in one process of ``python``; the driver's JSON."""
    write_otter_tests(work / "tests")
    zips = work / "otter-submissions"
    zips.mkdir()
    paths = [str(otter_zip(s, zips)) for s in submissions]
    (work / "otter_driver.py").write_text(DRIVER_PY)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run([str(python), str(work / "otter_driver.py"), str(work), *paths],
                          capture_output=True, text=True, env=env, cwd=work)
    if done.returncode != 0:
        raise RuntimeError(f"otter's driver failed: {_last_lines(done.stderr, 8)}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    # Otter reports a submission it could not run as 0 out of 0, not as an error: a
    # timing of no checks would be no comparison.
    wrong = [s for s in figures["scores"] if s[1] != len(CHECKS)]
    if wrong:
        raise RuntimeError(f"otter graded {len(wrong)} submissions out of {wrong[0][1]:g} points, "
                           f"not {len(CHECKS)}: its tests did not run")
    return figures


def time_pixelgrade(folder: pathlib.Path, work: pathlib.Path, jobs: int, count: int) -> dict:
    from grader.core.results import SKIPPED
    from grader.instructor import batch

    submissions = batch.discover([folder])
    started = time.perf_counter()
    report = batch.grade_batch(submissions, exercises=EXERCISES, jobs=jobs, workdir=work / f"stage-{jobs}")
    seconds = time.perf_counter() - started
    assert len(report.rows) == count, (len(report.rows), count)
    first = report.rows[0].report
    return {
        "seconds": seconds,
        "checks": sum(1 for e in first.exercises for c in e.checks if c.status != SKIPPED),
        "points": [[row.total, row.max_total] for row in report.rows],
        "statuses": report.status_counts(),
    }


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def measure(submissions: int = 10, *, skip_otter: bool = False, jobs=(1, 2), log=print) -> dict:
    """Grade ``submissions`` copies of the three reference modules with otter and pixelgrade.

    Returns
    -------
    dict
        ``submissions``; ``otter_measured`` (False when otter could not run here: then
        ``otter_seconds``, ``otter_per_minute`` and every ratio are None), ``otter_seconds``,
        ``otter_per_minute``, ``otter_checks``, ``otter_version``, ``otter_api``,
        ``otter_note`` (why it was not measured, or the driver's import and generate times),
        ``otter_scores``; for each ``J`` in ``jobs``, ``pixelgrade_jobs{J}_seconds``,
        ``..._per_minute``, ``..._ratio`` (over otter's rate, measured in this run, or None);
        ``pixelgrade_checks``; ``load_before`` and ``load_after``.
    """
    figures: dict = {"submissions": submissions, "otter_api": OTTER_API, "load_before": _load()}
    python, why = (None, "--skip-otter") if skip_otter else ensure_otter(log=log)
    with tempfile.TemporaryDirectory(prefix="otter-peer-") as tmp:
        work = pathlib.Path(tmp)
        folders = make_submissions(work / "submissions", submissions)
        otter = None
        if python is not None:
            log(f"otter: grading {submissions} submissions in one process ...")
            try:
                otter = time_otter(python, work, folders)
            except (RuntimeError, ValueError, OSError) as error:
                why = str(error)
        if otter is not None:
            figures.update(otter_seconds=otter["seconds"], otter_measured=True, otter_version=otter["version"],
                           otter_scores=otter["scores"], otter_checks=len(CHECKS),
                           otter_note=f"process: import {otter['import_seconds']:.1f} s, "
                                      f"autograder zip {otter['generate_seconds']:.1f} s (not timed)")
            figures["otter_per_minute"] = submissions / otter["seconds"] * 60
        else:
            # No figure from elsewhere stands in for otter: a ratio against a number measured on
            # another machine, at another time, says nothing about this one.
            figures.update(otter_seconds=None, otter_per_minute=None, otter_measured=False, otter_version="-",
                           otter_scores=[], otter_checks=len(CHECKS), otter_note=f"not measured: {why}")
        for j in jobs:
            log(f"pixelgrade: grade_batch --jobs {j} ...")
            ours = time_pixelgrade(work / "submissions", work, j, submissions)
            rate = submissions / ours["seconds"] * 60
            figures[f"pixelgrade_jobs{j}_seconds"] = ours["seconds"]
            figures[f"pixelgrade_jobs{j}_per_minute"] = rate
            otter_rate = figures["otter_per_minute"]
            figures[f"pixelgrade_jobs{j}_ratio"] = rate / otter_rate if otter_rate else None
            figures[f"pixelgrade_jobs{j}_points"] = ours["points"]
            figures["pixelgrade_checks"] = ours["checks"]
    figures["load_after"] = _load()
    return figures


def table(figures: dict, jobs=(1, 2)) -> str:
    n = figures["submissions"]
    lines = [f"{'grader':<46} {'checks':>6} {'s for ' + str(n):>9} {'subs/min':>9} {'vs otter':>9}"]
    if figures["otter_measured"]:
        name = f"otter {figures['otter_version']} API"
        lines.append(f"{name:<46} {figures['otter_checks']:>6} "
                     f"{figures['otter_seconds']:>9.1f} {figures['otter_per_minute']:>9.1f} {'x1.00':>9}")
    for j in jobs:
        ratio = figures[f"pixelgrade_jobs{j}_ratio"]
        lines.append(f"{f'pixelgrade grade_batch --jobs {j}':<46} {figures['pixelgrade_checks']:>6} "
                     f"{figures[f'pixelgrade_jobs{j}_seconds']:>9.1f} "
                     f"{figures[f'pixelgrade_jobs{j}_per_minute']:>9.1f} "
                     f"{'x' + format(ratio, '.2f') if ratio is not None else '-':>9}")
    lines.append(f"otter: {figures['otter_api']}; {figures['otter_note']}")
    lines.append(f"load average before {figures['load_before']}, after {figures['load_after']}")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=10)
    parser.add_argument("--skip-otter", action="store_true", help="do not run otter (no ratio is printed)")
    args = parser.parse_args(argv)
    figures = measure(args.submissions, skip_otter=args.skip_otter)
    scores = figures["otter_scores"]
    if scores:
        print(f"otter scores: {sorted({f'{t:g}/{p:g}' for t, p in scores})}")
    print(f"pixelgrade points (jobs 1): {sorted({f'{t:g}/{p:g}' for t, p in figures['pixelgrade_jobs1_points']})}")
    print(table(figures))


if __name__ == "__main__":
    main()
