"""The learner's saved progress: hints shown and the latest results, in one small JSON file.

The state lives in ``.pixelgrade/state.json`` next to the target directory (for the
default target ``exercises`` that is the project root), so every tool that works on
the same target sees the same progress: ``pixelgrade hint`` remembers which hints were
shown, and ``pixelgrade EXERCISE``, ``watch``, ``list`` and ``check()`` save the status
of what they graded.
``PIXELGRADE_STATE_DIR`` (or a tool's ``--state DIR``) puts it elsewhere.

The file holds::

    {"version": 1,
     "hints": {"thresholding": [1, 2, 4]},
     "results": {"/abs/path/to/exercises": {"histogram": {"status": "complete", "points": 20,
                                                           "bonus_points": 1, ...}}}}

``hints`` holds the numbers of the hints each exercise has shown (a learner may ask for
one function's hints, so they need not be the first few); an older file's count ``2``
reads as ``[1, 2]``.

Results are kept per target, so grading ``solutions`` never marks the learner's work done.
Each result also keeps the digest of what produced it (:func:`exercise_digest`), so
``list`` can show a result again, without grading, while nothing it depends on changed.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

from grader.core import catalog
from grader.core.results import ExerciseStatus
from grader.core.state_folder import state_dir  # the folder is named below the tools (pictures use it too)

VERSION = 1


def _sibling_imports(source: bytes, siblings: set[str]) -> set[str]:
    """The modules of the same folder that ``source`` imports (by name; nothing if it cannot be parsed)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names & siblings


@functools.cache
def _grader_digest() -> str:
    """The grader's own code and the course (catalog, checks): a result graded by other checks is not the same."""
    digest = hashlib.blake2b(digest_size=16)
    for folder in (Path(__file__).resolve().parents[1], catalog.active().folder):
        for path in sorted([*folder.rglob("*.py"), *folder.rglob("*.toml")]):
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def exercise_digest(target: str | Path, name: str) -> str:
    """What an exercise's grade depends on: its module, the modules of its folder that it imports
    (and that they import), the reference solution and the grader (its checks included)."""
    folder = Path(target)
    siblings = {path.stem for path in folder.glob("*.py")}
    digest = hashlib.blake2b(digest_size=16)
    digest.update(_grader_digest().encode())
    reference = catalog.active().solutions_dir / f"{name}.py"
    digest.update(reference.read_bytes() if reference.is_file() else b"no reference")
    seen, waiting = set(), [name]
    while waiting:
        module = waiting.pop()
        if module in seen:
            continue
        seen.add(module)
        try:
            source = (folder / f"{module}.py").read_bytes()
        except OSError:
            source = b"\0missing"
        digest.update(f"\0{module}\0".encode() + source)
        waiting.extend(sorted(_sibling_imports(source, siblings) - seen))
    return digest.hexdigest()


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
    def hints_seen(self, exercise: str) -> set[int]:
        """The numbers (from 1, in the catalog's order) of the hints of ``exercise`` shown so far."""
        value = self.data["hints"].get(exercise, [])
        if isinstance(value, int) and not isinstance(value, bool):  # a file of before: the first `value` hints
            return set(range(1, value + 1))
        if not isinstance(value, list):
            return set()
        return {number for number in value if isinstance(number, int) and not isinstance(number, bool) and number > 0}

    def set_hints_seen(self, exercise: str, numbers) -> None:
        self.data["hints"][exercise] = sorted({int(number) for number in numbers if int(number) > 0})

    def hints_shown(self, exercise: str) -> int:
        """How many hints of ``exercise`` were shown so far."""
        return len(self.hints_seen(exercise))

    # -- results ----------------------------------------------------------------
    def results(self, target: str | Path) -> dict:
        """{exercise: {"status", "points", "max_points", "bonus_points", "examples", "graded_at", "digest"}}
        saved for ``target``."""
        saved = self.data["results"].get(str(Path(target).resolve()), {})
        return saved if isinstance(saved, dict) else {}

    def record(self, report, digests: dict[str, str] | None = None) -> None:
        """Remember the status and points of every exercise of a GradeReport (for its target).

        ``digests``: {exercise: :func:`exercise_digest`} taken *before* grading (a file
        saved while it was graded then counts as changed); computed now if not given.
        """
        table = self.data["results"].setdefault(str(Path(report.target).resolve()), {})
        now = time.strftime("%Y-%m-%dT%H:%M:%S")
        for exercise in report.exercises:
            digest = (digests or {}).get(exercise.name) or exercise_digest(report.target, exercise.name)
            table[exercise.name] = {
                "status": exercise.status,
                "points": exercise.points,
                "max_points": exercise.max_points,
                "bonus_points": exercise.bonus_points,  # on top of the points, as in every total (README: Totals)
                "examples": report.settings.get("max_examples"),
                "graded_at": now,
                "digest": digest,
            }

    def unchanged(self, target: str | Path, name: str, *, examples: int, digest: str) -> dict | None:
        """The saved result of ``name`` if it was graded from exactly what is there now, with at
        least ``examples`` Hypothesis examples per property; else None."""
        entry = self.results(target).get(name)
        if not isinstance(entry, dict) or entry.get("digest") != digest:
            return None
        graded_with = entry.get("examples")
        return entry if isinstance(graded_with, int) and graded_with >= examples else None

    def done(self, target: str | Path) -> list[str]:
        """The exercises saved as complete for ``target``, in course order."""
        saved = self.results(target)
        return [e.name for e in catalog.active().exercises
                if saved.get(e.name, {}).get("status") == ExerciseStatus.COMPLETE]


def progress_line(done: int, total: int | None = None, width: int = 14) -> str:
    """``[#######-------] 7/14 exercises done``."""
    total = len(catalog.active().exercises) if total is None else total
    filled = round(width * done / total) if total else 0
    return f"[{'#' * filled}{'-' * (width - filled)}] {done}/{total} exercises done"
