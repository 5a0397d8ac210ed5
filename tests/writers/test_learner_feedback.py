"""The learner's feedback as plain text (grader/writers/learner_feedback.py)."""

from batch_samples import EXPECTED

from grader.writers import learner_feedback


def test_an_unreadable_submission_says_why_once():
    from grader.instructor.batch import _not_graded_report

    reason = "the zip file could not be opened: File is not a zip file"
    report = _not_graded_report("peggy.zip", EXPECTED, ["arrays", "histogram"], reason)
    text = learner_feedback.for_report(report)
    assert text.count(reason) == 1, text
