"""Replaying a property check's examples instead of generating them again.

Hypothesis spends most of a check's time making its examples (a few milliseconds
each: hundreds per exercise), and with the grading profile (derandomised, no
database) it makes the very same ones every time. So when a property check
passes, the examples it was called with are kept (:mod:`grader.core.answers`'
store: in memory, and as a file in the user's cache folder), and the next
grading of that check calls it with those examples, in the same order, without
Hypothesis.

Why the grade is the same either way:

- the examples a derandomised Hypothesis run makes depend on the check alone
  and on how each example ended: its random generator is seeded from the
  check's source, and the engine steers by how test cases ended (passed,
  rejected by ``assume``, out of data, failed), not by what the learner's
  functions returned. So every example is kept with how it ended, and a
  submission whose every kept example ends the same way (passes where it passed,
  is rejected where it was rejected) would have met the very same examples in a
  real run, and passed them;
- the moment a kept example ends another way (a failure, an error, a rejection
  where there was none or none where there was one), the replay stops and the
  check runs under Hypothesis as it always did, from the start: it finds the
  same first failing example, shrinks it the same way and reports it in the
  same words;
- examples are kept only from a run that passed, only when every argument is
  plain data (arrays, numbers, strings, and lists, tuples and dicts of them; a
  check given a random generator is never replayed), and under a key that
  covers the check's node id, the examples budget, the Hypothesis version and
  the source of every check, every module of the course's folder (its own
  strategies and samples, say; not its stubs, references or pages) and every
  module of the engine's check-writing kit (edit any and the examples are made anew);
- a check that draws interactively (``st.data()``) keeps every value it drew,
  with the strategy it drew from (its ``repr``, which shows the arguments the
  strategy was made with). Its replay hands the same values back in the same
  order while each draw asks for the same strategy; a draw from another strategy
  (one that depends on what the learner's function returned), a draw more or
  one fewer than kept ends the replay, and Hypothesis runs the check. A draw
  where Hypothesis ran out of data, or that was rejected, ends the example there
  in the replay too.

``PIXELGRADE_ANSWERS=off`` turns the files off (and so this cache's), as it does for
the reference's answers.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import importlib.metadata
import os
from pathlib import Path

import pytest
from hypothesis.errors import StopTest, UnsatisfiedAssumption
from hypothesis.strategies import DataObject

from grader.core import answers, catalog

_KIT_DIR = Path(__file__).resolve().parents[1] / "kit"
# Bump when what makes the examples changes in a way the key does not see: kept examples
# under an older format are never read. (2: the examples budget of a second grading in a
# process was the first one's, see grader.core.runner.use_grading_settings. 3: examples keep how they
# ended, so that checks that reject examples or draw with st.data() replay too.)
FORMAT = "3"


def _sources_digest() -> str:
    course = catalog.active()
    # The learners' stubs and the references make no examples; the pages are not code.
    skipped = (course.stubs_dir, course.solutions_dir, course.docs_dir)
    return _digest_of((course.checks_dir, course.folder, _KIT_DIR), skipped)


@functools.cache
def _digest_of(folders: tuple, skipped: tuple = ()) -> str:
    """The digest of Hypothesis' version and of every module under ``folders`` (but ``skipped``).

    Every module: the checks, and the course's own modules they import (its strategies, its
    samples, in a package beside ``course.toml``), at any depth.
    """
    digest = hashlib.blake2b(digest_size=20)
    digest.update(importlib.metadata.version("hypothesis").encode())
    seen = set()
    for folder in (Path(folder).resolve() for folder in folders):
        for path in _modules_under(folder, tuple(Path(s).resolve() for s in skipped)):
            if path in seen:  # the checks are inside the course's folder as a rule: count them once
                continue
            seen.add(path)
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _modules_under(folder: Path, skipped: tuple[Path, ...]) -> list[Path]:
    """The ``.py`` files under ``folder``, sorted; not in ``skipped``, hidden folders, caches or environments."""
    found = []
    for parent, subfolders, names in os.walk(folder):
        here = Path(parent)
        subfolders[:] = sorted(name for name in subfolders
                               if not name.startswith((".", "__pycache__")) and (here / name).resolve() not in skipped
                               and not (here / name / "pyvenv.cfg").exists() and name != "site-packages")
        found += [(here / name).resolve() for name in names if name.endswith(".py")]
    return sorted(found)


def _name(item, max_examples: int) -> str:
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"examples;{FORMAT};{_sources_digest()};{max_examples};{item.nodeid};".encode())
    path = Path(str(item.fspath))
    if path.parent != catalog.active().checks_dir and path.is_file():  # an instructor's hidden checks, from elsewhere
        digest.update(path.read_bytes())
    return "examples-" + digest.hexdigest()


# Kept beside an example's arguments (an argument's name is a Python identifier, so they
# cannot clash): the values it drew with ``st.data()``, and how it ended when it did not pass.
DRAWS = "<draws>"
ENDED = "<ended>"
REJECTED, STOPPED = "rejected", "stopped"  # by ``assume`` (or a filter); out of data (``StopTest``)


# Not Exceptions: a check's own ``except Exception`` around a draw must not catch them.
class _Diverged(BaseException):
    """A replayed check asked for a draw the kept example does not have."""


class _Stopped(BaseException):
    """A replayed example ends at the draw where it ended then (out of data, or rejected)."""


class _RecordingData:
    """A check's ``st.data()`` object that keeps what it draws: ``(repr(strategy), value)`` pairs."""

    def __init__(self, data, example: dict, name: str, recorder: _Recorder):
        self._data, self._example, self._recorder = data, example, recorder
        self._draws = example[DRAWS][name]

    def draw(self, strategy, label=None):
        try:
            value = self._data.draw(strategy, label=label)
        except (StopTest, UnsatisfiedAssumption) as error:  # the example ends here: so will its replay
            self._draws.append([repr(strategy)])
            self._example[ENDED] = STOPPED if isinstance(error, StopTest) else REJECTED
            raise
        except BaseException:
            self._recorder.usable = False  # nothing to replay (and the check does not pass)
            raise
        if self._recorder.usable:
            if answers.plain(value):
                self._draws.append([repr(strategy), copy.deepcopy(value)])  # a copy now: the check may change it
            else:
                self._recorder.usable = False
        return value

    def __getattr__(self, name):
        return getattr(self._data, name)


