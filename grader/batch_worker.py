"""The child process of a batch: grade one submission and send back its signed results.

:mod:`grader.batch` grades every submission in a process of its own, so that a crash of
the grader itself on one submission (a learner killing its parent, a segfault, a
hang past the submission's time limit) only marks that submission's row. Two ways to
start one, with the same work inside:

- :func:`forked_child`, in a process forked from a ``multiprocessing`` fork server that
  imported the grader, pytest, Hypothesis, NumPy and the sample images once (fast);
- ``python -m grader.batch_worker`` (anywhere a fork server is not available): the
  job and a key arrive as one JSON line on stdin.

Results travel back on a pipe as one frame, ``MAGIC + length + HMAC-SHA256(key, body) + body``
with a per-batch key that never appears on a command line or in the environment, so
learner code (which runs one level further down, in the sandbox's workers) cannot
forge a grade by writing into the pipe; a damaged frame is simply not accepted.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import hmac
import json
import os
import struct
import sys
import time
import traceback
from pathlib import Path

from grader.sandbox.processes import become_subreaper, kill_tree

MAGIC = b"PGR1"
_DIGEST = 32

# A gradebook has no use for failure pictures (grader.pictures): drawing them would
# cost every failing image check a fraction of a second, and they would land in
# staging folders that the batch deletes.
os.environ.setdefault("PIXELGRADE_PICTURES", "off")

# Imported by the fork server before it forks any child (what every grading needs).
WARM_MODULES = (
    "numpy", "scipy.ndimage", "scipy.signal", "skimage.data", "skimage.exposure", "skimage.filters",
    "hypothesis.extra.numpy", "grader.api", "grader.expect", "grader.strategies", "grader.samples",
)


def sign(key: bytes, body: bytes) -> bytes:
    """One frame: MAGIC, the length of ``body``, its HMAC under ``key``, then ``body``."""
    return MAGIC + struct.pack(">Q", len(body)) + hmac.new(key, body, hashlib.sha256).digest() + body


def verify(key: bytes, frame: bytes) -> bytes | None:
    """The body of the correctly signed frame at the start of ``frame`` (bytes after it are ignored), else None."""
    head = len(MAGIC) + 8 + _DIGEST
    if not frame.startswith(MAGIC) or len(frame) < head:
        return None
    (length,) = struct.unpack(">Q", frame[len(MAGIC):len(MAGIC) + 8])
    digest, body = frame[len(MAGIC) + 8:head], frame[head:head + length]
    if len(body) != length:
        return None
    return body if hmac.compare_digest(digest, hmac.new(key, body, hashlib.sha256).digest()) else None


def find_signed(key: bytes, stream: bytes) -> bytes | None:
    """The body of the last correctly signed frame in a byte stream (subprocess mode)."""
    start = stream.rfind(MAGIC)
    while start >= 0:
        body = verify(key, stream[start:])
        if body is not None:
            return body
        start = stream.rfind(MAGIC, 0, start)
    return None


def grade_job(job: dict) -> dict:
    """Grade one staged submission as ``job`` says; the result as plain data."""
    import platform

    from grader import exercises as course
    from grader.results import GradeReport
    from grader.runner import run_checks
    from grader.sandbox import isolation

    if job.get("isolation_mode"):
        os.environ[isolation.MODE_ENV] = job["isolation_mode"]  # the batch's, whatever this process inherited

    chosen = course.resolve(job["exercises"])
    started = time.perf_counter()
    report = GradeReport(target=job["target"], settings={
        "max_examples": job["max_examples"], "timeout_s": job["timeout_s"], "python": platform.python_version(),
        "hidden_checks": bool(job.get("hidden_checks")), **isolation.report_settings(),
    })
    hidden = Path(job["hidden_checks"]) if job.get("hidden_checks") else None
    report.exercises = run_checks(Path(job["target"]).resolve(), chosen, max_examples=job["max_examples"],
                                  timeout_s=job["timeout_s"], hidden_checks=hidden)
    report.seconds = time.perf_counter() - started
    return {"ok": True, "report": report.to_dict()}


def _run(job: dict) -> bytes:
    try:
        payload = grade_job(job)
    except BaseException as error:  # noqa: BLE001 - any failure here is the grader's, reported in the row
        tail = "".join(traceback.format_exception(type(error), error, error.__traceback__)[-3:])
        payload = {"ok": False, "error": tail[-2000:]}
    return json.dumps(payload).encode("utf-8")


def _isolate(log_path: str | None) -> None:
    """A session of our own, the subreaper bit, and stray output into a log file."""
    with contextlib.suppress(OSError):
        os.setsid()
    become_subreaper()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    try:
        log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600) if log_path else devnull
    except OSError:  # its folder is gone (a neighbour's doing?): the parent notices the missing files
        log = os.open(os.devnull, os.O_WRONLY)
    os.dup2(log, 1)
    os.dup2(log, 2)


def forked_child(job: dict, connection, key: bytes) -> None:
    """Target of the fork-server process: grade, send one signed frame, end what is left."""
    _isolate(job.get("log"))
    with contextlib.suppress(OSError):
        os.chdir(job["cwd"])
    frame = sign(key, _run(job))
    with contextlib.suppress(OSError, ValueError):
        connection.send_bytes(frame)
    kill_tree(os.getpid(), include_root=False)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def warm_up() -> None:
    """What the fork server does once: import what every grading needs, load the samples."""
    import importlib

    for name in WARM_MODULES:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    with contextlib.suppress(Exception):
        from grader import samples

        for name in samples.IMAGES:
            samples.sample(name)
    # Everything imported so far lives as long as the server: keep it out of the garbage
    # collector's way, so each child's collections (pytest runs several) scan only its own objects.
    gc.collect()
    gc.freeze()


def main() -> int:
    """``python -m grader.batch_worker``: one JSON line ``{"job": ..., "key": hex}`` on stdin."""
    request = json.loads(sys.stdin.readline())
    key, job = bytes.fromhex(request["key"]), request["job"]
    become_subreaper()
    out = os.dup(1)
    os.dup2(2, 1)  # stray prints go to the log (stderr), the frame alone to the pipe
    sys.stdout = sys.stderr
    frame = sign(key, _run(job))
    with os.fdopen(out, "wb") as pipe:
        pipe.write(frame)
    kill_tree(os.getpid(), include_root=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
else:  # imported by the fork server (preload): do the expensive imports once, there
    if os.environ.get("PIXELGRADE_FORKSERVER") == "1":
        warm_up()
