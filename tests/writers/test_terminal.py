"""The learner's report on a terminal (grader/writers/terminal.py): teacher-like text, whole code, where to start."""

import io
import shlex
import sys
import textwrap

from conftest import BY_NAME, EXERCISES, PROJECT_ROOT, SOLUTIONS, make_submission
from rich.console import Console

from grader import api
from grader.cli import main as cli
from grader.core import results
from grader.exitcodes import ExitCode
from grader.writers import terminal


def _buggy_histogram(tmp_path):
    return make_submission(tmp_path / "sub", ["histogram"], replace={"histogram": {"histogram": """
        def histogram(image):
            image = _check_uint8(image)
            return np.bincount(image.ravel(), minlength=256)[::-1].astype(np.int64)
    """}})


def test_terminal_report_reads_like_a_teacher(tmp_path, capsys):
    code = cli.main(["histogram", "--target", str(_buggy_histogram(tmp_path)), "--require-full"])
    text = " ".join(capsys.readouterr().out.split())
    assert code == ExitCode.NOT_FULL
    assert "partial" in text
    assert "Called `histogram(image: uint8" in text
    assert "differs from np.histogram at" in text and "the first at index [" in text
    assert "To reproduce:" in text and "from histogram import histogram" in text


# -- code is never cut or wrapped, whatever the width ---------------------------------------------
def _snippets(text: str) -> list[str]:
    """Every "To reproduce:" block of a terminal report, dedented."""
    lines, found = text.splitlines(), []
    for at, line in enumerate(lines):
        if line.strip() == "To reproduce:":
            indent = " " * (len(line) - len(line.lstrip()) + 2)
            block = []
            for following in lines[at + 1:]:
                if following.strip() and not following.startswith(indent):
                    break
                block.append(following)
            found.append(textwrap.dedent("\n".join(block)).strip() + "\n")
    return found


