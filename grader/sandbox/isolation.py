"""How a worker is isolated: which kernel mechanisms are available, and how to use them.

Levels, strongest first (each layer is used when the machine offers it):

1. **Namespaces** (bubblewrap, ``bwrap``): the worker sees a filesystem made only
   of the Python runtime, the installed libraries, its own read-only copy of the
   submission and a scratch folder; it has its own PID namespace (no other
   process is visible, and all of them die with it), an empty network namespace,
   and private IPC. Needs root or unprivileged user namespaces.
2. **Landlock** (Linux >= 5.13, no privilege needed): the worker restricts
   itself before importing learner code; reads only the runtime, libraries, its
   copy and the few entries of its own ``/proc/<pid>`` it needs; writes only its
   scratch folder; no TCP (ABI >= 4); no signals or abstract sockets out of its
   sandbox (ABI >= 6); no ptrace out of it.
3. **A seccomp filter** (:mod:`grader.sandbox.syscall_filter`): no socket of any
   family, no io_uring, ptrace, namespaces, mounts, BPF or keyrings, and no change
   of any file's mode, owner, times or extended attributes.
4. **An unprivileged uid** (``nobody``) whenever the grader runs as root. Where the
   runtime sits in a folder that uid may not enter (Python under ``/root``), it is
   granted search there, and only there (:mod:`grader.sandbox.reachability`).
5. **The portable floor** (macOS, old kernels): a separate process with time and
   memory limits, a clean environment, a private copy of the submission (0700,
   owned by the worker's uid), a file-size limit, the process tree killed after use.

``PIXELGRADE_ISOLATION`` chooses: ``auto`` (the default: everything available),
``landlock`` (no namespaces) or ``plain`` (the floor only; for tests and for
diagnosing a sandbox problem).
"""

from __future__ import annotations

import functools
import os
import shutil
import site
import stat
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.sandbox import landlock, processes, reachability, syscall_filter

MODE_ENV = "PIXELGRADE_ISOLATION"
MODES = ("auto", "landlock", "plain")
SANDBOX_UID = 65534  # nobody
SANDBOX_GID = 65534
MINIMUM_LANDLOCK_ABI = 4  # filesystem and TCP
PLAIN_CHOSEN = f"{MODE_ENV}=plain turns the kernel's sandbox off"  # what the plain level lacks: it was chosen

_SANDBOX_PACKAGE = Path(__file__).resolve().parent
_PROJECT_ROOT = _SANDBOX_PACKAGE.parents[1]
# The worker's own code: copied out of the project so the project itself stays unreadable.
# The worker's code: the sandbox package, which imports nothing of the grader's but itself
# (tests/test_layers.py holds it to that), so these files are all a worker can import.
RUNTIME_MODULES = ("__init__.py", "wire.py", "frames.py", "naming.py", "worker.py", "adapters.py", "landlock.py",
                    "processes.py", "syscall_filter.py")
# Environment variables a worker may inherit: what Python and the numeric
# libraries need to behave, nothing that could name a secret.
_INHERITED_ENV = ("LANG", "LC_ALL", "LC_CTYPE", "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "LD_LIBRARY_PATH",
                  "SYSTEMROOT", "PATHEXT", "COMSPEC")
# Besides the runtime, files and folders that dynamic loading and the numeric
# libraries read (none of them holds anything of the grader's).
_SYSTEM_READ = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/etc/ld.so.cache", "/etc/ld.so.conf",
                "/etc/ld.so.conf.d", "/etc/localtime", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
                "/sys/devices/system/cpu", "/sys/fs/cgroup/cpu.max", "/proc/cpuinfo", "/proc/meminfo")
# The entries of its own /proc/<pid> a worker may read, found by running TensorFlow,
# scikit-learn, scikit-image and SciPy under strace and then with each entry taken away:
# TensorFlow aborts without cmdline, scikit-learn's threadpoolctl fails without maps; stat,
# statm and status are the process's own counters (psutil reads them). Never net/ (the
# machine's sockets at the Landlock-only level), mounts (its mount table), environ, fd/ or
# task/ (whose entries include net/ again); TensorFlow does without cpuset and mounts.
PROC_ENTRIES = ("cmdline", "maps", "stat", "statm", "status")
_UNSHARE = ("--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try")
_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")


