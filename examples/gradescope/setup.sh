#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image.
#
# The autograder zip (see make_autograder.py) holds this file, run_autograder, the engine's
# source (pyproject.toml, README.md, grader/), the course (course/: its course.toml, checks and
# own modules; solutions/) and, optionally, hidden_checks/, the exercises the instructor chose
# (pixelgrade-exercises.txt; without it, all of them) and the instructor's own digits
# (pixelgrade-mnist.npz). run_autograder grades with the engine installed here, the course given
# by its folder ($SOURCE/course). This, in order, failing the build at the first step that does not hold:
#
#   1. installs bubblewrap, Python 3.11 and, into a virtual environment, the engine's dependencies and
#      the engine from the source folder as it is (a .pth file: nothing to build), with what the course requires (course.toml: [course] requires), then what
#      the chosen exercises need beyond that ([course.optional]: TensorFlow, for networks and training);
#   2. checks that the engine runs, that every requirement of the course is installed and that every
#      package a chosen exercise needs imports: an image that would grade an exercise it cannot run is
#      never built;
#   3. secures the MNIST digits out of learner code's reach ($DATA/mnist.npz, where run_autograder
#      points the grader): the instructor's file, else Keras' mnist.npz, downloaded and checked.
#      Without them the exercises scored on held-out digits would fall back to scikit-learn's,
#      which learner code can read, and would not be graded (the course's imagecourse/mnist.py);
#   4. runs the project's own hostile submissions against the image's sandbox
#      (`pixelgrade dev sandbox`): every one of them must be contained (README: Safety).
#
# Every path can be overridden, so that a test can run this very script locally:
#   PIXELGRADE_SOURCE        the unpacked zip (default: /autograder/source)
#   PIXELGRADE_VENV          the environment to create, or reuse (default: /autograder/venv)
#   PIXELGRADE_DATA          where the digits go (default: pixelgrade-data beside the source folder)
#   PIXELGRADE_EXERCISES     exercises to grade, comma-separated (default: pixelgrade-exercises.txt, else all)
#   PIXELGRADE_MNIST         a Keras-format MNIST .npz to use (default: pixelgrade-mnist.npz, else the download)
#   PIXELGRADE_PYTHON        the Python to create it with (default: python3.11, installed if missing)
#   PIXELGRADE_INSTALLER     pip (default) or uv (`uv pip install`, where uv is installed)
#   PIXELGRADE_VENV_OPTIONS  more options for `python -m venv`
#   PIXELGRADE_PIP_OPTIONS   more options for the installer's `install`
set -euo pipefail

SOURCE="${PIXELGRADE_SOURCE:-/autograder/source}"
VENV="${PIXELGRADE_VENV:-/autograder/venv}"
DATA="${PIXELGRADE_DATA:-$(dirname "$SOURCE")/pixelgrade-data}"
PYTHON="${PIXELGRADE_PYTHON:-}"
INSTALLER="${PIXELGRADE_INSTALLER:-pip}"
EXERCISES="${PIXELGRADE_EXERCISES:-$(cat "$SOURCE/pixelgrade-exercises.txt" 2>/dev/null || true)}"
MNIST="${PIXELGRADE_MNIST:-}"
if [ -z "$MNIST" ] && [ -f "$SOURCE/pixelgrade-mnist.npz" ]; then MNIST="$SOURCE/pixelgrade-mnist.npz"; fi

fail() {
  echo "pixelgrade: $*" >&2
  exit 1
}

# bubblewrap adds namespaces to the sandbox where the container allows them (README: Safety).
if ! command -v bwrap >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  (apt-get install -y --no-install-recommends bubblewrap || (apt-get update && apt-get install -y \
    --no-install-recommends bubblewrap)) || echo "pixelgrade: bubblewrap not installed; Landlock still applies"
fi

if [ -z "$PYTHON" ]; then
  if ! command -v python3.11 >/dev/null 2>&1; then
    apt-get update
    apt-get install -y --no-install-recommends python3.11 python3.11-venv
  fi
  PYTHON=python3.11
