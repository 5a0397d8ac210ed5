"""Start, feed and restart worker processes (the grader's side of the sandbox).

A :class:`WorkerProcess` runs one learner module, in a child that
:mod:`grader.sandbox.processes` starts and ends (its whole tree), in a cgroup of its own
where the machine gives one (:mod:`grader.sandbox.cgroups`). Every call has a limit in CPU
time of the worker's whole tree (so a busy machine, which stretches wall-clock time, does
not change a grade), with a generous wall-clock backstop for a call that sleeps or waits;
the first call of each function in a worker may also spend :data:`FIRST_CALL_ALLOWANCE_S`
more, for a library it imports inside the function. The worker's tree has a memory and a
process limit. When a call hangs, crashes the
process, exhausts a limit or sends back something that is not a reply, the process is
killed and a fresh one is started for the next call, so one bad call costs one check and
nothing else.

The grader believes nothing the worker says beyond what it is: learner code runs in the
worker's process and can write anything to its channel. So the grader

- times every call itself: :attr:`Reply.seconds` is the round trip measured here (a
  ``time.sleep`` or a patched clock in the worker changes nothing of it), and
  :attr:`Reply.cpu_seconds` the CPU time of the worker's tree, read from outside;
- caps every reply by what its call may return, before reading any of it
  (:func:`reply_cap`), and checks it against the protocol's schema
  (:func:`grader.sandbox.wire.reply_fields`): whatever fails is the learner's broken reply
  (``problem="corrupt"``), never an error of the grader's;
- learns that the tree ran out of memory or processes from the kernel's counts, not from the worker.
"""

from __future__ import annotations

import atexit
import collections
import itertools
import os
import queue
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.sandbox import adapters as adapting
from grader.sandbox import cgroups, frames, processes
from grader.sandbox import isolation as sandboxing
from grader.sandbox.wire import (
    WireClosed,
    WireError,
    WireTimeout,
    encode_message,
    read_message,
    reply_fields,
    write_message,
)

_POSIX = os.name == "posix"
MIN_REPLY_BYTES = 32 * 1024**2  # what any call may send back: a result of a few images
REPLY_BYTES_PER_REQUEST_BYTE = 8  # ... or eight times its request (a float64 result of uint8 images)
LOAD_REPLY_BYTES = 1024**2  # the reply to the configuration: whether the import worked, and why not
_FATAL = ("timeout", "died", "corrupt", "limit")  # problems after which the worker is not used again
# Past this many times its CPU limit in wall-clock time (plus WALL_EXTRA_S), a call that waits
# (sleeps, reads, blocks on a lock) is stopped; one that computes goes on to its CPU limit, up to
# HARD_WALL_FACTOR times it, so that a busy machine never costs a computing call its check.
WALL_FACTOR = 3.0
WALL_EXTRA_S = 5.0
# A function's first call in a worker may import a library inside the function (`import keras`:
# 3-5 s of CPU here): that time is not the function's own, so it never costs the check.
FIRST_CALL_ALLOWANCE_S = 10.0
HARD_WALL_FACTOR = 20.0  # past this many times its CPU limit in wall-clock time, a call is stopped whatever it does
IDLE_WINDOW_S = 2.0
IDLE_SHARE = 0.05  # a tree computing less than this share of one core over the window is waiting
_POLL_S = 0.25  # at most this long between two readings of the tree's CPU time while a call runs


def reply_cap(request_bytes: int) -> int:
    """The most a reply may hold when its request took ``request_bytes`` (its encoded frame)."""
    return max(MIN_REPLY_BYTES, REPLY_BYTES_PER_REQUEST_BYTE * request_bytes)


class SandboxError(RuntimeError):
    """The worker could not confine itself as promised: a fault of the machine or the grader."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of a worker: per call (time) and for its whole tree of processes (memory, tasks)."""

    timeout_s: float = 10.0
    import_timeout_s: float = 20.0
    memory_bytes: int | None = 3 * 1024**3
    threads: int = 1
    output_bytes: int = 4096
    scratch_bytes: int = 512 * 1024**2  # what the worker may write to its scratch folder
    processes: int | None = 512  # processes and threads at once (a cgroup's pids.max): TensorFlow starts dozens


