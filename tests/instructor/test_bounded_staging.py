"""Staging within bounds (grader/instructor/batch/staging.py, grader/instructor/batch/intake.py): an archive's
headers are read with a cap, its sizes counted, a gzip bomb stops at the cap, names from a submission are
cut where a note is made, the staged copy is private (0700 folders, 0600 files), and a notebook Python
cannot parse is that submission's failure. Small hand-made archives; no grading."""

from __future__ import annotations

import io
import os
import stat
import tarfile
import tracemalloc
import zipfile
import zlib

import nbformat
import pytest
from conftest import SOLUTIONS
from nbformat.v4 import new_code_cell, new_notebook

from grader.instructor import batch
from grader.instructor.batch import ArchiveLimits, Submission, Unreadable, exports

HISTOGRAM = (SOLUTIONS / "histogram.py").read_text()
SMALL = ArchiveLimits(max_files=50, max_file_bytes=2 * 1024**2, max_total_bytes=3 * 1024**2)


def long_name_tar_gz(path, name_bytes: int, *, chain: int = 1):
    """A .tar.gz whose GNU long-name header claims a name of ``name_bytes`` (a 4 MB name packs into 4 KB).

    ``chain``: that many long-name headers in a row before the member.
    """
    def header(name, size, kind):
        info = tarfile.TarInfo(name)
        info.size, info.type = size, kind
        return info.tobuf(format=tarfile.USTAR_FORMAT)

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip stream
    with open(path, "wb") as out:
        for _ in range(chain):
            out.write(packer.compress(header("././@LongLink", name_bytes, tarfile.GNUTYPE_LONGNAME)))
            left = name_bytes
            while left > 0:
                out.write(packer.compress(b"a" * min(left, 1 << 20)))
                left -= 1 << 20
            out.write(packer.compress(b"\0" * (-name_bytes % 512)))
        data = HISTOGRAM.encode()
        member = header("histogram.py", len(data), tarfile.REGTYPE) + data + b"\0" * (-len(data) % 512)
        out.write(packer.compress(member))
        out.write(packer.compress(b"\0" * 1024) + packer.flush())
    return path


def bomb_tar_gz(path, members: dict[str, int]):
    """A .tar.gz of files of zeros ({name: size}): megabytes that pack into a few kilobytes."""
    with tarfile.open(path, "w:gz") as bundle:
        for name, size in members.items():
            info = tarfile.TarInfo(name)
            info.size = size
            bundle.addfile(info, io.BytesIO(bytes(size)))
    return path


def _size_of(folder):
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# -- tar headers, read with a cap ----------------------------------------------------------------------
@pytest.mark.parametrize("name_bytes", [4 * 1024**2, 100 * 1024**2], ids=["4 MB name in 4 KB", "100 MB name"])
def test_a_huge_gnu_long_name_is_refused_at_its_header_without_reading_it(tmp_path, name_bytes):
    archive = long_name_tar_gz(tmp_path / "long.tar.gz", name_bytes)
    assert archive.stat().st_size < name_bytes / 500  # a bomb: a few KB for megabytes
    tracemalloc.start()
    try:
        with pytest.raises(Unreadable, match="header of .* before an entry") as refused:
            batch.safe_extract_tar(archive, tmp_path / "out")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024**2, f"{peak} bytes allocated: the name was read"
    assert len(str(refused.value)) < 200
    assert not (tmp_path / "out").exists() or _size_of(tmp_path / "out") == 0


def test_a_chain_of_long_name_headers_is_refused_not_followed(tmp_path):
    archive = long_name_tar_gz(tmp_path / "chain.tar.gz", 600, chain=3000)  # tarfile would recurse 3000 deep
    with pytest.raises(Unreadable, match="headers in a row"):
        batch.safe_extract_tar(archive, tmp_path / "out")


def test_a_pax_header_over_the_cap_is_refused(tmp_path):
    archive = tmp_path / "pax.tar"
    with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as bundle:
        info = tarfile.TarInfo("histogram.py")
        info.pax_headers = {"comment": "x" * 20_000}
        bundle.addfile(info, io.BytesIO(b""))
    with pytest.raises(Unreadable, match="header of"):
        batch.safe_extract_tar(archive, tmp_path / "out")
    # Within the cap, pax headers are what they always were: fine.
    with tarfile.open(tmp_path / "ok.tar", "w", format=tarfile.PAX_FORMAT) as bundle:
        info = tarfile.TarInfo("histogram.py")
        info.size = len(HISTOGRAM.encode())
        bundle.addfile(info, io.BytesIO(HISTOGRAM.encode()))
    assert list(batch.safe_extract_tar(tmp_path / "ok.tar", tmp_path / "ok")) == ["histogram.py"]


