"""The pickle-free wire format between the grader and a worker process.

A message is one frame: an 8-byte big-endian length, a JSON header of that length,
then the binary blobs the header lists. A NumPy array travels as its raw bytes,
its dtype and shape in the header; an object or structured dtype is never read
back, so no object can smuggle code across.
(``.npy`` blobs did the same, but parsing their headers doubled the cost of
decoding a message of small arrays.)

Anything that is not plain data (a custom class, an ndarray subclass, a Keras model)
is *described*, never sent: the grader receives a :class:`Foreign` with its type
name, so a lookalike object can never pass for the real thing.
"""

from __future__ import annotations

import json
import math
import os
import select
import struct
import time
from dataclasses import dataclass, field

import numpy as np

MAX_HEADER_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 20
_LENGTH = struct.Struct(">Q")


class WireError(Exception):
    """A frame could not be read: the peer died, closed the pipe or wrote garbage."""


@dataclass(frozen=True)
class Foreign:
    """A value that is not plain data, as seen from the grader: only a description."""

    type_name: str
    summary: str = ""
    array: np.ndarray | None = field(default=None, compare=False)

    def __repr__(self) -> str:
        return f"<{self.type_name}{': ' + self.summary if self.summary else ''}>"


def _type_name(value) -> str:
    cls = type(value)
    module = getattr(cls, "__module__", "") or ""
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def _safe_repr(value, limit: int = 120) -> str:
    try:
        text = object.__repr__(value)
    except BaseException:  # noqa: BLE001 - a hostile __repr__ must not break the worker
        text = "?"
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
    return {"__foreign__": _type_name(value), "summary": summary or _safe_repr(value)}


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
        return Foreign(type(key).__name__, "unhashable key")
    return key


def encode_message(message: dict) -> bytes:
    """Encode a message (plain data, arrays included) into one frame."""
    blobs: list[bytes] = []
    body = _encode(message, blobs, 0)
    header = json.dumps({"body": body, "blobs": [len(b) for b in blobs]}, allow_nan=False).encode()
    return b"".join([_LENGTH.pack(len(header)), header, *blobs])


class WireTimeout(WireError):
    """Nothing (or not all of a frame) arrived before the deadline."""


def _wait_readable(fd: int, deadline: float | None) -> None:
    if deadline is None:
        return
    remaining = deadline - time.monotonic()
    if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
        raise WireTimeout("no reply before the deadline")


def _read_exactly(fd: int, count: int, deadline: float | None = None) -> bytes:
    chunks = []
    while count:
        _wait_readable(fd, deadline)
        chunk = os.read(fd, min(count, 1 << 20))
        if not chunk:
            raise WireError("the other side closed the connection")
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def read_message(fd: int, *, max_blob_bytes: int = 1 << 33, deadline: float | None = None) -> dict:
    """Read one frame from a file descriptor and decode it.

    With a ``deadline`` (a ``time.monotonic()`` value; POSIX only) it raises
    :class:`WireTimeout` rather than wait past it, even for half a frame.
    """
    (length,) = _LENGTH.unpack(_read_exactly(fd, _LENGTH.size, deadline))
    if length > MAX_HEADER_BYTES:
        raise WireError(f"header of {length} bytes is too large")
    try:
        header = json.loads(_read_exactly(fd, length, deadline))
        sizes = [int(size) for size in header["blobs"]]
    except (ValueError, KeyError, TypeError) as error:
        raise WireError(f"malformed header: {error}") from None
    if sum(sizes) > max_blob_bytes:
        raise WireError("message too large")
    blobs = [_read_exactly(fd, size, deadline) for size in sizes]
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
        (length,) = _LENGTH.unpack_from(data)
        header = json.loads(data[_LENGTH.size:_LENGTH.size + length])
        offset, blobs = _LENGTH.size + length, []
        for size in header["blobs"]:
            blobs.append(data[offset:offset + int(size)])
            offset += int(size)
        if offset != len(data):
            raise ValueError("the frame's length does not match its header")
        message = _decode(header["body"], blobs)
    except (struct.error, ValueError, KeyError, IndexError, TypeError) as error:
        raise WireError(f"malformed frame: {error}") from None
    if not isinstance(message, dict):
        raise WireError("a message must be an object")
    return message


def write_message(fd: int, message: dict) -> None:
    """Encode a message and write the whole frame to a file descriptor."""
    view = memoryview(encode_message(message))
    while view:
        written = os.write(fd, view)
        view = view[written:]
