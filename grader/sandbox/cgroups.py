"""A cgroup per worker: one memory limit and one process limit for its whole tree, and one end.

An rlimit holds each process alone: three children of 400 MiB live under a limit of
512 MiB, and uid 0 has no process limit at all. A cgroup holds the worker's whole tree
(every process it starts is born in it, and none can leave: moving a process needs
write access to the cgroup files, which learner code never has), so the grader can

- limit the tree's memory (``Limits.memory_bytes``, swap included) and its tasks
  (``Limits.processes``: processes and threads);
- tell what the tree hit: the kernel's count of out-of-memory kills and of refused forks;
- read the tree's CPU time from outside (``cpuacct.usage``, ``cpu.stat``);
- end every process of it, whatever each did to get away (a session of its own, a
  double fork, an orphan adopted by init): freeze, kill all, thaw, until none is left.

Where the grader can make one: cgroup v1 with the memory and pids controllers (and, if
mounted, cpuacct and freezer) writable, as for root on most Linux machines that still
mount v1; or cgroup v2 with a writable subtree that has (or can be given) the memory and
pids controllers (for root, or a delegated subtree: the grader moves itself into a leaf
of its own when it is alone in its cgroup, as v2 allows controllers only for cgroups
without processes of their own). Elsewhere (not root, macOS, Windows, a read-only
``/sys/fs/cgroup``) :func:`create` returns None and the rlimits the worker sets itself stay
the floor (:mod:`grader.sandbox.client` then makes the grader a subreaper).

A worker joins its cgroup in the child between fork and exec (:meth:`WorkerCgroup.join`,
``processes.start(before_exec=...)``): it is in it before it runs anything, bubblewrap's
first fork included.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import secrets
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

END_S = 5.0  # how long ending a cgroup's processes and removing it may take
_FREEZE_S = 1.0
_POLL_S = 0.001
_V1_CONTROLLERS = ("memory", "pids", "cpuacct", "freezer")
_NEEDED = ("memory", "pids")
_names = itertools.count()


@dataclass(frozen=True)
class Usage:
    """What a worker's tree used and hit so far (every count only grows): compare two readings."""

    cpu_seconds: float | None = None  # None: this machine's cgroups do not count it
    memory_kills: int = 0  # processes the kernel killed because the tree was out of memory
    refused_tasks: int = 0  # forks and threads refused because the tree had as many as allowed


