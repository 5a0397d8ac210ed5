#!/usr/bin/env bash
# Check this machine's sandbox before it grades anyone (README: Safety): run the project's own
# hostile submissions against it with `pixelgrade dev sandbox` and stop unless every attack held.
# pixelgrade.yml and class.yml run it before grading; run it by hand in any container too.
#
# Usage: check-sandbox.sh [ATTACK...]  (default: every attack; naming some is for diagnosis)
# Run from the repository's root. Environment (optional):
#   PIXELGRADE  the grader command; default: build nox's grade environment and use its pixelgrade
#   PIXELGRADE_SANDBOX_REPORT  also write the verdicts as JSON there
#
# Exit status: pixelgrade dev sandbox's (0 every attack held, 1 some did not, 2 bad usage).
set -euo pipefail

if [ -z "${PIXELGRADE:-}" ]; then
  python3 -m nox -s grade --install-only
  PIXELGRADE=".nox/grade/bin/pixelgrade"
fi
read -r -a grader <<< "$PIXELGRADE"
report=()
if [ -n "${PIXELGRADE_SANDBOX_REPORT:-}" ]; then report=(--json "$PIXELGRADE_SANDBOX_REPORT"); fi

if ! "${grader[@]}" dev sandbox "$@" "${report[@]}"; then
  echo "pixelgrade: this machine's sandbox did not contain every hostile submission (see the table above);" \
       "no learner code will be graded here. README: Safety says what each level needs." >&2
  exit 1
fi
