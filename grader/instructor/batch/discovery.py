"""Discovery: the submissions a batch grades (ids unique, in id order), and the share of them a shard grades."""

from __future__ import annotations

import re

from grader.instructor.batch.model import Submission

MAX_ID = 80  # an id names files (feedback/<id>.txt): well under a file name's 255 bytes, with room for "-2"


def _safe_id(name: str) -> str:
    """A submission's id from its name: ASCII letters, digits, ``.``, ``_`` and ``-`` only, at most :data:`MAX_ID`.

    Never starts with ``.``, ``_`` or ``-`` (no hidden file, no option, no spreadsheet formula).
    """
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name[: 4 * MAX_ID])[:MAX_ID].strip("._-") or "submission"


def discover(paths, *, single: bool = False) -> list[Submission]:
    """The submissions named by ``paths``, in id order, ids unique (see :func:`grader.instructor.exports.discover`).

    Each path is a submission (a ``.zip``, ``.tar.gz``, ``.ipynb``, or a directory that holds
    exercise modules) or a folder of submissions: plain folders and archives, or a Canvas,
    Moodle or GitHub Classroom export. Entries that are no submission come back with a
    ``skip`` reason (they get a "not graded" row). ``single``: each path is one submission,
    whatever it holds (Gradescope's submission folder). ``ValueError`` for a folder that
    holds no submission.
    """
    from grader.instructor import exports  # here, not on top: exports imports this package

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
