"""The grading API: the one way in for the command line, notebooks, watch, list, dev check and batch.

:func:`grade` takes the target folder, the exercises and the :class:`Settings`;
everything that grades goes through it (a batch's child process too), so that a
submission is graded the same way whoever asked.
"""

from __future__ import annotations

import dataclasses
import platform
import time
from dataclasses import dataclass
from pathlib import Path

from grader.core import catalog as course
from grader.core import learner
from grader.core.catalog import DEFAULT_EXAMPLES
from grader.core.results import GradeReport
from grader.kit import pictures
from grader.sandbox import isolation

__all__ = ["DEFAULT_EXAMPLES", "PICTURES_BESIDE_TARGET", "Settings", "grade"]

# Settings.pictures: failure pictures go under the state folder beside the target (grader.kit.pictures).
PICTURES_BESIDE_TARGET = pictures.BESIDE_TARGET


@dataclass(frozen=True)
class Settings:
    """How to grade, besides what (the target and the exercises).

    max_examples
        Hypothesis examples per property check.
    timeout_s
        Overrides every exercise's time limit per call (None: the catalog's limits).
    require_isolation
        Refuse to grade (:class:`~grader.sandbox.isolation.IsolationUnavailable`, naming
        what is missing) unless the full sandbox is available.
    hidden_checks
        A folder of an instructor's ``test_<exercise>_hidden.py`` files, run after the
        public checks and marked ``hidden`` in the results (None: no hidden checks).
    pictures
        Where failure pictures go: :data:`PICTURES_BESIDE_TARGET` (the default; the
        ``PIXELGRADE_PICTURES`` variable may still choose), a folder, or None for none
        (a batch, whose staging folders are deleted).
    jobs
        Grade the exercises in this many processes side by side
        (:mod:`grader.core.parallel`; 1: all in this one). The grade is the same either
        way, so a report does not record it.
    """

    max_examples: int = DEFAULT_EXAMPLES
    timeout_s: float | None = None
    require_isolation: bool = False
    hidden_checks: Path | None = None
    pictures: str | Path | None = PICTURES_BESIDE_TARGET
    jobs: int = 1

    def __post_init__(self):
        if not isinstance(self.max_examples, int) or self.max_examples < 1:
            raise ValueError(f"max_examples must be a whole number of at least 1, got {self.max_examples!r}")
        if not isinstance(self.jobs, int) or self.jobs < 1:
            raise ValueError(f"jobs must be a whole number of at least 1, got {self.jobs!r}")
        if self.timeout_s is not None and not self.timeout_s > 0:
            raise ValueError(f"timeout_s must be a positive number of seconds or None, got {self.timeout_s!r}")

    def report_settings(self) -> dict:
        """What a report records of these settings (and of the machine)."""
        return {"max_examples": self.max_examples, "timeout_s": self.timeout_s, "python": platform.python_version(),
                "hidden_checks": bool(self.hidden_checks), **isolation.report_settings()}


def grade(names=None, *, target: str | Path = "exercises", settings: Settings | None = None, progress=None,
          **overrides) -> GradeReport:
    """Grade the modules in ``target`` for the exercises ``names`` (default: all that have checks).

    ``settings``: a :class:`Settings`; keyword ``overrides`` replace its fields
    (``grade(["histogram"], target="exercises", max_examples=5)``). Returns a
    :class:`~grader.core.results.GradeReport`; never raises for anything a submission
    does. An unknown exercise name, a missing target directory or a bad setting
    raises ``ValueError``; an unknown setting ``TypeError``.
    """
    unknown = set(overrides) - {field.name for field in dataclasses.fields(Settings)}
    if unknown:
        raise TypeError(f"grade() got unknown settings {sorted(unknown)}; "
                        f"choose from: {', '.join(field.name for field in dataclasses.fields(Settings))}")
    settings = dataclasses.replace(settings or Settings(), **overrides)
    # Detected first: a wrong PIXELGRADE_ISOLATION is a usage error (ValueError), before any work.
    if settings.require_isolation:
        isolation.require_full()
    else:
        isolation.current()
    target = Path(target)
    if not target.is_dir():
        raise ValueError(f"target must be a directory of exercise modules; {str(target)!r} is not a directory")
    chosen = course.resolve(names) if names else course.gradable()
    if settings.jobs > 1 and len(chosen) > 1:
        return _grade_side_by_side(chosen, target, settings, progress)
    started_workers = learner.start_workers(target.resolve(), chosen, timeout_s=settings.timeout_s)
    # pytest and Hypothesis (half a second) are imported when something is graded, not
    # before (`pixelgrade list` with nothing changed, `hint` and `--help` never need them),
    # and after the workers started (their start runs meanwhile, on another core).
    from grader.core.runner import run_checks

    started = time.perf_counter()
    report = GradeReport(target=str(target), settings=settings.report_settings())
    report.exercises = run_checks(target.resolve(), chosen, max_examples=settings.max_examples,
                                  timeout_s=settings.timeout_s, progress=progress, started=started_workers,
                                  hidden_checks=Path(settings.hidden_checks) if settings.hidden_checks else None,
                                  pictures_choice=settings.pictures)
    report.seconds = time.perf_counter() - started
    return report


def _grade_side_by_side(chosen, target: Path, settings: Settings, progress) -> GradeReport:
    from grader.core import (
        parallel,
        runner,  # noqa: F401 - pytest and Hypothesis imported once, before the children start
    )

    started = time.perf_counter()
    report = GradeReport(target=str(target), settings=settings.report_settings())
    report.exercises = parallel.grade_side_by_side(grade, [e.name for e in chosen], jobs=settings.jobs,
                                                   progress=progress, target=target,
                                                   settings=dataclasses.replace(settings, jobs=1))
    report.seconds = time.perf_counter() - started
    return report
