"""Staging: copy or extract one submission into a private folder, within limits, and find its modules.

A zip is extracted without trusting it (no absolute paths, ``..``, links or encrypted
entries; sizes counted, not read from its headers), a folder is copied without links,
caches or VCS folders, notebooks become modules. The digests of the Python files staged
let the batch notice files that change while they are graded (:func:`digest_tree`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.instructor.batch.model import Submission


@dataclass(frozen=True)
class ArchiveLimits:
    """What a submission may hold (a zip's declared sizes are not trusted: bytes are counted)."""

    max_files: int = 2000
    max_file_bytes: int = 20 * 1024**2
    max_total_bytes: int = 100 * 1024**2


SKIPPED_NAMES = {"__pycache__", "__MACOSX", ".git", ".nox", ".venv", "venv", "node_modules", ".ipynb_checkpoints",
                 ".hypothesis", ".pytest_cache", ".DS_Store"}


class Unreadable(Exception):
    """A submission that cannot be staged: a bad or unsafe zip, or one too large."""


def _skipped(relative: Path) -> bool:
    return any(part in SKIPPED_NAMES or part.startswith(".") for part in relative.parts)


def copy_within_limits(source, target: Path, name: str, limits: ArchiveLimits, total: int) -> tuple[int, str]:
    """Copy an archive member's stream to ``target`` in chunks, refusing it past the size limits.

    ``total``: the bytes the archive has given so far. Returns the new total and the
    file's sha256 (the archive's own sizes are not trusted: the bytes are counted).
    """
    written = 0
    digest = hashlib.sha256()
    with open(target, "wb") as out:
        while chunk := source.read(1024 * 1024):
            written += len(chunk)
            total += len(chunk)
            if written > limits.max_file_bytes:
                raise Unreadable(f"{name!r} is larger than {limits.max_file_bytes} bytes")
            if total > limits.max_total_bytes:
                raise Unreadable(f"it holds more than {limits.max_total_bytes} bytes")
            out.write(chunk)
            digest.update(chunk)
    return total, digest.hexdigest()


def safe_extract(archive: Path, destination: Path, limits: ArchiveLimits = ArchiveLimits()) -> dict[str, str]:
    """Extract ``archive`` into ``destination``, refusing anything unsafe (raises :class:`Unreadable`).

    Refused: entries with absolute paths or ``..``, links, encrypted entries, more than
    ``max_files`` files, a file over ``max_file_bytes`` or a total over ``max_total_bytes``
    (counted while extracting, not taken from the headers). Returns the digests of the
    Python files written, as :func:`digest_tree` would compute them.
    """
    destination = destination.resolve()
    digests: dict[str, str] = {}
    try:
        with zipfile.ZipFile(archive) as bundle:
            entries = bundle.infolist()
            if len(entries) > limits.max_files:
                raise Unreadable(f"it holds {len(entries)} entries; at most {limits.max_files} are accepted")
            total = 0
            for info in entries:
                name = info.filename.replace("\\", "/")
                parts = [p for p in name.split("/") if p not in ("", ".")]
                if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts or "\0" in name:
                    raise Unreadable(f"it has an entry with an unsafe path: {info.filename!r}")
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    raise Unreadable(f"it has a symbolic link: {info.filename!r}")
                if info.flag_bits & 0x1:
                    raise Unreadable(f"it has an encrypted entry: {info.filename!r}")
                if info.is_dir() or not parts or _skipped(Path(*parts)):
                    continue
                target = destination.joinpath(*parts)
                if destination not in target.resolve().parents:
                    raise Unreadable(f"it has an entry with an unsafe path: {info.filename!r}")
                target.parent.mkdir(parents=True, exist_ok=True)
                with bundle.open(info) as source:
                    total, digest = copy_within_limits(source, target, info.filename, limits, total)
                if target.suffix == ".py":
                    digests[target.relative_to(destination).as_posix()] = digest
        return digests
    except Unreadable:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, RuntimeError,
            ValueError) as error:
        raise Unreadable(f"it cannot be read as a zip file ({type(error).__name__}: {error})") from None