def test_a_sparse_member_is_refused(tmp_path):
    info = tarfile.TarInfo("histogram.py")
    info.type = tarfile.GNUTYPE_SPARSE
    (tmp_path / "sparse.tar").write_bytes(info.tobuf(format=tarfile.GNU_FORMAT) + bytes(1024))
    with pytest.raises(Unreadable, match="sparse file"):
        batch.safe_extract_tar(tmp_path / "sparse.tar", tmp_path / "out")


# -- sizes: declared, then counted ------------------------------------------------------------------------
def test_a_gzip_bomb_stops_at_the_cap(tmp_path):
    archive = bomb_tar_gz(tmp_path / "bomb.tar.gz", {f"part{i}.py": 1024**2 for i in range(40)})  # 40 MB of zeros
    assert archive.stat().st_size < 200 * 1024
    destination = tmp_path / "out"
    with pytest.raises(Unreadable, match="more than 3 MB once unpacked"):
        batch.safe_extract_tar(archive, destination, SMALL)
    assert _size_of(destination) <= SMALL.max_total_bytes


def test_members_passed_over_count_too(tmp_path):
    """Reading past a .git/ folder means unpacking it: it counts towards the total, and is refused before."""
    archive = bomb_tar_gz(tmp_path / "git.tar.gz", {".git/objects/pack": 50 * 1024**2, "histogram.py": 10})
    with pytest.raises(Unreadable, match="more than 3 MB once unpacked"):
        batch.safe_extract_tar(archive, tmp_path / "out", SMALL)


def test_a_zip_is_refused_by_its_declared_sizes_before_anything_is_written(tmp_path):
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for i in range(4):
            bundle.writestr(f"part{i}.py", bytes(1024**2))
    destination = tmp_path / "out"
    destination.mkdir()
    with pytest.raises(Unreadable, match="more than 3 MB once unpacked"):
        batch.safe_extract(archive, destination, SMALL)
    assert not any(destination.iterdir())


def test_a_zip_directory_is_checked_before_zipfile_reads_it(tmp_path, monkeypatch):
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for i in range(60):
            bundle.writestr(f"f{i}.py", "x = 1")
    monkeypatch.setattr(zipfile, "ZipFile", lambda *a, **k: pytest.fail("zipfile read the whole directory"))
    with pytest.raises(Unreadable, match="holds 60 entries; at most 50"):
        batch.safe_extract(archive, tmp_path / "out", SMALL)


def test_a_zip_entry_with_a_name_of_kilobytes_is_refused(tmp_path):
    archive = tmp_path / "name.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("a" * 9000 + ".py", "x = 1")
    with pytest.raises(Unreadable, match="name is 9003 characters long"):
        batch.safe_extract(archive, tmp_path / "out")


# -- names, cut where a note is made -------------------------------------------------------------------
def test_names_from_a_submission_are_cut_and_cleaned_in_every_note(tmp_path):
    deep = "/".join(["\x1b[31m<b>" + "n" * 240] * 3)  # 750 characters of folders, an escape code, HTML
    archive = tmp_path / "deep.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(f"{deep}/histogram.py", HISTOGRAM)
        bundle.writestr(f"{deep}/Histogram_final.ipynb", "{}")
    (tmp_path / "stage").mkdir()
    _, notes, _ = batch.stage(Submission("deep", archive), tmp_path / "stage", ["histogram", "equalisation"])
    assert notes and all(len(note) <= 1000 and "\x1b" not in note and "\n" not in note for note in notes)
    subfolder = next(note for note in notes if note.startswith("modules found in the subfolder …nnn"))
    assert len(subfolder) < len("modules found in the subfolder ") + 310  # the name cut at 300 characters
    assert any("Histogram_final.ipynb: the notebook could not be read" in note for note in notes), notes
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as bundle:
        bundle.writestr("../" + "x" * 5000, "x = 1")
    with pytest.raises(Unreadable) as refused:
        batch.safe_extract(evil, tmp_path / "evil")
    assert "unsafe path" in str(refused.value) and len(str(refused.value)) < 400
    # A name too long for the disk: unreadable, and the note names no folder of the grader's.
    with zipfile.ZipFile(tmp_path / "long.zip", "w") as bundle:
        bundle.writestr("/".join(["d" * 250] * 30) + "/histogram.py", HISTOGRAM)
    with pytest.raises(Unreadable, match="cannot be read as a zip file") as refused:
        batch.safe_extract(tmp_path / "long.zip", tmp_path / "long")
    assert str(tmp_path) not in str(refused.value) and len(str(refused.value)) < 200


