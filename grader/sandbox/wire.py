"""The pickle-free wire format between the grader and a worker process.

A message is a frame (:mod:`grader.sandbox.frames`: an 8-byte big-endian length,
then that many bytes) holding a JSON header, followed by the binary blobs the
header lists. A NumPy array travels as its raw bytes, its dtype and shape in the header;
an object or structured dtype is never read back, so no object can smuggle code across.
(``.npy`` blobs did the same, but parsing their headers doubled the cost of
decoding a message of small arrays.)

Anything that is not plain data (a custom class, an ndarray subclass, a Keras model)
is *described* (:mod:`grader.kit.describe`), never sent: the grader receives a
:class:`Foreign` with its type name, so a lookalike object can never pass for the real thing.
"""

from __future__ import annotations

import json
import math

import numpy as np

from grader.kit.describe import Foreign, safe_repr, type_name
from grader.sandbox import frames

MAX_HEADER_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 20

# The protocol's errors are the frames' own, so that a reader has one kind to catch.
WireError = frames.FrameError  # a frame could not be read: the peer died, closed the pipe or wrote garbage
WireTimeout = frames.FrameTimeout  # nothing (or not all of a frame) arrived before the deadline


def _encode(value, blobs: list[bytes], depth: int):
    if depth > MAX_DEPTH:
        return {"__foreign__": "nested too deeply", "summary": ""}
    cls = type(value)
    # Exact type checks throughout: a subclass of int, tuple or ndarray is not plain data.
    if value is None or cls in (bool, str):
        return value
    if cls is int:
        return value if abs(value) < 2**63 else {"__bigint__": str(value)}
    if cls is float:
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if cls is np.ndarray:
        if value.dtype.hasobject or value.dtype.fields is not None:
            return {"__foreign__": "numpy.ndarray", "summary": f"dtype={value.dtype}"}
        blobs.append(np.ascontiguousarray(value).tobytes())
        return {"__ndarray__": len(blobs) - 1, "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, np.generic) and cls.__module__ == "numpy" and not value.dtype.hasobject:
        return {"__npscalar__": _encode(np.asarray(value), blobs, depth + 1)}
    if cls in (list, tuple):
        items = [_encode(item, blobs, depth + 1) for item in value]
        return items if cls is list else {"__tuple__": items}
    if cls is dict:
        return {"__dict__": [[_encode(k, blobs, depth + 1), _encode(v, blobs, depth + 1)] for k, v in value.items()]}
    summary = ""
    if isinstance(value, np.ndarray):
        # An ndarray subclass: say what it is, carry its data for a helpful message only.
        base = np.ndarray.view(value, np.ndarray)  # never calls the subclass's own methods
        summary = f"an ndarray subclass, dtype={base.dtype}, shape={base.shape}"
    return {"__foreign__": type_name(value), "summary": summary or safe_repr(value)}


def _decode(node, blobs: list[bytes]):
    if isinstance(node, list):
        return [_decode(item, blobs) for item in node]
    if not isinstance(node, dict):
        return node
    if "__ndarray__" in node:
        return _array(blobs[node["__ndarray__"]], node["dtype"], node["shape"])
    if "__npscalar__" in node:
        return _decode(node["__npscalar__"], blobs)[()]
    if "__tuple__" in node:
        return tuple(_decode(item, blobs) for item in node["__tuple__"])
    if "__dict__" in node:
        return {_hashable(_decode(k, blobs)): _decode(v, blobs) for k, v in node["__dict__"]}
    if "__bigint__" in node:
        return int(node["__bigint__"])
    if "__float__" in node:
        return float(node["__float__"])
    if "__foreign__" in node:
        return Foreign(str(node["__foreign__"]), str(node.get("summary", "")))
    return {key: _decode(value, blobs) for key, value in node.items()}


def _array(blob: bytes, dtype: str, shape: list) -> np.ndarray:
    kind = np.dtype(str(dtype))
    if kind.hasobject or kind.fields is not None:
        raise ValueError(f"arrays of dtype {kind} are not sent")
    shape = tuple(int(n) for n in shape)
    if any(n < 0 for n in shape) or math.prod(shape) * kind.itemsize != len(blob):
        raise ValueError("an array's bytes do not match its shape")
    # A bytearray, so that the array is writable as an array made here would be.
    return np.frombuffer(bytearray(blob), dtype=kind).reshape(shape)


def _hashable(key):
    try:
        hash(key)
    except TypeError:
        return Foreign(type_name(key, qualified=False), "unhashable key")
    return key


def encode_message(message: dict) -> bytes:
    """Encode a message (plain data, arrays included) into one frame."""
    blobs: list[bytes] = []
    body = _encode(message, blobs, 0)
    header = json.dumps({"body": body, "blobs": [len(b) for b in blobs]}, allow_nan=False).encode()
    return b"".join([frames.length_prefix(len(header)), header, *blobs])


def read_message(fd: int, *, max_blob_bytes: int = 1 << 33, deadline: float | None = None) -> dict:
    """Read one frame from a file descriptor and decode it.

    With a ``deadline`` (a ``time.monotonic()`` value; POSIX only) it raises
    :class:`WireTimeout` rather than wait past it, even for half a frame.
    """
    raw = frames.read(fd, max_bytes=MAX_HEADER_BYTES, deadline=deadline)
    try:
        header = json.loads(raw)
        sizes = [int(size) for size in header["blobs"]]
    except (ValueError, KeyError, TypeError) as error:
        raise WireError(f"malformed header: {error}") from None
    if sum(sizes) > max_blob_bytes:
        raise WireError("message too large")
    blobs = [frames.read_exactly(fd, size, deadline) for size in sizes]
    try:
        message = _decode(header["body"], blobs)
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise WireError(f"malformed message: {error}") from None
    if not isinstance(message, dict):
        raise WireError("a message must be an object")
    return message


def decode_frame(data: bytes) -> dict:
    """Decode one whole frame held in memory (what :func:`encode_message` made)."""
    try:
        raw, offset = frames.unpack(data)
        header = json.loads(raw)
        blobs = []
        for size in header["blobs"]:
            blobs.append(data[offset:offset + int(size)])
            offset += int(size)
        if offset != len(data):
            raise ValueError("the frame's length does not match its header")
        message = _decode(header["body"], blobs)
    except (frames.FrameError, ValueError, KeyError, IndexError, TypeError) as error:
        raise WireError(f"malformed frame: {error}") from None
    if not isinstance(message, dict):
        raise WireError("a message must be an object")
    return message


def write_message(fd: int, message: dict) -> None:
    """Encode a message and write the whole frame to a file descriptor."""
    frames.write_all(fd, encode_message(message))