def copy_submission(source: Path, destination: Path, limits: ArchiveLimits = ArchiveLimits()) -> dict[str, str]:
    """Copy the regular files of ``source`` (no links, no caches or VCS folders), within ``limits``.

    Returns the digests of the Python files copied, as :func:`digest_tree` would compute them.
    """
    count = total = 0
    digests: dict[str, str] = {}
    for root, dirs, files in os.walk(source):
        relative = Path(root).relative_to(source)
        dirs[:] = sorted(d for d in dirs if not _skipped(relative / d) and not os.path.islink(os.path.join(root, d)))
        for name in sorted(files):
            path = Path(root) / name
            if _skipped(relative / name) or path.is_symlink() or not path.is_file():
                continue
            size = path.stat().st_size
            count, total = count + 1, total + size
            if count > limits.max_files or size > limits.max_file_bytes or total > limits.max_total_bytes:
                raise Unreadable(f"it is too large to grade (more than {limits.max_files} files, a file over "
                                 f"{limits.max_file_bytes} bytes or more than {limits.max_total_bytes} bytes)")
            (destination / relative).mkdir(parents=True, exist_ok=True)
            data = path.read_bytes()
            (destination / relative / name).write_bytes(data)
            if name.endswith(".py"):
                digests[(relative / name).as_posix()] = hashlib.sha256(data).hexdigest()
    return digests


def find_module_dir(root: Path, exercises: list[str], *, max_depth: int = 4) -> Path | None:
    """The shallowest folder under ``root`` holding modules of ``exercises`` (the most, first by name)."""
    wanted = {f"{name}.py" for name in exercises}
    level = [root]
    for _ in range(max_depth + 1):
        best, best_count = None, 0
        for directory in level:
            with contextlib.suppress(OSError):
                count = sum(1 for entry in directory.iterdir() if entry.name in wanted and entry.is_file())
                if count > best_count:
                    best, best_count = directory, count
        if best is not None:
            return best
        next_level = []
        for directory in level:
            with contextlib.suppress(OSError):
                next_level += sorted(e for e in directory.iterdir() if e.is_dir() and not e.is_symlink()
                                     and not _skipped(Path(e.name)))
        level = next_level
    return None


def stage(submission: Submission, workdir: Path, exercises: list[str],
          limits: ArchiveLimits = ArchiveLimits(),
          notebook_map: dict[str, list[str]] | None = None) -> tuple[Path, list[str], dict[str, str]]:
    """Copy or extract ``submission`` into ``workdir/submission``.

    Notebooks become the exercise modules they hold (:mod:`grader.instructor.ipynb`; ``notebook_map``:
    {notebook name: exercises}, else found by function name). Returns the folder to grade,
    notes about it (wrongly named modules, what was left out of a notebook), and the
    digests of the Python files staged (compare with :func:`digest_tree` to notice a change).
    """
    from grader.instructor import exports, ipynb  # here, not on top: exports imports this package

    content = workdir / "submission"
    content.mkdir()
    if submission.parts:  # a student's loose files (Canvas, Moodle)
        exports.stage_parts(submission.parts, content, limits)
        digests = digest_tree(content)
    elif submission.is_zip:
        digests = safe_extract(submission.path, content, limits)
    elif exports.is_tar(submission.path):
        digests = exports.safe_extract_tar(submission.path, content, limits)
    elif exports.is_notebook(submission.path):
        exports.stage_parts(((submission.path.name, submission.path),), content, limits)
        digests = {}
    else:
        digests = copy_submission(submission.path, content, limits)
    notes = list(submission.notes)
    converted, written = ipynb.convert_all(content, exercises, notebook_map)
    notes += converted
    digests.update(digest_tree(content) if written else {})
    modules = find_module_dir(content, exercises)
    renames = exports.rename_advice(content, modules, exercises)
    if modules is None:
        notes.append("no exercise modules were found in the submission" + (": " + "; ".join(renames) if renames
                                                                          else ""))
        modules = content
    else:
        if modules != content:
            notes.append(f"modules found in the subfolder {modules.relative_to(content).as_posix()}/")
        notes += renames
    return modules, notes, digests


def digest_tree(directory: Path) -> dict[str, str]:
    """{relative path: sha256} of the Python files under ``directory`` (to notice tampering)."""
    found = {}
    for path in sorted(directory.rglob("*.py")) if directory.exists() else []:
        if _skipped(path.relative_to(directory)):
            continue
        with contextlib.suppress(OSError):
            found[path.relative_to(directory).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found
