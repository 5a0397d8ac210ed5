"""Tests for naming the mistake (grader.core.diagnosis and course/checks/misconceptions.py).

Each misconception of the catalog must be made by a buggy submission of the project:
an entry of tests/curriculum/buggy_submissions.py (tests/curriculum/test_buggy_submissions.py checks that it
gets its sentence, and only in its own function's checks, and that an entry with no
misconception gets none). The reference solutions never get one.
"""

from __future__ import annotations

import numpy as np
import pytest
from buggy_submissions import SUBMISSIONS

from grader.core import diagnosis
from grader.kit.describe import CallRecord


def test_every_misconception_is_tested():
    """Each catalog entry is made by at least one buggy submission of the project."""
    made = {entry.misconception for entry in SUBMISSIONS if entry.misconception}
    catalogued = {entry.id for entry in diagnosis.catalog().entries}
    assert catalogued - made == set(), "misconceptions without a buggy submission that makes them"
    assert made - catalogued == set(), "tests name misconceptions that are not in the catalog"


def test_the_issue_list_is_in_the_catalog():
    """The mistakes the course promised to name (issue 10) are all in the catalog."""
    catalogued = {entry.id for entry in diagnosis.catalog().entries}
    promised = {"correlation-not-convolution", "rint-not-floor", "floor-not-rint", "histogram-to-254",
                "narrow-dtype-arithmetic", "narrow-dtype-product", "reflect-not-symmetric", "otsu-class-0-below-t",
                "otsu-float-tie", "kmeans-one-round"}
    assert promised <= catalogued


def test_every_entry_has_one_sentence_and_a_known_function():
    from grader.core.catalog import gradable
    from grader.core.runner import load_reference

    modules = {exercise.name for exercise in gradable()}
    for entry in diagnosis.catalog().entries:
        assert entry.module in modules, entry.id
        reference = load_reference(entry.module)
        for function in entry.functions:
            assert callable(getattr(reference, function, None)), f"{entry.id}: no {entry.module}.{function}"
        sentence = entry.sentence()
        assert sentence.endswith((".", ")")) and sentence.count(". ") <= 1, entry.id


def test_the_reference_solutions_are_never_diagnosed(solutions_report):
    assert [c.id for e in solutions_report.exercises for c in e.checks if c.misconception] == []


def _call(module, function, args, value, reference):
    record = CallRecord(module, function, tuple(args), {}, [], reference=reference)
    record.value = value
    return record


def test_a_result_equal_to_the_right_answer_is_never_diagnosed():
    """An Otsu on an input without ties: the float and exact answers agree, so no sentence."""
    from grader.core.runner import load_reference

    reference = load_reference("thresholding")
    image = np.array([[0, 0, 200, 200]], dtype=np.uint8)
    right = reference.otsu_threshold(image)
    assert diagnosis.diagnose(_call("thresholding", "otsu_threshold", [image], right, reference)) is None


def test_the_float_otsu_on_the_issue_examples_is_diagnosed():
    from grader.core.runner import load_reference

    reference = load_reference("thresholding")
    for values, float_answer in (([190, 178, 184, 178, 190], 184), ([217, 217, 143, 143, 69, 69, 143, 143], 143)):
        image = np.array([values], dtype=np.uint8)
        assert reference.otsu_threshold(image) != float_answer
        found = diagnosis.diagnose(_call("thresholding", "otsu_threshold", [image], float_answer, reference))
        assert found is not None and found.id == "otsu-float-tie", values


def test_a_broken_catalog_entry_never_changes_a_grade(monkeypatch):
    """A catalog entry that raises is skipped: the diagnosis is a courtesy."""
    from grader.core.runner import load_reference

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the catalog")

    entry = diagnosis.Misconception("broken", "histogram", ("histogram",), "a broken entry", "never shown.", broken)
    monkeypatch.setattr(diagnosis, "catalog", lambda: diagnosis.Catalog([entry]))
    reference = load_reference("histogram")
    image = np.zeros((2, 2), dtype=np.uint8)
    assert diagnosis.diagnose(_call("histogram", "histogram", [image], np.zeros(256), reference)) is None


def test_catalog_ids_are_unique():
    entry = diagnosis.catalog().entries[0]
    with pytest.raises(ValueError, match="repeated"):
        diagnosis.Catalog([entry, entry])


@pytest.mark.parametrize(("a", "b", "equal"), [
    (np.array([1, 2]), np.array([1.0, 2.0]), True),  # any dtype, same values
    (np.array([1, 2]), np.array([1, 2, 0]), False),  # shapes differ
    (np.array([0.1 + 0.2]), np.array([0.3]), True),  # the contract's float tolerance
    (3, np.int64(3), True),
    (True, 1, False),  # a bool is not a number here
    ((np.zeros(2), np.ones(2)), [np.zeros(2), np.ones(2)], True),
    ({0: [1]}, {0: [1]}, True),
    ({0: [1]}, {0: [2]}, False),
    (None, None, False),  # nothing to compare
])
def test_same_compares_results(a, b, equal):
    assert diagnosis.same(a, b) is equal
