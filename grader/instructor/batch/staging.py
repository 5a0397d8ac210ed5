"""Staging: a submission's private copy, within limits: a folder copied, a zip or a tar extracted.

A zip or a tar is extracted without trusting it (no absolute paths, ``..``, links or encrypted
entries; its directory, headers and declared sizes checked before anything is unpacked, and
the bytes counted as they are, since a header can lie), a folder is copied without
links, caches or VCS folders. Every folder of the copy is
made ``0700`` and every file ``0600``: no other user of the machine can read it. Every
name from the submission that a note quotes is cut and cleaned where the note is made
(:func:`grader.writers.escaping.name`). The digests of the Python files staged let the
batch notice files that change while they are graded (:func:`digest_tree`). What is not
one folder or archive (a student's loose files, archives inside a submission, notebooks)
is :mod:`~grader.instructor.batch.intake`'s, which builds on this module.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import re
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader.core import catalog
from grader.writers import escaping


@dataclass(frozen=True)
class ArchiveLimits:
    """What a submission may hold (an archive's declared sizes are checked, then its bytes counted).

    ``max_header_bytes`` bounds what an archive may say about one member before its data:
    its name, a tar's GNU long name or pax header, a zip's name (a header of megabytes is
    no submission, and reading it whole would cost that much memory).
    """

    max_files: int = 2000
    max_file_bytes: int = 20 * 1024**2
    max_total_bytes: int = 100 * 1024**2
    max_header_bytes: int = 8 * 1024


SKIPPED_NAMES = {"__pycache__", "__MACOSX", ".git", ".nox", ".venv", "venv", "node_modules", ".ipynb_checkpoints",
                 ".hypothesis", ".pytest_cache", ".DS_Store"}
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


class Unreadable(Exception):
    """A submission that cannot be staged: a bad or unsafe archive, or one too large (the message says why)."""


MAX_DEPTH = 32  # folders an entry may be nested in: far more than any submission needs
MODULE_DEPTH = 4  # folders below a submission's top where its modules (and archives) are looked for


def check_depth(parts: list[str], name: str) -> None:
    """Refuse an entry nested deeper than :data:`MAX_DEPTH` folders.

    A chain of a thousand folders is a few kilobytes of archive, but walking, copying or
    removing it recursively runs Python out of recursion (and left its files behind).
    """
    if len(parts) > MAX_DEPTH + 1:
        raise Unreadable(f"it has an entry nested {len(parts) - 1} folders deep ({quoted(name)}); at most "
                         f"{MAX_DEPTH} are accepted")


def is_skipped(relative: Path) -> bool:
    return any(part in SKIPPED_NAMES or part.startswith(".") for part in relative.parts)


def quoted(text) -> str:
    """A name from a submission as a note quotes it: cut, cleaned, in quotes."""
    return repr(escaping.name(text))


def size_words(count: int) -> str:
    """``20971520`` -> ``"20 MB"``: a size as a person reads it (binary units, written the usual way).

    Under 10 KB, the bytes themselves (a limit set that low is meant to the byte).
    """
    if count < 10 * 1024:
        return f"{count} bytes"
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if count >= scale:
            return f"{count / scale:.3g} {unit}"
    return f"{count} bytes"


def why_unreadable(error: BaseException) -> str:
    """What went wrong reading an archive, in a note: never a path (an OSError's names the staging folder)."""
    if isinstance(error, OSError) and error.strerror:
        return f"{type(error).__name__}: {error.strerror}"
    return f"{type(error).__name__}: {escaping.one_line(error, 200)}"


# -- names ---------------------------------------------------------------------------------------
ZIP_SUFFIXES = (".zip",)
TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")
NOTEBOOK_SUFFIX = ".ipynb"


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


def free_path(folder: Path, name: str) -> Path:
    """``folder / name``, or ``name-2``, ``name-3``... if that is taken."""
    candidate, n = folder / name, 1
    while candidate.exists() or candidate.is_symlink():
        n += 1
        candidate = folder / f"{name}-{n}"
    return candidate


# -- private files --------------------------------------------------------------------------------
def make_private_dirs(path: Path) -> None:
    """Create ``path`` and its missing parents, each ``0700`` (``Path.mkdir`` leaves parents to the umask)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=PRIVATE_DIR_MODE)


def open_private(path: Path):
    """``path`` opened for writing as a new or emptied file that only its owner can read (``0600``)."""
    return open(path, "wb", opener=lambda name, flags: os.open(name, flags, PRIVATE_FILE_MODE))


def make_private(root: Path) -> None:
    """Every folder under ``root`` (itself too) ``0700`` and every file ``0600``; links are left alone."""
    with contextlib.suppress(OSError):
        os.chmod(root, PRIVATE_DIR_MODE)
    for folder, dirs, files in os.walk(root):
        for entry, mode in [(d, PRIVATE_DIR_MODE) for d in dirs] + [(f, PRIVATE_FILE_MODE) for f in files]:
            path = os.path.join(folder, entry)
            with contextlib.suppress(OSError):
                if not os.path.islink(path):
                    os.chmod(path, mode)


# -- archives ---------------------------------------------------------------------------------------
def copy_within_limits(source, target: Path, name: str, limits: ArchiveLimits, total: int) -> tuple[int, str]:
    """Copy an archive member's stream to ``target`` (``0600``) in chunks, refusing it past the size limits.

    ``total``: the bytes the archive has given so far. Returns the new total and the
    file's sha256 (the archive's own sizes are not trusted: the bytes are counted).
    """
    written = 0
    digest = hashlib.sha256()
    with open_private(target) as out:
        while chunk := source.read(1024 * 1024):
            written += len(chunk)
            total += len(chunk)
            if written > limits.max_file_bytes:
                raise Unreadable(f"{quoted(name)} is larger than {size_words(limits.max_file_bytes)}, the most a "
                                 "file may be once unpacked")
            if total > limits.max_total_bytes:
                raise Unreadable(f"it holds more than {size_words(limits.max_total_bytes)} once unpacked, the most "
                                 "a submission may hold")
            out.write(chunk)
            digest.update(chunk)
    return total, digest.hexdigest()


def check_archive_size(archive: Path, limits: ArchiveLimits) -> None:
    """Refuse an archive file larger than a whole submission may be (before a byte of it is read)."""
    try:
        size = archive.stat().st_size
    except OSError as error:
        raise Unreadable(f"it cannot be read ({type(error).__name__})") from None
    if size > limits.max_total_bytes:
        raise Unreadable(f"the archive is {size_words(size)}; at most {size_words(limits.max_total_bytes)} "
                         "are accepted")


_END_OF_DIRECTORY = struct.Struct("<4s4H2LH")  # a zip's end-of-central-directory record


def check_zip_directory(archive: Path, limits: ArchiveLimits) -> None:
    """Refuse a zip whose central directory is too large, before :mod:`zipfile` reads all of it into memory.

    The end-of-central-directory record says how many entries there are and how many bytes
    they take; :mod:`zipfile` reads that many bytes and makes an object per entry. A zip64
    archive (more than 65,535 entries or 4 GB) is over every limit anyway.
    """
    with open(archive, "rb") as file:
        file.seek(0, os.SEEK_END)
        size = file.tell()
        file.seek(max(0, size - (_END_OF_DIRECTORY.size + 65535)))  # the record, after a comment of up to 64 KB
        tail = file.read()
    where = tail.rfind(b"PK\x05\x06")
    if where < 0 or len(tail) - where < _END_OF_DIRECTORY.size:
        return  # not a zip: zipfile says so, in its own words
    _, _, _, _, entries, directory_bytes, _, _ = _END_OF_DIRECTORY.unpack_from(tail, where)
    if entries == 0xFFFF or directory_bytes == 0xFFFFFFFF:
        raise Unreadable("it is a zip64 archive (more than 65,535 entries or 4 GB), far larger than a submission "
                         "may be")
    if entries > limits.max_files:
        raise Unreadable(f"it holds {entries} entries; at most {limits.max_files} are accepted")
    if directory_bytes > limits.max_files * (46 + limits.max_header_bytes):
        raise Unreadable(f"its list of entries takes {size_words(directory_bytes)}, more than "
                         f"{limits.max_files} entries with names of at most {size_words(limits.max_header_bytes)} "
                         "need")


def unsafe_name(name: str) -> bool:
    """Whether an archive member's name would land outside the folder it is extracted into."""
    parts = [p for p in name.split("/") if p not in ("", ".")]
    return name.startswith("/") or bool(re.match(r"^[A-Za-z]:", name)) or ".." in parts or "\0" in name


def safe_extract(archive: Path, destination: Path, limits: ArchiveLimits = ArchiveLimits()) -> dict[str, str]:
    """Extract the zip ``archive`` into ``destination``, refusing anything unsafe (raises :class:`Unreadable`).

    Refused: an archive file over ``max_total_bytes``, more than ``max_files`` entries (told
    by its directory, before it is read), a name over ``max_header_bytes``, entries with
    absolute paths or ``..``, links, encrypted entries, a file over ``max_file_bytes`` or a
    total over ``max_total_bytes`` (declared in its headers, and counted while extracting,
    since a header can lie). Folders are made ``0700``, files ``0600``. Returns the digests
    of the Python files written, as :func:`digest_tree` would compute them.
    """
    destination = destination.resolve()
    digests: dict[str, str] = {}
    try:
        check_archive_size(archive, limits)
        check_zip_directory(archive, limits)
        with zipfile.ZipFile(archive) as bundle:
            entries = bundle.infolist()
            if len(entries) > limits.max_files:
                raise Unreadable(f"it holds {len(entries)} entries; at most {limits.max_files} are accepted")
            wanted = []
            for info in entries:
                name = info.filename.replace("\\", "/")
                if len(info.filename) > limits.max_header_bytes:
                    raise Unreadable(f"it has an entry whose name is {len(info.filename)} characters long; at most "
                                     f"{limits.max_header_bytes} are accepted")
                if unsafe_name(name):
                    raise Unreadable(f"it has an entry with an unsafe path: {quoted(info.filename)}")
                if stat.S_ISLNK(info.external_attr >> 16):
                    raise Unreadable(f"it has a symbolic link: {quoted(info.filename)}")
                if info.flag_bits & 0x1:
                    raise Unreadable(f"it has an encrypted entry: {quoted(info.filename)}")
                parts = [p for p in name.split("/") if p not in ("", ".")]
                check_depth(parts, info.filename)
                if info.is_dir() or not parts or is_skipped(Path(*parts)):
                    continue
                if info.file_size > limits.max_file_bytes:
                    raise Unreadable(f"{quoted(info.filename)} is larger than {size_words(limits.max_file_bytes)}, "
                                     f"the most a file may be ({size_words(info.file_size)} once unpacked)")
                wanted.append((info, parts))
            declared = sum(info.file_size for info, _ in wanted)
            if declared > limits.max_total_bytes:
                raise Unreadable(f"it holds more than {size_words(limits.max_total_bytes)} once unpacked, the most "
                                 f"a submission may hold ({size_words(declared)})")
            total = 0
            for info, parts in wanted:
                target = destination.joinpath(*parts)
                if destination not in target.resolve().parents:
                    raise Unreadable(f"it has an entry with an unsafe path: {quoted(info.filename)}")
                make_private_dirs(target.parent)
                with bundle.open(info) as source:
                    total, digest = copy_within_limits(source, target, info.filename, limits, total)
                if target.suffix == ".py":
                    digests[target.relative_to(destination).as_posix()] = digest
        return digests
    except Unreadable:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, RuntimeError,
            ValueError, zlib.error) as error:
        raise Unreadable(f"it cannot be read as a zip file ({why_unreadable(error)})") from None


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
                if member.isdir() or not parts or is_skipped(Path(*parts)):
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



