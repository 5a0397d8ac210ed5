#!/usr/bin/env bash
# The last job of class.yml: join the shards' outputs into one gradebook, summary and class report.
#
# Usage: merge-shards.sh OUT SHARD_DIR...
# Environment (optional): PIXELGRADE, as in grade-shard.sh; GITHUB_STEP_SUMMARY (the job's page).
set -euo pipefail
out="$1"; shift

if [ -z "${PIXELGRADE:-}" ]; then
  python3 -m nox -s grade --install-only
  PIXELGRADE=".nox/grade/bin/pixelgrade"
fi
read -r -a grader <<< "$PIXELGRADE"

"${grader[@]}" merge "$@" --out "$out"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$out/summary.md" >> "$GITHUB_STEP_SUMMARY"; fi
