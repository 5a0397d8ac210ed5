"""The child process of a batch: grade one submission and send back its signed results.

:mod:`grader.instructor.batch` grades every submission in a process of its own, so that a crash of
the grader itself on one submission (a learner killing its parent, a segfault, a
hang past the submission's time limit) only marks that submission's row. Two ways to
start one, with the same work inside:

- :func:`forked_child`, in a process forked from a ``multiprocessing`` fork server that
  imported the grader, pytest, Hypothesis and NumPy once, and did the course's ``warm_up``
  (its hook: the modules its checks import, the data they load) once (fast);
- ``python -m grader.instructor.batch.child`` (anywhere a fork server is not available): the
  job and a key arrive as one JSON line on stdin.

Results travel back on a pipe as one signed frame (:func:`grader.sandbox.frames.sign`:
``MAGIC``, a length, ``HMAC-SHA256(key, body)``, the body) with a per-batch key that
never appears on a command line or in the environment, so learner code (which runs
one level further down, in the sandbox's workers) cannot forge a grade by writing
into the pipe; a damaged frame is simply not accepted. The report in it names the
submission's label (``job["label"]``) where it would name the staging folder, so the
parent only has to read it back (:meth:`grader.core.results.GradeReport.from_dict`).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
import traceback
from pathlib import Path

# The whole of this process's frame, here: sign makes it, verify and find_signed read it (batch.launch).
from grader.sandbox.frames import sign
from grader.sandbox.processes import become_subreaper, end_descendants

# Imported by the fork server before it forks any child (what every grading needs, whatever the course).
WARM_MODULES = ("numpy", "pytest", "hypothesis", "grader.api", "grader.core.runner", "grader.kit.expect")


def grade_job(job: dict) -> dict:
    """Grade one staged submission as ``job`` says; the result as plain data, with no staging path in it."""
    from grader import api
    from grader.sandbox import isolation

    if job.get("isolation_mode"):
        os.environ[isolation.MODE_ENV] = job["isolation_mode"]  # the batch's, whatever this process inherited
    # No failure pictures: a gradebook has no use for them, drawing them would cost every
    # failing image check a fraction of a second, and the staging folder is deleted.
    settings = api.Settings(course=job.get("course"), max_examples=job["max_examples"], timeout_s=job["timeout_s"],
                            pictures=None,
                            hidden_checks=Path(job["hidden_checks"]) if job.get("hidden_checks") else None,
                            # What the instructor allowed for the whole batch (checked before it started).
                            trust_submissions=bool(job.get("trust_submissions")),
                            allow_public_heldout=bool(job.get("allow_public_heldout")),
                            # A package or data the checks need and this machine lacks: the set-up's grader error.
                            require_needs=True)
    report = api.grade(job["exercises"], target=job["target"], settings=settings)
    # The modules' folder first: it lies inside the staging folder (``cwd``).
    data = _scrub(report.to_dict(), job["target"], job["label"])
    return {"ok": True, "report": _scrub(data, job["cwd"], job["label"])}


def _scrub(value, old: str, new: str):
    """Replace the temporary staging path in every string of a JSON-like value."""
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_scrub(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, old, new) for k, v in value.items()}
    return value


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
    end_descendants()  # what the learners left behind
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def warm_up() -> None:
    """What the fork server does once: import what every grading needs, then the course's ``warm_up`` hook.

    The course is the batch's (``PIXELGRADE_COURSE``, set by :mod:`grader.instructor.batch.launch`
    when it starts the server). Nothing here may fail the batch: a module or a course that
    cannot be warmed up is only slower to grade.
    """
    import importlib

    for name in WARM_MODULES:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    with contextlib.suppress(Exception):
        from grader.core import catalog

        course_warm_up = catalog.active().hook("warm_up")
        if course_warm_up is not None:
            course_warm_up()
    # Everything imported so far lives as long as the server: keep it out of the garbage
    # collector's way, so each child's collections (pytest runs several) scan only its own objects.
    gc.collect()
    gc.freeze()


def main() -> int:
    """``python -m grader.instructor.batch.child``: one JSON line ``{"job": ..., "key": hex}`` on stdin."""
    request = json.loads(sys.stdin.readline())
    key, job = bytes.fromhex(request["key"]), request["job"]
    become_subreaper()
    out = os.dup(1)
    os.dup2(2, 1)  # stray prints go to the log (stderr), the frame alone to the pipe
    sys.stdout = sys.stderr
    frame = sign(key, _run(job))
    with os.fdopen(out, "wb") as pipe:
        pipe.write(frame)
    end_descendants()  # what the learners left behind
    return 0


if __name__ == "__main__":
    sys.exit(main())
else:  # imported by the fork server (preload): do the expensive imports once, there
    if os.environ.get("PIXELGRADE_FORKSERVER") == "1":
        warm_up()