class IsolationUnavailable(RuntimeError):
    """The isolation level that was required is not available on this machine."""


@dataclass(frozen=True)
class Isolation:
    """What protects a worker on this machine (plain data: reports carry it)."""

    mode: str = "auto"
    landlock_abi: int = 0  # 0: Landlock not used
    uid: int | None = None  # the uid workers run as, when the grader's is dropped
    namespaces: bool = False  # bubblewrap: private mount, PID, network and IPC namespaces
    bwrap: str = ""
    running_as_root: bool = False
    seccomp: bool = False  # the system-call filter (grader.sandbox.syscall_filter) is installed in every worker
    seccomp_problem: str = ""  # why it cannot be, when it cannot
    search_granted: tuple[str, ...] = ()  # folders where uid 65534 was given search (an ACL entry) to reach the runtime
    uid_problem: str = ""  # why learner code cannot run as uid 65534, when the grader is root and it cannot

    @property
    def drops_capabilities(self) -> bool:
        """Root that stays uid 0 (the runtime is out of other users' reach) gives up every capability."""
        return self.running_as_root and self.uid is None and self.mode != "plain" and sys.platform == "linux"

    def describe(self) -> str:
        """One line for every report, e.g. ``landlock ABI 7, uid 65534, namespaces, private copy``."""
        parts = []
        if self.mode == "plain":  # chosen, not found: said first, so that no one blames the machine
            parts.append(f"plain level ({MODE_ENV}=plain): no kernel sandbox")
        if self.namespaces:
            parts.append("namespaces (bubblewrap: pid, net, mount, ipc)")
        if self.landlock_abi:
            parts.append(f"landlock ABI {self.landlock_abi}")
        if self.seccomp:
            parts.append("seccomp")
        if self.uid is not None:
            granted = f" (granted search on {', '.join(self.search_granted)})" \
                if self.search_granted else ""
            parts.append(f"uid {self.uid}{granted}")
        elif self.drops_capabilities:
            parts.append("uid 0 without capabilities")
        elif self.running_as_root:
            parts.append("uid 0 (root: not dropped)")
        if not parts:
            parts.append("separate process only")
        parts.append("private copy")  # at every level
        return ", ".join(parts)

    def missing(self) -> list[str]:
        """What the full level needs and this machine does not give (empty: full).

        At the plain level, only that it was chosen: it looks for nothing on the machine (no
        Landlock, no bubblewrap, no change of uid is tried), so nothing can be said to lack.
        """
        if self.mode == "plain":
            return [PLAIN_CHOSEN]
        gaps = []
        if self.landlock_abi < MINIMUM_LANDLOCK_ABI:
            gaps.append(f"Landlock ABI >= {MINIMUM_LANDLOCK_ABI} (Linux >= 6.7; here: "
                        + (f"ABI {self.landlock_abi})" if self.landlock_abi else "none in use)"))
        if not self.namespaces and self.landlock_abi < 6:
            gaps.append("process isolation: bubblewrap namespaces, or Landlock ABI >= 6 (signal scoping)")
        if self.mode != "plain" and not self.seccomp:
            gaps.append(f"the seccomp system-call filter ({self.seccomp_problem or 'not in use'})")
        if self.running_as_root and self.uid is None:
            gaps.append(f"an unprivileged uid: the grader runs as root and cannot drop to uid {SANDBOX_UID}"
                        + (f" ({self.uid_problem})" if self.uid_problem else ""))
        return gaps

    @property
    def full(self) -> bool:
        return not self.missing()

    @property
    def protects_others(self) -> bool:
        """Whether learner code is kept from everyone else's work and secrets on this machine.

        What a batch, hidden checks and the course-platform examples need before they run
        anyone's code: a kernel sandbox in force and never uid 0 for learner code.
        """
        return not self.unprotected()

    def unprotected(self) -> list[str]:
        """What this level does not protect, each in a few words (empty: it protects others' work)."""
        gaps = []
        if self.mode == "plain":
            gaps.append(PLAIN_CHOSEN)
        elif not self.namespaces and self.landlock_abi < MINIMUM_LANDLOCK_ABI:
            gaps.append("no kernel sandbox (neither bubblewrap nor Landlock): learner code reads what you can read")
        if self.mode != "plain" and not self.seccomp:
            reason = f" ({self.seccomp_problem})" if self.seccomp_problem else ""
            if self.namespaces:
                gaps.append(f"no seccomp filter{reason}: learner code can use io_uring, make namespaces of its own "
                            "and change the mode and times of its own files")
            else:
                gaps.append(f"no seccomp filter{reason}: learner code can send UDP, reach Unix sockets named by a "
                            "path and use io_uring")
        if self.running_as_root and self.uid is None and self.mode == "plain":
            gaps.append("learner code would run as uid 0: the plain level does not change its uid")
        elif self.running_as_root and self.uid is None:
            gaps.append(f"learner code would run as uid 0: it cannot drop to uid {SANDBOX_UID} here"
                        + (f" ({self.uid_problem})" if self.uid_problem else ""))
        return gaps

    @property
    def level(self) -> str:
        return "full" if self.full else "partial"


