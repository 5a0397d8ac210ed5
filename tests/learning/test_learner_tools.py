"""The learner's tools: watch mode, hints, list, failure pictures, show, check() and the exercise pages."""

import html
import io
import json
import os
import re
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from conftest import COURSE as _COURSE
from conftest import EXERCISES, PROJECT_ROOT, SOLUTIONS, make_submission
from PIL import Image
from rich.console import Console

from grader import api
from grader.cli import main as cli
from grader.core import catalog
from grader.core.results import CheckResult, ExerciseResult, GradeReport
from grader.kit import pictures
from grader.learning import hints, lookup, show, watch
from grader.learning.state import State

COURSE = _COURSE.exercises
TOTAL = len(COURSE)


def _console():
    buffer = io.StringIO()
    return Console(file=buffer, width=200, color_system=None), buffer


def _text(buffer) -> str:
    return " ".join(buffer.getvalue().split())


def _copy_stub(directory, name="histogram"):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.py").write_text((EXERCISES / f"{name}.py").read_text())
    return directory


# -- finding an exercise by what a learner types -------------------------------------------
@pytest.mark.parametrize("typed, exercise", [
    ("thresholding", "thresholding"), ("otsu_threshold", "thresholding"), ("otsu", "thresholding"),
    ("Histogram.py", "histogram"), ("cumulative", "histogram"), ("montage", "exploration"), ("pad", "convolution"),
])
def test_find_exercise_accepts_names_functions_and_parts(typed, exercise):
    assert lookup.find_exercise(typed).name == exercise


def test_find_exercise_says_when_ambiguous_or_unknown():
    with pytest.raises(ValueError, match="ambiguous.*filters.*exploration"):
        lookup.find_exercise("mean")
    with pytest.raises(ValueError, match="unknown exercise 'zzz'; choose from: arrays"):
        lookup.find_exercise("zzz")