fi

read -r -a venv_options <<< "${PIXELGRADE_VENV_OPTIONS:-}"
read -r -a pip_options <<< "${PIXELGRADE_PIP_OPTIONS:-}"
if [ ! -x "$VENV/bin/python" ]; then  # an environment that is already there is reused
  "$PYTHON" -m venv "${venv_options[@]}" "$VENV"
fi

install() {  # what to install: requirements, paths, -r files
  case "$INSTALLER" in
    pip) "$VENV/bin/python" -m pip install --quiet "${pip_options[@]}" "$@" ;;
    # Compiled bytecode makes every grading worker start fast (uv skips it by default; pip does it).
    uv) uv pip install --quiet --python "$VENV/bin/python" --compile-bytecode "${pip_options[@]}" "$@" ;;
    *) fail "PIXELGRADE_INSTALLER must be pip or uv; got '$INSTALLER'" ;;
  esac
}

# 1. The engine's dependencies (its pyproject.toml) with what the course requires of every environment that
# grades it (its course.toml), read with the standard library: nothing is installed yet ...
"$VENV/bin/python" - "$SOURCE/pyproject.toml" "$SOURCE/course/course.toml" > "$VENV/pixelgrade-requirements.txt" <<'PY'
import sys
import tomllib

with open(sys.argv[1], "rb") as file:
    print("\n".join(tomllib.load(file)["project"]["dependencies"]))
with open(sys.argv[2], "rb") as file:
    print("\n".join(tomllib.load(file).get("course", {}).get("requires", [])))
PY
install -r "$VENV/pixelgrade-requirements.txt"
# ... the engine itself, from the source folder as it is: nothing to build (an image built without an index
# has no build backend) and nothing to download. `pixelgrade` runs it with -P (no working folder on sys.path).
purelib="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$SOURCE" > "$purelib/pixelgrade-source.pth"
printf '#!/bin/sh\nexec "%s" -P -m grader "$@"\n' "$VENV/bin/python" > "$VENV/bin/pixelgrade"
chmod 755 "$VENV/bin/pixelgrade"

# ... then what the chosen exercises' checks need beyond them (the catalog's `needs`), by the
# requirements the course gives for each ([course.optional]; else the need's own name), as the
# engine's catalog reads them.
(cd "$SOURCE" && "$VENV/bin/python" - "$SOURCE/course" "$EXERCISES" > "$VENV/pixelgrade-extras.txt") <<'PY' || exit 1
import sys

from grader.core import catalog

course = catalog.activate(sys.argv[1])
names = [name.strip() for name in sys.argv[2].split(",") if name.strip()]
try:
    chosen = course.resolve(names) if names else course.gradable()
except ValueError as error:
    sys.exit(f"pixelgrade: PIXELGRADE_EXERCISES (or make_autograder.py --exercises): {error}")
needs = dict.fromkeys(need for exercise in chosen for need in exercise.needs)
requirements = {spec: None for exercise in chosen for need in exercise.needs for spec in exercise.requirements[need]}
print("\n".join(requirements))
shown = ", ".join(exercise.name for exercise in chosen)
print(f"pixelgrade: grading {len(chosen)} exercises ({shown}); they need {', '.join(needs) or 'nothing more'}",
      file=sys.stderr)
PY
if [ -s "$VENV/pixelgrade-extras.txt" ]; then install -r "$VENV/pixelgrade-extras.txt"; fi
"$VENV/bin/pixelgrade" --version >/dev/null || fail "the engine does not run in $VENV"
echo "pixelgrade: environment ready"

# 2. Every requirement of the course installed, and every package a chosen exercise needs importing
# here, or the image grades nobody.
(cd "$SOURCE" && "$VENV/bin/python" - "$SOURCE/course" "$EXERCISES") <<'PY' || exit 1
import importlib
import importlib.metadata
import re
import sys

from grader.core import catalog