@dataclass
class Reply:
    """What came back from the worker for one request (or why nothing did)."""

    ok: bool
    value: object = None
    mutated: list = field(default_factory=list)
    tripped: list = field(default_factory=list)
    seconds: float = 0.0  # the call's round trip, measured by the grader: from writing the request to reading the reply
    cpu_seconds: float | None = None  # CPU time of the worker's whole tree during the call, read by the grader
    error: dict | None = None
    missing: bool = False
    problem: str = ""  # "timeout", "died", "corrupt", "unsendable", "limit" when there is no usable reply
    stopped_by: str = ""  # for a timeout: "cpu" (it computed for its whole CPU limit) or "wall" (the backstop)
    cpu_limit: float | None = None  # the call's limit in CPU seconds (None: wall-clock only, no CPU reading here)
    detail: str = ""  # what was wrong with a corrupt reply, in a few words
    limit: str = ""  # "memory", "processes" (the kernel counted it) or "scratch" (the grader measured it): a limit hit
    sandbox: str = ""  # why the worker could not confine itself (it ran no learner code)
    confined: bool = False  # the worker's first word: confined, before any learner code ran
    output: str = ""


class _OutputTail:
    """Drain a pipe forever, keeping only its last bytes (a print flood stays small)."""

    def __init__(self, stream, keep: int):
        self._tail = collections.deque(maxlen=keep)
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self._thread.start()

    def _drain(self, stream):
        try:
            for chunk in iter(lambda: stream.read1(65536), b""):
                with self._lock:
                    self._tail.extend(chunk)
        except (OSError, ValueError):
            pass
        finally:
            stream.close()

    def take(self) -> str:
        with self._lock:
            data = bytes(self._tail)
            self._tail.clear()
        return data.decode("utf-8", "replace")


