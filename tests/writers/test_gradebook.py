"""Batch writers, reconciliation, zip handling and shards, on small hand-made data (no grading)."""

import csv
import io
import json
import xml.etree.ElementTree as ET
import zipfile

import pytest

from grader.core import results
from grader.core.results import CheckResult, ExerciseResult, GradeReport
from grader.instructor import batch
from grader.instructor.batch import BatchReport, SubmissionRow
from grader.writers import gradebook

# (id, function, points, hidden)
CHECKS = {
    "histogram": [("histogram::test_counts", "histogram", 2.0, False),
                  ("histogram::test_sums[moon]", "histogram", 1.0, False),
                  ("histogram::hidden::test_checkerboard", "histogram", 2.0, True)],
    "arrays": [("arrays::test_flatten", "flatten", 2.0, False),
               ("arrays::test_one_hot", "one_hot", 1.0, False)],
}
NUMBERS = {"arrays": 1, "histogram": 3}


def make_report(target="sub", failing=(), drop=(), status=results.FAILED) -> GradeReport:
    """A report where every check passes except ``failing`` (ids); ``drop``: ids left out."""
    report = GradeReport(target=target, seconds=1.5)
    for name in ("arrays", "histogram"):
        exercise = ExerciseResult(name, name.title(), NUMBERS[name])
        for check_id, function, points, hidden in CHECKS[name]:
            if check_id in drop:
                continue
            failed = check_id in failing
            exercise.checks.append(CheckResult(
                id=check_id, exercise=name, function=function, title=f"title of {check_id.split('::')[-1]}",
                max_points=points, points=0.0 if failed else points, status=status if failed else results.PASSED,
                message=f"Called `{function}(input {4242 if hidden else 17})`: wrong" if failed else "",
                snippet=f"image = np.full((7, 9), {4242 if hidden else 17})" if failed else "", seconds=0.01,
                hidden=hidden))
        report.exercises.append(exercise)
    return report


EXPECTED = batch.expected_checks(make_report())


def make_row(submission_id, report, status=batch.RowStatus.GRADED, notes=()) -> SubmissionRow:
    missing = batch.reconcile(report, EXPECTED, ["arrays", "histogram"])
    return SubmissionRow(submission_id, f"/submissions/{submission_id}", status, report, list(notes), missing, 2.0)


@pytest.fixture
def small_batch():
    rows = [
        make_row("alice", make_report()),
        make_row("bob", make_report(failing={"arrays::test_flatten", "histogram::hidden::test_checkerboard"}),
                 notes=["arrays: partial"]),
        make_row("carol", batch._not_graded_report("/submissions/carol", EXPECTED, ["arrays", "histogram"],
                                                   "Not graded: timed out."), status=batch.RowStatus.TIMED_OUT,
                 notes=["grading did not finish within the submission's limit of 5 s"]),
    ]
    return BatchReport(exercises=["arrays", "histogram"], rows=rows, expected=EXPECTED,
                       settings={"exercises": ["arrays", "histogram"], "max_examples": 3,
                                 "isolation": "landlock ABI 7, uid 65534, private copy", "isolation_level": "full"},
                       batch_ids=["alice", "bob", "carol"], seconds=12.0, jobs=2)


def test_csv_has_a_row_per_submission_and_a_column_per_exercise(small_batch):
    rows = list(csv.DictReader(io.StringIO(gradebook.csv_text(small_batch))))
    assert list(rows[0]) == ["submission", "status", "arrays", "histogram", "points", "bonus", "total_with_bonus",
                             "max_points", "notes", "isolation"]
    # Each row names the sandbox that graded it (the batch's, where its own report has none).
    assert {r["isolation"] for r in rows} == {"landlock ABI 7, uid 65534, private copy"}
    columns = ("submission", "status", "arrays", "histogram", "points", "max_points")
    assert [tuple(r[c] for c in columns) for r in rows] == [
        ("alice", "graded", "3", "5", "8", "8"),
        ("bob", "graded", "1", "3", "4", "8"),
        ("carol", "timed out", "0", "0", "0", "8"),
    ]
    assert "timed out" not in rows[0]["notes"] and "limit of 5 s" in rows[2]["notes"]


