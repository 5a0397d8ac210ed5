"""Where a batch's submissions come from: the folders instructors actually download.

:func:`discover` looks at each path given to ``pixelgrade batch`` and recognises its layout:

- ``canvas``: a Canvas "Download submissions" folder, loose files named
  ``<name>_<userid>_<submissionid>_<filename>`` (``<name>_LATE_<userid>_...`` when late);
  a file uploaded again comes back as ``<filename>-1``, ``-2``...: the latest one is kept;
- ``moodle``: Moodle's "Download all submissions", a folder per student
  (``<Full Name>_<id>_assignsubmission_file_/``) or loose files with that prefix;
- ``github-classroom``: a folder of ``<assignment>-<username>`` repositories (what
  ``gh classroom clone student-repos`` makes: git repositories in ``<assignment>-submissions/``);
- ``folders``: a folder, a ``.zip``, a ``.tar.gz`` or a notebook (``.ipynb``) per student;
- ``single``: the path is one submission (it holds exercise modules, or ``--single``).

Each student becomes one :class:`~grader.instructor.batch.Submission` with a stable id (the name or
login). Whatever else is in the folder (``README.txt``, ``.DS_Store``, a stray ``.pdf``)
is no submission: it is listed as skipped, with the reason (a warning of the batch), gets
no learner-facing file and is not counted. A folder with no submission at all is an error
that says what was expected. Folder mistakes never grade silently: a folder that only
wraps a folder of submissions (``classroom/hw1-submissions/``) is graded as the folder
inside, with a warning; a submission given twice is graded once. Every name that a note
or warning quotes is cut and cleaned where it is made (:func:`grader.writers.escaping.name`):
a file name inside an archive can be megabytes long, or hold HTML, Markdown or terminal
escape codes.

This module also stages what the batch cannot copy as one folder: a student's loose
files (Canvas, Moodle) and ``.tar.gz`` archives, extracted as safely as zips are (their
headers read with a cap, their sizes counted; see :func:`safe_extract_tar`).
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.core import catalog
from grader.instructor.batch import (
    SKIPPED_NAMES,
    SOLUTIONS_ID,
    ArchiveLimits,
    Submission,
    Unreadable,
    _safe_id,
    _skipped,
    copy_within_limits,
    find_module_dir,
    select_shard,
)
from grader.instructor.batch.staging import (
    MODULE_DEPTH,
    check_archive_size,
    check_depth,
    check_within_limits,
    check_zip_directory,
    make_private_dirs,
    open_private,
    quoted,
    separate_copies,
    size_words,
    unsafe_name,
    why_unreadable,
)
from grader.writers import escaping

CANVAS, MOODLE, CLASSROOM, FOLDERS, SINGLE = "canvas", "moodle", "github-classroom", "folders", "single"
LAYOUT_TITLES = {
    CANVAS: "a Canvas \"Download submissions\" export",
    MOODLE: "a Moodle \"Download all submissions\" export",
    CLASSROOM: "a GitHub Classroom folder of repositories",
    FOLDERS: "a folder of submissions (a folder, .zip, .tar.gz or .ipynb per student)",
    SINGLE: "one submission",
}
EXPECTED = ("a folder, a .zip, a .tar.gz or a .ipynb notebook per student, or a Canvas export (loose files named "
            "<name>_<userid>_<submissionid>_<file>), a Moodle export (<Full Name>_<id>_assignsubmission_file_/ "
            "folders) or a GitHub Classroom folder (<assignment>-<username>/ repositories)")

ZIP_SUFFIXES = (".zip",)
TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")
NOTEBOOK_SUFFIX = ".ipynb"
# Folders that tools make (version control, caches, environments): ignored, with a warning.
TOOL_FOLDERS = SKIPPED_NAMES - {".DS_Store"}

_CANVAS = re.compile(r"^(?P<name>[^_].*?)_(?:(?P<late>LATE)_)?(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)$", re.I)
_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assign(?P<kind>submission|feedback)_(?P<plugin>[a-z]+)"
                     r"(?:_(?P<file>.*))?$")
_AGAIN = re.compile(r"^(?P<base>.+?)-(?P<n>\d+)(?P<ext>(?:\.tar)?\.[A-Za-z0-9]+)?$")  # Canvas: histogram-1.py


@dataclass
class Discovery:
    """What :func:`discover` found: the submissions (graded or not), each path's layout, warnings."""

    submissions: list[Submission]
    layouts: list[tuple[str, str]] = field(default_factory=list)  # (path, layout) per path given
    warnings: list[str] = field(default_factory=list)

    @property
    def gradable(self) -> list[Submission]:
        return [s for s in self.submissions if not s.skip]

    @property
    def not_graded(self) -> list[Submission]:
        return [s for s in self.submissions if s.skip]

    def describe(self) -> list[str]:
        """One line per path: the layout recognised and what it holds."""
        lines = []
        for path, layout in self.layouts:
            mine = [s for s in self.submissions if s.origin == path]
            graded = sum(1 for s in mine if not s.skip)
            skipped = len(mine) - graded
            lines.append(f"{path}: {LAYOUT_TITLES.get(layout, layout)}; {graded} submission"
                         f"{'' if graded == 1 else 's'}" + (f", {skipped} skipped (not a submission)" if skipped
                                                            else ""))
        return lines


