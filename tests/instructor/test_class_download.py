"""A whole class download graded by ``pixelgrade batch``, as an instructor would (issues 21 and 23).

The class holds what a real download holds and what a hostile one adds: a README.txt and a stray file
that are no submissions, names with HTML, Markdown, terminal escape codes and a spreadsheet formula, a
4 KB .tar.gz with a 4 MB GNU long name, a 100 KB one with a 100 MB name, a gzip bomb (152 MB of zeros in
150 KB), a notebook Python cannot parse, and submissions that are graded (the cheap ``histogram``).
One batch, run in a subprocess of its own so that its peak memory can be measured; every test reads
its outputs.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import statistics
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
import zipfile
import zlib

import nbformat
import pytest
from conftest import PROJECT_ROOT, SOLUTIONS
from nbformat.v4 import new_code_cell, new_notebook
from test_bounded_staging import long_name_tar_gz

pytestmark = pytest.mark.slow

HISTOGRAM = (SOLUTIONS / "histogram.py").read_text()
HOSTILE = "<img src=x onerror=alert(1)> `code` | pipe [link](http:evil) **bold** \x1b[31mred\x1b[0m =SUM(1)"
MNIST = "/srv/course-data/mnist-10k.npz"  # named in the grader's environment: no learner may see it
FAST = ["-e", "histogram", "--examples", "3", "--jobs", "2", "--timeout", "5"]
SUBMISSIONS = ["alice", "bomb", "deep", "longname", "mallory", "tiny-longname"]
NOT_SUBMISSIONS = ["README.txt", "HYPERLINK"]  # by their ids' beginnings
PEAK_MEMORY = 512 * 1024**2  # the grading process, at its largest (a 100 MB name read and copied would pass it)
OUTPUT_BYTES = 3 * 1024**2  # every file the batch writes, together


def _gzip_bomb(path, members: int, size: int):
    """A .tar.gz of ``members`` files of ``size`` zeros, packed once and repeated (gzip allows many members)."""
    import tarfile

    def packed(data: bytes) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)
        return packer.compress(data) + packer.flush()

    zeros = packed(bytes(size))
    with open(path, "wb") as out:
        for i in range(members):
            info = tarfile.TarInfo(f"bomb/part{i}.py")
            info.size = size
            out.write(packed(info.tobuf(format=tarfile.USTAR_FORMAT)) + zeros)
        out.write(packed(bytes(1024)))
    return path


def _class_download(root):
    (root / "alice").mkdir(parents=True)
    (root / "alice" / "histogram.py").write_text(HISTOGRAM)
    (root / "README.txt").write_text("Submissions for assignment 3")
    (root / "=HYPERLINK(1)<i>\x1b[2Jx.pdf").write_text("not a submission")
    # Its histogram prints escape codes and raises with a hostile message; the module's other functions work.
    broken = HISTOGRAM.replace("def histogram(image):", "def histogram(image):\n"
                               "    print('\\x1b[2J\\x1b]0;pwned\\x07')\n"
                               f"    raise ValueError({HOSTILE!r})\n\ndef _unused(image):", 1)
    with zipfile.ZipFile(root / "mallory.zip", "w") as bundle:
        bundle.writestr(f"{HOSTILE}/histogram.py", broken)
    long_name_tar_gz(root / "tiny-longname.tar.gz", 4 * 1024**2)
    long_name_tar_gz(root / "longname.tar.gz", 100 * 1024**2)
    _gzip_bomb(root / "bomb.tar.gz", 8, 19 * 1024**2)  # each under the file limit, 152 MB in all
    notebook = new_notebook(cells=[new_code_cell("x = " + " + ".join(["1"] * 20_000)), new_code_cell(HISTOGRAM)])
    nbformat.write(notebook, str(root / "deep.ipynb"))
    return root


# The batch, in a process of its own, measured by its parent: the peak memory of the batch process.
_MEASURE = textwrap.dedent("""
    import json, resource, subprocess, sys
    done = subprocess.run(sys.argv[1:], capture_output=True, text=True, errors="replace")
    print(json.dumps({"code": done.returncode, "out": done.stdout, "err": done.stderr,
                      "peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
""")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("instructor")
    _class_download(base / "class-download")
    env = {**os.environ, "PIXELGRADE_MNIST": MNIST,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
    # -P: the working folder is not put on sys.path, as with the pixelgrade command (learner code, which
    # must be able to read everything on it, never needs the instructor's folder).
    command = [sys.executable, "-c", _MEASURE, sys.executable, "-P", "-m", "grader", "batch", "class-download",
               "--course", str(PROJECT_ROOT / "course"),
               "--out", "out", *FAST]
    run = subprocess.run(command, cwd=base, env=env, capture_output=True, text=True, timeout=600)
    result = json.loads(run.stdout.strip().splitlines()[-1])
    out = base / "out"
    assert (out / "gradebook.csv").exists(), result["out"][-2000:] + result["err"][-3000:]
    rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8"))))
    return {"base": base, "out": out, "result": result, "rows": {row["submission"]: row for row in rows}}


def test_the_batch_ends_normally_small_and_within_memory(graded):
    result = graded["result"]
    assert result["code"] == 0, result["err"][-3000:]
    assert result["peak_kb"] * 1024 < PEAK_MEMORY, f"peak memory {result['peak_kb'] / 1024:.0f} MB"
    files = [p for p in graded["out"].rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < OUTPUT_BYTES
    for shown in (result["out"], result["err"]):
        assert "\x1b" not in shown and "\x07" not in shown  # nothing of a learner's reaches the terminal as a code


def test_hostile_archives_are_the_learners_failure_with_a_short_note(graded):
    rows = graded["rows"]
    assert sorted(rows) == SUBMISSIONS
    for name, words in (("longname", "header of 100 MB before an entry"),
                        ("tiny-longname", "header of 4 MB before an entry"),
                        ("bomb", "more than 100 MB once unpacked")):
        assert rows[name]["status"] == "unreadable submission", rows[name]
        assert words in rows[name]["notes"] and len(rows[name]["notes"]) < 300, rows[name]["notes"]
    assert rows["deep"]["status"] == "graded" and rows["deep"]["histogram"] == "0"
    assert "deep.ipynb: the notebook could not be read" in rows["deep"]["notes"]
    assert float(rows["alice"]["histogram"]) == float(rows["alice"]["max_points"]) > float(rows["mallory"]["histogram"])
    assert not list(graded["base"].glob("pixelgrade-*")) and not list(graded["base"].glob("*/bomb"))


def test_only_submissions_get_files_and_are_counted(graded):
    out = graded["out"]
    for folder in ("feedback", "gradescope", "per-submission"):
        assert sorted(p.stem for p in (out / folder).iterdir()) == SUBMISSIONS, folder
    suites = [s.get("name") for s in ET.parse(out / "junit.xml").getroot().iter("testsuite")]
    assert sorted(suites) == SUBMISSIONS
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert summary.startswith(f"## pixelgrade: {len(SUBMISSIONS)} submissions\n")
    totals = [float(row["total_with_bonus"]) for row in graded["rows"].values()]
    assert f"Mean total with bonus {round(statistics.mean(totals), 2):g}," in summary  # the count and the mean agree
    warnings = summary.split("### Warnings", 1)[1]
    assert "README.txt: skipped (not a submission: a .txt file)" in warnings
    assert "skipped (not a submission: a .pdf file)" in warnings
    data = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert sorted(row["id"] for row in data["rows"] if row["status"] == "not graded")[0].startswith("HYPERLINK")


def _learner_files(out):
    return [*(out / "feedback").iterdir(), *(out / "gradescope").iterdir()]


def test_no_learner_facing_file_names_a_path_outside_the_submission(graded):
    base, out = graded["base"], graded["out"]
    for path in _learner_files(out):
        text = path.read_text(encoding="utf-8")
        shown = json.dumps(json.loads(text), ensure_ascii=False) if path.suffix == ".json" else text
        for grader_path in (str(base), str(PROJECT_ROOT), MNIST, "class-download", "/tmp/", "pixelgrade-",
                            "--target", ".nox", "site-packages"):
            assert grader_path not in shown, f"{path.name} names {grader_path!r}"
        assert not re.search(r"""(?:^|[\s"'(=])/[^\s"'/]+/""", shown), f"{path.name} holds an absolute path"
    feedback = (out / "feedback" / "deep.txt").read_text(encoding="utf-8")
    assert "the notebook could not be read" in feedback
    bomb = json.loads((out / "gradescope" / "bomb.json").read_text(encoding="utf-8"))
    assert bomb["output"].startswith("Your submission could not be read: it holds more than 100 MB once unpacked")


def test_every_format_escapes_what_it_quotes(graded):
    out = graded["out"]
    for path in (p for p in out.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        assert b"\x1b" not in raw and b"\x07" not in raw, path.name
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "<img" not in summary and "`code`" not in summary and "[link](" not in summary
    assert "&lt;img src=x onerror=alert(1)&gt; \\`code\\` \\| pipe \\[link\\]" in summary
    page = (out / "report.html").read_text(encoding="utf-8")  # its escaping: tests/writers/test_hostile_text.py
    assert "<img" not in page and "<i>" not in page
    for row in csv.reader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8"))):
        assert not any(cell.lstrip().startswith(("=", "+", "@")) for cell in row), row
    ET.parse(out / "junit.xml")
    mallory = (out / "feedback" / "mallory.txt").read_text(encoding="utf-8")
    assert "it raised ValueError: <img src=x onerror=alert(1)>" in mallory  # plain text: shown as written
