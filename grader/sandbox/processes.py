"""Child processes: start one, wait for it within a deadline, end its whole tree, say how it ended.

The grader's one supervisor of processes, for the sandbox's workers
(:mod:`grader.sandbox.client`) and a batch's grading children (:mod:`grader.instructor.batch`,
forked from a fork server or started as fresh interpreters). The worker and batch
children use it themselves too: they become subreapers, so that a learner's double
fork stays in their tree instead of escaping to init, and a batch child ends what
its learners left behind.

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


def start(command, *, cwd, env, stdin=PIPE, stdout=PIPE, stderr=PIPE) -> Child:
    """Start ``command`` as a :class:`Child`, in a session of its own (POSIX), so that no
    terminal signal meant for the grader reaches it and its group can be killed as one.

    The streams are pipes unless given (a file, ``subprocess.DEVNULL``); ``OSError`` when it cannot start.
    """
    import subprocess

    process = subprocess.Popen(command, stdin=stdin, stdout=stdout, stderr=stderr, cwd=str(cwd), env=env,
                               start_new_session=(os.name == "posix"))
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
