"""grader.core.answers: a trusted function's answers, remembered by input, never a wrong one."""

import numpy as np
import pytest

from grader.core import answers, runner


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A fresh answer folder and an empty memory, for one test."""
    monkeypatch.setenv(answers.ENV, str(tmp_path / "answers"))
    monkeypatch.setattr(answers, "_memory", {})
    monkeypatch.setattr(answers, "_memory_bytes", 0)
    return tmp_path / "answers"


def counting(function):
    calls = []

    def counted(*args, **kwargs):
        calls.append(args)
        return function(*args, **kwargs)

    counted.__qualname__ = f"counted_{function.__name__}"
    return counted, calls


def test_an_answer_is_computed_once_and_comes_back_equal_and_fresh(store):
    counted, calls = counting(lambda image, k=2: (image * k, float(image.sum())))
    double = answers.remembered(counted, name="double")
    image = np.arange(6, dtype=np.uint8).reshape(2, 3)
    first = double(image, k=3)
    again = double(image, k=3)
    assert len(calls) == 1
    assert again[0].dtype == first[0].dtype and np.array_equal(again[0], first[0]) and again[1] == first[1]
    again[0][...] = 0  # a check that changes what it got changes nothing for the next
    assert np.array_equal(double(image, k=3)[0], image * 3)
    assert list(store.rglob("*.answer"))


@pytest.mark.parametrize("other", [
    np.arange(6, dtype=np.int16).reshape(2, 3),  # another dtype
    np.arange(6, dtype=np.uint8).reshape(3, 2),  # another shape
    np.array([[0, 1, 2], [3, 4, 6]], dtype=np.uint8),  # another value
    np.arange(6, dtype=np.uint8).reshape(2, 3)[:, ::-1],  # a view, not contiguous
])
def test_different_arguments_are_different_answers(store, other):
    double = answers.remembered(lambda image: image.astype(np.int64) * 2, name="double-only")
    image = np.arange(6, dtype=np.uint8).reshape(2, 3)
    double(image)
    assert np.array_equal(double(other), other.astype(np.int64) * 2)
    assert answers.key("f", (1,), {}) != answers.key("f", (1.0,), {}) != answers.key("f", (True,), {})
    assert answers.key("f", (-0.0,), {}) != answers.key("f", (0.0,), {})


def test_answers_outlive_the_process_and_a_broken_file_is_computed_again(store, monkeypatch):
    counted, calls = counting(lambda n: np.full(n, 7))
    seven = answers.remembered(counted, name="seven")
    seven(3)
    monkeypatch.setattr(answers, "_memory", {})  # as a new process would start
    assert np.array_equal(seven(3), [7, 7, 7]) and len(calls) == 1
    for path in store.rglob("*.answer"):
        path.write_bytes(b"not a frame")
    monkeypatch.setattr(answers, "_memory", {})
    assert np.array_equal(seven(3), [7, 7, 7]) and len(calls) == 2


def test_what_is_not_plain_is_never_remembered(store):
    counted, calls = counting(lambda value: value)
    same = answers.remembered(counted, name="same")
    for value in (object(), np.array([object()], dtype=object), [1, lambda: 0]):
        same(value), same(value)
    assert len(calls) == 6 and not list(store.rglob("*.answer"))
    counted, calls = counting(lambda: object())
    answers.remembered(counted, name="returns-object")()
    answers.remembered(counted, name="returns-object")()
    assert len(calls) == 2


def test_a_function_that_raises_raises_every_time(store):
    counted, calls = counting(lambda n: 1 // n)
    divide = answers.remembered(counted, name="divide")
    for _ in range(2):
        with pytest.raises(ZeroDivisionError):
            divide(0)
    assert len(calls) == 2


def test_off_keeps_nothing_on_disk(tmp_path, monkeypatch):
    monkeypatch.setenv(answers.ENV, "off")
    monkeypatch.setattr(answers, "_memory", {})
    assert answers.folder() is None
    assert answers.remembered(lambda: np.ones(2), name="ones")().tolist() == [1.0, 1.0]


def test_an_edited_file_has_answers_of_its_own(store, tmp_path):
    # The defining file's bytes are part of the key: an edited reference is asked again.
    def load(text):
        path = tmp_path / "reference_answers_probe.py"
        path.write_text(text)
        answers._file_digest.cache_clear()
        namespace = {}
        exec(compile(text, str(path), "exec"), namespace)
        return answers.remembered(namespace["f"], name="probe")

    assert load("def f(x):\n    return x + 1\n")(1) == 2
    assert load("def f(x):\n    return x + 2\n")(1) == 3


def test_the_reference_as_the_checks_see_it(store):
    reference = answers.RememberedModule(runner.load_reference("histogram"))
    image = np.array([[0, 1], [1, 255]], dtype=np.uint8)
    assert np.array_equal(reference.histogram(image), np.bincount(image.ravel(), minlength=256))
    assert getattr(reference.histogram, "remembered", False)
    assert reference.__name__ == runner.load_reference("histogram").__name__
