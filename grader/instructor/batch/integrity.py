"""Integrity: digests of the grader's own files (references, checks, hidden checks), to notice a batch changing them."""

from __future__ import annotations

import hashlib
from pathlib import Path

from grader.core import catalog
from grader.core.catalog import hidden_check_files


def grader_files(exercises: list[str], hidden_checks: Path | None = None) -> list[Path]:
    """What grades the batch's exercises and no submission may change: references, checks, hidden checks."""
    chosen = catalog.active().resolve(exercises)
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


def hidden_digest(hidden_checks: Path | None, exercises) -> str:
    """Which hidden checks graded the batch, in 16 hex digits (``""``: none); shards must agree on it to merge."""
    files = hidden_check_files(hidden_checks, catalog.active().resolve(exercises)) if hidden_checks else []
    if not files:
        return ""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
