"""``pixelgrade summary``: a Markdown summary (and JUnit XML) of results already written.

For CI: ``pixelgrade --json results.json`` grades; ``pixelgrade summary results.json >>
"$GITHUB_STEP_SUMMARY"`` shows the outcome on the job's page. Also reads a batch's
``batch.json`` (or its output folder).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from grader.cli import arguments
from grader.core import visibility
from grader.core.results import GradeReport
from grader.exitcodes import ExitCode
from grader.instructor import batch
from grader.writers import junit_xml, learner_feedback, markdown, terminal


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pixelgrade summary",
        description="Print a Markdown summary of `pixelgrade --json` results (or of a batch's batch.json).",
    )
    parser.add_argument("results", metavar="RESULTS", help="a JSON file from `pixelgrade --json`, or a batch folder")
    arguments.add_course(parser)
    parser.add_argument("--learner-view", action="store_true",
                        help="leave hidden checks out; show 'public checks passed' instead of a grade")
    parser.add_argument("--junit", metavar="PATH", help="also write JUnit XML to PATH")
    parser.add_argument("--text", action="store_true",
                        help="print the terminal report of `pixelgrade --json` results instead of Markdown")
    return parser


def main(argv: list[str]) -> ExitCode:
    args = build_parser().parse_args(argv)
    path = Path(args.results)
    file = path / "batch.json" if path.is_dir() else path
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"pixelgrade summary: cannot read {str(file)!r}: {error}", file=sys.stderr)
        return ExitCode.USAGE
    try:
        text, junit = _summarise(data, learner_view=args.learner_view, as_text=args.text)
    except (KeyError, TypeError, ValueError) as error:
        print(f"pixelgrade summary: {str(file)!r} holds no pixelgrade results ({error}): expected the JSON of "
              "`pixelgrade --json`, a batch's batch.json (or its folder) or one of its per-submission/<id>.json",
              file=sys.stderr)
        return ExitCode.USAGE
    if args.junit:
        Path(args.junit).write_text(junit, encoding="utf-8")
    sys.stdout.write(text)
    return ExitCode.OK


def _summarise(data, *, learner_view: bool, as_text: bool) -> tuple[str, str]:
    """(the summary, its JUnit XML) of any of the three result files, honouring both flags.

    A learner view is built from :func:`grader.core.visibility.public_view` of each report, so
    no hidden check's name, message or input reaches it, whatever the file.
    """
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if data.get("format") == batch.FORMAT:
        report = batch.BatchReport.from_dict(data)
        if learner_view:
            return _per_row(report.submission_rows, as_text), _junit_of_rows(report, public=True)
        text = _batch_text(report) if as_text else markdown.for_batch(report)
        return text, junit_xml.for_batch(report)
    if "report" in data and "status" in data:  # per-submission/<id>.json: one row of a batch
        row = batch.SubmissionRow.from_dict(data)
        if learner_view:
            return _per_row([row], as_text), junit_xml.for_report(visibility.public_view(row.report), row.id)
        return _one(row.report, learner_view=False, as_text=as_text, notes=row.notes), \
            junit_xml.for_report(row.report, row.id)
    if "exercises" in data:
        report = GradeReport.from_dict(data)
        shown = visibility.public_view(report) if learner_view else report
        return _one(report, learner_view=learner_view, as_text=as_text), junit_xml.for_report(shown)
    raise ValueError("none of the keys of a pixelgrade result")


def _one(report, *, learner_view: bool, as_text: bool, notes=()) -> str:
    if as_text:
        text = learner_feedback.for_report(report) if learner_view else terminal.report_text(report)
    else:
        text = markdown.for_report(report, learner_view=learner_view)
    return "".join(f"Note: {note}\n" for note in notes) + text


def _per_row(rows, as_text: bool) -> str:
    """What each learner may see of their row: their public report and the notes meant for them."""
    parts = []
    for row in rows:
        heading = f"== {row.id} ==\n" if as_text else f"# {row.id}\n\n"
        feedback = "".join(f"- {note}\n" for note in row.feedback)
        parts.append(heading + feedback + _one(row.report, learner_view=True, as_text=as_text))
    return "\n".join(parts)


def _junit_of_rows(report: batch.BatchReport, *, public: bool) -> str:
    import copy

    shown = copy.copy(report)
    shown.rows = [copy.copy(row) for row in report.submission_rows]
    for row in shown.rows:
        row.report = visibility.public_view(row.report) if public else row.report
        row.notes = [] if public else row.notes  # notes may name checks an instructor holds back
    return junit_xml.for_batch(shown)


def _batch_text(report: batch.BatchReport) -> str:
    """The batch's table as plain text: a row per submission, its status, points per exercise, total."""
    header = ["submission", "status", *report.exercises, "points", "bonus", "total_with_bonus"]
    rows = [[row.id, row.status, *(f"{row.points.get(name, 0.0):g}" for name in report.exercises),
             f"{row.total:g}/{row.max_total:g}", f"{row.bonus:g}", f"{row.total_with_bonus:g}"]
            for row in report.submission_rows]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(line, widths)).rstrip()
             for line in [header, *rows]]
    return f"pixelgrade: {len(report.submission_rows)} submissions\n\n" + "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
