"""Property checks replay the examples of their last passing run (grader.core.replay), grading the same."""

import numpy as np
import pytest
from conftest import SOLUTIONS, make_submission
from hypothesis.errors import UnsatisfiedAssumption

from grader import api
from grader.core import answers, replay


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A cache folder of this test's own, and nothing remembered in memory yet."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(answers.ENV, str(folder))
    monkeypatch.setattr(answers, "_memory", {})
    return folder


@pytest.fixture
def replayed(monkeypatch):
    """The node ids of the checks that passed on kept examples, in the gradings of this test."""
    seen = []
    original = replay.ExampleReplay.pytest_pyfunc_call

    def spy(self, pyfuncitem):
        result = original(self, pyfuncitem)
        if result:
            seen.append(pyfuncitem.nodeid)
        return result

    monkeypatch.setattr(replay.ExampleReplay, "pytest_pyfunc_call", spy)
    return seen


def _checks(report):
    return [(c.id, c.status, c.points, c.message, c.snippet) for e in report.exercises for c in e.checks
            if not c.bonus]


def test_a_passing_check_keeps_its_examples_and_the_next_grading_replays_them(cache, replayed):
    first = api.grade(["histogram"], target=SOLUTIONS, max_examples=5)
    assert list(cache.rglob("examples-*")) and replayed == []
    second = api.grade(["histogram"], target=SOLUTIONS, max_examples=5)
    assert replayed and all("histogram" in nodeid for nodeid in replayed)
    assert _checks(second) == _checks(first)
    # Another examples budget is another set of examples: nothing is replayed for it.
    replayed.clear()
    api.grade(["histogram"], target=SOLUTIONS, max_examples=6)
    assert replayed == []


BUGGY = """
def histogram(image):
    image = _check_uint8(image)
    counts = np.bincount(image.ravel(), minlength=256).astype(np.int64)
    counts[0] += image.size > 5
    return counts
"""


def test_a_submission_that_fails_a_kept_example_is_graded_as_hypothesis_grades_it(tmp_path, cache, monkeypatch,
                                                                                   replayed):
    target = make_submission(tmp_path / "buggy", ["histogram"], replace={"histogram": {"histogram": BUGGY}})
    monkeypatch.setenv(answers.ENV, "off")  # nothing kept: Hypothesis alone
    alone = api.grade(["histogram"], target=target, max_examples=10)
    monkeypatch.setenv(answers.ENV, str(cache))
    api.grade(["histogram"], target=SOLUTIONS, max_examples=10)  # keeps the solutions' examples
    replayed.clear()
    again = api.grade(["histogram"], target=target, max_examples=10)
    assert replayed, "the checks it passes are replayed"
    assert 0 < again.points < again.max_points
    assert _checks(again) == _checks(alone)  # the failures found, shrunk and told the same


def _recorder():
    calls = []

    def check(learner, image):
        calls.append(image)
        if image is None:
            raise UnsatisfiedAssumption()

    return replay._Recorder(check, ["image"]), calls


def test_examples_are_kept_only_from_plain_data_and_no_rejection():
    recorder, calls = _recorder()
    image = np.zeros((2, 2), np.uint8)
    recorder.wrapper(learner=object(), image=image)
    image[0, 0] = 9  # a check that changes its argument: the kept copy is the one it was given
    assert recorder.usable and recorder.examples[0]["image"][0, 0] == 0

    recorder, _ = _recorder()
    with pytest.raises(UnsatisfiedAssumption):
        recorder.wrapper(learner=object(), image=None)
    assert not recorder.usable  # a rejection may depend on the learner: never replayed

    recorder, _ = _recorder()
    recorder.wrapper(learner=object(), image=np.random.default_rng(0))  # not plain data
    assert not recorder.usable


def _kept(check: str, max_examples: int) -> list:
    from grader.core.catalog import CHECKS_DIR

    class Item:
        nodeid = f"test_histogram.py::{check}"
        fspath = str(CHECKS_DIR / "test_histogram.py")

    return answers.lookup(replay._name(Item, max_examples))["examples"]


def test_a_second_grading_in_one_process_runs_its_own_number_of_examples(cache):
    """@given takes the settings once, at import: the runner gives each grading its own (use_grading_settings)."""
    api.grade(["histogram"], target=SOLUTIONS, max_examples=12)
    api.grade(["histogram"], target=SOLUTIONS, max_examples=4)
    assert len(_kept("test_histogram_sums_to_size", 12)) == 12
    assert len(_kept("test_histogram_sums_to_size", 4)) == 4
