"""The gradebook folder: every output of a batch, each written by its format's module, then read back.

- ``gradebook.csv``: a row per submission, a column per exercise, the total (:mod:`~grader.writers.csv_gradebook`);
- ``summary.md``: a Markdown summary, fit for ``$GITHUB_STEP_SUMMARY`` (:mod:`~grader.writers.markdown`);
- ``junit.xml``: JUnit XML for CI test reports, a test suite per submission (:mod:`~grader.writers.junit_xml`);
- ``batch.json``: everything, for ``pixelgrade merge`` (:mod:`~grader.writers.json_results`);
- ``report.html``: the class report (:mod:`~grader.writers.class_report`);
- ``per-submission/<id>.json``: each row with its full report, for the instructor (:mod:`~grader.writers.json_results`);
- ``gradescope/<id>.json``: Gradescope's ``results.json`` for each submission (:mod:`~grader.writers.gradescope`);
- ``feedback/<id>.txt``: the learner's view of each report, no hidden check (:mod:`~grader.writers.learner_feedback`);
- ``canvas-import.csv``, ``moodle-import.csv``, ``gradescope-roster.csv``: the totals as Canvas's and Moodle's
  grade imports read them, and a GitHub Classroom batch's Gradescope roster, keyed by the LMS's own ids; each
  only when the batch has submissions from that LMS (:mod:`~grader.writers.lms_canvas`,
  :mod:`~grader.writers.lms_moodle`, :mod:`~grader.writers.lms_gradescope`).

Only submissions get the per-submission files (and a row, a JUnit suite): an entry that is
no submission (README.txt) is listed as skipped in ``summary.md`` and ``report.html`` and
kept in ``batch.json``. Each writer bounds what one submission adds and escapes what it
quotes for its format (:mod:`~grader.writers.escaping`); the learner-facing files hold no
path of the grading machine (:mod:`~grader.writers.grader_paths`).

:func:`audit` reads the written files back and reports any check of any submission
that a file lacks (the last step of reconciliation; see :func:`grader.instructor.batch.reconcile`).
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from grader.core.results import CheckStatus
from grader.writers import batch_report as batches
from grader.writers import (
    class_report,
    csv_gradebook,
    escaping,
    gradescope,
    json_results,
    junit_xml,
    learner_feedback,
    lms_canvas,
    lms_gradescope,
    lms_moodle,
    lms_rows,
    markdown,
)
from grader.writers.batch_report import BatchReport

PER_SUBMISSION = {"per-submission": ".json", "gradescope": ".json", "feedback": ".txt"}
# {what: the writer of an LMS's import file}; each written when the batch has submissions from that LMS.
LMS_IMPORTS = {"canvas import": lms_canvas, "moodle import": lms_moodle, "gradescope roster": lms_gradescope}


def write_all(batch: BatchReport, out: str | Path, *, hidden_visibility: str = "after_published") -> dict:
    """Write every output of ``batch`` under ``out``; {what: path}.

    Existing files are overwritten, and files in the per-submission folders that belong
    to no submission of ``batch`` are removed (so nothing stale or planted is left there), as
    is the import file of an LMS that ``batch`` has no submission from.
    ``ValueError`` for a row id that no batch makes (it names files).
    """
    out = Path(out)
    rows = batch.submission_rows
    unsafe = [row.id for row in batch.rows if row.id != batches.safe_id(row.id)]
    if unsafe:  # ids name files: one that discovery never makes ("../x") could name a file anywhere
        raise ValueError("row ids must be ids a batch makes (letters, digits, '.', '_', '-'); got "
                         + ", ".join(repr(escaping.name(i)) for i in unsafe[:5]))
    ids = {row.id for row in rows}
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
    written["gradebook"].write_text(csv_gradebook.for_batch(batch), encoding="utf-8")
    written["summary"].write_text(markdown.for_batch(batch), encoding="utf-8")
    written["junit"].write_text(junit_xml.for_batch(batch), encoding="utf-8")
    written["batch"].write_text(json_results.for_batch(batch), encoding="utf-8")
    written["class report"].write_text(class_report.class_report_html(batch), encoding="utf-8")
    written.update(_write_lms_imports(batch, out))
    for row in rows:  # README.txt and the like: no feedback, no Gradescope results, no file at all
        (out / "per-submission" / f"{row.id}.json").write_text(json_results.for_row(row), encoding="utf-8")
        (out / "gradescope" / f"{row.id}.json").write_text(
            json.dumps(gradescope.for_row(row, hidden_visibility=hidden_visibility), indent=2) + "\n",
            encoding="utf-8")
        (out / "feedback" / f"{row.id}.txt").write_text(learner_feedback.for_row(row), encoding="utf-8")
    return written


def _write_lms_imports(batch: BatchReport, out: Path) -> dict:
    """Each LMS's import file that ``batch`` has submissions for; an earlier batch's other ones are removed."""
    written = {}
    for what, writer in LMS_IMPORTS.items():
        path = out / writer.FILE_NAME
        if lms_rows.rows_from(batch, writer.LMS):
            path.write_text(writer.for_batch(batch), encoding=lms_rows.ENCODING)
            written[what] = path
        elif path.is_file():  # an earlier batch's, in the same folder: not this one's grades
            path.unlink()
    return written


def audit(batch: BatchReport, out: str | Path) -> list[str]:
    """Read the written outputs back: every check of every submission must be in every report.

    Returns the problems found (an empty list when every file is complete).
    """
    out = Path(out)
    problems: list[str] = []
    submissions = batch.submission_rows
    try:
        rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8"))))
        if [r["submission"] for r in rows] != [row.id for row in submissions]:
            problems.append("gradebook.csv: its rows are not one per submission")
        for written, row in zip(rows, submissions):
            if float(written["total_with_bonus"]) != row.total_with_bonus:
                problems.append(f"gradebook.csv: {row.id}: total_with_bonus {written['total_with_bonus']} differs "
                                f"from {row.total_with_bonus:g}")
    except (OSError, KeyError, ValueError, csv.Error) as error:
        problems.append(f"gradebook.csv cannot be read back: {escaping.note(error)}")
    try:
        suites = {s.get("name"): s for s in ET.parse(out / "junit.xml").getroot().iter("testsuite")}
    except (OSError, ET.ParseError) as error:
        problems.append(f"junit.xml cannot be read back: {error}")
        suites = None
    summary = (out / "summary.md").read_text(encoding="utf-8") if (out / "summary.md").exists() else ""
    for row in submissions:
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
        if f"| {markdown.cell(row.id)} |" not in summary:
            problems.append(f"summary.md: no row for {row.id}")
    return problems + _audit_lms_imports(batch, out)


def _audit_lms_imports(batch: BatchReport, out: Path) -> list[str]:
    """Each LMS import file read back: one line per student of that LMS, with the grade the batch gives them."""
    problems = []
    for writer in LMS_IMPORTS.values():
        rows = lms_rows.rows_from(batch, writer.LMS)
        if not rows:
            continue
        try:
            found = writer.grades_in((out / writer.FILE_NAME).read_text(encoding=lms_rows.ENCODING))
        except (OSError, KeyError, ValueError, IndexError, csv.Error) as error:
            problems.append(f"{writer.FILE_NAME} cannot be read back: {escaping.note(error)}")
            continue
        wanted = {row.lms_id: lms_rows.grade(row) for row in rows}
        if found != wanted:
            wrong = sorted(key for key in wanted.keys() | found.keys() if found.get(key) != wanted.get(key))
            problems.append(f"{writer.FILE_NAME}: {len(wrong)} student(s) missing or with another grade: "
                            + ", ".join(escaping.name(key) for key in wrong[:5]))
    return problems
