"""Batch grading end to end: 52 generated submissions (correct, buggy, stub-only, hostile,
unreadable), graded two at a time; every row is there with the expected score, hostile ones
lose only what they broke, and a second run (in two shards, merged) gives the same gradebook."""

import concurrent.futures
import csv
import io
import json
import os
import shutil
import textwrap
import zipfile

import pytest
from conftest import EXERCISES, SOLUTIONS, make_submission
from curriculum.buggy_submissions import by_id

from grader.cli import main as cli
from grader.core import results
from grader.instructor import batch
from grader.sandbox import isolation
from grader.writers import csv_gradebook, gradebook

_SANDBOX = isolation.current()
GRADER_OUT_OF_REACH = _SANDBOX.namespaces or _SANDBOX.landlock_abi >= 6

pytestmark = pytest.mark.slow

NAMES = ["arrays", "histogram"]
SETTINGS = {"max_examples": 3, "timeout_s": 2.0, "submission_timeout_s": 120.0}

# Buggy submissions from the one table (tests/curriculum/buggy_submissions.py), two copies
# each, by the name of their submission: one broken function of arrays or histogram each.
BUGS = {name: by_id(entry) for name, entry in {
    "histogram": "histogram over 0..254",
    "cumulative": "cumulative histogram off by one",
    "cdf": "normalised_cdf divides by 255, not by the pixel count",
    "flatten": "Fortran-order flatten",
    "normalise": "normalise returns float64",
    "one_hot": "one_hot accepts bad labels",
    "grey_to_rgb": "grey_to_rgb makes four channels",
    "drop_alpha": "drop_alpha keeps the alpha channel",
}.items()}


def hostile_cases(out, workdir, pidfile):
    """{name: (replace or prepend, histogram.py source change, expectation)} for hostile submissions."""
    correct = "return _counts(image)"
    return {
        "raises": ("replace", "raise RuntimeError('boom')", ("broken", {"histogram"})),
        "hangs": ("replace", "import time\n    time.sleep(10**6)", ("broken", {"histogram"})),
        "spins": ("replace", "while True:\n        pass", ("broken", {"histogram"})),
        "os-exit": ("replace", "import os\n    os._exit(7)", ("broken", {"histogram"})),
        "memory-bomb": ("replace", "return np.ones(30 * 1024**3, dtype=np.uint8)", ("broken", {"histogram"})),
        "numpy-tamper": ("replace", textwrap.dedent("""\
            np.array_equal = lambda *a, **k: True
                np.allclose = lambda *a, **k: True
                np.testing.assert_array_equal = lambda *a, **k: None
                return np.zeros(256, dtype=np.int64)"""), ("broken", {"histogram"})),
        "exit-at-import": ("prepend", "import sys\nsys.exit(3)", ("module lost", "histogram")),
        "hangs-at-import": ("prepend", "import time\ntime.sleep(10**6)", ("module lost", "histogram")),
        # Under the sandbox the grader is out of reach (another PID namespace, or Landlock's
        # signal scoping): only the function is lost. Without it, the batch child dies.
        "kills-its-grader": ("replace", "import os, signal\n    os.kill(os.getppid(), signal.SIGKILL)",
                             ("broken", {"histogram"}) if GRADER_OUT_OF_REACH
                             else ("zero", batch.RowStatus.GRADER_CRASHED)),
        "forges-outputs": ("replace", textwrap.dedent(f"""\
            import pathlib
                out = pathlib.Path({str(out)!r})
                try:  # the sandbox refuses every write outside the scratch folder
                    for name in ("gradebook.csv", "summary.md", "junit.xml", "batch.json"):
                        if out.is_dir():
                            (out / name).write_text("forged: full marks for everyone")
                    (out / "per-submission").mkdir(parents=True, exist_ok=True)
                    (out / "per-submission" / "zz-forged.json").write_text("{{}}")
                    (out / "per-submission" / "correct-01.json").write_text("{{}}")
                except OSError:
                    pass
                {correct}"""), ("full",)),
        "deletes-neighbours": ("replace", textwrap.dedent(f"""\
            import os, pathlib, shutil
                mine = pathlib.Path(os.getcwd()).resolve()
                for folder in pathlib.Path({str(workdir)!r}).glob("pixelgrade-*"):
                    if folder not in mine.parents:
                        shutil.rmtree(folder, ignore_errors=True)
                {correct}"""), ("full",)),
        "rewrites-its-files": ("replace", textwrap.dedent(f"""\
            try:  # its private copy is read-only: refused under the sandbox, harmless without it
                    open("arrays.py", "w").write("raise SystemExit('gone')")
                except OSError:
                    pass
                {correct}"""), ("full",)),
        # A daemon that lets go of its parent's pipes, as daemons do (one that keeps the
        # worker's stderr open hangs the sandbox's clean-up: the submission then times out).
        "leaves-a-daemon": ("replace", textwrap.dedent(f"""\
            import os, time
                if not globals().get("_started") and os.fork() == 0:
                    os.setsid()
                    if os.fork() == 0:
                        os.closerange(0, 4096)
                        with open({str(pidfile)!r}, "a") as file:
                            file.write(f"{{os.getpid()}}\\n")
                        while True:
                            time.sleep(0.2)
                    os._exit(0)
                elif not globals().get("_started"):
                    os.wait()
                globals()["_started"] = True
                {correct}"""), ("full",)),
    }