def test_junit_xml_parses_and_counts(small_batch):
    root = ET.fromstring(gradebook.junit_text(small_batch))
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == ["alice", "bob", "carol"]
    assert [(s.get("tests"), s.get("failures"), s.get("errors")) for s in suites.values()] == [
        ("5", "0", "0"), ("5", "2", "0"), ("5", "5", "0")]
    assert (root.get("tests"), root.get("failures")) == ("15", "7")
    failure = suites["bob"].find("testcase[@name='test_flatten']/failure")
    assert failure.get("type") == "failed" and "wrong" in failure.get("message")
    assert suites["carol"].find("properties/property[@name='status']").get("value") == "timed out"


def test_gradescope_results_follow_the_schema(small_batch):
    data = gradebook.gradescope_results(small_batch.row("bob"))
    assert data["score"] == 4 and isinstance(data["execution_time"], int) and data["output_format"] == "text"
    assert len(data["tests"]) == 5
    for test in data["tests"]:
        assert {"name", "score", "max_score", "visibility", "output", "status"} <= set(test)
        assert test["visibility"] in ("visible", "after_published")
    hidden = [t for t in data["tests"] if t["visibility"] != "visible"]
    assert [t["extra_data"]["id"] for t in hidden] == ["histogram::hidden::test_checkerboard"]
    assert data["visibility"] == "after_published"
    assert gradebook.gradescope_results(small_batch.row("bob"), hidden_visibility="hidden")["tests"][-1][
        "visibility"] == "hidden"


def test_learner_facing_output_never_shows_hidden_checks(small_batch):
    row = small_batch.row("bob")
    data = gradebook.gradescope_results(row)
    visible = json.dumps([t for t in data["tests"] if t["visibility"] == "visible"]) + data["output"]
    for text in (visible, gradebook.learner_text(row.report),
                 gradebook.markdown_for_report(row.report, learner_view=True)):
        assert "checkerboard" not in text and "4242" not in text
        assert "input 17" in text or "input 17" in json.dumps(text)  # the public failure is shown
        assert "ublic checks passed" in text
        assert "/8" not in text and " points" not in text  # no grade while there are hidden checks
    # The instructor sees it all.
    assert "checkerboard" in gradebook.junit_text(small_batch)
    assert "checkerboard" in gradebook.submission_json(row)
    assert "4 points" not in gradebook.learner_text(row.report)


def test_markdown_summary_is_a_table(small_batch):
    text = gradebook.markdown_summary(small_batch)
    assert text.startswith("## pixelgrade: 3 submissions")
    assert "| submission | status | arrays | histogram | points | bonus | total with bonus | notes |" in text
    assert "| alice | graded | 3 | 5 | 8/8 |" in text
    assert "| carol | timed out | 0 | 0 | 0/8 |" in text
    assert "### Flagged (1)" in text and "**carol**" in text


def test_reconciliation_counts_a_missing_check_as_failed_and_flags_it(small_batch, tmp_path):
    report = make_report(drop={"arrays::test_one_hot"})
    missing = batch.reconcile(report, EXPECTED, ["arrays", "histogram"])
    assert missing == ["arrays::test_one_hot"]
    check = [c for c in report.exercise("arrays").checks if c.id == "arrays::test_one_hot"][0]
    assert (check.status, check.points, check.max_points) == (results.CheckStatus.NOT_GRADED, 0.0, 1.0)
    assert report.points == 7 and report.max_points == 8
    row = SubmissionRow("dave", "/submissions/dave", batch._row_status(batch.RowStatus.GRADED, report, missing), report,
                        [f"1 check(s) missing from the results, counted as failed: {missing[0]}"], missing)
    assert row.status == batch.RowStatus.INCOMPLETE
    small_batch.rows.append(row)
    small_batch.batch_ids.append("dave")
    gradebook.write_all(small_batch, tmp_path)
    assert gradebook.audit(small_batch, tmp_path) == []
    assert "dave,incomplete,2,5,7,0,7,8" in (tmp_path / "gradebook.csv").read_text()
    suite = [s for s in ET.parse(tmp_path / "junit.xml").getroot().iter("testsuite") if s.get("name") == "dave"][0]
    assert suite.find("testcase[@name='test_one_hot']/failure").get("type") == results.CheckStatus.NOT_GRADED
    gradescope = json.loads((tmp_path / "gradescope" / "dave.json").read_text())
    assert [t["score"] for t in gradescope["tests"] if t["extra_data"]["id"] == "arrays::test_one_hot"] == [0.0]
    assert "counted as failed" in (tmp_path / "summary.md").read_text()


