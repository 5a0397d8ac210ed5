"""The CI examples' own files run: the GitHub Actions workflow's commands and Gradescope's
setup.sh and run_autograder, against temporary folders instead of a runner or /autograder.

What the workflow test changes, and why: its `pip install` and `apt-get install` lines are
skipped (the runner's set-up: this machine reaches no internet, and the project's environment
already holds both); `PIXELGRADE` names this interpreter's `python -m grader` (the workflow's
environment variable for the command, which the runner sets to the installed `pixelgrade`);
`sudo -E env ...` is dropped where the test already runs as root; `check-sandbox.sh` runs once,
for one of the parametrised cases (about 20 s); and `PIXELGRADE_REQUIRE_ISOLATION=1` is kept
wherever this machine gives the full level (as root with bubblewrap, as in CI), relaxed to 0
only where it cannot (a developer's machine without it), since there the workflow would rightly refuse.
"""

import importlib.util
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile

import pytest
from conftest import EXERCISES, PROJECT_ROOT, make_submission

from grader.sandbox import isolation

EXAMPLES = PROJECT_ROOT / "examples"
PYTHON = sys.executable
POSIX_ONLY = pytest.mark.skipif(os.name != "posix", reason="the examples are bash scripts")


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "GITHUB_", "PIXELGRADE"))}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def workflow_run_lines():
    """The ``run:`` commands of the workflow, in order (one-line ones: all this workflow has)."""
    text = (EXAMPLES / "github-actions" / "pixelgrade.yml").read_text()
    return [match.strip() for match in re.findall(r"^\s*(?:-\s*)?run:\s*(.+)$", text, flags=re.M)]


def test_workflow_sets_up_python_installs_nox_and_grades():
    text = (EXAMPLES / "github-actions" / "pixelgrade.yml").read_text()
    assert "on:\n  push:" in text and "actions/setup-python@" in text and 'python-version: "3.11"' in text
    assert workflow_run_lines() == ['python3 -m pip install "nox[uv]"', "sudo apt-get install -y bubblewrap",
                                    'sudo -E env "PATH=$PATH" bash examples/github-actions/check-sandbox.sh',
                                    'sudo -E env "PATH=$PATH" PIXELGRADE_REQUIRE_ISOLATION=1 '
                                    "bash examples/github-actions/grade.sh"]
    script = (EXAMPLES / "github-actions" / "grade.sh").read_text()
    assert '--target "$target" --json "$results"' in script and '"$GITHUB_STEP_SUMMARY"' not in script.split(
        "summary=")[0]
    assert "nox -s grade --install-only" in script