def report_settings() -> dict:
    """What every report records of the isolation in force (``settings`` of a grading)."""
    isolation = current()
    return {"isolation": isolation.describe(), "isolation_level": isolation.level}


def chosen_mode() -> str:
    mode = os.environ.get(MODE_ENV, "auto").strip().lower() or "auto"
    if mode not in MODES:
        raise ValueError(f"{MODE_ENV} must be one of {', '.join(MODES)}; got {mode!r}")
    return mode


@functools.cache
def _detect(mode: str) -> Isolation:
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    if mode == "plain":
        return Isolation(mode=mode, running_as_root=root)
    abi = landlock.abi()
    bwrap = "" if mode == "landlock" else _working_bwrap()
    seccomp_problem = syscall_filter.problem()
    uid, granted, uid_problem = None, (), ""
    if root and bwrap:
        uid = SANDBOX_UID  # bubblewrap makes every folder on the way to a mount searchable
    elif root:
        reached = _reach_runtime_as_sandbox_uid()
        if reached.ok:
            uid, granted = SANDBOX_UID, reached.granted
        else:
            uid_problem = reached.problem
    return Isolation(mode=mode, landlock_abi=abi, uid=uid, namespaces=bool(bwrap), bwrap=bwrap,
                     running_as_root=root, seccomp=not seccomp_problem, seccomp_problem=seccomp_problem,
                     search_granted=granted, uid_problem=uid_problem)


def _reach_runtime_as_sandbox_uid() -> reachability.Reachability:
    """Let uid 65534 reach what a worker reads (granting search where Python lives under /root), or say why not."""
    if sys.platform != "linux":
        return reachability.Reachability(problem="dropping to an unprivileged uid is done on Linux only")
    worker_reads = [*read_paths(), sys.executable]
    # The workers' private folders and the runtime's copy are made in the temporary folder, and owned by the uid.
    return reachability.make_reachable(worker_reads, SANDBOX_UID, SANDBOX_GID, search=[tempfile.gettempdir()])


def current() -> Isolation:
    """The isolation workers get on this machine (detected once per process)."""
    return _detect(chosen_mode())


def require_full() -> Isolation:
    """The current isolation, or :class:`IsolationUnavailable` naming what is missing.

    The plain level is refused for what it is, a choice made in the environment, and with
    how to undo it: the machine was not looked at, so its uid or kernel are not to blame.
    """
    isolation = current()
    if isolation.mode == "plain":
        raise IsolationUnavailable(
            f"the full sandbox is off: {PLAIN_CHOSEN} (it is set in this environment), so learner code would run "
            f"in a separate process only. To grade with the full level, unset {MODE_ENV} (or set it to auto), "
            "then check this machine with `pixelgrade dev sandbox`. See the README's section on safety.")
    if not isolation.full:
        raise IsolationUnavailable(
            "the full sandbox is not available here (" + isolation.describe() + "). Missing: "
            + "; ".join(isolation.missing()) + ". See the README's section on safety.")
    return isolation


