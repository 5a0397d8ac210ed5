"""The learner's saved progress: hints shown and the latest results, in one small JSON file.

The state lives in ``.pixelgrade/state.json`` next to the target directory (for the
default target ``exercises`` that is the project root), so every tool that works on
the same target sees the same progress: ``pixelgrade hint`` remembers how many hints
were shown, and ``watch``, ``list`` and ``check()`` save the status of what they graded.
``PIXELGRADE_STATE_DIR`` (or a tool's ``--state DIR``) puts it elsewhere.

The file holds::

    {"version": 1,
     "hints": {"thresholding": 2},
     "results": {"/abs/path/to/exercises": {"histogram": {"status": "complete", "points": 20, ...}}}}

Results are kept per target, so grading ``solutions`` never marks the learner's work done.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from grader import exercises as course

STATE_DIR_ENV = "PIXELGRADE_STATE_DIR"
VERSION = 1


def state_dir(target: str | Path = "exercises", override: str | Path | None = None) -> Path:
    """The ``.pixelgrade`` folder for ``target``: ``override``, else $PIXELGRADE_STATE_DIR, else next to it."""
    if override:
        return Path(override)
    if os.environ.get(STATE_DIR_ENV):
        return Path(os.environ[STATE_DIR_ENV])
    return Path(target).resolve().parent / ".pixelgrade"


class State:
    """Load, change and save one state file (writes are atomic: a temp file, then a rename)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.path = self.folder / "state.json"
        self.data = self._load()

    @classmethod
    def for_target(cls, target: str | Path = "exercises", override: str | Path | None = None) -> State:
        return cls(state_dir(target, override))

    def _load(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        data.setdefault("version", VERSION)
        if not isinstance(data.get("hints"), dict):
            data["hints"] = {}
        if not isinstance(data.get("results"), dict):
            data["results"] = {}
        return data

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix="state-", suffix=".json", dir=self.folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(self.data, file, indent=2, sort_keys=True)
                file.write("\n")
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    # -- hints ------------------------------------------------------------------
    def hints_shown(self, exercise: str) -> int:
        value = self.data["hints"].get(exercise, 0)
        return value if isinstance(value, int) and value > 0 else 0

    def set_hints_shown(self, exercise: str, count: int) -> None:
        self.data["hints"][exercise] = max(0, int(count))

    # -- results ----------------------------------------------------------------
    def results(self, target: str | Path) -> dict:
        """{exercise: {"status", "points", "max_points", "examples", "graded_at"}} saved for ``target``."""
        saved = self.data["results"].get(str(Path(target).resolve()), {})
        return saved if isinstance(saved, dict) else {}

    def record(self, report) -> None:
        """Remember the status and points of every exercise of a GradeReport (for its target)."""
        table = self.data["results"].setdefault(str(Path(report.target).resolve()), {})
        now = time.strftime("%Y-%m-%dT%H:%M:%S")
        for exercise in report.exercises:
            table[exercise.name] = {
                "status": exercise.status,
                "points": exercise.points,
                "max_points": exercise.max_points,
                "examples": report.settings.get("max_examples"),
                "graded_at": now,
            }

    def done(self, target: str | Path) -> list[str]:
        """The exercises saved as complete for ``target``, in course order."""
        saved = self.results(target)
        return [e.name for e in course.EXERCISES if saved.get(e.name, {}).get("status") == "complete"]


def progress_line(done: int, total: int | None = None, width: int = 14) -> str:
    """``[#######-------] 7/14 exercises done``."""
    total = len(course.EXERCISES) if total is None else total
    filled = round(width * done / total) if total else 0
    return f"[{'#' * filled}{'-' * (width - filled)}] {done}/{total} exercises done"
