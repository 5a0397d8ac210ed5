"""What ``pixelgrade`` says and returns when the course is wrong or the engine itself fails."""

from __future__ import annotations

import pytest
from conftest import PROJECT_ROOT

from grader.cli import main as cli
from grader.core import catalog
from grader.exitcodes import ExitCode


@pytest.fixture(autouse=True)
def _course_again():
    yield
    catalog.activate(PROJECT_ROOT / "course")


def test_an_engine_crash_is_status_3_with_one_line(monkeypatch, capsys):
    from grader.cli import grade

    def broken(*args, **kwargs):
        raise RuntimeError("the report writer fell over")

    monkeypatch.setattr(grade, "main", broken)
    monkeypatch.delenv("PIXELGRADE_DEBUG", raising=False)
    assert cli.main(["histogram"]) == ExitCode.GRADER_ERROR
    said = capsys.readouterr().err.strip()
    assert len(said.splitlines()) == 1 and said.startswith("pixelgrade: internal error: RuntimeError: the report")
    assert "not of the work graded" in said and "PIXELGRADE_DEBUG=1" in said


def test_with_pixelgrade_debug_the_crash_keeps_its_traceback(monkeypatch):
    from grader.cli import grade

    monkeypatch.setattr(grade, "main", lambda *args, **kwargs: 1 / 0)
    monkeypatch.setenv("PIXELGRADE_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        cli.main(["histogram"])


@pytest.mark.parametrize("entry, said", [
    ('limits = {timeout_s = "unlimited"}', 'exercise 1 (broken) limits: timeout_s: expected a number of seconds'),
    ("hints = 'one string'", "exercise 1 (broken) hints: expected a list of strings, got a string"),
    ("thresholds = {file = 1.5}", "exercise 1 (broken) thresholds.file: expected an accuracy above 0 and at most 1"),
    ("colour = 'red'", "exercise 1 (broken): unknown key colour; allowed:"),
])
def test_a_malformed_catalog_is_a_usage_error_naming_the_entry_and_the_key(tmp_path, capsys, entry, said):
    (tmp_path / "course.toml").write_text(f'[[exercise]]\nname = "broken"\n{entry}\n')
    for argv in (["--jobs", "2"], ["list"], ["hint", "broken"], ["dev", "check", "--no-grade"]):
        assert cli.main(["--course", str(tmp_path), *argv]) == ExitCode.USAGE, argv
        message = capsys.readouterr().err.strip()
        assert message.startswith(f"pixelgrade: error: {tmp_path / 'course.toml'}") and said in message, message


def test_no_course_found_is_a_usage_error_saying_how_to_name_one(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(catalog.COURSE_ENV, raising=False)
    monkeypatch.setattr(catalog, "_active", None)
    assert cli.main(["list"]) == ExitCode.USAGE
    message = capsys.readouterr().err
    assert "no course here" in message and "--course DIR" in message and "pixelgrade new DIR" in message


def test_a_course_found_by_looking_around_must_be_the_users_own(tmp_path, monkeypatch, capsys):
    """A course.toml planted in a shared folder above the working folder is not run (its hooks are code)."""
    import os

    shared = tmp_path / "shared"
    below = shared / "class" / "alice"
    below.mkdir(parents=True)
    (shared / "course.toml").write_text('[[exercise]]\nname = "planted"\n')
    monkeypatch.chdir(below)
    monkeypatch.delenv(catalog.COURSE_ENV, raising=False)
    monkeypatch.setattr(catalog, "_active", None)
    os.chmod(shared, 0o777)  # a folder everyone can write in (a class share, /tmp)
    assert cli.main(["list"]) == ExitCode.USAGE
    message = capsys.readouterr().err
    assert "can be changed by every user" in message and f"--course {shared}" in message
    os.chmod(shared, 0o755)
    if os.geteuid() == 0:
        os.chown(shared / "course.toml", 65534, 65534)  # another user's
        assert cli.main(["list"]) == ExitCode.USAGE
        assert "belongs to another user (uid 65534)" in capsys.readouterr().err
        os.chown(shared / "course.toml", 0, 0)
    assert cli.main(["list"]) == ExitCode.OK  # one's own: found and graded
    assert "planted" in capsys.readouterr().out
