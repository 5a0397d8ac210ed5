"""Batch grading for instructors: many submissions, one gradebook.

:func:`grade_batch` grades every submission (a directory, or a ``.zip``, holding
exercise modules) in a child process of its own (:mod:`grader.instructor.batch_worker`), several
at a time, each within a wall-clock limit. Whatever a submission does, it gets a row:
``graded``, or a status that says why not (``grader crashed``, ``timed out``,
``unreadable zip``...). Before any writer sees a row, :func:`reconcile` makes sure
that every check the grader collects for an exercise (the list comes from grading the
reference solutions in the same batch) is in that row's report; a missing one counts
as failed and is flagged. The result is a :class:`BatchReport` of plain dataclasses;
:mod:`grader.writers.gradebook` only writes it out, :mod:`grader.cli.batch` is the command line.

Defences against a hostile submission, beyond the sandbox's per-call limits: each
submission is staged into a private temporary copy just before it is graded; the
child's results come back signed (see :mod:`grader.instructor.batch_worker`); every output file
is written at the end, from the parent's memory; a submission whose staged files
changed while it was graded, or whose grading process died (by its own doing or a
neighbour's), is graded again, alone; and the checks and references are checked for
changes once the batch is done. This protects
against accidents and casual tampering, not against a determined attacker running as
the same user: grade untrusted code in a container or as an unprivileged user.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import copy
import hashlib
import json
import multiprocessing
import os
import re
import secrets
import shutil
import stat
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from grader.core import catalog as course
from grader.core.catalog import DEFAULT_EXAMPLES, PROJECT_ROOT, SOLUTIONS_DIR, hidden_check_files
from grader.core.results import CheckResult, CheckSpec, CheckStatus, ExerciseResult, ExerciseStatus, GradeReport
from grader.sandbox import isolation, processes
from grader.sandbox.frames import find_signed, verify

FORMAT = "pixelgrade-batch/1"

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


SOLUTIONS_ID = "<reference solutions>"
MAX_RESULT_BYTES = 256 * 1024**2


@dataclass(frozen=True)
class ArchiveLimits:
    """What a submission may hold (a zip's declared sizes are not trusted: bytes are counted)."""

    max_files: int = 2000
    max_file_bytes: int = 20 * 1024**2
    max_total_bytes: int = 100 * 1024**2


SKIPPED_NAMES = {"__pycache__", "__MACOSX", ".git", ".nox", ".venv", "venv", "node_modules", ".ipynb_checkpoints",
                 ".hypothesis", ".pytest_cache", ".DS_Store"}


class Unreadable(Exception):
    """A submission that cannot be staged: a bad or unsafe zip, or one too large."""


class MergeError(ValueError):
    """Shard results that cannot be joined (overlapping, incomplete, or from different batches)."""


# -- the data ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Submission:
    """One submission: a directory or a .zip of exercise modules, and the id its row gets.

    From an export (see :mod:`grader.instructor.exports`): ``layout`` names it, ``parts`` are a
    student's loose files ((name in the staged copy, file); ``"."`` for a folder whose files
    go to the top), ``skip`` says why an entry that is no submission is not graded, and
    ``notes`` go to its row (the Canvas upload kept...).
    """

    id: str
    path: Path
    layout: str = ""
    parts: tuple = ()
    skip: str = ""
    notes: tuple = ()
    origin: str = ""  # the path given to discover() it was found under

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
            "report": self.report.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> SubmissionRow:
        return cls(id=data["id"], source=data.get("source", ""), status=RowStatus(data["status"]),
                   report=GradeReport.from_dict(data["report"]), notes=list(data.get("notes", [])),
                   missing_checks=list(data.get("missing_checks", [])), seconds=float(data.get("seconds", 0.0)),
                   feedback=list(data.get("feedback", [])))


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

    def status_counts(self) -> dict[RowStatus, int]:
        counts: dict[RowStatus, int] = {}
        for row in self.rows:
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


# -- finding and staging submissions ---------------------------------------------------------
def _safe_id(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-") or "submission"


def _module_names() -> set[str]:
    return {f"{e.name}.py" for e in course.EXERCISES}


def holds_modules(directory: Path) -> bool:
    """Whether ``directory`` itself holds at least one exercise module."""
    names = _module_names()
    with contextlib.suppress(OSError):
        return any(entry.name in names and entry.is_file() for entry in directory.iterdir())
    return False


def discover(paths, *, single: bool = False) -> list[Submission]:
    """The submissions named by ``paths``, in id order, ids unique (see :func:`grader.instructor.exports.discover`).

    Each path is a submission (a ``.zip``, ``.tar.gz``, ``.ipynb``, or a directory that holds
    exercise modules) or a folder of submissions: plain folders and archives, or a Canvas,
    Moodle or GitHub Classroom export. Entries that are no submission come back with a
    ``skip`` reason (they get a "not graded" row). ``single``: each path is one submission,
    whatever it holds (Gradescope's submission folder). ``ValueError`` for a folder that
    holds no submission.
    """
    from grader.instructor import exports

    return exports.discover(paths, single=single).submissions


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/5"`` -> (2, 5); ValueError unless 1 <= i <= n."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise ValueError(f"--shard must be i/n with 1 <= i <= n (like 2/5); got {text!r}")
    return int(match[1]), int(match[2])


def select_shard(submissions: list[Submission], shard: tuple[int, int]) -> list[Submission]:
    """Shard i of n: every n-th submission in id order, starting with the i-th."""
    index, count = shard
    ordered = sorted(submissions, key=lambda s: s.id)
    return [s for k, s in enumerate(ordered) if k % count == index - 1]


def _skipped(relative: Path) -> bool:
    return any(part in SKIPPED_NAMES or part.startswith(".") for part in relative.parts)


def copy_within_limits(source, target: Path, name: str, limits: ArchiveLimits, total: int) -> tuple[int, str]:
    """Copy an archive member's stream to ``target`` in chunks, refusing it past the size limits.

    ``total``: the bytes the archive has given so far. Returns the new total and the
    file's sha256 (the archive's own sizes are not trusted: the bytes are counted).
    """
    written = 0
    digest = hashlib.sha256()
    with open(target, "wb") as out:
        while chunk := source.read(1024 * 1024):
            written += len(chunk)
            total += len(chunk)
            if written > limits.max_file_bytes:
                raise Unreadable(f"{name!r} is larger than {limits.max_file_bytes} bytes")
            if total > limits.max_total_bytes:
                raise Unreadable(f"it holds more than {limits.max_total_bytes} bytes")
            out.write(chunk)
            digest.update(chunk)
    return total, digest.hexdigest()


def safe_extract(archive: Path, destination: Path, limits: ArchiveLimits = ArchiveLimits()) -> dict[str, str]:
    """Extract ``archive`` into ``destination``, refusing anything unsafe (raises :class:`Unreadable`).

    Refused: entries with absolute paths or ``..``, links, encrypted entries, more than
    ``max_files`` files, a file over ``max_file_bytes`` or a total over ``max_total_bytes``
    (counted while extracting, not taken from the headers). Returns the digests of the
    Python files written, as :func:`digest_tree` would compute them.
    """
    destination = destination.resolve()
    digests: dict[str, str] = {}
    try:
        with zipfile.ZipFile(archive) as bundle:
            entries = bundle.infolist()
            if len(entries) > limits.max_files:
                raise Unreadable(f"it holds {len(entries)} entries; at most {limits.max_files} are accepted")
            total = 0
            for info in entries:
                name = info.filename.replace("\\", "/")
                parts = [p for p in name.split("/") if p not in ("", ".")]
                if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts or "\0" in name:
                    raise Unreadable(f"it has an entry with an unsafe path: {info.filename!r}")
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    raise Unreadable(f"it has a symbolic link: {info.filename!r}")
                if info.flag_bits & 0x1:
                    raise Unreadable(f"it has an encrypted entry: {info.filename!r}")
                if info.is_dir() or not parts or _skipped(Path(*parts)):
                    continue
                target = destination.joinpath(*parts)
                if destination not in target.resolve().parents:
                    raise Unreadable(f"it has an entry with an unsafe path: {info.filename!r}")
                target.parent.mkdir(parents=True, exist_ok=True)
                with bundle.open(info) as source:
                    total, digest = copy_within_limits(source, target, info.filename, limits, total)
                if target.suffix == ".py":
                    digests[target.relative_to(destination).as_posix()] = digest
        return digests
    except Unreadable:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, RuntimeError,
            ValueError) as error:
        raise Unreadable(f"it cannot be read as a zip file ({type(error).__name__}: {error})") from None


def copy_submission(source: Path, destination: Path, limits: ArchiveLimits = ArchiveLimits()) -> dict[str, str]:
    """Copy the regular files of ``source`` (no links, no caches or VCS folders), within ``limits``.

    Returns the digests of the Python files copied, as :func:`digest_tree` would compute them.
    """
    count = total = 0
    digests: dict[str, str] = {}
    for root, dirs, files in os.walk(source):
        relative = Path(root).relative_to(source)
        dirs[:] = sorted(d for d in dirs if not _skipped(relative / d) and not os.path.islink(os.path.join(root, d)))
        for name in sorted(files):
            path = Path(root) / name
            if _skipped(relative / name) or path.is_symlink() or not path.is_file():
                continue
            size = path.stat().st_size
            count, total = count + 1, total + size
            if count > limits.max_files or size > limits.max_file_bytes or total > limits.max_total_bytes:
                raise Unreadable(f"it is too large to grade (more than {limits.max_files} files, a file over "
                                 f"{limits.max_file_bytes} bytes or more than {limits.max_total_bytes} bytes)")
            (destination / relative).mkdir(parents=True, exist_ok=True)
            data = path.read_bytes()
            (destination / relative / name).write_bytes(data)
            if name.endswith(".py"):
                digests[(relative / name).as_posix()] = hashlib.sha256(data).hexdigest()
    return digests


def find_module_dir(root: Path, exercises: list[str], *, max_depth: int = 4) -> Path | None:
    """The shallowest folder under ``root`` holding modules of ``exercises`` (the most, first by name)."""
    wanted = {f"{name}.py" for name in exercises}
    level = [root]
    for _ in range(max_depth + 1):
        best, best_count = None, 0
        for directory in level:
            with contextlib.suppress(OSError):
                count = sum(1 for entry in directory.iterdir() if entry.name in wanted and entry.is_file())
                if count > best_count:
                    best, best_count = directory, count
        if best is not None:
            return best
        next_level = []
        for directory in level:
            with contextlib.suppress(OSError):
                next_level += sorted(e for e in directory.iterdir() if e.is_dir() and not e.is_symlink()
                                     and not _skipped(Path(e.name)))
        level = next_level
    return None


def stage(submission: Submission, workdir: Path, exercises: list[str],
          limits: ArchiveLimits = ArchiveLimits(),
          notebook_map: dict[str, list[str]] | None = None) -> tuple[Path, list[str], dict[str, str]]:
    """Copy or extract ``submission`` into ``workdir/submission``.

    Notebooks become the exercise modules they hold (:mod:`grader.instructor.ipynb`; ``notebook_map``:
    {notebook name: exercises}, else found by function name). Returns the folder to grade,
    notes about it (wrongly named modules, what was left out of a notebook), and the
    digests of the Python files staged (compare with :func:`digest_tree` to notice a change).
    """
    from grader.instructor import exports, ipynb

    content = workdir / "submission"
    content.mkdir()
    if submission.parts:  # a student's loose files (Canvas, Moodle)
        exports.stage_parts(submission.parts, content, limits)
        digests = digest_tree(content)
    elif submission.is_zip:
        digests = safe_extract(submission.path, content, limits)
    elif exports.is_tar(submission.path):
        digests = exports.safe_extract_tar(submission.path, content, limits)
    elif exports.is_notebook(submission.path):
        exports.stage_parts(((submission.path.name, submission.path),), content, limits)
        digests = {}
    else:
        digests = copy_submission(submission.path, content, limits)
    notes = list(submission.notes)
    converted, written = ipynb.convert_all(content, exercises, notebook_map)
    notes += converted
    digests.update(digest_tree(content) if written else {})
    modules = find_module_dir(content, exercises)
    renames = exports.rename_advice(content, modules, exercises)
    if modules is None:
        notes.append("no exercise modules were found in the submission" + (": " + "; ".join(renames) if renames
                                                                          else ""))
        modules = content
    else:
        if modules != content:
            notes.append(f"modules found in the subfolder {modules.relative_to(content).as_posix()}/")
        notes += renames
    return modules, notes, digests


def digest_tree(directory: Path) -> dict[str, str]:
    """{relative path: sha256} of the Python files under ``directory`` (to notice tampering)."""
    found = {}
    for path in sorted(directory.rglob("*.py")) if directory.exists() else []:
        if _skipped(path.relative_to(directory)):
            continue
        with contextlib.suppress(OSError):
            found[path.relative_to(directory).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def grader_files(exercises: list[str], hidden_checks: Path | None = None) -> list[Path]:
    """What grades the batch's exercises and no submission may change: references, checks, hidden checks."""
    chosen = course.resolve(exercises)
    files = [e.solution_file for e in chosen] + [e.checks_file for e in chosen]
    return files + hidden_check_files(hidden_checks, chosen)


def fingerprint(files) -> dict[str, str]:
    found = {}
    for path in files:
        try:
            found[str(path)] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError:
            found[str(path)] = "<unreadable>"
    return found


# -- running one child -------------------------------------------------------------------------
@dataclass
class _Outcome:
    status: RowStatus  # GRADED, GRADER_CRASHED or TIMED_OUT
    report: dict | None = None
    note: str = ""
    seconds: float = 0.0


_FORKSERVER_LOCK = threading.Lock()
_ACTIVE: set[int] = set()  # the grading processes running now (ended at once if the batch is interrupted)
_START_FAILED = "the grading process could not start"
# What the fork server starts with, and so every child it forks (grader.instructor.batch_worker warms up under it).
_FORKSERVER_ENV = {**processes.pinned_environment(threads=1), "PIXELGRADE_FORKSERVER": "1"}


def default_launcher() -> str:
    """``"fork"`` (a fork server that imported the grader once) where there is one, else ``"exec"``."""
    return "fork" if "forkserver" in multiprocessing.get_all_start_methods() else "exec"


def _forkserver():
    context = multiprocessing.get_context("forkserver")
    from multiprocessing import forkserver

    with _FORKSERVER_LOCK:
        context.set_forkserver_preload(["grader.instructor.batch_worker"])
        saved = {name: os.environ.get(name) for name in _FORKSERVER_ENV}
        os.environ.update(_FORKSERVER_ENV)
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


def _run_forked(job: dict, key: bytes, limit_s: float) -> _Outcome:
    context = _forkserver()
    from multiprocessing.connection import wait

    from grader.instructor import batch_worker

    started = time.monotonic()
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=batch_worker.forked_child, args=(job, writer, key), daemon=False)
    try:
        process.start()
    except Exception as error:  # noqa: BLE001 - a failed start is a crashed row, never a crashed batch
        return _Outcome(RowStatus.GRADER_CRASHED, note=f"{_START_FAILED} ({error})")
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


def _run_exec(job: dict, key: bytes, limit_s: float) -> _Outcome:
    started = time.monotonic()
    inherited = os.environ.get("PYTHONPATH")
    env = processes.child_environment(drop_prefixes=("PYTEST_", "COV_"), threads=1, extra={
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT)] + ([inherited] if inherited else []))})
    with open(job["log"], "wb") as log:
        try:
            process = processes.start([sys.executable, "-m", "grader.instructor.batch_worker"], cwd=job["cwd"], env=env,
                                      stderr=log)
        except OSError as error:
            return _Outcome(RowStatus.GRADER_CRASHED, note=f"{_START_FAILED} ({error})")
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