# -- names ---------------------------------------------------------------------------------------
def suffix_of(path: Path) -> str:
    """``.tar.gz`` for ``x.tar.gz``, else the last suffix, lower-case."""
    name = path.name.lower()
    for suffix in TAR_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def stem_of(path: Path) -> str:
    suffix = suffix_of(path)
    return path.name[: -len(suffix)] if suffix and len(path.name) > len(suffix) else path.name


def is_tar(path: Path) -> bool:
    return suffix_of(path) in TAR_SUFFIXES and not path.is_dir()


def is_archive(path: Path) -> bool:
    return suffix_of(path) in ZIP_SUFFIXES + TAR_SUFFIXES and not path.is_dir()


def is_notebook(path: Path) -> bool:
    return path.suffix.lower() == NOTEBOOK_SUFFIX and not path.is_dir()


def _why_not(path: Path) -> str:
    """Why a top-level entry is not a submission, in a learner's or instructor's words."""
    if path.is_symlink() and not path.exists():
        return "not a submission: a broken link"
    if path.name == ".DS_Store":
        return "not a submission: a macOS Finder file (.DS_Store)"
    suffix = suffix_of(path)
    if suffix == ".py":
        return (f"not a submission: a loose .py file (each submission is a folder, a .zip, a .tar.gz or a notebook; "
                f"is {escaping.name(path.name)} one student's module?)")
    if not suffix:
        return "not a submission: a file without an extension"
    return f"not a submission: a {escaping.name(suffix)} file"


# -- discovery -----------------------------------------------------------------------------------
def holds_modules(directory: Path) -> bool:
    """Whether ``directory`` itself holds an exercise module (``histogram.py``) or notebook (``histogram.ipynb``)."""
    names = {f"{e.name}{suffix}" for e in catalog.active().exercises for suffix in (".py", NOTEBOOK_SUFFIX)}
    try:
        return any(entry.name in names and entry.is_file() for entry in directory.iterdir())
    except OSError:
        return False


