"""The grader believes nothing the worker says (issue 21): replies that can't hurt it, times it measures itself.

Learner code runs in the worker's process and can find the worker's protocol channel
(a pipe it can write to) and forge frames on it. Whatever it writes, the check fails as
the learner's failure, the grader's memory stays bounded, and no exception of the
grader's escapes. Times come from the grader's own clock, never the worker's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
from conftest import PROJECT_ROOT

from grader.core import failures
from grader.core.learner import LearnerModule
from grader.kit import speed
from grader.sandbox import client, frames, isolation, wire
from grader.sandbox.client import Limits, WorkerProcess

LEVELS = ["auto", "landlock"]  # the full level (bubblewrap) and the Landlock-only one (a container's)
MiB = 1024**2


@pytest.fixture(params=LEVELS)
def level(request, monkeypatch):
    """Force an isolation level (each mode is detected once, and cached, by its name)."""
    monkeypatch.setenv(isolation.MODE_ENV, request.param)
    return request.param


def _pipe_with(data: bytes):
    read, write = os.pipe()
    os.set_blocking(write, False)
    os.write(write, data)
    return read, write


# -- the wire: caps, depth, strict decoding ----------------------------------------------------
def test_a_frame_announcing_more_than_the_cap_is_refused_unread():
    """Only the length is read: a 768 MiB announcement that never arrives costs nothing and no wait."""
    read, write = _pipe_with(frames.length_prefix(768 * MiB) + b"{" * 100)
    try:
        started = time.monotonic()
        with pytest.raises(frames.FrameTooLarge, match="805306368 bytes"):
            wire.read_message(read, max_bytes=32 * MiB, deadline=time.monotonic() + 5)
        assert time.monotonic() - started < 1
        assert os.read(read, 200) == b"{" * 100  # nothing past the length was read
    finally:
        os.close(read)
        os.close(write)


def test_arrays_announced_past_the_cap_are_refused_before_any_is_read():
    header = json.dumps({"body": {"__ndarray__": 0, "dtype": "|u1", "shape": [768 * MiB]},
                         "blobs": [768 * MiB]}).encode()
    read, write = _pipe_with(frames.pack(header) + b"\0" * 1000)
    try:
        with pytest.raises(frames.FrameTooLarge, match="at most 33554432 are accepted"):
            wire.read_message(read, max_bytes=32 * MiB, deadline=time.monotonic() + 5)
        assert len(os.read(read, 2000)) == 1000
    finally:
        os.close(read)
        os.close(write)


def test_a_message_within_the_cap_still_arrives_whole():
    message = {"value": np.arange(1000, dtype=np.float64)}
    frame = wire.encode_message(message)
    read, write = os.pipe()
    sender = threading.Thread(target=frames.write_all, args=(write, frame))
    sender.start()
    try:
        back = wire.read_message(read, max_bytes=len(frame))
    finally:
        sender.join(10)
        os.close(read)
        os.close(write)
    assert np.array_equal(back["value"], message["value"])


def test_deep_json_is_refused_before_it_is_parsed_even_with_a_raised_recursion_limit():
    """A 100,000-deep array: a WireError, never a RecursionError, nor a crash of the parser's C
    stack where something raised the recursion limit (in a child: a crash must not take pytest)."""
    code = textwrap.dedent("""
        import sys
        from grader.sandbox import frames, wire

        sys.setrecursionlimit(1_000_000)
        deep = b'{"body": ' + b"[" * 100_000 + b"]" * 100_000 + b', "blobs": []}'
        for data in (frames.pack(deep), frames.pack(b'{"body": {"__dict__": [["v", ' + b"[" * 5000
                                                     + b"]" * 5000 + b']]}, "blobs": []}')):
            try:
                wire.decode_frame(data)
            except wire.WireError as error:
                print("refused:", error)
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("refused: a message nested more than") == 2, done.stdout


def test_brackets_inside_strings_are_text_not_nesting():
    text = '[{"' * 500 + "\\\"" + "]}" * 500
    assert wire.decode_frame(wire.encode_message({"value": text}))["value"] == text


def test_too_many_lists_are_refused():
    header = b'{"body": {"__dict__": [["v", [' + b"[]," * (wire.MAX_CONTAINERS + 1) + b'[]]]]}, "blobs": []}'
    with pytest.raises(wire.WireError, match="lists and objects"):
        wire.decode_frame(frames.pack(header))


