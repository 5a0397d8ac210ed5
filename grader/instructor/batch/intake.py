"""Intake: one submission made ready to grade, in a private folder, whatever form it came in.

A folder or a zip is copied or extracted by :mod:`~grader.instructor.batch.staging`; this
module stages what is not one folder (a student's loose files from Canvas or Moodle, archives
among them), opens the archives a submission holds when it holds no module (one level, as
safely as a top-level archive), converts notebooks to modules (:mod:`grader.instructor.ipynb`),
and says which rename would make a wrongly named module count (``Histogram.py``).
:func:`stage` does it all for one submission of a batch.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
from pathlib import Path

from grader.core import catalog
from grader.instructor.batch.staging import (
    MODULE_DEPTH,
    NOTEBOOK_SUFFIX,
    PRIVATE_DIR_MODE,
    ArchiveLimits,
    Unreadable,
    check_within_limits,
    choose_module_dir,
    copy_submission,
    digest_tree,
    find_module_dir,
    free_path,
    is_archive,
    is_notebook,
    is_skipped,
    is_tar,
    limits_left,
    make_private,
    make_private_dirs,
    open_private,
    quoted,
    safe_extract,
    safe_extract_tar,
    size_words,
    stem_of,
)
from grader.writers import escaping
from grader.writers.batch_report import Submission, safe_id

MAX_RENAMES = 5  # files that look like a module under another name, named in a note


# -- staging what is not one folder ---------------------------------------------------------------
def stage_parts(parts, destination: Path, limits: ArchiveLimits = ArchiveLimits()) -> None:
    """Copy a student's loose files (and folders, archives) into ``destination``, privately (``0700``/``0600``)."""
    for name, source in parts:
        if source.is_dir():
            target = destination if name == "." else destination / Path(name).name
            make_private_dirs(target)
            copy_submission(source, target, limits)
        elif is_archive(source):
            unpack_archive(source, destination / safe_id(stem_of(Path(name))), limits, shown_as=Path(name))
        elif source.is_file() and not source.is_symlink():
            if source.stat().st_size > limits.max_file_bytes:
                raise Unreadable(f"{quoted(source.name)} is larger than {size_words(limits.max_file_bytes)}, the "
                                 "most a file may be")
            with open(source, "rb") as original, open_private(destination / Path(name).name) as copy:
                shutil.copyfileobj(original, copy)
    check_within_limits(destination, limits)


def unpack_archive(archive: Path, target: Path, limits: ArchiveLimits = ArchiveLimits(), *,
                   shown_as: Path | None = None) -> None:
    """Extract the zip or tar ``archive`` into the new folder ``target``, as safely as a top-level one is.

    The same checks and ``limits`` as a submission that is an archive (:mod:`staging
    <grader.instructor.batch.staging>`'s ``safe_extract`` and ``safe_extract_tar``). An archive
    whose only entry is a folder of its own name (``hw1.zip`` holding ``hw1/``, as
    zipping a folder makes it) has that folder's files put in ``target`` itself: they
    are the submission's files, not ``hw1/hw1/``. ``shown_as``: the archive's name as
    the student gave it (a Canvas file's name without its prefix), default its own.
    """
    make_private_dirs(target)
    (safe_extract_tar if is_tar(archive) else safe_extract)(archive, target, limits)
    names = {stem_of(shown_as or archive).casefold(), target.name.casefold()}
    entries = list(target.iterdir())
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink() \
            and entries[0].name.casefold() in names:
        _lift(entries[0], target)


def _lift(folder: Path, target: Path) -> None:
    """Make ``folder``, the only entry of ``target``, be ``target`` (its files one level up)."""
    import tempfile

    # Through a folder of a name no entry can have (the archive's folder may hold one named like it).
    holder = Path(tempfile.mkdtemp(dir=target.parent, prefix=".lifting-"))
    folder.rename(holder / "folder")
    target.rmdir()
    (holder / "folder").rename(target)
    holder.rmdir()


