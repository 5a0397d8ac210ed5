"""The same submission gets the same grade, whatever the grader's process did before."""

import json
import os
import subprocess
import sys
import textwrap

import pytest
from buggy_submissions import by_id
from conftest import make_submission

from grader.core import runner

# A kmeans that returns the labels of the centers before their last move (an entry of the
# buggy submissions' table): only some inputs show it (max_iter=1, or a run cut short), so
# which examples run decides its grade.
STALE_LABELS = by_id("kmeans returns the labels from before the last update").source


# Graded twice in one fresh process, as `pixelgrade watch` or a notebook's check() does: the
# first grading imports modules (the checks, the reference, scikit-learn...) that the second finds.
TWICE = textwrap.dedent("""
    import contextlib, json, sys
    from grader import api
    from grader.core import runner
    if sys.argv[2] == "unfixed":  # the test's own control: what the grader did before the fix
        runner.fixed_example_constants = contextlib.nullcontext
    def grades():
        report = api.grade(["kmeans"], target=sys.argv[1], max_examples=15)
        return {c.id: [c.status, c.points] for c in report.exercises[0].checks if not c.bonus}
    print(json.dumps([grades(), grades()]))
""")


def _graded_twice(target, mode="fixed"):
    # Nothing kept from earlier gradings (grader.core.replay): Hypothesis itself is on trial here,
    # and the control's examples, made without the fix, must not be kept for anyone.
    env = dict(os.environ, PIXELGRADE_ANSWERS="off")
    result = subprocess.run([sys.executable, "-c", TWICE, str(target), mode], capture_output=True, text=True,
                            timeout=600, check=True, env=env)
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_a_grade_does_not_depend_on_what_the_process_graded_before(tmp_path):
    submission = make_submission(tmp_path / "submission", ["kmeans"],
                                 replace={"kmeans": {"kmeans": STALE_LABELS}})
    first, again = _graded_twice(submission)
    assert again == first
    assert first["kmeans::test_kmeans_matches_reference"] == ["failed", 0.0]  # the bug is seen, both times
    # (A control without fixed_example_constants used to show the second grading missing the bug;
    # the grader now imports everything a grading needs before the first one, so Hypothesis' local
    # constants no longer change between the two and that control no longer tells anything apart:
    # test_the_checks_run_with_hypothesis_constants_only below checks the fix itself.)


def test_the_checks_run_with_hypothesis_constants_only():
    from hypothesis.internal.conjecture import providers

    original = providers._get_local_constants
    with runner.fixed_example_constants():
        assert len(providers._get_local_constants()) == 0
    assert providers._get_local_constants is original
