"""Whether an unprivileged uid can reach the files a worker reads, and the least grant that makes it so.

When the grader runs as root, learner code runs as uid 65534 (``nobody``), and that
uid must be able to load the Python runtime and the installed libraries. Where
Python lives under a folder only root may enter (``/root``, mode 0700, as with
pyenv on a CI machine), it cannot. Rather than keep learner code as root, the
grader gives uid 65534 *search* permission (``--x``: walk through, not list) on
exactly the folders in the way, with one POSIX ACL entry each (``u:65534:--x``).

Nothing here guesses from mode bits: :func:`probe` forks a child that becomes the
uid and tries for real, so ACLs, group memberships and security modules all count.

The ACL is written through ``os.setxattr`` on ``system.posix_acl_access`` (the
kernel's own format: a version, then ``tag, permissions, id`` entries), keeping every
existing entry. ``pylibacl`` would do the same but ships only as C source that needs
libacl's headers to build; the format is small and stable (it is the kernel's ABI).
"""

from __future__ import annotations

import errno
import json
import os
import stat
import struct
from collections.abc import Iterable
from dataclasses import dataclass

ACL_XATTR = "system.posix_acl_access"
_ACL_VERSION = 2
_HEADER = struct.Struct("<I")
_ENTRY = struct.Struct("<HHI")  # tag, permissions, id
USER_OBJ, USER, GROUP_OBJ, GROUP, MASK, OTHER = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
_NO_ID = 0xFFFFFFFF
SEARCH = 0o1  # execute, which on a folder means search
_ROUNDS = 8  # a grant may uncover the next folder in the way (/root, then /root/.pyenv)


@dataclass(frozen=True)
class Probe:
    """What the uid met on its way.

    ``blocking``: folders it may not search (the first on each way in, with no
    blocked folder above it); ``unreadable``: paths it reached but may not read.
    """

    blocking: tuple[str, ...] = ()
    unreadable: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reachability:
    """The outcome of :func:`make_reachable`: the folders that grant the uid search, or why it cannot read."""

    granted: tuple[str, ...] = ()
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


# -- probing -----------------------------------------------------------------------------------
def folders_on_the_way(paths: Iterable[str], search: Iterable[str] = ()) -> tuple[str, ...]:
    """Every real folder that must be searched to reach ``paths`` (and the ``search`` folders themselves).

    Links are resolved here, in the grader, for every folder on the way: a link's
    own folder and its target's folders all count.
    """
    folders = set()
    for path in [*paths, *search]:
        absolute = os.path.abspath(path)
        for place in {absolute, os.path.realpath(absolute)}:
            parent = os.path.dirname(place)
            for folder in [parent, *_ancestors(parent)]:
                real = os.path.realpath(folder)
                folders.update([real, *_ancestors(real)])
    folders.update(os.path.realpath(folder) for folder in search)
    return tuple(sorted(folders, key=lambda folder: (folder.count(os.sep), folder)))


def _ancestors(folder: str) -> list[str]:
    """The folders above ``folder``, nearest first, up to ``/``."""
    found = []
    while folder != os.path.dirname(folder):
        folder = os.path.dirname(folder)
        found.append(folder)
    return found


def probe(paths: Iterable[str], uid: int, gid: int, *, search: Iterable[str] = ()) -> Probe:
    """Try, as ``uid``/``gid`` with no supplementary group, to reach and read each of ``paths``.

    A forked child gives up root and tries; nothing is inferred from mode bits.
    ``search``: folders that need only be searchable (the parent of the workers'
    private folders). Paths that do not exist are left out. Raises ``OSError`` when
    the child cannot become ``uid`` (no CAP_SETUID).
    """
    paths = [os.path.abspath(p) for p in paths if os.path.lexists(p)]
    search = [os.path.abspath(p) for p in search if os.path.isdir(p)]
    folders = folders_on_the_way(paths, search)
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child, which reports through the pipe
        status = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
            payload = {"found": _try_as_this_uid(paths, folders)}
            status = 0
        except BaseException as error:  # noqa: BLE001 - reported, whatever it was
            payload = {"error": f"{type(error).__name__}: {error}"}
        try:
            data = json.dumps(payload).encode()
            while data:
                data = data[os.write(write_end, data):]
        finally:
            os._exit(status)
    os.close(write_end)
    chunks = []
    with os.fdopen(read_end, "rb") as reader:
        while chunk := reader.read(65536):
            chunks.append(chunk)
    os.waitpid(child, 0)
    try:
        answer = json.loads(b"".join(chunks) or b"{}")
    except ValueError:
        answer = {}
    if "found" not in answer:
        raise OSError(errno.EPERM, f"could not try as uid {uid}: " + str(answer.get("error", "the probe died")))
    return Probe(tuple(answer["found"]["blocking"]), tuple(answer["found"]["unreadable"]))


