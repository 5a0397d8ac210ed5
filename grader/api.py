"""The grading API: everything the command line (and notebooks, and batch mode) uses."""

from __future__ import annotations

import platform
import time
from pathlib import Path

from grader import exercises as course
from grader import learner
from grader.exercises import DEFAULT_EXAMPLES
from grader.results import GradeReport
from grader.sandbox import isolation

__all__ = ["DEFAULT_EXAMPLES", "grade"]


def grade(names=None, *, target: str | Path = "exercises", max_examples: int = DEFAULT_EXAMPLES,
          timeout_s: float | None = None, progress=None,
          require_isolation: bool = False) -> GradeReport:
    """Grade the modules in ``target`` for the exercises ``names`` (default: all).

    Returns a :class:`~grader.results.GradeReport`; never raises for anything a
    submission does. An unknown exercise name or a missing target directory
    raises ``ValueError``. ``timeout_s`` overrides the per-call time limits.
    ``require_isolation``: raise :class:`~grader.sandbox.isolation.IsolationUnavailable`
    (naming what is missing) unless the full sandbox is available.
    """
    # Detected first: a wrong PIXELGRADE_ISOLATION is a usage error (ValueError), before any work.
    if require_isolation:
        isolation.require_full()
    else:
        isolation.current()
    target = Path(target)
    if not target.is_dir():
        raise ValueError(f"target must be a directory of exercise modules; {str(target)!r} is not a directory")
    chosen = course.resolve(names) if names else course.gradable()
    started_workers = learner.start_workers(target.resolve(), chosen, timeout_s=timeout_s)
    # pytest and Hypothesis (half a second) are imported when something is graded, not
    # before (`pixelgrade list` with nothing changed, `hint` and `--help` never need them),
    # and after the workers started (their start runs meanwhile, on another core).
    from grader.runner import run_checks

    started = time.perf_counter()
    report = GradeReport(
        target=str(target),
        settings={"max_examples": max_examples, "timeout_s": timeout_s, "python": platform.python_version(),
                  **isolation.report_settings()},
    )
    report.exercises = run_checks(target.resolve(), chosen, max_examples=max_examples, timeout_s=timeout_s,
                                  progress=progress, started=started_workers)
    report.seconds = time.perf_counter() - started
    return report
