"""Batch grading's parts on small hand-made data (no grading): zips and staging, discovery, shards and
their merge, the batch and merge commands' usage errors, and the signed results of a grading process."""

import json
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import batch_samples
import pytest

from grader.instructor import batch
from grader.instructor.batch import BatchReport
from grader.writers import csv_gradebook, gradebook


# -- zips and staging --------------------------------------------------------------------------
def _zip(path, entries, links=()):
    with zipfile.ZipFile(path, "w") as bundle:
        for name, text in entries.items():
            bundle.writestr(name, text)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o120777 << 16
            bundle.writestr(info, "/etc/passwd")
    return path


@pytest.mark.parametrize("entries, links, words", [
    ({"../escape.py": "x = 1", "histogram.py": "x = 1"}, (), "unsafe path: '../escape.py'"),
    ({"/abs/histogram.py": "x = 1"}, (), "unsafe path"),
    ({"sub/..\\..\\evil.py": "x = 1"}, (), "unsafe path"),
    ({"histogram.py": "x = 1"}, ("link.py",), "symbolic link"),
], ids=["dot-dot", "absolute", "backslashes", "symlink"])
def test_malicious_zip_is_refused_and_writes_nothing_outside(tmp_path, entries, links, words):
    archive = _zip(tmp_path / "evil.zip", entries, links)
    destination = tmp_path / "out" / "inside"
    destination.mkdir(parents=True)
    with pytest.raises(batch.Unreadable) as error:
        batch.safe_extract(archive, destination)
    assert words in str(error.value)
    assert not (tmp_path / "escape.py").exists() and not (tmp_path / "out" / "escape.py").exists()
    assert not (tmp_path / "evil.py").exists()