def discover(paths, *, single: bool = False, shard: tuple[int, int] | None = None) -> Discovery:
    """The submissions named by ``paths`` (ids unique, in id order), each path's layout, warnings.

    Each path is one submission (a ``.zip``, ``.tar.gz``, ``.ipynb``, or a folder that holds
    exercise modules; with ``single`` any folder) or a folder of submissions in one of the
    layouts above. A folder that only wraps a folder of submissions (``classroom/`` holding
    ``hw1-submissions/``, beside a README perhaps) is graded as that folder, with a
    warning. A submission given twice (the same path, another path to it, or a folder and
    one of its own entries) is graded once, with a warning. ``shard``: the warnings about
    a row are given only for the rows of that shard (see :func:`select_shard`), so that
    each shard warns about the rows it grades. ``ValueError`` for a path that does not
    exist, is no submission, or is a folder in which no submission is found (with what
    was expected), or that holds several folders of submissions (naming them).
    """
    found: list[Submission] = []
    layouts: list[tuple[str, str]] = []
    warnings: list[str] = []
    given: dict[Path, str] = {}  # each folder or file graded, resolved: the argument that named it first
    for argument in map(str, paths):
        path = Path(argument)
        if not path.exists():
            raise ValueError(f"{argument!r} does not exist")
        if path.is_dir() and not single and not holds_modules(path):
            path = _unwrap(path, warnings)
        origin = str(path)
        if path.resolve() in given:
            first = given[path.resolve()]
            warnings.append(f"{argument}: given twice" + (f" (the same as {first}, given before)" if first != argument
                                                          else "") + ": its submissions are graded once")
            continue
        given[path.resolve()] = argument
        layout, entries, notes = _submissions_at(path, single=single)
        found += [dataclass_replace(entry, origin=origin) for entry in entries]
        layouts.append((origin, layout))
        warnings += notes
    found, repeated = _drop_repeats(found)
    submissions = _unique(found)
    in_shard = {s.id for s in select_shard(submissions, shard or (1, 1))}
    warnings += repeated
    for submission in submissions:
        if submission.skip and submission.id in in_shard:  # each shard warns about the rows it grades
            warnings.append(f"{escaping.name(submission.path.name)}: skipped ({submission.skip}); it gets no "
                            "feedback and is not counted")
    return Discovery(submissions, layouts, warnings)


def _submissions_at(path: Path, *, single: bool) -> tuple[str, list[Submission], list[str]]:
    """The layout of one path given to :func:`discover`, its submissions (graded or not), warnings."""
    origin = str(path)
    if path.is_file():
        if not (is_archive(path) or is_notebook(path)):
            raise ValueError(f"{origin!r} is neither a folder nor a .zip, .tar.gz or .ipynb file; expected "
                             + EXPECTED)
        if not single and (export := _zipped_export(path)):
            raise ValueError(f"{origin!r} looks like {LAYOUT_TITLES[export]} as one zip file: unzip it "
                             f"(unzip {path.name} -d submissions) and give the folder")
        return SINGLE, [Submission(stem_of(path), path, layout=SINGLE)], []
    if single or holds_modules(path):
        return SINGLE, [Submission(path.resolve().name, path, layout=SINGLE)], []
    layout, entries, notes = scan_folder(path)
    if not any(not entry.skip for entry in entries):
        seen = ", ".join(sorted(escaping.name(entry.path.name) for entry in entries)[:8])
        raise ValueError(f"no submissions found in {origin!r} ("
                         + (f"it holds only {seen}" if seen else "it is empty")
                         + f"); expected {EXPECTED}")
    return layout, entries, notes


# -- folder mistakes: a class inside a folder, a submission given twice ------------------------------
MAX_UNWRAP = 3  # folders gone down through: course/classroom/hw1-submissions/ is already two


