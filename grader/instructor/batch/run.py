"""Running a batch: stage, launch and reconcile every submission, several at once, into one :class:`BatchReport`.

Each submission is graded by :func:`_grade_one` (staged, graded in its own child, its files
compared before and after); one that a neighbour may have disturbed is graded again,
alone. :func:`grade_batch` then reconciles every row with the checks the reference
solutions have and warns if the grader's own files changed.
"""

from __future__ import annotations

import concurrent.futures
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader import api
from grader.core import catalog, learner, parallel
from grader.core.catalog import DEFAULT_EXAMPLES
from grader.core.results import CheckStatus, GradeReport
from grader.instructor.batch.intake import stage
from grader.instructor.batch.integrity import fingerprint, grader_files, hidden_digest
from grader.instructor.batch.launch import default_launcher, end_running, run_child, start_forkserver
from grader.instructor.batch.reconciliation import (
    exercise_notes,
    expected_checks,
    not_graded_report,
    reconcile,
    row_status,
    union_of_checks,
)
from grader.instructor.batch.shards import select_shard
from grader.instructor.batch.staging import ArchiveLimits, Unreadable, digest_tree
from grader.sandbox import isolation
from grader.writers.batch_report import SOLUTIONS_ID, BatchReport, RowStatus, Submission, SubmissionRow


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
        except (RecursionError, MemoryError) as error:
            # Something in the submission too deep or too large to read: the learner's row, never
            # the grader's crash (staging caps what it can foresee; this is what it could not).
            status = RowStatus.UNREADABLE_ZIP if submission.is_zip else RowStatus.UNREADABLE
            return _Graded(submission, status, None, [f"{status}: it is too deep or too large to read "
                                                      f"({type(error).__name__})"], 0.0)
        except OSError as error:  # its staging folder vanished under it: a neighbour's doing?
            return _Graded(submission, RowStatus.GRADER_CRASHED, None, [f"it could not be staged ({error})"], 0.0,
                           files_changed=True, retry=True)
        job = {"target": str(modules), "exercises": settings["exercises"], "max_examples": settings["max_examples"],
               "timeout_s": settings["timeout_s"], "hidden_checks": settings["hidden_checks"],
               "log": str(staging / "grader.log"), "cwd": str(staging),
               # What the child writes in its report instead of the staging folder's paths
               # (deleted once graded, they would mean nothing in a gradebook).
               "label": f"<{submission.id}>" if submission.id != SOLUTIONS_ID else "<solutions>",
               # The sandbox the batch reports (and --require-isolation checked): a fork server
               # started earlier keeps the environment it started with, so the job says it.
               "isolation_mode": settings["isolation_mode"],
               "trust_submissions": settings["trust_submissions"],
               "allow_public_heldout": settings["allow_public_heldout"],
               # Graded in its staging folder, where no course.toml is found: the batch's course, by its file.
               "course": str(catalog.active().catalog_file)}
        outcome = run_child(job, key, settings["submission_timeout_s"], launcher=settings["launcher"])
        # Its files changed while it was graded, or its grading process died or could not start:
        # a neighbour may be to blame (deleting files, killing processes, the OOM killer), so it
        # is graded again, alone. What it does to itself, it does again.
        files_changed = digest_tree(staging / "submission") != before
        retry = files_changed or outcome.status == RowStatus.GRADER_CRASHED
        report = outcome.report
        if report is not None:
            report.target = str(submission.path)
        feedback = list(notes)  # what staging found is the learner's to know too
        if outcome.note:
            notes.append(outcome.note)
        return _Graded(submission, outcome.status, report, notes, outcome.seconds, files_changed, retry,
                       feedback)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _add_refused(report: GradeReport, refused: dict[str, str], notes: list[str]) -> None:
    """Put the refused exercises in a row's report, in course order, each with its reason (no check ran)."""
    api.add_refused(report, refused)
    for why in dict.fromkeys(refused.values()):
        names = ", ".join(name for name, reason in refused.items() if reason == why)
        notes.append(f"{names}: {why}")


def default_jobs() -> int:
    return parallel.available_cores()


def default_submission_timeout(exercises: list[str]) -> float:
    """Per submission: 10 minutes, 30 with the machine-learning exercises (they train models)."""
    return 1800.0 if any(catalog.active().by_name[name].needs for name in exercises) else 600.0