def _outcome(payload, timed_out, code, seconds, limit_s, log: Path) -> _Outcome:
    if payload is not None and payload.get("ok") and isinstance(payload.get("report"), dict):
        return _Outcome(RowStatus.GRADED, payload["report"], seconds=seconds)
    if timed_out:
        return _Outcome(RowStatus.TIMED_OUT,
                        note=f"grading did not finish within the submission's limit of {limit_s:g} s", seconds=seconds)
    if payload is not None and not payload.get("ok"):
        error = str(payload.get("error", "")).strip().splitlines()
        return _Outcome(RowStatus.GRADER_CRASHED,
                        note="pixelgrade failed while grading it: " + (error[-1] if error else "?"), seconds=seconds)
    last = _tail(log)
    return _Outcome(RowStatus.GRADER_CRASHED,
                    note=f"the grading process {processes.exit_words(code)} without a readable result"
                    + (f" (its last output: {last[:200]})" if last else ""), seconds=seconds)


# -- reconciliation ----------------------------------------------------------------------------
def expected_checks(report: GradeReport) -> dict[str, list[ExpectedCheck]]:
    """The checks every submission's report must have, per exercise (from the reference's report)."""
    return {exercise.name: [ExpectedCheck(c.spec, skipped=c.status == CheckStatus.SKIPPED, message=c.message)
                            for c in exercise.checks if c.status != CheckStatus.GRADER_ERROR]
            for exercise in report.exercises}