def _unwrap(folder: Path, warnings: list[str]) -> Path:
    """The folder of submissions that ``folder`` only wraps (``classroom/`` holding only ``hw1-submissions/``).

    Grading the wrapper would make one "submission" of the whole class, and staging would
    grade one student's files as it; so the folder inside is graded, with a warning. A
    README or ``.DS_Store`` beside it does not matter. Raises ``ValueError`` when the
    folder holds several folders of submissions and nothing else, naming them.
    """
    for _ in range(MAX_UNWRAP):
        layout, entries, _ = scan_folder(folder)
        if layout != FOLDERS:
            break  # an export: it is the folder of submissions
        candidates = [e.path for e in entries if not e.skip and not e.path.name.startswith(".")]
        if len(candidates) >= 2 and all(path.is_dir() and _holds_a_class(path) for path in candidates):
            shown = ", ".join(f"{escaping.name(path.name)}/" for path in candidates[:6])
            raise ValueError(f"{str(folder)!r} holds {len(candidates)} folders of submissions ({shown}) and no "
                             f"submission of its own: give the one to grade, e.g. pixelgrade batch {candidates[0]}")
        if len(candidates) != 1 or not (candidates[0].is_dir() and _holds_a_class(candidates[0])):
            break
        inner = candidates[0]
        beside = sorted(escaping.name(e.path.name) for e in entries if e.path != inner)
        warnings.append(f"{folder}: it holds only the folder of submissions {escaping.name(inner.name)}/"
                        + (f" (beside {', '.join(beside[:4])})" if beside else "")
                        + f": graded the submissions in {inner} (give that folder next time)")
        folder = inner
    return folder


def _holds_a_class(folder: Path) -> bool:
    """Whether ``folder`` is a folder of submissions: an export, or several entries that are each one."""
    if holds_modules(folder):
        return False
    layout, entries, _ = scan_folder(folder)
    gradable = [entry.path for entry in entries if not entry.skip]
    if layout != FOLDERS:
        return bool(gradable)
    return sum(1 for path in gradable if _is_one_submission(path)) >= 2


def _is_one_submission(path: Path) -> bool:
    """An archive, a notebook, or a folder with exercise modules (in it or just below): one student's work."""
    if not path.is_dir():
        return is_archive(path) or is_notebook(path)
    return find_module_dir(path, [e.name for e in catalog.active().exercises], max_depth=2) is not None


def _drop_repeats(found: list[Submission]) -> tuple[list[Submission], list[str]]:
    """``found`` without the submissions given already (the same files, or some inside the other's), warnings.

    Compared by resolved path (a link, ``./x`` and ``x`` are one), so that a folder given
    with one of its own entries grades that entry once, not as ``alice`` and ``alice-2``.
    Two different students of the same name are two different paths: both stay.
    """
    claimed: dict[Path, Submission] = {}  # every file or folder of a kept submission
    around: dict[Path, Submission] = {}  # every folder that holds one of them
    kept: list[Submission] = []
    dropped: dict[tuple[str, str], list[str]] = {}
    for submission in found:
        paths = [Path(os.path.realpath(source)) for _, source in submission.parts] or \
            [Path(os.path.realpath(submission.path))]
        first = _claimant(paths, claimed, around)
        if first is not None:
            dropped.setdefault((submission.origin, first.origin), []).append(escaping.name(submission.path.name))
            continue
        kept.append(submission)
        for path in paths:
            claimed[path] = submission
            for parent in path.parents:
                around.setdefault(parent, submission)
    warnings = [f"{origin}: {', '.join(names[:4])}{f' and {len(names) - 4} more' if len(names) > 4 else ''} "
                f"{'was' if len(names) == 1 else 'were'} given already, in {earlier}: graded once"
                for (origin, earlier), names in dropped.items()]
    return kept, warnings


def _claimant(paths: list[Path], claimed: dict[Path, Submission], around: dict[Path, Submission]):
    """The submission kept already that ``paths`` (resolved) are, lie inside, or hold; else None."""
    for path in paths:
        if path in claimed or path in around:
            return claimed.get(path) or around[path]
        for parent in path.parents:
            if parent in claimed:
                return claimed[parent]
    return None


