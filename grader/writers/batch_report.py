"""A batch's data: a submission, its row of the gradebook, the batch report, the checks every row must have.

Plain dataclasses that turn into ``batch.json`` and back (:data:`FORMAT`); nothing here grades.
:mod:`grader.instructor.batch` makes them and the writers write them out, so they live
here, below both (a writer knows no instructor module). Row ids name files
(``feedback/<id>.txt``): :func:`safe_id` is the one rule every id follows.
A row's notes and feedback and a batch's warnings are bounded where a row or a report is
made (each cut and cleaned, at most :data:`MAX_NOTES` of them): whatever a submission
holds, what one submission adds to any output stays small.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from grader.core.results import CheckSpec, ExerciseResult, GradeReport
from grader.writers import escaping

FORMAT = "pixelgrade-batch/1"
MAX_NOTES = 30  # notes (or feedback lines, or warnings) kept; the rest is counted in a last one


def bounded_notes(notes) -> list[str]:
    """``notes`` as a row or a report keeps them: each one line, cleaned and cut; at most :data:`MAX_NOTES`."""
    notes = [escaping.note(note) for note in notes]
    if len(notes) > MAX_NOTES:
        notes = notes[: MAX_NOTES - 1] + [f"and {len(notes) - MAX_NOTES + 1} more notes, left out"]
    return notes


class RowStatus(StrEnum):
    """Why a row has the grades it has (the words of the gradebook's status column)."""

    GRADED = "graded"
    INCOMPLETE = "incomplete"  # graded, but checks were missing from the results (counted as failed)
    GRADER_ERROR = "grader error"  # pixelgrade failed inside some check (not the learner's fault)
    GRADER_CRASHED = "grader crashed"  # the child process grading it died or sent nothing usable
    TIMED_OUT = "timed out"  # the submission ran past its wall-clock limit
    UNREADABLE_ZIP = "unreadable zip"
    UNREADABLE = "unreadable submission"
    NOT_A_SUBMISSION = "not graded"  # an entry of the submissions folder that is no submission (README.txt)

    @property
    def is_submission(self) -> bool:
        """Whether a row of this status is a submission (counted, given feedback); README.txt's is not."""
        return self is not RowStatus.NOT_A_SUBMISSION


SOLUTIONS_ID = "<reference solutions>"
MAX_ID = 80  # an id names files (feedback/<id>.txt): well under a file name's 255 bytes, with room for "-2"


def safe_id(name: str) -> str:
    """A submission's id from its name: ASCII letters, digits, ``.``, ``_`` and ``-`` only, at most :data:`MAX_ID`.

    Never starts with ``.``, ``_`` or ``-`` (no hidden file, no option, no spreadsheet formula).
    """
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name[: 4 * MAX_ID])[:MAX_ID].strip("._-") or "submission"



@dataclass(frozen=True)
class Submission:
    """One submission: a directory or a .zip of exercise modules, and the id its row gets.

    From an export (see :mod:`grader.instructor.batch.exports`): ``layout`` names it, ``parts`` are a
    student's loose files ((name in the staged copy, file); ``"."`` for a folder whose files
    go to the top), ``skip`` says why an entry that is no submission is not graded, and
    ``notes`` go to its row (the Canvas upload kept...). ``lms``, ``lms_id``, ``name`` and
    ``late`` say who the student is as the LMS knows them; ``id`` stays the batch's own (it
    names files), so two students of the same name keep their LMS ids apart.
    """

    id: str
    path: Path
    layout: str = ""
    parts: tuple = ()
    skip: str = ""
    notes: tuple = ()
    origin: str = ""  # the path given to discover() it was found under
    # Who it is, as the LMS it came from says: what the LMS import files are keyed by
    # (grader.writers.lms_canvas, lms_moodle, lms_gradescope).
    lms: str = ""  # "canvas", "moodle", "github-classroom", or "" (none: a plain folder)
    lms_id: str = ""  # Canvas's user id, Moodle's participant id, the GitHub login
    name: str = ""  # the student's name as the LMS wrote it ("José Álvarez"; Canvas's "álvarezjosé")
    late: bool = False  # the LMS marked it late (Canvas's LATE)

    @property
    def is_zip(self) -> bool:
        return self.path.suffix.lower() == ".zip" and not self.path.is_dir()