def _union_of_checks(reports: list[GradeReport]) -> dict[str, list[ExpectedCheck]]:
    union: dict[str, dict[str, ExpectedCheck]] = {}
    for report in reports:
        for name, checks in expected_checks(report).items():
            for expected in checks:  # skipped and message are the reference's to say: not known here
                union.setdefault(name, {}).setdefault(expected.spec.id, ExpectedCheck(expected.spec))
    return {name: list(checks.values()) for name, checks in union.items()}


def _placeholder(expected: ExpectedCheck, reason: str) -> CheckResult:
    if expected.skipped:
        return CheckResult.from_spec(expected.spec, status=CheckStatus.SKIPPED, message=expected.message)
    return CheckResult.from_spec(expected.spec, status=CheckStatus.NOT_GRADED, message=reason)


def reconcile(report: GradeReport, expected: dict[str, list[ExpectedCheck]], exercises: list[str], *,
              reason: str = "") -> list[str]:
    """Make ``report`` hold every expected check of ``exercises`` (in place); the ids that were missing.

    A missing check is added with 0 points and the status ``not_graded`` (it counts as
    failed); a skipped one stays skipped. Exercises come in the order of ``exercises``,
    checks in the order of ``expected``, any unexpected ones after them.
    """
    reason = reason or "This check is missing from the grader's results for this submission; it counts as failed."
    by_name = {e.name: e for e in report.exercises}
    missing: list[str] = []
    ordered = []
    for name in exercises:
        exercise = by_name.get(name)
        if exercise is None:
            info = course.BY_NAME[name]
            exercise = ExerciseResult(name, info.title, info.number)
        have = {check.id: check for check in exercise.checks}
        checks = []
        for wanted in expected.get(name, []):
            check = have.pop(wanted.spec.id, None)
            if check is None:
                check = _placeholder(wanted, reason)
                if check.status != CheckStatus.SKIPPED:
                    missing.append(wanted.spec.id)
            elif check.max_points != wanted.spec.max_points and not wanted.skipped:
                check.max_points = wanted.spec.max_points  # what a check is worth is the grader's call
                check.points = min(check.points, check.max_points)
            checks.append(check)
        exercise.checks = checks + list(have.values())
        ordered.append(exercise)
    report.exercises = ordered
    return missing


