"""Limits hold for a worker's whole tree, and nothing of it outlives its stop (issue 21).

At the full level (bubblewrap) and at the Landlock-only one (a container's): memory and
processes are limited for the tree, not per process (a cgroup per worker,
grader.sandbox.cgroups), and a double-forked process in a session of its own, whose worker
turned its own subreaper off, is gone once the worker is stopped: with the cgroup, and
without one (the grader adopts and ends it).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest
from conftest import PROJECT_ROOT

from grader.core import failures
from grader.core.learner import LearnerModule
from grader.sandbox import cgroups, isolation, processes
from grader.sandbox.client import Limits, WorkerProcess

LEVELS = ["auto", "landlock"]
MiB = 1024**2
# CI runs as root (a cgroup per worker, uid 65534): there every test here runs, and fails if the
# machine stops giving cgroups. A developer's unprivileged run has neither to test.
pytestmark = pytest.mark.skipif(sys.platform != "linux" or os.geteuid() != 0,
                                reason="cgroups and the sandbox's uid need Linux and root (as in CI)")


@pytest.fixture(params=LEVELS)
def level(request, monkeypatch):
    """Force an isolation level (each mode is detected once, and cached, by its name)."""
    monkeypatch.setenv(isolation.MODE_ENV, request.param)
    return request.param


def test_this_machine_gives_workers_a_cgroup():
    """CI's kind of machine (root, cgroup v1 with memory and pids): every limit below needs it."""
    assert cgroups.available()


HOSTILE = '''
    import ctypes, os, sys, time

    try:
        AT_IMPORT = open("/proc/self/cgroup").read()
    except OSError as error:  # Landlock: not its to read
        AT_IMPORT = str(error)
    libc = ctypes.CDLL(None, use_errno=True)


    def _name(token):
        libc.prctl(15, token.encode()[:15], 0, 0, 0)  # PR_SET_NAME: the grader finds it by this name


    def where():
        return AT_IMPORT


    def three_children(megabytes, nap):
        """Three children of `megabytes` each, alive together for `nap` seconds."""
        children = []
        for _ in range(3):
            pid = os.fork()
            if pid == 0:
                block = b"\\1" * (megabytes << 20)  # written, so really in memory
                time.sleep(nap)
                os._exit(len(block) and 0)
            children.append(pid)
        return [os.waitpid(child, 0)[1] for child in children]


    def fork_bomb(token):
        made = 0
        try:
            while True:
                if os.fork() == 0:
                    _name(token)
                    time.sleep(600)
                    os._exit(0)
                made += 1
        except OSError as error:
            print(f"forked {made} before {type(error).__name__}", file=sys.stderr, flush=True)
        return made


    def escape(token):
        """A double-forked sleeper in a session of its own, past the worker's subreaper (turned off)."""
        libc.prctl(36, 0, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER off
        child = os.fork()
        if child == 0:
            os.setsid()
            if os.fork() == 0:
                _name(token)
                os.closerange(0, 4096)
                time.sleep(600)
                os._exit(0)
            os._exit(0)
        os.waitpid(child, 0)
        return os.getpid()
'''


@pytest.fixture
def hostile(tmp_path):
    (tmp_path / "hostile.py").write_text(textwrap.dedent(HOSTILE))
    return tmp_path / "hostile.py"


def _named(token: str) -> list[psutil.Process]:
    """The live (not zombie) processes named ``token``."""
    found = []
    for process in psutil.process_iter(["name", "status"]):
        if process.info["name"] == token[:15] and process.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(process)
    return found


def _wait_for_named(token: str, timeout: float = 10.0) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _named(token)
        if found:
            return found
        time.sleep(0.05)
    return []


def _kill_named(token: str) -> None:
    """Should a test fail, leave nothing of its own behind (its processes carry its unique token)."""
    for process in _named(token):
        try:
            process.kill()
        except psutil.Error:
            pass


def _cgroup_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.split(":")[1] in ("memory", "pids")]


def test_every_process_of_a_worker_is_in_its_cgroup_from_the_start(hostile, monkeypatch):
    """bubblewrap forks as soon as it starts: the child joined the cgroup before its exec, or that
    first fork would be outside it. The cgroup goes with the worker."""
    monkeypatch.setenv(isolation.MODE_ENV, "auto")
    worker = WorkerProcess("hostile", hostile, limits=Limits(timeout_s=20))
    try:
        assert worker.call("three_children", (1, 0.0)).ok
        folders = worker._cgroup.unique_folders()
        tree = [worker._process.pid, *processes.descendants(worker._process.pid)]
        seen = {pid: Path(f"/proc/{pid}/cgroup").read_text() for pid in tree}
    finally:
        worker.stop()
    assert len(tree) >= 3, tree  # bubblewrap, its init in the PID namespace, the worker
    for pid, text in seen.items():
        lines = _cgroup_lines(text)
        assert len(lines) == 2 and all(line.endswith("/" + folders[0].name) for line in lines), (pid, text)
    assert not any(folder.exists() for folder in folders)


def test_learner_code_runs_in_the_cgroup_from_its_first_line(hostile, monkeypatch):
    """Seen from inside (the plain level: Landlock would hide /proc/self/cgroup), at import."""
    monkeypatch.setenv(isolation.MODE_ENV, "plain")
    worker = WorkerProcess("hostile", hostile, limits=Limits(timeout_s=20))
    try:
        reply = worker.call("where")
        name = worker._cgroup.unique_folders()[0].name
    finally:
        worker.stop()
    assert reply.ok, reply
    lines = _cgroup_lines(reply.value)
    assert len(lines) == 2 and all(line.endswith("/" + name) for line in lines), reply.value