def copy_submission(source: Path, destination: Path, limits: ArchiveLimits = ArchiveLimits()) -> dict[str, str]:
    """Copy the regular files of ``source`` (no links, no caches or VCS folders), within ``limits``, privately.

    Returns the digests of the Python files copied, as :func:`digest_tree` would compute them.
    """
    count = total = 0
    digests: dict[str, str] = {}
    for root, dirs, files in os.walk(source):
        relative = Path(root).relative_to(source)
        dirs[:] = sorted(d for d in dirs if not is_skipped(relative / d) and not os.path.islink(os.path.join(root, d)))
        for name in sorted(files):
            path = Path(root) / name
            if is_skipped(relative / name) or path.is_symlink() or not path.is_file():
                continue
            size = path.stat().st_size
            count, total = count + 1, total + size
            if count > limits.max_files or size > limits.max_file_bytes or total > limits.max_total_bytes:
                raise Unreadable(f"it is too large to grade (more than {limits.max_files} files, a file over "
                                 f"{size_words(limits.max_file_bytes)} or more than "
                                 f"{size_words(limits.max_total_bytes)} in all)")
            make_private_dirs(destination / relative)
            data = path.read_bytes()
            with open_private(destination / relative / name) as out:
                out.write(data)
            if name.endswith(".py"):
                digests[(relative / name).as_posix()] = hashlib.sha256(data).hexdigest()
    return digests


