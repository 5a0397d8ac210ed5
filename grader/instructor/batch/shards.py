"""Shards: a CI matrix splits a large batch, each job grading every n-th submission (``--shard i/n``)."""

from __future__ import annotations

import re

from grader.writers.batch_report import Submission


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