def test_zip_bomb_and_corrupt_zip_are_refused(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("histogram.py", b"#" * (3 * 1024 * 1024))
    with pytest.raises(batch.Unreadable, match="larger than"):
        batch.safe_extract(bomb, tmp_path / "x", batch.ArchiveLimits(max_file_bytes=1024 * 1024))
    (tmp_path / "corrupt.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(batch.Unreadable, match="cannot be read as a zip"):
        batch.safe_extract(tmp_path / "corrupt.zip", tmp_path / "y")


def test_modules_in_a_subfolder_of_a_zip_are_found(tmp_path):
    archive = _zip(tmp_path / "alice.zip", {"alice/exercises/histogram.py": "x = 1", "alice/notes.txt": "hi",
                                            "__MACOSX/alice/._histogram.py": "junk"})
    workdir = tmp_path / "stage"
    workdir.mkdir()
    modules, notes, digests = batch.stage(batch.Submission("alice", archive), workdir, ["histogram"])
    assert modules == (workdir / "submission" / "alice" / "exercises").resolve()
    assert notes == ["modules found in the subfolder alice/exercises/"]
    assert digests == batch.digest_tree(workdir / "submission")
    assert not (workdir / "submission" / "__MACOSX").exists()


def test_discover_submissions(tmp_path):
    (tmp_path / "subs" / "bob").mkdir(parents=True)
    (tmp_path / "subs" / "bob" / "histogram.py").write_text("x = 1")
    _zip(tmp_path / "subs" / "Alice Smith.zip", {"histogram.py": "x = 1"})
    (tmp_path / "subs" / "bob.zip").write_bytes(b"")
    (tmp_path / "subs" / "readme.txt").write_text("not a submission")
    (tmp_path / "subs" / ".git").mkdir()
    found = batch.discover([tmp_path / "subs"])
    # readme.txt is listed as skipped, with why (tests/instructor/test_exports.py); .git/ is ignored.
    assert [s.id for s in found] == ["Alice_Smith", "bob", "bob-2", "readme.txt"]
    assert [s.is_zip for s in found] == [True, False, True, False]
    assert [s.skip for s in found] == ["", "", "", "not a submission: a .txt file"]
    # A folder that holds modules is one submission; --single makes any folder one.
    assert [s.id for s in batch.discover([tmp_path / "subs" / "bob"])] == ["bob"]
    assert [s.id for s in batch.discover([tmp_path / "subs"], single=True)] == ["subs"]


# -- shards --------------------------------------------------------------------------------------
@pytest.fixture
def small_batch():
    return batch_samples.small_batch()


def test_shards_split_deterministically():
    submissions = [batch.Submission(name, Path(name)) for name in "edcbagf"]
    shards = [batch.select_shard(submissions, (i, 3)) for i in (1, 2, 3)]
    assert [[s.id for s in shard] for shard in shards] == [["a", "d", "g"], ["b", "e"], ["c", "f"]]
    assert batch.parse_shard("2/3") == (2, 3)
    for bad in ("0/3", "4/3", "2", "a/b"):
        with pytest.raises(ValueError, match="i/n"):
            batch.parse_shard(bad)


def _shard(small_batch, index, count, ids):
    part = BatchReport.from_dict(small_batch.to_dict())
    part.shard = (index, count)
    part.rows = [row for row in part.rows if row.id in ids]
    return part


def test_merge_joins_shards_and_refuses_bad_ones(small_batch):
    one, two = _shard(small_batch, 1, 2, {"alice", "carol"}), _shard(small_batch, 2, 2, {"bob"})
    merged = batch.merge([two, one])
    assert csv_gradebook.for_batch(merged) == csv_gradebook.for_batch(small_batch)
    with pytest.raises(batch.MergeError, match="overlapping shards: shard 1/2 given more than once"):
        batch.merge([one, one, two])
    with pytest.raises(batch.MergeError, match="incomplete: shard 2/2 of 2 is missing"):
        batch.merge([one])
    overlapping = _shard(small_batch, 2, 2, {"bob", "alice"})
    with pytest.raises(batch.MergeError, match="overlapping shards: 'alice'"):
        batch.merge([one, overlapping])
    lost = _shard(small_batch, 2, 2, set())
    with pytest.raises(batch.MergeError, match="incomplete: no row for 1 submission"):
        batch.merge([one, lost])
    other = _shard(small_batch, 2, 2, {"bob"})
    other.settings = {**other.settings, "max_examples": 50}
    with pytest.raises(batch.MergeError, match="different batch"):
        batch.merge([one, other])


def test_merge_command(small_batch, tmp_path, capsys):
    from grader.cli import main as cli

    for index, ids in ((1, {"alice", "carol"}), (2, {"bob"})):
        gradebook.write_all(_shard(small_batch, index, 2, ids), tmp_path / f"shard{index}")
    assert cli.main(["merge", str(tmp_path / "shard1"), str(tmp_path / "shard2"), "--out", str(tmp_path / "all")]) == 0
    assert (tmp_path / "all" / "gradebook.csv").read_text() == csv_gradebook.for_batch(small_batch)
    assert ET.parse(tmp_path / "all" / "junit.xml").getroot().get("tests") == "15"
    assert cli.main(["merge", str(tmp_path / "shard1"), "--out", str(tmp_path / "bad")]) == 2
    assert "incomplete: shard 2/2 of 2 is missing" in " ".join(capsys.readouterr().err.split())


def test_a_shard_whose_ids_would_name_files_elsewhere_is_refused(small_batch, tmp_path):
    """Row ids name the per-submission files: a tampered batch.json must not make them name any other file."""
    tampered = small_batch.to_dict()
    tampered["rows"][0]["id"] = "../../escaped"
    (tmp_path / "batch.json").write_text(json.dumps(tampered))
    with pytest.raises(batch.MergeError, match="ids no batch makes"):
        batch.load_batch(tmp_path)
    with pytest.raises(ValueError, match="row ids must be ids a batch makes"):
        gradebook.write_all(BatchReport.from_dict(tampered), tmp_path / "out")
    assert not (tmp_path / "escaped.json").exists() and not (tmp_path.parent / "escaped.json").exists()


@pytest.mark.parametrize("args, words", [
    (["--shard", "3/2"], "--shard must be i/n"),
    (["--jobs", "0"], "--jobs must be at least 1"),
    (["--gradescope-results", "r.json"], "needs exactly one submission; found 2"),
    (["-e", "histogrm"], "unknown exercise 'histogrm'"),
    (["--out", "FILE"], "is a file"),
], ids=["shard", "jobs", "gradescope", "exercise", "out"])
def test_batch_usage_errors(tmp_path, capsys, args, words):
    from grader.cli import main as cli

    for name in ("a", "b"):
        (tmp_path / "subs" / name).mkdir(parents=True)
    (tmp_path / "FILE").write_text("")
    args = [str(tmp_path / "FILE") if a == "FILE" else a for a in args]
    assert cli.main(["batch", str(tmp_path / "subs"), *args]) == 2
    assert words in " ".join(capsys.readouterr().err.split())
    assert cli.main(["batch", str(tmp_path / "nowhere")]) == 2


def test_results_from_a_grading_process_must_be_signed():
    from grader.sandbox import frames

    key, other = b"k" * 32, b"o" * 32
    real = frames.sign(key, b'{"ok": true, "points": 3}')
    forged = frames.sign(other, b'{"ok": true, "points": 999}')
    assert frames.verify(key, real) == b'{"ok": true, "points": 3}'
    assert frames.verify(key, forged) is None
    assert frames.verify(key, real.replace(b"3", b"9")) is None
    stream = b"junk" + forged + real + b"PGR1 trailing junk"
    assert frames.find_signed(key, stream) == b'{"ok": true, "points": 3}'
    assert frames.find_signed(key, b"junk" + forged) is None
