"""The worker: the only process that imports and runs learner code.

Started by :mod:`grader.sandbox.client` as ``python -m grader.sandbox.worker``. It
talks to the grader over copies of its original stdin/stdout (the protocol
channel) and points file descriptors 0 and 1 elsewhere, so whatever the learner
prints goes to stderr, which the grader drains and truncates.

The first message configures the worker (module path, memory limit, off-limits
functions, its confinement); every later one is a call. A reply carries only plain
data: the value, which arguments the call modified and which off-limits functions it
touched. The grader decides what any of that is worth, and measures the time a call
takes itself (nothing the worker says about time is believed).
"""

from __future__ import annotations

import builtins
import copy
import functools
import importlib.abc
import importlib.util
import os
import random
import sys
import traceback

import numpy as np

from grader.sandbox import adapters, processes
from grader.sandbox.wire import read_message, write_message

BLOCKED_PACKAGES = ("solutions", "grader")


class _BlockReference(importlib.abc.MetaPathFinder):
    """Learner code may not import the reference solutions or the grader's checks."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in BLOCKED_PACKAGES and fullname not in sys.modules:
            raise ImportError(f"pixelgrade: importing {fullname!r} is not allowed in an exercise")
        return None


class Tripwires:
    """Notice calls to off-limits functions (the oracles a function is graded against).

    Each dotted name is replaced, in every loaded module that holds it, by a thin
    wrapper that records the call while a learner function runs. Names whose module
    is not imported yet are patched as soon as an ``import`` statement loads it (and
    defines the name: a module can be in ``sys.modules`` half-way through its own
    import). A lazily loaded package (``skimage.filters``) defines its names only
    when they are first looked up; once an outermost ``import`` statement has
    finished, and before each learner call, such names are looked up here first.
    """

    def __init__(self, names):
        self.pending = set(names)
        self.tripped: set[str] = set()
        self.armed = False
        self._import = builtins.__import__
        self._depth = 0  # nesting of import statements now running
        self._patching = False
        if self.pending:
            self.patch_ready()
            builtins.__import__ = self._watching_import

    def _watching_import(self, *args, **kwargs):
        self._depth += 1
        try:
            module = self._import(*args, **kwargs)
        finally:
            self._depth -= 1
        if self.pending:
            self.patch_ready(resolve_lazy=self._depth == 0)
        return module

    def _wrap(self, name, original):
        @functools.wraps(original)
        def tripwire(*args, **kwargs):
            if self.armed:
                self.tripped.add(name)
            return original(*args, **kwargs)

        return tripwire

    def patch_ready(self, resolve_lazy: bool = True):
        if self._patching:
            return  # an import made while resolving a lazy name
        self._patching = True
        try:
            for name in list(self.pending):
                self._patch(name, resolve_lazy)
        finally:
            self._patching = False

    def _patch(self, name, resolve_lazy):
        module_name, _, attribute = name.rpartition(".")
        module = sys.modules.get(module_name)
        if module is None:
            return
        original = module.__dict__.get(attribute)
        if original is None and resolve_lazy and "__getattr__" in module.__dict__:
            try:
                original = getattr(module, attribute)  # a lazy package imports it now
            except Exception:  # noqa: BLE001 - not there (an older or newer library)
                original = None
        if original is None:
            # Not defined yet: the module may be half-way through its own import
            # (scipy.signal imports its helpers before it binds convolve2d). Try
            # again after the next import.
            return
        self.pending.discard(name)
        wrapper = self._wrap(name, original)
        module.__dict__[attribute] = wrapper
        for loaded in list(sys.modules.values()):
            namespace = getattr(loaded, "__dict__", None)
            if isinstance(namespace, dict) and namespace.get(attribute) is original:
                namespace[attribute] = wrapper


def _limit_memory(limit_bytes: int | None) -> None:
    if not limit_bytes:
        return
    try:
        import resource

        with open("/proc/self/statm") as statm:
            in_use = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (in_use + limit_bytes, in_use + limit_bytes))
    except (ImportError, OSError, ValueError):
        pass  # no /proc or no RLIMIT_AS (macOS, Windows): the wall-clock limit still holds


_PR_SET_PDEATHSIG = 1
_PR_CAPBSET_DROP = 24
_PR_SET_SECUREBITS = 28
_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
# SECBIT_NOROOT, SECBIT_NO_SETUID_FIXUP, SECBIT_KEEP_CAPS_LOCKED, SECBIT_NO_CAP_AMBIENT_RAISE, and their locks.
_SECURE_BITS = 0x01 | 0x02 | 0x04 | 0x08 | 0x20 | 0x40 | 0x80
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
_SANDBOX_TASKS = 4096


def confine(settings: dict) -> None:
    """Give up, for good, everything learner code must not have (see grader.sandbox.isolation).

    Runs before the learner's module is imported: the process keeps its already
    open protocol channel and nothing else of the grader's. In this order: the uid
    (or, as root that cannot drop it, every capability), the resource limits,
    Landlock, then the seccomp filter, last because it refuses calls the steps
    before it make (``chown`` of the scratch tmpfs).
    """
    if sys.platform == "linux":
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        # Die with the grader, and keep every orphaned descendant in this tree, so
        # stopping the worker finds (and kills) every process the learner started.
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if settings.get("subreaper"):
            processes.become_subreaper()
    syscall_rules = None
    if settings.get("seccomp"):
        from grader.sandbox import syscall_filter

        # Built now, while every library it loads can still be read; loaded last.
        syscall_rules = syscall_filter.build()
    if settings.get("drop_capabilities"):
        _drop_capabilities()
    uid, gid = settings.get("uid"), settings.get("gid")
    if uid is not None:
        if settings.get("own_scratch"):
            # A tmpfs bubblewrap mounted for root (0700): the worker's own from now on.
            os.chown(settings["own_scratch"], uid, gid)
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)  # clears every capability: there is no way back
        if os.getuid() != uid or os.geteuid() != uid:
            raise PermissionError(f"could not drop to uid {uid}")
        import resource

        # A fork bomb stops at this many tasks of the sandbox's uid (threads count: TensorFlow
        # starts dozens per worker), far below what would starve the machine.
        resource.setrlimit(resource.RLIMIT_NPROC, (_SANDBOX_TASKS, _SANDBOX_TASKS))
    if settings.get("cwd"):
        os.chdir(settings["cwd"])  # its copy, which only its own uid may enter
    _limit_file_size(settings.get("file_size_bytes"))
    if settings.get("landlock_abi"):
        from grader.sandbox import landlock

        read = [*settings.get("read", ()), *_own_proc_entries(settings.get("proc_entries", ()))]
        landlock.restrict(read=read, write=settings.get("write", ()),
                          devices=settings.get("devices", ()), version=int(settings["landlock_abi"]))
    if syscall_rules is not None:
        syscall_rules.load()


def _limit_file_size(limit_bytes: int | None) -> None:
    """No file written larger than ``limit_bytes``, for good (hard limit too).

    Python ignores SIGXFSZ, so a write past the limit fails with ``OSError`` (EFBIG)
    instead of killing the process; the numeric libraries inherit the same.
    """
    if not limit_bytes:
        return
    import resource

    resource.setrlimit(resource.RLIMIT_FSIZE, (int(limit_bytes), int(limit_bytes)))


def _own_proc_entries(names) -> list[str]:
    """``/proc/<this pid>/NAME`` for each of ``names`` that exists: what Landlock lets the worker read of /proc.

    Only this process's entries, and only these: never ``net/`` (the machine's sockets
    when the worker shares the grader's network), ``environ`` or another process's.
    """
    if not names or not os.path.isdir("/proc/self"):
        return []
    own = os.path.realpath("/proc/self")  # /proc/<pid>: the link itself would follow whoever reads it
    return [os.path.join(own, name) for name in names if os.path.lexists(os.path.join(own, name))]


def _drop_capabilities() -> None:
    """Root that cannot become another user keeps uid 0 but no capability at all, for good."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_SECUREBITS, _SECURE_BITS, 0, 0, 0)
    for capability in range(64):
        libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0)  # EINVAL past the last one: harmless
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    data = (Data * 2)()
    if libc.capset(ctypes.byref(Header(_LINUX_CAPABILITY_VERSION_3, 0)), data) != 0:
        raise PermissionError(ctypes.get_errno(), "capset failed")


