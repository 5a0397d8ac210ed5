"""Red-team findings: attacks by a hostile learner that got through (each test asserts the secure behaviour).

Each test reproduces one attack end to end, as a learner would mount it (a submission's code,
graded in a real worker or by ``pixelgrade batch``), and checks from outside what happened:

* the Landlock-only level (``PIXELGRADE_ISOLATION=landlock``) bounds each file of the scratch
  folder (``RLIMIT_FSIZE``) but not their sum: a worker fills the grading machine's disk;
* at the Landlock-only level there is no IPC namespace: a System V shared-memory segment made
  by learner code outlives the worker (memory held after grading ends, and a channel between
  the workers of different students, who all run as uid 65534);
* a submission folder nested ~1500 folders deep makes ``pixelgrade`` itself crash with a
  RecursionError (the worker's private copy walks it recursively);
* the same tree in a small ``.tar.gz`` makes ``pixelgrade batch`` report "grader crashed" and
  leaves the staged submission (here ~30 MB from a ~60 KB archive) in the work folder for good;
* a learner message holding ``Path(__file__).as_uri()`` shows the sandbox's path on the grading
  machine in the learner's feedback.

At the full level (bubblewrap) the first two hold; the tests run at both levels so that they
stay as regression checks once fixed.
"""

from __future__ import annotations

import csv
import ctypes
import os
import secrets
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import forced_level

from grader import api
from grader.sandbox.client import Limits, WorkerProcess

ROOT = Path(__file__).resolve().parents[2]
LINUX_ROOT = pytest.mark.skipif(sys.platform != "linux" or os.geteuid() != 0,
                                reason="the levels under test (bubblewrap, Landlock, uid 65534) need Linux and root")
LEVELS = ("auto", "landlock")
DEPTH = 1500  # folders nested this deep: past Python's recursion limit, well under PATH_MAX




def _worker(folder: Path, source: str, level: str) -> WorkerProcess:
    (folder / "histogram.py").write_text(textwrap.dedent(source))
    with forced_level(level):
        return WorkerProcess("histogram", folder / "histogram.py", limits=Limits(timeout_s=20))


# -- 1. the scratch folder's size is per file only at the Landlock-only level ----------------------
FILL_SCRATCH = '''
    import os
    import numpy as np

    def histogram(image):
        written = []
        for i in range(4):  # each under the per-file limit (RLIMIT_FSIZE = scratch_bytes = 512 MiB)
            fd = os.open(os.path.join(os.environ["HOME"], f"fill{i}"), os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                os.posix_fallocate(fd, 0, 300 * 1024**2)
                written.append(i)
            except OSError:
                pass
            finally:
                os.close(fd)
        return written
'''


@LINUX_ROOT
@pytest.mark.parametrize("level", LEVELS)
def test_the_scratch_folder_holds_at_most_scratch_bytes_in_all(tmp_path, level):
    worker = _worker(tmp_path, FILL_SCRATCH, level)
    try:
        reply = worker.call("histogram", [np.zeros((2, 2), np.uint8)])
        scratch = worker.scratch
        allocated = sum(p.lstat().st_blocks * 512 for p in scratch.rglob("*") if p.is_file()) if scratch else 0
    finally:
        worker.stop()
    # At the Landlock-only level the scratch folder is a plain folder of the machine's /tmp: four
    # files of 300 MiB (1.2 GiB) would all land on its disk, and nothing would stop four hundred.
    # Either the files did not fit (a sized tmpfs), or the grader stopped the worker at its limit.
    if reply.ok:
        assert allocated <= Limits().scratch_bytes, (level, reply.value, allocated / 2**20)
    else:
        assert reply.limit == "scratch" and worker.scratch is None, (level, reply)


# -- 2. System V shared memory outlives the worker without an IPC namespace --------------------------
SHM_SOURCE = '''
    import ctypes
    import numpy as np

    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    KEY, SIZE = {key}, 16 * 1024**2

    def histogram(image):
        shmid = libc.shmget(KEY, ctypes.c_size_t(SIZE), 0o1000 | 0o600)  # IPC_CREAT, never IPC_RMID
        if shmid >= 0:
            address = libc.shmat(shmid, None, 0)
            ctypes.memset(address, 0x41, SIZE)  # its pages are now the machine's memory
            libc.shmdt(ctypes.c_void_p(address))
        return shmid
'''


def _segments_with_key(key: int) -> list[int]:
    """The ids of the System V shared-memory segments of ``key`` that exist now (seen from the grader)."""
    lines = Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
    return [int(fields[1]) for fields in (line.split() for line in lines) if int(fields[0]) == key]


@LINUX_ROOT
@pytest.mark.parametrize("level", LEVELS)
def test_no_shared_memory_segment_outlives_the_worker(tmp_path, level):
    key = 0x5EC00000 | secrets.randbits(20)
    worker = _worker(tmp_path, SHM_SOURCE.format(key=key), level)
    try:
        reply = worker.call("histogram", [np.zeros((2, 2), np.uint8)])
    finally:
        worker.stop()
    left = _segments_with_key(key)
    libc = ctypes.CDLL(None, use_errno=True)
    for shmid in left:  # clean up after the attack, whatever the outcome
        libc.shmctl(shmid, 0, None)  # IPC_RMID
    # At the Landlock-only level the segment (16 MiB of memory here; up to the memory limit per
    # worker, again for every new worker) stays after grading ended, owned by uid 65534, and any
    # other student's worker could attach to it.
    assert not left, (level, reply.value)


