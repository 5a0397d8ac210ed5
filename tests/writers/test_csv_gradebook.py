"""gradebook.csv (grader/writers/csv_gradebook.py): a row per submission, a column per exercise."""

import csv
import io

import batch_samples
import pytest

from grader.writers import csv_gradebook


@pytest.fixture
def small_batch():
    return batch_samples.small_batch()


def test_csv_has_a_row_per_submission_and_a_column_per_exercise(small_batch):
    rows = list(csv.DictReader(io.StringIO(csv_gradebook.for_batch(small_batch))))
    assert list(rows[0]) == ["submission", "lms_id", "name", "late", "status", "arrays", "histogram", "points",
                             "bonus", "total_with_bonus", "max_points", "notes", "isolation"]
    # Each row names the sandbox that graded it (the batch's, where its own report has none).
    assert {r["isolation"] for r in rows} == {"landlock ABI 7, uid 65534, private copy"}
    columns = ("submission", "status", "arrays", "histogram", "points", "max_points")
    assert [tuple(r[c] for c in columns) for r in rows] == [
        ("alice", "graded", "3", "5", "8", "8"),
        ("bob", "graded", "1", "3", "4", "8"),
        ("carol", "timed out", "0", "0", "0", "8"),
    ]
    assert "timed out" not in rows[0]["notes"] and "limit of 5 s" in rows[2]["notes"]