def _error(exc: BaseException, learner_file: str) -> dict:
    try:
        message = str(exc)
    except BaseException:  # noqa: BLE001
        message = "<the exception's message could not be shown>"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == learner_file]
    where = [f"line {f.lineno}, in {f.name}: {(f.line or '').strip()}" for f in frames[-3:]]
    error = {
        "types": [cls.__name__ for cls in type(exc).__mro__],
        "message": message[:2000],
        "where": where,
        "code": exc.code if isinstance(exc, SystemExit) and isinstance(exc.code, int) else None,
    }
    if isinstance(exc, SyntaxError):
        # Where Python could not read the module: enough to draw its own "line, then a caret" message.
        error["syntax"] = {
            "msg": str(exc.msg or "")[:500],
            "filename": os.path.basename(exc.filename or ""),
            "lineno": exc.lineno if isinstance(exc.lineno, int) else None,
            "offset": exc.offset if isinstance(exc.offset, int) else None,
            "end_lineno": exc.end_lineno if isinstance(exc.end_lineno, int) else None,
            "end_offset": exc.end_offset if isinstance(exc.end_offset, int) else None,
            "text": str(exc.text)[:500] if exc.text is not None else None,
        }
    return error


def _snapshot(values):
    """Copies of the array arguments (also inside lists and tuples), to detect changes."""
    taken = {}
    for key, value in values:
        if type(value) is np.ndarray:
            taken[key] = value.copy()
        elif type(value) in (list, tuple) and all(type(v) is np.ndarray for v in value):
            taken[key] = copy.deepcopy(value)
    return taken


