"""Markdown summaries, fit for ``$GITHUB_STEP_SUMMARY``: a batch's (``summary.md``) and one grading's.

The batch's is a table of every submission for the instructor (entries that are no
submission, such as README.txt, listed as skipped and not counted); one grading's
(``pixelgrade --json`` output) is a CI job summary, with a learner view that leaves hidden
checks out. Every text it quotes is one line of plain Markdown (:func:`cell`): a name or a
message cannot make a link, an image, code, a table column or HTML.
"""

from __future__ import annotations

import statistics

from grader.core import visibility
from grader.core.results import CheckStatus, ExerciseStatus, GradeReport
from grader.writers import escaping, grader_paths
from grader.writers.batch_report import BatchReport, RowStatus

_FAILED_STATUSES = {CheckStatus.FAILED, CheckStatus.ERROR, CheckStatus.NOT_STARTED, CheckStatus.OFF_LIMITS,
                    CheckStatus.MISSING}


def _g(value: float) -> str:
    return f"{value:g}"


NOTES_LIMIT = 2000  # a row's notes in the table: enough to say why, never a wall of text
MESSAGE_LIMIT = 300  # a check's message in a CI summary: its first line, cut


def cell(text, limit: int | None = NOTES_LIMIT) -> str:
    """``text`` as one cell of a Markdown table (or a list item): on one line, everything in it escaped."""
    return escaping.markdown(text, limit)


def for_batch(batch: BatchReport) -> str:
    """A Markdown summary of a batch: statuses, a table of every row, the flagged rows, warnings."""
    maxima = ", ".join(f"{name} ({_g(batch.max_points(name))})" for name in batch.exercises)
    shard = f" (shard {batch.shard[0]}/{batch.shard[1]})" if batch.shard[1] > 1 else ""
    rows = batch.submission_rows  # README.txt is no submission: not counted, not a zero of the mean
    lines = [f"## pixelgrade: {len(rows)} submission{'' if len(rows) == 1 else 's'}{shard}", "",
             f"Exercises (points): {maxima}; total {_g(batch.max_total)}."
             + (" Includes hidden checks." if batch.hidden else ""), ""]
    if batch.settings.get("isolation"):
        lines += [f"Isolation: {cell(batch.settings['isolation'])} "
                  f"({cell(batch.settings.get('isolation_level', '?'))}).", ""]
    if rows:
        # The one total (README: Totals) is the points plus the bonus; full marks are the points alone.
        totals = [row.total_with_bonus for row in rows]
        lines += [f"Mean total with bonus {_g(round(statistics.mean(totals), 2))}, median "
                  f"{_g(round(statistics.median(totals), 2))}, full marks: "
                  f"{sum(row.total == batch.max_total for row in rows)}.", ""]
    lines += ["| status | submissions |", "| --- | ---: |"]
    lines += [f"| {cell(status)} | {count} |"
              for status, count in sorted(batch.status_counts(submissions_only=True).items())]
    lines += ["", "| submission | status | " + " | ".join(map(cell, batch.exercises))
              + " | points | bonus | total with bonus | notes |",
              "| --- | --- | " + " | ".join("---:" for _ in batch.exercises) + " | ---: | ---: | ---: | --- |"]
    for row in rows:
        points = row.points
        cells = [_g(points.get(name, 0.0)) for name in batch.exercises]
        lines.append(f"| {cell(row.id)} | {cell(row.status)} | " + " | ".join(cells)
                     + f" | {_g(row.total)}/{_g(row.max_total)} | {_g(row.bonus)} | {_g(row.total_with_bonus)} "
                     f"| {cell('; '.join(row.notes))} |")
    flagged = [row for row in rows if row.status != RowStatus.GRADED]
    if flagged:
        lines += ["", f"### Flagged ({len(flagged)})", ""]
        lines += [f"- **{cell(row.id)}**: {cell(row.status)}" + (f" — {cell('; '.join(row.notes))}" if row.notes
                                                                   else "")
                  for row in flagged]
    warnings = [f"{row.id}: skipped ({'; '.join(row.notes) or 'not a submission'}); no feedback, not counted"
                for row in batch.skipped_rows] + list(batch.warnings)
    if warnings:
        lines += ["", "### Warnings", ""] + [f"- {cell(w)}" for w in warnings]
    return "\n".join(lines) + "\n"


def for_report(report: GradeReport, *, learner_view: bool = False) -> str:
    """A Markdown summary of one grading (``pixelgrade --json`` output), for a CI job summary."""
    hidden = learner_view and visibility.has_hidden(report)
    shown = visibility.public_view(report) if learner_view else report
    if hidden:
        passed, total = visibility.public_counts(shown)
        heading = f"## pixelgrade: public checks passed {passed}/{total}"
    else:
        heading = f"## pixelgrade: {shown.totals}"  # the terminal's words: "63/90 points + 1 bonus = 64"
    lines = [heading, ""]
    if hidden:
        lines += ["Your instructor also grades with checks that are not shown here; this is not a final grade.", ""]
        lines += ["| # | exercise | public checks passed | status |", "| ---: | --- | ---: | --- |"]
        for exercise in shown.exercises:
            passed, total = visibility.exercise_public_counts(exercise)
            lines.append(f"| {exercise.number} | {cell(exercise.name)} | {passed}/{total} | {cell(exercise.status)} |")
    else:
        lines += ["| # | exercise | points | status |", "| ---: | --- | ---: | --- |"]
        for exercise in shown.exercises:
            bonus = f" (+{_g(exercise.bonus_points)} bonus)" if exercise.bonus_points else ""
            lines.append(f"| {exercise.number} | {cell(exercise.name)} | {_g(exercise.points)}/"
                         f"{_g(exercise.max_points)}{bonus} | {cell(exercise.status)} |")
    failing = [(e, c) for e in shown.exercises for c in e.checks
               if c.status in _FAILED_STATUSES | {CheckStatus.GRADER_ERROR, CheckStatus.NOT_GRADED} and not c.bonus
               and e.status not in (ExerciseStatus.NOT_STARTED, ExerciseStatus.MISSING)]
    if failing:
        lines += ["", f"### To fix ({len(failing)})", ""]
        for exercise, check in failing[:50]:
            first = (check.message.strip().splitlines() or [check.status])[0]
            if check.status == CheckStatus.GRADER_ERROR and learner_view:
                first = "pixelgrade itself failed while running this check (not your fault)"
            elif learner_view:  # a CI summary is read away from the machine that graded
                first = grader_paths.hide(first, report.target)
            lines.append(f"- **{cell(exercise.name)}** — {cell(check.title)}: {cell(first, MESSAGE_LIMIT)}")
        if len(failing) > 50:
            lines.append(f"- ... and {len(failing) - 50} more")
    return "\n".join(lines) + "\n"