def test_audit_notices_a_report_that_lost_a_check(small_batch, tmp_path):
    gradebook.write_all(small_batch, tmp_path)
    junit = (tmp_path / "junit.xml").read_text()
    start = junit.index('<testcase classname="bob.arrays" name="test_one_hot"')
    end = junit.index("</testcase>", start) + len("</testcase>") if "</testcase>" in junit[start:start + 300] else (
        junit.index("/>", start) + 2)
    (tmp_path / "junit.xml").write_text(junit[:start] + junit[end:])
    assert gradebook.audit(small_batch, tmp_path) == ["junit.xml: bob: 1 check(s) missing"]


def test_write_all_removes_planted_files(small_batch, tmp_path):
    (tmp_path / "per-submission").mkdir(parents=True)
    (tmp_path / "per-submission" / "mallory.json").write_text("{}")
    (tmp_path / "gradebook.csv").write_text("forged\n")
    gradebook.write_all(small_batch, tmp_path)
    assert sorted(p.name for p in (tmp_path / "per-submission").iterdir()) == ["alice.json", "bob.json", "carol.json"]
    assert "forged" not in (tmp_path / "gradebook.csv").read_text()


def test_batch_json_round_trips(small_batch):
    again = BatchReport.from_dict(json.loads(json.dumps(small_batch.to_dict())))
    assert gradebook.csv_text(again) == gradebook.csv_text(small_batch)
    assert gradebook.junit_text(again) == gradebook.junit_text(small_batch)


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
    # readme.txt gets a row that says why it is not graded (tests/instructor/test_exports.py); .git/ is ignored.
    assert [s.id for s in found] == ["Alice_Smith", "bob", "bob-2", "readme.txt"]
    assert [s.is_zip for s in found] == [True, False, True, False]
    assert [s.skip for s in found] == ["", "", "", "not a submission: a .txt file"]
    # A folder that holds modules is one submission; --single makes any folder one.
    assert [s.id for s in batch.discover([tmp_path / "subs" / "bob"])] == ["bob"]
    assert [s.id for s in batch.discover([tmp_path / "subs"], single=True)] == ["subs"]


# -- shards --------------------------------------------------------------------------------------
def test_shards_split_deterministically():
    submissions = [batch.Submission(name, batch.Path(name)) for name in "edcbagf"]
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
    assert gradebook.csv_text(merged) == gradebook.csv_text(small_batch)
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
    assert (tmp_path / "all" / "gradebook.csv").read_text() == gradebook.csv_text(small_batch)
    assert ET.parse(tmp_path / "all" / "junit.xml").getroot().get("tests") == "15"
    assert cli.main(["merge", str(tmp_path / "shard1"), "--out", str(tmp_path / "bad")]) == 2
    assert "incomplete: shard 2/2 of 2 is missing" in " ".join(capsys.readouterr().err.split())


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


