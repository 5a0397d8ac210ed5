"""`pixelgrade EXERCISE` saves its result where `list --saved`, `hint` and `watch` look (issue 23, item 9)."""

from __future__ import annotations

import re

from conftest import make_submission

from grader.cli import main as cli
from grader.learning.state import State, exercise_digest


def test_a_grade_is_saved_for_list_and_hint(tmp_path, capsys, monkeypatch):
    # The state folder by the environment, as a learner's shell or CI sets it: nothing on the command line.
    state = tmp_path / "state"
    monkeypatch.setenv("PIXELGRADE_STATE_DIR", str(state))
    target = make_submission(tmp_path / "work", ["arrays"])
    assert cli.main(["arrays", "--target", str(target), "--examples", "2"]) == 0
    graded = capsys.readouterr().out
    points = re.search(r"Total: (\d+)/(\d+) points", graded)
    assert points and points.group(1) == points.group(2), graded
    saved = State(state).results(target)["arrays"]
    assert saved["status"] == "complete" and saved["points"] == float(points.group(1))
    assert saved["digest"] == exercise_digest(target, "arrays")  # what it was graded from: list may reuse it
    # `list --saved` shows it complete, with the grade's points...
    assert cli.main(["list", "--saved", "--target", str(target)]) == 0
    listed = capsys.readouterr().out
    assert re.search(rf"arrays\s+complete\s+{points.group(1)}/{points.group(2)}\s+\(saved\)", listed), listed
    # ...and `hint` without a name helps with the next exercise, spending nothing on arrays.
    assert cli.main(["hint", "--target", str(target)]) == 0
    hinted = " ".join(capsys.readouterr().out.split())
    assert "the hints for the current one, intensity" in hinted and "Hints for 2. intensity (1 of" in hinted
    assert State(state).hints_shown("arrays") == 0


def test_the_state_option_and_an_unwritable_state_folder(tmp_path, capsys):
    target = make_submission(tmp_path / "work", ["histogram"])
    assert cli.main(["histogram", "--target", str(target), "--examples", "2", "--state", str(tmp_path / "s")]) == 0
    capsys.readouterr()
    assert State(tmp_path / "s").done(target) == ["histogram"]
    # A state folder that cannot be made costs a note, never the grade.
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert cli.main(["histogram", "--target", str(target), "--examples", "2", "--state", str(blocked / "s")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "could not save the results in" in out and "complete" in out
