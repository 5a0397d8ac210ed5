"""``PIXELGRADE_ISOLATION=plain`` with ``--require-isolation``: the refusal names the plain level, not the machine.

The plain level is chosen in the environment and does not look at the machine at all (no
Landlock, no bubblewrap, no change of uid is even tried). Refusing it must say so first,
and how to get the full level back, rather than list what a machine that was never looked
at "lacks" (the uid it "cannot drop to", a Landlock ABI "not in use").
"""

from __future__ import annotations

import pytest
from conftest import SOLUTIONS, make_submission

from grader import api
from grader.cli import main as cli
from grader.sandbox import isolation

WRONG_REASONS = ("uid", "cannot drop", "Landlock", "landlock", "bubblewrap namespaces", "not available here")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _names_the_plain_level(message: str) -> None:
    assert "the full sandbox is off: PIXELGRADE_ISOLATION=plain" in message, message
    assert "unset PIXELGRADE_ISOLATION" in message, message  # how to get the full level
    for wrong in WRONG_REASONS:
        assert wrong not in message, (wrong, message)


@pytest.fixture
def plain(monkeypatch):
    monkeypatch.setenv(isolation.MODE_ENV, "plain")


@pytest.mark.parametrize("as_root", [True, False], ids=["as root", "as a user"])
def test_the_plain_level_lacks_only_its_own_choice(as_root):
    level = isolation.Isolation(mode="plain", running_as_root=as_root)
    assert level.missing() == ["PIXELGRADE_ISOLATION=plain turns the kernel's sandbox off"]
    assert not level.full
    assert not any("cannot drop" in gap for gap in level.unprotected()), level.unprotected()
    assert level.describe().startswith("plain level (PIXELGRADE_ISOLATION=plain)"), level.describe()


def test_require_full_names_the_plain_level_first(plain):
    with pytest.raises(isolation.IsolationUnavailable) as refused:
        isolation.require_full()
    _names_the_plain_level(str(refused.value))


def test_grading_with_require_isolation_names_the_plain_level(plain, tmp_path):
    with pytest.raises(isolation.IsolationUnavailable) as refused:
        api.grade(["histogram"], target=SOLUTIONS, require_isolation=True)
    _names_the_plain_level(str(refused.value))


def test_batch_with_require_isolation_names_the_plain_level(plain, tmp_path, capsys):
    subs = tmp_path / "subs"
    make_submission(subs / "ada", ["histogram"])
    out = tmp_path / "out"
    code = cli.main(["batch", str(subs), "--out", str(out), "--require-isolation"])
    printed = capsys.readouterr()
    message = _one_line(printed.out + printed.err)
    assert code == 2, message
    assert message.startswith("pixelgrade batch: the full sandbox is off: PIXELGRADE_ISOLATION=plain"), message
    _names_the_plain_level(message)
    assert not out.exists()  # nothing graded, nothing written