def test_memory_is_limited_for_the_whole_tree(hostile, level):
    """Three children of 200 MiB under a limit of 256 MiB (the issue's 400 under 512, halved: the
    kernel takes seconds to reclaim before it kills): each passes the per-process limit, the tree does not."""
    proxy = LearnerModule("hostile", hostile, limits=Limits(timeout_s=30, memory_bytes=256 * MiB))
    try:
        with pytest.raises(failures.OutOfMemory) as error:
            proxy.three_children(200, 0.5)
    finally:
        proxy.close()
    message = error.value.message
    assert "with the processes it started, it ran out of memory (the limit is 256 MiB for all" in message, message


def test_a_fork_bomb_stops_at_the_process_limit_and_leaves_nothing(hostile, level):
    token = "pgb" + secrets.token_hex(5)
    worker = WorkerProcess("hostile", hostile, limits=Limits(timeout_s=30, processes=48))
    try:
        reply = worker.call("fork_bomb", (token,))
        left = _named(token)
    finally:
        worker.stop()
        time.sleep(0.2)
        after = _named(token)
        _kill_named(token)
    assert not reply.ok and reply.problem == "limit" and reply.limit == "processes", reply
    made = int(reply.output.split("forked ")[1].split()[0])
    assert 0 < made < 48 and "BlockingIOError" in reply.output, reply.output
    assert left == [] and after == []  # the call's failure stopped the worker, and all its tree


def test_a_double_forked_session_leader_does_not_outlive_its_worker(hostile, level):
    token = "pge" + secrets.token_hex(5)
    worker = WorkerProcess("hostile", hostile, limits=Limits(timeout_s=20))
    try:
        reply = worker.call("escape", (token,))
        escaped = _wait_for_named(token)
        assert reply.ok and len(escaped) == 1, (reply, escaped)
        assert escaped[0].ppid() != worker._process.pid  # it left the worker's tree
        worker.stop()
        gone = psutil.wait_procs(escaped, timeout=5)[1] == [] or _named(token) == []
    finally:
        worker.stop()
        _kill_named(token)
    assert gone and _named(token) == []


WITHOUT_CGROUP = '''
import json, subprocess, sys, time
from pathlib import Path

import psutil

from grader.sandbox import cgroups

cgroups.create = lambda **limits: None  # as on a machine without cgroups for the grader
from grader.sandbox.client import Limits, WorkerProcess

token = sys.argv[2]
own = subprocess.Popen(["sleep", "60"])  # a child of the grader's own: never the worker's to end
worker = WorkerProcess("hostile", Path(sys.argv[1]), limits=Limits(timeout_s=20))
reply = worker.call("escape", (token,))

def named():
    return [p for p in psutil.process_iter(["name", "status"])
            if p.info["name"] == token and p.info["status"] != psutil.STATUS_ZOMBIE]

deadline = time.monotonic() + 10
while not named() and time.monotonic() < deadline:
    time.sleep(0.05)
before = [(p.pid, p.ppid()) for p in named()]
worker.stop()
time.sleep(0.2)
after = [p.pid for p in named()]
zombies = [c.pid for c in psutil.Process().children() if c.status() == psutil.STATUS_ZOMBIE]
print(json.dumps({"ok": reply.ok, "before": before, "after": after, "zombies": zombies,
                  "own_alive": own.poll() is None, "me": __import__("os").getpid()}))
own.kill()
own.wait()
for p in named():
    p.kill()
'''


def test_without_a_cgroup_the_grader_adopts_and_ends_what_escaped(hostile):
    """The Landlock-only level on a machine without cgroups: the grader, a subreaper, adopts the
    escaped sleeper (it runs as the sandbox's uid), ends it and reaps it; its own child lives on."""
    token = "pga" + secrets.token_hex(5)
    try:
        done = subprocess.run([sys.executable, "-c", WITHOUT_CGROUP, str(hostile), token], cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, isolation.MODE_ENV: "landlock"})
    finally:
        _kill_named(token)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["ok"] and len(result["before"]) == 1, result
    assert result["before"][0][1] == result["me"], "the escaped process was adopted by the grader"
    assert result["after"] == [] and result["zombies"] == [], result
    assert result["own_alive"] is True


def test_v2_a_subtree_shared_with_others_is_left_alone(tmp_path, monkeypatch):
    """cgroup v2 (not this machine's): controllers are enabled for workers only when the grader is
    alone in its cgroup, after it moved into a leaf of its own; anyone else's cgroup is not rearranged."""
    base = tmp_path / "grader.scope"
    base.mkdir()
    (base / "cgroup.controllers").write_text("cpu memory pids\n")
    (base / "cgroup.subtree_control").write_text("\n")
    (base / "cgroup.procs").write_text(f"{os.getpid()}\n1234\n")
    assert cgroups._v2_ready(base) is False
    assert (base / "cgroup.subtree_control").read_text() == "\n" and len(list(base.iterdir())) == 3
    (base / "cgroup.procs").write_text(f"{os.getpid()}\n")
    assert cgroups._v2_ready(base) is True
    assert (base / f"pixelgrade-grader-{os.getpid()}" / "cgroup.procs").read_text() == "0"
    assert (base / "cgroup.subtree_control").read_text() == "+memory +pids"
    (base / "cgroup.controllers").write_text("cpu\n")
    assert cgroups._v2_ready(base) is False  # no memory controller to limit with


def test_a_cgroup_mount_is_found_where_its_hierarchy_is_seen(monkeypatch):
    assert cgroups._folder("/", "/sys/fs/cgroup/memory", "/a/b") == Path("/sys/fs/cgroup/memory/a/b")
    assert cgroups._folder("/a", "/mnt/memory", "/a/b") == Path("/mnt/memory/b")
    assert cgroups._folder("/a", "/mnt/memory", "/ab") is None