def _zipped_export(path: Path) -> str:
    """``canvas``, ``moodle`` or ``folders`` for a zip that holds a whole class (several students' files), else "".

    ``folders``: the same exercise module in separate folders of the zip
    (``hw1-submissions/hw1-annlee/histogram.py``, ``.../hw1-bob/histogram.py``), as a
    zipped folder of submissions holds it (:func:`separate_copies`).
    """
    import zipfile

    if suffix_of(path) != ".zip":
        return ""
    try:
        check_zip_directory(path, ArchiveLimits())  # a directory of millions of entries: staging says why
        with zipfile.ZipFile(path) as bundle:
            names = bundle.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, Unreadable):
        return ""
    tops = {name.split("/")[0] for name in names}
    for layout, pattern, key in ((CANVAS, _CANVAS, "user"), (MOODLE, _MOODLE, "id")):
        students = {match[key] for match in map(pattern.match, tops) if match}
        if len(students) >= 2:
            return layout
    return FOLDERS if separate_copies(_module_folders_listed(names)) else ""


def _module_folders_listed(names: list[str]) -> dict[PurePosixPath, set[str]]:
    """{folder: the exercises it holds a module or notebook of}, from an archive's list of entries."""
    modules = {f"{e.name}{suffix}": e.name for e in catalog.active().exercises for suffix in (".py", NOTEBOOK_SUFFIX)}
    folders: dict[PurePosixPath, set[str]] = {}
    for name in names:
        entry = PurePosixPath(name.replace("\\", "/"))
        if entry.name in modules and not _skipped(Path(*entry.parts)) and len(entry.parts) <= MODULE_DEPTH + 1:
            folders.setdefault(entry.parent, set()).add(modules[entry.name])
    return folders


def dataclass_replace(submission: Submission, **changes) -> Submission:
    import dataclasses

    return dataclasses.replace(submission, **changes)


def _unique(found: list[Submission]) -> list[Submission]:
    taken: set[str] = set()
    unique = []
    for submission in sorted(found, key=lambda s: (bool(s.skip), _safe_id(s.id), str(s.path))):
        base = candidate = _safe_id(submission.id)
        n = 1
        # Compared without case: "Alice" and "alice" would share a file on macOS and Windows.
        while candidate.casefold() in taken or candidate.casefold() == SOLUTIONS_ID.casefold():
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate.casefold())
        unique.append(dataclass_replace(submission, id=candidate))
    return sorted(unique, key=lambda s: s.id)


def scan_folder(folder: Path) -> tuple[str, list[Submission], list[str]]:
    """The layout of a folder of submissions, its entries (graded or not) and warnings."""
    canvas: dict[str, list[tuple[re.Match, Path]]] = {}
    moodle: dict[str, list[tuple[re.Match, Path]]] = {}
    rest: list[Path] = []
    ignored: list[str] = []
    entries: list[Submission] = []
    for entry in sorted(folder.iterdir()):
        if entry.name in TOOL_FOLDERS and entry.is_dir():
            ignored.append(entry.name + "/")
            continue
        match = _MOODLE.match(entry.name)
        if match and match["kind"] == "submission":
            moodle.setdefault(match["id"], []).append((match, entry))
            continue
        if match:  # an instructor's feedback file, exported with the submissions
            entries.append(Submission(entry.name, entry, skip="not a submission: Moodle feedback"))
            continue
        match = _CANVAS.match(entry.name)
        if match and entry.is_file():
            canvas.setdefault(match["user"], []).append((match, entry))
            continue
        rest.append(entry)
    entries += _canvas_students(canvas) + _moodle_students(moodle)
    prefix = _classroom_prefix(folder, [p for p in rest if p.is_dir()])
    for entry in rest:
        if entry.is_dir():
            login = entry.name[len(prefix):] if prefix and entry.name.startswith(prefix) else entry.name
            if prefix:  # GitHub Classroom knows a student by their login (its roster's identifier)
                entries.append(Submission(login, entry, layout=CLASSROOM, lms=CLASSROOM, lms_id=login))
            else:
                entries.append(Submission(login, entry, layout=FOLDERS))
        elif entry.is_file() and (is_archive(entry) or is_notebook(entry)):
            entries.append(Submission(stem_of(entry), entry, layout=FOLDERS))
        else:
            entries.append(Submission(entry.name, entry, skip=_why_not(entry)))
    layout = CANVAS if canvas else MOODLE if moodle else CLASSROOM if prefix else FOLDERS
    notes = [f"{folder}: ignored {', '.join(ignored)} (a tool's folder, not a submission)"] if ignored else []
    return layout, entries, notes