def _zip_folder(folder, archive, prefix=""):
    with zipfile.ZipFile(archive, "w") as bundle:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                bundle.write(file, prefix + file.relative_to(folder).as_posix())
    shutil.rmtree(folder)


def generate(root, out, workdir, pidfile):
    """Write the submissions under ``root``; {id: expectation}."""
    expected = {}
    for i in range(1, 7):
        make_submission(root / f"correct-{i:02d}", NAMES)
        expected[f"correct-{i:02d}"] = ("full",)
    for i, prefix in enumerate(["", "", "alice/exercises/", "bob/"], start=7):
        make_submission(root / "tmp", NAMES)
        _zip_folder(root / "tmp", root / f"correct-{i:02d}.zip", prefix)
        expected[f"correct-{i:02d}"] = ("full",)
    make_submission(root / "tmp", NAMES)
    (root / "tmp" / "notes.txt").write_text("my notes")
    (root / "tmp" / "__MACOSX").mkdir()
    (root / "tmp" / "__MACOSX" / "._arrays.py").write_bytes(b"\0junk")
    _zip_folder(root / "tmp", root / "correct-11.zip", "submission/")
    expected["correct-11"] = ("full",)
    for i in range(1, 7):
        make_submission(root / f"stub-{i}", NAMES, source=EXERCISES)
        expected[f"stub-{i}"] = ("zero", batch.RowStatus.GRADED, "not started")
    for i in range(1, 3):
        make_submission(root / f"half-{i}", ["histogram"])
        make_submission(root / f"half-{i}", ["arrays"], source=EXERCISES)
        expected[f"half-{i}"] = ("module lost", "arrays")
    for name, entry in BUGS.items():
        for copy in (1, 2):
            make_submission(root / f"buggy-{name}-{copy}", NAMES,
                            replace={entry.exercise: {entry.function: entry.source}})
            expected[f"buggy-{name}-{copy}"] = ("broken", {entry.function})
    for name, (how, code, expectation) in hostile_cases(out, workdir, pidfile).items():
        if how == "replace":
            new = "def histogram(image):\n    " + code
            make_submission(root / f"hostile-{name}", NAMES, replace={"histogram": {"histogram": new}})
        else:
            make_submission(root / f"hostile-{name}", NAMES, prepend={"histogram": code})
        expected[f"hostile-{name}"] = expectation
    make_submission(root / "syntax-error", NAMES)
    (root / "syntax-error" / "arrays.py").write_text("def normalise(images:\n    pass\n")
    expected["syntax-error"] = ("module lost", "arrays")
    with zipfile.ZipFile(root / "evil.zip", "w") as bundle:
        bundle.writestr("histogram.py", (SOLUTIONS / "histogram.py").read_text())
        bundle.writestr("../../escaped.py", "print('out of the sandbox')")
    expected["evil"] = ("zero", batch.RowStatus.UNREADABLE_ZIP)
    (root / "corrupt.zip").write_bytes(b"PK\x03\x04" + os.urandom(200))
    expected["corrupt"] = ("zero", batch.RowStatus.UNREADABLE_ZIP)
    (root / "empty").mkdir()
    (root / "empty" / "README.txt").write_text("I did not do the exercises")
    expected["empty"] = ("zero", batch.RowStatus.GRADED, "missing")
    return expected


