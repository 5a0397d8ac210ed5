"""The gradebook folder (grader/writers/gradebook.py): every output written, read back by the audit, and
every output of a batch agreeing (no hidden check for the learner, one rule for the total)."""

import csv
import io
import json
import xml.etree.ElementTree as ET

import batch_samples
import pytest
from batch_samples import EXPECTED, make_report

from grader.core import results
from grader.core.results import CheckResult
from grader.instructor import batch
from grader.instructor.batch import SubmissionRow
from grader.writers import csv_gradebook, gradebook, gradescope, json_results, junit_xml, learner_feedback, markdown


@pytest.fixture
def small_batch():
    return batch_samples.small_batch()


def test_reconciliation_counts_a_missing_check_as_failed_and_flags_it(small_batch, tmp_path):
    report = make_report(drop={"arrays::test_one_hot"})
    missing = batch.reconcile(report, EXPECTED, ["arrays", "histogram"])
    assert missing == ["arrays::test_one_hot"]
    check = [c for c in report.exercise("arrays").checks if c.id == "arrays::test_one_hot"][0]
    assert (check.status, check.points, check.max_points) == (results.CheckStatus.NOT_GRADED, 0.0, 1.0)
    assert report.points == 7 and report.max_points == 8
    row = SubmissionRow("dave", "/submissions/dave", batch.row_status(batch.RowStatus.GRADED, report, missing), report,
                        [f"1 check(s) missing from the results, counted as failed: {missing[0]}"], missing)
    assert row.status == batch.RowStatus.INCOMPLETE
    small_batch.rows.append(row)
    small_batch.batch_ids.append("dave")
    gradebook.write_all(small_batch, tmp_path)
    assert gradebook.audit(small_batch, tmp_path) == []
    assert "dave,,,,incomplete,2,5,7,0,7,8" in (tmp_path / "gradebook.csv").read_text()  # no LMS: no id, no name
    suite = [s for s in ET.parse(tmp_path / "junit.xml").getroot().iter("testsuite") if s.get("name") == "dave"][0]
    assert suite.find("testcase[@name='test_one_hot']/failure").get("type") == results.CheckStatus.NOT_GRADED
    scored = json.loads((tmp_path / "gradescope" / "dave.json").read_text())
    assert [t["score"] for t in scored["tests"] if t["extra_data"]["id"] == "arrays::test_one_hot"] == [0.0]
    assert "counted as failed" in (tmp_path / "summary.md").read_text()


def test_audit_notices_a_report_that_lost_a_check(small_batch, tmp_path):
    gradebook.write_all(small_batch, tmp_path)
    junit = (tmp_path / "junit.xml").read_text()
    start = junit.index('<testcase classname="bob.arrays" name="test_one_hot"')
    end = junit.index("</testcase>", start) + len("</testcase>") if "</testcase>" in junit[start:start + 300] else (
        junit.index("/>", start) + 2)
    (tmp_path / "junit.xml").write_text(junit[:start] + junit[end:])
    assert gradebook.audit(small_batch, tmp_path) == ["junit.xml: bob: 1 check(s) missing"]


def test_write_all_removes_planted_files(small_batch, tmp_path):
    (tmp_path / "per-submission").mkdir(parents=True)
    (tmp_path / "per-submission" / "mallory.json").write_text("{}")
    (tmp_path / "gradebook.csv").write_text("forged\n")
    gradebook.write_all(small_batch, tmp_path)
    assert sorted(p.name for p in (tmp_path / "per-submission").iterdir()) == ["alice.json", "bob.json", "carol.json"]
    assert "forged" not in (tmp_path / "gradebook.csv").read_text()


def test_learner_facing_output_never_shows_hidden_checks(small_batch):
    row = small_batch.row("bob")
    data = gradescope.for_row(row)
    visible = json.dumps([t for t in data["tests"] if t["visibility"] == "visible"]) + data["output"]
    for text in (visible, learner_feedback.for_report(row.report),
                 markdown.for_report(row.report, learner_view=True)):
        assert "checkerboard" not in text and "4242" not in text
        assert "input 17" in text or "input 17" in json.dumps(text)  # the public failure is shown
        assert "ublic checks passed" in text
        assert "/8" not in text and " points" not in text  # no grade while there are hidden checks
    # The instructor sees it all.
    assert "checkerboard" in junit_xml.for_batch(small_batch)
    assert "checkerboard" in json_results.for_row(row)
    assert "4 points" not in learner_feedback.for_report(row.report)


def test_one_rule_for_the_total_in_every_output(small_batch):
    """gradebook.csv's total_with_bonus, Gradescope's score and the text it shows agree (README: Totals)."""
    from grader.core import visibility

    row = small_batch.row("alice")
    row.report = visibility.public_view(row.report)  # no hidden checks: the learner's text shows the total
    row.report.exercises[0].checks.append(CheckResult(
        id="arrays::test_speed", exercise="arrays", function="normalise", title="fast", max_points=1, points=1,
        status=results.PASSED, bonus=True))
    rows = csv.DictReader(io.StringIO(csv_gradebook.for_batch(small_batch)))
    csv_row = next(r for r in rows if r["submission"] == "alice")
    scored = gradescope.for_row(row)
    points, most = row.total, row.max_total
    assert float(csv_row["total_with_bonus"]) == scored["score"] == points + 1
    assert float(csv_row["points"]) == points and csv_row["bonus"] == "1"
    assert f"Total: {points:g}/{most:g} points + 1 bonus = {points + 1:g}" in scored["output"]
    assert f"| {points:g}/{most:g} | 1 | {points + 1:g} |" in markdown.for_batch(small_batch)