def _not_graded_report(source: str, expected, exercises, reason: str) -> GradeReport:
    report = GradeReport(target=source)
    reconcile(report, expected, exercises, reason=reason)
    for exercise in report.exercises:  # said once per exercise, not once per check (grader.writers.reports)
        exercise.message = reason
    return report


def _row_status(row_status: RowStatus, report: GradeReport, missing: list[str]) -> RowStatus:
    if row_status != RowStatus.GRADED:
        return row_status
    if report.grader_errors:
        return RowStatus.GRADER_ERROR
    return RowStatus.INCOMPLETE if missing else RowStatus.GRADED


def _exercise_notes(report: GradeReport) -> list[str]:
    return [f"{e.name}: {e.status}" for e in report.exercises
            if e.status not in (ExerciseStatus.COMPLETE, ExerciseStatus.SKIPPED)]


def _scrub(value, old: str, new: str):
    """Replace the temporary staging path in every string of a JSON-like value."""
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_scrub(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, old, new) for k, v in value.items()}
    return value


# -- the batch ---------------------------------------------------------------------------------
@dataclass
class _Graded:
    submission: Submission
    status: RowStatus
    report: GradeReport | None
    notes: list[str]
    seconds: float
    files_changed: bool = False  # its staged files changed (or vanished) while it was graded
    retry: bool = False  # a neighbour may have disturbed it: grade it again, alone
    feedback: list[str] = field(default_factory=list)  # notes for the learner too


