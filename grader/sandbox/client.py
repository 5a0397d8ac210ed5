"""Start, feed and restart worker processes (the grader's side of the sandbox).

A :class:`WorkerProcess` runs one learner module, in a child that
:mod:`grader.sandbox.processes` starts and ends (its whole tree). Every call has a wall-clock
limit; the process has a memory limit. When a call hangs, crashes the process or
exhausts memory, the process is killed and a fresh one is started for the next
call, so one bad call costs one check and nothing else.
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

from grader.sandbox import isolation as sandboxing
from grader.sandbox import processes
from grader.sandbox.wire import WireError, WireTimeout, read_message, write_message

_POSIX = os.name == "posix"


class SandboxError(RuntimeError):
    """The worker could not confine itself as promised: a fault of the machine or the grader."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of a worker: per call (time) and per process (memory)."""

    timeout_s: float = 10.0
    import_timeout_s: float = 20.0
    memory_bytes: int | None = 3 * 1024**3
    threads: int = 1
    output_bytes: int = 4096
    scratch_bytes: int = 512 * 1024**2  # what the worker may write to its scratch folder


@dataclass
class Reply:
    """What came back from the worker for one request (or why nothing did)."""

    ok: bool
    value: object = None
    mutated: list = field(default_factory=list)
    tripped: list = field(default_factory=list)
    seconds: float = 0.0
    error: dict | None = None
    missing: bool = False
    problem: str = ""  # "timeout", "died", "corrupt", "unsendable" when there is no reply
    sandbox: str = ""  # why the worker could not confine itself (it ran no learner code)
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

    def __init__(self, module: str, path: Path, *, limits: Limits, off_limits=(), env=None):
        self.module = module
        self.path = Path(path)
        self.limits = limits
        self.off_limits = sorted(set(off_limits))
        self.extra_env = dict(env or {})
        self._process: processes.Child | None = None
        self._replies: queue.Queue = queue.Queue()
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
        scratch folder (grader.sandbox.isolation), both thrown away by :meth:`stop`.
        """
        if self._process is not None or self.load_failure is not None:
            return
        self._replies = queue.Queue()
        self._stage = stage = sandboxing.stage_submission(self.path.parent, self.isolation)
        process = processes.start(sandboxing.command(stage, self.isolation), cwd=stage.code,
                                  env=sandboxing.environment(stage, self.limits.threads, self.extra_env))
        self._process = process
        _LIVE.add(self)
        _widen_pipes(process)
        self._output = _OutputTail(process.stderr, self.limits.output_bytes)
        if not _POSIX:
            threading.Thread(target=self._read_replies, args=(process, self._replies), daemon=True).start()
        write_message(
            process.stdin.fileno(),
            {
                "module": self.module,
                "path": str(stage.code / self.path.name),
                "memory_bytes": self.limits.memory_bytes,
                "off_limits": self.off_limits,
                "confinement": sandboxing.confinement(stage, self.isolation),
            },
        )
        self._loading = True

    @staticmethod
    def _read_replies(process, replies):
        fd = process.stdout.fileno()
        while True:
            try:
                replies.put(read_message(fd))
            except (WireError, OSError) as error:
                replies.put(error)
                return

    def _next_message(self, deadline: float):
        """The next reply frame, a WireError, or None when the deadline passed."""
        if _POSIX:
            # select() on the pipe: no reader thread, so no thread hand-off per call.
            try:
                return read_message(self._process.stdout.fileno(), deadline=deadline)
            except WireTimeout:
                return None
            except (WireError, OSError) as error:
                return error if isinstance(error, WireError) else WireError(str(error))
        try:
            return self._replies.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return None

    def _wait(self, request_id, timeout: float) -> Reply:
        deadline = time.monotonic() + timeout
        while True:
            message = self._next_message(deadline)
            if message is None:
                self.stop()
                return Reply(ok=False, problem="timeout", output=self._take_output())
            if isinstance(message, Exception):
                return self._died()
            if message.get("id") != request_id:
                continue  # not an answer to this request: forged or stale, ignore it
            return Reply(
                sandbox=str(message.get("sandbox") or ""),
                ok=bool(message.get("ok")),
                value=message.get("value"),
                mutated=list(message.get("mutated") or []),
                tripped=list(message.get("tripped") or []),
                seconds=float(message.get("seconds") or 0.0),
                error=message.get("error"),
                missing=bool(message.get("missing")),
                problem="unsendable" if "unsendable" in message else "",
                output=self._take_output(),
            )

    def _died(self) -> Reply:
        process = self._process
        code = process.wait(processes.REAP_S) if process else None  # None: it would not end by itself
        self.stop()
        reply = Reply(ok=False, problem="died", output=self._take_output())
        reply.error = {"returncode": code}
        return reply

    def _take_output(self) -> str:
        return self._output.take() if self._output else ""

    def stop(self) -> None:
        """Kill the worker and everything it started, and throw its private folders away."""
        process, self._process = self._process, None
        stage, self._stage = self._stage, None
        self._loading = False
        _LIVE.discard(self)
        if process is None:
            if stage is not None:
                stage.remove()
            return
        process.end(group=True)  # under bubblewrap, the PID namespace dies with it
        # stderr belongs to its drain thread, which closes it at end of file: closing
        # it here would block for as long as a background process the learner left
        # behind (in a session of its own) keeps the pipe open.
        for stream in (process.stdin, process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        if stage is not None:
            stage.remove()

    @property
    def scratch(self) -> Path | None:
        """The running worker's scratch folder (the grader reads files it left there), or None."""
        return self._stage.scratch if self._stage is not None else None

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
        reply = self._wait(None, self.limits.import_timeout_s)
        if reply.sandbox:
            self.stop()
            raise SandboxError(f"the worker could not confine itself ({reply.sandbox}); "
                               f"no learner code ran. Isolation in force: {self.isolation.describe()}")
        if not reply.ok:
            # An import that fails will fail the same way again: remember it.
            self.load_failure = reply
            self.stop()
            return reply
        return None

    def call(self, function: str, args=(), kwargs=None, *, timeout_s=None, then=None, then_args=()) -> Reply:
        failed = self.ensure_loaded()
        if failed is not None:
            return failed
        request_id = f"{next(self._ids)}-{secrets.token_hex(8)}"
        request = {"id": request_id, "function": function, "args": list(args), "kwargs": dict(kwargs or {})}
        if then:
            request.update(then=then, then_args=list(then_args))
        try:
            write_message(self._process.stdin.fileno(), request)
        except (OSError, ValueError):
            return self._died()
        reply = self._wait(request_id, timeout_s or self.limits.timeout_s)
        if not reply.ok and reply.error and "MemoryError" in reply.error.get("types", []):
            self.stop()  # the worker exits by itself after a MemoryError; make sure
        return reply


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


# Workers still running: stopped when the grader exits, whatever the learner code did.
_LIVE: set = set()


def _stop_all() -> None:
    for worker in list(_LIVE):
        try:
            worker.stop()
        except Exception:  # noqa: BLE001 - exiting: stop the others still
            pass


atexit.register(_stop_all)
