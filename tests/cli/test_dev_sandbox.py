"""``pixelgrade dev sandbox``: the project's hostile submissions against this machine's sandbox (issue 21).

At the full level and with the Landlock-only level forced (what a container without namespaces
gets; here the runtime lives under /root), every attack must hold, and the command says so with
exit status 0. A level weakened on purpose (``PIXELGRADE_ISOLATION=plain``) must be reported as
not holding, attack by attack, with a non-zero exit status: the check can fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import PROJECT_ROOT

from grader.cli import main as cli
from grader.instructor import sandbox_check
from grader.sandbox import isolation

linux_root = pytest.mark.skipif(sys.platform != "linux" or os.geteuid() != 0,
                                reason="the CI level (bubblewrap, Landlock, uid 65534) needs Linux and root")


def dev_sandbox(tmp_path, *args, level: str | None = None):
    """``pixelgrade dev sandbox ARGS --json`` in a process of its own: (exit status, printed, verdicts)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_") and k != isolation.MODE_ENV}
    if level:
        env[isolation.MODE_ENV] = level
    report = tmp_path / f"sandbox-{level or 'auto'}.json"
    done = subprocess.run([sys.executable, "-m", "grader", "dev", "sandbox", *args, "--json", str(report)],
                          cwd=str(PROJECT_ROOT), env={**env, "COLUMNS": "200"}, capture_output=True, text=True,
                          timeout=300)
    verdicts = json.loads(report.read_text()) if report.exists() else None
    return done.returncode, done.stdout + done.stderr, verdicts


@linux_root
@pytest.mark.parametrize("level", [None, "landlock"], ids=["full", "landlock"])
def test_every_attack_holds(tmp_path, level):
    code, printed, verdicts = dev_sandbox(tmp_path, level=level)
    assert verdicts is not None, printed
    outcomes = {attack["name"]: (attack["outcome"], attack["detail"]) for attack in verdicts["attacks"]}
    assert list(outcomes) == list(sandbox_check.NAMES)  # every attack ran, in the table's order
    assert {name: outcome for name, outcome in outcomes.items() if outcome[0] != "held"} == {}
    assert code == 0 and verdicts["held"] is True, printed
    assert verdicts["seconds"] < 60, verdicts["seconds"]  # "about 20 s" on two busy cores
    # The table: a row per attack with what it tried, then the level it was run against.
    for attack in sandbox_check.ATTACKS:
        assert attack.name in printed, attack.name
    assert verdicts["level"] in " ".join(printed.split())
    assert f"All {len(sandbox_check.ATTACKS)} attacks held" in printed
    assert "this machine may grade other people's work" in " ".join(printed.split())


@linux_root
def test_a_weakened_level_is_reported_as_not_holding(tmp_path):
    """With the kernel's sandbox off, what it kept out gets in: the check says so and fails."""
    attacks = ["read-secrets", "write-outside", "chmod-utime", "tcp", "unix-path", "uid"]
    code, printed, verdicts = dev_sandbox(tmp_path, *attacks, level="plain")
    assert verdicts is not None, printed
    outcomes = {attack["name"]: attack["outcome"] for attack in verdicts["attacks"]}
    assert outcomes == dict.fromkeys(attacks, "got through"), verdicts["attacks"]
    assert code == 1 and verdicts["held"] is False
    said = " ".join(printed.split())
    ordered = [name for name in sandbox_check.NAMES if name in attacks]
    assert f"{len(attacks)} of {len(attacks)} attacks got through: {', '.join(ordered)}" in said, said
    assert "The sandbox did not hold" in said
    assert "not protected at this level: PIXELGRADE_ISOLATION=plain turns the kernel's sandbox off" in said
    assert verdicts["unprotected"] == isolation._detect("plain").unprotected()


def test_an_unknown_attack_is_a_usage_error(capsys):
    assert cli.main(["dev", "sandbox", "no-such-attack"]) == 2
    said = " ".join(capsys.readouterr().err.split())
    assert "no attack called 'no-such-attack'" in said and "read-secrets" in said


def test_the_attacks_ship_with_the_package():
    """The wheel carries the attacks (package data), each a module with an ``attack`` function."""
    import tomllib

    package_data = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["grader"]
    assert "instructor/attacks/*.py" in package_data
    modules = {path.stem for path in sandbox_check.ATTACKS_DIR.glob("*.py")}
    assert {"read_files", "write_files", "network", "forge_reply", "patched_clock", "fork_bomb"} <= modules
