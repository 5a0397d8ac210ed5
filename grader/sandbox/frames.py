"""Frames: a message's bytes preceded by their length, on a pipe or in memory, optionally signed.

Both of the grader's protocols frame their messages here:

- the worker protocol (:mod:`grader.sandbox.wire`): a frame holds a message's JSON
  header; the raw bytes of its arrays, whose sizes the header lists, follow it;
- a batch child's result (:mod:`grader.instructor.batch.child`): one *signed* frame,
  ``MAGIC`` then a frame of ``HMAC-SHA256(key, body) + body``, which only a holder of
  the key can make (learner code never sees it), so a grade cannot be forged.

A frame is an 8-byte big-endian length, then that many bytes. This module runs in
the worker too (from its copy of the sandbox's code): the standard library only.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import select
import struct
import time

LENGTH = struct.Struct(">Q")
MAGIC = b"PGR1"
_DIGEST_BYTES = hashlib.sha256().digest_size
_CHUNK = 1 << 20  # what one read asks for: a pipe holds at most 1 MiB (grader.sandbox.client widens it so far)


class FrameError(Exception):
    """A frame could not be read: the peer died, closed the pipe or wrote garbage."""


class FrameTimeout(FrameError):
    """Nothing (or not all of a frame) arrived, or could be sent, before the deadline."""


class FrameClosed(FrameError):
    """The other side closed the pipe (most often: its process ended), before or inside a frame."""


class FrameTooLarge(FrameError):
    """A frame announces more bytes than its reader accepts (nothing of it was read)."""


# -- plain frames ----------------------------------------------------------------------
def length_prefix(size: int) -> bytes:
    """The 8 bytes that open a frame of ``size`` bytes (to join with them without copying them twice)."""
    return LENGTH.pack(size)


def pack(payload: bytes) -> bytes:
    """One frame holding ``payload``."""
    return length_prefix(len(payload)) + payload


def unpack(data: bytes, offset: int = 0) -> tuple[bytes, int]:
    """The payload of the frame at ``data[offset:]`` and the offset just past it; :class:`FrameError` if cut short."""
    start = offset + LENGTH.size
    if len(data) < start:
        raise FrameError("the data is too short to hold a frame's length")
    (length,) = LENGTH.unpack_from(data, offset)
    end = start + length
    if len(data) < end:
        raise FrameError(f"the frame is shorter ({len(data) - start} bytes) than its length says ({length})")
    return data[start:end], end


def _wait_readable(fd: int, deadline: float | None) -> None:
    if deadline is None:
        return
    remaining = deadline - time.monotonic()
    if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
        raise FrameTimeout("no reply before the deadline")


def _wait_writable(fd: int, deadline: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0 or not select.select([], [fd], [], remaining)[1]:
        raise FrameTimeout("the other side read nothing more before the deadline")


def read_exactly(fd: int, count: int, deadline: float | None = None) -> bytes:
    """``count`` bytes from ``fd``; with a ``deadline`` (``time.monotonic()``; POSIX only), never waiting past it."""
    chunks = []
    while count:
        _wait_readable(fd, deadline)
        chunk = os.read(fd, min(count, _CHUNK))
        if not chunk:
            raise FrameClosed("the other side closed the connection")
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def read(fd: int, *, max_bytes: int, deadline: float | None = None) -> bytes:
    """The payload of the next frame on ``fd``; :class:`FrameTooLarge` for one over ``max_bytes``.

    The length is checked before a byte of the payload is read, so a frame that announces
    gigabytes costs its reader nothing. With a ``deadline`` it raises :class:`FrameTimeout`
    rather than wait past it, even for half a frame.
    """
    (length,) = LENGTH.unpack(read_exactly(fd, LENGTH.size, deadline))
    if length > max_bytes:
        raise FrameTooLarge(f"a frame of {length} bytes is too large: at most {max_bytes} are accepted")
    return read_exactly(fd, length, deadline)


def write_all(fd: int, data: bytes, deadline: float | None = None) -> None:
    """Write all of ``data`` to ``fd`` (a pipe takes a large frame in several writes).

    With a ``deadline`` (POSIX, ``fd`` non-blocking) it raises :class:`FrameTimeout` rather
    than wait past it for a reader that stopped reading.
    """
    view = memoryview(data)
    while view:
        if deadline is not None:
            _wait_writable(fd, deadline)
        try:
            written = os.write(fd, view)
        except BlockingIOError:  # select said writable, another writer was quicker: wait again
            continue
        view = view[written:]


# -- signed frames ---------------------------------------------------------------------
def _digest(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, body, hashlib.sha256).digest()


def sign(key: bytes, body: bytes) -> bytes:
    """One signed frame: ``MAGIC``, then a frame of ``body``'s HMAC under ``key`` and ``body``."""
    return MAGIC + pack(_digest(key, body) + body)


def verify(key: bytes, data: bytes) -> bytes | None:
    """The body of the correctly signed frame at the start of ``data`` (bytes after it are ignored), else None."""
    if not data.startswith(MAGIC):
        return None
    try:
        payload, _ = unpack(data, len(MAGIC))
    except FrameError:
        return None
    digest, body = payload[:_DIGEST_BYTES], payload[_DIGEST_BYTES:]
    if len(digest) != _DIGEST_BYTES:
        return None
    return body if hmac.compare_digest(digest, _digest(key, body)) else None


def find_signed(key: bytes, stream: bytes) -> bytes | None:
    """The body of the last correctly signed frame anywhere in ``stream`` (stray output around it is ignored)."""
    start = stream.rfind(MAGIC)
    while start >= 0:
        body = verify(key, stream[start:])
        if body is not None:
            return body
        start = stream.rfind(MAGIC, 0, start)
    return None