def test_summary_command(small_batch, tmp_path, capsys):
    from grader.cli import main as cli

    gradebook.write_all(small_batch, tmp_path / "out")
    assert cli.main(["summary", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out == gradebook.markdown_summary(small_batch)
    (tmp_path / "results.json").write_text(json.dumps(small_batch.row("bob").report.to_dict()))
    assert cli.main(["summary", str(tmp_path / "results.json"), "--learner-view", "--junit",
                     str(tmp_path / "j.xml")]) == 0
    text = capsys.readouterr().out
    assert text.startswith("## pixelgrade: public checks passed 3/4") and "checkerboard" not in text
    assert ET.parse(tmp_path / "j.xml").getroot().get("tests") == "4"  # the hidden check is left out
    assert cli.main(["summary", str(tmp_path / "results.json"), "--learner-view", "--text"]) == 0
    text = capsys.readouterr().out
    assert "Public checks passed: 3/4" in text and "checkerboard" not in text
    assert cli.main(["summary", str(tmp_path / "results.json"), "--text"]) == 0
    assert "checkerboard" in capsys.readouterr().out  # the instructor's view
    (tmp_path / "bad.json").write_text("[1, 2]")
    assert cli.main(["summary", str(tmp_path / "bad.json")]) == 2


def test_results_from_a_grading_process_must_be_signed():
    from grader.instructor import batch_worker

    key, other = b"k" * 32, b"o" * 32
    real = batch_worker.sign(key, b'{"ok": true, "points": 3}')
    forged = batch_worker.sign(other, b'{"ok": true, "points": 999}')
    assert batch_worker.verify(key, real) == b'{"ok": true, "points": 3}'
    assert batch_worker.verify(key, forged) is None
    assert batch_worker.verify(key, real.replace(b"3", b"9")) is None
    stream = b"junk" + forged + real + b"PGR1 trailing junk"
    assert batch_worker.find_signed(key, stream) == b'{"ok": true, "points": 3}'
    assert batch_worker.find_signed(key, b"junk" + forged) is None


def test_junit_xml_holds_a_message_with_control_characters(small_batch):
    """A learner's exception text may carry a bell or an escape code: the XML stays well-formed."""
    check = next(c for row in small_batch.rows for e in row.report.exercises for c in e.checks
                 if c.status != results.PASSED)
    check.message = "Called `f()`: it raised RuntimeError: bell \x07 and escape \x1b[31m red"
    root = ET.fromstring(gradebook.junit_text(small_batch))
    texts = [f.get("message") for f in root.iter("failure")]
    assert any("bell \\x07 and escape \\x1b[31m red" in text for text in texts)


def test_one_rule_for_the_total_in_every_output(small_batch):
    """gradebook.csv's total_with_bonus, Gradescope's score and the text it shows agree (README: Totals)."""
    from grader.core import visibility

    row = small_batch.row("alice")
    row.report = visibility.public_view(row.report)  # no hidden checks: the learner's text shows the total
    row.report.exercises[0].checks.append(CheckResult(
        id="arrays::test_speed", exercise="arrays", function="normalise", title="fast", max_points=1, points=1,
        status=results.PASSED, bonus=True))
    rows = csv.DictReader(io.StringIO(gradebook.csv_text(small_batch)))
    csv_row = next(r for r in rows if r["submission"] == "alice")
    scored = gradebook.gradescope_results(row)
    points, most = row.total, row.max_total
    assert float(csv_row["total_with_bonus"]) == scored["score"] == points + 1
    assert float(csv_row["points"]) == points and csv_row["bonus"] == "1"
    assert f"Total: {points:g}/{most:g} points + 1 bonus = {points + 1:g}" in scored["output"]
    assert f"| {points:g}/{most:g} | 1 | {points + 1:g} |" in gradebook.markdown_summary(small_batch)


def test_gradescope_tags_are_not_repeated(small_batch):
    for test in gradebook.gradescope_results(small_batch.row("alice"))["tests"]:
        assert len(test["tags"]) == len(set(test["tags"])), test["tags"]


def test_an_unreadable_submission_says_why_once():
    from grader.instructor.batch import _not_graded_report

    reason = "the zip file could not be opened: File is not a zip file"
    report = _not_graded_report("peggy.zip", EXPECTED, ["arrays", "histogram"], reason)
    text = gradebook.learner_text(report)
    assert text.count(reason) == 1, text
