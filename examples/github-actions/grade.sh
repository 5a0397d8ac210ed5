#!/usr/bin/env bash
# The grading step of pixelgrade.yml: grade exercises/ with --json, then append a
# Markdown summary to $GITHUB_STEP_SUMMARY (and write JUnit XML for test reports).
#
# Run from the repository's root. Environment (all optional):
#   PIXELGRADE           the grader command; default: build nox's grade environment
#                        (as the README says) and use its pixelgrade
#   PIXELGRADE_TARGET    the folder to grade (default: exercises)
#   PIXELGRADE_ARGS      more arguments for the grader (exercise names, --examples N...)
#   PIXELGRADE_RESULTS   the JSON results file (default: pixelgrade-results.json)
#   PIXELGRADE_JUNIT     the JUnit XML file (default: pixelgrade-junit.xml)
#   PIXELGRADE_REQUIRE_ISOLATION  1: refuse to grade unless the full sandbox is available
#                        (README: Safety; the workflow sets it); default 0
#   GITHUB_STEP_SUMMARY  where the summary goes (GitHub Actions sets it; default: stdout)
#
# Exit status: the grader's (0 graded, 2 bad usage, 3 the grader itself failed), so a
# learner's push shows red only when grading could not be done.
set -uo pipefail

target="${PIXELGRADE_TARGET:-exercises}"
results="${PIXELGRADE_RESULTS:-pixelgrade-results.json}"
junit="${PIXELGRADE_JUNIT:-pixelgrade-junit.xml}"
summary="${GITHUB_STEP_SUMMARY:-/dev/stdout}"

if [ -z "${PIXELGRADE:-}" ]; then
  python3 -m nox -s grade --install-only || exit 3
  PIXELGRADE=".nox/grade/bin/pixelgrade"
fi
read -r -a grader <<< "$PIXELGRADE"
read -r -a extra <<< "${PIXELGRADE_ARGS:-}"
if [ "${PIXELGRADE_REQUIRE_ISOLATION:-0}" != "0" ]; then extra+=(--require-isolation); fi

rm -f "$results"
"${grader[@]}" "${extra[@]}" --target "$target" --json "$results"
status=$?

if [ -s "$results" ]; then
  "${grader[@]}" summary "$results" --junit "$junit" >> "$summary" || status=3
else
  printf '## pixelgrade\n\nGrading did not produce results (exit status %s); see the log of this step.\n' \
    "$status" >> "$summary"
  [ "$status" -eq 0 ] && status=3
fi
exit "$status"