class WorkerCgroup:
    """One worker's cgroup (:func:`create` makes one): join it, read it, end it."""

    def __init__(self, folders: dict[str, Path], *, version: int, memory_bytes: int | None, tasks: int | None):
        self.folders = folders  # controller (v1) or "" (v2) -> its folder
        self.version = version
        self.memory_bytes = memory_bytes
        self.tasks = tasks
        self._join_fds: list[int] = []
        self._counters: dict[str, int | None] = {}  # file name -> an open descriptor (None: not there)

    # -- joining ---------------------------------------------------------------------------
    def prepare_join(self) -> None:
        """Open the files :meth:`join` writes to (in the grader, before the fork)."""
        self.release_join()
        self._join_fds = [os.open(folder / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC)
                          for folder in self.unique_folders()]

    def join(self) -> None:
        """Move the calling process into the cgroup: what a worker's child runs between fork and exec.

        Only writes to files opened by :meth:`prepare_join` (``"0"``: the writing process),
        which is safe in a child forked from a process with threads. Closed at exec.
        """
        for fd in self._join_fds:
            os.write(fd, b"0")

    def release_join(self) -> None:
        """Close the files :meth:`prepare_join` opened (in the grader, once the child started)."""
        fds, self._join_fds = self._join_fds, []
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)

    # -- reading ---------------------------------------------------------------------------
    def unique_folders(self) -> list[Path]:
        return list(dict.fromkeys(self.folders.values()))

    def _file(self, controller: str, name: str) -> Path | None:
        folder = self.folders.get("" if self.version == 2 else controller)
        return folder / name if folder is not None else None

    def usage(self) -> Usage:
        """The tree's CPU time, out-of-memory kills and refused forks so far.

        Read twice per call: the files stay open and are read from their start again
        (a few microseconds each, where opening them costs more than the call itself).
        """
        if self.version == 2:
            cpu = _field(self._read("", "cpu.stat"), "usage_usec")
            return Usage(cpu_seconds=cpu / 1e6 if cpu is not None else None,
                         memory_kills=_field(self._read("", "memory.events"), "oom_kill") or 0,
                         refused_tasks=_field(self._read("", "pids.events"), "max") or 0)
        cpu = _number(self._read("cpuacct", "cpuacct.usage"))
        return Usage(cpu_seconds=cpu / 1e9 if cpu is not None else None,
                     memory_kills=_field(self._read("memory", "memory.oom_control"), "oom_kill") or 0,
                     refused_tasks=_field(self._read("pids", "pids.events"), "max") or 0)

    def _read(self, controller: str, name: str) -> str | None:
        if name not in self._counters:
            path = self._file(controller, name)
            try:
                self._counters[name] = os.open(path, os.O_RDONLY | os.O_CLOEXEC) if path is not None else None
            except OSError:
                self._counters[name] = None
        fd = self._counters[name]
        if fd is None:
            return None
        try:
            return os.pread(fd, 4096, 0).decode()
        except (OSError, UnicodeDecodeError):
            return None

    def _close_counters(self) -> None:
        counters, self._counters = self._counters, {}
        for fd in counters.values():
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def pids(self) -> list[int]:
        """The processes in the cgroup now (zombies are not listed: they run nothing)."""
        try:
            return [int(pid) for pid in (self.unique_folders()[0] / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return []

    # -- ending ----------------------------------------------------------------------------
    def end(self, timeout_s: float = END_S) -> list[int]:
        """Kill every process of the cgroup, then remove it: the pids it killed.

        v2 with ``cgroup.kill`` (Linux 5.14) kills all at once; otherwise the cgroup is
        frozen (where a freezer is mounted), every process in it killed and the cgroup
        thawed (a frozen process cannot fork a new one meanwhile), until none is left.
        """
        self.release_join()
        self._close_counters()  # an open file of a cgroup does not keep it, but it is of no use now
        deadline = time.monotonic() + timeout_s
        killed: list[int] = []
        kill_file = self._file("", "cgroup.kill") if self.version == 2 else None
        while True:
            pids = self.pids()
            if not pids or time.monotonic() > deadline:
                break
            killed += [pid for pid in pids if pid not in killed]
            if kill_file is not None and _write(kill_file, "1"):
                time.sleep(_POLL_S)
                continue
            with self._frozen(deadline):
                for pid in pids:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)
            time.sleep(_POLL_S)
        self._remove(deadline)
        return killed

    @contextlib.contextmanager
    def _frozen(self, deadline: float):
        if self.version == 2:
            state, frozen, thawed = self._file("", "cgroup.freeze"), "1", "0"
            done = self._file("", "cgroup.events")
        else:
            state, frozen, thawed = self._file("freezer", "freezer.state"), "FROZEN", "THAWED"
            done = state
        if state is None or not _write(state, frozen):
            yield
            return
        try:
            until = min(deadline, time.monotonic() + _FREEZE_S)
            while time.monotonic() < until and not _is_frozen(done, self.version):
                time.sleep(_POLL_S)
            yield
        finally:
            _write(state, thawed)  # the kills land as the processes thaw

    def _remove(self, deadline: float) -> None:
        for folder in self.unique_folders():
            while True:
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        _LEFT_BEHIND.add(folder)  # busy still: tried again when the grader exits
                        break
                    time.sleep(_POLL_S)


def _is_frozen(state: Path | None, version: int) -> bool:
    if state is None:
        return True
    try:
        text = state.read_text()
    except OSError:
        return True
    if version == 2:
        return _field(text, "frozen") == 1
    return text.strip() == "FROZEN"


def _number(text: str | None) -> int | None:
    try:
        return int(text.split()[0]) if text is not None else None
    except (ValueError, IndexError):
        return None


def _field(text: str | None, name: str) -> int | None:
    """The number after ``name`` in a flat-keyed file's text (``memory.events``, ``pids.events``, ``cpu.stat``)."""
    for line in (text or "").splitlines():
        key, _, value = line.partition(" ")
        if key == name:
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _write(path: Path, text: str) -> bool:
    try:
        with open(path, "w") as file:
            file.write(text)
        return True
    except OSError:
        return False


# -- finding where a worker's cgroup can go --------------------------------------------------
@dataclass(frozen=True)
class _Layout:
    version: int
    parents: dict  # controller (v1) or "" (v2) -> the folder that holds workers' cgroups


def _mounts() -> list[tuple[str, str, str, set[str]]]:
    """(root within its hierarchy, mount point, type, options) of every cgroup file system mounted."""
    found = []
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            before, _, after = line.partition(" - ")
            fields, tail = before.split(), after.split()
            if len(fields) >= 5 and len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
                mount_point = fields[4].replace("\\040", " ")
                found.append((fields[3], mount_point, tail[0], set(tail[2].split(","))))
    return found


def _own_cgroups() -> dict[str, str]:
    """This process's cgroup path per v1 controller, and under "" its v2 path."""
    own = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                own[controller] = path
    return own


def _folder(mount_root: str, mount_point: str, path: str) -> Path | None:
    """Where this process's cgroup ``path`` is seen under a mount of its hierarchy (None: not under it)."""
    root = mount_root.rstrip("/")
    if path != root and not path.startswith(root + "/") and root:
        return None
    return Path(mount_point) / path[len(root):].lstrip("/")


def _v1_layout(mounts, own) -> _Layout | None:
    parents = {}
    for mount_root, mount_point, kind, options in mounts:
        if kind != "cgroup":
            continue
        for controller in _V1_CONTROLLERS:
            if controller in options and controller in own and controller not in parents:
                folder = _folder(mount_root, mount_point, own[controller])
                if folder is not None and os.access(folder, os.W_OK):
                    parents[controller] = folder
    return _Layout(1, parents) if all(name in parents for name in _NEEDED) else None


def _v2_layout(mounts, own) -> _Layout | None:
    if "" not in own:
        return None
    for mount_root, mount_point, kind, _ in mounts:
        if kind != "cgroup2":
            continue
        base = _folder(mount_root, mount_point, own[""])
        if base is not None and _v2_ready(base):
            return _Layout(2, {"": base})
    return None


def _v2_ready(base: Path) -> bool:
    """Whether workers' cgroups can go under ``base`` with memory and pids, enabling them if need be.

    v2 enables a controller for a cgroup's children only when the cgroup holds no process
    itself: when the grader is alone in ``base``, it moves itself into a leaf of its own first.
    Anyone else's processes are never moved.
    """
    try:
        available = (base / "cgroup.controllers").read_text().split()
        enabled = (base / "cgroup.subtree_control").read_text().split()
        if not all(name in available for name in _NEEDED) or not os.access(base, os.W_OK):
            return False
        if all(name in enabled for name in _NEEDED):
            return True
        if (base / "cgroup.procs").read_text().split() != [str(os.getpid())]:
            return False
        leaf = base / f"pixelgrade-grader-{os.getpid()}"
        leaf.mkdir(exist_ok=True)
        (leaf / "cgroup.procs").write_text("0")
        (base / "cgroup.subtree_control").write_text(" ".join(f"+{name}" for name in _NEEDED))
        return True
    except OSError:
        return False


@functools.cache
def _layout() -> _Layout | None:
    """Where this process can make workers' cgroups (looked up once), or None."""
    if sys.platform != "linux":
        return None
    mounts, own = _mounts(), _own_cgroups()
    return _v1_layout(mounts, own) or _v2_layout(mounts, own)


def available() -> bool:
    """Whether workers started by this process get a cgroup each."""
    return _layout() is not None


def create(*, memory_bytes: int | None, tasks: int | None) -> WorkerCgroup | None:
    """A new cgroup for one worker, its limits set and ready to join; None where none can be made.

    ``memory_bytes``: what the whole tree may use (swap included; None: no limit);
    ``tasks``: how many processes and threads it may have at once (None: no limit).
    """
    layout = _layout()
    if layout is None:
        return None
    _remove_stale(layout)
    name = f"pixelgrade-{os.getpid()}-{next(_names)}-{secrets.token_hex(3)}"
    folders = {controller: parent / name for controller, parent in layout.parents.items()}
    cgroup = WorkerCgroup(folders, version=layout.version, memory_bytes=memory_bytes, tasks=tasks)
    try:
        for folder in cgroup.unique_folders():
            folder.mkdir()
        _set_limits(cgroup)
        cgroup.prepare_join()
    except OSError:
        cgroup.end(timeout_s=0.5)  # nothing has joined it yet: removes what was made
        return None
    return cgroup


def _set_limits(cgroup: WorkerCgroup) -> None:
    memory, tasks = cgroup.memory_bytes, cgroup.tasks
    if cgroup.version == 2:
        folder = cgroup.folders[""]
        if memory is not None:
            (folder / "memory.max").write_text(str(memory))
            _write_if_there(folder / "memory.swap.max", "0")
            _write_if_there(folder / "memory.oom.group", "1")  # out of memory: the whole tree goes
        (folder / "pids.max").write_text(str(tasks) if tasks is not None else "max")
        return
    if memory is not None:
        folder = cgroup.folders["memory"]
        (folder / "memory.limit_in_bytes").write_text(str(memory))
        # Memory and swap together (where the kernel accounts swap), else no swapping at all:
        # either way the tree cannot outgrow its limit by swapping.
        _write_if_there(folder / "memory.memsw.limit_in_bytes", str(memory))
        _write_if_there(folder / "memory.swappiness", "0")
    (cgroup.folders["pids"] / "pids.max").write_text(str(tasks) if tasks is not None else "max")


def _write_if_there(path: Path, text: str) -> None:
    if path.exists():
        _write(path, text)


_LEFT_BEHIND: set[Path] = set()
_swept: set[int] = set()  # the pids of the processes (forks included) that swept already


def _remove_stale(layout: _Layout) -> None:
    """Remove, once per process, the empty workers' cgroups of graders that no longer run.

    A grader that was killed (or a forked one that left by ``os._exit``) never removed
    its workers' cgroups; their processes died with it, their folders did not. Only a
    cgroup whose grader (the pid in its name) is gone is tried, and the kernel removes
    only an empty one.
    """
    if os.getpid() in _swept:
        return
    _swept.add(os.getpid())
    for parent in set(layout.parents.values()):
        with contextlib.suppress(OSError):
            for entry in os.scandir(parent):
                owner = entry.name.split("-")[1] if entry.name.startswith("pixelgrade-") else ""
                if owner.isdigit() and not _running(int(owner)):
                    with contextlib.suppress(OSError):
                        os.rmdir(entry.path)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_left_behind() -> None:
    for folder in list(_LEFT_BEHIND):
        with contextlib.suppress(OSError):
            folder.rmdir()


if sys.platform == "linux":
    import atexit

    atexit.register(_remove_left_behind)