class WorkerProcess:
    """One learner module running in its own process, restarted when it dies."""

    def __init__(self, module: str, path: Path, *, limits: Limits, off_limits=(), env=None,
                 adapters: adapting.CourseAdapters | None = None):
        self.module = module
        self.path = Path(path)
        self.limits = limits
        self.off_limits = sorted(set(off_limits))
        self.extra_env = dict(env or {})
        self.adapters = adapters  # the course's own adapters, which the worker loads before learner code
        self._process: processes.Child | None = None
        self._cgroup: cgroups.WorkerCgroup | None = None
        self._seen: set = set()  # (pid, start time) of the worker's descendants seen (no cgroup)
        self._called: set = set()
        self._replies: queue.Queue = queue.Queue()
        self._reply_bytes = LOAD_REPLY_BYTES  # the cap of the reply awaited (the reader thread's, on Windows)
        self._output: _OutputTail | None = None
        self.load_failure: Reply | None = None
        self._loading = False  # spawned, import reply not read yet
        self._ids = itertools.count()
        self._stage: sandboxing.Stage | None = None
        self.isolation = sandboxing.current()

    # -- process management -------------------------------------------------
    def spawn(self) -> None:
        """Start the process and send its configuration, without waiting for the import.

        Every start gets a fresh private copy of the submission folder and a fresh
        scratch folder (grader.sandbox.isolation), both thrown away by :meth:`stop`, and a
        fresh cgroup where the machine gives one.
        """
        if self._process is not None or self.load_failure is not None:
            return
        self._replies = queue.Queue()
        self._seen = set()
        self._called = set()  # the functions called in this process (their first call may import)
        self._stage = stage = sandboxing.stage_submission(self.path.parent, self.isolation)
        self._cgroup = cgroup = cgroups.create(memory_bytes=self.limits.memory_bytes, tasks=self.limits.processes)
        if cgroup is None:
            # Without a cgroup, a learner's orphan whose worker stopped being a subreaper
            # comes to the grader, which then ends it with the worker (stop).
            processes.become_subreaper()
        course_adapters = self.adapters.file if self.adapters else None
        scratch = {"scratch_bytes": self.limits.scratch_bytes, "course_adapters": course_adapters}
        try:
            process = processes.start(sandboxing.command(stage, self.isolation, **scratch), cwd=stage.code,
                                      env=sandboxing.environment(stage, self.limits.threads, self.extra_env),
                                      before_exec=cgroup.join if cgroup is not None else None)
        except BaseException:
            self._cgroup = None
            if cgroup is not None:
                cgroup.end()
            self._stage = None
            stage.remove()
            raise
        if cgroup is not None:
            cgroup.release_join()
        self._process = process
        _LIVE.add(self)
        _widen_pipes(process)
        self._output = _OutputTail(process.stderr, self.limits.output_bytes)
        if _POSIX:
            os.set_blocking(process.stdin.fileno(), False)  # requests are written within the call's deadline
        else:
            threading.Thread(target=self._read_replies, args=(process, self._replies), daemon=True).start()
        write_message(
            process.stdin.fileno(),
            {
                "module": self.module,
                "path": str(stage.code / self.path.name),
                "memory_bytes": self.limits.memory_bytes,
                "off_limits": self.off_limits,
                "confinement": sandboxing.confinement(stage, self.isolation, **scratch),
                # The copy of the course's adapters in the worker's runtime, and the name of their table.
                "adapters": str(sandboxing.course_adapters_copy(sandboxing.runtime_dir(self.isolation.uid,
                                                                                        course_adapters)))
                if course_adapters else None,
                "adapters_table": self.adapters.table if self.adapters else None,
            },
            time.monotonic() + self.limits.import_timeout_s if _POSIX else None,
        )
        self._loading = True

    def _read_replies(self, process, replies):
        fd = process.stdout.fileno()
        while True:
            try:
                replies.put(read_message(fd, max_bytes=self._reply_bytes))
            except (WireError, OSError) as error:
                replies.put(error if isinstance(error, WireError) else WireClosed(str(error)))
                return

    def _next_message(self, deadline: float):
        """The next reply frame, a WireError, or None when the deadline passed."""
        if _POSIX:
            # select() on the pipe: no reader thread, so no thread hand-off per call.
            try:
                return read_message(self._process.stdout.fileno(), max_bytes=self._reply_bytes, deadline=deadline)
            except WireTimeout:
                return None
            except WireError as error:
                return error
            except OSError as error:
                return WireClosed(str(error))
        try:
            return self._replies.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return None

    def _exchange(self, frame: bytes | None, request_id: str | None, cpu_limit: float, max_bytes: int) -> Reply:
        """Send ``frame`` (None: only wait for the import's reply) and read its reply, timed.

        The reply's ``seconds`` run from the first byte written to the last byte read;
        the kernel's counts of the worker's cgroup, read before and after, say whether the
        tree hit a limit meanwhile and how much CPU time it used. The worker is stopped
        whenever what came back is not a reply to trust.
        """
        before = self._usage()
        if frame is None and before.cpu_seconds is not None:
            # The import's count starts where the worker did, at zero: a limit hit while the
            # module was imported (before this wait began) still counts.
            before = cgroups.Usage(0.0)
        self._reply_bytes = max_bytes
        counted = before.cpu_seconds is not None and _POSIX
        deadline = time.monotonic() + (cpu_limit * WALL_FACTOR + WALL_EXTRA_S if counted else cpu_limit)
        started = time.perf_counter()
        stopped_by = ""
        message = None
        if frame is not None:
            try:
                frames.write_all(self._process.stdin.fileno(), frame, deadline if _POSIX else None)
            except WireTimeout:
                message = None  # it stopped reading: it hangs as surely as if it never answered
            except (OSError, ValueError) as error:
                message = WireClosed(str(error))
            else:
                message, stopped_by = self._await_reply(deadline, cpu_limit if counted else None, before)
        else:
            message, stopped_by = self._await_reply(deadline, cpu_limit if counted else None, before)
        seconds = time.perf_counter() - started
        if message is None and stopped_by == "scratch":
            reply = Reply(ok=False, problem="limit", limit="scratch")
        elif message is None:
            reply = Reply(ok=False, problem="timeout", stopped_by=stopped_by or "wall")
        elif isinstance(message, WireClosed):
            reply = self._died()
        elif isinstance(message, WireError):
            reply = Reply(ok=False, problem="corrupt", detail=str(message))
        else:
            reply = self._checked(message, request_id)
        reply.seconds = seconds
        reply.cpu_limit = cpu_limit if counted else None
        self._account(reply, before)
        if reply.problem in _FATAL or (reply.error and "MemoryError" in reply.error.get("types", [])):
            self.stop()  # the worker exits by itself after a MemoryError; make sure
        elif self._tracks_descendants and self._process is not None:
            self._seen.update(filter(None, map(processes.identity, processes.descendants(self._process.pid))))
        reply.output = self._take_output()
        return reply

    def _await_reply(self, deadline: float, cpu_limit: float | None, before: cgroups.Usage):
        """The next message (or None) and, for None, what stopped the wait: ``"cpu"`` or ``"wall"``.

        With a CPU limit, the wait is cut into short slices: between two, the tree's CPU
        time is read (from its cgroup, else /proc) and the call is stopped once it has
        used its limit. Only the wait for a reply's first byte is sliced; a reply that
        has begun is read whole, within the wall-clock deadline.
        """
        if cpu_limit is None:
            return self._next_message(deadline), ""
        import select

        fd = self._process.stdout.fileno()
        # Past ``deadline`` a call is stopped only while it waits (its tree computes less than
        # IDLE_SHARE of a core): on a machine so busy that a computing call gets a sliver of a
        # core, it still gets its whole CPU time. ``hard_deadline`` ends even that.
        hard_deadline = deadline + (deadline - time.monotonic()) * (HARD_WALL_FACTOR / WALL_FACTOR)
        recent = collections.deque()  # (time, CPU seconds) over the last IDLE_WINDOW_S
        while True:
            used = (self._usage().cpu_seconds or 0.0) - before.cpu_seconds
            remaining_cpu = cpu_limit - used
            if remaining_cpu <= 0:
                return None, "cpu"
            if self._scratch_overflowing():
                return None, "scratch"
            now = time.monotonic()
            recent.append((now, used))
            while len(recent) > 1 and now - recent[1][0] >= IDLE_WINDOW_S:
                recent.popleft()  # keeps one reading at least a window old: the window is whole
            if now >= hard_deadline or (now >= deadline and _waiting(recent)):
                return None, "wall"
            # Never sleep past the moment the tree could, at full speed on every core, use up its limit.
            wait = min(max(hard_deadline - now, 0.0), _POLL_S, max(remaining_cpu / (os.cpu_count() or 1), 0.005))
            if select.select([fd], [], [], wait)[0]:
                return self._next_message(hard_deadline), ""

    @staticmethod
    def _checked(message: dict, request_id: str | None) -> Reply:
        try:
            fields = reply_fields(message, request_id=request_id)
        except WireError as error:
            return Reply(ok=False, problem="corrupt", detail=str(error))
        unsendable = fields.pop("unsendable")
        return Reply(**fields, problem="unsendable" if unsendable is not None else "",
                     detail=unsendable or "")

    @property
    def _tracks_descendants(self) -> bool:
        """Whether the worker's descendants are noted after each call, to be told apart once orphaned.

        Only where nothing else tells them apart: no cgroup, no PID namespace (which holds
        them all), no sandbox uid (which marks them all).
        """
        return self._cgroup is None and not self.isolation.namespaces and self.isolation.uid is None

    def _usage(self) -> cgroups.Usage:
        if self._cgroup is not None:
            return self._cgroup.usage()
        pid = self._process.pid if self._process is not None else None
        return cgroups.Usage(cpu_seconds=processes.tree_cpu_seconds(pid) if pid is not None else None)

    def _account(self, reply: Reply, before: cgroups.Usage) -> None:
        """The CPU time the call cost, and the limit it hit (which makes any reply a failure)."""
        after = self._usage()
        if before.cpu_seconds is not None and after.cpu_seconds is not None:
            reply.cpu_seconds = max(0.0, after.cpu_seconds - before.cpu_seconds)
        if reply.limit:
            pass  # stopped for it already (the scratch folder)
        elif after.memory_kills > before.memory_kills:
            reply.limit = "memory"
        elif after.refused_tasks > before.refused_tasks:
            reply.limit = "processes"
        elif self._scratch_overflowing():
            reply.limit = "scratch"
        if reply.limit and reply.ok:
            # A process of its tree was killed, or a fork refused: what it returned was
            # computed without it.
            reply.ok, reply.problem, reply.value = False, "limit", None

    def _scratch_overflowing(self) -> bool:
        """Whether the scratch folder holds more than its limit (only where it is no sized tmpfs)."""
        if self.isolation.namespaces or self._stage is None or not self.limits.scratch_bytes:
            return False
        limit = self.limits.scratch_bytes
        return sandboxing.scratch_usage(self._stage.scratch, stop_after=limit) > limit

    def _died(self) -> Reply:
        process = self._process
        code = process.wait(processes.REAP_S) if process else None  # None: it would not end by itself
        return Reply(ok=False, problem="died", error={"returncode": code})

    def _take_output(self) -> str:
        return self._output.take() if self._output else ""

    def stop(self) -> None:
        """Kill the worker and everything it started, and throw its private folders away."""
        process, self._process = self._process, None
        stage, self._stage = self._stage, None
        cgroup, self._cgroup = self._cgroup, None
        self._loading = False
        _LIVE.discard(self)
        if cgroup is not None:
            killed = cgroup.end()  # every process of its tree, wherever it went
        if process is not None:
            process.end(group=True)  # under bubblewrap, the PID namespace dies with it
            # stderr belongs to its drain thread, which closes it at end of file: closing
            # it here would block for as long as a background process the learner left
            # behind (in a session of its own) keeps the pipe open.
            for stream in (process.stdin, process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
        if cgroup is not None:
            processes.reap([pid for pid in killed if process is None or pid != process.pid], wait_s=0.5)
        elif process is not None:
            self._end_escaped()
        if stage is not None:
            stage.remove()

    def _end_escaped(self) -> None:
        """End the orphans of this worker's tree that the grader adopted (no cgroup: see spawn).

        Learner code can turn the worker's own subreaper off, so an orphan of its double
        fork comes to the grader. Such an orphan is this worker's when it runs as the
        sandbox's uid (nothing of the grader's ever does) or was seen in the worker's tree
        while it lived; the grader's own children (live workers, a batch's processes) are
        never touched.
        """
        uid, seen = self.isolation.uid, self._seen

        def escaped(process) -> bool:
            if uid is not None and process.uids().real == uid:
                return True
            return (process.pid, process.create_time()) in seen

        keep = {worker._process.pid for worker in list(_LIVE) if worker._process is not None}
        processes.end_adopted(escaped, keep=keep)
        self._seen = set()

    @property
    def scratch(self) -> Path | None:
        """The running worker's scratch folder (the grader reads files it left there), or None."""
        if self._stage is None:
            return None
        # Under bubblewrap the scratch is a tmpfs inside the worker's mount namespace.
        return sandboxing.scratch_seen_from_grader(self._stage, self.isolation,
                                                   self._process.pid if self._process else None)

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # -- calls --------------------------------------------------------------
    def ensure_loaded(self) -> Reply | None:
        """Start the worker if needed; the reply of a failed import, or None."""
        if self.load_failure is not None:
            return self.load_failure
        if not self._loading and self.alive:
            return None
        if not self._loading:
            self.stop()
            self.spawn()
        self._loading = False
        # The worker's first word comes before any learner code runs: whether it confined itself.
        reply = self._exchange(None, None, self.limits.import_timeout_s, LOAD_REPLY_BYTES)
        if reply.sandbox and not reply.problem:
            self.stop()
            if self.adapters and reply.sandbox.startswith(adapting.LOAD_FAILED):  # the course's module's fault
                raise SandboxError(f"{reply.sandbox}; no learner code ran. The worker imports a copy of "
                                   f"{self.adapters.file} alone: it may import the standard library and "
                                   "installed packages, never the course's other modules")
            raise SandboxError(f"the worker could not confine itself ({reply.sandbox}); "
                               f"no learner code ran. Isolation in force: {self.isolation.describe()}")
        if reply.ok and reply.confined:
            reply = self._exchange(None, None, self.limits.import_timeout_s, LOAD_REPLY_BYTES)  # the import's
            if reply.sandbox or reply.confined:
                # Said after learner code started to run: learner code speaking for the worker.
                reply = Reply(ok=False, problem="corrupt", output=reply.output,
                              detail="it spoke for the sandbox after its own code had started")
        elif not reply.problem:
            reply = Reply(ok=False, problem="corrupt", output=reply.output,
                          detail="the worker did not say first whether it was confined")
        if not reply.ok:
            # An import that fails will fail the same way again: remember it.
            self.load_failure = reply
            self.stop()
            return reply
        return None

    def call(self, function: str, args=(), kwargs=None, *, timeout_s=None, then=None, then_args=(),
             max_reply_bytes: int | None = None) -> Reply:
        """Call ``function(*args, **kwargs)`` in the worker: its :class:`Reply`, whatever happened.

        ``max_reply_bytes``: the most the reply may hold; by default :func:`reply_cap` of the
        request (a reply over it is refused unread, as ``problem="corrupt"``). ``then``: an adapter to
        pass the returned value through (:mod:`grader.sandbox.adapters`), a built-in one or the course's;
        any other name raises ValueError.
        """
        if then:
            # A check's mistake, said before anything runs: the choices are the engine's and the course's.
            adapting.check_name(then, self.adapters.names if self.adapters else ())
        failed = self.ensure_loaded()
        if failed is not None:
            return failed
        request_id = f"{next(self._ids)}-{secrets.token_hex(8)}"
        request = {"id": request_id, "function": function, "args": list(args), "kwargs": dict(kwargs or {})}
        if then:
            request.update(then=then, then_args=list(then_args))
        frame = encode_message(request)
        limit = timeout_s or self.limits.timeout_s
        if function not in self._called:
            self._called.add(function)
            # At most doubling the limit: a short limit chosen on purpose (--timeout 1) stays short.
            limit += min(FIRST_CALL_ALLOWANCE_S, self.limits.import_timeout_s, limit)
        return self._exchange(frame, request_id, limit, max_reply_bytes or reply_cap(len(frame)))


PIPE_BYTES = 1 << 20  # Linux's default ceiling for an unprivileged process (/proc/sys/fs/pipe-max-size)


def _widen_pipes(process) -> None:
    """Give the call pipes room for a whole image (Linux): a 64 KiB pipe turns a 512 x 512 x 3
    image into a dozen hand-overs between the two processes, each a context switch."""
    set_size = getattr(__import__("fcntl"), "F_SETPIPE_SZ", None) if _POSIX else None
    if set_size is None:
        return
    import fcntl

    for stream in (process.stdin, process.stdout):
        try:
            fcntl.fcntl(stream.fileno(), set_size, PIPE_BYTES)
        except OSError:  # a lower ceiling: the default size still works, a little slower
            pass


def _waiting(recent) -> bool:
    """Whether the CPU readings ``recent`` ((time, seconds), a full window of them) show a tree that waits."""
    (start, first), (end, last) = recent[0], recent[-1]
    return end - start >= IDLE_WINDOW_S and (last - first) < IDLE_SHARE * (end - start)


# Workers still running: stopped when the grader exits, whatever the learner code did.
_LIVE: set = set()


def _stop_all() -> None:
    for worker in list(_LIVE):
        try:
            worker.stop()
        except Exception:  # noqa: BLE001 - exiting: stop the others still
            pass


atexit.register(_stop_all)