def _canvas_students(groups: dict[str, list[tuple[re.Match, Path]]]) -> list[Submission]:
    names = {}
    for user, files in groups.items():
        names.setdefault(files[0][0]["name"], []).append(user)
    students = []
    for user, files in sorted(groups.items()):
        name = files[0][0]["name"]
        ident = name if len(names[name]) == 1 else f"{name}_{user}"  # two students of the same name
        versions: dict[str, list[tuple[int, int, re.Match, Path]]] = {}
        for match, path in files:
            again = _AGAIN.match(match["file"])
            canonical = again["base"] + (again["ext"] or "") if again else match["file"]
            number = int(again["n"]) if again else 0
            versions.setdefault(canonical, []).append((int(match["sub"]), number, match, path))
        parts, notes, late = [], [], False
        for canonical, uploads in sorted(versions.items()):
            uploads.sort(key=lambda u: (u[0], u[1]))
            _, _, match, path = uploads[-1]
            parts.append((canonical, path))
            late = late or bool(match["late"])
            if len(uploads) > 1:
                earlier = "the earlier one" if len(uploads) == 2 else f"the {len(uploads) - 1} earlier ones"
                notes.append(f"{escaping.name(canonical)}: graded the latest upload, {escaping.name(match['file'])} "
                             f"(submission {match['sub']}), not {earlier}")
        if late:
            notes.append("Canvas marks it LATE")
        # The user id is the ID column of Canvas's Gradebook; the name is as Canvas wrote it in the
        # file names (lower case, separators taken out): Canvas's import matches on the ID.
        students.append(Submission(ident, parts[0][1], layout=CANVAS, parts=tuple(parts),
                                   notes=tuple(notes), lms=CANVAS, lms_id=user, name=name, late=late))
    return students


def _moodle_students(groups: dict[str, list[tuple[re.Match, Path]]]) -> list[Submission]:
    students = []
    # The number in "<Full Name>_<id>_assignsubmission_file_" is the participant id that Moodle's grading
    # worksheet calls "Participant <id>" (both are the assignment's unique id for the student).
    for participant, entries in sorted(groups.items()):
        parts = []
        for match, path in entries:
            if path.is_dir():
                parts.append((".", path))  # its files go to the top of the staged copy
            elif match["file"]:
                parts.append((match["file"], path))
        name = entries[0][0]["name"]
        students.append(Submission(name, entries[0][1], layout=MOODLE, parts=tuple(parts),
                                   skip="" if parts else "not a submission: an empty Moodle entry",
                                   lms=MOODLE, lms_id=participant, name=name))
    return students


def _classroom_prefix(folder: Path, directories: list[Path]) -> str:
    """The ``<assignment>-`` that GitHub Classroom puts before every login, or "" (not such a folder).

    A folder counts as GitHub Classroom's when its repositories are git repositories or it is
    named ``<assignment>-submissions`` (as ``gh classroom clone student-repos`` names it).
    """
    if not directories:
        return ""
    if folder.resolve().name.endswith("-submissions"):
        prefix = folder.resolve().name[: -len("submissions")]
        if all(d.name.startswith(prefix) and len(d.name) > len(prefix) for d in directories):
            return prefix
    if len(directories) < 2 or not any((d / ".git").exists() for d in directories):
        return ""
    common = os.path.commonprefix([d.name for d in directories])
    prefix = common[: common.rfind("-") + 1]
    return prefix if prefix.strip("-") and all(len(d.name) > len(prefix) for d in directories) else ""


