"""Launching: grade one staged submission in a child process of its own and read back its signed result.

Both launchers run :mod:`grader.instructor.batch.child` on the same job: ``fork`` forks it
from a ``multiprocessing`` fork server that imported the grader once (fast), ``exec``
starts ``python -m grader.instructor.batch.child`` (where there is no fork server). Only
a result signed with the batch's key is accepted; the child's fate becomes an
:class:`Outcome`: graded, timed out, or crashed (and why). :func:`run_child` launches
one, :func:`end_running` ends every one still running (an interrupted batch).
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from grader.core.results import GradeReport
from grader.sandbox import processes
from grader.sandbox.frames import find_signed, verify
from grader.writers.batch_report import RowStatus

ENGINE_ROOT = Path(__file__).resolve().parents[3]  # the folder that holds the grader package

MAX_RESULT_BYTES = 256 * 1024**2


@dataclass
class Outcome:
    """How one child's grading ended: its status, its report (when graded), a note saying why not, its time."""

    status: RowStatus  # GRADED, GRADER_CRASHED or TIMED_OUT
    report: GradeReport | None = None
    note: str = ""
    seconds: float = 0.0


_FORKSERVER_LOCK = threading.Lock()
_ACTIVE: set[int] = set()  # the grading processes running now (ended at once if the batch is interrupted)
_START_FAILED = "the grading process could not start"
# What the fork server starts with, and so every child it forks (grader.instructor.batch.child warms up under it).
_FORKSERVER_ENV = {**processes.pinned_environment(threads=1), "PIXELGRADE_FORKSERVER": "1"}


def default_launcher() -> str:
    """``"fork"`` (a fork server that imported the grader once) where there is one, else ``"exec"``."""
    return "fork" if "forkserver" in multiprocessing.get_all_start_methods() else "exec"


def start_forkserver(course: str | None = None):
    """The fork-server context, its server started (once) with ``course`` to warm up (a catalog file)."""
    context = multiprocessing.get_context("forkserver")
    from multiprocessing import forkserver

    # The server warms up for the course it is started with (grader.instructor.batch.child.warm_up);
    # a later batch of another course is graded all the same, only without that head start.
    environment = {**_FORKSERVER_ENV, **({"PIXELGRADE_COURSE": course} if course else {})}
    with _FORKSERVER_LOCK:
        context.set_forkserver_preload(["grader.instructor.batch.child"])
        saved = {name: os.environ.get(name) for name in environment}
        os.environ.update(environment)
        try:
            forkserver.ensure_running()  # a no-op once it runs; restarts one that died
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
    return context


def _tail(path: Path, limit: int = 400) -> str:
    try:
        text = path.read_bytes()[-limit:].decode("utf-8", "replace").strip()
    except OSError:
        return ""
    return text.splitlines()[-1] if text else ""


def _decode(body: bytes | None) -> dict | None:
    if body is None:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _run_forked(job: dict, key: bytes, limit_s: float) -> Outcome:
    context = start_forkserver(job.get("course"))
    from multiprocessing.connection import wait

    from grader.instructor.batch import child

    started = time.monotonic()
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=child.forked_child, args=(job, writer, key), daemon=False)
    try:
        process.start()
    except Exception as error:  # noqa: BLE001 - a failed start is a crashed row, never a crashed batch
        return Outcome(RowStatus.GRADER_CRASHED, note=f"{_START_FAILED} ({error})")
    finally:
        writer.close()
    child = processes.Child(process)
    _ACTIVE.add(child.pid)
    payload, timed_out, readable = None, False, True
    deadline = started + limit_s
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        waiting = [process.sentinel] + ([reader] if readable else [])
        ready = wait(waiting, timeout=remaining)
        if reader in ready:
            try:
                frame = reader.recv_bytes(MAX_RESULT_BYTES)
            except (EOFError, OSError):
                readable = False
            else:
                payload = _decode(verify(key, frame)) or payload
                if payload is not None:
                    deadline = min(deadline, time.monotonic() + 10.0)  # it has nothing left to do
        if process.sentinel in ready:
            while readable and payload is None:
                try:
                    if not reader.poll(0.2):
                        break
                    payload = _decode(verify(key, reader.recv_bytes(MAX_RESULT_BYTES))) or payload
                except (EOFError, OSError):
                    readable = False
            break
    code = child.end()
    _ACTIVE.discard(child.pid)
    reader.close()
    seconds = time.monotonic() - started
    with contextlib.suppress(Exception):
        process.close()
    return _outcome(payload, timed_out, code, seconds, limit_s, Path(job["log"]))


