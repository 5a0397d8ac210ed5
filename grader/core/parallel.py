"""Grading several exercises side by side, each in a grading process of its own.

``pixelgrade`` with several exercises and ``pixelgrade list`` grade on every core:
``jobs`` child processes each take the next exercise not yet graded (those allowed
the longest calls first, so that the slowest does not start last), grade it exactly
as one process grades it (its own pytest session, its own sandboxed worker for the
learner's code), and take another until none is left. So the grade is the same as
in one process: every check's examples are its own, and no check sees another
exercise's. The children are the grader's own processes (the learner's code still
runs only in their workers); each sends its reports back as JSON text, and its
progress (checks collected, checks done) as plain data.

A child that ends without a report (a crash of the grader itself, never of
learner code, which cannot reach it) costs the exercise it was grading a grader
error, saying so; a new child takes its place for the others.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import threading
from multiprocessing.connection import wait

from grader.core import catalog
from grader.core.results import CheckResult, CheckStatus, ExerciseResult, GradeReport
from grader.sandbox import processes


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system tells it)."""
    with contextlib.suppress(AttributeError, OSError):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def order(names: list[str]) -> list[str]:
    """The order to grade ``names`` in: the exercises allowed the longest calls first, else the course's."""
    return sorted(names, key=lambda name: -catalog.active().by_name[name].limits.timeout_s)


# -- in a child ---------------------------------------------------------------------------
_events = None  # the queue to the parent's progress, in a child


def _forward(event: str, payload) -> None:
    """A child's progress callback: the event, with a check's result as plain data."""
    _events.put((event, payload.to_dict() if isinstance(payload, CheckResult) else payload))


def _grade_each(grade, options: dict, events, connection) -> None:
    """The child's work: grade each exercise it is sent, send back its report as JSON text, until told to stop."""
    global _events
    _events = events
    while (name := connection.recv()) is not None:
        try:
            body = {"report": grade([name], progress=_forward, **options).to_dict()}
        except Exception as error:  # noqa: BLE001 - told to the parent, which reports it as the grader's
            body = {"error": f"{type(error).__name__}: {error}"}
        connection.send_bytes(json.dumps(body).encode("utf-8"))
    connection.close()
    events.close()
    events.join_thread()  # the progress it sent is delivered before the process ends


# -- in the parent ------------------------------------------------------------------------
def _relay(events, progress) -> None:
    """Hand the children's progress to ``progress`` (the checks collected add up) until told to stop."""
    collected = 0
    while (message := events.get()) is not None:
        event, payload = message
        if progress is None:
            continue
        if event == "collected":
            collected += payload
            progress("collected", collected)
        elif event == "checked":
            progress("checked", CheckResult.from_dict(payload))


def _not_graded(name: str, why: str) -> ExerciseResult:
    exercise = catalog.active().by_name[name]
    check = CheckResult(f"{name}::<process>", name, "", "grade the exercise", 0, status=CheckStatus.GRADER_ERROR,
                        message=f"pixelgrade's process grading this exercise ended without a result ({why}); "
                                f"`pixelgrade {name}` grades it alone.")
    return ExerciseResult(name=name, title=exercise.title, number=exercise.number, checks=[check])


class _Child:
    """A grading process and the exercise it is grading now (None: idle)."""

    def __init__(self, context, grade, options: dict, events):
        self.connection, theirs = context.Pipe(duplex=True)
        self.process = context.Process(target=_grade_each, args=(grade, options, events, theirs))
        self.process.start()
        theirs.close()
        self.grading: str | None = None

    def send(self, name: str | None) -> None:
        self.grading = name
        self.connection.send(name)

    def receive(self) -> dict:
        """What it sent for its exercise (``{"report": ...}`` or ``{"error": ...}``), or why nothing came."""
        try:
            if self.connection.poll():
                return json.loads(self.connection.recv_bytes().decode("utf-8"))
        except EOFError:  # it ended: its exit code says how
            pass
        except (OSError, ValueError) as error:
            return {"error": f"its result could not be read: {error}"}
        self.process.join(5)
        return {"error": f"it {processes.exit_words(self.process.exitcode)}"}

    def end(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.connection.send(None)
        self.process.join(5)
        if self.process.is_alive():  # interrupted, or stuck: no grading process outlives the run
            self.process.kill()
            self.process.join()
        self.connection.close()


def grade_side_by_side(grade, names: list[str], *, jobs: int, progress=None, start_method: str | None = None,
                       **options) -> list[ExerciseResult]:
    """The results of ``grade([name], progress=..., **options)`` for every name of ``names``, in ``names``' order.

    ``grade`` is :func:`grader.api.grade` (a module-level function: the platform may send
    it to the children by name); ``options`` its other keywords, with ``jobs=1``.
    ``start_method``: how to start the children (None: the platform's own, fork on Linux
    before Python 3.14, spawn on macOS and Windows).
    """
    context = multiprocessing.get_context(start_method)
    events = context.Queue()
    relay = threading.Thread(target=_relay, args=(events, progress), daemon=True)
    relay.start()
    results: dict[str, ExerciseResult] = {}
    waiting = order(names)
    children: list[_Child] = []
    try:
        for _ in range(max(1, min(jobs, len(names)))):
            children.append(_Child(context, grade, options, events))
            children[-1].send(waiting.pop(0))
        while any(child.grading for child in children):
            busy = [child for child in children if child.grading]
            ready = wait([c.connection for c in busy] + [c.process.sentinel for c in busy])
            for child in busy:
                if child.connection not in ready and child.process.sentinel not in ready:
                    continue
                name, body = child.grading, child.receive()
                if isinstance(body.get("report"), dict):
                    results.update((e.name, e) for e in GradeReport.from_dict(body["report"]).exercises)
                else:
                    results[name] = _not_graded(name, str(body.get("error")))
                child.grading = None
                if not child.process.is_alive() or "report" not in body:  # it failed: another takes its place
                    child.end()
                    if not waiting:
                        continue
                    children[children.index(child)] = child = _Child(context, grade, options, events)
                if waiting:
                    child.send(waiting.pop(0))
    finally:
        for child in children:
            child.end()
        events.put(None)
        relay.join(5)
    return [results.get(name) or _not_graded(name, "no report came back for it") for name in names]
