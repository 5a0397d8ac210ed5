"""Gradescope's results.json (grader/writers/gradescope.py): its schema, hidden checks held back."""

import batch_samples
import pytest

from grader.writers import gradescope


@pytest.fixture
def small_batch():
    return batch_samples.small_batch()


def test_gradescope_results_follow_the_schema(small_batch):
    data = gradescope.for_row(small_batch.row("bob"))
    assert data["score"] == 4 and isinstance(data["execution_time"], int) and data["output_format"] == "text"
    assert len(data["tests"]) == 5
    for test in data["tests"]:
        assert {"name", "score", "max_score", "visibility", "output", "status"} <= set(test)
        assert test["visibility"] in ("visible", "after_published")
    hidden = [t for t in data["tests"] if t["visibility"] != "visible"]
    assert [t["extra_data"]["id"] for t in hidden] == ["histogram::hidden::test_checkerboard"]
    assert data["visibility"] == "after_published"
    assert gradescope.for_row(small_batch.row("bob"), hidden_visibility="hidden")["tests"][-1][
        "visibility"] == "hidden"


def test_gradescope_tags_are_not_repeated(small_batch):
    for test in gradescope.for_row(small_batch.row("alice"))["tests"]:
        assert len(test["tags"]) == len(set(test["tags"])), test["tags"]
