"""Child processes: start one, wait for it within a deadline, end its whole tree, say how it ended.

The grader's one supervisor of processes, for the sandbox's workers
(:mod:`grader.sandbox.client`) and a batch's grading children (:mod:`grader.instructor.batch`,
forked from a fork server or started as fresh interpreters). The worker and batch
children use it themselves too: they become subreapers, so that a learner's double
fork stays in their tree instead of escaping to init, and a batch child ends what
its learners left behind. Where a worker gets no cgroup (:mod:`grader.sandbox.cgroups`),
the grader becomes a subreaper too, and :func:`end_adopted` ends the orphans of a
worker that left its tree (learner code can turn the worker's own subreaper off).

The worker imports this module (from its copy of the sandbox's code) for
:func:`become_subreaper` alone: what only the grader's side needs (subprocess,
psutil) is imported when first used.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time

_PR_SET_CHILD_SUBREAPER = 36
_KILL = getattr(signal, "SIGKILL", signal.SIGTERM)  # Windows has no SIGKILL; SIGTERM ends the process there
REAP_S = 5.0  # how long a killed process gets to be reaped before it is reported as not ended
PIPE = -1  # subprocess.PIPE, without importing subprocess here


# -- the environment ------------------------------------------------------------------------
def pinned_environment(threads: int = 1) -> dict[str, str]:
    """What every child of the grader runs with, trusted or not.

    One hash seed, so that nothing that iterates over a set grades differently from one
    run to the next; and the numeric libraries held to ``threads`` threads each, since
    children run side by side (batch jobs, one worker per exercise).
    """
    count = str(threads)
    return {"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": count, "OPENBLAS_NUM_THREADS": count, "MKL_NUM_THREADS": count}


def child_environment(*, keep=None, drop_prefixes=(), threads: int = 1, extra: dict | None = None) -> dict[str, str]:
    """A child's whole environment: some of ours, then :func:`pinned_environment`, then ``extra``.

    ``keep``: the only names of ours it inherits (a worker: nothing that could name a
    secret); without it, all of ours except the names that start with ``drop_prefixes``
    (a batch child runs the grader itself, which needs its settings, but not pytest's).
    """
    if keep is not None:
        env = {name: os.environ[name] for name in keep if name in os.environ}
    else:
        dropped = tuple(drop_prefixes)
        env = {name: value for name, value in os.environ.items() if not (dropped and name.startswith(dropped))}
    env.update(pinned_environment(threads))
    env.update(extra or {})
    return env


# -- one child ----------------------------------------------------------------------------------
class Child:
    """A started child process, a ``subprocess.Popen`` or a ``multiprocessing.Process``, supervised.

    :meth:`end` kills it and every process it started, whatever they did to get away
    (a session of their own, a double fork), and reaps it.
    """

    def __init__(self, process):
        self.process = process
        self.pid: int | None = process.pid
        self._popen = hasattr(process, "communicate")  # else a multiprocessing.Process

    @property
    def stdin(self):
        return getattr(self.process, "stdin", None)

    @property
    def stdout(self):
        return getattr(self.process, "stdout", None)

    @property
    def stderr(self):
        return getattr(self.process, "stderr", None)

    def poll(self) -> int | None:
        """Its exit code (negative: the signal that killed it), or None while it runs."""
        return self.process.poll() if self._popen else self.process.exitcode

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait up to ``timeout`` seconds (None: however long it takes) for it to end: its exit code, or None."""
        if not self._popen:
            self.process.join(timeout)
            return self.process.exitcode
        import subprocess

        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def wait_until(self, deadline: float) -> int | None:
        """:meth:`wait` until ``deadline`` (a ``time.monotonic()`` value)."""
        return self.wait(max(0.0, deadline - time.monotonic()))

    def end(self, *, group: bool = False, reap_s: float | None = REAP_S) -> int | None:
        """Kill its whole tree (and its process group too, with ``group``), then reap it: its exit code.

        None: it had not ended ``reap_s`` seconds after the kill.
        """
        if self.pid is None:
            return None
        if self.poll() is None:  # not reaped, so its pid is still its own (a zombie's included)
            kill_tree(self.pid, group=group)
        elif group:
            # Reaped already: its pid may be another process's by now, so no tree is looked
            # up by it; its group, though, may outlive it (and keeps the number in use meanwhile).
            _kill_group(self.pid)
        return self.wait(reap_s)


def start(command, *, cwd, env, stdin=PIPE, stdout=PIPE, stderr=PIPE, before_exec=None) -> Child:
    """Start ``command`` as a :class:`Child`, in a session of its own (POSIX), so that no
    terminal signal meant for the grader reaches it and its group can be killed as one.

    The streams are pipes unless given (a file, ``subprocess.DEVNULL``); ``OSError`` when it
    cannot start. ``before_exec``: a function the child runs between its fork and its exec
    (POSIX), before the command can run anything: e.g. joining a cgroup
    (:meth:`grader.sandbox.cgroups.WorkerCgroup.join`). It must only make system calls on
    what it was given: the child is a copy of a process that may have other threads.
    """
    import subprocess

    process = subprocess.Popen(command, stdin=stdin, stdout=stdout, stderr=stderr, cwd=str(cwd), env=env,
                               start_new_session=(os.name == "posix"), preexec_fn=before_exec)
    return Child(process)


# -- how a process ended ------------------------------------------------------------------------
_SIGNAL_CAUSES = {9: "SIGKILL: most often the system ran out of memory", 11: "SIGSEGV: a crash", 6: "SIGABRT: an abort"}


def exit_words(code: int | None, *, for_learner: bool = False) -> str:
    """How a process ended, to follow "the process ...": ``exited with code 3``, ``was killed by signal 9``.

    An instructor's note (a batch row) names the signal's number; a learner's message
    (``for_learner``) says what most likely sent it and asks whether their code ended the
    process itself. ``code``: an exit code as ``subprocess`` gives it (negative: a signal),
    None for a process that had to be ended.
    """
    if code is None:
        return "stopped responding and was ended" if for_learner else "did not end"
    if code < 0:
        if for_learner:
            return f"was killed by a signal ({_SIGNAL_CAUSES.get(-code, f'signal {-code}')})"
        return f"was killed by signal {-code}"
    if for_learner:
        return f"exited with code {code} (did the code call `os._exit` or `exit`?)"
    return f"exited with code {code}"


# -- process trees ------------------------------------------------------------------------------
def become_subreaper() -> None:
    """Orphans of this process's descendants become its children, so they can be ended (Linux only)."""
    if sys.platform != "linux":
        return
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def descendants(pid: int) -> list[int]:
    """The pids of ``pid``'s descendants now, read from ``/proc/<pid>/task/*/children`` (Linux; else psutil).

    Cheap enough to call after every call of a worker: a few small reads, not a scan of every process.
    """
    found, pending = [], [pid]
    while pending:
        parent = pending.pop()
        try:
            threads = os.listdir(f"/proc/{parent}/task")
            children = []
            for thread in threads:
                with open(f"/proc/{parent}/task/{thread}/children") as listing:
                    children += [int(child) for child in listing.read().split()]
        except FileNotFoundError:
            if parent == pid and not os.path.isdir("/proc/self/task"):
                return _descendants_by_psutil(pid)  # no /proc (macOS)
            continue  # it ended meanwhile
        except (OSError, ValueError):
            continue
        found += children
        pending += children
    return found


def _descendants_by_psutil(pid: int) -> list[int]:
    import psutil

    with contextlib.suppress(psutil.Error, OSError):
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    return []


def identity(pid: int) -> tuple[int, float] | None:
    """``(pid, start time)``: a process, told apart from a later one given the same pid; None once it is gone."""
    import psutil

    with contextlib.suppress(psutil.Error, OSError):
        return pid, psutil.Process(pid).create_time()
    return None


def tree_cpu_seconds(pid: int) -> float | None:
    """The CPU time (user and system) used so far by ``pid``, its descendants and the children they reaped.

    What the grader reads of a worker without a cgroup, twice per call: from
    ``/proc/<pid>/stat`` (one read per process; psutil elsewhere). A descendant that ended
    and was reaped within the tree still counts; one reaped by init no longer does.
    None: ``pid`` is gone.
    """
    total = _cpu_seconds(pid)
    if total is None:
        return None
    for child in descendants(pid):
        total += _cpu_seconds(child) or 0.0
    return total


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") and "SC_CLK_TCK" in os.sysconf_names else 100


def _cpu_seconds(pid: int) -> float | None:
    """One process's CPU time and its reaped children's (utime, stime, cutime, cstime)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rpartition(b")")[2].split()  # after the name, which may hold anything
        return sum(int(field) for field in fields[11:15]) / _TICKS
    except FileNotFoundError:
        if os.path.isdir("/proc/self"):
            return None  # it ended
    except (OSError, ValueError):
        return None
    import psutil  # no /proc (macOS)

    try:
        times = psutil.Process(pid).cpu_times()
    except (psutil.Error, OSError):
        return None
    return times.user + times.system + times.children_user + times.children_system


def end_adopted(belongs, *, keep=(), wait_s: float = REAP_S) -> list[int]:
    """Kill (with their descendants) and reap the children of this process that ``belongs`` claims.

    For a subreaper (:func:`become_subreaper`): the orphans it adopted from a worker's tree.
    ``belongs(process)`` (a ``psutil.Process``) says whether a child is one; a pid in ``keep``
    is never touched (the grader's own children: live workers, a batch's processes). Returns
    the pids it ended.
    """
    import psutil

    try:
        children = psutil.Process().children()
    except (psutil.Error, OSError):
        return []
    ended = []
    for child in children:
        if child.pid in keep:
            continue
        try:
            claimed = belongs(child)
        except (psutil.Error, OSError):
            continue
        if claimed:
            kill_tree(child.pid, wait_s=wait_s)
            ended.append(child.pid)
    reap(ended, wait_s=wait_s)
    return ended


def reap(pids, *, wait_s: float = REAP_S) -> None:
    """Collect the exit status of those of ``pids`` that are this process's children, once they end.

    An orphan a subreaper adopted is its child: unless reaped, it stays a zombie for as
    long as the grader runs. Pids that are not its children are left alone (waitpid
    fails at once), so no other code's child is ever reaped behind its back: pass only
    pids that belong to what is being ended.
    """
    if os.name != "posix":
        return
    pending = set(pids)
    deadline = time.monotonic() + wait_s
    while pending:
        for pid in list(pending):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid  # not ours (or reaped already)
            if done:
                pending.discard(pid)
        if pending:
            if time.monotonic() > deadline:
                return
            time.sleep(0.002)


def end_descendants() -> None:
    """Kill every process this one started, and theirs, but not this one (a batch child, done grading)."""
    kill_tree(os.getpid(), include_root=False)


def kill_tree(pid: int, *, include_root: bool = True, group: bool = False, wait_s: float = 5.0) -> None:
    """SIGKILL every descendant of ``pid`` (and ``pid`` itself, and its process group with ``group``).

    The descendants are listed and stopped first, so none can fork away while they are
    killed; a second sweep catches any forked before the first list was taken. Returns
    once none of them runs: a zombie counts as dead (it runs nothing, and reaping an
    orphaned one is init's job, which may take seconds, or forever in a container
    without an init). Without psutil (an unusual platform), only ``pid``'s group and
    ``pid`` are killed.
    """
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil is a dependency; be safe all the same
        psutil = None
    victims = []
    for _ in range(2):
        found = []
        if psutil is not None:
            with contextlib.suppress(psutil.Error, OSError):
                found = psutil.Process(pid).children(recursive=True)
            for process in found:
                with contextlib.suppress(psutil.Error, OSError):
                    process.suspend()
        if group:
            _kill_group(pid)
        if include_root:
            with contextlib.suppress(OSError):
                os.kill(pid, _KILL)
        for process in found:
            with contextlib.suppress(psutil.Error, OSError):
                process.kill()
        victims += found
    deadline = time.monotonic() + wait_s
    while victims and time.monotonic() < deadline and any(_running(process) for process in victims):
        time.sleep(0.002)


def _kill_group(pgid: int) -> None:
    if os.name == "posix":
        with contextlib.suppress(OSError):
            os.killpg(pgid, _KILL)


def _running(process) -> bool:
    import psutil

    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