def find_module_dir(root: Path, exercises: list[str], *, max_depth: int = MODULE_DEPTH) -> Path | None:
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
                                     and not is_skipped(Path(e.name)))
        level = next_level
    return None


# -- several copies of the modules: one submission, or many students? -------------------------------
def course_copy() -> tuple[str, str]:
    """The folders of stubs and solutions: a learner's copy of the course holds both, side by side."""
    return catalog.active().stubs_dir.name, catalog.active().solutions_dir.name


def module_folders(root: Path, exercises, *, max_depth: int = MODULE_DEPTH) -> dict[PurePosixPath, set[str]]:
    """{folder under ``root``, relative: the ``exercises`` it holds a module of}, down to ``max_depth`` folders.

    Skipped folders (``.git``, ``__MACOSX``...) and links are not looked into, as
    :func:`find_module_dir` does not.
    """
    wanted = {f"{name}.py": name for name in exercises}
    found: dict[PurePosixPath, set[str]] = {}
    for folder, dirs, files in os.walk(root):
        relative = Path(folder).relative_to(root)
        if len(relative.parts) >= max_depth:
            dirs[:] = []
        else:
            dirs[:] = [d for d in dirs if not is_skipped(Path(d)) and not os.path.islink(os.path.join(folder, d))]
        names = {wanted[f] for f in files if f in wanted and os.path.isfile(os.path.join(folder, f))}
        if names:
            found[PurePosixPath(relative.as_posix())] = names
    return found


