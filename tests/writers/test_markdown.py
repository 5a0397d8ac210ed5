"""The Markdown summary of a batch (grader/writers/markdown.py)."""

import batch_samples
import pytest

from grader.writers import markdown


@pytest.fixture
def small_batch():
    return batch_samples.small_batch()


def test_markdown_summary_is_a_table(small_batch):
    text = markdown.for_batch(small_batch)
    assert text.startswith("## pixelgrade: 3 submissions")
    assert "| submission | status | arrays | histogram | points | bonus | total with bonus | notes |" in text
    assert "| alice | graded | 3 | 5 | 8/8 |" in text
    assert "| carol | timed out | 0 | 0 | 0/8 |" in text
    assert "### Flagged (1)" in text and "**carol**" in text
