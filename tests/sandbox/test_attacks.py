"""Hostile submissions, graded as a learner's work is graded, hurt no one (issue 21).

Each hostile submission of the histogram exercise tries, from inside its functions, what a
determined learner would: steal the reference (to earn its points), write and chmod files
outside its scratch folder, reach listeners on 127.0.0.1 and on Unix sockets, read other
processes' secrets in /proc, leave a daemon behind, forge its worker's replies. Each is graded
through ``pixelgrade`` (``python -m grader``, all of them in one module) and through
``pixelgrade batch`` (one batch holding each of them, and the stub as the yardstick), at the
full level and with the Landlock-only level forced (``PIXELGRADE_ISOLATION=landlock``: what a
container without namespaces gets; here the runtime lives under /root). Each must hold as
firmly as the other:

- no marker file outside the scratch folder, no file's mode or times changed;
- the reference never read (a copy of the course whose reference carries a marker is graded)
  and no point gained over the stub's;
- every hostile row the learner's failure, never ``grader error``;
- no process left behind, none of the sandbox's uid 65534 either;
- no other uid able to read a private copy of a submission while it is graded;
- the listeners received nothing, and no secret reached any output.

Then the refusals: ``pixelgrade batch`` refuses to run anyone's code where the sandbox would
not protect the others (``PIXELGRADE_ISOLATION=plain``), says why and what to do, and grades
with ``--trust-submissions``, recording it; grading with hidden checks refuses the same way;
the exercises scored on public held-out digits are refused in a batch, the rest graded; a
learner's own ``pixelgrade`` still grades, with one line saying what the level leaves open.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest
from conftest import EXERCISES, PROJECT_ROOT, SOLUTIONS

from grader import api
from grader.cli import main as cli
from grader.core.results import CheckStatus, GradeReport
from grader.instructor import batch
from grader.sandbox import isolation

PYTHON = sys.executable
HIDDEN_EXAMPLE = PROJECT_ROOT / "examples" / "hidden_checks"
SANDBOX_UID = isolation.SANDBOX_UID
EXAMPLES = "3"
linux_root = pytest.mark.skipif(sys.platform != "linux" or os.geteuid() != 0,
                                reason="the CI level (bubblewrap, Landlock, uid 65534) needs Linux and root")


# -- the hostile submissions -------------------------------------------------------------------------------
HEADER = '''
"""A hostile submission of the histogram exercise (tests/sandbox/test_attacks.py)."""
import ctypes, json, os, re, socket, struct, sys, time

import numpy as np

TOKEN = __TOKEN__
PLAN = __PLAN__  # what it aims at: the test's baits
FOUND = {}
# What a secret looks like (the test's markers): whatever it read that matches goes first in its report.
SECRETS = re.compile(r"PG(?:SECRET|REF)-[a-z-]*[0-9a-f]{10}")


def _try(action):
    try:
        return repr(action())[:300]
    except BaseException as error:  # noqa: BLE001 - every failure is a finding
        return type(error).__name__


def _done():
    # What it achieved, in the report (where a test can look for anything it should not have had): the
    # secrets it saw first, as a report may cut a long message short.
    seen = sorted(set(SECRETS.findall(json.dumps(FOUND, default=str))))
    raise RuntimeError("HOSTILE{" + json.dumps({"secrets": seen, **FOUND}, default=str)[:3000] + "}")
'''

THIEF = '''
def _stolen():
    """The reference's functions, from any copy it can read."""
    for path in PLAN["references"]:
        try:
            with open(path) as file:
                source = file.read()
        except OSError as error:
            FOUND["read " + path] = type(error).__name__
            continue
        FOUND["read " + path] = source[:400]  # the reference's marker, if it was read
        namespace = {"__name__": "stolen"}
        exec(compile(source, "stolen", "exec"), namespace)
        return namespace
    try:
        import solutions.histogram as reference  # noqa: F401 - blocked by the worker
        return vars(reference)
    except BaseException as error:  # noqa: BLE001
        FOUND["import solutions"] = type(error).__name__
    return None
