"""Write its own replies on the worker's reply channel: a frame that announces gigabytes, or a malformed reply.

It finds the channel (the one pipe it may write to besides stderr) and the id of the request
being answered (in its caller's frames), as a determined submission would.
"""

import fcntl
import json
import os
import stat
import struct
import sys
import time

ANNOUNCED_BYTES = 4 * 1024**3


def _reply_channels():
    """Every pipe this process may write to, other than its stderr (fds 1 and 2)."""
    stderr = os.fstat(2)
    found = []
    for fd in range(3, 256):
        try:
            info = os.fstat(fd)
            mode = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
        except OSError:
            continue
        if stat.S_ISFIFO(info.st_mode) and info.st_ino != stderr.st_ino and mode in (os.O_WRONLY, os.O_RDWR):
            found.append(fd)
    return found


def _request_id():
    frame = sys._getframe(1)
    while frame is not None:
        request = frame.f_locals.get("request")
        if isinstance(request, dict) and "id" in request:
            return request["id"]
        frame = frame.f_back
    return None


def _frame(body: dict, blobs=()) -> bytes:
    """A frame of the wire's format: a dict travels as its [key, value] pairs, an array as it is given."""
    def tagged(value):
        if isinstance(value, dict) and "__ndarray__" not in value:
            return {"__dict__": [[key, tagged(item)] for key, item in value.items()]}
        return value

    data = json.dumps({"body": tagged(body), "blobs": list(blobs)}).encode()
    return struct.pack(">Q", len(data)) + data


def attack(kind, token, stream_bytes=0, then_sleep_s=0.0):
    """Forge a reply of ``kind`` ("huge" or "schema"); the channels it wrote to."""
    request_id = _request_id()
    channels = _reply_channels()
    if kind == "huge":
        array = {"__ndarray__": 0, "dtype": "|u1", "shape": [ANNOUNCED_BYTES]}
        frame = _frame({"id": request_id, "ok": True, "value": array}, [ANNOUNCED_BYTES])
    else:
        frame = _frame({"id": request_id, "ok": True, "value": token, "mutated": 7, "tripped": "all",
                        "seconds": "fast", "error": ["not", "a", "dict"], "missing": {"x": 1}})
    for fd in channels:
        try:
            os.write(fd, frame)
        except OSError:
            continue
        chunk, sent = b"\x00" * (1 << 20), 0
        while sent < stream_bytes:  # some of the announced bytes: what a reader that believed it must hold
            try:
                sent += os.write(fd, chunk)
            except OSError:
                break
    if then_sleep_s:
        time.sleep(then_sleep_s)  # no honest reply after the forged one
    return {"channels": channels, "request_id": request_id}
