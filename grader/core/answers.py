"""The answers of trusted functions (reference solutions, the checks' oracles), remembered by input.

Every input the checks make is fixed (derandomised Hypothesis, seeded generators,
bundled images), so the reference's and the oracles' answers are the same in
every grading: a class of 200 asks for the same answers 200 times, and a
learner's every save asks again. :func:`remembered` wraps a trusted function so
that an answer, once computed, is kept by a digest of the function and of its
arguments: in memory for this process, and as one file in the user's cache
folder for the next (``$XDG_CACHE_HOME/pixelgrade/answers``, else
``~/.cache/pixelgrade/answers``; ``PIXELGRADE_ANSWERS=DIR`` elsewhere, ``=off``
not at all). The oracles' heavy imports (``scipy.signal`` alone takes two
seconds) are then paid once per machine, not once per grading.

What makes an answer the same answer:

- the digest covers the function's name, the bytes of the file that defines it
  (edit a reference solution or a check and its answers are computed anew), the
  versions of the libraries answers may depend on, and every argument: an
  array's dtype, shape and bytes; a number's type and ``repr``; lists, tuples and
  dicts item by item. A call with any other kind of argument (a model, a
  callable) is not remembered, it just runs;
- only plain answers are kept (arrays of numbers, numbers, strings, lists, tuples
  and dicts of them), encoded as the sandbox's wire encodes them: never pickle.
  A function that raises raises every time (nothing is kept);
- a remembered answer comes back as a fresh copy, so a check that changes it
  changes nothing for the next.

The files are written atomically (a reader sees a whole answer or none) and
are only ever a copy: a file that cannot be read or written is computed again.
Learner code cannot write them where the sandbox confines it (it can write only
its scratch folder).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import inspect
import os
import tempfile
from pathlib import Path

import numpy as np

from grader.sandbox import wire

ENV = "PIXELGRADE_ANSWERS"
FORMAT = "1"  # bump when the key or the encoding changes: old files are then never read
LIBRARIES = ("numpy", "scipy", "scikit-image", "scikit-learn")
MEMORY_LIMIT_BYTES = 512 * 1024**2  # a long batch keeps at most this much in memory (the files stay)

_memory: dict[str, bytes] = {}
_memory_bytes = 0


class _NotPlain(Exception):
    """An argument or answer of a kind that is not remembered."""


def folder() -> Path | None:
    """Where answers are kept between runs (None: not kept, ``PIXELGRADE_ANSWERS=off``)."""
    chosen = os.environ.get(ENV, "")
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pixelgrade" / "answers"


@functools.cache
def _versions() -> str:
    found = []
    for name in LIBRARIES:
        try:
            found.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name}=none")
    return ";".join(found)


@functools.cache
def _file_digest(path: str) -> str:
    try:
        return hashlib.blake2b(Path(path).read_bytes(), digest_size=16).hexdigest()
    except OSError:
        return "unreadable"


def _feed(digest, value) -> None:
    kind = type(value)
    if kind is np.ndarray:
        if value.dtype.kind not in "biufc":
            raise _NotPlain
        digest.update(f"A{value.dtype.str}{value.shape}".encode())
        digest.update(np.ascontiguousarray(value).view(np.uint8).data if value.size else b"")
    elif value is None or kind in (bool, int, float, complex, str):
        digest.update(f"{kind.__name__}:{value!r};".encode())
    elif isinstance(value, np.generic) and value.dtype.kind in "biufc":
        digest.update(f"G{value.dtype.str}:{value.item()!r};".encode())
    elif kind in (list, tuple):
        digest.update(f"{kind.__name__}[{len(value)}".encode())
        for item in value:
            _feed(digest, item)
        digest.update(b"]")
    elif kind is dict:
        digest.update(f"dict[{len(value)}".encode())
        for name in sorted(value, key=repr):
            _feed(digest, name)
            _feed(digest, value[name])
        digest.update(b"]")
    else:
        raise _NotPlain


def plain(value) -> bool:
    """Whether ``value`` is plain data, kept here: arrays of numbers, numbers, strings, None, and
    lists, tuples and dicts (string keys) of them."""
    kind = type(value)
    if kind is np.ndarray:
        return value.dtype.kind in "biufc"
    if value is None or kind in (bool, int, float, str) or (isinstance(value, np.generic)
                                                            and value.dtype.kind in "biufc"):
        return True
    if kind in (list, tuple):
        return all(plain(item) for item in value)
    if kind is dict:
        return all(type(name) is str and plain(item) for name, item in value.items())
    return False


def key(namespace: str, args, kwargs) -> str | None:
    """The digest of a call of the function ``namespace`` names (None: an argument is not plain)."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{FORMAT};{namespace};{_versions()};".encode())
    try:
        _feed(digest, tuple(args))
        _feed(digest, dict(kwargs))
    except _NotPlain:
        return None
    return digest.hexdigest()