def _try_as_this_uid(paths: list[str], folders: Iterable[str]) -> dict:
    """In the probe's child: which folders stop this uid, and which paths it reaches but cannot read."""
    blocking = []
    for folder in folders:  # the shallowest first
        if any(_within(folder, blocked) for blocked in blocking):
            continue  # out of sight until the folder above is opened
        if not os.access(folder, os.X_OK):
            blocking.append(folder)
    unreadable = []
    for path in paths:
        if any(_within(path, blocked) or _within(os.path.realpath(path), blocked) for blocked in blocking):
            continue
        if not _readable(path):
            unreadable.append(path)
    return {"blocking": blocking, "unreadable": unreadable}


def _readable(path: str) -> bool:
    try:
        if os.path.isdir(path):
            os.listdir(path)  # what Python's import system does with every folder on sys.path
            return os.access(path, os.X_OK)
        else:
            os.close(os.open(path, os.O_RDONLY))
    except OSError:
        return False
    return True


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


# -- granting ----------------------------------------------------------------------------------
def make_reachable(paths: Iterable[str], uid: int, gid: int, *, search: Iterable[str] = ()) -> Reachability:
    """Make every one of ``paths`` readable by ``uid`` with search-only ACL grants; say what was granted.

    Probes, grants ``u:UID:--x`` on each folder in the way, and probes again, until
    nothing is in the way. ``granted`` names every folder on the way whose search
    permission for ``uid`` comes from such an entry (made now or by an earlier run),
    so every process reports the same. ``problem`` says why it could not be done:
    no setuid, a filesystem without ACLs or read-only, or a path that is there but
    not readable by ``uid`` (which search on its folders cannot change).
    """
    paths, search = list(paths), list(search)
    for _ in range(_ROUNDS):
        try:
            found = probe(paths, uid, gid, search=search)
        except OSError as error:
            return Reachability(problem=str(error))
        if not found.blocking:
            break
        for folder in found.blocking:
            try:
                grant_search(folder, uid)
            except OSError as error:
                return Reachability(problem=f"uid {uid} cannot enter {folder}, and search could not be granted "
                                            f"there ({os.strerror(error.errno) if error.errno else error})")
    else:
        return Reachability(problem=f"uid {uid} is still kept out of {', '.join(found.blocking)}")
    if found.unreadable:
        return Reachability(problem=f"uid {uid} cannot read {', '.join(found.unreadable)}")
    return Reachability(granted=search_grants(folders_on_the_way(paths, search), uid))


def search_grants(folders: Iterable[str], uid: int) -> tuple[str, ...]:
    """Those of ``folders`` that others may not search but ``uid`` may, through an ACL entry of its own."""
    granted = []
    for folder in folders:
        try:
            if os.stat(folder).st_mode & stat.S_IXOTH:
                continue
            entries = read_acl(folder)
        except OSError:
            continue
        if entries.get((USER, uid), 0) & entries.get((MASK, _NO_ID), SEARCH) & SEARCH:
            granted.append(folder)
    return tuple(granted)


def grant_search(folder: str, uid: int) -> None:
    """Add ``u:UID:--x`` to ``folder``'s ACL, keeping every other entry (``OSError`` when the filesystem refuses).

    The mask (the most any named entry or the owning group gets) gains search only:
    where there was no ACL yet, it is the owning group's permissions plus search,
    so nobody else gains anything.
    """
    entries = read_acl(folder)
    entries[(USER, uid)] = entries.get((USER, uid), 0) | SEARCH
    if (MASK, _NO_ID) in entries:
        entries[(MASK, _NO_ID)] |= SEARCH
    else:
        entries[(MASK, _NO_ID)] = SEARCH | entries[(GROUP_OBJ, _NO_ID)]
    os.setxattr(folder, ACL_XATTR, _encode(entries), follow_symlinks=False)


def read_acl(folder: str) -> dict[tuple[int, int], int]:
    """``folder``'s access ACL as ``{(tag, id): permissions}``; from its mode bits when it has none."""
    try:
        raw = os.getxattr(folder, ACL_XATTR, follow_symlinks=False)
    except OSError as error:
        if error.errno != errno.ENODATA:
            raise
        mode = os.stat(folder, follow_symlinks=False).st_mode
        return {(USER_OBJ, _NO_ID): (mode >> 6) & 7, (GROUP_OBJ, _NO_ID): (mode >> 3) & 7, (OTHER, _NO_ID): mode & 7}
    (version,) = _HEADER.unpack_from(raw)
    if version != _ACL_VERSION or (len(raw) - _HEADER.size) % _ENTRY.size:
        raise OSError(errno.EINVAL, f"an ACL of an unknown format on {folder}")
    entries = {}
    for offset in range(_HEADER.size, len(raw), _ENTRY.size):
        tag, permissions, identity = _ENTRY.unpack_from(raw, offset)
        entries[(tag, identity if tag in (USER, GROUP) else _NO_ID)] = permissions
    return entries


def _encode(entries: dict[tuple[int, int], int]) -> bytes:
    # The kernel wants the entries in this order: by tag, then by id.
    return _HEADER.pack(_ACL_VERSION) + b"".join(
        _ENTRY.pack(tag, permissions, identity) for (tag, identity), permissions in sorted(entries.items()))
