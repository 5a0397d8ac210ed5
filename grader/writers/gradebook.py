"""Batch report writers: they only serialise a :class:`~grader.instructor.batch.BatchReport`.

- ``gradebook.csv``: a row per submission, a column per exercise, the total;
- ``summary.md``: a Markdown summary (fit for ``$GITHUB_STEP_SUMMARY``);
- ``junit.xml``: JUnit XML for CI test reports (a test suite per submission);
- ``batch.json``: everything, for ``pixelgrade merge``;
- ``per-submission/<id>.json``: each row with its full report (the instructor's view);
- ``gradescope/<id>.json``: Gradescope's ``results.json`` for each submission;
- ``feedback/<id>.txt``: the learner's view of each report (no hidden check in it).

:func:`audit` reads the written files back and reports any check of any submission
that a file lacks (the last step of reconciliation; see :func:`grader.instructor.batch.reconcile`).
"""

from __future__ import annotations

import csv
import io
import json
import re
import statistics
import xml.etree.ElementTree as ET
from pathlib import Path

from rich.console import Console

from grader.core import visibility
from grader.core.results import CheckResult, CheckStatus, ExerciseStatus, GradeReport
from grader.instructor.batch import BatchReport, RowStatus, SubmissionRow
from grader.writers import class_report, reports

HIDDEN_VISIBILITIES = ("after_published", "hidden", "after_due_date")
_FAILED_STATUSES = {CheckStatus.FAILED, CheckStatus.ERROR, CheckStatus.NOT_STARTED, CheckStatus.OFF_LIMITS,
                    CheckStatus.MISSING}


def _g(value: float) -> str:
    return f"{value:g}"


# -- CSV -----------------------------------------------------------------------------------
def csv_text(batch: BatchReport) -> str:
    """The gradebook: submission, status, one column per exercise (points), their sum, the bonus, the total
    with the bonus, the maximum (without bonus), notes, and the isolation that graded that submission."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["submission", "status", *batch.exercises, "points", "bonus", "total_with_bonus",
                     "max_points", "notes", "isolation"])
    for row in batch.rows:
        points = row.points
        writer.writerow([row.id, row.status, *(_g(points.get(name, 0.0)) for name in batch.exercises),
                         _g(row.total), _g(row.bonus), _g(row.total_with_bonus), _g(batch.max_total),
                         "; ".join(row.notes), _isolation_of(row, batch)])
    return out.getvalue()


def _isolation_of(row: SubmissionRow, batch: BatchReport | None = None) -> str:
    report = row.report
    described = report.settings.get("isolation") if report is not None else None
    return described or (batch.settings.get("isolation", "") if batch is not None else "")


# -- JUnit XML ------------------------------------------------------------------------------
def _short_id(check: CheckResult) -> str:
    return check.id.split("::", 1)[1] if "::" in check.id else check.id


# Characters XML 1.0 cannot hold (a learner's message may carry a bell or an escape code).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def _testcase(parent: ET.Element, classname: str, check: CheckResult) -> str:
    case = ET.SubElement(parent, "testcase", classname=classname, name=_xml_text(_short_id(check)),
                         time=f"{check.seconds:.3f}")
    detail = _xml_text("\n".join(part for part in (check.title, check.message, check.snippet) if part))
    first = _xml_text((check.message.strip().splitlines() or [check.status])[0][:300])
    if check.status == CheckStatus.PASSED:
        return "passed"
    if check.status == CheckStatus.SKIPPED:
        ET.SubElement(case, "skipped", message=first).text = detail
        return "skipped"
    if check.status == CheckStatus.GRADER_ERROR:
        ET.SubElement(case, "error", message=first, type=check.status).text = detail
        return "error"
    if check.bonus:  # a bonus not earned is no failure
        ET.SubElement(case, "skipped", message="bonus not earned: " + first).text = detail
        return "skipped"
    ET.SubElement(case, "failure", message=first, type=check.status).text = detail
    return "failure"


def _suite(parent: ET.Element, name: str, report: GradeReport, properties: dict) -> dict:
    suite = ET.SubElement(parent, "testsuite", name=name)
    props = ET.SubElement(suite, "properties")
    for key, value in properties.items():
        ET.SubElement(props, "property", name=key, value=_xml_text(str(value)))
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    seconds = 0.0
    for exercise in report.exercises:
        for check in exercise.checks:
            outcome = _testcase(suite, f"{name}.{exercise.name}", check)
            counts["tests"] += 1
            if outcome != "passed":
                counts[{"failure": "failures", "error": "errors", "skipped": "skipped"}[outcome]] += 1
            seconds += check.seconds
    suite.set("tests", str(counts["tests"]))
    for key in ("failures", "errors", "skipped"):
        suite.set(key, str(counts[key]))
    suite.set("time", f"{seconds:.3f}")
    return counts


def _xml(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def junit_text(batch: BatchReport) -> str:
    """JUnit XML: a ``<testsuite>`` per submission, a ``<testcase>`` per check (hidden ones too)."""
    root = ET.Element("testsuites", name="pixelgrade")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for row in batch.rows:
        counts = _suite(root, row.id, row.report, {"status": row.status, "points": _g(row.total),
                                                   "bonus": _g(row.bonus), "total_with_bonus": _g(row.total_with_bonus),
                                                   "max_points": _g(row.max_total), "notes": "; ".join(row.notes)})
        for key in totals:
            totals[key] += counts[key]
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{batch.seconds:.3f}")
    return _xml(root)


def junit_for_report(report: GradeReport, name: str = "pixelgrade") -> str:
    """JUnit XML for one grading (``pixelgrade --json`` output), for a learner's CI run."""
    root = ET.Element("testsuites", name="pixelgrade")
    counts = _suite(root, name, report, {"points": _g(report.points), "max_points": _g(report.max_points)})
    for key, value in counts.items():
        root.set(key, str(value))
    root.set("time", f"{report.seconds:.3f}")
    return _xml(root)