def separate_copies(folders: Mapping[PurePosixPath, set[str]]) -> list[PurePosixPath]:
    """The folders that hold a module which another folder, neither inside nor around them, holds too.

    That is what a folder of submissions looks like (``hw1-annlee/histogram.py``,
    ``hw1-bob/histogram.py``); grading one of them as "the" submission would grade one
    student's files for all. A copy inside the folder (a student's ``old/histogram.py``)
    does not count, and neither does a learner's copy of the course, ``exercises/``
    beside ``solutions/``. ``folders``: as :func:`module_folders` gives them (or an
    archive's listing). Returns the outermost folders of every module held more than once.
    """
    copies: set[PurePosixPath] = set()
    for exercise in set().union(*folders.values()) if folders else ():
        holding = {folder for folder, names in folders.items() if exercise in names}
        outermost = [folder for folder in holding if not any(parent in holding for parent in folder.parents)]
        if len(outermost) >= 2 and not _course_copy(outermost):
            copies.update(outermost)
    return sorted(copies)


def _course_copy(folders) -> bool:
    """``exercises/`` beside ``solutions/`` (and nothing else): a learner's copy of the course, one submission."""
    folders = list(folders)
    return len(folders) == 2 and folders[0].parent == folders[1].parent \
        and sorted(folder.name for folder in folders) == sorted(course_copy())