def grade_batch(submissions, *, exercises=None, jobs: int | None = None, shard: tuple[int, int] | None = None,
                hidden_checks: str | Path | None = None, max_examples: int = DEFAULT_EXAMPLES,
                timeout_s: float | None = None, submission_timeout_s: float | None = None, progress=None,
                workdir: str | Path | None = None, launcher: str | None = None,
                limits: ArchiveLimits = ArchiveLimits(), solutions: str | Path | None = None,
                notebook_map: dict[str, list[str]] | None = None, trust_submissions: bool = False,
                allow_public_heldout: bool = False) -> BatchReport:
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

    A batch runs other people's code: where the sandbox does not protect others it raises
    :class:`grader.api.LearnerCodeRefused` before grading anything, unless
    ``trust_submissions`` (recorded in the report). The exercises scored on held-out digits
    that learner code can read are not graded, unless ``allow_public_heldout``: every row
    lists them with the reason (``settings["refused"]``), and the rest of the batch is graded.
    Never raises for anything a submission does; bad arguments raise ``ValueError``.
    """
    started = time.perf_counter()
    chosen = [e.name for e in sorted(catalog.active().resolve(exercises) if exercises else catalog.active().gradable(),
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
    # Before anything runs: the level must protect others, and public held-out digits prove nothing.
    api.refuse_unprotected(purpose="pixelgrade batch", trust_submissions=trust_submissions, hidden_checks=hidden)
    # A course's mistake in its adapters is said once, before anything runs (CatalogError), not once per row.
    learner.course_adapters(catalog.active())
    refused = api.refused_exercises(chosen, allow_public_heldout=allow_public_heldout)
    graded_names = [name for name in chosen if name not in refused]
    if not graded_names:
        raise ValueError("every exercise asked for is refused: " + " ".join(dict.fromkeys(refused.values())))
    submissions = sorted(submissions, key=lambda s: s.id)
    if len({s.id for s in submissions}) != len(submissions):
        raise ValueError("submission ids must be unique")
    batch_ids = [s.id for s in submissions]
    mine = select_shard(submissions, shard)
    settings = {
        "exercises": graded_names, "max_examples": max_examples, "timeout_s": timeout_s,
        "submission_timeout_s": submission_timeout_s or default_submission_timeout(graded_names),
        "hidden_checks": str(hidden) if hidden else None, "launcher": launcher, "limits": limits,
        "isolation_mode": isolation.chosen_mode(), "notebook_map": dict(notebook_map or {}),
        # The instructor's overrides, for the child's own checks (api.grade with hidden checks).
        "trust_submissions": trust_submissions, "allow_public_heldout": allow_public_heldout,
    }
    if workdir is not None:
        workdir = Path(workdir).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    protected = grader_files(graded_names, hidden)
    before = fingerprint(protected)
    reference = Submission(SOLUTIONS_ID, Path(solutions) if solutions else catalog.active().solutions_dir)

    graded: dict[str, _Graded] = {}
    if progress:
        progress("start", len(mine))
    if launcher == "fork":
        start_forkserver(str(catalog.active().catalog_file))  # started here, before any thread, with what it needs

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
        end_running()
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
        expected = union_of_checks([g.report for g in graded.values() if g.report is not None])
        warnings.append("the reference solutions could not be graded (" + "; ".join(solution.notes)
                        + "); the expected checks are those seen in the submissions")

    rows = []
    for submission in mine:
        result = graded[submission.id]
        notes = list(result.notes)
        if result.report is None:
            reason = f"Not graded: {notes[-1] if notes else result.status}."
            report = not_graded_report(str(submission.path), expected, graded_names, reason)
            missing: list[str] = []
        else:
            report = result.report
            missing = reconcile(report, expected, graded_names)
            if missing:
                shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
                notes.append(f"{len(missing)} check(s) missing from the results, counted as failed: {shown}")
            notes += exercise_notes(report)
        _add_refused(report, refused, notes)
        status = row_status(result.status, report, missing)
        rows.append(SubmissionRow(submission.id, str(submission.path), status, report, notes, missing,
                                  result.seconds, list(result.feedback), lms=submission.lms,
                                  lms_id=submission.lms_id, name=submission.name, late=submission.late))

    changed = sorted(path for path, digest in fingerprint(protected).items() if before.get(path) != digest)
    if changed:
        warnings.append("the grader's own files changed during the batch (a submission may have tampered with "
                        "them; grade in an isolated environment): " + ", ".join(changed[:10]))
    public_settings = {k: v for k, v in settings.items()
                       if k not in ("limits", "hidden_checks", "launcher", "isolation_mode", "trust_submissions",
                                    "allow_public_heldout")}
    public_settings["exercises"] = chosen
    public_settings["hidden_checks"] = hidden_digest(hidden, graded_names)
    public_settings["layout"] = ", ".join(sorted({s.layout for s in submissions if s.layout}))
    public_settings.update(isolation.report_settings())
    public_settings.update(api.safety_settings(trust_submissions=trust_submissions,
                                               allow_public_heldout=allow_public_heldout, refused=refused))
    return BatchReport(exercises=chosen, rows=rows, expected=expected, settings=public_settings, shard=shard,
                       batch_ids=batch_ids, warnings=warnings, seconds=time.perf_counter() - started, jobs=jobs)