# -- archives inside a submission -----------------------------------------------------------------
def archives_in(root: Path, *, max_depth: int = MODULE_DEPTH) -> list[Path]:
    """The ``.zip`` and ``.tar.gz`` files under ``root`` (not in skipped folders, no links), in order."""
    found = []
    for folder, dirs, files in os.walk(root):
        relative = Path(folder).relative_to(root)
        dirs[:] = [] if len(relative.parts) >= max_depth else sorted(
            d for d in dirs if not is_skipped(Path(d)) and not os.path.islink(os.path.join(folder, d)))
        for name in sorted(files):
            path = Path(folder) / name
            if not is_skipped(relative / name) and not path.is_symlink() and is_archive(path):
                found.append(path)
    return found


def open_archives(root: Path, limits: ArchiveLimits) -> tuple[list[Path], list[str], list[str]]:
    """Open, once, the archives a submission holds (a Moodle student's ``hw1.zip``): one level, never deeper.

    Each is extracted as a top-level archive is (the same checks) into a folder beside it
    named after it, and removed. What they hold counts with the rest of the submission:
    each may unpack only what ``limits`` leave (a zip of a thousand zips is no way round
    them). Returns the folders made, notes saying what was opened, and why each archive
    that could not be opened could not (its folder removed).
    """
    opened, notes, failures = [], [], []
    for archive in archives_in(root):
        shown = escaping.path_name(archive.relative_to(root).as_posix())
        target = free_path(archive.parent, safe_id(stem_of(archive)))
        try:
            unpack_archive(archive, target, limits_left(root, archive, limits))
        except Unreadable as error:
            shutil.rmtree(target, ignore_errors=True)
            failures.append(f"{shown}, in it, cannot be opened: {error}")
            continue
        archive.unlink()
        opened.append(target)
        notes.append(f"opened {shown}, the archive it holds, and graded what is in it")
    check_within_limits(root, limits)
    return opened, notes, failures


def _nested_archives_note(root: Path, opened: list[Path]) -> str:
    """Why nothing was found in the archives opened: the archives inside them, which are not opened."""
    nested = [path for folder in opened for path in archives_in(folder)]
    if not nested:
        return ""
    shown = ", ".join(escaping.path_name(path.relative_to(root).as_posix()) for path in nested[:4])
    return (f"{shown} {'is an archive' if len(nested) == 1 else 'are archives'} inside an archive, not opened "
            "(pixelgrade opens one level of archives): ask for the modules themselves, or one archive of them")


# -- one submission, ready to grade ----------------------------------------------------------------
def stage(submission: Submission, workdir: Path, exercises: list[str],
          limits: ArchiveLimits = ArchiveLimits(),
          notebook_map: dict[str, list[str]] | None = None) -> tuple[Path, list[str], dict[str, str]]:
    """Copy or extract ``submission`` into ``workdir/submission``.

    Notebooks become the exercise modules they hold (:mod:`grader.instructor.ipynb`; ``notebook_map``:
    {notebook name: exercises}, else found by function name). A submission that holds no
    module but an archive (a Moodle student's ``hw1.zip``) has it opened, one level, as
    safely as a top-level one (:func:`open_archives`); one that holds several separate
    copies of the modules, as a folder of submissions does, is refused
    (:func:`choose_module_dir`). Returns the folder to grade, notes about it (an archive
    opened, wrongly named modules, what was left out of a notebook), and the digests of
    the Python files staged (compare with :func:`digest_tree` to notice a change).
    """
    from grader.instructor import ipynb  # here, not on top: ipynb imports the catalog's checks

    content = workdir / "submission"
    content.mkdir(mode=PRIVATE_DIR_MODE)
    try:
        if submission.parts:  # a student's loose files (Canvas, Moodle)
            stage_parts(submission.parts, content, limits)
            digests = digest_tree(content)
        elif submission.is_zip:
            digests = safe_extract(submission.path, content, limits)
        elif is_tar(submission.path):
            digests = safe_extract_tar(submission.path, content, limits)
        elif is_notebook(submission.path):
            stage_parts(((submission.path.name, submission.path),), content, limits)
            digests = {}
        else:
            digests = copy_submission(submission.path, content, limits)
        notes = list(submission.notes)
        converted, written = ipynb.convert_all(content, exercises, notebook_map)
        notes += converted
        digests.update(digest_tree(content) if written else {})
        why_none: list[str] = []  # why no module was found, when the archives opened hold none
        if find_module_dir(content, exercises) is None and archives_in(content):
            why_none = _open_inner_archives(content, exercises, limits, notebook_map, notes)
            digests = digest_tree(content)
    finally:
        make_private(content)  # whatever was written, by whom: only the grader's user reads the copy
    modules, chosen = choose_module_dir(content, exercises)
    notes += chosen
    renames = rename_advice(content, modules, exercises)
    if len(renames) > MAX_RENAMES:
        renames = renames[:MAX_RENAMES] + [f"and {len(renames) - MAX_RENAMES} more files of that kind"]
    if modules is None:
        reasons = why_none + renames
        notes.append("no exercise modules were found in the submission" + (": " + "; ".join(reasons) if reasons
                                                                          else ""))
        modules = content
    else:
        if modules != content:
            notes.append(f"modules found in the subfolder "
                         f"{escaping.path_name(modules.relative_to(content).as_posix())}/")
        notes += renames
    return modules, [escaping.note(note) for note in notes], digests


