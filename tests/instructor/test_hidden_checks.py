"""Hidden checks: graded and shown to the instructor, never to learners (no name, message or input)."""

import io
import json
import re

import pytest
from conftest import PROJECT_ROOT, make_submission
from rich.console import Console

from grader.core import catalog as exercises
from grader.core import results
from grader.core.runner import run_checks
from grader.instructor import batch
from grader.writers import gradebook, markdown, terminal

HIDDEN = PROJECT_ROOT / "examples" / "hidden_checks"
# Anything that would give a hidden check away: its name, its title, its input.
SECRETS = ("checkerboard", "seven_by_nine", "7 x 9", "(7, 9)", "hidden::", "larger_images", "9 to 16")

PASSES_PUBLIC_FAILS_HIDDEN = """
    def histogram(image):
        image = _check_uint8(image)
        if image.shape == (7, 9):
            return np.zeros(256, dtype=np.int64)
        return np.bincount(image.ravel(), minlength=256).astype(np.int64)
"""


@pytest.fixture(scope="module")
def hidden_batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("hidden")
    make_submission(root / "subs" / "good", ["histogram"])
    make_submission(root / "subs" / "sneaky", ["histogram"],
                    replace={"histogram": {"histogram": PASSES_PUBLIC_FAILS_HIDDEN}})
    report = batch.grade_batch(batch.discover([root / "subs"]), exercises=["histogram"], jobs=2,
                               hidden_checks=HIDDEN, max_examples=3, timeout_s=2.0, workdir=root / "stage")
    gradebook.write_all(report, root / "out")
    return report, root / "out"


def _learner_facing(out, submission):
    data = json.loads((out / "gradescope" / f"{submission}.json").read_text())
    visible = [t for t in data["tests"] if t["visibility"] == "visible"]
    return [data["output"], json.dumps(visible), (out / "feedback" / f"{submission}.txt").read_text()]


def test_hidden_checks_count_for_the_instructor(hidden_batch):
    report, out = hidden_batch
    assert report.warnings == []  # the reference passes the hidden checks too
    hidden = [m.spec for m in report.expected["histogram"] if m.spec.hidden]
    assert [m.id for m in hidden] == [
        "histogram::hidden::test_histogram_of_a_seven_by_nine_checkerboard",
        "histogram::hidden::test_histogram_of_larger_images",
        "histogram::hidden::test_cumulative_histogram_of_the_checkerboard",
    ]
    good, sneaky = report.row("good"), report.row("sneaky")
    assert good.total == good.max_total == report.max_total == 35
    assert sneaky.total == good.total - 2
    failed = [c for c in sneaky.report.exercise("histogram").checks if c.status != results.PASSED]
    assert [(c.id, c.hidden) for c in failed] == [(hidden[0].id, True)]
    # The instructor's outputs name it.
    instructor = (out / "per-submission" / "sneaky.json").read_text() + (out / "junit.xml").read_text()
    assert "test_histogram_of_a_seven_by_nine_checkerboard" in instructor and '"hidden": true' in instructor
    assert "sneaky,,,,graded,33," in (out / "gradebook.csv").read_text()  # a plain folder: no LMS id, name or late
    assert report.row("sneaky").report.settings["max_examples"] == 3  # the Hypothesis budget is passed on


def test_learners_see_public_checks_passed_and_nothing_hidden(hidden_batch):
    report, out = hidden_batch
    for submission in ("good", "sneaky"):
        for text in _learner_facing(out, submission):
            for secret in SECRETS:
                assert secret not in text, (submission, secret)
            # No grade: "33/35" nor either half of it (the folders' paths left out: pytest numbers
            # its temporary folders, and /tmp/pytest-of-root/pytest-31/ would say "/35").
            words = re.sub(r"\S*pytest-\d+\S*", "<path>", text)
            assert "/35" not in words and "33/" not in words and "35/" not in words
        assert "Public checks passed: 24/24" in _learner_facing(out, submission)[2]
    data = json.loads((out / "gradescope" / "sneaky.json").read_text())
    held_back = [t for t in data["tests"] if t["visibility"] != "visible"]
    assert {t["visibility"] for t in held_back} == {"after_published"} and len(held_back) == 3
    assert data["score"] == 33


def test_terminal_learner_view_and_markdown(hidden_batch):
    report, _ = hidden_batch
    sneaky = report.row("sneaky").report
    buffer = io.StringIO()
    terminal.print_report(sneaky, Console(file=buffer, width=120, color_system=None), learner_view=True, verbose=True)
    text = buffer.getvalue() + markdown.for_report(sneaky, learner_view=True)
    assert "public checks passed" in text.lower() and all(secret not in text for secret in SECRETS)
    buffer = io.StringIO()
    terminal.print_report(sneaky, Console(file=buffer, width=120, color_system=None), verbose=True)
    assert "checkerboard" in buffer.getvalue() and "33/35" in buffer.getvalue()  # the instructor's view


def test_a_broken_hidden_check_file_stays_hidden(tmp_path):
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_histogram_hidden.py").write_text("import secret_module_of_the_instructor\n")
    chosen = exercises.active().resolve(["histogram"])
    checks = run_checks((PROJECT_ROOT / "solutions").resolve(), chosen, max_examples=2, hidden_checks=hidden)[0].checks
    broken = [c for c in checks if c.status == results.GRADER_ERROR]
    assert [(c.id, c.hidden) for c in broken] == [("histogram::hidden::<collection>", True)]
    report = results.GradeReport(target="t", exercises=[results.ExerciseResult("histogram", "Histograms", 3, checks)])
    buffer = io.StringIO()
    terminal.print_report(report, Console(file=buffer, width=120, color_system=None), learner_view=True)
    assert "secret_module" not in buffer.getvalue() and "pixelgrade itself failed" not in buffer.getvalue()