# -- hints ---------------------------------------------------------------------------------
def test_hints_advance_persist_and_stop(tmp_path, capsys):
    state = tmp_path / "state"
    total = len(hints.hints_for("thresholding"))
    assert total >= 3
    for shown in range(1, total + 1):
        assert cli.main(["hint", "thresholding", "--state", str(state)]) == 0
        out = capsys.readouterr().out
        assert f"Hints for 8. thresholding ({shown} of {total})" in " ".join(out.split())
        assert f" {shown}. " in out and f" {shown + 1}. " not in out
        # A new invocation reads the hints shown back from the file.
        assert json.loads((state / "state.json").read_text())["hints"]["thresholding"] == list(range(1, shown + 1))
        assert ("That was the last hint" in out) == (shown == total)
    assert cli.main(["hint", "thresholding", "--state", str(state)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"There are no more hints for thresholding: that was all {total}" in out
    assert State(state).hints_shown("thresholding") == total
    assert cli.main(["hint", "thresholding", "--reset", "--state", str(state)]) == 0
    assert "(1 of" in capsys.readouterr().out and State(state).hints_shown("thresholding") == 1
    assert State(state).hints_shown("histogram") == 0  # counted per exercise


def test_hint_for_an_unknown_exercise_is_a_usage_error(tmp_path, capsys):
    assert cli.main(["hint", "mean", "--state", str(tmp_path)]) == 2
    assert "ambiguous" in capsys.readouterr().out


# -- list ------------------------------------------------------------------------------------
def test_list_shows_every_exercise_with_status_and_points(tmp_path, capsys):
    target = make_submission(tmp_path / "work", ["histogram"])
    state = tmp_path / "state"
    assert cli.main(["list", "--target", str(target), "--examples", "2", "--state", str(state)]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[1]: line for line in out.splitlines() if re.match(r"^\s*\d+\s+[a-z]+", line)}
    assert list(lines) == [e.name for e in COURSE]
    assert re.search(r"histogram\s+complete\s+(\d+)/\1", lines["histogram"])
    assert "missing" in lines["arrays"]
    assert f"1/{TOTAL} exercises done" in out
    assert "Next: 1. arrays" in " ".join(out.split())
    saved = State(state).results(target)
    assert saved["histogram"]["status"] == "complete" and saved["histogram"]["examples"] == 2
    # --saved grades nothing and shows what was saved.
    assert cli.main(["list", "--target", str(target), "--saved", "--state", str(state)]) == 0
    out = capsys.readouterr().out
    assert "saved results; nothing graded" in out and "(saved)" in out and f"1/{TOTAL} exercises done" in out


def test_list_grades_only_what_changed_since_the_saved_result(tmp_path, capsys, monkeypatch):
    # A learner's equalisation that imports their own histogram module.
    target = make_submission(tmp_path / "work", ["histogram", "equalisation", "sobel"],
                             prepend={"equalisation": "import histogram  # noqa: F401"})
    state = tmp_path / "state"
    graded = []
    real_grade = api.grade
    monkeypatch.setattr(api, "grade", lambda names, **kw: graded.append(list(names)) or real_grade(names, **kw))
    arguments = ["list", "--target", str(target), "--examples", "2", "--state", str(state)]
    assert cli.main(arguments) == 0
    assert "histogram" in graded[-1] and "equalisation" in graded[-1]
    # Nothing changed: nothing is graded, the rows say so and show the same points.
    first = capsys.readouterr().out
    assert cli.main(arguments) == 0 and len(graded) == 1
    again = capsys.readouterr().out
    assert "(unchanged)" in again and "not graded again" in " ".join(again.split())
    assert re.search(r"histogram\s+complete\s+(\d+)/\1", again)
    # A changed histogram re-grades histogram and equalisation (which imports it), nothing else.
    (target / "histogram.py").write_text((target / "histogram.py").read_text() + "\n# edited\n")
    assert cli.main(arguments) == 0
    assert sorted(graded[-1]) == ["equalisation", "histogram"]
    # More examples than the saved result had: graded again; --regrade: always.
    assert cli.main([*arguments[:-2], "--examples", "3", "--state", str(state)]) == 0 and len(graded) == 3
    assert cli.main([*arguments, "--regrade"]) == 0 and len(graded) == 4
    assert first.count("complete") == again.count("complete")


# -- failure pictures ------------------------------------------------------------------------
def _png_size(path) -> tuple:
    with Image.open(path) as image:
        assert image.format == "PNG"
        image.load()
        return image.size


def test_panel_is_a_png_of_the_stated_size(tmp_path):
    rng = np.random.default_rng(0)
    expected = rng.integers(0, 256, (20, 30), dtype=np.uint8)
    got = expected.copy()
    got[5:9, 5:9] = 0
    path = pictures.draw_panel(tmp_path / "a.png", expected=expected, got=got, input=expected, title="t\ncall")
    assert _png_size(path) == pictures.panel_size(4)
    colour = rng.random((6, 7, 3))
    path = pictures.draw_panel(tmp_path / "b.png", expected=colour, got=colour[::-1].copy())
    assert _png_size(path) == pictures.panel_size(3)
    magnitude, differs = pictures.difference(got, expected)
    assert differs.sum() == np.count_nonzero(expected[5:9, 5:9]) and magnitude.shape == (20, 30)


def test_only_image_like_failures_get_a_panel():
    from grader.core.failures import CheckFailed

    for got, expected in [(np.zeros(16), np.ones(16)), (np.zeros((3, 3)), np.ones((3, 3))),
                          (np.zeros((8, 8, 5)), np.ones((8, 8, 5))), (np.zeros((8, 8)), np.ones((8, 9)))]:
        error = CheckFailed("x")
        pictures.attach(error, got, expected)
        assert error.panel is None
    error = CheckFailed("x")
    pictures.attach(error, np.zeros((8, 8, 4)), np.ones((8, 8, 4)))
    assert error.panel is not None and error.panel.input is None


def test_a_picture_that_cannot_be_written_changes_nothing_but_a_note(tmp_path, monkeypatch):
    from grader.core.failures import CheckFailed

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setenv(pictures.PICTURES_ENV, str(blocker))
    error = CheckFailed("it differs")
    pictures.attach(error, np.zeros((8, 8)), np.ones((8, 8)))
    check = CheckResult("x::test_y", "x", "f", "title", 1, status="failed", message="it differs")
    assert pictures.save_for(error, check, pictures.folder_for(tmp_path)) == ""
    assert check.status == "failed" and check.message.startswith("it differs\n(No picture")
    monkeypatch.setenv(pictures.PICTURES_ENV, "off")
    assert pictures.folder_for(tmp_path) is None and pictures.save_for(error, check, None) == ""


def test_failing_image_check_writes_a_panel_and_the_report_names_it(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "pictures"
    monkeypatch.setenv(pictures.PICTURES_ENV, str(folder))
    target = make_submission(tmp_path / "sub", ["equalisation"], replace={"equalisation": {"equalise": """
        def equalise(image):
            image = np.asarray(image)
            if image.dtype != np.uint8:
                raise TypeError(f"image must be uint8; got {image.dtype}")
            lookup = (255 * _cumulative_histogram(image)) // image.size
            return np.minimum(lookup[image], 200).astype(np.uint8)
    """}})
    report = api.grade(["equalisation"], target=target, max_examples=2)
    drawn = [c for c in report.exercise("equalisation").checks if c.picture]
    assert drawn, "no failure picture was drawn"
    for check in drawn:
        assert check.status == "failed" and check.points == 0
        assert os.path.dirname(check.picture) == str(folder)
        assert _png_size(check.picture) == pictures.panel_size(4)  # input | expected | yours | difference
    # Small, non-image failures (1-D Hypothesis examples) get no picture.
    assert any(c.status == "failed" and not c.picture for c in report.exercise("equalisation").checks)
    from grader.writers import terminal

    terminal.print_report(report, Console(file=sys.stdout, width=300))
    assert f"Picture: {drawn[0].picture}" in capsys.readouterr().out
    assert json.loads(json.dumps(report.to_dict()))["exercises"][0]["checks"][0].get("picture") is not None


# -- check() from a notebook ------------------------------------------------------------------
def test_check_resolves_a_name_and_prints_the_report(tmp_path):
    from grader import check

    console, buffer = _console()
    result = check("cumulative", target=SOLUTIONS, max_examples=2, console=console, state_dir=tmp_path)
    assert "3 histogram" in _text(buffer) and "complete" in _text(buffer)
    assert result.complete and result.points == result.max_points > 0
    assert repr(result).startswith("<checked histogram:")
    assert State(tmp_path).results(SOLUTIONS)["histogram"]["status"] == "complete"
    console, buffer = _console()
    check("otsu", target=SOLUTIONS, max_examples=2, console=console, state_dir=tmp_path)
    assert "thresholding" in _text(buffer)
    console, buffer = _console()
    assert check("mean", console=console) is None
    assert "ambiguous" in _text(buffer)


class _Printer:  # IPython's pretty printer, as far as _repr_pretty_ uses it
    def __init__(self):
        self.parts = []

    def text(self, value):
        self.parts.append(value)


def _learner_text_report():
    sneaky = '<script>alert("x")</script> & <b>bold</b>'
    check = CheckResult("histogram::a", "histogram", "histogram", f"a check {sneaky}", 2, status="error",
                        message=f"Called `histogram(image: uint8 (1,))`: it raised ValueError: {sneaky}.",
                        snippet="import numpy as np\nfrom histogram import histogram\n\n"
                                "print(histogram(np.zeros(1) < 1))")
    passed = CheckResult("histogram::b", "histogram", "histogram", "b", 1, points=1, status="passed")
    stub = CheckResult("intensity::a", "intensity", "negative", "a", 1, status="not_started", message="not started")
    exercises = [ExerciseResult("histogram", "Histograms", 3, [check, passed]),
                 ExerciseResult("intensity", "Point transforms", 2, [stub])]
    return GradeReport(target="exercises", exercises=exercises, settings={"isolation": "plain"}), sneaky


def test_notebook_report_reads_cleanly_in_light_and_dark_themes():
    from grader.learning.notebook import Checked, ReportView

    report, sneaky = _learner_text_report()
    view = ReportView(report)
    bundle = view._repr_mimebundle_()
    printer = _Printer()
    view._repr_pretty_(printer, False)
    for plain in (bundle["text/plain"], repr(view), "".join(printer.parts), repr(Checked(report))):
        assert "\x1b" not in plain
    assert sneaky in bundle["text/plain"] and "To reproduce:" in bundle["text/plain"]
    page = bundle["text/html"]
    assert sneaky not in page and "<script>" not in page and "<b>bold" not in page
    assert html.escape(sneaky) in page  # the learner's words, escaped, in the title and the message
    assert html.escape("print(histogram(np.zeros(1) < 1))") in page
    assert not re.search(r"background(-color)?\s*:\s*(white|black|#fff\b|#ffffff|#000\b|#000000)", page, re.I)
    assert not re.search(r"(?<!-)color\s*:\s*(white|black|#fff\b|#ffffff|#000\b|#000000)", page, re.I)
    assert "rgba(127, 127, 127, 0.12)" in page and "color: inherit" in page
    assert "\x1b" not in page


def test_check_in_a_notebook_displays_html_and_clean_text(tmp_path, monkeypatch):
    from grader.learning import notebook

    shown = []
    monkeypatch.setattr(notebook, "in_notebook", lambda: True)
    monkeypatch.setattr(notebook, "_display", shown.append)
    result = notebook.check("cumulative", target=SOLUTIONS, max_examples=2, state_dir=tmp_path)
    assert result.complete and len(shown) == 1
    bundle = shown[0]._repr_mimebundle_()
    assert "\x1b" not in bundle["text/plain"] and "histogram" in bundle["text/plain"]
    assert "complete" in bundle["text/html"] and "<div" in bundle["text/html"]


# -- show ----------------------------------------------------------------------------------------
def test_show_draws_reference_and_learner_pictures(tmp_path, capsys):
    target = _copy_stub(make_submission(tmp_path / "work", ["sobel"]), "networks")  # a stub: "not started" tiles
    out = tmp_path / "out"
    assert cli.main(["show", "sobel", "equalisation", "networks", "--target", str(target), "--out", str(out)]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "there is no" in text and "equalisation.py; showing the reference only" in text
    for name in ("sobel", "equalisation", "equalisation-colour", "networks"):
        path = out / f"{name}.png"
        assert path.exists() and f"{path}" in text
        width, height = _png_size(path)
        assert width > 200 and height > 150 and path.stat().st_size <= show.MAX_BYTES
    assert cli.main(["show", "zzz"]) == 2


# -- watch ---------------------------------------------------------------------------------------
def test_watch_step_regrades_a_change_and_moves_on(tmp_path):
    target = _copy_stub(tmp_path / "work")
    console, buffer = _console()
    watcher = watch.Watcher(target, console=console, max_examples=2, state_dir=tmp_path / "state", settle=0.05)
    watcher.begin()
    first = _text(buffer)
    assert "3 histogram" in first and "not started" in first and f"0/{TOTAL} exercises done" in first
    assert watcher.current.name == "histogram" and watcher.step() == []
    (target / "histogram.py").write_text((SOLUTIONS / "histogram.py").read_text())
    assert watcher.step() == ["histogram"]
    after = _text(buffer)[len(first):]
    assert "histogram.py changed" in after and "complete" in after
    assert f"1/{TOTAL} exercises done" in after and "Next: 4. equalisation" in after
    assert watcher.current.name == "equalisation"
    assert State(tmp_path / "state").done(target) == ["histogram"]


def test_watch_after_a_complete_exercise_goes_back_to_unfinished_earlier_ones(tmp_path):
    # arrays complete, intensity not started (the current one); histogram is saved complete ahead of time.
    target = _copy_stub(_copy_stub(make_submission(tmp_path / "work", ["arrays"]), "intensity"), "equalisation")
    _copy_stub(target, "histogram")
    console, buffer = _console()
    watcher = watch.Watcher(target, console=console, max_examples=2, state_dir=tmp_path / "state", settle=0.05)
    watcher.begin()
    assert watcher.current.name == "intensity" and State(tmp_path / "state").done(target) == ["arrays"]
    first = _text(buffer)
    (target / "histogram.py").write_text((SOLUTIONS / "histogram.py").read_text())
    assert watcher.step() == ["histogram"]
    after = _text(buffer)[len(first):]
    assert "3. histogram is complete" in after and f"2/{TOTAL} exercises done" in after
    assert "Next: 2. intensity" in after and "Next: 4." not in after
    assert watcher.current.name == "intensity"
    assert watcher.next_after("histogram").name == "intensity"


@pytest.mark.parametrize("told", [True, False], ids=["notified", "polling"])
def test_watch_loop_regrades_a_save_until_stopped(tmp_path, monkeypatch, told):
    """The real loop, told of the save by watchfiles or (where it cannot be) polling for it."""
    if not told:
        monkeypatch.setitem(sys.modules, "watchfiles", None)  # `import watchfiles` fails: the fallback
    target = _copy_stub(tmp_path / "work")
    console, buffer = _console()
    watcher = watch.Watcher(target, console=console, max_examples=2, state_dir=tmp_path / "state", settle=0.05)
    stop = threading.Event()
    loop = threading.Thread(target=watcher.run, kwargs={"stop": stop}, daemon=True)
    loop.start()
    try:
        assert watcher.ready.wait(90)
        (target / "histogram.py").write_text((SOLUTIONS / "histogram.py").read_text())
        deadline = time.monotonic() + 90
        while watcher.regrades == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert watcher.regrades == 1 and "histogram.py changed" in _text(buffer)
        assert State(tmp_path / "state").done(target) == ["histogram"]
    finally:
        stop.set()
        loop.join(10)
    assert not loop.is_alive(), "the loop did not stop when told to"


def test_watch_command_sees_an_edit(tmp_path):
    target = _copy_stub(tmp_path / "work")
    command = [sys.executable, "-m", "grader", "watch", "--target", str(target), "--examples", "2",
               "--max-regrades", "1", "--stop-after", "120", "--interval", "0.2", "--state", str(tmp_path / "state")]
    env = dict(os.environ, PYTHONUNBUFFERED="1", COLUMNS="200")
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    lines, watching = [], threading.Event()

    def read():
        for line in process.stdout:
            lines.append(line)
            if "Watching" in line:
                watching.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert watching.wait(90), "".join(lines)
        time.sleep(0.3)
        (target / "histogram.py").write_text((SOLUTIONS / "histogram.py").read_text())
        assert process.wait(timeout=90) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(5)
    out = " ".join("".join(lines).split())
    assert "not started" in out and "histogram.py changed: re-grading" in out
    assert "3. histogram is complete" in out and f"1/{TOTAL} exercises done" in out and "Next: 4. equalisation" in out


# -- the exercise pages ----------------------------------------------------------------------------
def test_every_exercise_has_a_page_with_a_small_picture():
    # `pixelgrade show` draws every exercise
    assert list(catalog.active().hook("renderings").RENDERINGS) == [e.name for e in COURSE]
    readme = (PROJECT_ROOT / "README.md").read_text()
    index = (PROJECT_ROOT / "docs" / "README.md").read_text()
    for exercise in COURSE:
        page = f"{exercise.number:02d}-{exercise.name}.md"
        assert f"docs/{page}" in readme and f"({page})" in index, page
        text = (PROJECT_ROOT / "docs" / page).read_text()
        assert text.startswith(f"# {exercise.number}. {exercise.name}")
        assert "**The idea.**" in text and "**Lessons.**" in text and f"pixelgrade {exercise.name}" in text
        images = re.findall(r"!\[[^\]]*\]\((images/[^)]+\.png)\)", text)
        assert images, page
        for image in images:
            path = PROJECT_ROOT / "docs" / image
            assert path.exists() and path.stat().st_size < 200_000, image
            _png_size(path)


@pytest.mark.parametrize("page, lesson", [
    ("04-equalisation.md", "shifts the hue"), ("02-intensity.md", "expands dark values"),
    ("05-convolution.md", "(N − F + 2P) / S + 1"), ("05-convolution.md", "Why the kernel is flipped"),
    ("08-thresholding.md", "maximises the between-class variance"), ("09-kmeans.md", "Lloyd's algorithm"),
    ("10-polygons.md", "Even-odd ray casting"), ("11-exploration.md", "look at the data first"),
    ("12-baseline.md", "A baseline before deep learning"), ("14-training.md", "Why we evaluate on unseen images"),
])
def test_pages_teach_the_seed_lessons(page, lesson):
    assert lesson.lower() in (PROJECT_ROOT / "docs" / page).read_text().lower()
