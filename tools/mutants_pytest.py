"""The pytest plugin that tools/mutants.py loads into the grader's own pytest run.

Loaded by name through ``PYTEST_PLUGINS`` (pytest's documented way to add a plugin to a
``pytest.main`` call one does not own), only while the driver grades a mutant. It makes a
grading run as short as is sound for mutation testing:

- the bonus checks (the optional speed checks) are deselected: they never count towards
  full marks, so they can neither kill a mutant nor let one survive;
- the run stops after the first non-bonus check that does not pass (pytest's own
  ``session.shouldstop``, as ``-x`` uses): one failing check kills the mutant;
- the run stops once ``STATE.limit_s`` seconds have passed (the time limit per mutant)
  and records that in ``STATE.timed_out``;
- a Ctrl-C (which pytest turns into the end of its run) is recorded in ``STATE.interrupted``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pytest


@dataclass
class State:
    limit_s: float | None = None
    started: float = field(default_factory=time.perf_counter)
    timed_out: bool = False
    interrupted: bool = False  # pytest swallows Ctrl-C (it ends the run): the driver must stop too
    session: object = None

    def reset(self, limit_s: float | None) -> None:
        self.limit_s, self.started, self.timed_out, self.session = limit_s, time.perf_counter(), False, None
        self.interrupted = False


STATE = State()


def _is_bonus(item) -> bool:
    mark = item.get_closest_marker("pixelgrade")
    return bool(mark and mark.kwargs.get("bonus", False))


def pytest_sessionstart(session):
    STATE.session = session


@pytest.hookimpl(tryfirst=True)  # before the grader's plugin records the checks
def pytest_collection_modifyitems(session, config, items):
    bonus = [item for item in items if _is_bonus(item)]
    if bonus:
        items[:] = [item for item in items if not _is_bonus(item)]
        config.hook.pytest_deselected(items=bonus)


def pytest_runtest_logreport(report):
    session = STATE.session
    if session is None:
        return
    if report.failed and report.when in ("setup", "call"):
        session.shouldstop = "mutant killed: a check failed"
    if report.when == "teardown" and STATE.limit_s is not None \
            and time.perf_counter() - STATE.started > STATE.limit_s:
        STATE.timed_out = True
        session.shouldstop = "mutant timed out"


def pytest_keyboard_interrupt(excinfo):
    # session.shouldstop ends the run with Session.Interrupted, a KeyboardInterrupt too: not a Ctrl-C.
    if not isinstance(excinfo.value, pytest.Session.Interrupted):
        STATE.interrupted = True
