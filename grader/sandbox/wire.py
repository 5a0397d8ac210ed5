"""The pickle-free wire format between the grader and a worker process.

A message is a frame (:mod:`grader.sandbox.frames`: an 8-byte big-endian length,
then that many bytes) holding a JSON header, followed by the binary blobs the
header lists. A NumPy array travels as its raw bytes, its dtype and shape in the header;
an object or structured dtype is never read back, so no object can smuggle code across.
(``.npy`` blobs did the same, but parsing their headers doubled the cost of
decoding a message of small arrays.)

Anything that is not plain data (a custom class, an ndarray subclass, a Keras model)
is *described* (:mod:`grader.sandbox.naming`), never sent: the grader receives a
:class:`Foreign` with its type name, so a lookalike object can never pass for the real thing.

The grader reads what a worker sends as a stranger's bytes: learner code runs in the
worker's process and can write any frame to its channel. :func:`read_message` takes a
cap (the most the message may hold, checked against the frame's length and every array's
size before any of it is read), refuses JSON nested deeper than any message this module
makes (checked before it is parsed, so no parser recursion depends on the input) and
decodes strictly (an object that is none of the wire's kinds is an error);
:func:`reply_fields` checks a reply against the protocol's schema. Whatever fails is a
:class:`WireError`, never another exception.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np

from grader.sandbox import frames
from grader.sandbox.naming import Foreign, safe_repr, type_name

MAX_HEADER_BYTES = 16 * 1024 * 1024  # a message's JSON (its arrays travel apart, as raw bytes)
TRUSTED_MESSAGE_BYTES = 1 << 33  # the default cap: the worker reading the grader's requests
MAX_DEPTH = 20  # values nested deeper are described, not sent
# Each level of a value is at most three levels of JSON ({"__dict__": [[key, value]]}), and a
# message is one level of header around a dict: nothing this module makes is nested deeper.
MAX_JSON_DEPTH = 3 * (MAX_DEPTH + 2) + 4
MAX_CONTAINERS = 1 << 20  # JSON lists and objects in one message (each costs the reader ~60 bytes)
MAX_BLOBS = 1 << 16
MAX_DIMENSIONS = 32  # NumPy's own limit is 64
FOREIGN_TEXT_CHARS = 2000

# The protocol's errors are the frames' own, so that a reader has one kind to catch.
WireError = frames.FrameError  # a frame could not be read: the peer died, closed the pipe or wrote garbage
WireTimeout = frames.FrameTimeout  # nothing (or not all of a frame) arrived before the deadline
WireClosed = frames.FrameClosed  # the peer closed its end: most often, its process ended


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
    """The value a JSON node stands for: plain JSON as it is, a tagged object as its kind, nothing else."""
    cls = type(node)
    if cls is list:
        return [_decode(item, blobs) for item in node]
    if cls is not dict:
        return node  # str, int, float, bool or None: what JSON holds
    keys = node.keys()
    if keys == {"__ndarray__", "dtype", "shape"}:
        index = node["__ndarray__"]
        if type(index) is not int or not 0 <= index < len(blobs):
            raise ValueError("an array names no blob of the message")
        return _array(blobs[index], node["dtype"], node["shape"])
    if keys == {"__npscalar__"}:
        inner = node["__npscalar__"]
        if type(inner) is not dict or inner.get("shape") != []:
            raise ValueError("a NumPy scalar must be an array of shape ()")
        return _decode(inner, blobs)[()]
    if keys == {"__tuple__"}:
        return tuple(_decode(_typed(node["__tuple__"], list), blobs))
    if keys == {"__dict__"}:
        pairs = _typed(node["__dict__"], list)
        if any(type(pair) is not list or len(pair) != 2 for pair in pairs):
            raise ValueError("a dict's items must be [key, value] pairs")
        return {_hashable(_decode(k, blobs)): _decode(v, blobs) for k, v in pairs}
    if keys == {"__bigint__"}:
        return int(_typed(node["__bigint__"], str))  # ValueError past Python's 4,300 digits
    if keys == {"__float__"}:
        text = _typed(node["__float__"], str)
        if text not in ("nan", "inf", "-inf"):
            raise ValueError("only a non-finite float travels as text")
        return float(text)
    if keys == {"__foreign__", "summary"}:
        return Foreign(_typed(node["__foreign__"], str)[:FOREIGN_TEXT_CHARS],
                       _typed(node["summary"], str)[:FOREIGN_TEXT_CHARS])
    raise ValueError("an object that is none of the wire's kinds")


def _typed(value, kind: type):
    if type(value) is not kind:
        raise TypeError(f"expected a {kind.__name__}, got a {type(value).__name__}")
    return value


def _array(blob: bytes, dtype, shape) -> np.ndarray:
    kind = np.dtype(_typed(dtype, str))
    # Only the dtypes the encoder writes (dtype.str of a plain array): no objects, no
    # fields, no sub-arrays, whose sizes would not be what the shape says.
    if kind.hasobject or kind.fields is not None or kind.subdtype is not None or kind.str != dtype:
        raise ValueError(f"arrays of dtype {dtype!r} are not sent")
    if type(shape) is not list or len(shape) > MAX_DIMENSIONS or any(type(n) is not int or n < 0 for n in shape):
        raise ValueError("an array's shape must be a short list of sizes")
    if math.prod(shape) * kind.itemsize != len(blob):
        raise ValueError("an array's bytes do not match its shape")
    # A bytearray, so that the array is writable as an array made here would be.
    return np.frombuffer(bytearray(blob), dtype=kind).reshape(shape)


def _hashable(key):
    try:
        hash(key)
    except TypeError:
        return Foreign(type_name(key, qualified=False), "unhashable key")
    return key


# -- checking a message's JSON before parsing it -----------------------------------------------
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_BRACKETS = np.frombuffer(b"[]{}", np.uint8)


def _check_nesting(raw: bytes) -> None:
    """:class:`WireError` for JSON nested deeper than ``MAX_JSON_DEPTH`` or with too many containers.

    Checked before :func:`json.loads` sees it: the parser recurses once per level (a
    100,000-deep array would exhaust the stack wherever the recursion limit was raised).
    """
    if raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH:
        return  # too few brackets to be too deep: every small message
    bare = _JSON_STRING.sub(b'""', raw)  # brackets inside strings are text
    codes = np.frombuffer(bare, np.uint8)
    marks = codes[np.isin(codes, _BRACKETS)]
    opens = (marks == ord("[")) | (marks == ord("{"))
    if np.count_nonzero(opens) > MAX_CONTAINERS:
        raise WireError(f"a message with more than {MAX_CONTAINERS} lists and objects")
    if marks.size and int(np.cumsum(np.where(opens, 1, -1)).max()) > MAX_JSON_DEPTH:
        raise WireError(f"a message nested more than {MAX_JSON_DEPTH} levels deep")


def _header(raw: bytes) -> dict:
    """The frame's JSON header, ``{"body": ..., "blobs": [sizes]}``, checked; :class:`WireError` otherwise."""
    _check_nesting(raw)
    try:
        header = json.loads(raw)
    except (ValueError, RecursionError, MemoryError) as error:  # not JSON (or not UTF-8)
        raise WireError(f"malformed header: {type(error).__name__}") from None
    if type(header) is not dict or header.keys() != {"body", "blobs"}:
        raise WireError("malformed header: not a message's header")
    sizes = header["blobs"]
    if type(sizes) is not list or len(sizes) > MAX_BLOBS or any(type(n) is not int or n < 0 for n in sizes):
        raise WireError("malformed header: the sizes of its arrays are not a list of sizes")
    return header