# -- the learner's view and Gradescope ----------------------------------------------------------
def learner_text(report: GradeReport, *, width: int = 100) -> str:
    """The learner's view of ``report`` as plain text (no hidden check, no grade while there are hidden checks)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False, legacy_windows=False,
                      soft_wrap=True)
    reports.print_report(report, console, learner_view=True)
    return buffer.getvalue()


def submission_notes(row: SubmissionRow) -> str:
    """What staging found that the learner should know (a notebook's left-out lines, a module to rename)."""
    if not row.feedback:
        return ""
    return "About your submission:\n" + "".join(f"  - {note}\n" for note in row.feedback) + "\n"


_LEARNER_REASONS = {
    RowStatus.TIMED_OUT: "Grading your submission did not finish within its time limit, so it could not be "
                         "graded. Is there a loop that never ends?",
    RowStatus.GRADER_CRASHED: "The process grading your submission stopped before it could finish. Does your code "
                              "end the process it runs in, or kill other processes?",
    RowStatus.GRADER_ERROR: "pixelgrade itself failed in some checks (not your fault); your instructor has been told.",
}


def gradescope_results(row: SubmissionRow, *, hidden_visibility: str = "after_published") -> dict:
    """Gradescope's ``results.json`` for one row: every check a test; hidden ones not visible to learners.

    Visible tests and the ``output`` text come from the learner's view only; while there
    are hidden checks that text says "public checks passed: N/M" rather than a grade.
    """
    if hidden_visibility not in HIDDEN_VISIBILITIES:
        raise ValueError(f"hidden_visibility must be one of {', '.join(HIDDEN_VISIBILITIES)}")
    report = row.report
    hidden = visibility.has_hidden(report)
    tests = []
    for exercise in report.exercises:
        for check in exercise.checks:
            if check.status == CheckStatus.SKIPPED:
                continue  # counts for nothing (an optional dependency is missing)
            output = "\n".join(part for part in (check.message, check.snippet and "To reproduce:\n" + check.snippet)
                               if part)
            tests.append({
                "name": f"{exercise.name}: {check.title}",
                "score": check.points,
                "max_score": 0.0 if check.bonus else check.max_points,
                "status": "passed" if check.status == CheckStatus.PASSED else "failed",  # Gradescope's words
                "output": output,
                "tags": list(dict.fromkeys(tag for tag in (exercise.name, check.function) if tag)),  # no repeats
                "visibility": hidden_visibility if check.hidden else "visible",
                "extra_data": {"id": check.id, "pixelgrade_status": check.status},
            })
    if hidden:
        tests = [t for t in tests if t["visibility"] == "visible"] + [t for t in tests if t["visibility"] != "visible"]
    output = submission_notes(row) + learner_text(report)
    if row.status in _LEARNER_REASONS:
        output = _LEARNER_REASONS[row.status] + "\n" + output
    elif row.status in (RowStatus.UNREADABLE_ZIP, RowStatus.UNREADABLE):
        output = f"Your submission could not be read: {row.notes[0].split(': ', 1)[-1] if row.notes else ''}\n"
    data = {
        "score": row.total_with_bonus,  # the same total as gradebook.csv's total_with_bonus
        "execution_time": int(round(row.seconds)),
        "output": output,
        "output_format": "text",
        "test_output_format": "text",
        "stdout_visibility": "hidden",
        "tests": tests,
        # For the instructor (Gradescope shows extra_data to staff only): what protected this run.
        "extra_data": {"isolation": _isolation_of(row),
                       "isolation_level": (row.report.settings.get("isolation_level", "") if row.report else "")},
    }
    if hidden:
        data["visibility"] = hidden_visibility  # tests say "visible" where they are; the rest waits
    return data


# -- Markdown ------------------------------------------------------------------------------------
def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_summary(batch: BatchReport) -> str:
    """A Markdown summary of a batch: statuses, a table of every row, the flagged rows, warnings."""
    maxima = ", ".join(f"{name} ({_g(batch.max_points(name))})" for name in batch.exercises)
    shard = f" (shard {batch.shard[0]}/{batch.shard[1]})" if batch.shard[1] > 1 else ""
    lines = [f"## pixelgrade: {len(batch.rows)} submissions{shard}", "",
             f"Exercises (points): {maxima}; total {_g(batch.max_total)}."
             + (" Includes hidden checks." if batch.hidden else ""), ""]
    if batch.settings.get("isolation"):
        lines += [f"Isolation: {_cell(batch.settings['isolation'])} ({batch.settings.get('isolation_level', '?')}).",
                  ""]
    totals = [row.total for row in batch.rows if row.status != RowStatus.NOT_A_SUBMISSION]  # README.txt is no zero
    if totals:
        lines += [f"Mean total {_g(round(statistics.mean(totals), 2))}, median "
                  f"{_g(round(statistics.median(totals), 2))}, full marks: "
                  f"{sum(t == batch.max_total for t in totals)}.", ""]
    lines += ["| status | submissions |", "| --- | ---: |"]
    lines += [f"| {_cell(status)} | {count} |" for status, count in sorted(batch.status_counts().items())]
    lines += ["", "| submission | status | " + " | ".join(map(_cell, batch.exercises))
              + " | points | bonus | total with bonus | notes |",
              "| --- | --- | " + " | ".join("---:" for _ in batch.exercises) + " | ---: | ---: | ---: | --- |"]
    for row in batch.rows:
        points = row.points
        cells = [_g(points.get(name, 0.0)) for name in batch.exercises]
        lines.append(f"| {_cell(row.id)} | {_cell(row.status)} | " + " | ".join(cells)
                     + f" | {_g(row.total)}/{_g(row.max_total)} | {_g(row.bonus)} | {_g(row.total_with_bonus)} "
                     f"| {_cell('; '.join(row.notes))} |")
    flagged = [row for row in batch.rows if row.status != RowStatus.GRADED]
    if flagged:
        lines += ["", f"### Flagged ({len(flagged)})", ""]
        lines += [f"- **{_cell(row.id)}**: {row.status}" + (f" — {_cell('; '.join(row.notes))}" if row.notes else "")
                  for row in flagged]
    if batch.warnings:
        lines += ["", "### Warnings", ""] + [f"- {_cell(w)}" for w in batch.warnings]
    return "\n".join(lines) + "\n"


def markdown_for_report(report: GradeReport, *, learner_view: bool = False) -> str:
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
            lines.append(f"- **{_cell(exercise.name)}** — {_cell(check.title)}: {_cell(first[:300])}")
        if len(failing) > 50:
            lines.append(f"- ... and {len(failing) - 50} more")
    return "\n".join(lines) + "\n"


# -- everything at once ---------------------------------------------------------------------------
def submission_json(row: SubmissionRow) -> str:
    return json.dumps(row.to_dict(), indent=2) + "\n"


PER_SUBMISSION = {"per-submission": ".json", "gradescope": ".json", "feedback": ".txt"}


def write_all(batch: BatchReport, out: str | Path, *, hidden_visibility: str = "after_published") -> dict:
    """Write every output of ``batch`` under ``out``; {what: path}.

    Existing files are overwritten, and files in the per-submission folders that belong
    to no submission of ``batch`` are removed (so nothing stale or planted is left there).
    """
    out = Path(out)
    ids = {row.id for row in batch.rows}
    for folder, suffix in PER_SUBMISSION.items():
        (out / folder).mkdir(parents=True, exist_ok=True)
        for stale in (out / folder).glob(f"*{suffix}"):  # an earlier batch's, or planted: not this batch's
            if stale.is_file() and stale.name.removesuffix(suffix) not in ids:
                stale.unlink()
    written = {
        "gradebook": out / "gradebook.csv",
        "summary": out / "summary.md",
        "junit": out / "junit.xml",
        "batch": out / "batch.json",
        "class report": out / "report.html",
    }
    written["gradebook"].write_text(csv_text(batch), encoding="utf-8")
    written["summary"].write_text(markdown_summary(batch), encoding="utf-8")
    written["junit"].write_text(junit_text(batch), encoding="utf-8")
    written["batch"].write_text(json.dumps(batch.to_dict(), indent=1) + "\n", encoding="utf-8")
    written["class report"].write_text(class_report.class_report_html(batch), encoding="utf-8")
    for row in batch.rows:
        (out / "per-submission" / f"{row.id}.json").write_text(submission_json(row), encoding="utf-8")
        (out / "gradescope" / f"{row.id}.json").write_text(
            json.dumps(gradescope_results(row, hidden_visibility=hidden_visibility), indent=2) + "\n",
            encoding="utf-8")
        (out / "feedback" / f"{row.id}.txt").write_text(submission_notes(row) + learner_text(row.report),
                                                         encoding="utf-8")
    return written


def audit(batch: BatchReport, out: str | Path) -> list[str]:
    """Read the written outputs back: every check of every submission must be in every report.

    Returns the problems found (an empty list when every file is complete).
    """
    out = Path(out)
    problems: list[str] = []
    try:
        rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8"))))
        if [r["submission"] for r in rows] != [row.id for row in batch.rows]:
            problems.append("gradebook.csv: its rows are not one per submission")
        for written, row in zip(rows, batch.rows):
            if float(written["total_with_bonus"]) != row.total_with_bonus:
                problems.append(f"gradebook.csv: {row.id}: total_with_bonus {written['total_with_bonus']} differs "
                                f"from {row.total_with_bonus:g}")
    except (OSError, KeyError, ValueError) as error:
        problems.append(f"gradebook.csv cannot be read back: {error}")
    try:
        suites = {s.get("name"): s for s in ET.parse(out / "junit.xml").getroot().iter("testsuite")}
    except (OSError, ET.ParseError) as error:
        problems.append(f"junit.xml cannot be read back: {error}")
        suites = None
    summary = (out / "summary.md").read_text(encoding="utf-8") if (out / "summary.md").exists() else ""
    for row in batch.rows:
        wanted = {c.id for e in row.report.exercises for c in e.checks}
        expected = {m.spec.id for name in batch.exercises for m in batch.expected.get(name, [])}
        if not expected <= wanted:
            problems.append(f"{row.id}: the report lacks {len(expected - wanted)} expected check(s)")
        if suites is not None:
            suite = suites.get(row.id)
            names = {f"{case.get('classname').rsplit('.', 1)[-1]}::{case.get('name')}"
                     for case in suite.iter("testcase")} if suite is not None else set()
            if names != wanted:
                problems.append(f"junit.xml: {row.id}: {len(wanted - names)} check(s) missing")
        try:
            data = json.loads((out / "per-submission" / f"{row.id}.json").read_text(encoding="utf-8"))
            ids = {c["id"] for e in data["report"]["exercises"] for c in e["checks"]}
            if ids != wanted:
                problems.append(f"per-submission/{row.id}.json: {len(wanted - ids)} check(s) missing")
        except (OSError, KeyError, ValueError) as error:
            problems.append(f"per-submission/{row.id}.json cannot be read back: {error}")
        try:
            data = json.loads((out / "gradescope" / f"{row.id}.json").read_text(encoding="utf-8"))
            ids = {t["extra_data"]["id"] for t in data["tests"]}
            counted = {c.id for e in row.report.exercises for c in e.checks if c.status != CheckStatus.SKIPPED}
            if ids != counted:
                problems.append(f"gradescope/{row.id}.json: {len(counted - ids)} check(s) missing")
        except (OSError, KeyError, ValueError) as error:
            problems.append(f"gradescope/{row.id}.json cannot be read back: {error}")
        if f"| {_cell(row.id)} |" not in summary:
            problems.append(f"summary.md: no row for {row.id}")
    return problems
