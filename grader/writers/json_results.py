"""JSON results: one grading (``pixelgrade --json``), one submission (``per-submission/<id>.json``), a batch.

The JSON is the models' own ``to_dict``: ``pixelgrade summary`` and ``pixelgrade merge``
read it back with their ``from_dict``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from grader.core.results import GradeReport

if TYPE_CHECKING:  # only named in annotations: a learner's command never imports the batch (35 ms)
    from grader.writers.batch_report import BatchReport, SubmissionRow


def write_report(report: GradeReport, path: str | Path) -> None:
    """Write the report as JSON: one object per exercise with its checks."""
    Path(path).write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")


def for_row(row: SubmissionRow) -> str:
    """One submission's row with its full report (the instructor's view: hidden checks too)."""
    return json.dumps(row.to_dict(), indent=2) + "\n"


def for_batch(batch: BatchReport) -> str:
    """Everything about the batch (``batch.json``), for ``pixelgrade merge`` and ``pixelgrade summary``."""
    return json.dumps(batch.to_dict(), indent=1) + "\n"
