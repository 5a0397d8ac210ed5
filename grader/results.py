"""Grading results as plain dataclasses: what the report writers serialise.

Nothing here computes a grade; :mod:`grader.runner` fills these in and
:mod:`grader.reports` only writes them out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Check statuses. Every status but "passed" earns no points; "grader_error" is a
# bug in pixelgrade itself and is reported apart from the learner's failures.
PASSED = "passed"
FAILED = "failed"
ERROR = "error"  # the learner's code raised, hung, crashed or exited
NOT_STARTED = "not_started"
OFF_LIMITS = "off_limits"
MISSING = "missing"
SKIPPED = "skipped"
GRADER_ERROR = "grader_error"


@dataclass
class CheckResult:
    """One check: what it tested, what it earned, and why not more."""

    id: str
    exercise: str
    function: str
    title: str
    max_points: float
    points: float = 0.0
    status: str = SKIPPED
    message: str = ""
    snippet: str = ""
    seconds: float = 0.0
    bonus: bool = False  # bonus points never count towards max_points
    picture: str = ""  # a PNG of a failed image comparison (grader.pictures), or ""
    hidden: bool = False  # an instructor's hidden check: never shown in learner-facing output
    guard: bool = False  # counts only once another check of the same function passes (grader.marks)
    misconception: str = ""  # the common mistake the failure was diagnosed as (grader.diagnosis), or ""
    # Figures a check measured, recorded with pytest's ``record_property`` (the speed
    # checks' times: "seconds", "reference_seconds", "ratio"); for the class report.
    measurements: dict = field(default_factory=dict)


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
        return sum(c.max_points for c in self.checks if not c.bonus and c.status != SKIPPED)

    @property
    def points(self) -> float:
        return sum(c.points for c in self.checks if not c.bonus and c.status != SKIPPED)

    @property
    def bonus_points(self) -> float:
        return sum(c.points for c in self.checks if c.bonus)

    @property
    def status(self) -> str:
        """complete, partial, not started, failing, missing, skipped or grader error."""
        counted = [c for c in self.checks if not c.bonus]
        if any(c.status == GRADER_ERROR for c in counted):
            return "grader error"
        if counted and all(c.status == MISSING for c in counted):
            return "missing"
        if not counted or all(c.status == SKIPPED for c in counted):
            return "skipped"
        active = [c for c in counted if c.status != SKIPPED]
        if all(c.status == PASSED for c in active):
            return "complete"
        if all(c.status == NOT_STARTED for c in active):
            return "not started"
        return "partial" if any(c.status == PASSED for c in active) else "failing"

    def to_dict(self) -> dict:
        data = asdict(self)
        data.update(points=self.points, max_points=self.max_points, bonus_points=self.bonus_points,
                    status=self.status)
        return data


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
    def grader_errors(self) -> list[CheckResult]:
        return [c for e in self.exercises for c in e.checks if c.status == GRADER_ERROR]

    @property
    def complete(self) -> bool:
        return all(e.status in ("complete", "skipped") for e in self.exercises)

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
            "seconds": round(self.seconds, 3),
            "settings": self.settings,
            "grader_errors": len(self.grader_errors),
            "exercises": [e.to_dict() for e in self.exercises],
        }
