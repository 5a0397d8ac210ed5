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

Staging what was found is :mod:`~grader.instructor.batch.intake`'s (a student's loose files,
archives among them) and :mod:`~grader.instructor.batch.staging`'s (folders, zips, tars); this
module only reads names and archives' listings.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.core import catalog
from grader.instructor.batch.shards import select_shard
from grader.instructor.batch.staging import (
    MODULE_DEPTH,
    NOTEBOOK_SUFFIX,
    SKIPPED_NAMES,
    ArchiveLimits,
    Unreadable,
    check_zip_directory,
    find_module_dir,
    is_archive,
    is_notebook,
    is_skipped,
    separate_copies,
    stem_of,
    suffix_of,
)
from grader.writers import escaping
from grader.writers.batch_report import SOLUTIONS_ID, Submission, safe_id

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
        if entry.name in modules and not is_skipped(Path(*entry.parts)) and len(entry.parts) <= MODULE_DEPTH + 1:
            folders.setdefault(entry.parent, set()).add(modules[entry.name])
    return folders


def dataclass_replace(submission: Submission, **changes) -> Submission:
    import dataclasses

    return dataclasses.replace(submission, **changes)


def _unique(found: list[Submission]) -> list[Submission]:
    taken: set[str] = set()
    unique = []
    for submission in sorted(found, key=lambda s: (bool(s.skip), safe_id(s.id), str(s.path))):
        base = candidate = safe_id(submission.id)
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