@dataclass
class SubmissionRow:
    """One submission's row of the gradebook, with its full (reconciled) report."""

    id: str
    source: str
    status: RowStatus
    report: GradeReport
    notes: list[str] = field(default_factory=list)
    missing_checks: list[str] = field(default_factory=list)
    seconds: float = 0.0
    feedback: list[str] = field(default_factory=list)  # notes the learner sees too (a notebook's left-out lines)
    lms: str = ""  # who the submission is, as its LMS says (see Submission): what the import files are keyed by
    lms_id: str = ""
    name: str = ""
    late: bool = False

    def __post_init__(self):
        self.notes = bounded_notes(self.notes)
        self.feedback = bounded_notes(self.feedback)
        # From a download's file names, or from a batch.json made elsewhere: one clean line each,
        # whatever they hold (non-ASCII letters are kept: they are the student's name).
        self.lms, self.lms_id, self.name = (escaping.name(text) for text in (self.lms, self.lms_id, self.name))
        self.late = bool(self.late)

    @property
    def is_submission(self) -> bool:
        """False for an entry that is no submission (README.txt): no feedback, not counted, listed as skipped."""
        return RowStatus(self.status).is_submission

    def exercise(self, name: str) -> ExerciseResult:
        return self.report.exercise(name)

    @property
    def points(self) -> dict[str, float]:
        return {e.name: e.points for e in self.report.exercises}

    @property
    def total(self) -> float:
        return self.report.points

    @property
    def max_total(self) -> float:
        return self.report.max_points

    @property
    def bonus(self) -> float:
        return sum(e.bonus_points for e in self.report.exercises)

    @property
    def total_with_bonus(self) -> float:
        """The one total every output reports: the points plus the bonus (README: Totals)."""
        return self.total + self.bonus

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "source": self.source,
            "status": self.status,
            "notes": list(self.notes),
            "points": self.points,
            "max_points": {e.name: e.max_points for e in self.report.exercises},
            "exercise_status": {e.name: e.status for e in self.report.exercises},
            "bonus": self.bonus,
            "total": self.total,
            "max_total": self.max_total,
            "missing_checks": list(self.missing_checks),
            "seconds": round(self.seconds, 3),
            "feedback": list(self.feedback),
            "lms": self.lms,
            "lms_id": self.lms_id,
            "name": self.name,
            "late": self.late,
            "report": self.report.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> SubmissionRow:
        return cls(id=data["id"], source=data.get("source", ""), status=RowStatus(data["status"]),
                   report=GradeReport.from_dict(data["report"]), notes=list(data.get("notes", [])),
                   missing_checks=list(data.get("missing_checks", [])), seconds=float(data.get("seconds", 0.0)),
                   feedback=list(data.get("feedback", [])),
                   # An older batch.json has none of these: who the student is stays unknown.
                   lms=data.get("lms") or "", lms_id=data.get("lms_id") or "", name=data.get("name") or "",
                   late=data.get("late") is True)