course = catalog.activate(sys.argv[1])
names = [name.strip() for name in sys.argv[2].split(",") if name.strip()]
chosen = course.resolve(names) if names else course.gradable()
absent = []
for requirement in course.requires:
    distribution = re.match(r"[A-Za-z0-9._-]+", requirement).group()
    try:
        importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        absent.append(requirement)
if absent:
    sys.exit(f"pixelgrade: the course requires {', '.join(absent)}, which is not installed in {sys.prefix}: "
             "the build stops here.")
broken: dict[str, str] = {}
for need in dict.fromkeys(need for exercise in chosen for need in exercise.needs):
    try:
        importlib.import_module(need)  # imported, not only found: a broken install fails here, not in a grading
    except Exception as error:  # noqa: BLE001 - whatever stops the import stops the checks
        broken[need] = f"{type(error).__name__}: {error}".splitlines()[0]
for need, why in broken.items():
    needing = ", ".join(f"{e.number}. {e.name}" for e in chosen if need in e.needs)
    print(f"pixelgrade: {needing} need {need}, which does not import in {sys.prefix} ({why}). This image must not "
          "grade them: fix the install, or leave them out (make_autograder.py --exercises).", file=sys.stderr)
if broken:
    sys.exit(1)
print(f"pixelgrade: every package the {len(chosen)} exercises need imports")
PY

# 3. The digits, where learner code cannot read them: not in the environment (workers read it) nor the source.
(cd "$SOURCE" && "$VENV/bin/python" - "$SOURCE/course" "$DATA/mnist.npz" "$MNIST") <<'PY' || exit 1
import hashlib
import os
import shutil
import sys
import tempfile
import urllib.request
from pathlib import Path

from grader.core import catalog

catalog.activate(sys.argv[1]).importable()  # the course's own modules: its MNIST loader
from imagecourse import mnist  # noqa: E402

# Keras' own copy of MNIST and its checksum, as keras.datasets.mnist.load_data() fetches it
# (keras/src/datasets/mnist.py; https://keras.io/api/datasets/mnist/).
KERAS_MNIST = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
KERAS_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"

target, given = Path(sys.argv[2]), sys.argv[3]
target.parent.mkdir(parents=True, exist_ok=True)
target.parent.chmod(0o700)  # the grader's (root's) alone


def download(into: Path) -> None:
    with urllib.request.urlopen(KERAS_MNIST, timeout=120) as response, open(into, "wb") as file:
        shutil.copyfileobj(response, file)
    digest = hashlib.sha256(into.read_bytes()).hexdigest()
    if digest != KERAS_SHA256:
        raise mnist.MnistError(f"{KERAS_MNIST} has sha256 {digest}, not Keras' {KERAS_SHA256}")


try:
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".npz", delete=False) as temporary:
        staged = Path(temporary.name)
    try:
        if given:
            shutil.copyfile(given, staged)
        elif target.is_file():
            shutil.copyfile(target, staged)  # a build run again keeps the digits it has
        else:
            download(staged)
        digits = mnist.load_file(staged)  # raises MnistError naming what is wrong
        os.chmod(staged, 0o600)
        os.replace(staged, target)
    finally:
        staged.unlink(missing_ok=True)
except (OSError, mnist.MnistError) as error:
    where = f"PIXELGRADE_MNIST ({given})" if given else KERAS_MNIST
    sys.exit(f"pixelgrade: no MNIST digits from {where}: {error}. Without them, the exercises scored on held-out "
             "digits would be graded on scikit-learn's, which learner code can read: the build stops here.")
height, width = digits.image_shape
print(f"pixelgrade: digits ready in {target}: {len(digits.x_train)} training and {len(digits.x_test)} held-out "
      f"images of {height}×{width}")
PY

# 4. Before this image grades anyone: every attack of `pixelgrade dev sandbox` must be contained here.
if ! (cd "$SOURCE" && "$VENV/bin/pixelgrade" --course "$SOURCE/course" dev sandbox); then
  echo "pixelgrade: this image's sandbox did not contain every hostile submission (see the table above), so it" \
       "must not grade anyone's work. README: Safety says what each level needs." >&2
  exit 1
fi
