"""A class graded as shards (examples/github-actions/class.yml), run locally: merged = unsharded, row for row."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time

import pytest
from conftest import EXERCISES, PROJECT_ROOT, SOLUTIONS, make_submission

SCRIPTS = PROJECT_ROOT / "examples" / "github-actions"
GRADER = f"{sys.executable} -m grader"
SHARDS = 3
pytestmark = pytest.mark.skipif(os.name != "posix", reason="the examples are bash scripts")

BUGGY = """
def histogram(image):
    image = _check_uint8(image)
    return np.bincount(image.ravel(), minlength=255)[:255].astype(np.int64)
"""


def _env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "GITHUB_", "PIXELGRADE"))}
    env["PIXELGRADE"] = GRADER
    return env


def _class(folder):
    for name in ("ada", "bob", "cy"):
        make_submission(folder / name, ["histogram"])
    make_submission(folder / "dee", ["histogram"], replace={"histogram": {"histogram": BUGGY}})
    make_submission(folder / "eve", ["histogram"], source=EXERCISES)
    make_submission(folder / "fay", ["histogram"], source=SOLUTIONS)
    (folder / "gus").mkdir()
    (folder / "gus" / "notes.txt").write_text("no modules here")
    return folder


def _rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _run(*command, cwd):
    started = time.perf_counter()
    done = subprocess.run(["bash", *map(str, command)], cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return time.perf_counter() - started


def test_three_shards_merged_equal_the_unsharded_batch(tmp_path):
    submissions = _class(tmp_path / "submissions")
    options = ["--exercise", "histogram", "--jobs", "1"]
    whole = _run(SCRIPTS / "grade-shard.sh", 1, 1, submissions, tmp_path / "whole", *options, cwd=PROJECT_ROOT)
    sharded = [_run(SCRIPTS / "grade-shard.sh", i, SHARDS, submissions, tmp_path / f"shard-{i}", *options,
                    cwd=PROJECT_ROOT) for i in range(1, SHARDS + 1)]
    merge = _run(SCRIPTS / "merge-shards.sh", tmp_path / "class",
                 *(tmp_path / f"shard-{i}" for i in range(1, SHARDS + 1)), cwd=PROJECT_ROOT)
    print(f"unsharded {whole:.1f} s; shards {', '.join(f'{s:.1f}' for s in sharded)} s; merge {merge:.1f} s")

    merged, unsharded = _rows(tmp_path / "class" / "gradebook.csv"), _rows(tmp_path / "whole" / "gradebook.csv")
    assert merged == unsharded
    # Byte for byte (row order, quoting): only the times may differ in the other outputs.
    assert (tmp_path / "class" / "gradebook.csv").read_bytes() == (tmp_path / "whole" / "gradebook.csv").read_bytes()
    assert len(unsharded) == 7  # every submission got a row, the folder without modules too
    per_shard = [len(_rows(tmp_path / f"shard-{i}" / "gradebook.csv")) for i in range(1, SHARDS + 1)]
    assert sum(per_shard) == 7 and all(count > 0 for count in per_shard)
    for output in ("summary.md", "report.html", "junit.xml", "batch.json"):
        assert (tmp_path / "class" / output).stat().st_size > 0, output


def test_the_workflow_runs_the_scripts_in_a_matrix_and_merges():
    text = (SCRIPTS / "class.yml").read_text()
    assert "matrix:" in text and "shard: [1, 2, 3, 4]" in text and "SHARDS: 4" in text
    assert "bash examples/github-actions/grade-shard.sh" in text
    assert "bash examples/github-actions/merge-shards.sh class shard-*" in text
    assert text.count("actions/upload-artifact") == 2 and "actions/download-artifact" in text
