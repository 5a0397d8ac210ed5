"""Markdown summaries, fit for ``$GITHUB_STEP_SUMMARY``: a batch's (``summary.md``) and one grading's.

The batch's is a table of every row for the instructor; one grading's (``pixelgrade --json``
output) is a CI job summary, with a learner view that leaves hidden checks out.
"""

from __future__ import annotations

import statistics

from grader.core import visibility
from grader.core.results import CheckStatus, ExerciseStatus, GradeReport
from grader.instructor.batch import BatchReport, RowStatus

_FAILED_STATUSES = {CheckStatus.FAILED, CheckStatus.ERROR, CheckStatus.NOT_STARTED, CheckStatus.OFF_LIMITS,
                    CheckStatus.MISSING}


def _g(value: float) -> str:
    return f"{value:g}"


def cell(text) -> str:
    """``text`` as one cell of a Markdown table: its pipes escaped, on one line."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def for_batch(batch: BatchReport) -> str:
    """A Markdown summary of a batch: statuses, a table of every row, the flagged rows, warnings."""
    maxima = ", ".join(f"{name} ({_g(batch.max_points(name))})" for name in batch.exercises)
    shard = f" (shard {batch.shard[0]}/{batch.shard[1]})" if batch.shard[1] > 1 else ""
    lines = [f"## pixelgrade: {len(batch.rows)} submissions{shard}", "",
             f"Exercises (points): {maxima}; total {_g(batch.max_total)}."
             + (" Includes hidden checks." if batch.hidden else ""), ""]
    if batch.settings.get("isolation"):
        lines += [f"Isolation: {cell(batch.settings['isolation'])} ({batch.settings.get('isolation_level', '?')}).",
                  ""]
    totals = [row.total for row in batch.rows if row.status != RowStatus.NOT_A_SUBMISSION]  # README.txt is no zero
    if totals:
        lines += [f"Mean total {_g(round(statistics.mean(totals), 2))}, median "
                  f"{_g(round(statistics.median(totals), 2))}, full marks: "
                  f"{sum(t == batch.max_total for t in totals)}.", ""]
    lines += ["| status | submissions |", "| --- | ---: |"]
    lines += [f"| {cell(status)} | {count} |" for status, count in sorted(batch.status_counts().items())]
    lines += ["", "| submission | status | " + " | ".join(map(cell, batch.exercises))
              + " | points | bonus | total with bonus | notes |",
              "| --- | --- | " + " | ".join("---:" for _ in batch.exercises) + " | ---: | ---: | ---: | --- |"]
    for row in batch.rows:
        points = row.points
        cells = [_g(points.get(name, 0.0)) for name in batch.exercises]
        lines.append(f"| {cell(row.id)} | {cell(row.status)} | " + " | ".join(cells)
                     + f" | {_g(row.total)}/{_g(row.max_total)} | {_g(row.bonus)} | {_g(row.total_with_bonus)} "
                     f"| {cell('; '.join(row.notes))} |")
    flagged = [row for row in batch.rows if row.status != RowStatus.GRADED]
    if flagged:
        lines += ["", f"### Flagged ({len(flagged)})", ""]
        lines += [f"- **{cell(row.id)}**: {row.status}" + (f" — {cell('; '.join(row.notes))}" if row.notes else "")
                  for row in flagged]
    if batch.warnings:
        lines += ["", "### Warnings", ""] + [f"- {cell(w)}" for w in batch.warnings]
    return "\n".join(lines) + "\n"


def for_report(report: GradeReport, *, learner_view: bool = False) -> str:
    """A Markdown summary of one grading (``pixelgrade --json`` output), for a CI job summary."""
    hidden = learner_view and visibility.has_hidden(report)
    shown = visibility.public_view(report) if learner_view else report
    if hidden:
        passed, total = visibility.public_counts(shown)
        heading = f"## pixelgrade: public checks passed {passed}/{total}"
    else:
        heading = f"## pixelgrade: {_g(shown.points)}/{_g(shown.max_points)} points"
    lines = [heading, ""]
    if hidden:
        lines += ["Your instructor also grades with checks that are not shown here; this is not a final grade.", ""]
        lines += ["| # | exercise | public checks passed | status |", "| ---: | --- | ---: | --- |"]
        for exercise in shown.exercises:
            passed, total = visibility.exercise_public_counts(exercise)
            lines.append(f"| {exercise.number} | {exercise.name} | {passed}/{total} | {exercise.status} |")
    else:
        lines += ["| # | exercise | points | status |", "| ---: | --- | ---: | --- |"]
        for exercise in shown.exercises:
            bonus = f" (+{_g(exercise.bonus_points)} bonus)" if exercise.bonus_points else ""
            lines.append(f"| {exercise.number} | {exercise.name} | {_g(exercise.points)}/{_g(exercise.max_points)}"
                         f"{bonus} | {exercise.status} |")
    failing = [(e, c) for e in shown.exercises for c in e.checks
               if c.status in _FAILED_STATUSES | {CheckStatus.GRADER_ERROR, CheckStatus.NOT_GRADED} and not c.bonus
               and e.status not in (ExerciseStatus.NOT_STARTED, ExerciseStatus.MISSING)]
    if failing:
        lines += ["", f"### To fix ({len(failing)})", ""]
        for exercise, check in failing[:50]:
            first = (check.message.strip().splitlines() or [check.status])[0]
            lines.append(f"- **{cell(exercise.name)}** — {cell(check.title)}: {cell(first[:300])}")
        if len(failing) > 50:
            lines.append(f"- ... and {len(failing) - 50} more")
    return "\n".join(lines) + "\n"
