"""The command line and the report writers: JSON structure, teacher-like text, exit codes."""

import json

from conftest import SOLUTIONS, make_submission

from grader import cli


def _buggy_histogram(tmp_path):
    return make_submission(tmp_path / "sub", ["histogram"], replace={"histogram": {"histogram": """
        def histogram(image):
            image = _check_uint8(image)
            return np.bincount(image.ravel(), minlength=256)[::-1].astype(np.int64)
    """}})


def test_json_report_has_every_exercise_and_check(tmp_path, capsys):
    out = tmp_path / "report.json"
    code = cli.main(["histogram", "equalisation", "--target", str(SOLUTIONS), "--json", str(out)])
    assert code == 0
    data = json.loads(out.read_text())
    assert [e["name"] for e in data["exercises"]] == ["histogram", "equalisation"]
    for exercise in data["exercises"]:
        assert exercise["status"] == "complete" and exercise["points"] == exercise["max_points"] > 0
        assert exercise["checks"] and all({"id", "function", "points", "max_points", "status", "message"}
                                          <= set(c) for c in exercise["checks"])
    assert data["points"] == data["max_points"]


def test_terminal_report_reads_like_a_teacher(tmp_path, capsys):
    code = cli.main(["histogram", "--target", str(_buggy_histogram(tmp_path)), "--require-full"])
    text = " ".join(capsys.readouterr().out.split())
    assert code == cli.EXIT_NOT_FULL
    assert "partial" in text
    assert "Called `histogram(image: uint8" in text
    assert "differs from np.histogram at" in text and "the first at index [" in text
    assert "To reproduce:" in text and "from histogram import histogram" in text


def test_unknown_exercise_is_a_usage_error(capsys):
    assert cli.main(["histogrm"]) == cli.EXIT_USAGE
    out = capsys.readouterr().out
    assert "unknown exercise 'histogrm'" in out and "histogram" in out


def test_missing_target_is_a_usage_error(tmp_path, capsys):
    assert cli.main(["--target", str(tmp_path / "nowhere")]) == cli.EXIT_USAGE
    assert "is not a directory" in " ".join(capsys.readouterr().out.split())