class _ReplayedData:
    """``st.data()`` in a replay: the kept values, while the check asks for the same strategies."""

    def __init__(self, draws: list):
        self._draws = list(draws)

    def draw(self, strategy, label=None):
        if not self._draws or self._draws[0][0] != repr(strategy):
            raise _Diverged(repr(strategy))
        kept = self._draws.pop(0)
        if len(kept) == 1:  # where the example ended then
            raise _Stopped
        return kept[1]

    @property
    def finished(self) -> bool:
        return not self._draws


def _is_data(value) -> bool:
    return isinstance(value, DataObject)


class _Recorder:
    """Wraps a check's inner test: keeps a copy of each example it is called with."""

    def __init__(self, inner, names):
        self.inner, self.names = inner, names
        self.examples: list[dict] = []
        self.usable = True  # every example plain data

        @functools.wraps(inner)  # the same source and signature: Hypothesis seeds from them
        def recording(*args, **kwargs):
            example: dict = {}  # what is kept of this call (nothing once the check is not usable)
            if self.usable:
                example = {name: kwargs[name] for name in self.names if name in kwargs and not _is_data(kwargs[name])}
                drawn = [name for name in self.names if _is_data(kwargs.get(name))]
                if args or len(example) + len(drawn) != len(self.names) or not answers.plain(example):
                    self.usable = False
                else:  # a copy now: the check may change its arguments
                    example = copy.deepcopy(example)
                    if drawn:
                        example[DRAWS] = {}
                        for name in drawn:
                            example[DRAWS][name] = []
                            kwargs[name] = _RecordingData(kwargs[name], example, name, self)
                    self.examples.append(example)
            try:
                return inner(*args, **kwargs)
            except UnsatisfiedAssumption:
                example.setdefault(ENDED, REJECTED)
                raise

        recording.replay_target = inner  # what a replay calls (not this wrapper, which would record again)
        self.wrapper = recording


class ExampleReplay:
    """A pytest plugin: property checks replay the examples of their last passing run, each ending as it did."""

    def __init__(self, max_examples: int):
        self.max_examples = max_examples
        self.replayed: set[str] = set()  # node ids of the checks that passed on kept examples

    @staticmethod
    def _handle(item):
        handle = getattr(getattr(item, "obj", None), "hypothesis", None)
        names = list(getattr(handle, "_given_kwargs", None) or ())
        return (handle, names) if handle is not None and names else (None, [])

    @pytest.hookimpl(tryfirst=True)
    def pytest_pyfunc_call(self, pyfuncitem):
        handle, names = self._handle(pyfuncitem)
        if handle is None:
            return None
        try:
            kept = answers.lookup(_name(pyfuncitem, self.max_examples))["examples"]
        except (KeyError, TypeError):
            return None
        fixtures = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
        check = getattr(handle.inner_test, "replay_target", handle.inner_test)
        for example in kept:
            drawn = {name: _ReplayedData(draws) for name, draws in example.pop(DRAWS, {}).items()}
            then = example.pop(ENDED, None)
            try:
                check(**fixtures, **example, **drawn)
                now = None  # passed
            except _Stopped:
                now = then  # it reached the draw where it ended then
            except UnsatisfiedAssumption:
                now = REJECTED
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException:  # noqa: BLE001 - not a pass: Hypothesis runs the check, as always
                return None
            if now != then or not all(data.finished for data in drawn.values()):
                return None  # it ended another way, or drew less: Hypothesis would not go on the same way
        self.replayed.add(pyfuncitem.nodeid)
        return True  # passed, every kept example: pytest does not call the check again

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        handle, names = self._handle(item)
        if handle is None:
            yield
            return
        recorder = _Recorder(handle.inner_test, names)
        handle.inner_test = recorder.wrapper
        try:
            outcome = yield
        finally:
            handle.inner_test = recorder.inner
        if (item.nodeid not in self.replayed and outcome.excinfo is None and recorder.usable
                and recorder.examples):
            answers.store(_name(item, self.max_examples), {"examples": recorder.examples})
