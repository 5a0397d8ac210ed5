"""`pixelgrade summary`: every result file, every flag, and no hidden check in any learner view."""

from __future__ import annotations

import itertools
import json
import xml.etree.ElementTree as ET

import batch_samples
import pytest

from grader.cli import summary as summary_cli
from grader.core import results
from grader.core.results import CheckResult, ExerciseResult, GradeReport
from grader.exitcodes import ExitCode
from grader.instructor import batch as batches
from grader.writers import gradebook, json_results, markdown

SECRET = "ZEBRA-7731"  # in every hidden check's title, message and snippet


def _report(name: str) -> GradeReport:
    public = CheckResult(id="histogram::test_counts", exercise="histogram", function="histogram",
                         title="histogram counts each value", max_points=2, points=0, status=results.FAILED,
                         message="Called `histogram(image: uint8 (2, 2))`: returned ...", snippet="print(1)")
    hidden = CheckResult(id=f"histogram::hidden::test_{SECRET}", exercise="histogram", function="histogram",
                         title=f"hidden {SECRET}", max_points=3, points=0, status=results.FAILED,
                         message=f"Called `histogram(image={SECRET})`", snippet=f"image = {SECRET!r}", hidden=True)
    exercise = ExerciseResult("histogram", "Histograms", 3, [public, hidden])
    return GradeReport(target=name, exercises=[exercise], settings={"hidden_checks": SECRET})


@pytest.fixture
def files(tmp_path):
    row = batches.SubmissionRow(id="ada", source="ada", status=batches.RowStatus.GRADED, report=_report("ada"),
                                notes=[f"missing check hidden::test_{SECRET}"], feedback=["your notebook: ..."])
    batch = batches.BatchReport(exercises=["histogram"], rows=[row])
    (tmp_path / "batch.json").write_text(json.dumps(batch.to_dict()))
    (tmp_path / "ada.json").write_text(json_results.for_row(row))
    (tmp_path / "results.json").write_text(json.dumps(_report("exercises").to_dict()))
    return {"batch folder": tmp_path, "per-submission file": tmp_path / "ada.json",
            "pixelgrade --json": tmp_path / "results.json"}


FLAGS = [[], ["--text"]]


@pytest.mark.parametrize(("kind", "flags"), list(itertools.product(
    ["batch folder", "per-submission file", "pixelgrade --json"], FLAGS)))
def test_no_learner_view_shows_a_hidden_check(files, tmp_path, capsys, kind, flags):
    junit = tmp_path / "junit.xml"
    assert summary_cli.main([str(files[kind]), "--learner-view", "--junit", str(junit), *flags]) == 0
    printed = capsys.readouterr().out
    assert "histogram counts each value" in printed  # the public check is there ...
    assert SECRET not in printed and SECRET not in junit.read_text()  # ... and nothing of the hidden one
    assert "public checks passed" in printed.lower()


@pytest.mark.parametrize(("kind", "flags"), list(itertools.product(
    ["batch folder", "per-submission file", "pixelgrade --json"], FLAGS)))
def test_the_instructor_view_has_everything(files, tmp_path, capsys, kind, flags):
    """The same files do hold the hidden check: the learner-view test above can fail."""
    junit = tmp_path / "junit.xml"
    assert summary_cli.main([str(files[kind]), "--junit", str(junit), *flags]) == 0
    printed = capsys.readouterr().out
    assert SECRET in junit.read_text()
    if kind != "batch folder":  # a batch's instructor summary is its table, without check titles
        assert SECRET in printed


def test_text_and_markdown_differ_for_a_batch(files, capsys):
    summary_cli.main([str(files["batch folder"])])
    markdown = capsys.readouterr().out
    summary_cli.main([str(files["batch folder"]), "--text"])
    text = capsys.readouterr().out
    assert markdown.startswith("## pixelgrade") and "|" in markdown
    assert text.startswith("pixelgrade: 1 submissions") and "|" not in text


def test_not_pixelgrade_results_is_a_usage_error(tmp_path, capsys):
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"hello": 1}))
    assert summary_cli.main([str(other)]) == ExitCode.USAGE
    assert "holds no pixelgrade results" in capsys.readouterr().err


# -- a hand-made batch's folder (tests/batch_samples.py) --------------------------------------------
@pytest.fixture
def small_batch():
    return batch_samples.small_batch()


def test_summary_command(small_batch, tmp_path, capsys):
    from grader.cli import main as cli

    gradebook.write_all(small_batch, tmp_path / "out")
    assert cli.main(["summary", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out == markdown.for_batch(small_batch)
    (tmp_path / "results.json").write_text(json.dumps(small_batch.row("bob").report.to_dict()))
    assert cli.main(["summary", str(tmp_path / "results.json"), "--learner-view", "--junit",
                     str(tmp_path / "j.xml")]) == 0
    text = capsys.readouterr().out
    assert text.startswith("## pixelgrade: public checks passed 3/4") and "checkerboard" not in text
    assert ET.parse(tmp_path / "j.xml").getroot().get("tests") == "4"  # the hidden check is left out
    assert cli.main(["summary", str(tmp_path / "results.json"), "--learner-view", "--text"]) == 0
    text = capsys.readouterr().out
    assert "Public checks passed: 3/4" in text and "checkerboard" not in text
    assert cli.main(["summary", str(tmp_path / "results.json"), "--text"]) == 0
    assert "checkerboard" in capsys.readouterr().out  # the instructor's view
    (tmp_path / "bad.json").write_text("[1, 2]")
    assert cli.main(["summary", str(tmp_path / "bad.json")]) == 2