def _path(where: Path, name: str) -> Path:
    return where / name[:2] / f"{name}.answer"


def lookup(name: str):
    """The remembered answer (a fresh copy), or raise ``KeyError``."""
    blob = _memory.get(name)
    if blob is None:
        where = folder()
        if where is None:
            raise KeyError(name)
        try:
            blob = _path(where, name).read_bytes()
        except OSError:
            raise KeyError(name) from None
        _keep_in_memory(name, blob)
    try:
        return wire.decode_frame(blob)["value"]
    except (wire.WireError, KeyError, TypeError):
        _memory.pop(name, None)
        raise KeyError(name) from None


def _keep_in_memory(name: str, blob: bytes) -> None:
    global _memory_bytes
    if _memory_bytes + len(blob) <= MEMORY_LIMIT_BYTES:
        _memory[name] = blob
        _memory_bytes += len(blob)


def store(name: str, value) -> None:
    """Remember ``value`` (if plain) under ``name``, in memory and, where it can, on disk."""
    if not plain(value):
        return
    blob = wire.encode_message({"value": value})
    _keep_in_memory(name, blob)
    where = folder()
    if where is None:
        return
    path = _path(where, name)
    try:
        # The reference's answers are the grader's alone: no other user (uid 65534 included,
        # which may search /root for the workers' sake) may list or read them.
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            where.chmod(0o700)
        handle, scratch = tempfile.mkstemp(dir=path.parent, suffix=".partial")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(blob)
            os.replace(scratch, path)
        finally:
            if os.path.exists(scratch):
                os.unlink(scratch)
    except OSError:  # a read-only or full cache folder: remembered in memory only
        pass


def remembered(function, *, name: str | None = None):
    """``function``, with its answers remembered by argument (see the module's docstring).

    ``name`` defaults to the function's module and qualified name; the defining
    file's bytes are part of the key either way.
    """
    source = inspect.getsourcefile(function) or ""
    namespace = f"{name or function.__module__ + '.' + function.__qualname__};{_file_digest(source)}"

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        name = key(namespace, args, kwargs)
        if name is None:
            return function(*args, **kwargs)
        try:
            return lookup(name)
        except KeyError:
            pass
        value = function(*args, **kwargs)
        store(name, value)
        return value

    wrapper.remembered = True
    return wrapper


class RememberedModule:
    """A module whose public functions answer through :func:`remembered` (the reference, in the checks)."""

    def __init__(self, module):
        self._module = module
        self._wrapped: dict[str, object] = {}

    def __getattr__(self, attribute: str):
        value = getattr(self._module, attribute)
        if attribute.startswith("_") or not inspect.isfunction(value):
            return value
        if attribute not in self._wrapped:
            self._wrapped[attribute] = remembered(value, name=f"{self._module.__name__}.{attribute}")
        return self._wrapped[attribute]

    def __repr__(self) -> str:
        return f"<remembered {self._module!r}>"