def choose_module_dir(root: Path, exercises: list[str], *,
                      max_depth: int = MODULE_DEPTH) -> tuple[Path | None, list[str]]:
    """The folder of ``root`` to grade (as :func:`find_module_dir` finds it) and notes on the choice.

    Raises :class:`Unreadable` when ``root`` holds several separate copies of a module
    (:func:`separate_copies`): it looks like a folder of submissions, and picking one
    copy would grade one student's files as this submission. In a learner's copy of the
    course, ``exercises/`` is graded, never the ``solutions/`` beside it.
    """
    folders = module_folders(root, exercises, max_depth=max_depth)
    copies = separate_copies(folders)
    if copies:
        shown = ", ".join(escaping.path_name(f"{folder.as_posix()}/") for folder in copies[:4])
        more = f" and {len(copies) - 4} more" if len(copies) > 4 else ""
        raise Unreadable(f"it holds {len(copies)} separate folders with the same exercise modules ({shown}{more}), "
                         "as a folder of submissions does, so pixelgrade cannot tell which are this student's. If it "
                         "is a folder of submissions, give it to pixelgrade batch on its own; if it is one student's "
                         "work, keep one copy of each module")
    modules = find_module_dir(root, exercises, max_depth=max_depth)
    if modules is None:
        return None, []
    relative = PurePosixPath(modules.relative_to(root).as_posix())
    stubs, answers = (relative.parent / name for name in course_copy())
    if relative in (stubs, answers) and stubs in folders and answers in folders and folders[stubs] & folders[answers]:
        return root / stubs, [f"graded {escaping.path_name(stubs.as_posix())}/; the "
                              f"{escaping.path_name(answers.as_posix())}/ beside it (the course's reference "
                              "solutions, in a copy of the course) was left aside"]
    return modules, []


def _usage(root: Path) -> tuple[int, int]:
    """The files under ``root`` and their bytes."""
    count = total = 0
    for folder, _, files in os.walk(root):
        for file in files:
            count += 1
            total += os.path.getsize(os.path.join(folder, file))
    return count, total


def limits_left(root: Path, archive: Path, limits: ArchiveLimits) -> ArchiveLimits:
    """``limits`` less what ``root`` holds already, but for ``archive`` (removed once it is opened)."""
    count, total = _usage(root)
    return dataclasses.replace(limits, max_files=max(limits.max_files - count + 1, 0),
                               max_total_bytes=max(limits.max_total_bytes - total + archive.stat().st_size, 0))


def check_within_limits(root: Path, limits: ArchiveLimits) -> None:
    """Refuse a staged copy of more files or bytes than a submission may hold (``limits``)."""
    count, total = _usage(root)
    if count > limits.max_files or total > limits.max_total_bytes:
        raise Unreadable(f"it is too large to grade (more than {limits.max_files} files or "
                         f"{size_words(limits.max_total_bytes)})")


def digest_tree(directory: Path) -> dict[str, str]:
    """{relative path: sha256} of the Python files under ``directory`` (to notice tampering)."""
    found = {}
    for path in sorted(directory.rglob("*.py")) if directory.exists() else []:
        if is_skipped(path.relative_to(directory)):
            continue
        with contextlib.suppress(OSError):
            found[path.relative_to(directory).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found