def _grade_one(submission: Submission, settings: dict, key: bytes, workdir: Path | None) -> _Graded:
    if submission.skip:  # README.txt and the like: a row that says why, nothing run
        return _Graded(submission, RowStatus.NOT_A_SUBMISSION, None, [submission.skip], 0.0)
    staging = Path(tempfile.mkdtemp(prefix="pixelgrade-", dir=workdir))
    try:
        try:
            modules, notes, before = stage(submission, staging, settings["exercises"], settings["limits"],
                                           settings.get("notebook_map"))
        except Unreadable as error:
            status = RowStatus.UNREADABLE_ZIP if submission.is_zip else RowStatus.UNREADABLE
            return _Graded(submission, status, None, [f"{status}: {error}"], 0.0)
        except OSError as error:  # its staging folder vanished under it: a neighbour's doing?
            return _Graded(submission, RowStatus.GRADER_CRASHED, None, [f"it could not be staged ({error})"], 0.0,
                           files_changed=True, retry=True)
        job = {"target": str(modules), "exercises": settings["exercises"], "max_examples": settings["max_examples"],
               "timeout_s": settings["timeout_s"], "hidden_checks": settings["hidden_checks"],
               "log": str(staging / "grader.log"), "cwd": str(staging),
               # The sandbox the batch reports (and --require-isolation checked): a fork server
               # started earlier keeps the environment it started with, so the job says it.
               "isolation_mode": settings["isolation_mode"]}
        run = _run_forked if settings["launcher"] == "fork" else _run_exec
        outcome = run(job, key, settings["submission_timeout_s"])
        # Its files changed while it was graded, or its grading process died or could not start:
        # a neighbour may be to blame (deleting files, killing processes, the OOM killer), so it
        # is graded again, alone. What it does to itself, it does again.
        files_changed = digest_tree(staging / "submission") != before
        retry = files_changed or outcome.status == RowStatus.GRADER_CRASHED
        report = None
        if outcome.report is not None:
            label = f"<{submission.id}>" if submission.id != SOLUTIONS_ID else "<solutions>"
            data = _scrub(outcome.report, str(modules), label)
            data = _scrub(data, str(staging), label)
            report = GradeReport.from_dict(data)
            report.target = str(submission.path)
        feedback = list(notes)  # what staging found is the learner's to know too
        if outcome.note:
            notes.append(outcome.note)
        return _Graded(submission, outcome.status, report, notes, outcome.seconds, files_changed, retry,
                       feedback)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def default_jobs() -> int:
    with contextlib.suppress(AttributeError, OSError):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def default_submission_timeout(exercises: list[str]) -> float:
    """Per submission: 10 minutes, 30 with the machine-learning exercises (they train models)."""
    return 1800.0 if any(course.BY_NAME[name].needs for name in exercises) else 600.0


