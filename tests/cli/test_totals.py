"""One total everywhere (README: Totals; issue 23, item 6): points out of the maximum, the bonus on top.

The terminal says "Total: 2/4 points + 1 bonus = 3"; `pixelgrade list`, the Markdown job summary
(`pixelgrade summary`, GitHub Actions), a learner's JUnit XML and the batch summary's mean say the same.
No grading here: the reports are made by hand, one with a bonus earned.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET

from rich.console import Console

from grader.cli import main as cli
from grader.core import results
from grader.core.results import CheckResult, ExerciseResult, GradeReport, Totals
from grader.instructor import batch as batches
from grader.learning import listing
from grader.learning.state import State
from grader.writers import gradebook, terminal


def _check(name: str, points: float, earned: bool, *, bonus: bool = False) -> CheckResult:
    return CheckResult(id=f"histogram::test_{name}", exercise="histogram", function="histogram", title=name,
                       max_points=points, points=points if earned else 0.0,
                       status=results.PASSED if earned else results.FAILED, bonus=bonus)


def _report(target: str = "exercises", *, bonus_earned: bool = True) -> GradeReport:
    exercise = ExerciseResult("histogram", "Histograms", 3, [
        _check("counts", 2, True), _check("dtype", 2, False), _check("speed", 1, bonus_earned, bonus=True)])
    return GradeReport(target=target, exercises=[exercise], seconds=0.5)


def _terminal_total(report: GradeReport) -> str:
    match = re.search(r"Total: (.*?) in [\d.]+ s", terminal.report_text(report))
    assert match, terminal.report_text(report)
    return match.group(1)


# -- the rule itself (grader/core/results.py) --------------------------------------------------------------
def test_a_report_carries_the_one_total():
    report = _report()
    assert (report.points, report.max_points, report.bonus_points, report.total_with_bonus) == (2, 4, 1, 3)
    assert str(report.totals) == "2/4 points + 1 bonus = 3" == str(Totals(2, 4, 1))
    assert str(_report(bonus_earned=False).totals) == "2/4 points"  # no bonus: nothing to add
    assert report.exercise("histogram").total_with_bonus == 3
    written = report.to_dict()
    assert (written["bonus_points"], written["total_with_bonus"]) == (1, 3)
    assert written["exercises"][0]["total_with_bonus"] == 3
    assert GradeReport.from_dict(json.loads(json.dumps(written))) == report  # computed again, not read
    assert _terminal_total(report) == "2/4 points + 1 bonus = 3"


# -- pixelgrade list ------------------------------------------------------------------------------------------
def test_list_shows_the_bonus_and_the_same_total_as_the_grade(tmp_path):
    target = tmp_path / "work"
    target.mkdir()
    report = _report(str(target))
    state = State(tmp_path / "state")
    state.record(report, {"histogram": "digest"})
    state.save()
    buffer = io.StringIO()
    assert listing.run(target=target, saved=True, state_dir=tmp_path / "state",
                       console=Console(file=buffer, width=200, color_system=None)) == 0
    out = buffer.getvalue()
    assert re.search(r"histogram\s+partial\s+2/4\s+\+1 bonus", out), out
    assert f"Total: {_terminal_total(report)}" in out  # "Total: 2/4 points + 1 bonus = 3", as the grade said


def test_list_reads_a_result_saved_before_bonuses_were(tmp_path):
    target = tmp_path / "work"
    target.mkdir()
    state = State(tmp_path / "state")
    state.data["results"][str(target.resolve())] = {"histogram": {"status": "complete", "points": 4,
                                                                  "max_points": 4}}
    state.save()
    buffer = io.StringIO()
    assert listing.run(target=target, saved=True, state_dir=tmp_path / "state",
                       console=Console(file=buffer, width=200, color_system=None)) == 0
    assert "Total: 4/4 points" in buffer.getvalue() and "bonus" not in buffer.getvalue()


# -- the writers: the job summary, a learner's JUnit XML, the batch summary --------------------------------------
def test_the_job_summary_says_the_terminals_total(tmp_path, capsys):
    report = _report()
    (tmp_path / "results.json").write_text(json.dumps(report.to_dict()))
    assert cli.main(["summary", str(tmp_path / "results.json")]) == 0
    heading = capsys.readouterr().out.splitlines()[0]
    assert heading == f"## pixelgrade: {_terminal_total(report)}"  # "## pixelgrade: 2/4 points + 1 bonus = 3"


def test_a_learners_junit_xml_has_the_total_with_bonus(tmp_path, capsys):
    (tmp_path / "results.json").write_text(json.dumps(_report().to_dict()))
    assert cli.main(["summary", str(tmp_path / "results.json"), "--junit", str(tmp_path / "junit.xml")]) == 0
    capsys.readouterr()
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    properties = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert {key: properties.get(key) for key in ("points", "bonus", "total_with_bonus", "max_points")} == \
        {"points": "2", "bonus": "1", "total_with_bonus": "3", "max_points": "4"}


def test_the_batch_summary_means_the_total_with_bonus(tmp_path, capsys):
    rows = [batches.SubmissionRow(id=name, source=name, status=batches.RowStatus.GRADED,
                                  report=_report(name, bonus_earned=earned))
            for name, earned in (("ada", True), ("bob", False))]
    batch = batches.BatchReport(exercises=["histogram"], rows=rows)
    gradebook.write_all(batch, tmp_path / "out")
    assert cli.main(["summary", str(tmp_path / "out")]) == 0
    text = " ".join(capsys.readouterr().out.split())
    # Totals with bonus 3 and 2: their mean is 2.5 (the points alone, 2 and 2, would give 2).
    assert "Mean total with bonus 2.5, median 2.5" in text, text