@pytest.mark.parametrize("body, why", [
    ({"x": 1}, "none of the wire's kinds"),
    ({"__float__": "1.5"}, "non-finite"),
    ({"__tuple__": "ab"}, "expected a list"),
    ({"__dict__": [[1, 2, 3]]}, "pairs"),
    ({"__ndarray__": 0, "dtype": "(2,)<f8", "shape": [1]}, "not sent"),
    ({"__ndarray__": True, "dtype": "<f8", "shape": [1]}, "names no blob"),
    ({"__ndarray__": 0, "dtype": "<f8", "shape": [1], "extra": 1}, "none of the wire's kinds"),
    ({"__foreign__": ["x"], "summary": ""}, "expected a str"),
    ({"__bigint__": "9" * 10_000}, "digits"),
])
def test_decoding_is_strict(body, why):
    header = json.dumps({"body": {"__dict__": [["value", body]]}, "blobs": [8]}).encode()
    with pytest.raises(wire.WireError, match=f"malformed message: .*{why}"):
        wire.decode_frame(frames.pack(header) + b"\0" * 8)


# -- the reply's schema ------------------------------------------------------------------------------
GOOD = {"id": "7-ab", "ok": True, "value": [1, (2, 3)], "mutated": [0, "out"], "tripped": ["numpy.pad"]}


@pytest.mark.parametrize("change, why", [
    ({"seconds": "fast"}, "seconds must be a number"),
    ({"error": ["boom"]}, "expected a dict"),
    ({"error": {"types": "ValueError"}}, "expected a list"),
    ({"error": {"types": ["E"], "mesage": "typo"}}, "cannot have"),
    ({"error": {"syntax": {"lineno": "3"}}}, "expected a number"),
    ({"ok": 1}, "expected a bool"),
    ({"missing": "yes"}, "expected a bool"),
    ({"mutated": [1.5]}, "expected a str"),
    ({"tripped": list("x" * 300)}, "at most 256"),
    ({"unsendable": 3}, "expected a str"),
    ({"id": "8-cd"}, "no request"),
    ({"grade": 100}, "cannot have"),
])
def test_a_reply_off_the_schema_is_refused(change, why):
    assert wire.reply_fields(GOOD, request_id="7-ab")["value"] == [1, (2, 3)]
    with pytest.raises(wire.WireError, match=why):
        wire.reply_fields({**GOOD, **change}, request_id="7-ab")


def test_a_replys_texts_are_cut_and_its_own_timing_is_dropped():
    error = {"types": ["ValueError", "Exception"], "message": "m" * 10_000, "where": ["w" * 5000], "code": True}
    fields = wire.reply_fields({"id": "1", "ok": False, "error": error, "seconds": 0.0}, request_id="1")
    assert len(fields["error"]["message"]) == wire.ERROR_TEXT_CHARS
    assert len(fields["error"]["where"][0]) == wire.SHORT_TEXT_CHARS
    assert fields["error"]["code"] == 1 and "seconds" not in fields
    assert wire.reply_fields({"ok": True}, request_id=None)["ok"] is True  # the import's reply has no id


def test_the_cap_of_a_reply_follows_its_request():
    assert client.reply_cap(100) == client.MIN_REPLY_BYTES
    assert client.reply_cap(20 * MiB) == 160 * MiB


# -- forged frames from learner code, in real workers --------------------------------------------
FORGER = '''
    """Finds the worker's reply channel and writes forged frames to it."""
    import fcntl, json, os, stat, sys

    import numpy as np


    def _channel():
        stderr = os.fstat(2).st_ino
        for fd in range(3, 11):
            try:
                info = os.fstat(fd)
                flags = fcntl.fcntl(fd, fcntl.F_GETFL)
            except OSError:
                continue
            if stat.S_ISFIFO(info.st_mode) and info.st_ino != stderr and flags & os.O_ACCMODE == os.O_WRONLY:
                return fd
        raise RuntimeError("no channel")


    def _request_id():
        frame = sys._getframe(1)
        while frame is not None:
            request = frame.f_locals.get("request")
            if isinstance(request, dict) and "id" in request:
                return request["id"]
            frame = frame.f_back
        raise RuntimeError("no request")


    def _send(payload, blobs=b""):
        os.write(_channel(), len(payload).to_bytes(8, "big") + payload + blobs)


    def _reply(**fields):
        return sys.modules["grader.sandbox.wire"].encode_message({"id": _request_id(), **fields})


    def huge(image):
        """Announces a 768 MiB array, then sends it, a MiB at a time."""
        size = 768 * 1024 * 1024
        body = {"__dict__": [["id", _request_id()], ["ok", True],
                             ["value", {"__ndarray__": 0, "dtype": "|u1", "shape": [size]}]]}
        _send(json.dumps({"body": body, "blobs": [size]}).encode())
        chunk = bytes(1024 * 1024)
        for _ in range(768):
            os.write(_channel(), chunk)
        return 1


    def string_seconds(image):
        os.write(_channel(), _reply(ok=True, value=1, seconds="fast"))
        return 1


    def deep(image):
        _send(b'{"body": ' + b"[" * 100_000 + b"]" * 100_000 + b', "blobs": []}')
        return 1


    def error_list(image):
        os.write(_channel(), _reply(ok=False, error=["boom"]))
        return 1


    def honest(image):
        return int(np.asarray(image).sum())
'''

