"""Unit tests for the comparison kit (grader.kit.expect) and call descriptions (grader.kit.describe)."""

from __future__ import annotations

import numpy as np
import pytest

from grader.core import failures
from grader.kit import expect
from grader.kit.describe import CallRecord


def _message(got, expected, **options) -> str:
    with pytest.raises(failures.CheckFailed) as caught:
        expect.expect_array(got, expected, **options)
    return caught.value.message


def test_a_wrong_dtype_with_right_values_says_so():
    message = _message(np.arange(4.0), np.arange(4))
    assert "dtype float64; expected dtype int64" in message
    assert "values are right" in message and ".astype(np.int64)" in message


def test_a_wrong_dtype_and_wrong_values_says_both():
    """A float histogram that is also off by one: both are said, not only the dtype."""
    got = np.array([0.0, 1.0, 2.0, 5.0])
    message = _message(got, np.arange(4))
    assert "dtype float64; expected dtype int64" in message
    assert "values are wrong too" in message and "index [3]: returned 5.0, expected 3" in message


def test_values_compared_after_the_dtype_honour_the_rounding_slack():
    got = np.array([1.0, 3.0])
    assert "values are right" in _message(got, np.array([1, 2]), off_by_one_where=np.array([False, True]))


def test_a_wrong_shape_says_the_shape():
    assert "shape (3,); expected shape (4,)" in _message(np.arange(3), np.arange(4))


@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0, 3)])
def test_the_snippet_builds_the_input_the_message_describes(shape):
    """An empty (0, 3) array is described as (0, 3) and rebuilt as (0, 3), not as np.array([]) of shape (0,)."""
    image = np.zeros(shape, dtype=np.uint8)
    record = CallRecord("histogram", "histogram", (image,), {}, ["image"])
    assert f"uint8 {shape}" in record.describe()
    namespace: dict = {}
    code = record.snippet().replace("from histogram import histogram", "histogram = lambda image: image")
    exec(compile(code.replace("print(", "result = ("), "<snippet>", "exec"), namespace)
    assert namespace["image"].shape == shape and namespace["image"].dtype == np.uint8
