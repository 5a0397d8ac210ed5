"""The worker protocol carries plain data only, and the worker contains what it runs."""

import os

import numpy as np
import pytest

from grader.core import failures
from grader.core.learner import LearnerModule
from grader.sandbox.client import Limits
from grader.sandbox.wire import Foreign, WireError, encode_message, read_message


def _round_trip(message):
    read, write = os.pipe()
    data = encode_message(message)
    os.write(write, data)
    os.close(write)
    try:
        return read_message(read)
    finally:
        os.close(read)


def test_plain_data_round_trips_exactly():
    array = np.arange(12, dtype=np.int16).reshape(3, 4)
    message = {"a": array, "t": (1, 2.5, None, "x"), "l": [True, np.float32(0.5)], "d": {3: [array[0]]},
               "big": 2**70, "nan": float("nan")}
    back = _round_trip(message)
    assert type(back["a"]) is np.ndarray and back["a"].dtype == np.int16 and np.array_equal(back["a"], array)
    assert back["t"] == (1, 2.5, None, "x")
    assert back["l"][1] == np.float32(0.5) and back["l"][1].dtype == np.float32
    assert list(back["d"]) == [3] and np.array_equal(back["d"][3][0], array[0])
    assert back["big"] == 2**70 and np.isnan(back["nan"])


def test_objects_are_described_never_sent():
    class Sneaky:
        def __eq__(self, other):
            return True

    back = _round_trip({"v": Sneaky(), "o": np.array([object()]), "m": np.ma.masked_array([1, 2])})
    assert isinstance(back["v"], Foreign) and back["v"].type_name.endswith("Sneaky")
    assert isinstance(back["o"], Foreign)
    assert isinstance(back["m"], Foreign) and "ndarray subclass" in back["m"].summary


def test_garbage_is_a_wire_error():
    read, write = os.pipe()
    os.write(write, (12).to_bytes(8, "big") + b"not json at all")
    os.close(write)
    with pytest.raises(WireError):
        read_message(read)
    os.close(read)


@pytest.fixture
def module(tmp_path):
    (tmp_path / "mod.py").write_text(
        "import numpy as np\n"
        "def double(a):\n    return a * 2\n"
        "def scribble(a):\n    a[0] = 99\n    return a\n"
        "def pad(a):\n    return np.pad(a, 1)\n"
        "def hang(a):\n    while True:\n        pass\n"
    )
    proxy = LearnerModule("mod", tmp_path / "mod.py", limits=Limits(timeout_s=1.0),
                          off_limits={"pad": ("numpy.pad",)})
    yield proxy
    proxy.close()


def test_worker_calls_and_survives_a_hang(module):
    assert np.array_equal(module.double(np.arange(3)), [0, 2, 4])
    with pytest.raises(failures.TimedOut):
        module.hang(np.arange(3))
    with pytest.raises(failures.TimedOut):  # not called again: one timeout per function
        module.hang(np.arange(3))
    assert np.array_equal(module.double(np.arange(3)), [0, 2, 4])


def test_mutation_is_seen_but_the_grader_copy_is_untouched(module):
    data = np.arange(3)
    module.scribble(data)
    assert module.last.mutated == ["0"] and np.array_equal(data, [0, 1, 2])


def test_off_limits_calls_are_caught(module):
    with pytest.raises(failures.OffLimits, match="numpy.pad"):
        module.pad(np.arange(3))


def test_closing_does_not_wait_for_a_process_left_behind(tmp_path):
    """A learner's background process (in a session of its own) keeps the output pipe
    open; stopping the worker must not wait for it."""
    import time

    (tmp_path / "bg.py").write_text(
        "import os, time\n"
        "def leave(a):\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        time.sleep(20)\n"
        "        os._exit(0)\n"
        "    return 1\n"
    )
    proxy = LearnerModule("bg", tmp_path / "bg.py", limits=Limits(timeout_s=5.0))
    assert proxy.leave(np.arange(3)) == 1
    started = time.monotonic()
    proxy.close()
    assert time.monotonic() - started < 5


def test_learner_code_writes_no_bytecode(tmp_path):
    """The worker turns bytecode off itself, not only through its environment (here emptied),
    and no .pyc of a module or of a sibling it imports lands in the learner's folder."""
    (tmp_path / "helper.py").write_text("def one():\n    return 1\n")
    (tmp_path / "probe.py").write_text("import sys\nimport helper\ndef flag():\n    return sys.dont_write_bytecode\n"
                                       "def one():\n    return helper.one()\n")
    proxy = LearnerModule("probe", tmp_path / "probe.py", limits=Limits(timeout_s=5.0),
                          env={"PYTHONDONTWRITEBYTECODE": ""})
    try:
        assert proxy.flag() is True
        assert proxy.one() == 1
    finally:
        proxy.close()
    assert not list(tmp_path.rglob("*.pyc"))