def _open_inner_archives(content: Path, exercises: list[str], limits: ArchiveLimits,
                         notebook_map: dict[str, list[str]] | None, notes: list[str]) -> list[str]:
    """Open the archives of a submission that holds no module (:func:`open_archives`); add to ``notes``.

    Returns, if the archives hold no module either, why (the archives inside them, which
    are not opened). Raises :class:`Unreadable` when nothing can be graded because an
    archive could not be opened (its reason is the row's note).
    """
    from grader.instructor import ipynb  # here, not on top: ipynb imports the catalog's checks

    opened, opened_notes, failures = open_archives(content, limits)
    notes += opened_notes
    for folder in opened:
        notes += ipynb.convert_all(folder, exercises, notebook_map)[0]
    if find_module_dir(content, exercises) is not None:
        notes += failures
        return []
    if failures:
        raise Unreadable("; ".join(failures))
    nested = _nested_archives_note(content, opened)
    return [nested] if nested else []


# -- wrongly named modules ------------------------------------------------------------------------
_VERSION_SUFFIX = re.compile(r"([_\-. ]*(final|v\d+|version\d*|copy|\(\d+\)|new|old|fixed|done|\d+))+$", re.I)


def rename_advice(root: Path, modules: Path | None, exercises: list[str], *, max_depth: int = 4) -> list[str]:
    """Advice for modules that would count under another name (``Histogram.py`` -> ``histogram.py``).

    Looks at the ``.py`` and ``.ipynb`` files under ``root`` for each exercise of
    ``exercises`` that has no module in ``modules`` (the folder graded, or None): a
    case-insensitive close match, or the name with a suffix such as ``_final``, ``-v2`` or
    `` (1)`` taken off.
    """
    have = {p.name for p in modules.iterdir()} if modules is not None and modules.is_dir() else set()
    missing = [name for name in exercises if f"{name}.py" not in have and f"{name}.ipynb" not in have]
    if not missing:
        return []
    candidates: list[Path] = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if len(relative.parts) > max_depth + 1 or is_skipped(relative) or not path.is_file():
            continue
        if path.suffix.lower() in (".py", NOTEBOOK_SUFFIX):
            candidates.append(path)
    advice = []
    known = {e.name for e in catalog.active().exercises}
    for path in candidates:
        stem = path.stem
        if stem in known and path.suffix == ".py" and (modules is None or path.parent == modules):
            continue  # it counts as it is
        guess = _closest(stem, missing)
        if guess is None:
            continue
        shown = escaping.path_name(path.relative_to(root).as_posix())
        wanted = f"{guess}{path.suffix.lower()}"
        place = ""
        if modules is not None and path.parent != modules:
            place = f" in {escaping.path_name(modules.relative_to(root).as_posix() or '.')}/"
        if path.name == wanted and modules is None:
            continue  # it could not be used (a notebook that does not parse): its own note says why
        if path.name == wanted:
            advice.append(f"found {shown}: move it next to the other modules{place} to have it graded")
        else:
            advice.append(f"found {shown}: rename it to {wanted}{place} to have it graded")
    return advice


def _closest(stem: str, exercises: list[str]) -> str | None:
    lowered = stem.lower().strip()
    trimmed = _VERSION_SUFFIX.sub("", lowered) or lowered
    for candidate in (lowered, trimmed):
        if candidate in exercises:
            return candidate
    match = difflib.get_close_matches(trimmed, exercises, n=1, cutoff=0.8)
    return match[0] if match else None
