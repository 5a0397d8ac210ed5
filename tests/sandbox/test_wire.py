"""grader.sandbox.wire: arrays travel as raw bytes with their dtype and shape, and nothing else does."""

import os
import threading
import time

import numpy as np
import pytest

from grader.sandbox import frames, wire


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


# -- the frames under both protocols (grader.sandbox.frames) ------------------------------------
def test_a_frame_round_trips_in_memory_and_a_cut_one_is_refused():
    data = frames.pack(b"payload") + frames.pack(b"") + b"rest"
    first, offset = frames.unpack(data)
    second, end = frames.unpack(data, offset)
    assert (first, second, data[end:]) == (b"payload", b"", b"rest")
    for cut in (frames.pack(b"payload")[:-1], b"\0" * 7):
        with pytest.raises(frames.FrameError):
            frames.unpack(cut)


def test_reading_a_frame_from_a_pipe_keeps_to_its_deadline_and_size_limit():
    read, write = os.pipe()
    try:
        started = time.monotonic()
        with pytest.raises(frames.FrameTimeout):
            frames.read(read, max_bytes=100, deadline=time.monotonic() + 0.2)
        assert 0.15 <= time.monotonic() - started < 5
        os.write(write, frames.pack(b"x" * 10)[:12])  # half a frame, then nothing: still the deadline
        with pytest.raises(frames.FrameTimeout):
            frames.read(read, max_bytes=100, deadline=time.monotonic() + 0.2)
        os.write(write, frames.pack(b"y" * 200))
        with pytest.raises(frames.FrameError, match="too large"):
            frames.read(read, max_bytes=100)
    finally:
        os.close(read)
        os.close(write)
    read, write = os.pipe()

    def send():
        frames.write_all(write, frames.pack(b"z" * 300_000))  # more than a pipe holds: several writes
        os.close(write)

    sender = threading.Thread(target=send)
    sender.start()
    assert frames.read(read, max_bytes=1 << 20) == b"z" * 300_000
    sender.join(10)
    with pytest.raises(frames.FrameError, match="closed"):
        frames.read(read, max_bytes=100)
    os.close(read)


def test_only_a_frame_signed_with_the_key_is_accepted():
    key, other = b"k" * 32, b"o" * 32
    real = frames.sign(key, b'{"points": 3}')
    assert frames.verify(key, real) == b'{"points": 3}'
    assert frames.verify(key, real + b"trailing output") == b'{"points": 3}'
    assert frames.verify(other, real) is None
    assert frames.verify(key, frames.sign(other, b'{"points": 999}')) is None
    assert frames.verify(key, real.replace(b"3", b"9")) is None
    assert frames.verify(key, real[:-1]) is None
    unsigned = frames.MAGIC + frames.pack(b'{"points": 999}')  # a frame without a (valid) HMAC
    assert frames.verify(key, unsigned) is None and frames.verify(key, frames.MAGIC + frames.pack(b"")) is None
    stream = b"noise" + real + frames.sign(other, b"forged") + frames.MAGIC + b"junk"
    assert frames.find_signed(key, stream) == b'{"points": 3}'
    later = frames.sign(key, b'{"points": 4}')
    assert frames.find_signed(key, stream + later + b"PGR1") == b'{"points": 4}'  # the last one counts
    assert frames.find_signed(key, b"noise" + unsigned) is None
