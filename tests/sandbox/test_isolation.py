"""Learner code sees nothing but its own submission (the worker sandbox, grader.sandbox.isolation).

Hostile submissions try to read what they must not (the MNIST file the grader was pointed
at, the reference solutions, the hidden checks, a classmate's work, the grader's
environment), to earn points they did not compute (by running the reference), to leave
processes behind, to change files outside their scratch folder and to reach the network.
Each is graded plainly (``grader.api.grade`` / ``pixelgrade``) and in a batch with hidden
checks (``pixelgrade batch SUBS --hidden-checks DIR``, run as its own process so that the
paths it was given are on its command line, as they are for an instructor). Every secret
carries a unique marker; no marker may reach any output.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import psutil
import pytest
from conftest import PROJECT_ROOT, SOLUTIONS, make_submission, points_by_function

from grader import api
from grader.cli import main as cli
from grader.instructor import batch
from grader.sandbox import isolation

HIDDEN_EXAMPLE = PROJECT_ROOT / "examples" / "hidden_checks" / "test_histogram_hidden.py"
CHECKS = PROJECT_ROOT / "course" / "checks"
EXAMPLES = 5
TOKEN = secrets.token_hex(6)  # 12 hex digits, unique to this run
MARKER_PATTERN = r"PG(?:SECRET|OWN)-[a-z]+-[0-9a-f]{12}"


def marker(kind: str) -> str:
    return f"PGSECRET-{kind}-{TOKEN}"


OWN = f"PGOWN-own-{TOKEN}"  # in the hostile submission's own folder: it may read that, and tell
SECRET_ENV = "PIXELGRADE_TEST_SECRET"
SECRET_MARKERS = {kind: marker(kind) for kind in ("mnist", "hidden", "classmate", "env")}


def _first_line(path: Path) -> str:
    line = path.read_text().splitlines()[0].strip().strip('"').strip()
    assert len(line) > 20, (path, line)  # specific enough that only a leak could carry it into an output
    return line


# The first line of the grader's own files (their docstrings): only a leak could carry them into an output.
REFERENCE_PHRASES = {path: _first_line(path) for path in (SOLUTIONS / "histogram.py", SOLUTIONS / "kmeans.py",
                                                           CHECKS / "test_histogram.py")}

_SANDBOX = isolation.current()
FULL = _SANDBOX.full
needs_full_sandbox = pytest.mark.skipif(
    not FULL, reason="the full sandbox is not available here: " + "; ".join(_SANDBOX.missing()))
linux_root = pytest.mark.skipif(sys.platform != "linux" or os.geteuid() != 0,
                                reason="the CI level (bubblewrap, Landlock, uid 65534) needs Linux and root")


# -- the hostile submissions --------------------------------------------------------------------
def _source(template: str, **values) -> str:
    """``template`` (dedented) with each ``__NAME__`` replaced by ``repr(value)``."""
    text = textwrap.dedent(template)
    for name, value in values.items():
        text = text.replace(f"__{name.upper()}__", repr(value))
    assert not re.search(r"__[A-Z]+__", text), text
    return text


SNOOP = '''
    """Reads everything it can find and tells: every marker it saw, every secret it could open."""
    import glob, os, re, sys
    import numpy as np

    PATHS = __PATHS__  # label -> a file or folder it must not read
    PATTERN = re.compile(__PATTERN__)
    NAMES = ("solutions/histogram.py", "solutions/kmeans.py", "course/checks/test_histogram.py")


    def _read(path, limit=1 << 20):
        try:
            if not os.path.isfile(path):
                return None
            with open(path, "rb") as file:
                return file.read(limit).decode("utf-8", "replace")
        except Exception:
            return None


    def _files(folder, depth=2):
        found = []
        try:
            for entry in os.scandir(folder):
                if entry.is_file(follow_symlinks=False):
                    found.append(entry.path)
                elif depth and entry.is_dir(follow_symlinks=False):
                    found += _files(entry.path, depth - 1)
        except Exception:
            pass
        return found[:300]


    def snoop():
        seen, texts = {}, []
        for label, path in PATHS.items():
            for target in (_files(path) if os.path.isdir(path) else [path]):
                text = _read(target)
                if text is not None:
                    seen.setdefault("read:" + label, "read:" + label + "=" + text[:200].replace(chr(10), " "))
                    texts.append(text)
        here = os.path.dirname(os.path.abspath(__file__))
        for target in _files(here) + _files(os.getcwd()):
            texts.append(_read(target) or "")
        folder = here
        while True:  # up from its own file
            for name in NAMES:
                text = _read(os.path.join(folder, name))
                if text is not None:
                    seen["read:upward:" + name] = "read:upward:" + name
                    texts.append(text)
            if os.path.dirname(folder) == folder:
                break
            folder = os.path.dirname(folder)
        for entry in list(sys.path):  # along sys.path, and where an editable install points
            for base in (entry, os.path.dirname(entry)):
                for name in NAMES:
                    text = _read(os.path.join(base, name))
                    if text is not None:
                        seen["read:syspath:" + name] = "read:syspath:" + name
                        texts.append(text)
            for finder in glob.glob(os.path.join(entry, "__editable__*pixelgrade*")):
                for root in re.findall(r"'(/[^']+)'", _read(finder) or ""):
                    for base in (root, os.path.dirname(root)):
                        for name in NAMES:
                            text = _read(os.path.join(base, name))
                            if text is not None:
                                seen["read:editable:" + name] = "read:editable:" + name
                                texts.append(text)
        for process in glob.glob("/proc/[0-9]*"):  # every command line and environment, and what they name
            for part in ("cmdline", "environ"):
                text = _read(process + "/" + part)
                if not text:
                    continue
                texts.append(text)
                for token in re.split("[\\x00=:]", text):
                    if not token.startswith("/") or token.startswith(("/proc", "/dev", "/sys", "/usr")):
                        continue
                    for target in (_files(token, 1) if os.path.isdir(token) else [token])[:100]:
                        texts.append(_read(target, 1 << 16) or "")
            for name in NAMES:
                text = _read(process + "/cwd/" + name)
                if text is not None:
                    seen["read:proc-cwd:" + name] = "read:proc-cwd:" + name
                    texts.append(text)
        for target in glob.glob("/tmp/pixelgrade-*/**/*.py", recursive=True)[:300]:  # other gradings
            texts.append(_read(target) or "")
        environment = repr(dict(os.environ))
        texts.append(environment)
        markers = sorted({m for text in texts for m in PATTERN.findall(text)})
        return ("SNOOP{" + " ".join(markers) + " | " + " ; ".join(sorted(seen.values())) + " | envkeys:"
                + ",".join(sorted(os.environ)) + " | " + environment + "}")


    AT_IMPORT = snoop()


    def histogram(image):
        raise RuntimeError("import: " + AT_IMPORT + " call: " + snoop())


    def cumulative_histogram(image):
        report = snoop()
        print(report)
        return report


    def normalised_cdf(image):
        image = np.asarray(image)
        if image.dtype != np.uint8:
            raise TypeError("image must be uint8")
        if image.size == 0:
            raise ValueError("image must not be empty")
        return np.cumsum(np.bincount(image.ravel(), minlength=256), dtype=np.int64) / image.size
'''

THIEF = '''
    """Finds the reference solutions and runs them instead of computing anything."""
    import glob, os, re, sys

    KNOWN = __KNOWN__
    WANTED = os.path.join("solutions", "kmeans.py")


    def _candidates():
        yield KNOWN
        folder = os.path.dirname(os.path.abspath(__file__))
        while True:  # up from its own file
            yield os.path.join(folder, WANTED)
            if os.path.dirname(folder) == folder:
                break
            folder = os.path.dirname(folder)
        for entry in list(sys.path):
            yield os.path.join(entry, WANTED)
            yield os.path.join(os.path.dirname(entry), WANTED)
            for finder in glob.glob(os.path.join(entry, "__editable__*pixelgrade*")):
                try:
                    text = open(finder).read()
                except OSError:
                    continue
                for root in re.findall(r"'(/[^']+)'", text):
                    yield os.path.join(root, WANTED)
                    yield os.path.join(os.path.dirname(root), WANTED)
        for process in glob.glob("/proc/[0-9]*"):
            yield os.path.join(process, "cwd", WANTED)


    def _reference():
        tried = []
        for path in _candidates():
            if os.path.abspath(path) == os.path.abspath(__file__):
                continue
            try:
                with open(path) as file:
                    source = file.read()
            except OSError as error:
                tried.append(type(error).__name__)
                continue
            if "def quantise_colours" in source:
                namespace = {"__name__": "stolen_kmeans"}
                exec(compile(source, path, "exec"), namespace)
                return namespace
        raise LookupError("no reference found (" + ", ".join(sorted(set(tried))) + ")")


    def assign(points, centers):
        return _reference()["assign"](points, centers)


    def update(points, labels, centers):
        return _reference()["update"](points, labels, centers)


    def kmeans(points, k, *, init=None, max_iter=100, seed=0):
        return _reference()["kmeans"](points, k, init=init, max_iter=max_iter, seed=seed)


    def quantise_colours(image, k, *, seed=0):
        return _reference()["quantise_colours"](image, k, seed=seed)
'''

FORKER = '''
    """Correct counts, and processes left behind: a child that sleeps, a double-forked daemon."""
    import ctypes, os, time
    import numpy as np

    TOKEN = __TOKEN__


    def _named(prefix):
        try:  # PR_SET_NAME: the grader's side finds the process by this name
            ctypes.CDLL(None).prctl(15, (prefix + TOKEN)[:14].encode(), 0, 0, 0)
        except Exception:
            pass


    def _leave_processes():
        if globals().get("_left"):
            return
        globals()["_left"] = True
        if os.fork() == 0:  # keeps every pipe of the worker open
            _named("pgf")
            time.sleep(600)
            os._exit(0)
        child = os.fork()
        if child == 0:
            os.setsid()
            if os.fork() == 0:  # a daemon: a session of its own, its parent gone, its pipes let go
                _named("pgd")
                os.closerange(0, 4096)
                time.sleep(600)
            os._exit(0)
        os.waitpid(child, 0)


    def _counts(image):
        image = np.asarray(image)
        if image.dtype != np.uint8:
            raise TypeError("image must be uint8")
        return np.bincount(image.ravel(), minlength=256).astype(np.int64)


    def histogram(image):
        _leave_processes()
        return _counts(image)


    def cumulative_histogram(image):
        return np.cumsum(_counts(image), dtype=np.int64)


    def normalised_cdf(image):
        image = np.asarray(image)
        if image.dtype == np.uint8 and image.size == 0:
            raise ValueError("image must not be empty")
        return np.cumsum(_counts(image), dtype=np.int64) / np.float64(image.size)
'''

VANDAL = '''
    """Deletes and overwrites the files next to it and in its folder; tries to write into the grader."""
    import glob, os
    import numpy as np

    TARGETS = __TARGETS__  # label -> a folder outside its scratch folder (empty: its own folder only)
    CLOBBER = __CLOBBER__  # labels of folders whose files it may really overwrite (copies the test owns)
    TOKEN = __TOKEN__


    def vandalise():
        done = []
        for folder in {os.path.dirname(os.path.abspath(__file__)), os.getcwd()}:
            for path in glob.glob(os.path.join(folder, "*.py")):
                try:
                    with open(path, "w") as file:
                        file.write("raise SystemExit('vandalised')\\n")
                    done.append("overwrote:" + os.path.basename(path))
                except OSError:
                    pass
                try:
                    os.remove(path)
                    done.append("deleted:" + os.path.basename(path))
                except OSError:
                    pass
        for label, folder in TARGETS.items():
            try:
                with open(os.path.join(folder, "zz_vandal_" + TOKEN + ".py"), "x") as file:
                    file.write("vandalised\\n")
                done.append("created:" + label)
            except OSError:
                pass
            for path in glob.glob(os.path.join(folder, "*.py")):
                try:
                    if label in CLOBBER:
                        with open(path, "w") as file:
                            file.write("vandalised\\n")
                        done.append("overwrote:" + label)
                    else:  # the project itself: opened for writing (what the sandbox refuses), never changed
                        with open(path, "r+b"):
                            pass
                        done.append("writable:" + label)
                except OSError:
                    pass
        return done


    AT_IMPORT = vandalise()


    def histogram(image):
        raise RuntimeError("TAMPER{" + " ".join(AT_IMPORT + vandalise()) + "}")


    def _counts(image):
        image = np.asarray(image)
        if image.dtype != np.uint8:
            raise TypeError("image must be uint8")
        return np.bincount(image.ravel(), minlength=256).astype(np.int64)


    def cumulative_histogram(image):
        return np.cumsum(_counts(image), dtype=np.int64)


    def normalised_cdf(image):
        image = np.asarray(image)
        if image.dtype == np.uint8 and image.size == 0:
            raise ValueError("image must not be empty")
        return np.cumsum(_counts(image), dtype=np.int64) / np.float64(image.size)
'''

NETWORK = '''
    """Tries to reach a server on the grader's machine (TCP and UDP) and tells how it went."""
    import socket
    import numpy as np

    TCP, UDP, TOKEN = __TCP__, __UDP__, __TOKEN__


    def probe():
        outcome = []
        try:
            with socket.create_connection(("127.0.0.1", TCP), timeout=2) as connection:
                connection.sendall(TOKEN.encode())
            outcome.append("tcp:connected")
        except Exception as error:
            outcome.append("tcp:" + type(error).__name__)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as datagram:
                datagram.sendto(TOKEN.encode(), ("127.0.0.1", UDP))
            outcome.append("udp:sent")
        except Exception as error:
            outcome.append("udp:" + type(error).__name__)
        return "NET{" + " ".join(outcome) + "}"


    def histogram(image):
        raise RuntimeError(probe())