def _by_function(report):
    table = {}
    for exercise in report.exercises:
        for check in exercise.checks:
            if not check.bonus and check.status != results.SKIPPED:
                key = (exercise.name, check.function)
                table[key] = table.get(key, 0.0) + check.points
    return table


def _full(report_batch):
    table = {}
    for name, checks in report_batch.expected.items():
        for expected in checks:
            spec = expected.spec
            if not spec.bonus and not expected.skipped:
                table[(name, spec.function)] = table.get((name, spec.function), 0.0) + spec.max_points
    return table


def _check_row(row, expectation, full):
    got = _by_function(row.report)
    kind = expectation[0]
    if kind == "full":
        assert row.status == batch.RowStatus.GRADED and got == full, (row.id, row.status, row.notes)
    elif kind == "zero":
        assert row.status == expectation[1] and row.total == 0, (row.id, row.status, row.notes)
        if len(expectation) > 2:
            assert {e.status for e in row.report.exercises} == {expectation[2]}, row.id
    elif kind == "module lost":
        assert row.status == batch.RowStatus.GRADED, (row.id, row.status, row.notes)
        for key, points in full.items():
            assert got[key] == (0.0 if key[0] == expectation[1] else points), (row.id, key)
    elif kind == "broken":
        assert row.status == batch.RowStatus.GRADED, (row.id, row.status, row.notes)
        for key, points in full.items():
            if key[1] in expectation[1]:
                assert got[key] < points, (row.id, key, got[key])
            else:
                assert got[key] == points, (row.id, key, got[key], points)
    else:
        raise AssertionError(kind)


