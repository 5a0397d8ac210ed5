"""grader.sandbox.wire: arrays travel as raw bytes with their dtype and shape, and nothing else does."""

import numpy as np
import pytest

from grader.sandbox import wire


@pytest.mark.parametrize("array", [
    np.zeros((0, 3)), np.arange(12).reshape(3, 4).T, np.array(["ab", "c"]), np.array([1.5, -2], ">f8"),
    np.datetime64("2020-01-01") + np.arange(2), np.zeros((2, 2), bool), np.array(3 + 4j), np.ones((2, 1, 3), np.uint8),
])
def test_arrays_come_back_equal_and_writable(array):
    back = wire.decode_frame(wire.encode_message({"value": array}))["value"]
    assert back.dtype == array.dtype and back.shape == array.shape and np.array_equal(back, array)
    assert back.flags.writeable and back.flags.c_contiguous


@pytest.mark.parametrize("node, why", [
    ({"__ndarray__": 0, "dtype": "|O", "shape": [1]}, "object"),
    ({"__ndarray__": 0, "dtype": "i4,f4", "shape": [1]}, "fields"),
    ({"__ndarray__": 0, "dtype": "<f8", "shape": [3]}, "size"),
    ({"__ndarray__": 0, "dtype": "<f8", "shape": [-1]}, "negative"),
])
def test_a_forged_array_is_refused(node, why):
    with pytest.raises(ValueError):
        wire._decode(node, [b"12345678"])


def test_a_truncated_frame_is_a_wire_error():
    frame = wire.encode_message({"value": np.arange(4)})
    with pytest.raises(wire.WireError):
        wire.decode_frame(frame[:-1])
    assert wire.decode_frame(frame)["value"].tolist() == [0, 1, 2, 3]
