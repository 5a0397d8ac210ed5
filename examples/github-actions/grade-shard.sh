#!/usr/bin/env bash
# One shard of a class: grade shard I of N of the submissions with `pixelgrade batch --shard`.
# The matrix jobs of class.yml run it; tests/test_sharded_class.py runs it locally.
#
# Usage: grade-shard.sh I N SUBMISSIONS OUT [more pixelgrade batch arguments...]
# Environment (optional):
#   PIXELGRADE  the grader command; default: build nox's grade environment and use its pixelgrade
#   PIXELGRADE_REQUIRE_ISOLATION  1: refuse to grade unless the full sandbox is available
#
# Exit status: pixelgrade batch's (0 done, 2 bad usage, 3 the batch is not trustworthy).
set -euo pipefail
shard="$1"; shards="$2"; submissions="$3"; out="$4"; shift 4

if [ -z "${PIXELGRADE:-}" ]; then
  python3 -m nox -s grade --install-only
  PIXELGRADE=".nox/grade/bin/pixelgrade"
fi
read -r -a grader <<< "$PIXELGRADE"
extra=()
if [ "${PIXELGRADE_REQUIRE_ISOLATION:-0}" != "0" ]; then extra+=(--require-isolation); fi

"${grader[@]}" batch "$submissions" --shard "$shard/$shards" --out "$out" "${extra[@]}" "$@"