def test_a_submissions_id_is_short_whatever_its_name(tmp_path):
    (tmp_path / "subs" / ("a" * 250)).mkdir(parents=True)
    (tmp_path / "subs" / ("a" * 250) / "histogram.py").write_text(HISTOGRAM)
    (tmp_path / "subs" / "=HYPERLINK(1)\x1b[2J.pdf").write_text("x")
    found = exports.discover([tmp_path / "subs"])
    assert all(len(s.id) <= 80 and not s.id.startswith(("=", "-", "_", ".")) for s in found.submissions)
    assert all("\x1b" not in warning for warning in found.warnings)


# -- private copies ------------------------------------------------------------------------------------
def _modes(root):
    return {(p.relative_to(root).as_posix(), stat.S_IMODE(p.stat().st_mode), p.is_dir()) for p in root.rglob("*")}


@pytest.mark.parametrize("kind", ["folder", "zip", "tar", "canvas", "notebook"])
def test_a_staged_copy_is_private(tmp_path, kind):
    old = os.umask(0o022)  # what most machines have: without care, files would be world-readable
    try:
        source = tmp_path / "alice"
        (source / "sub").mkdir(parents=True)
        (source / "sub" / "histogram.py").write_text(HISTOGRAM)
        if kind == "zip":
            with zipfile.ZipFile(tmp_path / "alice.zip", "w") as bundle:
                bundle.writestr("alice/sub/histogram.py", HISTOGRAM)
            submission = Submission("alice", tmp_path / "alice.zip")
        elif kind == "tar":
            with tarfile.open(tmp_path / "alice.tar.gz", "w:gz") as bundle:
                bundle.add(source, arcname="alice")
            submission = Submission("alice", tmp_path / "alice.tar.gz")
        elif kind == "canvas":
            submission = Submission("alice", source / "sub" / "histogram.py",
                                    parts=(("histogram.py", source / "sub" / "histogram.py"), ("more", source)))
        elif kind == "notebook":
            notebook = tmp_path / "histogram.ipynb"
            nbformat.write(new_notebook(cells=[new_code_cell(HISTOGRAM)]), str(notebook))
            submission = Submission("alice", notebook)
        else:
            submission = Submission("alice", source)
        (tmp_path / "stage").mkdir()
        batch.stage(submission, tmp_path / "stage", ["histogram"])
        staged = tmp_path / "stage" / "submission"
        modes = _modes(staged) | {(".", stat.S_IMODE(staged.stat().st_mode), True)}
        assert any(name.endswith("histogram.py") for name, _, _ in modes)
        assert {(mode, is_dir) for _, mode, is_dir in modes} <= {(0o700, True), (0o600, False)}, sorted(modes)
    finally:
        os.umask(old)


# -- notebooks Python cannot parse -----------------------------------------------------------------------
@pytest.mark.parametrize("cells", [
    ["x = " + " + ".join(["1"] * 20_000), HISTOGRAM],  # one expression of 20,000 terms: RecursionError
    ["y = x" + ".a" * 20_000, HISTOGRAM],  # a chain of attributes: RecursionError
    ["z = " + "-" * 20_000 + "1", HISTOGRAM],  # Python's parser runs out of stack: MemoryError
], ids=["long expression", "attributes", "unary minus"])
def test_a_notebook_python_cannot_parse_is_the_submissions_failure(tmp_path, cells):
    path = tmp_path / "bob" / "histogram.ipynb"
    path.parent.mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells]), str(path))
    (tmp_path / "stage").mkdir()
    _, notes, _ = batch.stage(Submission("bob", path.parent), tmp_path / "stage", ["histogram"])
    assert any(note.startswith("histogram.ipynb: the notebook could not be read: ") for note in notes), notes
    assert "no exercise modules were found in the submission" in notes  # and nothing to rename or move


def test_a_notebook_whose_json_is_nested_too_deeply_is_the_submissions_failure(tmp_path):
    path = tmp_path / "carl" / "histogram.ipynb"
    path.parent.mkdir()
    path.write_text('{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}")
    (tmp_path / "stage").mkdir()
    _, notes, _ = batch.stage(Submission("carl", path.parent), tmp_path / "stage", ["histogram"])
    assert any("histogram.ipynb: the notebook could not be read" in note for note in notes), notes
