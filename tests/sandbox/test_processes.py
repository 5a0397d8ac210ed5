"""grader.sandbox.processes: the one supervisor of child processes (workers, batch children)."""

from __future__ import annotations

import multiprocessing
import os
import sys
import textwrap
import time

import psutil
import pytest
from conftest import PROJECT_ROOT

from grader.sandbox import processes

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="subreapers are a Linux feature")


@pytest.fixture
def python(tmp_path):
    """Start ``python -c code`` as a supervised child; every one is ended (and its pipes closed) after the test."""
    started = []

    def start(code: str) -> processes.Child:
        env = processes.child_environment(extra={"PYTHONPATH": str(PROJECT_ROOT)})
        child = processes.start([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, env=env)
        started.append(child)
        return child

    yield start
    for child in started:
        child.end()
        for stream in (child.stdin, child.stdout, child.stderr):
            stream.close()


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_for(path, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.02)
    raise AssertionError(f"{path} was never written")


@linux_only
def test_ending_a_child_ends_its_whole_tree_double_forked_daemons_included(tmp_path, python):
    """As a worker does, the child becomes a subreaper; a grandchild in a session of its own,
    orphaned by a double fork, is still found and killed (its process group would not be)."""
    pids = tmp_path / "pids"
    child = python(f"""
        import os, time
        from grader.sandbox.processes import become_subreaper

        become_subreaper()
        root = os.getpid()
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:  # the daemon: orphaned as soon as its parent exits, and adopted by root
                while os.getppid() != root:
                    time.sleep(0.01)
                sleeper = os.fork()
                if sleeper == 0:
                    time.sleep(600)
                with open({str(pids)!r} + ".part", "w") as out:
                    out.write(f"{{os.getpid()}} {{sleeper}}")
                os.rename({str(pids)!r} + ".part", {str(pids)!r})
                time.sleep(600)
            os._exit(0)
        time.sleep(600)
    """)
    daemon, sleeper = (int(pid) for pid in _wait_for(pids).split())
    assert psutil.Process(daemon).ppid() == child.pid, "the orphan was reparented to the subreaper"
    assert os.getsid(daemon) != os.getsid(child.pid)
    assert os.getsid(child.pid) == child.pid, "the child runs in a session of its own"
    code = child.end()
    assert code == -9
    assert _gone(daemon) and _gone(sleeper) and _gone(child.pid)


def test_a_child_that_outlives_its_deadline_is_waited_for_no_longer(python):
    child = python("import time; time.sleep(600)")
    started = time.monotonic()
    assert child.wait(0.3) is None and child.poll() is None
    assert child.wait_until(time.monotonic() + 0.2) is None
    waited = time.monotonic() - started
    assert 0.5 <= waited < 5, waited
    assert child.end() == -9 and child.poll() == -9
    assert processes.exit_words(child.poll()) == "was killed by signal 9"


def test_a_child_that_ends_in_time_gives_its_exit_code(python):
    child = python("import sys; sys.stdout.write(sys.stdin.read().upper()); raise SystemExit(3)")
    child.stdin.write(b"hello")
    child.stdin.close()
    assert child.wait(30) == 3
    assert child.stdout.read() == b"HELLO"
    assert child.end() == 3  # nothing left to kill; the code stays


def test_a_multiprocessing_child_is_supervised_alike():
    """The batch's fork-server children are multiprocessing processes."""
    process = multiprocessing.get_context("spawn").Process(target=time.sleep, args=(600,))
    process.start()
    child = processes.Child(process)
    try:
        assert child.wait(0.2) is None and child.poll() is None
    finally:
        code = child.end()
    assert code == -9 and _gone(process.pid)
    process.close()


@pytest.mark.parametrize("code, instructor, learner", [
    (7, "exited with code 7", "exited with code 7 (did the code call `os._exit` or `exit`?)"),
    (0, "exited with code 0", "exited with code 0 (did the code call `os._exit` or `exit`?)"),
    (-9, "was killed by signal 9", "was killed by a signal (SIGKILL: most often the system ran out of memory)"),
    (-11, "was killed by signal 11", "was killed by a signal (SIGSEGV: a crash)"),
    (-15, "was killed by signal 15", "was killed by a signal (signal 15)"),
    (None, "did not end", "stopped responding and was ended"),
])
def test_exit_words(code, instructor, learner):
    assert processes.exit_words(code) == instructor
    assert processes.exit_words(code, for_learner=True) == learner


@pytest.mark.parametrize("how, code", [("import os; os._exit(4)", 4),
                                       ("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", -11)])
def test_the_words_of_a_real_exit(python, how, code):
    child = python(how)
    assert child.wait(30) == code
    assert processes.exit_words(child.end()) == ("exited with code 4" if code == 4 else "was killed by signal 11")


def test_a_childs_environment(monkeypatch):
    monkeypatch.setenv("PYTEST_SOMETHING", "1")
    monkeypatch.setenv("PIXELGRADE_SECRET_TOKEN", "hunter2")
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("OMP_NUM_THREADS", "64")
    batch = processes.child_environment(drop_prefixes=("PYTEST_",), extra={"PYTHONPATH": "/x"})
    assert "PYTEST_SOMETHING" not in batch and batch["PIXELGRADE_SECRET_TOKEN"] == "hunter2"
    assert batch["OMP_NUM_THREADS"] == "1" and batch["PYTHONHASHSEED"] == "0" and batch["PYTHONPATH"] == "/x"
    worker = processes.child_environment(keep=("LANG", "NOT_SET_ANYWHERE"), threads=2, extra={"HOME": "/scratch"})
    assert worker == {"LANG": "C.UTF-8", "HOME": "/scratch", **processes.pinned_environment(2)}
    assert processes.pinned_environment(2)["MKL_NUM_THREADS"] == "2"