PROBE = '''
import json, resource, sys
from pathlib import Path

import numpy as np

from grader.core import failures
from grader.core.learner import LearnerModule
from grader.sandbox.client import Limits

proxy = LearnerModule("forger", Path(sys.argv[1]), limits=Limits(timeout_s=20))
results = {}
assert proxy.honest(np.ones(3)) == 3  # the worker and its imports are up: what follows is the forgeries' cost
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for name in ("huge", "string_seconds", "deep", "error_list"):
    try:
        getattr(proxy, name)(np.zeros(4))
        results[name] = ["returned", ""]
    except BaseException as error:
        results[name] = [type(error).__name__, isinstance(error, failures.LearnerFailure), str(error)]
results["after"] = proxy.honest(np.ones(5))
results["peak_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
proxy.close()
print(json.dumps(results))
'''


def test_forged_replies_fail_as_the_learners_own_and_cost_the_grader_no_memory(tmp_path, level):
    """A 768 MiB announcement, a string for `seconds`, a 100,000-deep array, a list for `error`:
    each check fails as the learner's failure, the function after them still works, and the
    grader's peak memory grows by less than a tenth of what was announced."""
    (tmp_path / "forger.py").write_text(textwrap.dedent(FORGER))
    done = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "forger.py")], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=240,
                          env={**os.environ, isolation.MODE_ENV: level})
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.splitlines()[-1])
    for name in ("huge", "string_seconds", "deep", "error_list"):
        kind, learners, message = results[name]
        assert learners is True and kind == "WorkerDied", (name, results[name])
        assert "its process sent back something that is not a reply" in message, (name, message)
        assert "forger.py" not in message and message.startswith(f"Called `{name}("), message
    assert "at most 33554432 are accepted" in results["huge"][2] and "nested" in results["deep"][2]
    assert "seconds" in results["string_seconds"][2] and "expected a dict" in results["error_list"][2]
    assert results["after"] == 5  # a fresh worker for the next function
    assert results["peak_kib"] * 1024 < 768 * MiB / 10, results["peak_kib"]


# -- times measured by the grader ------------------------------------------------------------------
SLEEPER = '''
    import time

    import numpy as np


    def convolve2d(image, kernel):
        """Correct, slow (it sleeps), and it stops the worker's clock to look fast."""
        time.perf_counter = lambda: 0.0
        time.monotonic = lambda: 0.0
        time.process_time = lambda: 0.0
        time.sleep(1.5)
        return _correlate(image, kernel)


    def nap(seconds):
        time.perf_counter = lambda: 0.0
        time.sleep(seconds)
        return 1


    def spin(seconds):
        started = time.thread_time()
        while time.thread_time() - started < seconds:
            pass
        return 1


    def _correlate(image, kernel):
        image, kernel = np.asarray(image, float), np.asarray(kernel, float)[::-1, ::-1]
        h, w = kernel.shape
        padded = np.pad(image, ((h // 2, h // 2), (w // 2, w // 2)))
        windows = np.lib.stride_tricks.sliding_window_view(padded, kernel.shape)
        return np.einsum("ijkl,kl->ij", windows, kernel)
'''


def _reference_convolve2d(image, kernel):
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)[::-1, ::-1]
    padded = np.pad(image, 1)
    windows = np.lib.stride_tricks.sliding_window_view(padded, kernel.shape)
    return np.einsum("ijkl,kl->ij", windows, kernel)


def test_a_sleeping_convolve2d_with_a_stopped_clock_earns_no_speed_bonus(tmp_path):
    (tmp_path / "sleeper.py").write_text(textwrap.dedent(SLEEPER))
    proxy = LearnerModule("sleeper", tmp_path / "sleeper.py", limits=Limits(timeout_s=20))
    image, kernel = np.arange(64.0).reshape(8, 8), np.ones((3, 3)) / 9
    try:
        with pytest.raises(failures.CheckFailed, match=r"your convolve2d took [0-9.]+× the reference's time"):
            speed.expect_fast(proxy, "convolve2d", _reference_convolve2d, image, kernel,
                              check=lambda got, expected: np.testing.assert_allclose(got, expected))
        assert proxy.last.seconds >= 1.5  # the grader's round trip: the sleep counts in full
    finally:
        proxy.close()