# -- staging what is not one folder ---------------------------------------------------------------
def stage_parts(parts, destination: Path, limits: ArchiveLimits = ArchiveLimits()) -> None:
    """Copy a student's loose files (and folders, archives) into ``destination``, privately (``0700``/``0600``)."""
    from grader.instructor.batch import copy_submission

    for name, source in parts:
        if source.is_dir():
            target = destination if name == "." else destination / Path(name).name
            make_private_dirs(target)
            copy_submission(source, target, limits)
        elif is_archive(source):
            unpack_archive(source, destination / _safe_id(stem_of(Path(name))), limits, shown_as=Path(name))
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

    The same checks and ``limits`` as a submission that is an archive
    (:func:`grader.instructor.batch.safe_extract`, :func:`safe_extract_tar`). An archive
    whose only entry is a folder of its own name (``hw1.zip`` holding ``hw1/``, as
    zipping a folder makes it) has that folder's files put in ``target`` itself: they
    are the submission's files, not ``hw1/hw1/``. ``shown_as``: the archive's name as
    the student gave it (a Canvas file's name without its prefix), default its own.
    """
    from grader.instructor.batch import safe_extract

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


def free_path(folder: Path, name: str) -> Path:
    """``folder / name``, or ``name-2``, ``name-3``... if that is taken."""
    candidate, n = folder / name, 1
    while candidate.exists() or candidate.is_symlink():
        n += 1
        candidate = folder / f"{name}-{n}"
    return candidate


# What a tar may put before a member: headers whose data is read whole into memory by tarfile.
_EXTENDED_HEADERS = (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, tarfile.XHDTYPE, tarfile.XGLTYPE,
                     tarfile.SOLARIS_XHDTYPE)
_MAX_EXTENDED_CHAIN = 8  # a real member has two or three (a pax header, a long name, a long link name)


def capped_tarinfo(limits: ArchiveLimits) -> type[tarfile.TarInfo]:
    """A :class:`tarfile.TarInfo` that refuses, before reading them, headers no submission needs.

    ``tarfile`` reads a GNU long name or a pax header whole into memory, however large its
    header says it is (a 4 KB ``.tar.gz`` can hold a 4 MB name, a 261 KB one a 260 MB name),
    and follows a chain of them by recursion. This one refuses an extended header larger
    than ``limits.max_header_bytes``, a chain of more than a few, and sparse files (whose
    maps tarfile also reads whole). Pass it as ``tarfile.open(..., tarinfo=...)``; what it
    raises is :class:`~grader.instructor.batch.Unreadable`, which tarfile lets through.
    """
    chain = [0]  # extended headers before the member being read (one archive, one thread)

    def refuse_sparse(*_args):
        raise Unreadable("it has a sparse file (a file with holes, as some tar tools make); pack the files "
                         "with a plain tar or zip")

    class CappedTarInfo(tarfile.TarInfo):
        def _proc_member(self, tarfile_):  # tarfile's hook for every header it reads
            if self.type == tarfile.GNUTYPE_SPARSE:
                refuse_sparse()
            if self.type not in _EXTENDED_HEADERS:
                return super()._proc_member(tarfile_)
            if self.size > limits.max_header_bytes:
                raise Unreadable(f"it has a header of {size_words(self.size)} before an entry (a long name or "
                                 f"extended attributes); at most {size_words(limits.max_header_bytes)} are accepted")
            if chain[0] >= _MAX_EXTENDED_CHAIN:
                raise Unreadable(f"it has more than {_MAX_EXTENDED_CHAIN} headers in a row before an entry")
            chain[0] += 1
            try:
                return super()._proc_member(tarfile_)
            finally:
                chain[0] -= 1

        _proc_gnusparse_00 = _proc_gnusparse_01 = _proc_gnusparse_10 = refuse_sparse  # pax's sparse formats

    return CappedTarInfo


def safe_extract_tar(archive: Path, destination: Path, limits: ArchiveLimits = ArchiveLimits()) -> dict[str, str]:
    """Extract a ``.tar``/``.tar.gz`` as safely as :func:`grader.instructor.batch.safe_extract` extracts a zip.

    Headers are read with a cap (:func:`capped_tarinfo`); every entry passes tarfile's
    ``data`` filter and our own rules: no absolute path, no ``..``, no link of any kind, no
    device or FIFO, at most ``max_files`` entries, no file over ``max_file_bytes`` and no
    more than ``max_total_bytes`` in all, counting the entries that are passed over
    (``.git/``): reading past them means unpacking them. Sizes are checked before an entry
    is unpacked and its bytes counted as they are written, so a gzip bomb stops at the
    cap. Raises :class:`~grader.instructor.batch.Unreadable`; returns the digests of the
    Python files written (``0600``, in ``0700`` folders).
    """
    destination = destination.resolve()
    digests: dict[str, str] = {}
    count = total = declared = 0
    try:
        check_archive_size(archive, limits)
        with tarfile.open(archive, "r:*", tarinfo=capped_tarinfo(limits)) as bundle:
            for member in bundle:  # one at a time: a huge listing is refused before it is read in full
                count += 1
                if count > limits.max_files:
                    raise Unreadable(f"it holds more than {limits.max_files} entries")
                if len(member.name) > limits.max_header_bytes or len(member.linkname) > limits.max_header_bytes:
                    raise Unreadable(f"it has an entry whose name is longer than {limits.max_header_bytes} "
                                     "characters")
                # Checked before tarfile reads past its data (unpacking it), whether it is extracted or not.
                declared += max(member.size, 0)
                if declared > limits.max_total_bytes:
                    raise Unreadable(f"it holds more than {size_words(limits.max_total_bytes)} once unpacked, the "
                                     "most a submission may hold")
                name = member.name.replace("\\", "/")
                parts = [p for p in name.split("/") if p not in ("", ".")]
                if unsafe_name(name):
                    raise Unreadable(f"it has an entry with an unsafe path: {quoted(member.name)}")
                if member.issym() or member.islnk():
                    raise Unreadable(f"it has a link: {quoted(member.name)}")
                if not (member.isfile() or member.isdir()):
                    raise Unreadable(f"it has a special file (a device or a pipe): {quoted(member.name)}")
                try:
                    tarfile.data_filter(member, str(destination))
                except tarfile.FilterError as error:
                    raise Unreadable(f"it has an unsafe entry: {quoted(member.name)} "
                                     f"({escaping.one_line(type(error).__name__)})") from None
                check_depth(parts, member.name)
                if member.isdir() or not parts or _skipped(Path(*parts)):
                    continue
                if member.size > limits.max_file_bytes:
                    raise Unreadable(f"{quoted(member.name)} is larger than {size_words(limits.max_file_bytes)}, "
                                     f"the most a file may be ({size_words(member.size)} once unpacked)")
                target = destination.joinpath(*parts)
                if destination not in target.resolve().parents:
                    raise Unreadable(f"it has an entry with an unsafe path: {quoted(member.name)}")
                make_private_dirs(target.parent)
                source = bundle.extractfile(member)
                if source is None:
                    continue
                with source:
                    total, digest = copy_within_limits(source, target, member.name, limits, total)
                if target.suffix == ".py":
                    digests[target.relative_to(destination).as_posix()] = digest
        return digests
    except Unreadable:
        raise
    except (tarfile.TarError, zlib.error, EOFError, OSError, ValueError, RecursionError) as error:
        raise Unreadable(f"it cannot be read as a tar archive ({why_unreadable(error)})") from None


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
        if len(relative.parts) > max_depth + 1 or _skipped(relative) or not path.is_file():
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