@POSIX_ONLY
@pytest.mark.parametrize("kind", ["buggy", "stubs"])
def test_workflow_commands_write_the_job_summary(tmp_path, kind):
    target = tmp_path / "exercises"
    if kind == "buggy":
        make_submission(target, ["histogram"], replace={"histogram": {"histogram": """
            def histogram(image):
                image = _check_uint8(image)
                return np.bincount(image.ravel(), minlength=256)[::-1].astype(np.int64)
        """}})
    else:
        make_submission(target, ["histogram"], source=EXERCISES)
    summary = tmp_path / "step-summary.md"
    env = _env(GITHUB_STEP_SUMMARY=summary, PIXELGRADE=f"{PYTHON} -m grader", PIXELGRADE_TARGET=target,
               PIXELGRADE_ARGS="histogram --examples 3", PIXELGRADE_RESULTS=tmp_path / "results.json",
               PIXELGRADE_JUNIT=tmp_path / "junit.xml", PYTHONPATH=PROJECT_ROOT)
    for line in workflow_run_lines():
        if "pip install" in line or "apt-get install" in line:
            continue  # the runner's set-up; here the grader's dependencies are already installed
        if "check-sandbox.sh" in line and (kind != "buggy" or os.geteuid() != 0 or not isolation.current().full):
            continue  # about 20 s: checked once, where the runner's level (root, the full sandbox) is here
        if os.geteuid() != 0 or not isolation.current().full:
            line = line.replace("PIXELGRADE_REQUIRE_ISOLATION=1", "PIXELGRADE_REQUIRE_ISOLATION=0")
        line = line.replace('sudo -E env "PATH=$PATH" ', "") if os.geteuid() == 0 else line
        done = subprocess.run(line, shell=True, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
    text = summary.read_text()
    assert text.startswith("## pixelgrade: ")
    assert "| 3 | histogram |" in text
    if kind == "buggy":
        assert "partial" in text and "### To fix" in text and "differs from" in text
    else:
        assert "## pixelgrade: 0/30 points" in text and "not started" in text
    suites = ET.parse(tmp_path / "junit.xml").getroot()
    assert int(suites.get("tests")) == len(json.loads((tmp_path / "results.json").read_text())["exercises"][0][
        "checks"])
    assert not (PROJECT_ROOT / "pixelgrade-junit.xml").exists()


@POSIX_ONLY
def test_workflows_check_the_sandbox_before_grading():
    """Both workflows run check-sandbox.sh before grading, and it stops the job when an attack gets through."""
    for name, grading in (("pixelgrade.yml", "grade.sh"), ("class.yml", "grade-shard.sh")):
        text = (EXAMPLES / "github-actions" / name).read_text()
        assert "bash examples/github-actions/check-sandbox.sh" in text
        assert text.index("check-sandbox.sh") < text.index(f"bash examples/github-actions/{grading}"), name
    env = _env(PIXELGRADE=f"{PYTHON} -m grader", PIXELGRADE_ISOLATION="plain", PYTHONPATH=PROJECT_ROOT)
    done = subprocess.run(["bash", str(EXAMPLES / "github-actions" / "check-sandbox.sh"), "read-secrets", "uid"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "no learner code will be graded here" in done.stderr


def sysconfig_paths():
    import sysconfig

    return sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})


# setup.sh installs for the exercises it will grade (all by default, TensorFlow included) and secures
# the digits (downloaded unless PIXELGRADE_MNIST names them): histogram alone here, on this run's digits.
# All of them, into a fresh environment: tests/instructor/test_gradescope_autograder.py.
HISTOGRAM_ONLY = {"PIXELGRADE_EXERCISES": "histogram", "PIXELGRADE_MNIST": os.environ.get("PIXELGRADE_MNIST", "")}


def _build_autograder(tmp_path):
    spec = importlib.util.spec_from_file_location("make_autograder", EXAMPLES / "gradescope" / "make_autograder.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    archive = module.build(tmp_path / "autograder.zip", EXAMPLES / "hidden_checks")
    source = tmp_path / "autograder" / "source"
    with zipfile.ZipFile(archive) as bundle:
        names = bundle.namelist()
        bundle.extractall(source)
    assert "setup.sh" in names and "run_autograder" in names and "hidden_checks/test_histogram_hidden.py" in names
    assert not any("__pycache__" in name for name in names)
    for name in ("setup.sh", "run_autograder"):
        (source / name).chmod(0o755)
    return tmp_path / "autograder"


@POSIX_ONLY
def test_gradescope_setup_and_run_autograder(tmp_path):
    root = _build_autograder(tmp_path)
    if sys.prefix != sys.base_prefix:
        # This Python is itself a virtual environment (nox's): a new one made from it would not
        # see its packages, so make the environment here, pointing at them; setup.sh reuses it.
        subprocess.run([PYTHON, "-m", "venv", "--system-site-packages", str(root / "venv")], check=True)
        (site,) = (root / "venv" / "lib").glob("python3*/site-packages")
        (site / "outer-environment.pth").write_text("\n".join(sysconfig_paths()) + "\n")
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], capture_output=True, text=True, timeout=300,
                           env=_env(PIXELGRADE_SOURCE=root / "source", PIXELGRADE_VENV=root / "venv",
                                    PIXELGRADE_PYTHON=PYTHON, PIXELGRADE_VENV_OPTIONS="--system-site-packages",
                                    PIXELGRADE_PIP_OPTIONS="--no-index", **HISTOGRAM_ONLY))
    assert setup.returncode == 0, setup.stdout + setup.stderr
    # The learner uploaded a folder; Gradescope unpacks it under submission/.
    make_submission(root / "submission" / "my-work", ["histogram"], replace={"histogram": {"histogram": """
        def histogram(image):
            image = _check_uint8(image)
            if image.shape == (7, 9):
                return np.zeros(256, dtype=np.int64)
            return np.bincount(image.ravel(), minlength=256).astype(np.int64)
    """}})
    run = subprocess.run([str(root / "source" / "run_autograder")], capture_output=True, text=True, timeout=300,
                         cwd=root, env=_env(PIXELGRADE_AUTOGRADER=root, PIXELGRADE_EXERCISES="histogram",
                                            PIXELGRADE_ARGS="--examples 3 --timeout 2"))
    assert run.returncode == 0, run.stdout + run.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == 33 and isinstance(data["execution_time"], int)
    assert "Public checks passed: 24/24" in data["output"] and "/35" not in data["output"]
    visible = [t for t in data["tests"] if t["visibility"] == "visible"]
    hidden = [t for t in data["tests"] if t["visibility"] != "visible"]
    assert len(visible) == 24 and len(hidden) == 3 and {t["visibility"] for t in hidden} == {"after_published"}
    assert all({"name", "score", "max_score", "output", "visibility"} <= set(t) for t in data["tests"])
    assert "checkerboard" not in json.dumps(visible) + data["output"]
    assert [t["score"] for t in hidden if "checkerboard" in t["name"] and t["tags"][-1] == "histogram"] == [0.0]