@pytest.mark.parametrize("with_cgroup", [
    pytest.param(True, marks=pytest.mark.skipif(sys.platform != "linux" or os.geteuid() != 0,
                                                 reason="a cgroup per worker needs Linux and root (as in CI)")),
    False], ids=["cgroup", "psutil"])
def test_the_grader_times_each_call_round_trip_and_cpu(tmp_path, monkeypatch, with_cgroup):
    """`seconds` is the round trip (a sleep counts), `cpu_seconds` the tree's CPU time read from
    outside (a sleep costs none, a busy loop its length), from the cgroup or else from psutil."""
    if not with_cgroup:
        monkeypatch.setattr(client.cgroups, "create", lambda **limits: None)
        monkeypatch.setattr(client.processes, "become_subreaper", lambda: None)  # not pytest's own process
    (tmp_path / "sleeper.py").write_text(textwrap.dedent(SLEEPER))
    worker = WorkerProcess("sleeper", tmp_path / "sleeper.py", limits=Limits(timeout_s=20))
    try:
        slept = worker.call("nap", (0.5,))
        busy = worker.call("spin", (0.4,))
        assert (worker._cgroup is not None) is with_cgroup
    finally:
        worker.stop()
    assert slept.ok and slept.seconds >= 0.5 and slept.cpu_seconds is not None and slept.cpu_seconds < 0.3, slept
    assert busy.ok and busy.cpu_seconds >= 0.3 and busy.seconds >= 0.4, busy


# -- issue 22: each check reports its own call -------------------------------------------------
def test_a_check_after_a_timeout_quotes_its_own_call(tmp_path):
    (tmp_path / "hull.py").write_text(textwrap.dedent('''
        def area(points):
            while len(points) > 100:
                pass
            return 0.0
    '''))
    proxy = LearnerModule("hull", tmp_path / "hull.py", limits=Limits(timeout_s=1.0))
    try:
        with pytest.raises(failures.TimedOut, match=r"\(1071, 2\)"):
            proxy.area(np.zeros((1071, 2)))
        with pytest.raises(failures.TimedOut) as stopped:
            proxy.area(np.zeros((0, 2)))
        with pytest.raises(failures.TimedOut) as again:  # the very call again (Hypothesis replays it)
            proxy.area(np.zeros((1071, 2)))
    finally:
        proxy.close()
    message = stopped.value.message
    assert message.startswith("Called `area(float64 (0, 2))`: not run"), message
    earlier = "stopped on an earlier call (`area(float64 (1071, 2))` was stopped after 2 s of CPU time)"
    assert earlier in message, message
    assert "np.zeros((0, 2)" in stopped.value.snippet and "1071" not in stopped.value.snippet
    assert proxy.last.args[0].shape == (1071, 2)
    assert again.value.message.startswith(
        "Called `area(float64 (1071, 2))`: it ran for 2 s of CPU time without finishing")


# -- forged at import ------------------------------------------------------------------------
FORGED_AT_IMPORT = {
    "garbage": "os.write(_channel(), bytes(8) + b'{}')",
    "a sandbox failure, then on": "os.write(_channel(), _wire.encode_message({'ok': False, 'sandbox': 'forged'}))",
}


@pytest.mark.parametrize("forgery", FORGED_AT_IMPORT)
def test_a_reply_forged_at_import_is_the_learners_failed_import(tmp_path, forgery):
    """Not a grader error: neither garbage nor a claim that the sandbox failed (the real worker ends
    right after saying so; this one runs on) is believed."""
    source = textwrap.dedent(FORGER).replace("def huge(", f"{FORGED_AT_IMPORT[forgery]}\n\n\ndef huge(")
    source = source.replace("import numpy as np", "import numpy as np\n\n_wire = sys.modules['grader.sandbox.wire']")
    (tmp_path / "forger.py").write_text(source)
    proxy = LearnerModule("forger", tmp_path / "forger.py", limits=Limits(timeout_s=10))
    try:
        with pytest.raises(failures.ImportFailed, match="its process sent back something that is not a reply"):
            proxy.honest(np.ones(3))
    finally:
        proxy.close()
