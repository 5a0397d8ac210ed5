"""Grading results as plain dataclasses: what the report writers serialise.

Nothing here computes a grade; :mod:`grader.core.runner` fills these in and
the modules of :mod:`grader.writers` only write them out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum


def _g(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class Totals:
    """The one rule of every total (README: Totals), in one place.

    ``points`` is out of ``max_points``; the ``bonus`` never counts towards the maximum
    and comes on top: ``total_with_bonus = points + bonus`` is the one total that every
    output reports (the terminal, ``pixelgrade list``, the Markdown summary, JUnit,
    gradebook.csv, Gradescope). ``str()`` gives the words they all print::

        >>> str(Totals(63, 90, 1))
        '63/90 points + 1 bonus = 64'
        >>> str(Totals(63, 90))
        '63/90 points'
    """

    points: float
    max_points: float
    bonus: float = 0.0

    @property
    def total_with_bonus(self) -> float:
        return self.points + self.bonus

    def __str__(self) -> str:
        if not self.bonus:
            return f"{_g(self.points)}/{_g(self.max_points)} points"
        return (f"{_g(self.points)}/{_g(self.max_points)} points + {_g(self.bonus)} bonus "
                f"= {_g(self.total_with_bonus)}")


class CheckStatus(StrEnum):
    """What became of one check.

    Every status but ``PASSED`` earns no points; ``GRADER_ERROR`` is a bug in pixelgrade
    itself and is reported apart from the learner's failures. The members are strings
    (``CheckStatus.PASSED == "passed"``), so the JSON of a report holds the plain words.
    """

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # the learner's code raised, hung, crashed or exited
    NOT_STARTED = "not_started"
    OFF_LIMITS = "off_limits"
    MISSING = "missing"
    SKIPPED = "skipped"
    GRADER_ERROR = "grader_error"
    # Set by a batch only (grader.instructor.batch.reconcile): the check has no result for this
    # submission, which could not be graded or lost it; it counts as failed.
    NOT_GRADED = "not_graded"


class ExerciseStatus(StrEnum):
    """What became of one exercise, from its checks' statuses (:attr:`ExerciseResult.status`)."""

    COMPLETE = "complete"
    PARTIAL = "partial"
    FAILING = "failing"
    NOT_STARTED = "not started"
    MISSING = "missing"
    SKIPPED = "skipped"
    GRADER_ERROR = "grader error"


# The statuses by their old names: course checks, tests and benchmarks written against
# ``results.PASSED`` keep working (each is the enum member itself).
PASSED = CheckStatus.PASSED
FAILED = CheckStatus.FAILED
ERROR = CheckStatus.ERROR
NOT_STARTED = CheckStatus.NOT_STARTED
OFF_LIMITS = CheckStatus.OFF_LIMITS
MISSING = CheckStatus.MISSING
SKIPPED = CheckStatus.SKIPPED
GRADER_ERROR = CheckStatus.GRADER_ERROR


@dataclass(frozen=True)
class CheckSpec:
    """A check as the runner knows it once collected, before it ran: what it tests and what it is worth."""

    id: str
    exercise: str
    function: str
    title: str
    max_points: float
    bonus: bool = False  # bonus points never count towards max_points
    guard: bool = False  # counts only once another check of the same function passes (grader.kit.marks)
    hidden: bool = False  # an instructor's hidden check: never shown in learner-facing output

    def __post_init__(self):
        # A float whoever made it (a literal 2, JSON): reconcile copies it into reports, which write "2.0".
        object.__setattr__(self, "max_points", float(self.max_points))


@dataclass
class CheckResult:
    """One check: what it tested, what it earned, and why not more."""

    id: str
    exercise: str
    function: str
    title: str
    max_points: float
    points: float = 0.0
    status: CheckStatus = CheckStatus.SKIPPED
    message: str = ""
    snippet: str = ""
    seconds: float = 0.0
    bonus: bool = False  # bonus points never count towards max_points
    picture: str = ""  # a PNG of a failed image comparison (grader.kit.pictures), or ""
    hidden: bool = False  # an instructor's hidden check: never shown in learner-facing output
    guard: bool = False  # counts only once another check of the same function passes (grader.kit.marks)
    misconception: str = ""  # the common mistake the failure was diagnosed as (grader.core.diagnosis), or ""
    # Figures a check measured, recorded with pytest's ``record_property`` (the speed
    # checks' times: "seconds", "reference_seconds", "ratio"); for the class report.
    measurements: dict = field(default_factory=dict)

    @classmethod
    def from_spec(cls, spec: CheckSpec, **outcome) -> CheckResult:
        """A result of the check ``spec``; ``outcome``: its other fields (status, message...)."""
        return cls(id=spec.id, exercise=spec.exercise, function=spec.function, title=spec.title,
                   max_points=spec.max_points, bonus=spec.bonus, guard=spec.guard, hidden=spec.hidden, **outcome)

    @property
    def spec(self) -> CheckSpec:
        return CheckSpec(id=self.id, exercise=self.exercise, function=self.function, title=self.title,
                         max_points=self.max_points, bonus=self.bonus, guard=self.guard, hidden=self.hidden)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> CheckResult:
        """The result back from :meth:`to_dict` (or its JSON); keys it does not know are ignored.

        ``ValueError`` for a status that is no :class:`CheckStatus`.
        """
        known = {k: v for k, v in data.items() if k in _CHECK_FIELDS}
        known["status"] = CheckStatus(known.get("status", CheckStatus.SKIPPED))
        known["measurements"] = dict(known.get("measurements", {}))
        return cls(**known)