def _pids_alive(pidfile):
    alive = []
    for line in (pidfile.read_text().split() if pidfile.exists() else []):
        try:
            with open(f"/proc/{int(line)}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] != "Z":
                    alive.append(int(line))
        except OSError:
            pass
    return alive


def test_a_batch_of_fifty_submissions(tmp_path, capsys):
    out, workdir, pidfile = tmp_path / "out", tmp_path / "stage", tmp_path / "daemons.txt"
    expected = generate(tmp_path / "submissions", out, workdir, pidfile)
    assert len(expected) >= 50
    out.mkdir()
    code = cli.main(["batch", str(tmp_path / "submissions"), "-e", "histogram,arrays", "--jobs", "2",
                     "--examples", "3", "--timeout", "2", "--submission-timeout", "120", "--out", str(out),
                     "--workdir", str(workdir), "--hidden-visibility", "hidden"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    first_csv = (out / "gradebook.csv").read_text()
    report = batch.load_batch(out)
    assert csv_gradebook.for_batch(report) == first_csv

    # Every submission has its row, with the expected score; nothing forged survived.
    assert sorted(row.id for row in report.rows) == sorted(expected)
    rows = list(csv.DictReader(io.StringIO(first_csv)))
    assert len(rows) == len(expected) and "forged" not in first_csv
    assert sorted(p.stem for p in (out / "per-submission").iterdir()) == sorted(expected)
    assert json.loads((out / "per-submission" / "correct-01.json").read_text())["status"] == batch.RowStatus.GRADED
    full = _full(report)
    assert report.warnings == [] and gradebook.audit(report, out) == []
    for row in report.rows:
        _check_row(row, expected[row.id], full)
    assert any("modules found in the subfolder alice/exercises/" in n for n in report.row("correct-09").notes)
    assert "unsafe path" in report.row("evil").notes[0]
    assert not (tmp_path / "escaped.py").exists() and not (workdir.parent / "escaped.py").exists()
    # Its worker wrote (or tried to) into a private copy: the staged submission never changed.
    assert not any("files changed" in note for note in report.row("hostile-rewrites-its-files").notes)
    assert report.row("stub-1").notes == ["arrays: not started", "histogram: not started"]
    assert not _pids_alive(pidfile), "a daemon left by a submission outlived its grading"
    assert not list(workdir.iterdir()), "staging folders were left behind"
    assert "ran out of memory" in json.dumps(report.row("hostile-memory-bomb").to_dict())
    crashed = report.row("hostile-kills-its-grader")
    if not GRADER_OUT_OF_REACH:
        assert all(c.status == results.CheckStatus.NOT_GRADED for e in crashed.report.exercises for c in e.checks)

    # Again, as two shards graded side by side and merged: the same gradebook.
    submissions = batch.discover([tmp_path / "submissions"])
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        shards = list(pool.map(lambda i: batch.grade_batch(submissions, exercises=NAMES, jobs=1, shard=(i, 2),
                                                           workdir=workdir, **SETTINGS), (1, 2)))
    assert {len(shard.rows) for shard in shards} <= {len(expected) // 2, len(expected) // 2 + 1}
    merged = batch.merge(shards)
    assert csv_gradebook.for_batch(merged) == first_csv
    statuses = [[(c.id, c.status, c.points) for e in row.report.exercises for c in e.checks] for row in merged.rows]
    assert statuses == [[(c.id, c.status, c.points) for e in row.report.exercises for c in e.checks]
                        for row in report.rows]
    assert not _pids_alive(pidfile)


def test_exec_launcher_and_a_submission_over_its_time_limit(tmp_path):
    """Fresh interpreters (where there is no fork server) behave the same; a slow submission times out."""
    root = tmp_path / "submissions"
    make_submission(root / "good", ["histogram"])
    make_submission(root / "killer", ["histogram"], replace={"histogram": {"histogram": """
        def histogram(image):
            import os, signal
            os.kill(os.getppid(), signal.SIGKILL)
    """}})
    submissions = batch.discover([root])
    report = batch.grade_batch(submissions, exercises=["histogram"], jobs=2, launcher="exec", max_examples=3,
                               timeout_s=2.0, workdir=tmp_path / "stage")
    assert report.rows[0].status == "graded" and report.rows[0].total == report.rows[0].max_total > 0
    if GRADER_OUT_OF_REACH:
        assert report.rows[1].status == "graded" and report.rows[1].total < report.rows[0].total
    else:
        assert report.rows[1].status == "grader crashed" and report.rows[1].total == 0
        assert "killed by signal 9" in report.rows[1].notes[0]

    make_submission(root / "slow", ["histogram"], replace={"histogram": {"histogram": """
        def histogram(image):
            import time
            time.sleep(1.5)
            return _counts(image)
    """}})
    slow = [s for s in batch.discover([root]) if s.id == "slow"]
    report = batch.grade_batch(slow, exercises=["histogram"], max_examples=3, timeout_s=2.0,
                               submission_timeout_s=4.0, workdir=tmp_path / "stage")
    row = report.rows[0]
    assert row.status == batch.RowStatus.TIMED_OUT and row.total == 0 and "limit of 4 s" in row.notes[0]
    assert len(row.report.exercise("histogram").checks) == len(report.expected["histogram"])
