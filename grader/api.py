"""The grading API: the one way in for the command line, notebooks, watch, list, dev check and batch.

:func:`grade` takes the target folder, the exercises and the :class:`Settings`;
everything that grades goes through it (a batch's child process too), so that a
submission is graded the same way whoever asked.

It also decides when learner code may not run at all (README: Safety). Grading someone
else's work (a batch, hidden checks, a course platform) needs a level that protects
others (:attr:`grader.sandbox.isolation.Isolation.protects_others`):
:func:`refuse_unprotected` raises :class:`LearnerCodeRefused` otherwise, unless the
instructor vouches for the class (``trust_submissions``). The exercises graded on held-out
digits are refused there too while those digits are public (:func:`refused_exercises`),
unless ``allow_public_heldout``. A learner grading their own folder is always graded.
"""

from __future__ import annotations

import dataclasses
import platform
import time
from dataclasses import dataclass
from pathlib import Path

from grader.core import catalog, learner
from grader.core.catalog import DEFAULT_EXAMPLES
from grader.core.results import GradeReport
from grader.kit import pictures
from grader.sandbox import isolation

__all__ = ["DEFAULT_EXAMPLES", "PICTURES_BESIDE_TARGET", "LearnerCodeRefused", "Settings", "grade",
           "add_refused", "refuse_unprotected", "refused_exercises"]

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
    trust_submissions
        Run learner code with hidden checks even where the sandbox does not protect others
        (:func:`refuse_unprotected`): for a class the instructor trusts. Recorded in the report.
    allow_public_heldout
        Grade the exercises scored on held-out digits with hidden checks even while those
        digits are public (:func:`refused_exercises`). Recorded in the report.
    require_needs
        A check that cannot run here, because its exercise's optional packages (the
        catalog's ``needs``: TensorFlow) are not installed or its data (a broken MNIST file)
        cannot be loaded, is a grader error worth its points rather than skipped: for an
        instructor's grading (a batch, Gradescope), where what is missing is the set-up's
        fault and no learner can add it. False (a learner's own machine): skipped, with the
        command that installs it.
    course
        The course to grade: its folder or its ``course.toml`` (None: the one this process
        grades already, :func:`grader.core.catalog.active`). Given, it becomes that one.
    """

    max_examples: int = DEFAULT_EXAMPLES
    timeout_s: float | None = None
    require_isolation: bool = False
    hidden_checks: Path | None = None
    pictures: str | Path | None = PICTURES_BESIDE_TARGET
    jobs: int = 1
    trust_submissions: bool = False
    allow_public_heldout: bool = False
    require_needs: bool = False
    course: str | Path | None = None

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
                "hidden_checks": bool(self.hidden_checks), **isolation.report_settings(),
                **safety_settings(trust_submissions=self.trust_submissions,
                                  allow_public_heldout=self.allow_public_heldout)}


# -- when learner code may not run ----------------------------------------------------------------------------
class LearnerCodeRefused(isolation.IsolationUnavailable):
    """Learner code would run where it could reach other people's work or secrets: nothing was graded."""


def what_to_do(level: isolation.Isolation) -> str:
    """What would make ``level`` protect others, as advice an instructor can follow."""
    advice = []
    if level.mode == "plain":
        advice.append(f"unset {isolation.MODE_ENV} (it is 'plain', which turns the kernel's sandbox off)")
    elif not level.namespaces and level.landlock_abi < isolation.MINIMUM_LANDLOCK_ABI:
        advice.append("grade on Linux with Landlock (5.13 or later; 6.7 or later for its network rules) and "
                      "install bubblewrap (Debian, Ubuntu: apt-get install bubblewrap)")
    if level.mode != "plain" and not getattr(level, "seccomp", True):
        advice.append("install libseccomp (Debian, Ubuntu: apt-get install libseccomp2) so that the system-call "
                      "filter can be installed")
    if level.mode != "plain" and level.running_as_root and level.uid is None:
        advice.append(f"install bubblewrap, or keep Python and its libraries where other users can read them "
                      f"(not under /root), so that learner code runs as uid {isolation.SANDBOX_UID}; or grade as "
                      "an ordinary user")
    advice.append("then check the machine with `pixelgrade dev sandbox`")
    return "; ".join(advice) + (". For a class you trust, --trust-submissions (Settings.trust_submissions) grades "
                                "anyway, and every report says so")


def refuse_unprotected(*, purpose: str, trust_submissions: bool = False,
                       hidden_checks: str | Path | None = None) -> isolation.Isolation:
    """The isolation in force, or :class:`LearnerCodeRefused` when it does not protect others' work.

    ``purpose``: what was about to run others' code ("pixelgrade batch", "Grading with hidden
    checks"), for the message. ``trust_submissions``: the instructor vouches for every
    submission: nothing is refused (the reports record it). ``hidden_checks``: their folder,
    kept from workers like the course's solutions and checks. Refused too: a course, hidden
    checks or checkout kept inside a system folder that every worker reads whole
    (:func:`grader.sandbox.isolation.exposed`).
    """
    if hidden_checks:
        isolation.protect(hidden_checks)
    catalog.active()  # the course this grades, protected from workers once it is active
    level = isolation.current()
    if trust_submissions:
        return level
    exposed = isolation.exposed() if level.protects_others else []
    if exposed:
        raise LearnerCodeRefused(
            f"{purpose} runs other people's code, and what it must keep from that code lies inside a system "
            f"folder that every worker reads whole (the sandbox lets learner code read /usr, /lib, /bin to run "
            f"Python): {'; '.join(exposed)}. Nothing was graded. What to do: keep the course, its solutions and "
            f"the hidden checks elsewhere (in a Docker image, not under /usr/src: /srv or /autograder, say), "
            f"then check the machine with `pixelgrade dev sandbox`")
    if level.protects_others:
        return level
    raise LearnerCodeRefused(
        f"{purpose} runs other people's code, and this machine's sandbox ({level.describe()}) would not keep it "
        f"from your files, your secrets or the other submissions: {'; '.join(level.unprotected())}. "
        f"Nothing was graded. What to do: {what_to_do(level)}.")


def public_heldout_reason() -> str | None:
    """Why the held-out data of this machine is public (None: it is not): the course's ``public_heldout`` hook."""
    hook = catalog.active().hook("public_heldout")
    return hook() if hook is not None else None


def heldout_exercises(names) -> list[str]:
    """Of ``names``, the exercises scored on held-out digits (those with accuracy thresholds in the catalog)."""
    return [name for name in names if catalog.active().by_name[name].thresholds]


def refused_exercises(names, *, allow_public_heldout: bool = False) -> dict[str, str]:
    """{exercise: why it is not graded} for the exercises of ``names`` scored on public held-out digits.

    Grading others' work (a batch, hidden checks) on public held-out digits proves nothing:
    a submission can look the labels up. Empty when ``allow_public_heldout``, when none of
    ``names`` is scored on held-out digits, or when the digits are private.
    """
    scored = heldout_exercises(names)
    if allow_public_heldout or not scored:
        return {}
    reason = public_heldout_reason()
    if reason is None:
        return {}
    why = (f"Refused: {reason} It is graded only with --allow-public-heldout "
           "(Settings.allow_public_heldout), or on private digits.")
    return dict.fromkeys(scored, why)


def safety_settings(*, trust_submissions: bool, allow_public_heldout: bool, refused: dict | None = None) -> dict:
    """What a report records of the refusals: what the level leaves open, the overrides, what was refused."""
    recorded: dict = {}
    unprotected = isolation.current().unprotected()
    if unprotected:  # said only when there is something to say (a learner's own machine, or a trusted class)
        recorded["isolation_unprotected"] = unprotected
    if trust_submissions:
        recorded["trust_submissions"] = True
    if allow_public_heldout:
        recorded["allow_public_heldout"] = True
    if refused:
        recorded["refused"] = dict(refused)
    return recorded


def add_refused(report: GradeReport, refused: dict[str, str]) -> None:
    """Put the ``refused`` exercises in ``report`` (in course order), each with its reason, and record them.

    No check of theirs ran: each is an exercise without checks (``skipped``) whose message
    says why, never a grader error.
    """
    if not refused:
        return
    from grader.core.results import ExerciseResult

    by_name = catalog.active().by_name
    added = [ExerciseResult(name, by_name[name].title, by_name[name].number, message=why)
             for name, why in refused.items()]
    report.exercises = sorted(report.exercises + added, key=lambda exercise: exercise.number)
    report.settings["refused"] = dict(refused)


def grade(names=None, *, target: str | Path = "exercises", settings: Settings | None = None, progress=None,
          **overrides) -> GradeReport:
    """Grade the modules in ``target`` for the exercises ``names`` (default: all that have checks).

    ``settings``: a :class:`Settings`; keyword ``overrides`` replace its fields
    (``grade(["histogram"], target="exercises", max_examples=5)``). Returns a
    :class:`~grader.core.results.GradeReport`; never raises for anything a submission
    does. An unknown exercise name, a missing target directory or a bad setting
    raises ``ValueError``; an unknown setting ``TypeError``. With hidden checks, where
    the sandbox does not protect others, :class:`LearnerCodeRefused` (nothing is graded);
    the exercises scored on public held-out digits come back not graded, with the reason
    (:func:`refused_exercises`).
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
    if settings.course is not None:  # given: the course this process grades from now on (children get it too)
        catalog.activate(settings.course)
    if settings.hidden_checks:
        # Hidden checks mean an instructor grading someone else's work: the level must protect them.
        refuse_unprotected(purpose="Grading with hidden checks", trust_submissions=settings.trust_submissions,
                           hidden_checks=settings.hidden_checks)
    target = Path(target)
    if not target.is_dir():
        raise ValueError(f"target must be a directory of exercise modules; {str(target)!r} is not a directory")
    chosen = catalog.active().resolve(names) if names else catalog.active().gradable()
    refused = (refused_exercises([e.name for e in chosen], allow_public_heldout=settings.allow_public_heldout)
               if settings.hidden_checks else {})
    if refused:  # the others are graded as if the refused ones had not been asked for
        rest = [e.name for e in chosen if e.name not in refused]
        report = grade(rest, target=target, settings=settings, progress=progress) if rest else GradeReport(
            target=str(target), settings=settings.report_settings())
        add_refused(report, refused)
        return report
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
                                  pictures_choice=settings.pictures, require_needs=settings.require_needs)
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
                                                   settings=dataclasses.replace(
                                                       settings, jobs=1, course=catalog.active().catalog_file))
    report.seconds = time.perf_counter() - started
    return report
