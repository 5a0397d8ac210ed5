#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image.
#
# The autograder zip (see make_autograder.py) holds this file, run_autograder, the course
# (pyproject.toml, grader/, solutions/) and, optionally, hidden_checks/. This installs
# Python 3.11 and the course's dependencies into a virtual environment; the grader itself
# runs from the source folder (it needs solutions/ beside grader/). Last, it runs the
# project's own hostile submissions against the image's sandbox (`pixelgrade dev sandbox`)
# and fails the build unless every one of them was contained (README: Safety).
#
# Every path can be overridden, so that a test can run this very script locally:
#   PIXELGRADE_SOURCE        the unpacked zip (default: /autograder/source)
#   PIXELGRADE_VENV          the environment to create, or reuse (default: /autograder/venv)
#   PIXELGRADE_PYTHON        the Python to create it with (default: python3.11, installed if missing)
#   PIXELGRADE_VENV_OPTIONS  more options for `python -m venv`
#   PIXELGRADE_PIP_OPTIONS   more options for `pip install`
set -euo pipefail

SOURCE="${PIXELGRADE_SOURCE:-/autograder/source}"
VENV="${PIXELGRADE_VENV:-/autograder/venv}"
PYTHON="${PIXELGRADE_PYTHON:-}"

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
# The course's dependencies, as pyproject.toml lists them (TensorFlow only if the ML exercises are graded).
"$VENV/bin/python" - "$SOURCE/pyproject.toml" > "$VENV/pixelgrade-requirements.txt" <<'PY'
import sys
import tomllib

with open(sys.argv[1], "rb") as file:
    project = tomllib.load(file)["project"]
print("\n".join(project["dependencies"]))
PY
"$VENV/bin/python" -m pip install --quiet "${pip_options[@]}" -r "$VENV/pixelgrade-requirements.txt"
"$VENV/bin/python" -c "import numpy, scipy, skimage, hypothesis, pytest, rich" && echo "pixelgrade: environment ready"

# Before this image grades anyone: every attack of `pixelgrade dev sandbox` must be contained here.
if ! (cd "$SOURCE" && "$VENV/bin/python" -m grader dev sandbox); then
  echo "pixelgrade: this image's sandbox did not contain every hostile submission (see the table above), so it" \
       "must not grade anyone's work. README: Safety says what each level needs." >&2
  exit 1
fi
