"""An unreadable submission's feedback counts its checks one way, in its header and in its body.

Every check of such a submission is a placeholder that failed for the one reason given;
the line per exercise at the top and the "N checks not run" under the reason must count
the same checks in the same unit: points in the full view, public checks passed in the
view of a report with hidden checks (which shows no grade).
"""

import re

import pytest
from batch_samples import make_report

from grader.core import visibility
from grader.instructor import batch
from grader.writers import learner_feedback, terminal

HEADER = re.compile(r"^\s+\d+ (\w+)\s+.*?(\d+)/(\d+)\s", re.M)
BODY = re.compile(r"^\d+\. (\w+)\n.*?✗ (\d+) checks? not run \((\d+)/(\d+) (points|public checks passed)\)",
                  re.M | re.S)


def _unreadable(with_hidden: bool):
    dropped = set() if with_hidden else {"histogram::hidden::test_checkerboard"}
    expected = batch.expected_checks(make_report(drop=dropped))
    reason = "Not graded: unreadable zip: it cannot be read as a zip file (BadZipFile: File is not a zip file)."
    return batch.not_graded_report("peggy.zip", expected, ["arrays", "histogram"], reason)


@pytest.mark.parametrize("with_hidden", [False, True], ids=["points", "public checks"])
def test_the_header_and_the_body_count_the_same_checks(with_hidden):
    report = _unreadable(with_hidden)
    text = learner_feedback.for_report(report)
    header = {name: (int(passed), int(total)) for name, passed, total in HEADER.findall(text)}
    body = {name: (int(count), (int(passed), int(total)), unit)
            for name, count, passed, total, unit in BODY.findall(text)}
    assert set(body) == set(header) == {"arrays", "histogram"}, text
    for exercise in report.exercises:
        shown = [c for c in visibility.counted(exercise.checks) if not (with_hidden and c.hidden)]
        count, score, unit = body[exercise.name]
        assert score == header[exercise.name], text  # "0/3" above, "(0/3 points)" below: one number, one unit
        assert count == len(shown) and score[0] == 0, text  # every check the header counts, all failed
        assert unit == ("public checks passed" if with_hidden else "points")
        if with_hidden:
            assert score[1] == count  # the header counts checks there: the very same ones


def test_the_instructors_view_says_points_too():
    text = terminal.report_text(_unreadable(with_hidden=True))
    assert "3 checks not run (0/5 points), for the reason above." in text  # the hidden check is the instructor's
