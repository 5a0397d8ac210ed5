"""The learner's feedback as plain text (grader/writers/learner_feedback.py)."""

from batch_samples import EXPECTED

from grader.writers import learner_feedback


def test_an_unreadable_submission_says_why_once():
    from grader.instructor.batch import not_graded_report

    reason = "the zip file could not be opened: File is not a zip file"
    report = not_graded_report("peggy.zip", EXPECTED, ["arrays", "histogram"], reason)
    text = learner_feedback.for_report(report)
    assert text.count(reason) == 1, text


def test_a_crashed_grading_tells_the_learner_why_without_the_graders_internals():
    from grader.instructor import batch

    note = "pixelgrade failed while grading it: FileNotFoundError: /srv/course/mnist-10k.npz"
    report = batch.not_graded_report("/home/instructor/subs/peggy", EXPECTED, ["arrays", "histogram"],
                                      f"Not graded: {note}.")
    row = batch.SubmissionRow("peggy", "/home/instructor/subs/peggy", batch.RowStatus.GRADER_CRASHED, report, [note])
    text = learner_feedback.for_row(row)
    assert text.count(learner_feedback.NOT_GRADED_REASONS["grader crashed"][:60]) == 1, text
    assert "FileNotFoundError" not in text and "/srv" not in text and "/home/instructor" not in text
    assert row.report.exercises[0].message == f"Not graded: {note}."  # the instructor's row keeps its note