'''

VANDAL = '''
def _vandal():
    for path in PLAN["writes"]:
        def write(path=path):
            with open(path, "x") as file:
                file.write(TOKEN)
        FOUND["write " + path] = _try(write)
    FOUND["chmod"] = _try(lambda: os.chmod(PLAN["bait"], 0o777))
    FOUND["utime"] = _try(lambda: os.utime(PLAN["bait"], (0, 0)))
    FOUND["own copy"] = _try(lambda: open(os.path.abspath(__file__), "a").write("# changed"))
'''

NETWORK = '''
def _network():
    def udp():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(TOKEN.encode(), ("127.0.0.1", PLAN["udp"]))

    def tcp():
        with socket.create_connection(("127.0.0.1", PLAN["tcp"]), timeout=2) as sender:
            sender.sendall(TOKEN.encode())

    def unix(address):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sender:
            sender.settimeout(2)
            sender.connect(address)
            sender.sendall(TOKEN.encode())

    FOUND["udp"] = _try(udp)
    FOUND["tcp"] = _try(tcp)
    FOUND["unix abstract"] = _try(lambda: unix(PLAN["abstract"]))
    FOUND["unix path"] = _try(lambda: unix(PLAN["unix"]))
'''

SNOOP = '''
def _snoop():
    parent = os.getppid()
    for path in ("/proc/1/environ", "/proc/%d/environ" % parent, "/proc/%d/cmdline" % parent,
                 "/proc/self/net/unix", "/proc/net/unix", "/proc/net/tcp"):
        FOUND[path] = _try(lambda path=path: open(path, "rb").read(20000).decode("utf-8", "replace"))
    FOUND["environ"] = dict(os.environ)
'''

FORKER = '''
def _named(prefix):
    try:  # PR_SET_NAME: the test finds the process by this name
        ctypes.CDLL(None).prctl(15, (prefix + TOKEN)[:15].encode(), 0, 0, 0)
    except Exception:  # noqa: BLE001
        pass


def _forker():
    if globals().get("_left"):
        return
    globals()["_left"] = True
    if os.fork() == 0:  # a child that keeps the worker's pipes open
        _named("pgc")
        time.sleep(300)
        os._exit(0)
    child = os.fork()
    if child == 0:
        os.setsid()
        if os.fork() == 0:  # a daemon: a session of its own, its parent gone, its pipes let go
            _named("pgd")
            os.closerange(0, 4096)
            time.sleep(300)
        os._exit(0)
    os.waitpid(child, 0)
    FOUND["forked"] = True
'''

LIAR = '''
def _frame(body, blobs=()):
    def tagged(value):
        if isinstance(value, dict) and "__ndarray__" not in value:
            return {"__dict__": [[key, tagged(item)] for key, item in value.items()]}
        return value

    data = json.dumps({"body": tagged(body), "blobs": list(blobs)}).encode()
    return struct.pack(">Q", len(data)) + data


def _liar(kind):
    """Write a forged reply on every pipe it may write to but stderr, with the id of the request."""
    request_id, frame = None, sys._getframe(1)
    while frame is not None and request_id is None:
        request = frame.f_locals.get("request")
        request_id = request.get("id") if isinstance(request, dict) else None
        frame = frame.f_back
    if kind == "malformed":
        forged = _frame({"id": request_id, "ok": True, "value": np.zeros(256, np.int64).tolist(), "mutated": 7,
                         "tripped": "all", "seconds": "fast", "error": ["x"]})
    else:  # announces 4 GiB, sends 1 MiB of it
        array = {"__ndarray__": 0, "dtype": "|u1", "shape": [4 << 30]}
        forged = _frame({"id": request_id, "ok": True, "value": array}, [4 << 30]) + bytes(1 << 20)
    stderr = os.fstat(2).st_ino
    for fd in range(3, 64):
        try:
            if os.fstat(fd).st_ino != stderr and os.get_blocking(fd) is not None:
                os.write(fd, forged)
        except OSError:
            continue
    FOUND["forged " + kind] = True
    time.sleep(0.2 if kind == "malformed" else 5)
