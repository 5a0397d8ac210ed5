"""Batch grading for instructors: many submissions, one gradebook.

:func:`grade_batch` grades every submission (a directory, or a ``.zip``, holding
exercise modules) in a child process of its own (:mod:`grader.instructor.batch.child`), several
at a time, each within a wall-clock limit. Whatever a submission does, it gets a row:
``graded``, or a status that says why not (``grader crashed``, ``timed out``,
``unreadable zip``...). Before any writer sees a row, :func:`reconcile` makes sure
that every check the grader collects for an exercise (the list comes from grading the
reference solutions in the same batch) is in that row's report; a missing one counts
as failed and is flagged. The result is a :class:`BatchReport` of plain dataclasses;
:mod:`grader.writers.gradebook` only writes it out, :mod:`grader.cli.batch` is the command line.

Defences against a hostile submission, beyond the sandbox's per-call limits: each
submission is staged into a private temporary copy just before it is graded; the
child's results come back signed (see :mod:`grader.instructor.batch.child`); every output file
is written at the end, from the parent's memory; a submission whose staged files
changed while it was graded, or whose grading process died (by its own doing or a
neighbour's), is graded again, alone; and the checks and references are checked for
changes once the batch is done. This protects
against accidents and casual tampering, not against a determined attacker running as
the same user: grade untrusted code in a container or as an unprivileged user.

One module per job, in the order a batch does them:

- :mod:`~grader.instructor.batch.model`: the data (a submission, its row, the report, ``batch.json``);
- :mod:`~grader.instructor.batch.discovery`: which submissions there are, and a shard's share of them;
- :mod:`~grader.instructor.batch.staging`: a submission's private copy, within limits;
- :mod:`~grader.instructor.batch.launch`: the child that grades it, and its signed result;
- :mod:`~grader.instructor.batch.child`: that child (one submission, graded through :func:`grader.api.grade`);
- :mod:`~grader.instructor.batch.reconciliation`: every row holds every expected check;
- :mod:`~grader.instructor.batch.integrity`: the grader's own files, unchanged by the batch;
- :mod:`~grader.instructor.batch.run`: :func:`grade_batch`, all of the above for every submission;
- :mod:`~grader.instructor.batch.merging`: the shards of a batch joined into one report.

Everything the command line, the writers, :mod:`grader.instructor.exports` and the tests use
is importable from here (``from grader.instructor import batch``), private helpers included.
"""

from grader.instructor.batch.discovery import _safe_id, discover, parse_shard, select_shard
from grader.instructor.batch.integrity import fingerprint, grader_files, hidden_digest
from grader.instructor.batch.launch import MAX_RESULT_BYTES, default_launcher
from grader.instructor.batch.merging import MergeError, check_out_folder, load_batch, merge
from grader.instructor.batch.model import (
    FORMAT,
    SOLUTIONS_ID,
    BatchReport,
    ExpectedCheck,
    RowStatus,
    Submission,
    SubmissionRow,
)
from grader.instructor.batch.reconciliation import _not_graded_report, _row_status, expected_checks, reconcile
from grader.instructor.batch.run import default_jobs, default_submission_timeout, grade_batch
from grader.instructor.batch.staging import (
    SKIPPED_NAMES,
    ArchiveLimits,
    Unreadable,
    _skipped,
    copy_submission,
    copy_within_limits,
    digest_tree,
    find_module_dir,
    safe_extract,
    stage,
)

__all__ = [
    "FORMAT", "MAX_RESULT_BYTES", "SKIPPED_NAMES", "SOLUTIONS_ID",
    "ArchiveLimits", "BatchReport", "ExpectedCheck", "MergeError", "RowStatus", "Submission", "SubmissionRow",
    "Unreadable", "check_out_folder",
    "copy_submission", "copy_within_limits", "default_jobs", "default_launcher", "default_submission_timeout",
    "digest_tree", "discover", "expected_checks", "find_module_dir", "fingerprint", "grade_batch", "grader_files",
    "hidden_digest", "load_batch", "merge", "parse_shard", "reconcile", "safe_extract", "select_shard", "stage",
    # Private, but used by grader.instructor.exports (ids, skipped folders) and the writers' tests.
    "_not_graded_report", "_row_status", "_safe_id", "_skipped",
]