def _run_exec(job: dict, key: bytes, limit_s: float) -> Outcome:
    started = time.monotonic()
    inherited = os.environ.get("PYTHONPATH")
    env = processes.child_environment(drop_prefixes=("PYTEST_", "COV_"), threads=1, extra={
        "PYTHONPATH": os.pathsep.join([str(ENGINE_ROOT)] + ([inherited] if inherited else []))})
    with open(job["log"], "wb") as log:
        try:
            process = processes.start([sys.executable, "-m", "grader.instructor.batch.child"], cwd=job["cwd"], env=env,
                                      stderr=log)
        except OSError as error:
            return Outcome(RowStatus.GRADER_CRASHED, note=f"{_START_FAILED} ({error})")
    _ACTIVE.add(process.pid)
    chunks: list[bytes] = []

    def drain():
        with contextlib.suppress(OSError, ValueError):
            size = 0
            while chunk := process.stdout.read1(1 << 16):
                size += len(chunk)
                if size <= MAX_RESULT_BYTES:
                    chunks.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    with contextlib.suppress(OSError):
        process.stdin.write((json.dumps({"job": job, "key": key.hex()}) + "\n").encode())
        process.stdin.close()
    timed_out = process.wait(limit_s) is None
    code = process.end()
    _ACTIVE.discard(process.pid)
    reader.join(5)  # a stray process holding the pipe must not hold the batch
    seconds = time.monotonic() - started
    payload = _decode(find_signed(key, b"".join(chunks)))
    return _outcome(payload, timed_out, code, seconds, limit_s, Path(job["log"]))


def run_child(job: dict, key: bytes, limit_s: float, *, launcher: str) -> Outcome:
    """Grade ``job`` in a child of its own (``launcher``: ``"fork"`` or ``"exec"``) within ``limit_s`` seconds.

    Only a result signed with ``key`` is believed; whatever else happens to the child is the
    :class:`Outcome`'s status and note, never an exception.
    """
    if launcher not in ("fork", "exec"):
        raise ValueError(f"launcher must be 'fork' or 'exec', got {launcher!r}")
    return (_run_forked if launcher == "fork" else _run_exec)(job, key, limit_s)


def end_running() -> None:
    """End every grading process running now, with its whole tree (the batch was interrupted)."""
    for pid in list(_ACTIVE):
        processes.kill_tree(pid)


def _outcome(payload, timed_out, code, seconds, limit_s, log: Path) -> Outcome:
    if payload is not None and payload.get("ok") and isinstance(payload.get("report"), dict):
        return Outcome(RowStatus.GRADED, GradeReport.from_dict(payload["report"]), seconds=seconds)
    if timed_out:
        return Outcome(RowStatus.TIMED_OUT,
                        note=f"grading did not finish within the submission's limit of {limit_s:g} s", seconds=seconds)
    if payload is not None and not payload.get("ok"):
        error = str(payload.get("error", "")).strip().splitlines()
        return Outcome(RowStatus.GRADER_CRASHED,
                        note="pixelgrade failed while grading it: " + (error[-1] if error else "?"), seconds=seconds)
    last = _tail(log)
    return Outcome(RowStatus.GRADER_CRASHED,
                    note=f"the grading process {processes.exit_words(code)} without a readable result"
                    + (f" (its last output: {last[:200]})" if last else ""), seconds=seconds)
