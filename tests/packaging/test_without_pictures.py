"""Without matplotlib (the engine installed without its ``pictures`` extra) only the pictures go.

The engine installs matplotlib only with ``pixelgrade[pictures]``: a course that draws nothing
should not have to install it. Where it is absent, a failed image check has no picture (and no
note about it under every failure), the class report has no charts, ``pixelgrade show`` says what
to install; and no grade changes. Absence is simulated the way Python itself records a module that
cannot be imported: ``sys.modules["matplotlib"] = None`` makes both ``import matplotlib`` and
``importlib.util.find_spec("matplotlib")`` say there is none.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
from conftest import make_submission

from grader import api
from grader.core.failures import CheckFailed
from grader.core.results import CheckResult
from grader.exitcodes import ExitCode
from grader.kit import pictures
from grader.learning import show
from grader.writers import class_report


@pytest.fixture
def without_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)


def _failed_image_check():
    error = CheckFailed("it differs")
    pictures.attach(error, np.zeros((8, 8)), np.ones((8, 8)))
    return error, CheckResult("x::test_y", "x", "f", "title", 1, status="failed", message="it differs")


def test_a_failed_image_check_gets_its_picture_only_with_matplotlib(tmp_path, monkeypatch):
    error, check = _failed_image_check()
    assert pictures.can_draw()
    assert pictures.save_for(error, check, tmp_path).endswith(".png") and check.message == "it differs"
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    error, check = _failed_image_check()
    assert not pictures.can_draw()
    assert pictures.save_for(error, check, tmp_path / "none") == ""
    assert check.message == "it differs" and check.status == "failed"  # no note under every failure
    assert not (tmp_path / "none").exists()


def test_the_class_report_leaves_its_charts_out_without_matplotlib(monkeypatch):
    assert class_report._histogram_svg([1.0, 2.0, 2.0], 3.0, "1. x").startswith("<svg")
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert class_report._histogram_svg([1.0, 2.0, 2.0], 3.0, "1. x") == ""


def test_show_says_what_to_install_without_matplotlib(without_matplotlib, tmp_path, capsys):
    status = show.run(["histogram"], target=tmp_path, out=tmp_path / "out", reference_only=True)
    said = " ".join(capsys.readouterr().out.split())
    assert status == ExitCode.USAGE
    assert "matplotlib, which is not installed" in said and "-m pip install" in said and "pixelgrade[pictures]" in said
    assert not (tmp_path / "out").exists()


def test_a_grade_is_the_same_with_or_without_matplotlib(tmp_path, monkeypatch):
    """An image exercise with a bug: the same checks fail with the same messages; only the pictures differ."""
    monkeypatch.setenv(pictures.PICTURES_ENV, str(tmp_path / "pictures"))
    target = make_submission(tmp_path / "sub", ["equalisation"], replace={"equalisation": {"equalise": """
        def equalise(image):
            image = np.asarray(image)
            if image.dtype != np.uint8:
                raise TypeError(f"image must be uint8; got {image.dtype}")
            lookup = (255 * _cumulative_histogram(image)) // image.size
            return np.minimum(lookup[image], 200).astype(np.uint8)
    """}})

    def graded():
        report = api.grade(["equalisation"], target=target, max_examples=2)
        return report, [(c.id, c.status, c.points, c.message) for c in report.exercise("equalisation").checks]

    with_pictures, checks = graded()
    assert any(c.picture for c in with_pictures.exercise("equalisation").checks)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    without, checks_without = graded()
    assert checks_without == checks and without.points == with_pictures.points < with_pictures.max_points
    assert not any(c.picture for c in without.exercise("equalisation").checks)