# -- 3. a deeply nested folder crashes pixelgrade --------------------------------------------------
def _nest(folder: Path, depth: int, files: dict[str, bytes]) -> None:
    """``folder/d/d/.../d`` (``depth`` levels), holding ``files`` at the bottom (made without recursion)."""
    here = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=here)
            below = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=here)
            os.close(here)
            here = below
        for name, data in files.items():
            fd = os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=here)
            os.write(fd, data)
            os.close(fd)
    finally:
        os.close(here)


def _remove_deep(path: Path) -> None:
    subprocess.run(["rm", "-rf", str(path)], check=False)  # iterative, unlike Python 3.11's rmtree


@LINUX_ROOT
def test_a_deeply_nested_submission_folder_does_not_crash_the_grader(tmp_path):
    target = tmp_path / "learner"
    target.mkdir()
    (target / "histogram.py").write_text((ROOT / "solutions" / "histogram.py").read_text())
    _nest(target, DEPTH, {"notes.txt": b"x"})
    try:
        # Today: RecursionError out of grader.sandbox.isolation._walk (the worker's private copy),
        # and `pixelgrade histogram --target learner` ends with a traceback and status 1.
        report = api.grade(["histogram"], target=target, max_examples=3)
    finally:
        _remove_deep(target)
    assert not report.grader_errors
    assert report.exercises[0].points == report.exercises[0].max_points


# -- 4 and 5: pixelgrade batch ---------------------------------------------------------------------
URI_SOURCE = '''
    from pathlib import Path

    def histogram(image):
        raise ValueError("my data is at " + Path(__file__).as_uri())

    cumulative_histogram = normalised_cdf = histogram
'''


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """One batch of two students: a small .tar.gz nested DEPTH folders deep, and a file URI in a message."""
    base = tmp_path_factory.mktemp("red-team-batch")
    submissions, workdir, out = base / "submissions", base / "work", base / "out"
    submissions.mkdir()
    workdir.mkdir()
    tree = base / "tree"
    tree.mkdir()
    (tree / "histogram.py").write_text((ROOT / "exercises" / "histogram.py").read_text())
    _nest(tree, DEPTH, {f"data{i}.bin": bytes(6_000_000) for i in range(4)})  # 24 MB of zeros at the bottom
    # tar(1), not tarfile: TarFile.add recurses once per folder.
    subprocess.run(["tar", "-C", str(tree), "-czf", str(submissions / "deep.tar.gz"), "."], check=True)
    _remove_deep(tree)
    (submissions / "uri").mkdir()
    (submissions / "uri" / "histogram.py").write_text(textwrap.dedent(URI_SOURCE))
    done = subprocess.run([sys.executable, "-m", "grader", "batch", str(submissions), "-e", "histogram",
                           "--examples", "3", "--out", str(out), "--workdir", str(workdir)],
                          cwd=base, capture_output=True, text=True, timeout=600)
    rows = {row["submission"]: row for row in csv.DictReader((out / "gradebook.csv").open())}
    left = sorted(p.name for p in workdir.iterdir())
    archive_bytes = (submissions / "deep.tar.gz").stat().st_size
    left_bytes = int(subprocess.run(["du", "-sb", str(workdir)], capture_output=True, text=True).stdout.split()[0])
    yield {"done": done, "rows": rows, "left": left, "left_bytes": left_bytes, "archive_bytes": archive_bytes,
           "out": out}
    _remove_deep(workdir)


@LINUX_ROOT
def test_a_deeply_nested_archive_is_the_learners_row_not_a_grader_crash(batch):
    assert batch["done"].returncode == 0, batch["done"].stderr[-2000:]
    row = batch["rows"]["deep"]
    # Today: "grader crashed", "the batch failed on it: RecursionError(...)" (shutil.rmtree of the
    # staging folder, after the row was already decided).
    assert row["status"] != "grader crashed", row


@LINUX_ROOT
def test_a_deeply_nested_archive_leaves_nothing_in_the_work_folder(batch):
    # Today: the whole staged submission stays (~30 MB from a ~60 KB archive; up to the 100 MB a
    # submission may hold, for every such archive and every run of the batch).
    assert batch["left"] == [], (batch["left"], batch["left_bytes"], batch["archive_bytes"])


@LINUX_ROOT
def test_learner_feedback_shows_no_path_of_the_grading_machine(batch):
    feedback = (batch["out"] / "feedback" / "uri.txt").read_text()
    # Today: "file:///tmp/pixelgrade-worker-XXXXXXXX/code/histogram.py" (grader_paths.hide only
    # recognises an absolute path that starts a word: after "file://" it does not).
    assert "pixelgrade-worker-" not in feedback, feedback
    assert f"file://{Path(os.sep) / 'tmp'}" not in feedback, feedback