def _changed(before, after) -> bool:
    if type(after) is not type(before):
        return True
    if type(before) is np.ndarray:
        return before.shape != after.shape or before.dtype != after.dtype or not np.array_equal(
            before, after, equal_nan=before.dtype.kind in "fc"
        )
    return len(before) != len(after) or any(_changed(b, a) for b, a in zip(before, after))


class Worker:
    def __init__(self, config: dict, table: dict | None = None):
        self.config = config
        self.learner_file = os.path.abspath(config["path"])
        # What a request's "then" may name: the built-in adapters and the course's (adapters.with_course).
        self.adapters = adapters.ADAPTERS if table is None else table
        self.tripwires = Tripwires(config.get("off_limits", ()))
        self.module = None

    def load(self) -> dict:
        # No bytecode cache next to learner code, whatever the environment says (the client
        # sets PYTHONDONTWRITEBYTECODE too): a .pyc written beside a module is trusted
        # while its recorded mtime (whole seconds) and size match, so it could outlive an edit.
        sys.dont_write_bytecode = True
        sys.meta_path.insert(0, _BlockReference())
        target_dir = os.path.dirname(self.learner_file)
        # Sibling modules of the submission (a learner's equalisation importing their
        # own histogram) resolve to the target directory and nowhere else first.
        sys.path[:] = [target_dir] + [p for p in sys.path if p not in ("", os.getcwd(), target_dir)]
        spec = importlib.util.spec_from_file_location(self.config["module"], self.learner_file)
        module = importlib.util.module_from_spec(spec)
        sys.modules[self.config["module"]] = module
        try:
            spec.loader.exec_module(module)
        except BaseException as exc:  # noqa: BLE001 - SystemExit at import is a learner error too
            return {"ok": False, "error": _error(exc, self.learner_file)}
        self.module = module
        return {"ok": True}

    def call(self, request: dict) -> dict:
        function = getattr(self.module, request["function"], None)
        if not callable(function):
            return {"ok": False, "missing": True}
        args, kwargs = list(request.get("args", [])), dict(request.get("kwargs", {}))
        before = _snapshot([*enumerate(args), *kwargs.items()])
        # Same seeds before every call: a submission that uses global randomness
        # still gets the same grade every time.
        np.random.seed(0)
        random.seed(0)
        if self.tripwires.pending:
            self.tripwires.patch_ready()
        self.tripwires.tripped.clear()
        self.tripwires.armed = True
        try:
            value = function(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001
            return {"ok": False, "error": _error(exc, self.learner_file), "tripped": sorted(self.tripwires.tripped)}
        finally:
            self.tripwires.armed = False
        current = {**dict(enumerate(args)), **kwargs}
        mutated = [key for key, old in before.items() if _changed(old, current[key])]
        then = request.get("then")
        if then:
            # A course's adapter runs the learner's methods (a shape's area()): still watched for off-limits
            # calls, which they could otherwise make unseen. The built-in ones run none of the exercise's.
            self.tripwires.armed = then not in adapters.BUILT_IN
            try:
                value = self.adapters[then](value, *request.get("then_args", []))
            except BaseException as exc:  # noqa: BLE001 - a course's adapter that raised (the built-in ones never do)
                error = _error(exc, self.learner_file)
                # Said as what it is: the call returned, and the grader's adapter could not use its result.
                error["message"] = (f"(in the course's adapter `{then}`, which the grader applied to what "
                                    f"`{request['function']}` returned) {error['message']}")[:2000]
                return {"ok": False, "error": error, "tripped": sorted(self.tripwires.tripped)}
            finally:
                self.tripwires.armed = False
        return {
            "ok": True,
            "value": value,
            "mutated": mutated,
            "tripped": sorted(self.tripwires.tripped),
        }


def main() -> None:
    # Keep the protocol channel private, then send stray prints to stderr.
    requests = os.dup(0)
    replies = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    config = read_message(requests)
    _limit_memory(config.get("memory_bytes"))
    try:
        confine(config.get("confinement") or {})
    except Exception as exc:  # noqa: BLE001 - never run learner code less confined than promised
        write_message(replies, {"ok": False, "sandbox": f"{type(exc).__name__}: {exc}"[:1000]})
        return
    try:
        # The course's own adapters, imported from their copy in the runtime before any learner code runs:
        # no module a learner put in sys.modules can stand in for one they import.
        table = adapters.with_course(config.get("adapters"), config.get("adapters_table") or adapters.COURSE_TABLE)
    except BaseException as exc:  # noqa: BLE001 - the course's fault, never the learner's: said as the sandbox's word
        write_message(replies, {"ok": False, "sandbox": f"{adapters.LOAD_FAILED}: {type(exc).__name__}: {exc}"[:1000]})
        return
    # Said before any learner code runs, so that the grader can tell this word from one that
    # learner code writes later (a forged "the sandbox failed" would otherwise read as the grader's fault).
    write_message(replies, {"ok": True, "confined": True})
    worker = Worker(config, table)
    write_message(replies, worker.load())
    while True:
        request = read_message(requests)
        reply = worker.call(request)
        reply["id"] = request["id"]
        try:
            write_message(replies, reply)
        except (TypeError, ValueError) as exc:
            write_message(replies, {"id": request["id"], "ok": False, "unsendable": str(exc)[:500]})
        if not reply["ok"] and "MemoryError" in reply.get("error", {}).get("types", []):
            return  # start afresh: state after a MemoryError cannot be trusted


if __name__ == "__main__":
    main()
