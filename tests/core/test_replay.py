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


def test_examples_are_kept_only_from_plain_data_with_how_they_ended():
    recorder, calls = _recorder()
    image = np.zeros((2, 2), np.uint8)
    recorder.wrapper(learner=object(), image=image)
    image[0, 0] = 9  # a check that changes its argument: the kept copy is the one it was given
    assert recorder.usable and recorder.examples[0]["image"][0, 0] == 0
    assert replay.ENDED not in recorder.examples[0]  # it passed

    recorder, _ = _recorder()
    with pytest.raises(UnsatisfiedAssumption):
        recorder.wrapper(learner=object(), image=None)
    # Kept as rejected: a replay goes on only where the submission's check rejects it too.
    assert recorder.usable and recorder.examples[0][replay.ENDED] == replay.REJECTED

    recorder, _ = _recorder()
    recorder.wrapper(learner=object(), image=np.random.default_rng(0))  # not plain data
    assert not recorder.usable


def _kept(check: str, max_examples: int) -> list:
    from grader.core import catalog

    class Item:
        nodeid = f"test_histogram.py::{check}"
        fspath = str(catalog.active().checks_dir / "test_histogram.py")

    return answers.lookup(replay._name(Item, max_examples))["examples"]


def test_a_second_grading_in_one_process_runs_its_own_number_of_examples(cache):
    """@given takes the settings once, at import: the runner gives each grading its own (use_grading_settings)."""
    api.grade(["histogram"], target=SOLUTIONS, max_examples=12)
    api.grade(["histogram"], target=SOLUTIONS, max_examples=4)
    assert len(_kept("test_histogram_sums_to_size", 12)) == 12
    assert len(_kept("test_histogram_sums_to_size", 4)) == 4


OUTPUT_SIZE_RIGHT_ONLY_WHEN_SMALL = """
def output_size(n, f, stride=1, padding=0):
    stride = _stride(stride)
    if f > n + 2 * padding:
        raise ValueError(f"f must be <= n + 2*padding, got {f}")
    return (n + 2 * padding - f) // stride + (n + padding + stride <= 3)  # Hypothesis' first example passes
"""


def test_checks_that_draw_with_st_data_replay_their_draws(tmp_path, cache, monkeypatch, replayed):
    api.grade(["convolution"], target=SOLUTIONS, max_examples=5)
    replayed.clear()
    api.grade(["convolution"], target=SOLUTIONS, max_examples=5)
    drawing = {f"test_convolution.py::{name}" for name in
               ("test_pad_matches_reference", "test_output_size_formula", "test_convolve2d_is_linear")}
    assert drawing <= set(replayed)
    # A submission that fails a kept example: its check runs under Hypothesis, told as without the cache.
    target = make_submission(tmp_path / "buggy", ["convolution"],
                             replace={"convolution": {"output_size": OUTPUT_SIZE_RIGHT_ONLY_WHEN_SMALL}})
    replayed.clear()
    again = api.grade(["convolution"], target=target, max_examples=5)
    assert "test_convolution.py::test_output_size_formula" not in replayed
    monkeypatch.setenv(answers.ENV, "off")
    alone = api.grade(["convolution"], target=target, max_examples=5)
    assert again.exercise("convolution").checks != [] and _checks(again) == _checks(alone)
    assert any(c.id.endswith("test_output_size_formula") and not c.points for c in again.exercise("convolution").checks)


def test_a_check_that_rejects_examples_replays_them_rejected(cache, replayed):
    api.grade(["thresholding"], target=SOLUTIONS, max_examples=10)  # assume() rejects constant images
    replayed.clear()
    api.grade(["thresholding"], target=SOLUTIONS, max_examples=10)
    assert "test_thresholding.py::test_otsu_maximises_between_class_variance" in replayed


def test_a_replay_where_an_example_ends_another_way_hands_the_check_to_hypothesis(cache):
    from types import SimpleNamespace

    plugin = replay.ExampleReplay(5)
    calls = []

    def check(image):
        calls.append(image)
        if image == 0:
            raise UnsatisfiedAssumption()

    item = SimpleNamespace(nodeid="test_made_up.py::test_check", fspath="test_made_up.py", funcargs={},
                           _fixtureinfo=SimpleNamespace(argnames=()),
                           obj=SimpleNamespace(hypothesis=SimpleNamespace(_given_kwargs={"image": None},
                                                                          inner_test=check)))
    answers.store(replay._name(item, 5), {"examples": [{"image": 1}, {"image": 0, replay.ENDED: replay.REJECTED}]})
    assert plugin.pytest_pyfunc_call(item) is True  # passed where it passed, rejected where it was rejected
    answers.store(replay._name(item, 5), {"examples": [{"image": 0}]})  # it passed then, is rejected now
    assert plugin.pytest_pyfunc_call(item) is None
    answers.store(replay._name(item, 5), {"examples": [{"image": 1, replay.ENDED: replay.REJECTED}]})
    assert plugin.pytest_pyfunc_call(item) is None  # rejected then, passes now


def test_a_replayed_draw_hands_back_the_kept_value_only_for_the_same_strategy():
    from hypothesis import strategies as st

    kept = repr(st.integers(1, 3))
    data = replay._ReplayedData([[kept, 2]])
    assert data.draw(st.integers(1, 3)) == 2 and data.finished
    with pytest.raises(replay._Diverged):  # one draw more than then
        data.draw(st.integers(1, 3))
    with pytest.raises(replay._Diverged):  # another strategy (its arguments came from elsewhere)
        replay._ReplayedData([[kept, 2]]).draw(st.integers(1, 4))
    with pytest.raises(replay._Stopped):  # Hypothesis ran out of data here then
        replay._ReplayedData([[kept]]).draw(st.integers(1, 3))


def test_the_examples_key_covers_the_courses_own_modules_at_any_depth(tmp_path):
    """Edit a module of the course's package and the examples are made anew; stubs, references, caches do not count."""
    course = tmp_path / "course"
    for relative in ("checks/test_x.py", "mycourse/__init__.py", "mycourse/strategies.py", "solutions/x.py",
                     "exercises/x.py", ".venv/lib/site.py", "mycourse/__pycache__/strategies.py"):
        (course / relative).parent.mkdir(parents=True, exist_ok=True)
        (course / relative).write_text(f"# {relative}\n")
    skipped = (course / "solutions", course / "exercises")

    def key():
        replay._digest_of.cache_clear()
        return replay._digest_of((course / "checks", course), skipped)

    first = key()
    for ignored in ("solutions/x.py", "exercises/x.py", ".venv/lib/site.py", "mycourse/__pycache__/strategies.py"):
        (course / ignored).write_text("# edited\n")
        assert key() == first, f"{ignored} changed the key"
    (course / "mycourse" / "strategies.py").write_text("# edited\n")
    assert key() != first