def hidden_digest(hidden_checks: Path | None, exercises) -> str:
    files = hidden_check_files(hidden_checks, course.resolve(exercises)) if hidden_checks else []
    if not files:
        return ""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def grade_batch(submissions, *, exercises=None, jobs: int | None = None, shard: tuple[int, int] | None = None,
                hidden_checks: str | Path | None = None, max_examples: int = DEFAULT_EXAMPLES,
                timeout_s: float | None = None, submission_timeout_s: float | None = None, progress=None,
                workdir: str | Path | None = None, launcher: str | None = None,
                limits: ArchiveLimits = ArchiveLimits(), solutions: str | Path | None = None,
                notebook_map: dict[str, list[str]] | None = None) -> BatchReport:
    """Grade ``submissions`` (a list of :class:`Submission`, see :func:`discover`) into a :class:`BatchReport`.

    ``exercises``: names (default: every exercise with checks). ``jobs``: submissions graded
    at once (default: the number of cores). ``shard=(i, n)``: grade only shard i of n (the
    report still lists every id of the batch, for :func:`merge`). ``hidden_checks``: a folder
    of ``test_<exercise>_hidden.py`` files. ``max_examples`` and ``timeout_s`` are passed to
    each grading (Hypothesis budget, per-call limit); ``submission_timeout_s`` bounds each
    submission's whole grading. ``progress(event, payload)`` is called with ``("start", n)``
    and ``("done", (submission id, status))``. ``workdir``: where submissions are staged (default: the system's
    temporary folder). ``launcher``: ``"fork"`` or ``"exec"`` (see :func:`default_launcher`).
    ``notebook_map``: {notebook file name: exercises it holds} (default: found by function name).
    Never raises for anything a submission does; bad arguments raise ``ValueError``.
    """
    started = time.perf_counter()
    chosen = [e.name for e in sorted(course.resolve(exercises) if exercises else course.gradable(),
                                     key=lambda e: e.number)]  # course order, however they were named
    if not chosen:
        raise ValueError("there are no exercises with checks to grade")
    hidden = Path(hidden_checks).resolve() if hidden_checks else None
    if hidden is not None and not hidden.is_dir():
        raise ValueError(f"--hidden-checks must be a directory; {str(hidden_checks)!r} is not one")
    jobs = jobs or default_jobs()
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    shard = shard or (1, 1)
    launcher = launcher or default_launcher()
    if launcher not in ("fork", "exec"):
        raise ValueError(f"launcher must be 'fork' or 'exec'; got {launcher!r}")
    submissions = sorted(submissions, key=lambda s: s.id)
    if len({s.id for s in submissions}) != len(submissions):
        raise ValueError("submission ids must be unique")
    batch_ids = [s.id for s in submissions]
    mine = select_shard(submissions, shard)
    settings = {
        "exercises": chosen, "max_examples": max_examples, "timeout_s": timeout_s,
        "submission_timeout_s": submission_timeout_s or default_submission_timeout(chosen),
        "hidden_checks": str(hidden) if hidden else None, "launcher": launcher, "limits": limits,
        "isolation_mode": isolation.chosen_mode(), "notebook_map": dict(notebook_map or {}),
    }
    if workdir is not None:
        workdir = Path(workdir).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    protected = grader_files(chosen, hidden)
    before = fingerprint(protected)
    reference = Submission(SOLUTIONS_ID, Path(solutions) if solutions else SOLUTIONS_DIR)

    graded: dict[str, _Graded] = {}
    if progress:
        progress("start", len(mine))
    if launcher == "fork":
        _forkserver()  # started here, before any thread, with the environment it needs

    def work(submission: Submission) -> _Graded:
        try:
            return _grade_one(submission, settings, key, workdir)
        except Exception as error:  # noqa: BLE001 - one submission never stops the batch
            return _Graded(submission, RowStatus.GRADER_CRASHED, None, [f"the batch failed on it: {error!r}"], 0.0)

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = {pool.submit(work, s): s for s in [reference, *mine]}
        for future in concurrent.futures.as_completed(futures):
            result = future.result()
            graded[result.submission.id] = result
            if progress and result.submission.id != SOLUTIONS_ID and not result.retry:
                progress("done", (result.submission.id, result.status))
    except BaseException:  # Ctrl-C: end what runs now instead of waiting for it
        pool.shutdown(wait=False, cancel_futures=True)
        for pid in list(_ACTIVE):
            processes.kill_tree(pid)
        raise
    pool.shutdown()
    # A submission that may have been disturbed by a neighbour is graded again, alone (see
    # _grade_one); what happens to it then is its own doing.
    for submission_id in sorted(k for k, g in graded.items() if g.retry):
        again = work(graded[submission_id].submission)
        if again.files_changed:
            again.notes.append("its files changed while it was graded (it was graded twice, alone the second time)")
        graded[submission_id] = again
        if progress and submission_id != SOLUTIONS_ID:
            progress("done", (submission_id, again.status))

    warnings: list[str] = []
    solution = graded.pop(SOLUTIONS_ID)
    if solution.report is not None:
        expected = expected_checks(solution.report)
        lost = [f"{c.id} ({c.status})" for e in solution.report.exercises for c in e.checks
                if c.status not in (CheckStatus.PASSED, CheckStatus.SKIPPED) and not c.bonus]
        if lost:
            warnings.append("the reference solutions did not get full marks, so some checks (hidden ones?) may be "
                            "wrong: " + ", ".join(lost[:10]))
    else:
        expected = _union_of_checks([g.report for g in graded.values() if g.report is not None])
        warnings.append("the reference solutions could not be graded (" + "; ".join(solution.notes)
                        + "); the expected checks are those seen in the submissions")

    rows = []
    for submission in mine:
        result = graded[submission.id]
        notes = list(result.notes)
        if result.report is None:
            reason = f"Not graded: {notes[-1] if notes else result.status}."
            report = _not_graded_report(str(submission.path), expected, chosen, reason)
            missing: list[str] = []
        else:
            report = result.report
            missing = reconcile(report, expected, chosen)
            if missing:
                shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
                notes.append(f"{len(missing)} check(s) missing from the results, counted as failed: {shown}")
            notes += _exercise_notes(report)
        status = _row_status(result.status, report, missing)
        rows.append(SubmissionRow(submission.id, str(submission.path), status, report, notes, missing,
                                  result.seconds, list(result.feedback)))

    changed = sorted(path for path, digest in fingerprint(protected).items() if before.get(path) != digest)
    if changed:
        warnings.append("the grader's own files changed during the batch (a submission may have tampered with "
                        "them; grade in an isolated environment): " + ", ".join(changed[:10]))
    public_settings = {k: v for k, v in settings.items()
                       if k not in ("limits", "hidden_checks", "launcher", "isolation_mode")}
    public_settings["hidden_checks"] = hidden_digest(hidden, chosen)
    public_settings["layout"] = ", ".join(sorted({s.layout for s in submissions if s.layout}))
    public_settings.update(isolation.report_settings())
    return BatchReport(exercises=chosen, rows=rows, expected=expected, settings=public_settings, shard=shard,
                       batch_ids=batch_ids, warnings=warnings, seconds=time.perf_counter() - started, jobs=jobs)


