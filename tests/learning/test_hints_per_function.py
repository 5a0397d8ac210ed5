"""`pixelgrade hint FUNCTION`: the hints about the function asked for (issue 23, item 11), and the catalog's labels."""

from __future__ import annotations

import io
import json
import re

import pytest
from conftest import BY_NAME
from conftest import COURSE as _COURSE
from rich.console import Console

from grader.learning import hints, lookup
from grader.learning.state import State

EXERCISES = _COURSE.exercises


def _hint(name: str | None, state, *, reset: bool = False) -> tuple[int, str]:
    """`pixelgrade hint NAME --state STATE [--reset]`: its exit status and its words on one line."""
    buffer = io.StringIO()
    status = hints.run(name, state_dir=state, reset=reset, console=Console(file=buffer, width=300, color_system=None))
    return status, " ".join(buffer.getvalue().split())


def _revealed(text: str) -> list[int]:
    """The numbers of the hints a `pixelgrade hint` output shows."""
    return [int(number) for number in re.findall(r"(?:^| )(\d+)\. `", text)]


# -- which function a typed name means ---------------------------------------------------------------------
@pytest.mark.parametrize(("typed", "exercise", "functions"), [
    ("thresholding", "thresholding", ()),  # the exercise's name: all of it
    ("thresh", "thresholding", ()),  # a part of the exercise's name: all of it
    ("otsu_threshold", "thresholding", ("otsu_threshold",)),
    ("otsu", "thresholding", ("otsu_threshold", "otsu_mask_rgb")),
    ("cumulative", "histogram", ("cumulative_histogram",)),
    ("kmeans", "kmeans", ()),  # an exercise's name wins over its function of the same name
    ("pad", "convolution", ("pad",)),
])
def test_find_says_which_functions_a_name_means(typed, exercise, functions):
    selection = lookup.find(typed)
    assert (selection.exercise.name, selection.functions) == (exercise, functions)
    assert lookup.find_exercise(typed).name == exercise


# -- item 11: `hint otsu` answers about otsu_threshold ------------------------------------------------------
def test_hint_otsu_answers_about_otsu_threshold_not_threshold(tmp_path):
    state = str(tmp_path / "state")
    status, out = _hint("otsu", state)
    assert status == 0
    first = BY_NAME["thresholding"].hints[_revealed(out)[0] - 1]
    assert first.startswith("`otsu_threshold`:"), out
    assert "`threshold`:" not in out  # thresholding's first hint, about `threshold`, is not what was asked
    assert "Hints for 8. thresholding: otsu_threshold, otsu_mask_rgb (1 of 5)" in out


def test_a_functions_hints_come_one_at_a_time_and_stop(tmp_path):
    state = str(tmp_path / "state")
    own = hints.numbers_for(lookup.find("otsu_threshold"))
    assert len(own) >= 2
    for count in range(1, len(own) + 1):
        status, out = _hint("otsu_threshold", state)
        assert status == 0 and _revealed(out) == own[:count]
        assert all(BY_NAME["thresholding"].hints[n - 1].startswith("`otsu_threshold`:") for n in _revealed(out))
    status, out = _hint("otsu_threshold", state)
    assert f"There are no more hints for otsu_threshold: that was all {len(own)}" in out
    # The exercise as a whole goes on with what is left, its first hint (about `threshold`) first...
    status, out = _hint("thresholding", state)
    assert _revealed(out) == sorted({1, *own})
    # ...and --reset with a function starts that function's hints again, no others.
    status, out = _hint("otsu_threshold", state, reset=True)
    assert _revealed(out) == [own[0]] and State(state).hints_seen("thresholding") == {1, own[0]}


def test_the_hints_shown_are_saved_by_number_and_an_old_count_still_reads(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "state.json").write_text(json.dumps({"version": 1, "hints": {"thresholding": 2}, "results": {}}))
    assert State(state).hints_seen("thresholding") == {1, 2}  # a file written before: the first two
    status, out = _hint("thresholding", state)
    assert status == 0 and _revealed(out) == [1, 2, 3]
    assert json.loads((state / "state.json").read_text())["hints"]["thresholding"] == [1, 2, 3]


# -- the catalog's hints: every function has hints of its own ------------------------------------------------
@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.name)
def test_every_function_has_a_hint_of_its_own_and_labels_name_functions(exercise):
    for number, hint in enumerate(exercise.hints, start=1):
        label = re.match(r"\s*((?:`\w+`(?:\s*,\s*|\s+and\s+)?)+):", hint)
        if label:  # a label names functions of this exercise, and nothing else
            named = re.findall(r"`(\w+)`", label.group(1))
            assert set(named) <= set(exercise.functions), (number, hint)
    if len(exercise.functions) > 1:  # with one function, every hint is its own
        for function in exercise.functions:
            assert any(function in hints.about(hint, exercise) for hint in exercise.hints), \
                f"{exercise.name}: no hint is labelled `{function}`:"


def test_a_label_is_read_at_the_start_only():
    exercise = BY_NAME["kmeans"]
    assert hints.about("`assign`: which index?", exercise) == ("assign",)
    assert hints.about("`kmeans`, `assign`: which comes first?", exercise) == ("assign", "kmeans")
    assert hints.about("Which comes first, `assign` or `update`?", exercise) == ()  # named, but no label
    assert hints.about("`np.argmin`: which index?", exercise) == ()
