"""Replaying a property check's examples instead of generating them again.

Hypothesis spends most of a check's time making its examples (a few milliseconds
each: hundreds per exercise), and with the grading profile (derandomised, no
database) it makes the very same ones every time. So when a property check
passes, the examples it was called with are kept (:mod:`grader.core.answers`'
store: in memory, and as a file in the user's cache folder), and the next
grading of that check calls it with those examples, in the same order, without
Hypothesis.

Why the grade is the same either way:

- the examples a derandomised Hypothesis run makes depend on the check alone,
  as long as every example passes and none is rejected: its random generator is
  seeded from the check's source, and the engine steers by how test cases ended
  (passed, rejected, failed), not by what the learner's functions returned. So a
  submission that passes every kept example would have passed every example of a
  real run, which are the same examples;
- the moment a kept example does not pass (a failure, an error, an ``assume``
  that rejects it), the replay stops and the check runs under Hypothesis as it
  always did, from the start: it finds the same first failing example, shrinks
  it the same way and reports it in the same words;
- examples are kept only from a run that passed with no example rejected (a
  rejection may depend on what the learner's function returned, and it changes
  what Hypothesis makes next), only when every argument is plain data (arrays,
  numbers, strings, and lists, tuples and dicts of them; a check that draws
  interactively with ``st.data()`` or is given a random generator is never
  replayed), and under a key that covers the check's node id, the examples
  budget, the Hypothesis version and the source of every check and every module
  of the check-writing kit (edit any and the examples are made anew).

``PIXELGRADE_ANSWERS=off`` turns the files off (and so this cache's), as it does for
the reference's answers.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import importlib.metadata
from pathlib import Path

import pytest
from hypothesis.errors import UnsatisfiedAssumption

from grader.core import answers
from grader.core.catalog import CHECKS_DIR

_KIT_DIR = Path(__file__).resolve().parents[1] / "kit"
# Bump when what makes the examples changes in a way the key does not see: kept examples
# under an older format are never read. (2: the examples budget of a second grading in a
# process was the first one's, see grader.core.runner.use_grading_settings.)
FORMAT = "2"


@functools.cache
def _sources_digest() -> str:
    """The digest of every check and kit module's source, and of Hypothesis' version."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(importlib.metadata.version("hypothesis").encode())
    for folder in (CHECKS_DIR, _KIT_DIR):
        for path in sorted(folder.glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _name(item, max_examples: int) -> str:
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"examples;{FORMAT};{_sources_digest()};{max_examples};{item.nodeid};".encode())
    path = Path(str(item.fspath))
    if path.parent != CHECKS_DIR and path.is_file():  # an instructor's hidden checks, from elsewhere
        digest.update(path.read_bytes())
    return "examples-" + digest.hexdigest()


class _Recorder:
    """Wraps a check's inner test: keeps a copy of each example it is called with."""

    def __init__(self, inner, names):
        self.inner, self.names = inner, names
        self.examples: list[dict] = []
        self.usable = True  # every example plain data, none rejected

        @functools.wraps(inner)  # the same source and signature: Hypothesis seeds from them
        def recording(*args, **kwargs):
            if self.usable:
                example = {name: kwargs[name] for name in self.names if name in kwargs}
                if args or len(example) != len(self.names) or not answers.plain(example):
                    self.usable = False
                else:  # a copy now: the check may change its arguments
                    self.examples.append(copy.deepcopy(example))
            try:
                return inner(*args, **kwargs)
            except UnsatisfiedAssumption:
                self.usable = False
                raise

        recording.replay_target = inner  # what a replay calls (not this wrapper, which would record again)
        self.wrapper = recording


class ExampleReplay:
    """A pytest plugin: property checks replay the examples of their last passing run."""

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
            try:
                check(**fixtures, **example)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException:  # noqa: BLE001 - not a pass: Hypothesis runs the check, as always
                return None
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