_CHECK_FIELDS = frozenset(f.name for f in fields(CheckResult))


@dataclass
class ExerciseResult:
    """One exercise (one module of the contract) and its checks."""

    name: str
    title: str
    number: int
    checks: list[CheckResult] = field(default_factory=list)
    message: str = ""

    @property
    def max_points(self) -> float:
        return sum(c.max_points for c in self.checks if not c.bonus and c.status != CheckStatus.SKIPPED)

    @property
    def points(self) -> float:
        return sum(c.points for c in self.checks if not c.bonus and c.status != CheckStatus.SKIPPED)

    @property
    def bonus_points(self) -> float:
        return sum(c.points for c in self.checks if c.bonus)

    @property
    def total_with_bonus(self) -> float:
        """Points plus bonus: the exercise's share of the one total (:class:`Totals`)."""
        return self.totals.total_with_bonus

    @property
    def totals(self) -> Totals:
        return Totals(self.points, self.max_points, self.bonus_points)

    @property
    def status(self) -> ExerciseStatus:
        """complete, partial, not started, failing, missing, skipped or grader error (bonus checks aside)."""
        counted = [c.status for c in self.checks if not c.bonus]
        if CheckStatus.GRADER_ERROR in counted:
            return ExerciseStatus.GRADER_ERROR
        if counted and all(s == CheckStatus.MISSING for s in counted):
            return ExerciseStatus.MISSING
        if not counted or all(s == CheckStatus.SKIPPED for s in counted):
            return ExerciseStatus.SKIPPED
        active = [s for s in counted if s != CheckStatus.SKIPPED]
        if all(s == CheckStatus.PASSED for s in active):
            return ExerciseStatus.COMPLETE
        if all(s == CheckStatus.NOT_STARTED for s in active):
            return ExerciseStatus.NOT_STARTED
        return ExerciseStatus.PARTIAL if CheckStatus.PASSED in active else ExerciseStatus.FAILING

    def to_dict(self) -> dict:
        data = asdict(self)  # the checks as CheckResult.to_dict gives them
        data.update(points=self.points, max_points=self.max_points, bonus_points=self.bonus_points,
                    total_with_bonus=self.total_with_bonus, status=self.status)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ExerciseResult:
        """The exercise back from :meth:`to_dict`; its points and status are computed again, not read."""
        return cls(name=data["name"], title=data.get("title", ""), number=int(data.get("number", 0)),
                   checks=[CheckResult.from_dict(check) for check in data.get("checks", [])],
                   message=data.get("message", ""))


@dataclass
class GradeReport:
    """A whole grading run of one target directory."""

    target: str
    exercises: list[ExerciseResult] = field(default_factory=list)
    seconds: float = 0.0
    settings: dict = field(default_factory=dict)

    @property
    def points(self) -> float:
        return sum(e.points for e in self.exercises)

    @property
    def max_points(self) -> float:
        return sum(e.max_points for e in self.exercises)

    @property
    def bonus_points(self) -> float:
        return sum(e.bonus_points for e in self.exercises)

    @property
    def total_with_bonus(self) -> float:
        """Points plus bonus: the one total every output reports (:class:`Totals`)."""
        return self.totals.total_with_bonus

    @property
    def totals(self) -> Totals:
        return Totals(self.points, self.max_points, self.bonus_points)

    @property
    def grader_errors(self) -> list[CheckResult]:
        return [c for e in self.exercises for c in e.checks if c.status == CheckStatus.GRADER_ERROR]

    @property
    def complete(self) -> bool:
        return all(e.status in (ExerciseStatus.COMPLETE, ExerciseStatus.SKIPPED) for e in self.exercises)

    def exercise(self, name: str) -> ExerciseResult:
        for result in self.exercises:
            if result.name == name:
                return result
        raise KeyError(name)

    def to_dict(self) -> dict:
        return {
            "target": self.target,
            "points": self.points,
            "max_points": self.max_points,
            "bonus_points": self.bonus_points,
            "total_with_bonus": self.total_with_bonus,
            "seconds": round(self.seconds, 3),
            "settings": self.settings,
            "grader_errors": len(self.grader_errors),
            "exercises": [e.to_dict() for e in self.exercises],
        }

    @classmethod
    def from_dict(cls, data: dict) -> GradeReport:
        """The report back from :meth:`to_dict` (or its JSON): ``from_dict(r.to_dict()) == r``.

        The totals and ``grader_errors`` are computed again from the checks, not read; ``to_dict``
        rounds ``seconds`` to the millisecond.
        """
        return cls(target=str(data.get("target", "")),
                   exercises=[ExerciseResult.from_dict(exercise) for exercise in data.get("exercises", [])],
                   seconds=float(data.get("seconds", 0.0)), settings=dict(data.get("settings", {})))