@dataclass
class BatchReport:
    """A batch (or one shard of it): one row per submission, in id order."""

    exercises: list[str]
    rows: list[SubmissionRow] = field(default_factory=list)
    expected: dict[str, list[ExpectedCheck]] = field(default_factory=dict)  # exercise -> the checks it must have
    settings: dict = field(default_factory=dict)
    shard: tuple[int, int] = (1, 1)
    batch_ids: list[str] = field(default_factory=list)  # every submission id of the whole batch
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    jobs: int = 1

    def __post_init__(self):
        self.warnings = bounded_notes(self.warnings)

    @property
    def submission_rows(self) -> list[SubmissionRow]:
        """The rows of submissions: what is counted, averaged and given learner-facing files."""
        return [row for row in self.rows if row.is_submission]

    @property
    def skipped_rows(self) -> list[SubmissionRow]:
        """The rows of entries that are no submission (README.txt): listed as skipped, nothing more."""
        return [row for row in self.rows if not row.is_submission]

    def row(self, submission_id: str) -> SubmissionRow:
        for row in self.rows:
            if row.id == submission_id:
                return row
        raise KeyError(submission_id)

    @property
    def hidden(self) -> bool:
        return any(check.spec.hidden for checks in self.expected.values() for check in checks)

    def max_points(self, exercise: str) -> float:
        return sum(check.spec.max_points for check in self.expected.get(exercise, [])
                   if not check.spec.bonus and not check.skipped)

    @property
    def max_total(self) -> float:
        return sum(self.max_points(name) for name in self.exercises)

    def status_counts(self, *, submissions_only: bool = False) -> dict[RowStatus, int]:
        """{status: rows}; ``submissions_only``: without the entries that are no submission."""
        counts: dict[RowStatus, int] = {}
        for row in self.submission_rows if submissions_only else self.rows:
            counts[row.status] = counts.get(row.status, 0) + 1
        return counts

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "exercises": list(self.exercises),
            "settings": self.settings,
            "shard": list(self.shard),
            "batch_ids": list(self.batch_ids),
            "expected": {name: [check.to_dict() for check in checks] for name, checks in self.expected.items()},
            "warnings": list(self.warnings),
            "seconds": round(self.seconds, 3),
            "jobs": self.jobs,
            "rows": [row.to_dict() for row in self.rows],
        }

    @classmethod
    def from_dict(cls, data: dict) -> BatchReport:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a pixelgrade batch file (format {data.get('format')!r}, expected {FORMAT!r})")
        return cls(exercises=list(data["exercises"]), rows=[SubmissionRow.from_dict(r) for r in data["rows"]],
                   expected={name: [ExpectedCheck.from_dict(check, name) for check in checks]
                             for name, checks in data.get("expected", {}).items()},
                   settings=data.get("settings", {}),
                   shard=tuple(data.get("shard", (1, 1))), batch_ids=list(data.get("batch_ids", [])),
                   warnings=list(data.get("warnings", [])), seconds=float(data.get("seconds", 0.0)),
                   jobs=int(data.get("jobs", 1)))


@dataclass(frozen=True)
class ExpectedCheck:
    """A check every row of the batch must have (see :func:`reconcile`), as the reference solutions' grading found it.

    ``skipped``: it was skipped for the reference too (an optional library is missing
    here), so it is skipped for every submission, with the reference's ``message``, and
    counts for nothing.
    """

    spec: CheckSpec
    skipped: bool = False
    message: str = ""  # what the reference's grading said about it

    def to_dict(self) -> dict:
        # batch.json's format: listed under its exercise, without the spec's guard (a placeholder
        # check is never counted, so the guard changes nothing once the batch is written).
        spec = self.spec
        return {"id": spec.id, "function": spec.function, "title": spec.title, "max_points": spec.max_points,
                "bonus": spec.bonus, "hidden": spec.hidden, "skipped": self.skipped, "message": self.message}

    @classmethod
    def from_dict(cls, data: dict, exercise: str) -> ExpectedCheck:
        spec = CheckSpec(id=data["id"], exercise=exercise, function=data.get("function", ""),
                         title=data.get("title", data["id"]), max_points=float(data.get("max_points", 0)),
                         bonus=bool(data.get("bonus")), hidden=bool(data.get("hidden")))
        return cls(spec, skipped=bool(data.get("skipped", False)), message=data.get("message", ""))