def _body(header: dict, blobs: list[bytes]) -> dict:
    try:
        message = _decode(header["body"], blobs)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError, MemoryError) as error:
        raise WireError(f"malformed message: {str(error)[:200]}") from None
    if type(message) is not dict:
        raise WireError("a message must be a dict")
    return message


# -- whole messages ----------------------------------------------------------------------------
def encode_message(message: dict) -> bytes:
    """Encode a message (plain data, arrays included) into one frame."""
    blobs: list[bytes] = []
    body = _encode(message, blobs, 0)
    header = json.dumps({"body": body, "blobs": [len(b) for b in blobs]}, allow_nan=False).encode()
    return b"".join([frames.length_prefix(len(header)), header, *blobs])


def read_message(fd: int, *, max_bytes: int = TRUSTED_MESSAGE_BYTES, deadline: float | None = None) -> dict:
    """Read one frame from a file descriptor and decode it.

    ``max_bytes``: the most the whole message may hold (its JSON and its arrays), checked
    before any of it is read; the grader passes what the call it waits for may return.
    With a ``deadline`` (a ``time.monotonic()`` value; POSIX only) it raises
    :class:`WireTimeout` rather than wait past it, even for half a frame. Any other
    failure is a :class:`WireError` (:class:`WireClosed` when the peer closed its end).
    """
    raw = frames.read(fd, max_bytes=min(max_bytes, MAX_HEADER_BYTES), deadline=deadline)
    header = _header(raw)
    total = len(raw) + sum(header["blobs"])
    if total > max_bytes:
        raise frames.FrameTooLarge(f"a message of {total} bytes is too large: at most {max_bytes} are accepted")
    blobs = [frames.read_exactly(fd, size, deadline) for size in header["blobs"]]
    return _body(header, blobs)


