"""A small hand-made batch (no grading): the writers' tests and the batch's own serialise and merge it."""

import io
import tarfile

from grader.core import results
from grader.core.results import CheckResult, ExerciseResult, GradeReport
from grader.instructor import batch
from grader.instructor.batch import BatchReport, SubmissionRow

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


def small_batch() -> BatchReport:
    """Three rows: alice passes everything, bob fails a public and a hidden check, carol timed out."""
    rows = [
        make_row("alice", make_report()),
        make_row("bob", make_report(failing={"arrays::test_flatten", "histogram::hidden::test_checkerboard"}),
                 notes=["arrays: partial"]),
        make_row("carol", batch.not_graded_report("/submissions/carol", EXPECTED, ["arrays", "histogram"],
                                                   "Not graded: timed out."), status=batch.RowStatus.TIMED_OUT,
                 notes=["grading did not finish within the submission's limit of 5 s"]),
    ]
    return BatchReport(exercises=["arrays", "histogram"], rows=rows, expected=EXPECTED,
                       settings={"exercises": ["arrays", "histogram"], "max_examples": 3,
                                 "isolation": "landlock ABI 7, uid 65534, private copy", "isolation_level": "full"},
                       batch_ids=["alice", "bob", "carol"], seconds=12.0, jobs=2)


def tar_gz(path, files, *, links=()):
    """A ``.tar.gz`` at ``path`` holding ``files`` ({name: text}) and symbolic ``links`` ((name, target)...)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as bundle:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            bundle.addfile(info, io.BytesIO(data))
        for name, target in links:
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            bundle.addfile(info)
    return path
