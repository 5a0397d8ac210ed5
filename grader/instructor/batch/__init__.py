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

One module per job, in the order a batch does them (each imports only those above it):

- :mod:`grader.writers.batch_report`: the data (a submission, its row, the report, ``batch.json``),
  which the writers write out (it lives below them: a writer knows no instructor module);
- :mod:`~grader.instructor.batch.shards`: a shard's share of the submissions;
- :mod:`~grader.instructor.batch.staging`: a submission's private copy (a folder, a zip, a tar), within limits;
- :mod:`~grader.instructor.batch.intake`: what is not one folder (loose files, archives inside a
  submission, notebooks), and :func:`stage`, a submission made ready to grade;
- :mod:`~grader.instructor.batch.exports`: the layouts of the folders instructors download (Canvas,
  Moodle, GitHub Classroom), the submissions in them;
- :mod:`~grader.instructor.batch.discovery`: :func:`discover`, the submissions a batch grades;
- :mod:`~grader.instructor.batch.launch`: the child that grades one, and its signed result;
- :mod:`~grader.instructor.batch.child`: that child (one submission, graded through :func:`grader.api.grade`);
- :mod:`~grader.instructor.batch.reconciliation`: every row holds every expected check;
- :mod:`~grader.instructor.batch.integrity`: the grader's own files, unchanged by the batch;
- :mod:`~grader.instructor.batch.run`: :func:`grade_batch`, all of the above for every submission;
- :mod:`~grader.instructor.batch.merging`: the shards of a batch joined into one report.

What the command line and the tests use is importable from here (``from grader.instructor import batch``).
"""

from grader.instructor.batch.discovery import discover
from grader.instructor.batch.intake import stage
from grader.instructor.batch.integrity import fingerprint, grader_files, hidden_digest
from grader.instructor.batch.launch import MAX_RESULT_BYTES, default_launcher
from grader.instructor.batch.merging import MergeError, check_out_folder, load_batch, merge
from grader.instructor.batch.reconciliation import expected_checks, not_graded_report, reconcile, row_status
from grader.instructor.batch.run import default_jobs, default_submission_timeout, grade_batch
from grader.instructor.batch.shards import parse_shard, select_shard
from grader.instructor.batch.staging import (
    SKIPPED_NAMES,
    ArchiveLimits,
    Unreadable,
    copy_submission,
    copy_within_limits,
    digest_tree,
    find_module_dir,
    safe_extract,
    safe_extract_tar,
)
from grader.writers.batch_report import (
    FORMAT,
    SOLUTIONS_ID,
    BatchReport,
    ExpectedCheck,
    RowStatus,
    Submission,
    SubmissionRow,
    safe_id,
)

__all__ = [
    "FORMAT", "MAX_RESULT_BYTES", "SKIPPED_NAMES", "SOLUTIONS_ID",
    "ArchiveLimits", "BatchReport", "ExpectedCheck", "MergeError", "RowStatus", "Submission", "SubmissionRow",
    "Unreadable", "check_out_folder",
    "copy_submission", "copy_within_limits", "default_jobs", "default_launcher", "default_submission_timeout",
    "digest_tree", "discover", "expected_checks", "find_module_dir", "fingerprint", "grade_batch", "grader_files",
    "hidden_digest", "load_batch", "merge", "not_graded_report", "parse_shard", "reconcile", "row_status",
    "safe_extract", "safe_extract_tar", "safe_id", "select_shard", "stage",
]
