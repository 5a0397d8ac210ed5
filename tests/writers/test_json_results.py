"""JSON results (grader/writers/json_results.py): a grading's structure, and a batch's that reads back the same."""

import json

import batch_samples
import pytest
from conftest import SOLUTIONS

from grader.cli import main as cli
from grader.instructor.batch import BatchReport
from grader.writers import csv_gradebook, junit_xml


@pytest.fixture
def small_batch():
    return batch_samples.small_batch()


def test_json_report_has_every_exercise_and_check(tmp_path, capsys):
    out = tmp_path / "report.json"
    code = cli.main(["histogram", "equalisation", "--target", str(SOLUTIONS), "--json", str(out)])
    assert code == 0
    data = json.loads(out.read_text())
    assert [e["name"] for e in data["exercises"]] == ["histogram", "equalisation"]
    for exercise in data["exercises"]:
        assert exercise["status"] == "complete" and exercise["points"] == exercise["max_points"] > 0
        assert exercise["checks"] and all({"id", "function", "points", "max_points", "status", "message"}
                                          <= set(c) for c in exercise["checks"])
    assert data["points"] == data["max_points"]


def test_batch_json_round_trips(small_batch):
    again = BatchReport.from_dict(json.loads(json.dumps(small_batch.to_dict())))
    assert csv_gradebook.for_batch(again) == csv_gradebook.for_batch(small_batch)
    assert junit_xml.for_batch(again) == junit_xml.for_batch(small_batch)