def decode_frame(data: bytes) -> dict:
    """Decode one whole frame held in memory (what :func:`encode_message` made)."""
    try:
        raw, offset = frames.unpack(data)
    except frames.FrameError as error:
        raise WireError(f"malformed frame: {error}") from None
    header = _header(raw)
    blobs = []
    for size in header["blobs"]:
        blobs.append(data[offset:offset + size])
        offset += size
    if offset != len(data):
        raise WireError("malformed frame: the frame's length does not match its header")
    return _body(header, blobs)


def write_message(fd: int, message: dict, deadline: float | None = None) -> None:
    """Encode a message and write the whole frame to a file descriptor (see :func:`frames.write_all`)."""
    frames.write_all(fd, encode_message(message), deadline)


# -- the worker's replies ----------------------------------------------------------------------
ERROR_TEXT_CHARS = 600  # an exception's message, as the learner reads it
SHORT_TEXT_CHARS = 300  # every other text of a reply's error
MAX_LIST_ITEMS = 256  # names of arguments, of tripped functions, of exception types
_SYNTAX_TEXTS = ("msg", "filename", "text")
_SYNTAX_NUMBERS = ("lineno", "offset", "end_lineno", "end_offset")
REPLY_FIELDS = frozenset({"id", "ok", "value", "mutated", "tripped", "error", "missing", "unsendable", "sandbox",
                          "confined", "seconds"})


def reply_fields(message: dict, *, request_id: str | None) -> dict:
    """A worker's reply, checked against the protocol's schema: the fields the grader may use.

    ``request_id``: the id of the request it answers (None: the reply to the configuration,
    which carries none). Anything else (an unknown field, a field of the wrong type, another
    id) raises :class:`WireError`. Texts of the error are cut short; a ``seconds`` field (the
    worker's own timing, which learner code could rewrite) is accepted as a number and never
    returned: the grader measures time itself.
    """
    unknown = set(message) - REPLY_FIELDS
    if unknown:
        raise WireError(f"a reply with a field it cannot have ({safe_repr(sorted(map(str, unknown))[0], 60)})")
    if message.get("id") != request_id:
        raise WireError("a reply to no request the grader made")
    try:
        fields = {
            "ok": _typed(message.get("ok"), bool),
            "value": message.get("value"),
            "mutated": [_argument_key(key) for key in _items(message.get("mutated", []))],
            "tripped": [_typed(name, str)[:SHORT_TEXT_CHARS] for name in _items(message.get("tripped", []))],
            "error": _error(message["error"]) if message.get("error") is not None else None,
            "missing": _typed(message.get("missing", False), bool),
            "unsendable": _typed(message["unsendable"], str)[:SHORT_TEXT_CHARS] if "unsendable" in message else None,
            "sandbox": _typed(message.get("sandbox", ""), str)[:ERROR_TEXT_CHARS],
            "confined": _typed(message.get("confined", False), bool),
        }
        if "seconds" in message and type(message["seconds"]) not in (int, float):
            raise TypeError("seconds must be a number")
    except (TypeError, ValueError) as error:
        raise WireError(f"a reply that does not follow the protocol ({error})") from None
    return fields


def _items(value) -> list:
    if type(value) is not list or len(value) > MAX_LIST_ITEMS:
        raise TypeError(f"expected a list of at most {MAX_LIST_ITEMS} items")
    return value


def _argument_key(key):
    if type(key) is int:
        return key
    return _typed(key, str)[:SHORT_TEXT_CHARS]


def _optional_int(value):
    if value is None or type(value) is int:
        return value
    if type(value) is bool:  # SystemExit(True): an int to Python
        return int(value)
    raise TypeError(f"expected a number, got a {type(value).__name__}")


def _error(error) -> dict:
    """A learner exception as the worker describes it: known keys of known types only."""
    _typed(error, dict)
    unknown = set(error) - {"types", "message", "where", "code", "syntax"}
    if unknown:
        raise ValueError("an error with a field it cannot have")
    checked = {
        "types": [_typed(name, str)[:SHORT_TEXT_CHARS] for name in _items(error.get("types", []))],
        "message": _typed(error.get("message", ""), str)[:ERROR_TEXT_CHARS],
        "where": [_typed(line, str)[:SHORT_TEXT_CHARS] for line in _items(error.get("where", []))],
        "code": _optional_int(error.get("code")),
    }
    if error.get("syntax") is not None:
        syntax = _typed(error["syntax"], dict)
        if set(syntax) - {*_SYNTAX_TEXTS, *_SYNTAX_NUMBERS}:
            raise ValueError("a syntax error with a field it cannot have")
        checked["syntax"] = {
            **{key: _typed(syntax[key], str)[:SHORT_TEXT_CHARS] if syntax.get(key) is not None else None
               for key in _SYNTAX_TEXTS},
            **{key: _optional_int(syntax.get(key)) for key in _SYNTAX_NUMBERS},
        }
    return checked