def _working_bwrap() -> str:
    """The bubblewrap binary if it can make a sandbox here (a container may forbid it)."""
    if sys.platform != "linux":
        return ""
    path = shutil.which("bwrap")
    if not path:
        return ""
    unshare = ["--unshare-user"] if os.geteuid() != 0 else []
    probe = [path, *unshare, *_UNSHARE, "--die-with-parent", "--ro-bind", "/", "/", "--proc", "/proc",
             "--dev", "/dev", "true"]
    try:
        done = subprocess.run(probe, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return path if done.returncode == 0 else ""


@functools.cache
def _bwrap_sizes_tmpfs(bwrap: str) -> bool:
    """Whether this bubblewrap takes ``--size`` for a tmpfs (0.5 and later do); older ones refuse the option."""
    unshare = ["--unshare-user"] if os.geteuid() != 0 else []
    probe = [bwrap, *unshare, "--die-with-parent", "--ro-bind", "/", "/", "--size", "4096", "--tmpfs", "/tmp", "true"]
    try:
        done = subprocess.run(probe, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _scratch_tmpfs(isolation: Isolation, scratch_bytes: int | None) -> bool:
    """Whether the worker's scratch folder is a tmpfs of ``scratch_bytes`` in its own mount namespace."""
    return bool(scratch_bytes) and isolation.namespaces and _bwrap_sizes_tmpfs(isolation.bwrap)


# Folders no worker may read, whatever sys.path says: the grader's own project (above), and every course
# the grader was given (its catalog, checks and solutions: protect(), called when a course becomes active).
_PROTECTED: set[str] = set()


def protect(*folders) -> None:
    """Never grant a worker ``folders`` (nor anything in them, but a Python environment) from now on."""
    # Both the path as named and where it really is: a link (/srv/hidden -> /usr/src/hidden) must not hide
    # that the folder lies where every worker reads.
    _PROTECTED.update(path for folder in folders for path in (os.path.abspath(folder), os.path.realpath(folder)))


def read_paths() -> tuple[str, ...]:
    """The Python runtime and installed libraries: what a worker may read besides its copy.

    A folder that holds the project or a protected course folder (where the references
    and checks are) is never granted, whatever ``sys.path`` says (an editable install
    puts the project on it; grading puts the course's folder on it).
    """
    return _read_paths(tuple(sorted({*_checkout(), *_PROTECTED})))


def _checkout() -> list[str]:
    """The project folder when the engine runs from a checkout of it ([] when it is installed).

    A checkout (this repository: a course beside ``grader/``, its ``pyproject.toml`` on top)
    is kept from workers. An engine installed from its wheel lies in a site-packages folder (an
    environment's, the system's, the user's with ``pip install --user``), which holds no course
    and which workers must read to import NumPy.
    """
    root = str(_PROJECT_ROOT)
    inside_environment = any(_within(root, prefix) for prefix in {sys.prefix, sys.exec_prefix})
    return [root] if (_PROJECT_ROOT / "pyproject.toml").is_file() and not inside_environment else []


def _installation() -> list[str]:
    """The folders Python and its libraries are installed in: the only ``sys.path`` entries a worker may read."""
    folders = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    folders.update(sysconfig.get_paths().get(key, "") for key in ("stdlib", "platstdlib", "purelib", "platlib"))
    folders.update(site.getsitepackages() if hasattr(site, "getsitepackages") else [])
    if getattr(site, "ENABLE_USER_SITE", False):
        folders.add(site.getusersitepackages())
    return [folder for folder in folders if folder]


def _user_site_in_use() -> bool:
    """Whether this Python imports from the user's site-packages (``pip install --user``)."""
    return bool(getattr(site, "ENABLE_USER_SITE", False)) and site.getusersitepackages() in sys.path


def _launch_folders() -> list[str]:
    """The folders Python put on sys.path for how it was started: the working folder, the script's folder."""
    folders = [os.getcwd()]
    if sys.argv and sys.argv[0] not in ("", "-c", "-m"):
        folders.append(os.path.dirname(os.path.abspath(sys.argv[0])))
    return folders


def exposed() -> list[str]:
    """The protected folders a worker could read all the same, each with the system folder that holds it.

    Workers read the system's folders whole (``/usr``, ``/lib``: :func:`system_paths`), so a
    course, hidden checks or a checkout kept inside one (``/usr/src/app``, a Docker image's usual
    working folder) is not protected. Grading others' work refuses to start then
    (``grader.api.refuse_unprotected``).
    """
    return sorted(f"{folder} (inside {system})" for folder in {*_checkout(), *_PROTECTED} if os.path.exists(folder)
                  for system in system_paths() if _within(folder, system))


@functools.cache
def _read_paths(protected: tuple[str, ...]) -> tuple[str, ...]:
    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        candidates.add(sysconfig.get_paths().get(key, ""))
    candidates.update(site.getsitepackages() if hasattr(site, "getsitepackages") else [])
    candidates.add(os.path.dirname(os.path.realpath(sys.executable)))
    # Every entry of sys.path (the libraries, wherever PYTHONPATH and .pth files say they are) but the
    # folders `python script.py` and `python -m grader` put on it: the script's folder and the working
    # folder (an instructor's folder of submissions, notes and hidden checks), unless Python keeps its
    # libraries there. A course's folders on it while grading are protected.
    installation = _installation()
    launched = {os.path.abspath(folder) for folder in _launch_folders()}
    candidates.update(p for p in sys.path if p and os.path.isdir(p)
                      and (os.path.abspath(p) not in launched or any(_within(p, f) for f in installation)))
    # A virtual environment may live inside the project (nox's .nox/, a .venv/): its
    # folders are granted, nothing else of the project is.
    environments = [os.path.abspath(p) for p in (sys.prefix, sys.exec_prefix)]
    granted = set()
    for candidate in candidates:
        if not candidate or not os.path.exists(candidate):
            continue
        for path in {os.path.abspath(candidate), os.path.realpath(candidate)}:
            if any(_within(root, path) for root in protected):
                continue  # the project or a course itself, or a folder that holds one
            if any(_within(path, root) for root in protected) and not any(_within(path, env) for env in environments):
                continue  # a folder of the project's or a course's (its checks, its tests) that is no environment
            granted.add(path)
    return tuple(sorted(granted))


def _within(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or lies beneath it."""
    path, folder = os.path.abspath(path), os.path.abspath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def system_paths() -> tuple[str, ...]:
    return tuple(p for p in _SYSTEM_READ if os.path.exists(p))


def environment(stage: Stage, threads: int, extra: dict | None = None) -> dict:
    """The worker's whole environment: nothing of the grader's beyond what Python needs."""
    threads_text = str(threads)
    sandbox = dict(
        PATH=os.pathsep.join(p for p in ("/usr/local/bin", "/usr/bin", "/bin") if os.path.isdir(p)) or os.defpath,
        HOME=str(stage.scratch), TMPDIR=str(stage.scratch), MPLCONFIGDIR=str(stage.scratch),
        KERAS_HOME=str(stage.scratch), XDG_CACHE_HOME=str(stage.scratch),
        PYTHONIOENCODING="utf-8", PYTHONDONTWRITEBYTECODE="1",
        TF_NUM_INTRAOP_THREADS=threads_text, TF_NUM_INTEROP_THREADS=threads_text, TF_CPP_MIN_LOG_LEVEL="2",
        MPLBACKEND="Agg",
    )
    if _user_site_in_use():
        # An engine (or its libraries) installed with `pip install --user`: HOME is the scratch folder here,
        # so Python would look for the user's site-packages there; this names where it really is.
        sandbox["PYTHONUSERBASE"] = site.getuserbase()
    return processes.child_environment(keep=_INHERITED_ENV, threads=threads, extra={**sandbox, **(extra or {})})


# -- the worker's own code, outside the project -----------------------------------
def runtime_dir(owner: int | None = None, course_adapters: str | None = None) -> Path:
    """A read-only copy of the worker's modules (``grader.sandbox``), made once per process, ``owner`` and course.

    Private to the workers: folders 0500 and files 0400, owned by ``owner`` (the uid
    workers run as; None: the grader's), so no other local user reads it.
    ``course_adapters``: the file of a course's adapters (its ``adapters`` hook), copied in as
    :func:`course_adapters_copy` (the one file of the course a worker reads: learner code can read it too).
    """
    return _runtime_dir(owner, str(course_adapters) if course_adapters else None)  # one cache key per runtime


@functools.cache
def _runtime_dir(owner: int | None, course_adapters: str | None) -> Path:
    base = Path(tempfile.mkdtemp(prefix="pixelgrade-runtime-"))
    package = base / "grader" / "sandbox"
    package.mkdir(parents=True)
    (base / "grader" / "__init__.py").write_text('"""The worker\'s copy of the grader: the sandbox only."""\n')
    for name in RUNTIME_MODULES:
        shutil.copyfile(_SANDBOX_PACKAGE / name, package / name)
    if course_adapters:
        copy = course_adapters_copy(base)
        copy.parent.mkdir()
        shutil.copyfile(course_adapters, copy)
    (base / BOOTSTRAP).write_text(_BOOTSTRAP_SOURCE)
    _seal(base, owner, shared=True)
    import atexit

    creator = os.getpid()
    # Removed at exit by the process that made it only: a forked child (batch mode) shares it.
    atexit.register(lambda: os.getpid() == creator and _remove(base))
    return base


def course_adapters_copy(runtime: Path) -> Path:
    """Where ``runtime`` holds a course's adapters: a folder no import finds (its name is no identifier)."""
    return runtime / "course-adapters" / "adapters.py"


BOOTSTRAP = "pixelgrade_worker.py"
_BOOTSTRAP_SOURCE = '''"""Start a pixelgrade worker from this copy of its code, never from the project."""
import sys

# An editable install of pixelgrade maps `grader` to the project folder, which the
# worker may not read: forget that mapping, so `grader.sandbox` comes from here.
sys.meta_path[:] = [f for f in sys.meta_path if "pixelgrade" not in getattr(f, "__module__", "")]
sys.path[:] = [p for p in sys.path if not str(p).startswith("__editable__.pixelgrade")]
sys.path_importer_cache.clear()

from grader.sandbox.worker import main  # noqa: E402

main()
'''


# -- a worker's private folders ------------------------------------------------------
COPY_LIMIT_BYTES = 64 * 1024**2
COPY_LIMIT_FILES = 2000


@dataclass(frozen=True)
class Stage:
    """A worker's private folders: a read-only copy of the submission and a scratch folder.

    Everything is the worker's alone: the root and the scratch folder 0700, the copy's
    folders 0500 and files 0400 (0500 if executable), all owned by the uid the worker
    runs as (the grader's when it is not dropped). No other local user can read them.
    """

    root: Path
    code: Path
    scratch: Path

    def remove(self) -> None:
        _remove(self.root)


def stage_submission(source: Path, isolation: Isolation) -> Stage:
    """Copy the submission folder (regular files only: never through a link) for one worker."""
    root = Path(tempfile.mkdtemp(prefix="pixelgrade-worker-"))  # 0700
    code, scratch = root / "code", root / "scratch"
    code.mkdir(mode=0o700)
    scratch.mkdir(mode=0o700)
    _copy_tree(Path(source), code)
    _seal(code, isolation.uid)
    if isolation.uid is not None:
        for folder in (root, scratch):
            os.chown(folder, isolation.uid, SANDBOX_GID)
    return Stage(root, code, scratch)


def _copy_tree(source: Path, destination: Path) -> None:
    budget = [COPY_LIMIT_BYTES, COPY_LIMIT_FILES]
    # Python files first, the top level's first of all, so that neither a large data file
    # nor a deep tree crowds the module being graded out of the copy.
    entries = sorted(_walk(source), key=lambda item: (item[0].suffix != ".py", len(item[0].parts), str(item[0])))
    for path, size in entries:
        if budget[1] <= 0 or (size > budget[0] and path.suffix != ".py"):
            continue
        target = destination / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "rb") as original:  # a regular file, checked by _walk without following links
                shutil.copyfileobj(original, open(target, "wb"))
        except OSError:
            continue
        budget[0] -= size
        budget[1] -= 1


COPY_MAX_DEPTH = 32  # folders deeper than this are left out of the copy


def _walk(folder: Path):
    """The regular files beneath ``folder`` and their sizes, never through a link.

    Iterative, and no deeper than :data:`COPY_MAX_DEPTH`: a submission of a thousand nested
    folders must neither run the grader out of recursion nor make a copy it cannot remove.
    """
    pending = [(Path(folder), 0)]
    while pending:
        current, depth = pending.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
            if entry.is_symlink():
                continue  # a link could point at anything the grader can read
            if entry.is_dir(follow_symlinks=False):
                if depth < COPY_MAX_DEPTH:
                    pending.append((Path(entry.path), depth + 1))
            elif entry.is_file(follow_symlinks=False):
                yield Path(entry.path), entry.stat(follow_symlinks=False).st_size


def _seal(folder: Path, owner: int | None, *, shared: bool = False) -> None:
    """Make ``folder`` read-only and private: folders 0500, files 0400 (0500 if executable), owned by ``owner``.

    ``owner`` None keeps the grader's ownership. The worker cannot change the modes back:
    its seccomp filter refuses chmod, and Landlock or a read-only mount refuses writes.
    ``shared`` (the workers' runtime, which every worker of the process runs): the grader keeps
    the ownership and the workers read it through their group (folders 0550, files 0440), so
    that no process of the workers' uid, sandboxed or not, can make it writable again: its
    bootstrap runs before the worker confines itself.
    """
    mine = os.geteuid() if hasattr(os, "geteuid") else None
    for dirpath, _dirnames, filenames in os.walk(folder):
        for name in filenames:
            path = os.path.join(dirpath, name)
            executable = os.stat(path, follow_symlinks=False).st_mode & stat.S_IXUSR
            mode = (0o550 if executable else 0o440) if shared and owner is not None else (
                0o500 if executable else 0o400)
            os.chmod(path, mode, follow_symlinks=False)
            if owner is not None:
                os.chown(path, mine if shared else owner, SANDBOX_GID, follow_symlinks=False)
        os.chmod(dirpath, 0o550 if shared and owner is not None else 0o500)
        if owner is not None:
            os.chown(dirpath, mine if shared else owner, SANDBOX_GID, follow_symlinks=False)


def _remove(folder: Path) -> None:
    def make_writable(function, path, _info):
        try:
            parent = os.path.dirname(path)
            os.chmod(parent, 0o700)
            os.chmod(path, 0o700)
            function(path)
        except OSError:
            pass

    shutil.rmtree(folder, onerror=make_writable)


# -- the command line and the worker's confinement -------------------------------------
def command(stage: Stage, isolation: Isolation, *, scratch_bytes: int | None = None,
            course_adapters: str | None = None) -> list[str]:
    """The worker's command line: under bubblewrap when namespaces are in force.

    ``scratch_bytes``: the most the worker may write to its scratch folder (None: no
    limit). Under bubblewrap (0.5 or later) the scratch folder is then a tmpfs of that
    size, whose pages count towards the worker's memory; the grader reaches it through
    the worker's mount namespace (:func:`scratch_seen_from_grader`). ``course_adapters``:
    the file of the course's adapters, if it has any (:func:`runtime_dir`).
    """
    runtime = runtime_dir(isolation.uid, course_adapters)
    python = [sys.executable, str(runtime / BOOTSTRAP)]
    if not isolation.namespaces:
        return python
    # No user namespace as root: inside one the worker could not drop to a real unprivileged uid.
    unshare = ["--unshare-user"] if not isolation.running_as_root else []
    args = [isolation.bwrap, *unshare, *_UNSHARE, "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    if isolation.uid is not None:
        # Kept only until the worker drops to the unprivileged uid, which clears them all
        # (worker.confine): to read its runtime copy (that uid's alone) as it starts, to give
        # it the scratch tmpfs, and to drop.
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_DAC_READ_SEARCH"]
        if _scratch_tmpfs(isolation, scratch_bytes):
            args += ["--cap-add", "CAP_CHOWN"]
    read = [*system_paths(), *read_paths(), str(runtime), str(stage.code)]
    # bubblewrap makes the folders leading to a mount point for root only (0700):
    # make them searchable first, so the unprivileged uid can reach what is mounted.
    leading = sorted({str(parent) for path in [*read, str(stage.scratch)] for parent in Path(path).parents
                      if str(parent) != "/"}, key=lambda folder: folder.count(os.sep))
    for folder in leading:
        args += ["--perms", "0755", "--dir", folder]
    for path in read:
        args += ["--ro-bind-try", path, path]
    if _scratch_tmpfs(isolation, scratch_bytes):
        # bubblewrap mounts it for root: the worker gives it to its uid before dropping (worker.confine).
        args += ["--perms", "0700", "--size", str(int(scratch_bytes)), "--tmpfs", str(stage.scratch)]
        shm = ["--size", str(int(scratch_bytes)), "--tmpfs", "/dev/shm"]
    else:
        args += ["--bind", str(stage.scratch), str(stage.scratch)]
        shm = ["--tmpfs", "/dev/shm"]
    # No --chdir: bubblewrap changes folder after giving up its capabilities, and the copy is
    # the worker's uid's alone (0500); the worker goes there once it is that uid ("cwd").
    args += ["--dev", "/dev", "--proc", "/proc", *shm]
    return args + ["--", *python]


def confinement(stage: Stage, isolation: Isolation, *, scratch_bytes: int | None = None,
                course_adapters: str | None = None) -> dict:
    """What the worker applies to itself before importing learner code (sent in its configuration).

    ``scratch_bytes``: the largest file the worker may write (``RLIMIT_FSIZE``, at every
    level; under bubblewrap the scratch tmpfs also holds at most that much in all).
    ``course_adapters``: as for :func:`command` (the same runtime, then).
    """
    read = [*system_paths(), *read_paths(), str(runtime_dir(isolation.uid, course_adapters)), str(stage.code)]
    write = [str(stage.scratch)]
    if isolation.namespaces:
        write.append("/dev/shm")  # private to the worker's namespace
    return {
        "uid": isolation.uid,
        "gid": SANDBOX_GID if isolation.uid is not None else None,
        "landlock_abi": isolation.landlock_abi,
        "read": read,
        "write": write,
        "devices": list(_DEVICES),
        "subreaper": not isolation.namespaces,
        "cwd": str(stage.code),
        # Of /proc, the worker's own /proc/<pid> entries that the libraries need and nothing else
        # (TensorFlow aborts when it cannot read /proc/self/cmdline), at every level.
        "proc_entries": list(PROC_ENTRIES),
        "drop_capabilities": isolation.drops_capabilities,
        "seccomp": isolation.seccomp,
        "file_size_bytes": int(scratch_bytes) if scratch_bytes else None,
        # A fresh tmpfs that bubblewrap mounted for root: the worker gives it to its uid.
        "own_scratch": str(stage.scratch) if _scratch_tmpfs(isolation, scratch_bytes) and isolation.uid is not None
        else None,
    }


def scratch_usage(folder: Path, *, stop_after: int | None = None) -> int:
    """Bytes the files beneath ``folder`` take on disk (blocks, so a sparse or preallocated file counts whole).

    Where the scratch folder is no sized tmpfs (the Landlock-only level, the floor), the
    file-size limit caps each file but not their number: the grader reads this while a
    call runs and stops the worker past its limit. ``stop_after``: stop counting once past it.
    """
    total, pending = 0, [Path(folder)]
    while pending:
        try:
            entries = list(os.scandir(pending.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            total += getattr(info, "st_blocks", 0) * 512 or info.st_size
            if entry.is_dir(follow_symlinks=False):
                pending.append(Path(entry.path))
            if stop_after is not None and total > stop_after:
                return total
    return total


def scratch_seen_from_grader(stage: Stage, isolation: Isolation, pid: int | None) -> Path | None:
    """Where the grader reaches the scratch folder of the running worker started as ``pid``.

    Under bubblewrap the scratch folder may be a tmpfs that exists only in the worker's
    mount namespace: the grader reaches it through ``/proc/<pid>/root`` of the first
    process in that namespace (bubblewrap's child). Elsewhere it is ``stage.scratch``.
    None when the worker has no such process (yet, or any more). Valid once the worker
    has answered its import (bubblewrap has set its mounts up by then).
    """
    if not isolation.namespaces:
        return stage.scratch
    if pid is None:
        return None
    import psutil

    try:
        children = psutil.Process(pid).children()
    except psutil.Error:
        return None
    if not children:
        return None
    return Path(f"/proc/{children[0].pid}/root") / stage.scratch.relative_to("/")
