"""Discovery: the submissions a batch grades, ids unique, in id order (the layouts are :mod:`~.exports`')."""

from __future__ import annotations

from grader.instructor.batch import exports
from grader.writers.batch_report import Submission


def discover(paths, *, single: bool = False) -> list[Submission]:
    """The submissions named by ``paths``, in id order, ids unique (:func:`.exports.discover`: the layouts).

    Each path is a submission (a ``.zip``, ``.tar.gz``, ``.ipynb``, or a directory that holds
    exercise modules) or a folder of submissions: plain folders and archives, or a Canvas,
    Moodle or GitHub Classroom export. Entries that are no submission come back with a
    ``skip`` reason (they get a "not graded" row). ``single``: each path is one submission,
    whatever it holds (Gradescope's submission folder). ``ValueError`` for a folder that
    holds no submission.
    """
    return exports.discover(paths, single=single).submissions