@POSIX_ONLY
def test_gradescope_setup_fails_where_the_sandbox_does_not_hold(tmp_path):
    root = _build_autograder(tmp_path)
    venv = root / "venv"
    subprocess.run([PYTHON, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    (site,) = (venv / "lib").glob("python3*/site-packages")
    (site / "outer-environment.pth").write_text("\n".join(sysconfig_paths()) + "\n")
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], capture_output=True, text=True, timeout=300,
                           env=_env(PIXELGRADE_SOURCE=root / "source", PIXELGRADE_VENV=venv,
                                    PIXELGRADE_PYTHON=PYTHON, PIXELGRADE_VENV_OPTIONS="--system-site-packages",
                                    PIXELGRADE_PIP_OPTIONS="--no-index", PIXELGRADE_ISOLATION="plain",
                                    **HISTOGRAM_ONLY))
    assert setup.returncode == 1, setup.stdout + setup.stderr
    assert "got through" in setup.stdout and "must not grade anyone's work" in setup.stderr


@POSIX_ONLY
@pytest.mark.skipif(os.name == "posix" and os.geteuid() != 0, reason="the refusal here is root's: uid 0 unprotected")
def test_run_autograder_refuses_where_the_sandbox_does_not_protect_others(tmp_path):
    marker = tmp_path / "learner-code-ran"
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "histogram.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    run = subprocess.run(["bash", str(EXAMPLES / "gradescope" / "run_autograder")], capture_output=True, text=True,
                         timeout=120, env=_env(PIXELGRADE_AUTOGRADER=tmp_path, PIXELGRADE_SOURCE=PROJECT_ROOT,
                                               PIXELGRADE_VENV=sys.prefix, PIXELGRADE_REQUIRE_ISOLATION=0,
                                               PIXELGRADE_ISOLATION="plain", PIXELGRADE_EXERCISES="histogram"))
    assert run.returncode == 0
    assert "runs other people's code" in run.stdout + run.stderr
    data = json.loads((tmp_path / "results" / "results.json").read_text())
    assert data["score"] == 0 and "refused to run your code" in data["output"]
    assert not marker.exists()


@POSIX_ONLY
def test_run_autograder_always_leaves_results(tmp_path):
    results = tmp_path / "results"
    (tmp_path / "submission").mkdir()
    run = subprocess.run(["bash", str(EXAMPLES / "gradescope" / "run_autograder")], capture_output=True, text=True,
                         timeout=60, env=_env(PIXELGRADE_AUTOGRADER=tmp_path, PIXELGRADE_SOURCE=PROJECT_ROOT,
                                              PIXELGRADE_VENV=tmp_path / "no-such-venv"))
    assert run.returncode == 0
    data = json.loads((results / "results.json").read_text())
    assert data["score"] == 0 and "could not grade" in data["output"]
