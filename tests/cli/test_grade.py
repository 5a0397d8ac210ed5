"""``pixelgrade [EXERCISE ...]`` (grader/cli/grade.py): what it says when it cannot grade."""

from grader.cli import main as cli
from grader.exitcodes import ExitCode


def test_unknown_exercise_is_a_usage_error(capsys):
    assert cli.main(["histogrm"]) == ExitCode.USAGE
    out = capsys.readouterr().out
    assert "unknown exercise 'histogrm'" in out and "histogram" in out


def test_missing_target_is_a_usage_error(tmp_path, capsys):
    assert cli.main(["--target", str(tmp_path / "nowhere")]) == ExitCode.USAGE
    assert "is not a directory" in " ".join(capsys.readouterr().out.split())