'''


def write_snoop(folder: Path, paths: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "histogram.py").write_text(_source(SNOOP, paths={k: str(v) for k, v in paths.items()},
                                                 pattern=MARKER_PATTERN))
    (folder / "own_notes.txt").write_text(f"my notes: {OWN}\n")
    return folder


def write_thief(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kmeans.py").write_text(_source(THIEF, known=str(SOLUTIONS / "kmeans.py")))
    return folder


def write_forker(folder: Path, token: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "histogram.py").write_text(_source(FORKER, token=token))
    return folder


def write_vandal(folder: Path, targets: dict, clobber=()) -> Path:
    make_submission(folder, ["arrays", "equalisation"])
    (folder / "histogram.py").write_text(_source(VANDAL, targets={k: str(v) for k, v in targets.items()},
                                                 clobber=sorted(clobber), token=TOKEN))
    return folder


def write_network_probe(folder: Path, tcp: int, udp: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "histogram.py").write_text(_source(NETWORK, tcp=tcp, udp=udp, token=TOKEN))
    return folder


# -- the secrets and how to look for them ---------------------------------------------------------
def make_secrets(root: Path) -> dict:
    """The MNIST file, a hidden-checks folder and a classmate's submission, each with its marker."""
    mnist = root / "secret-data" / "mnist.npz"
    mnist.parent.mkdir(parents=True)
    mnist.write_text(f"not really MNIST: {SECRET_MARKERS['mnist']}\n")
    hidden = root / "hidden-checks"
    hidden.mkdir()
    (hidden / HIDDEN_EXAMPLE.name).write_text(
        HIDDEN_EXAMPLE.read_text() + f"\n# The instructor's secret: {SECRET_MARKERS['hidden']}\n")
    return {"mnist": mnist, "hidden": hidden}


def make_classmate(folder: Path) -> Path:
    make_submission(folder, ["histogram"])
    with open(folder / "histogram.py", "a") as file:
        file.write(f"\n# My own work, do not copy: {SECRET_MARKERS['classmate']}\n")
    return folder


def snoop_paths(secret: dict, classmate: Path) -> dict:
    paths = {"mnist": secret["mnist"], "hidden": secret["hidden"], "classmate": classmate,
             "ref-histogram": SOLUTIONS / "histogram.py", "ref-kmeans": SOLUTIONS / "kmeans.py",
             "checks-histogram": CHECKS / "test_histogram.py", "project": PROJECT_ROOT}
    real_mnist = os.environ.get("PIXELGRADE_MNIST")
    if real_mnist:
        paths["mnist-real"] = real_mnist
    return paths


def secret_environment(secret: dict) -> dict:
    return {"PIXELGRADE_MNIST": str(secret["mnist"]), SECRET_ENV: SECRET_MARKERS["env"]}


def secret_paths(secret: dict) -> list[str]:
    """Paths that only the grader knows: the MNIST file it was given (the real one too), the hidden checks."""
    return [str(secret["mnist"]), str(secret["hidden"])] + [os.environ.get("PIXELGRADE_MNIST") or str(secret["mnist"])]


def leaks(text: str, paths=()) -> list[str]:
    """Every secret (marker, reference line, secret read, grader variable, secret path) that ``text`` gives away."""
    found = [m for m in SECRET_MARKERS.values() if m in text]
    found += [str(path) for path in paths if str(path) in text]
    found += [phrase for phrase in REFERENCE_PHRASES.values() if phrase in text]
    found += sorted(set(re.findall(r"read:[a-z-]+(?::[\w/.]+)?", text)))
    for keys in re.findall(r"envkeys:([^ |}]*)", text):
        found += [key for key in keys.split(",") if key.startswith(("PIXELGRADE", "PYTHONPATH", "PYTEST"))]
    return found


def files_under(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_bytes().decode("utf-8", "replace")
            for p in sorted(folder.rglob("*")) if p.is_file()}


def checksums(*folders: Path) -> dict[str, str]:
    """sha256 of every file under ``folders`` (bytecode caches aside)."""
    found = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def run_batch_process(*args, env_extra: dict | None = None, unset=("PIXELGRADE_ISOLATION",)):
    """``pixelgrade batch ARGS`` in a process of its own (its arguments on its command line)."""
    env = {k: v for k, v in os.environ.items() if k not in unset and not k.startswith("PYTEST_")}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "grader", "batch", *map(str, args)], cwd=str(PROJECT_ROOT),
                          env=env, capture_output=True, text=True, timeout=300)


def leftovers(token: str, wait_s: float = 0.5) -> list[str]:
    """The processes named after ``token`` still alive ``wait_s`` after the run (time for SIGKILL to land;
    zombies are dead)."""
    deadline = time.monotonic() + wait_s
    while True:
        alive = []
        for process in psutil.process_iter(["pid", "name", "status", "cmdline"]):
            if token[:10] in (process.info["name"] or "") and process.info["status"] != psutil.STATUS_ZOMBIE:
                alive.append(f"pid {process.info['pid']} {process.info['name']} {process.info['status']}")
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)


class ProcessWatch:
    """While grading runs, the names of the processes named after ``token`` (proof they were started)."""

    def __init__(self, token: str):
        self.token, self.seen = token, set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self):
        while not self._stop.is_set():
            for process in psutil.process_iter(["name"]):
                if self.token[:10] in (process.info["name"] or ""):
                    self.seen.add(process.info["name"])
            self._stop.wait(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def kinds(self) -> set[str]:
        return {name[:3] for name in self.seen}


def kill_leftovers(token: str) -> None:
    for process in psutil.process_iter(["name"]):
        if token[:10] in (process.info["name"] or ""):
            try:
                process.kill()
            except psutil.Error:
                pass


def remove_vandal_files(*folders: Path) -> None:
    """Should the sandbox fail, leave no file of the vandal's in the project."""
    for folder in folders:
        for path in folder.glob(f"zz_vandal_{TOKEN}.py"):
            path.unlink()


def one_line(text: str) -> str:
    return " ".join(text.split())


# -- the batch: hidden checks, a classmate and every hostile submission at once -----------------------
@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory):
    if not FULL:
        pytest.skip("the full sandbox is not available here: " + "; ".join(_SANDBOX.missing()))
    root = tmp_path_factory.mktemp("isolation-batch")
    secret = make_secrets(root)
    subs = root / "subs"
    classmate = make_classmate(subs / "classmate")
    write_snoop(subs / "snoop", snoop_paths(secret, classmate))
    write_thief(subs / "thief")
    forker_token = secrets.token_hex(6)
    write_forker(subs / "forker", forker_token)
    vandal_source = subs / "vandal"
    write_vandal(vandal_source, {"solutions": SOLUTIONS, "checks": CHECKS, "project": PROJECT_ROOT,
                                 "hidden": secret["hidden"], "classmate": classmate},
                 clobber=("hidden", "classmate"))
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(8)
    tcp.setblocking(False)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.setblocking(False)
    write_network_probe(subs / "netprobe", tcp.getsockname()[1], udp.getsockname()[1])
    out = root / "out"
    protected = (SOLUTIONS, CHECKS, secret["hidden"], subs)
    before = checksums(*protected)
    try:
        with ProcessWatch(forker_token) as watch:
            done = run_batch_process(subs, "--hidden-checks", secret["hidden"], "--out", out,
                                     "-e", "arrays,histogram,equalisation,kmeans", "--jobs", "3",
                                     "--examples", EXAMPLES, "--timeout", "5", "--submission-timeout", "120",
                                     env_extra=secret_environment(secret))
        left = leftovers(forker_token)
        after = checksums(*protected)
        connections = {}
        for name, receive in (("tcp", tcp.accept), ("udp", lambda: udp.recvfrom(100))):
            try:
                connections[name] = receive()
            except BlockingIOError:
                pass
    finally:
        kill_leftovers(forker_token)
        tcp.close()
        udp.close()
        remove_vandal_files(SOLUTIONS, CHECKS, PROJECT_ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    return {"out": out, "printed": done.stdout + done.stderr, "report": batch.load_batch(out),
            "secret_paths": secret_paths(secret),
            "leftovers": left, "started": watch.kinds, "before": before, "after": after, "connections": connections}


def test_batch_outputs_carry_no_secret(hostile_batch):
    out, report = hostile_batch["out"], hostile_batch["report"]
    written = files_under(out)
    assert {"batch.json", "gradebook.csv", "per-submission/snoop.json", "gradescope/snoop.json",
            "feedback/snoop.txt"} <= set(written)
    # The snoop ran, and what it could read (its own folder) did reach the instructor's view.
    instructor = written["per-submission/snoop.json"]
    assert "SNOOP{" in instructor and OWN in instructor, instructor[:3000]
    for name, text in written.items():
        assert leaks(text, hostile_batch["secret_paths"]) == [], name
    assert leaks(hostile_batch["printed"], hostile_batch["secret_paths"]) == []
    assert report.warnings == []  # the reference passes the (copied) hidden checks: they ran
    assert any(c.hidden for c in report.row("classmate").report.exercise("histogram").checks)
    assert report.row("classmate").report.exercise("histogram").status == "complete"


def test_batch_reference_thief_earns_nothing(hostile_batch):
    row = hostile_batch["report"].row("thief")
    assert row.status == batch.RowStatus.GRADED, row.notes
    got = points_by_function(row.report, "kmeans")
    assert set(got) == {"assign", "update", "kmeans", "quantise_colours"}
    assert {function: points for function, (points, _) in got.items()} == dict.fromkeys(got, 0.0)
    messages = " ".join(c.message for c in row.report.exercise("kmeans").checks)
    assert "no reference found" in messages, messages[:2000]


def test_batch_leaves_no_process_behind(hostile_batch):
    assert hostile_batch["started"] == {"pgf", "pgd"}  # both were started (and seen from outside)
    assert hostile_batch["leftovers"] == []
    row = hostile_batch["report"].row("forker")
    assert row.status == batch.RowStatus.GRADED, row.notes
    assert row.report.exercise("histogram").status == "complete", row.notes  # forking cost it nothing


def test_batch_changes_no_file_outside_scratch(hostile_batch):
    before, after = hostile_batch["before"], hostile_batch["after"]
    assert {p for p in after if p not in before} == set()
    assert [p for p in before if after.get(p) != before[p]] == []
    report = hostile_batch["report"]
    row = report.row("vandal")
    assert row.status == batch.RowStatus.GRADED, (row.status, row.notes)  # not "grader error"
    assert not any("files changed" in note for note in row.notes), row.notes
    for name in ("arrays", "equalisation"):
        exercise = row.report.exercise(name)
        assert exercise.points == exercise.max_points > 0, (name, row.notes)
    messages = " ".join(c.message for c in row.report.exercise("histogram").checks)
    assert "TAMPER{}" in messages, messages[:2000]  # it could change nothing at all, not even its own copy


def test_batch_network_is_unreachable(hostile_batch):
    assert "tcp" not in hostile_batch["connections"]
    # Landlock alone does not cover UDP: the seccomp filter (no socket at all) and an empty network namespace do.
    if isolation.current().namespaces or isolation.current().seccomp:
        assert "udp" not in hostile_batch["connections"]
    messages = " ".join(c.message for c in hostile_batch["report"].row("netprobe").report.exercise("histogram").checks)
    assert "NET{" in messages and "tcp:connected" not in messages, messages[:2000]


def test_batch_outputs_name_the_isolation(hostile_batch):
    out, report = hostile_batch["out"], hostile_batch["report"]
    described = isolation.current().describe()
    assert report.settings["isolation"] == described and report.settings["isolation_level"] == "full"
    for row in report.rows:
        assert row.report.settings.get("isolation") == described, row.id
        assert row.report.settings.get("isolation_level") == "full", row.id
    rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())))
    assert {r["isolation"] for r in rows} == {described}
    gradescope = json.loads((out / "gradescope" / "classmate.json").read_text())
    assert gradescope["extra_data"]["isolation"] == described
    assert gradescope["extra_data"]["isolation_level"] == "full"
    assert described in (out / "summary.md").read_text()


# -- plain grading ---------------------------------------------------------------------------------
@needs_full_sandbox
def test_plain_grading_carries_no_secret(tmp_path, monkeypatch, capsys):
    secret = make_secrets(tmp_path)
    classmate = make_classmate(tmp_path / "classmate")
    target = write_snoop(tmp_path / "snoop", snoop_paths(secret, classmate))
    for name, value in secret_environment(secret).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PIXELGRADE_ISOLATION", raising=False)
    results_file = tmp_path / "results.json"
    code = cli.main(["histogram", "--target", str(target), "--examples", str(EXAMPLES), "--verbose",
                     "--json", str(results_file)])
    printed = capsys.readouterr()
    assert code == 0, printed.out
    data = results_file.read_text()
    assert "SNOOP{" in data and OWN in data, data[:3000]  # the snoop ran and could tell what it found
    assert leaks(data, secret_paths(secret)) == []
    assert leaks(printed.out + printed.err, secret_paths(secret)) == []
    report = json.loads(data)
    checks = [c for e in report["exercises"] for c in e["checks"]]
    assert all(c["points"] == 0 for c in checks if c["function"] in ("histogram", "cumulative_histogram"))


@needs_full_sandbox
def test_plain_grading_reference_thief_earns_nothing(tmp_path):
    target = write_thief(tmp_path / "thief")
    # The thief works wherever the reference is readable (here, in the test's own process).
    spec = importlib.util.spec_from_file_location("thief_outside", target / "kmeans.py")
    outside = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(outside)
    assert outside._reference()["quantise_colours"]
    report = api.grade(["kmeans"], target=target, max_examples=EXAMPLES)
    messages = " ".join(c.message for c in report.exercise("kmeans").checks)
    assert "no reference found" in messages, messages[:2000]
    got = points_by_function(report, "kmeans")
    total, most = sum(p for p, _ in got.values()), sum(m for _, m in got.values())
    assert most > 0 and total < 0.5 * most, got
    assert {function: points for function, (points, _) in got.items()} == dict.fromkeys(got, 0.0)
    assert not report.grader_errors


@pytest.mark.parametrize("level", ["auto", "plain"])
def test_plain_grading_leaves_no_process_behind(tmp_path, monkeypatch, level):
    monkeypatch.setenv("PIXELGRADE_ISOLATION", level)
    token = secrets.token_hex(6)
    target = write_forker(tmp_path / "forker", token)
    try:
        started = time.monotonic()
        with ProcessWatch(token) as watch:
            report = api.grade(["histogram"], target=target, max_examples=EXAMPLES)
        seconds = time.monotonic() - started
        left = leftovers(token)
    finally:
        kill_leftovers(token)
    assert watch.kinds == {"pgf", "pgd"}  # both were started (and seen from outside)
    assert left == []
    assert report.settings["isolation"] == isolation.current().describe()
    assert report.exercise("histogram").status == "complete"  # its processes cost it nothing
    assert not report.grader_errors and seconds < 60


@pytest.mark.parametrize("level", [pytest.param("auto", marks=needs_full_sandbox), "plain"])
def test_plain_grading_changes_no_file_outside_scratch(tmp_path, monkeypatch, level):
    monkeypatch.setenv("PIXELGRADE_ISOLATION", level)
    hidden = make_secrets(tmp_path)["hidden"]
    # At the floor (plain, root) nothing stops a write to a path it knows: only its own
    # folder and the current one are tried there (the private copy is the floor's promise).
    targets = {"solutions": SOLUTIONS, "checks": CHECKS, "project": PROJECT_ROOT,
               "hidden": hidden} if level == "auto" else {}
    target = write_vandal(tmp_path / "vandal", targets, clobber=("hidden",))
    if level == "auto":
        with open(target / "histogram.py", "a") as file:  # and the original of its own folder
            file.write(f"\nTARGETS['original'] = {str(target)!r}\nCLOBBER.append('original')\n")
    protected = (SOLUTIONS, CHECKS, hidden, target)
    before = checksums(*protected)
    try:
        report = api.grade(["arrays", "histogram", "equalisation"], target=target, max_examples=EXAMPLES)
        after = checksums(*protected)
    finally:
        remove_vandal_files(SOLUTIONS, CHECKS, PROJECT_ROOT)
    assert {p for p in after if p not in before} == set()
    assert [p for p in before if after.get(p) != before[p]] == []
    for name in ("arrays", "equalisation"):
        exercise = report.exercise(name)
        assert exercise.points == exercise.max_points > 0, (name, [c.message for c in exercise.checks][:3])
    messages = " ".join(c.message for c in report.exercise("histogram").checks)
    assert "TAMPER{" in messages, messages[:2000]
    if level == "auto":
        assert "TAMPER{}" in messages, messages[:2000]  # nothing at all, not even in its own copy
    elif os.geteuid() == 0:
        assert "deleted:arrays.py" in messages, messages[:2000]  # root at the floor: only its copy suffered
    assert not report.grader_errors


@needs_full_sandbox
def test_plain_grading_network_is_unreachable(tmp_path, monkeypatch):
    monkeypatch.delenv("PIXELGRADE_ISOLATION", raising=False)
    with socket.socket() as tcp, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        tcp.bind(("127.0.0.1", 0))
        tcp.listen(8)
        tcp.setblocking(False)
        udp.bind(("127.0.0.1", 0))
        udp.setblocking(False)
        target = write_network_probe(tmp_path / "netprobe", tcp.getsockname()[1], udp.getsockname()[1])
        report = api.grade(["histogram"], target=target, max_examples=EXAMPLES)
        with pytest.raises(BlockingIOError):
            tcp.accept()
        # Landlock alone does not cover UDP: the seccomp filter (no socket at all) and an empty
        # network namespace do.
        if isolation.current().namespaces or isolation.current().seccomp:
            with pytest.raises(BlockingIOError):
                udp.recvfrom(100)
    messages = " ".join(c.message for c in report.exercise("histogram").checks)
    assert "NET{tcp:" in messages and "tcp:connected" not in messages, messages[:2000]


# -- levels ----------------------------------------------------------------------------------------
@linux_root
def test_default_level_is_full_here(monkeypatch):
    monkeypatch.delenv("PIXELGRADE_ISOLATION", raising=False)
    current = isolation.current()
    assert current.missing() == [] and current.full, current.missing()
    described = current.describe()
    for words in ("landlock ABI", "uid 65534", "private copy"):
        assert words in described, described
    assert current.level == "full"


@linux_root
def test_reports_name_the_full_level(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("PIXELGRADE_ISOLATION", raising=False)
    results_file = tmp_path / "results.json"
    code = cli.main(["histogram", "--target", str(SOLUTIONS), "--examples", str(EXAMPLES), "--require-isolation",
                     "--json", str(results_file)])
    printed = one_line(capsys.readouterr().out)
    assert code == 0, printed
    described = isolation.current().describe()
    assert f"isolation: {described}" in printed, printed[-500:]
    settings = json.loads(results_file.read_text())["settings"]
    assert settings["isolation"] == described and settings["isolation_level"] == "full"


def test_forced_fallback_is_reported_and_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PIXELGRADE_ISOLATION", "plain")
    fallback = isolation.current()
    assert not fallback.full and fallback.missing()
    assert "landlock" not in fallback.describe() and "uid 65534" not in fallback.describe()
    results_file = tmp_path / "results.json"
    code = cli.main(["histogram", "--target", str(SOLUTIONS), "--examples", str(EXAMPLES),
                     "--json", str(results_file)])
    printed = one_line(capsys.readouterr().out)
    assert code == 0, printed
    assert f"isolation: {fallback.describe()}" in printed, printed[-500:]
    settings = json.loads(results_file.read_text())["settings"]
    assert settings["isolation"] == fallback.describe() and settings["isolation_level"] == "partial"

    # --require-isolation refuses to start, naming what is missing.
    code = cli.main(["histogram", "--target", str(SOLUTIONS), "--require-isolation"])
    printed = capsys.readouterr()
    message = one_line(printed.out + printed.err)
    assert code == 2, message
    assert message.startswith("pixelgrade: the full sandbox is off: PIXELGRADE_ISOLATION=plain"), message
    for gap in fallback.missing():
        assert one_line(gap) in message, (gap, message)

    subs = tmp_path / "subs"
    make_submission(subs / "good", ["histogram"])
    out = tmp_path / "out"
    code = cli.main(["batch", str(subs), "--out", str(out), "--require-isolation"])
    printed = capsys.readouterr()
    message = one_line(printed.out + printed.err)
    assert code == 2, message
    assert re.match(r"pixelgrade( batch)?: the full sandbox is off: PIXELGRADE_ISOLATION=plain", message), message
    assert "PIXELGRADE_ISOLATION=plain turns the kernel's sandbox off" in message, message
    for gap in fallback.missing():
        assert one_line(gap) in message, (gap, message)
    assert not out.exists()  # nothing graded, nothing written


def test_forced_fallback_batch_is_reported_and_leaves_no_process(tmp_path):
    """At the floor, in a batch process of its own: reported as partial; its processes end with it."""
    subs = tmp_path / "subs"
    token = secrets.token_hex(6)
    write_forker(subs / "forker", token)
    make_submission(subs / "good", ["histogram"])
    out = tmp_path / "out"
    try:
        with ProcessWatch(token) as watch:
            # The floor protects nobody else: a batch runs there only when told the class is trusted.
            done = run_batch_process(subs, "--out", out, "-e", "histogram", "--jobs", "2", "--examples", EXAMPLES,
                                     "--timeout", "5", "--submission-timeout", "120", "--trust-submissions",
                                     env_extra={"PIXELGRADE_ISOLATION": "plain"})
        left = leftovers(token)
    finally:
        kill_leftovers(token)
    assert done.returncode == 0, done.stdout + done.stderr
    assert watch.kinds == {"pgf", "pgd"}
    assert left == []
    report = batch.load_batch(out)
    assert report.settings["isolation_level"] == "partial"
    plain = report.settings["isolation"]
    assert "landlock" not in plain and "uid 65534" not in plain, plain
    for row in report.rows:
        assert row.status == batch.RowStatus.GRADED, (row.id, row.notes)
        assert row.report.settings["isolation"] == plain and row.report.settings["isolation_level"] == "partial"
        assert row.report.exercise("histogram").status == "complete", (row.id, row.notes)
    rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())))
    assert {r["isolation"] for r in rows} == {plain}
    assert json.loads((out / "gradescope" / "forker.json").read_text())["extra_data"]["isolation_level"] == "partial"


@pytest.mark.parametrize("launcher", ["fork", "exec"])
def test_batch_rows_are_graded_at_the_level_the_batch_reports(tmp_path, monkeypatch, launcher):
    """The level a batch names is the level its rows were graded at, also when the level changes
    in-process (``PIXELGRADE_ISOLATION`` set between two batches, as a notebook or a test suite does):
    a fork server started by an earlier batch must not grade the rows at the level it started with."""
    subs = tmp_path / "subs"
    make_submission(subs / "good", ["histogram"])
    submissions = batch.discover([subs])
    settings = {"exercises": ["histogram"], "jobs": 1, "max_examples": 3, "timeout_s": 5.0, "launcher": launcher,
                "workdir": tmp_path / "stage"}
    monkeypatch.delenv("PIXELGRADE_ISOLATION", raising=False)
    first = batch.grade_batch(submissions, **settings)  # at the default level (and the fork server is up)
    assert first.rows[0].report.settings["isolation"] == first.settings["isolation"] == isolation.current().describe()
    monkeypatch.setenv("PIXELGRADE_ISOLATION", "plain")
    second = batch.grade_batch(submissions, **settings, trust_submissions=True)  # the floor protects nobody else
    described = isolation.current().describe()
    assert second.settings["isolation"] == described
    assert second.rows[0].report.settings["isolation"] == described, (
        f"the batch reports {described!r}; its row was graded under "
        f"{second.rows[0].report.settings['isolation']!r}")


@pytest.mark.skipif(isolation.current().landlock_abi < isolation.MINIMUM_LANDLOCK_ABI,
                    reason="needs Landlock ABI >= 4")
def test_landlock_without_namespaces_still_hides_the_grader(tmp_path, monkeypatch):
    """The level a container without namespaces gets: Landlock, and no privilege left as root."""
    from grader.sandbox.client import Limits, WorkerProcess

    monkeypatch.setenv(isolation.MODE_ENV, "landlock")
    (tmp_path / "probe.py").write_text(textwrap.dedent('''
        import os

        def probe(paths):
            seen = {}
            for path in paths:
                try:
                    with open(path, "rb") as file:
                        file.read(1)
                    seen[path] = "read"
                except OSError as error:
                    seen[path] = type(error).__name__
            try:
                os.setuid(1000)
                seen["setuid"] = "done"
            except OSError as error:
                seen["setuid"] = type(error).__name__
            seen["own"] = open(__file__).read(6)
            with open("/proc/self/cmdline", "rb") as file:  # its own process (TensorFlow reads it)
                seen["own cmdline"] = b"python" in file.read()
            return seen
    '''))
    secrets_ = [str(SOLUTIONS / "histogram.py"), str(CHECKS / "test_histogram.py"), "/proc/1/cmdline",
                f"/proc/{os.getpid()}/environ", f"/proc/{os.getpid()}/cmdline", str(tmp_path / "probe.py")]
    worker = WorkerProcess("probe", tmp_path / "probe.py", limits=Limits(timeout_s=10))
    try:
        reply = worker.call("probe", (secrets_,))
    finally:
        worker.stop()
    assert reply.ok, reply
    assert all(reply.value[path] != "read" for path in secrets_), reply.value  # not even the original file
    assert reply.value["own"] == "\nimpor"  # its private copy is readable
    assert reply.value["own cmdline"] is True
    if os.geteuid() == 0:
        assert reply.value["setuid"] == "PermissionError"  # uid 65534, or uid 0 without capabilities