def test_reproduce_snippets_are_never_cut_at_80_columns(tmp_path, capsys, monkeypatch):
    # Wrong for boundary="wrap" only: its snippets end with a call wider than 80 columns.
    source = (SOLUTIONS / "convolution.py").read_text().replace("\ndef convolve2d(", "\ndef _good_convolve2d(")
    (tmp_path / "convolution.py").write_text(source + textwrap.dedent("""

        def convolve2d(image, kernel, mode="same", boundary="fill", fill_value=0.0, stride=1):
            out = _good_convolve2d(image, kernel, mode, boundary, fill_value, stride)
            return out + (1.0 if boundary == "wrap" else 0.0)
    """))
    monkeypatch.setenv("COLUMNS", "80")  # and captured: the report is piped, 80 columns wide
    assert cli.main(["convolution", "--target", str(tmp_path), "--examples", "3"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines() if "print(" not in line) <= 80  # prose still wraps
    snippets = _snippets(out)
    assert snippets and any(len(line) > 80 for snippet in snippets for line in snippet.splitlines())
    for snippet in snippets:
        compile(snippet, "<snippet>", "exec")  # a cut line would be a SyntaxError
        assert "boundary='wrap'" in snippet


def test_commands_and_snippets_are_whole_in_a_narrow_report():
    long_call = ("print(convolve2d(image, kernel, mode='valid', boundary='symm', fill_value=255.0, "
                 "stride=3))")
    check = results.CheckResult("x::a", "convolution", "convolve2d", "a check", 1, status=results.FAILED,
                                message="it differs", snippet="import numpy as np\n\nimage = np.zeros((3, 3))\n"
                                                              "kernel = np.ones((2, 2))\n" + long_call)
    report = results.GradeReport("t", [results.ExerciseResult("convolution", "C", 5, [check])])
    buffer = io.StringIO()
    terminal.print_report(report, Console(file=buffer, width=40))
    (snippet,) = _snippets(buffer.getvalue())
    assert long_call in snippet.splitlines()
    compile(snippet, "<snippet>", "exec")


# -- a module that does not import: one message, with the line and a caret -------------------------
def test_a_syntax_error_is_reported_once_with_its_line_and_a_caret(tmp_path, monkeypatch):
    source = (SOLUTIONS / "histogram.py").read_text()
    assert source.count("def histogram(image):") == 1
    broken = source.replace("def histogram(image):", "def histogram(image)")
    (tmp_path / "histogram.py").write_text(broken)
    intensity = (SOLUTIONS / "intensity.py").read_text()
    (tmp_path / "intensity.py").write_text(intensity + "\nraise RuntimeError('boom at import')\n")
    report = api.grade(["histogram", "intensity"], target=tmp_path, max_examples=2)
    for name in ("histogram", "intensity"):
        exercise = report.exercise(name)
        assert exercise.points == 0 and exercise.max_points > 0 and exercise.status == "failing"
        assert all(c.status == results.ERROR for c in exercise.checks)
        assert exercise.message and all(c.message == exercise.message for c in exercise.checks)
    buffer = io.StringIO()
    terminal.print_report(report, Console(file=buffer, width=80, color_system=None))
    text = buffer.getvalue()
    assert text.count("SyntaxError") == 1 and text.count("Importing `intensity.py` raised RuntimeError") == 1, text
    line = broken.splitlines().index("def histogram(image)") + 1
    assert f'File "{tmp_path / "histogram.py"}", line {line}' in text
    lines = text.splitlines()
    (at,) = [i for i, shown in enumerate(lines) if shown.strip() == "def histogram(image)"]
    caret = lines[at + 1]
    assert caret.strip() == "^" and caret.index("^") == lines[at].index(")") + 1  # where the ':' is missing
    assert "SyntaxError: expected ':'" in lines[at + 2]
    assert "checks not run" in text and "the module does not import" in text
    assert report.to_dict()["exercises"][0]["message"] == report.exercise("histogram").message


# -- where to start ---------------------------------------------------------------------------------
def _stubs(directory, names):
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        (directory / f"{name}.py").write_text((EXERCISES / f"{name}.py").read_text())
    return directory


def test_a_fresh_start_says_where_to_begin_once(tmp_path, capsys, monkeypatch):
    target = _stubs(tmp_path / "work", ["arrays", "intensity", "histogram"])
    monkeypatch.chdir(PROJECT_ROOT)
    assert cli.main(["--target", str(target), "arrays", "intensity", "histogram"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert out.count("Start here") == 1 and "Start here: 1. arrays" in out
    assert f"{target / 'arrays.py'}" in out and "docs/01-arrays.md" in out and "pixelgrade hint arrays" in out
    assert "2 more exercises are not started yet" in out
    assert "intensity.py" not in out and "hint histogram" not in out  # one block, not three


def test_the_next_exercise_not_started_says_what_to_edit_and_read(tmp_path, capsys, monkeypatch):
    target = make_submission(_stubs(tmp_path / "work", ["histogram"]), ["arrays"])
    monkeypatch.chdir(PROJECT_ROOT)
    assert cli.main(["--target", str(target), "arrays", "histogram"]) == ExitCode.OK
    out = " ".join(capsys.readouterr().out.split())
    assert "Start here" not in out and "Not started yet: 3. histogram" in out
    assert f"Edit {target / 'histogram.py'}" in out and "Read docs/03-histogram.md" in out
    assert "pixelgrade hint histogram" in out and f"pixelgrade histogram --target {target}" in out


# -- without TensorFlow --------------------------------------------------------------------------------
def test_without_tensorflow_the_report_says_why_and_how_to_install_it(monkeypatch):
    from grader.core import runner
    install_command = BY_NAME["networks"].install_command

    monkeypatch.setattr(runner, "_missing_needs", lambda exercise: list(exercise.needs))  # as if not installed
    report = api.grade(["networks", "training"], target=EXERCISES)
    for exercise in report.exercises:
        assert exercise.status == "skipped" and exercise.checks
        assert all(c.status == results.SKIPPED and c.message.startswith("needs tensorflow, which is not installed")
                   and install_command(["tensorflow"]) in c.message for c in exercise.checks)
    command = install_command(["tensorflow"])
    # What the course's catalog says installs it ([course.optional]), for this machine.
    assert command == f"{shlex.quote(sys.executable)} -m pip install 'tensorflow-cpu>=2.16'"
    buffer = io.StringIO()
    terminal.print_report(report, Console(file=buffer, width=80, color_system=None))
    lines = [line.strip() for line in buffer.getvalue().splitlines()]
    text = " ".join(buffer.getvalue().split())
    assert "13. networks, 14. training: skipped, because they need tensorflow" in text
    assert command in lines  # on a line of its own, whole, at 80 columns
    root = shlex.quote(str(PROJECT_ROOT))
    assert f"cd {root} && python3 -m nox -s networks" in lines and f"cd {root} && python3 -m nox -s training" in lines