# -- shards --------------------------------------------------------------------------------------
def _identity(batch: BatchReport) -> tuple:
    # Shards may run on machines with other sandboxes: the gradebook names each, the key leaves it out.
    settings = {k: v for k, v in batch.settings.items()
                if k not in ("submission_timeout_s", "isolation", "isolation_level")}
    return batch.exercises, json.dumps(settings, sort_keys=True), batch.batch_ids, batch.shard[1]


def merge(batches: list[BatchReport]) -> BatchReport:
    """Join the shards of one batch into one report; :class:`MergeError` unless they fit exactly.

    Every shard must come from the same batch (same submissions, exercises and settings),
    each shard index 1..n must be there exactly once, and the rows must cover every
    submission of the batch, each once.
    """
    if not batches:
        raise MergeError("nothing to merge: no shard results were given")
    first = batches[0]
    count = first.shard[1]
    for batch in batches[1:]:
        if _identity(batch) != _identity(first):
            raise MergeError(f"shard {batch.shard[0]}/{batch.shard[1]} comes from a different batch than shard "
                             f"{first.shard[0]}/{first.shard[1]} (other submissions, exercises or settings)")
    indices = [batch.shard[0] for batch in batches]
    repeated = sorted({i for i in indices if indices.count(i) > 1})
    if repeated:
        raise MergeError(f"overlapping shards: shard {', '.join(f'{i}/{count}' for i in repeated)} given more "
                         "than once")
    absent = [i for i in range(1, count + 1) if i not in indices]
    if absent:
        raise MergeError(f"incomplete: shard {', '.join(f'{i}/{count}' for i in absent)} of {count} is missing")
    seen: dict[str, int] = {}
    for batch in batches:
        for row in batch.rows:
            if row.id in seen:
                raise MergeError(f"overlapping shards: {row.id!r} is in shard {seen[row.id]}/{count} and in shard "
                                 f"{batch.shard[0]}/{count}")
            seen[row.id] = batch.shard[0]
    lost = [i for i in first.batch_ids if i not in seen]
    if lost:
        raise MergeError(f"incomplete: no row for {len(lost)} submission(s) of the batch: {', '.join(lost[:10])}")
    extra = [i for i in seen if i not in first.batch_ids]
    if extra:
        raise MergeError(f"rows for submissions that are not in the batch: {', '.join(extra[:10])}")
    rows = sorted((copy.deepcopy(row) for batch in batches for row in batch.rows), key=lambda r: r.id)
    warnings = []
    for batch in sorted(batches, key=lambda b: b.shard[0]):
        warnings += [w for w in batch.warnings if w not in warnings]
    settings = dict(first.settings)
    sandboxes = list(dict.fromkeys(b.settings.get("isolation") for b in batches if b.settings.get("isolation")))
    if sandboxes:
        settings["isolation"] = "; ".join(sandboxes)
        settings["isolation_level"] = ("full" if all(b.settings.get("isolation_level") == "full" for b in batches)
                                       else "partial")
    return BatchReport(exercises=list(first.exercises), rows=rows, expected=first.expected,
                       settings=settings, shard=(1, 1), batch_ids=list(first.batch_ids),
                       warnings=warnings, seconds=sum(b.seconds for b in batches),
                       jobs=max(b.jobs for b in batches))


def load_batch(path: str | Path) -> BatchReport:
    """A :class:`BatchReport` from a batch output folder (its ``batch.json``) or the file itself."""
    path = Path(path)
    file = path / "batch.json" if path.is_dir() else path
    try:
        return BatchReport.from_dict(json.loads(file.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise MergeError(f"{str(file)!r} is not a readable pixelgrade batch result: {error}") from None