'''

# The functions of the exercise: each does the submission's harm, then fails as the stub does.
FUNCTIONS = '''
def histogram(image):
    __HISTOGRAM__
    _done()


def cumulative_histogram(image):
    __CUMULATIVE__
    _done()


def normalised_cdf(image):
    __CDF__
    _done()
'''

STEAL = '''stolen = _stolen()
    if stolen:
        return stolen["{function}"](image)'''

# Each kind: its helpers, and what each of the three functions does (the thief steals in all three).
KINDS = {
    "thief": ([THIEF], {name: STEAL.format(function=name)
                        for name in ("histogram", "cumulative_histogram", "normalised_cdf")}),
    "vandal": ([VANDAL], dict.fromkeys(("histogram", "cumulative_histogram", "normalised_cdf"), "_vandal()")),
    "network": ([NETWORK], dict.fromkeys(("histogram", "cumulative_histogram", "normalised_cdf"), "_network()")),
    "snoop": ([SNOOP], dict.fromkeys(("histogram", "cumulative_histogram", "normalised_cdf"), "_snoop()")),
    "forker": ([FORKER], dict.fromkeys(("histogram", "cumulative_histogram", "normalised_cdf"), "_forker()")),
    "liar": ([LIAR], {"histogram": '_liar("malformed")', "cumulative_histogram": '_liar("huge")',
                      "normalised_cdf": "pass"}),
}
# pixelgrade grades one folder: every kind in one module, the liar's forgeries last (they end the call).
ALL_IN_ONE = ([THIEF, VANDAL, NETWORK, SNOOP, FORKER, LIAR], {
    "histogram": STEAL.format(function="histogram") + "\n    _vandal()\n    _network()\n    _liar(\"malformed\")",
    "cumulative_histogram": STEAL.format(function="cumulative_histogram") + "\n    _snoop()\n    _forker()",
    "normalised_cdf": STEAL.format(function="normalised_cdf") + "\n    _forker()\n    _liar(\"huge\")",
})


def hostile_source(parts: list[str], bodies: dict, plan: dict) -> str:
    text = textwrap.dedent(HEADER).replace("__TOKEN__", repr(plan["token"])).replace("__PLAN__", repr(plan))
    text += "".join(textwrap.dedent(part) for part in parts)
    functions = textwrap.dedent(FUNCTIONS)
    for name, key in (("histogram", "__HISTOGRAM__"), ("cumulative_histogram", "__CUMULATIVE__"),
                      ("normalised_cdf", "__CDF__")):
        functions = functions.replace(key, bodies[name])
    return text + functions


# -- the bench: baits, listeners, a course whose reference carries a marker ------------------------------------
@dataclass
class Bench:
    """Everything the hostile submissions aim at, outside every worker, readable or writable by anyone
    (so that only the sandbox, never a file's permissions, can stop them)."""

    root: Path
    token: str = field(default_factory=lambda: secrets.token_hex(5))
    listeners: dict = field(default_factory=dict)

    def __post_init__(self):
        self.root.chmod(0o755)
        self.reference_marker = f"PGREF-{self.token}"
        self.env_secret = f"PGSECRET-env-{self.token}"
        self.course = self.root / "course-copy"
        for name in ("course", "solutions", "exercises"):
            shutil.copytree(PROJECT_ROOT / name, self.course / name,
                            ignore=shutil.ignore_patterns("__pycache__", ".pixelgrade"))
        reference = self.course / "solutions" / "histogram.py"
        reference.write_text(f"# {self.reference_marker}: the instructor's reference\n" + reference.read_text())
        _open_up(self.course)
        self.open_folder = self.root / "open"
        self.open_folder.mkdir(mode=0o777)
        self.open_folder.chmod(0o777)
        self.bait = self.root / "grader-file.txt"
        self.bait.write_text("a file of the grader's user\n")
        self.bait.chmod(0o644)
        os.utime(self.bait, (1_000_000_000, 1_000_000_000))
        self.tmp = self.root / "tmp"  # the grader's TMPDIR: where the workers' private copies are made
        self.tmp.mkdir(mode=0o755)
        self.tmp.chmod(0o755)
        self.workdir = self.root / "staging"
        self.subs = self.root / "subs"
        self.subs.mkdir()
        marker = f"marker-{self.token}"
        self.markers = [self.open_folder / marker, Path(tempfile.gettempdir()) / marker,
                        self.course / "course" / "checks" / marker, PROJECT_ROOT / marker, self.subs / marker,
                        self.tmp / marker]
        self._listen("udp", socket.AF_INET, socket.SOCK_DGRAM, ("127.0.0.1", 0))
        self._listen("tcp", socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", 0))
        self._listen("abstract", socket.AF_UNIX, socket.SOCK_STREAM, f"\0pgtest-{self.token}")
        self.socket_path = str(self.open_folder / f"pgtest-{self.token}.sock")
        self._listen("unix", socket.AF_UNIX, socket.SOCK_STREAM, self.socket_path)
        os.chmod(self.socket_path, 0o777)
        # A socket whose name only /proc/net/unix could tell: it must reach no output.
        self.secret_socket_name = f"PGSECRET-sock-{self.token}"
        self._listen("secret", socket.AF_UNIX, socket.SOCK_STREAM, str(self.open_folder / self.secret_socket_name))

    def _listen(self, name, family, kind, address):
        listener = socket.socket(family, kind)
        listener.bind(address)
        if kind == socket.SOCK_STREAM:
            listener.listen(8)
        listener.setblocking(False)
        self.listeners[name] = listener

    @property
    def plan(self) -> dict:
        return {"token": self.token,
                "references": [str(self.course / "solutions" / "histogram.py"), str(SOLUTIONS / "histogram.py")],
                "writes": [str(path) for path in self.markers], "bait": str(self.bait),
                "udp": self.listeners["udp"].getsockname()[1], "tcp": self.listeners["tcp"].getsockname()[1],
                "abstract": f"\0pgtest-{self.token}", "unix": self.socket_path}

    def write(self, folder: Path, parts, bodies) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "histogram.py").write_text(hostile_source(parts, bodies, self.plan))
        _open_up(folder)
        return folder

    def environment(self, level: str) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_") and k != isolation.MODE_ENV}
        env.update(PIXELGRADE_COURSE=str(self.course / "course" / "course.toml"), TMPDIR=str(self.tmp),
                   PIXELGRADE_TEST_SECRET=self.env_secret)
        if level != "full":
            env[isolation.MODE_ENV] = level
        return env

    def received(self) -> dict:
        got = {}
        for name, listener in self.listeners.items():
            try:
                if listener.type == socket.SOCK_DGRAM:
                    got[name] = listener.recv(4096)
                else:
                    connection, _ = listener.accept()
                    got[name] = b"(connected)"
                    connection.close()
            except OSError:
                pass
        return got

    def close(self):
        for listener in self.listeners.values():
            listener.close()
        for marker in self.markers:
            with _suppress():
                marker.unlink()
        _make_removable(self.root)
        shutil.rmtree(self.root, ignore_errors=True)


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return exc[0] is not None and issubclass(exc[0], OSError)


def _open_up(folder: Path) -> None:
    """Readable by everyone: only the sandbox may keep learner code out of it."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def _make_removable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        with _suppress():
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)


def checksums(*folders: Path) -> dict[str, str]:
    found = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and ".pixelgrade" not in path.parts:
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


class Watch:
    """While grading runs: the processes named after the token, and the private copies' permissions."""

    def __init__(self, token: str, copies: list[Path]):
        self.token, self.copies = token, copies
        self.named: set[str] = set()
        self.modes: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self):
        while not self._stop.is_set():
            for process in psutil.process_iter(["name"]):
                if self.token[:10] in (process.info["name"] or ""):
                    self.named.add(process.info["name"][:3])
            for folder in self.copies:
                for entry in _entries(folder):
                    with _suppress():
                        self.modes.setdefault(str(entry), entry.lstat().st_mode)
            self._stop.wait(0.02)

    def __enter__(self):
        self.started = time.time()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _entries(folder: Path):
    """The private copies under ``folder``: a worker's stage, a batch's staging folder (not the grader's runtime)."""
    with _suppress():
        for entry in folder.iterdir():
            if entry.name.startswith("pixelgrade-") and not entry.name.startswith("pixelgrade-runtime-"):
                yield entry
                with _suppress():
                    yield from entry.iterdir()


def named_leftovers(token: str, wait_s: float = 1.0) -> list[str]:
    deadline = time.monotonic() + wait_s
    while True:
        alive = [f"pid {p.pid} {p.info['name']}" for p in psutil.process_iter(["name", "status"])
                 if token[:10] in (p.info["name"] or "") and p.info["status"] != psutil.STATUS_ZOMBIE]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def sandbox_orphans(since: float) -> list[str]:
    """Processes of the sandbox's uid started since ``since`` that no live grader holds any more.

    Other graders (other test runs on this machine) may run workers as uid 65534 right now:
    theirs have a parent of another uid alive. An orphan of this run has none left but init
    (or this test process, should it be a subreaper).
    """
    found = []
    for process in psutil.process_iter(["pid", "uids", "create_time", "status", "name"]):
        info = process.info
        if not info["uids"] or info["uids"].real != SANDBOX_UID or info["status"] == psutil.STATUS_ZOMBIE:
            continue
        if info["create_time"] < since - 1:
            continue
        holders = [p for p in _ancestors(process) if p.uids().real != SANDBOX_UID]
        if not holders or holders[0].pid in (1, os.getpid()):
            found.append(f"pid {info['pid']} {info['name']}")
    return found


def _ancestors(process) -> list:
    try:
        return process.parents()
    except psutil.Error:
        return []


def end_named(token: str) -> None:
    """End what the hostile submissions left behind (found by the name only they use), should a test fail."""
    for process in psutil.process_iter(["name"]):
        if token[:10] in (process.info["name"] or ""):
            with _suppress():
                process.kill()


@dataclass
class Run:
    """What one grading of the hostile submissions left: outputs, reports, and what was seen from outside."""

    bench: Bench
    printed: str
    returncode: int
    outputs: dict[str, str]
    reports: dict  # submission id -> GradeReport
    received: dict
    leftovers: list[str]
    orphans: list[str]
    named: set[str]
    modes: dict[str, int]
    before: dict[str, str]
    after: dict[str, str]
    bait_mode: int
    bait_mtime: float
    markers_left: list[str]


def grade_hostile(bench: Bench, runner: str, level: str) -> Run:
    """Grade the hostile submissions through ``runner`` ("cli" or "batch") at ``level``."""
    if runner == "cli":
        target = bench.write(bench.subs / "all-in-one", *ALL_IN_ONE)
        results = bench.root / "results.json"
        command = [PYTHON, "-m", "grader", "histogram", "--target", str(target), "--json", str(results),
                   "--examples", EXAMPLES, "--timeout", "5", "--jobs", "1"]
    else:
        for kind, (parts, bodies) in KINDS.items():
            bench.write(bench.subs / kind, parts, bodies)
        shutil.copytree(EXERCISES, bench.subs / "stub", ignore=shutil.ignore_patterns("__pycache__", ".pixelgrade"))
        _open_up(bench.subs)
        out = bench.root / "out"
        command = [PYTHON, "-m", "grader", "batch", str(bench.subs), "--out", str(out), "-e", "histogram",
                   "--jobs", "2", "--examples", EXAMPLES, "--timeout", "5", "--submission-timeout", "180",
                   "--workdir", str(bench.workdir)]
    protected = (bench.course, bench.subs, SOLUTIONS)
    before = checksums(*protected)
    try:
        with Watch(bench.token, [bench.tmp, bench.workdir]) as watch:
            done = subprocess.run(command, cwd=str(PROJECT_ROOT), env=bench.environment(level), capture_output=True,
                                  text=True, timeout=600)
        leftovers = named_leftovers(bench.token)
        orphans = sandbox_orphans(watch.started)
    finally:
        end_named(bench.token)
    after = checksums(*protected)
    bait = bench.bait.stat()
    if runner == "cli":
        outputs = {"results.json": results.read_text() if results.exists() else ""}
        reports = {"all-in-one": GradeReport.from_dict(json.loads(outputs["results.json"]))
                   if outputs["results.json"] else None}
    else:
        outputs = {str(p.relative_to(out)): p.read_text(errors="replace") for p in out.rglob("*") if p.is_file()}
        loaded = batch.load_batch(out)
        reports = {row.id: row for row in loaded.rows}
    return Run(bench, done.stdout + done.stderr, done.returncode, outputs, reports, bench.received(), leftovers,
               orphans, watch.named, watch.modes, before, after, stat.S_IMODE(bait.st_mode), bait.st_mtime,
               [str(marker) for marker in bench.markers if marker.exists()])


RUNS = [("cli", "full"), ("cli", "landlock"), ("batch", "full"), ("batch", "landlock")]


@pytest.fixture(scope="module", params=RUNS, ids=[f"{runner}-{level}" for runner, level in RUNS])
def hostile(request):
    runner, level = request.param
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("these levels are CI's: Linux, as root, with bubblewrap")
    bench = Bench(Path(tempfile.mkdtemp(prefix="pgtest-attacks-")))
    try:
        yield grade_hostile(bench, runner, level)
    finally:
        bench.close()


def _hostile_reports(run: Run) -> dict:
    """{id: the GradeReport} of every hostile submission (the stub is the yardstick, not one of them)."""
    found = {}
    for key, value in run.reports.items():
        if key != "stub":
            found[key] = value.report if hasattr(value, "report") else value
    return found


# -- what must hold, at both levels, through both commands --------------------------------------------------
def test_the_hostile_code_ran(hostile):
    """Else every other test here would pass for nothing."""
    assert hostile.returncode == 0, hostile.printed[-3000:]
    for name, report in _hostile_reports(hostile).items():
        messages = " ".join(c.message for e in report.exercises for c in e.checks)
        assert "HOSTILE{" in messages, (name, messages[:2000])
    assert "pgc" in hostile.named and "pgd" in hostile.named, hostile.named  # the forker's were seen running


def test_no_file_outside_the_scratch_folder(hostile):
    assert hostile.markers_left == []
    assert hostile.bait_mode == 0o644 and hostile.bait_mtime == 1_000_000_000
    changed = sorted(path for path in set(hostile.before) | set(hostile.after)
                     if hostile.before.get(path) != hostile.after.get(path))
    assert changed == []


def test_the_reference_is_never_read_and_no_point_is_gained(hostile, stub_points):
    marker = hostile.bench.reference_marker
    assert not any(marker in text for text in hostile.outputs.values())
    assert marker not in hostile.printed
    for name, report in _hostile_reports(hostile).items():
        exercise = report.exercise("histogram")
        assert exercise.points <= stub_points and exercise.bonus_points == 0, (name, exercise.points)
    if "stub" in hostile.reports:
        assert hostile.reports["stub"].report.exercise("histogram").points == stub_points


def test_every_hostile_row_is_the_learners_failure(hostile):
    for name, value in hostile.reports.items():
        report = value.report if hasattr(value, "report") else value
        assert report is not None, name
        errors = [c.id for e in report.exercises for c in e.checks if c.status == CheckStatus.GRADER_ERROR]
        assert errors == [], name
        if hasattr(value, "status"):
            assert value.status == batch.RowStatus.GRADED, (name, value.status, value.notes)


def test_no_process_is_left_behind(hostile):
    assert hostile.leftovers == []
    assert hostile.orphans == []


def test_no_other_uid_can_read_a_private_copy(hostile):
    assert hostile.modes, "no private copy was seen while grading ran"
    readable = {path: oct(stat.S_IMODE(mode)) for path, mode in hostile.modes.items()
                if stat.S_ISDIR(mode) and mode & 0o007 and Path(path).parent in (hostile.bench.tmp,
                                                                                    hostile.bench.workdir)}
    assert readable == {}, readable


def test_nothing_reaches_a_listener_or_an_output(hostile):
    assert hostile.received == {}
    secrets_ = [hostile.bench.env_secret, hostile.bench.secret_socket_name]
    for name, text in [*hostile.outputs.items(), ("printed", hostile.printed)]:
        assert [s for s in secrets_ if s in text] == [], name


@pytest.fixture(scope="module")
def stub_points():
    return api.grade(["histogram"], target=EXERCISES, max_examples=int(EXAMPLES), pictures=None).exercise(
        "histogram").points


# -- the refusals -----------------------------------------------------------------------------------------
def test_batch_refuses_where_the_sandbox_does_not_protect_others(tmp_path):
    bench = Bench(Path(tempfile.mkdtemp(prefix="pgtest-refusal-")))
    try:
        bench.write(bench.subs / "vandal", *KINDS["vandal"])
        out = tmp_path / "out"
        done = subprocess.run([PYTHON, "-m", "grader", "batch", str(bench.subs), "--out", str(out), "-e", "histogram"],
                              cwd=str(PROJECT_ROOT), env=bench.environment("plain"), capture_output=True, text=True,
                              timeout=120)
        said = " ".join((done.stdout + done.stderr).split())
        assert done.returncode == 2, said
        for words in ("pixelgrade batch runs other people's code", "PIXELGRADE_ISOLATION=plain",
                      "Nothing was graded", "pixelgrade dev sandbox", "--trust-submissions"):
            assert words in said, (words, said)
        assert not out.exists() and [m for m in bench.markers if m.exists()] == []  # no learner code ran
    finally:
        bench.close()


def test_trusted_batch_grades_and_says_so(tmp_path, monkeypatch, capsys):
    """--trust-submissions: the instructor vouches for the class; it is graded (hidden checks too), and recorded."""
    monkeypatch.setenv(isolation.MODE_ENV, "plain")
    (tmp_path / "subs" / "good").mkdir(parents=True)
    shutil.copy(SOLUTIONS / "histogram.py", tmp_path / "subs" / "good" / "histogram.py")
    out = tmp_path / "out"
    code = cli.main(["batch", str(tmp_path / "subs"), "--out", str(out), "-e", "histogram", "--examples", EXAMPLES,
                     "--trust-submissions", "--hidden-checks", str(HIDDEN_EXAMPLE), "--jobs", "1"])
    printed = capsys.readouterr()
    assert code == 0, printed.out + printed.err
    assert "--trust-submissions" in printed.err and "unprotected" in printed.err
    report = batch.load_batch(out)
    assert report.settings["trust_submissions"] is True
    assert report.settings["isolation_unprotected"] == isolation.current().unprotected() != []
    row = report.row("good")
    assert row.status == batch.RowStatus.GRADED, row.notes
    assert row.report.settings["trust_submissions"] is True
    assert any(c.hidden for c in row.report.exercise("histogram").checks)


def test_hidden_checks_refuse_where_the_sandbox_does_not_protect_others(tmp_path, monkeypatch):
    monkeypatch.setenv(isolation.MODE_ENV, "plain")
    with pytest.raises(api.LearnerCodeRefused, match="Grading with hidden checks runs other people's code"):
        api.grade(["histogram"], target=EXERCISES, hidden_checks=HIDDEN_EXAMPLE)
    report = api.grade(["histogram"], target=EXERCISES, hidden_checks=HIDDEN_EXAMPLE, trust_submissions=True,
                       max_examples=int(EXAMPLES), pictures=None)
    assert report.settings["trust_submissions"] is True and report.settings["isolation_unprotected"]
    assert any(c.hidden for c in report.exercise("histogram").checks)


def test_public_heldout_exercises_are_refused_in_a_batch_and_the_rest_graded(tmp_path, monkeypatch, capsys):
    from imagecourse import mnist

    reason = "The held-out digits are public here (a test says so)."
    monkeypatch.setattr(mnist, "public_heldout", lambda: reason)
    (tmp_path / "subs" / "good").mkdir(parents=True)
    shutil.copy(SOLUTIONS / "histogram.py", tmp_path / "subs" / "good" / "histogram.py")
    out = tmp_path / "out"
    code = cli.main(["batch", str(tmp_path / "subs"), "--out", str(out), "-e", "histogram,baseline",
                     "--examples", EXAMPLES, "--jobs", "1"])
    printed = " ".join(capsys.readouterr().out.split())
    assert code == 0, printed
    assert f"not graded: baseline. Refused: {reason}" in printed and "--allow-public-heldout" in printed, printed
    report = batch.load_batch(out)
    row = report.row("good")
    assert row.status == batch.RowStatus.GRADED, row.notes
    assert row.report.exercise("histogram").status == "complete"
    baseline = row.report.exercise("baseline")
    assert baseline.status == "skipped" and reason in baseline.message and baseline.checks == []
    assert report.settings["refused"] == {"baseline": baseline.message}
    assert any(reason in note for note in row.notes)
    assert api.refused_exercises(["baseline", "histogram"], allow_public_heldout=True) == {}
    assert api.refused_exercises(["histogram", "networks"]) == {}  # neither is scored on held-out digits


def test_a_learners_own_pixelgrade_grades_and_says_in_one_line_what_is_not_protected(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env[isolation.MODE_ENV] = "plain"
    target = tmp_path / "exercises"
    shutil.copytree(EXERCISES, target, ignore=shutil.ignore_patterns("__pycache__", ".pixelgrade"))
    done = subprocess.run([PYTHON, "-m", "grader", "histogram", "--target", str(target), "--examples", EXAMPLES],
                          cwd=str(tmp_path), env={**env, "COLUMNS": "400"}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Total: 0/" in done.stdout
    lines = [line for line in done.stdout.splitlines() if "not protected" in line]
    assert len(lines) == 1, done.stdout[-2000:]
    assert "PIXELGRADE_ISOLATION=plain turns the kernel's sandbox off" in lines[0]
    # At a level that protects others there is nothing to say.
    del env[isolation.MODE_ENV]
    if isolation.current().protects_others:
        again = subprocess.run([PYTHON, "-m", "grader", "histogram", "--target", str(target), "--examples", EXAMPLES],
                               cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0 and "not protected" not in again.stdout, again.stdout[-2000:]


@linux_root
def test_a_theft_would_be_seen(tmp_path):
    """The yardstick of these tests: with the kernel's sandbox off, the thief does read the marked reference
    and earn its points (a learner's own grading, which runs whatever the level)."""
    bench = Bench(Path(tempfile.mkdtemp(prefix="pgtest-control-")))
    try:
        target = bench.write(bench.subs / "thief", *KINDS["thief"])
        done = subprocess.run([PYTHON, "-m", "grader", "histogram", "--target", str(target), "--examples", EXAMPLES,
                               "--json", str(tmp_path / "r.json")], cwd=str(PROJECT_ROOT),
                              env=bench.environment("plain"), capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        report = GradeReport.from_dict(json.loads((tmp_path / "r.json").read_text()))
        assert report.exercise("histogram").points > 0
    finally:
        bench.close()
