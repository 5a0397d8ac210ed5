"""How close is grading to its floor, and where does the time go?

The floor runs the very same checks, with the same Hypothesis examples, through
the same pytest plugin, but calls the learner's functions in this process (no
worker, no wire: :class:`InProcessLearner`). Grading ``solutions/`` through the
sandboxed workers is then timed in the same process, both after one warm-up run,
alternating, the median of ``--runs``; the ratio is grader / floor (target: at
most 1.5 for the image exercises).

The split of a graded run (seconds, summed over the run) comes from timers
wrapped around: pytest's collection (configure to collection end), the reference
solution's functions, the learner calls (the proxy's ``call``, less what the
grader's side of the wire spends encoding and decoding), serialisation (the
grader's side of the wire), describing (the call records and the expect kit's
value descriptions), pictures (drawing a failure's PNG) and the workers' start
(until the learner's module is imported). "checks and Hypothesis" is the rest.
Process start is measured apart: a fresh ``python -c 'import grader.cli.main'``.

    python3 benchmarks/floor.py                         # the image exercises, 3 runs
    python3 benchmarks/floor.py --exercises histogram --runs 5

A benchmark, not a test: it asserts only that both ways give the same points.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import copy
import functools
import importlib.util
import pathlib
import random
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader import api  # noqa: E402
from grader.core import (  # noqa: E402
    catalog,  # noqa: E402
    learner,
    runner,
)
from grader.core.learner import LearnerModule  # noqa: E402
from grader.kit import describe, expect, pictures  # noqa: E402
from grader.sandbox import adapters, client, wire  # noqa: E402
from grader.sandbox.worker import _changed, _error, _snapshot  # noqa: E402

TIMES: collections.Counter = collections.Counter()


class _Reply:
    ok = True
    error = None
    missing = False
    problem = ""
    output = ""
    limit = ""
    detail = ""
    stopped_by = ""
    cpu_seconds = None
    cpu_limit = None

    def __init__(self, value=None, mutated=(), seconds=0.0, error=None):
        self.value, self.mutated, self.seconds, self.tripped = value, list(mutated), seconds, []
        self.ok, self.error = error is None, error


class _InProcessWorker:
    """Stands in for ``WorkerProcess``: imports the module here and calls it directly."""

    load_failure = None

    def __init__(self, module, path, **_):
        self.path = str(path)
        spec = importlib.util.spec_from_file_location(f"floor_{module}", path)
        self.module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(self.module)

    def spawn(self):
        pass

    def stop(self):
        pass

    def call(self, function, args=(), kwargs=None, *, timeout_s=None, then=None, then_args=()):
        # What the worker does around a call, less the process and the wire: copies
        # of the arguments (the wire's), a snapshot to see changes, the same seeds.
        args, kwargs = copy.deepcopy(list(args)), copy.deepcopy(dict(kwargs or {}))
        before = _snapshot([*enumerate(args), *kwargs.items()])
        np.random.seed(0)
        random.seed(0)
        started = time.perf_counter()
        try:
            value = getattr(self.module, function)(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - told to the check as the worker tells it
            return _Reply(error=_error(exc, self.path))
        seconds = time.perf_counter() - started
        current = {**dict(enumerate(args)), **kwargs}
        mutated = [key for key, old in before.items() if _changed(old, current[key])]
        if then:
            value = adapters.ADAPTERS[then](value, *then_args)
        return _Reply(copy.deepcopy(value), mutated, seconds)


class InProcessLearner(LearnerModule):
    """The learner proxy with its worker replaced by an in-process call."""

    def __init__(self, module, path, **kwargs):
        super().__init__(module, path, **kwargs)
        self._worker = _InProcessWorker(module, path)


@contextlib.contextmanager
def floor_mode():
    """Grade with :class:`InProcessLearner` instead of sandboxed workers."""
    # Both names: the runner makes proxies through grader.core.learner.learner_for, and
    # api.grade starts the image exercises' workers early through learner.start_workers.
    # Patching the runner's alone left those early workers sandboxed (the floor then
    # measured the sandbox too, and its ratio read as about 1).
    originals = runner.LearnerModule, learner.LearnerModule
    runner.LearnerModule = learner.LearnerModule = InProcessLearner
    try:
        yield
    finally:
        runner.LearnerModule, learner.LearnerModule = originals


def _timed(owner, name: str, label: str):
    """Wrap ``owner.name`` so that its time (outermost call only) adds to ``TIMES[label]``."""
    original = getattr(owner, name)
    depth = [0]

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        depth[0] += 1
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            depth[0] -= 1
            if depth[0] == 0:
                TIMES[label] += time.perf_counter() - started

    setattr(owner, name, wrapper)
    return original


def instrument() -> None:
    """Timers around every part of a grading run named in the module's docstring."""
    _timed(LearnerModule, "call", "learner calls")
    _timed(client.WorkerProcess, "ensure_loaded", "worker start")
    _timed(wire, "encode_message", "serialisation")
    _timed(wire, "_decode", "serialisation")
    _timed(describe.CallRecord, "describe", "describing")
    _timed(describe.CallRecord, "snippet", "describing")
    _timed(expect, "_show", "describing")
    _timed(pictures, "save_for", "pictures")
    _timed(runner.GradingPlugin, "pytest_collection_finish", "collection")
    original_configure = runner.GradingPlugin.pytest_configure

    def configure(self, config):
        self._configured_at = time.perf_counter()
        return original_configure(self, config)

    original_finish = runner.GradingPlugin.pytest_collection_modifyitems

    def modify(self, session, config, items):
        TIMES["collection"] += time.perf_counter() - getattr(self, "_configured_at", time.perf_counter())
        return original_finish(self, session, config, items)

    runner.GradingPlugin.pytest_configure = configure
    runner.GradingPlugin.pytest_collection_modifyitems = modify
    loader = runner.load_reference

    @functools.wraps(loader)
    def timed_reference(name, solutions_dir=None):
        module = loader(name, solutions_dir)
        if not getattr(module, "_floor_timed", False):
            for attribute, value in list(vars(module).items()):
                if callable(value) and getattr(value, "__module__", None) == module.__name__:
                    _timed(module, attribute, "reference calls")
            module._floor_timed = True
        return module

    runner.load_reference = timed_reference


def grade_once(names, examples: int) -> tuple[float, dict, collections.Counter]:
    TIMES.clear()
    started = time.perf_counter()
    report = api.grade(names, target=ROOT / "solutions", max_examples=examples)
    seconds = time.perf_counter() - started
    points = {c.id: c.points for e in report.exercises for c in e.checks if not c.bonus}
    return seconds, points, collections.Counter(TIMES)


def process_start() -> float:
    """Seconds for a fresh interpreter to import the command line (best of three)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import grader.cli.main"], cwd=ROOT, check=True)
        best = min(best, time.perf_counter() - started)
    return best


def _median_split(splits: list) -> dict:
    split = {label: statistics.median(s[label] for s in splits) for label in set().union(*splits)}
    split["learner calls"] = split.get("learner calls", 0) - split.get("serialisation", 0)
    return split


def measure(names=None, *, runs: int = 3, examples: int = api.DEFAULT_EXAMPLES) -> dict:
    """Floor and graded seconds (medians), their split and whether the points agree."""
    names = names or [e.name for e in catalog.active().gradable() if not e.needs]
    instrument()
    with floor_mode():
        grade_once(names, examples)  # warm-up: imports, sample images, Hypothesis' caches
    grade_once(names, examples)
    floors, graded, splits, floor_splits = [], [], [], []
    for _ in range(runs):
        with floor_mode():
            seconds, floor_points, floor_split = grade_once(names, examples)
        floors.append(seconds)
        floor_splits.append(floor_split)
        seconds, points, split = grade_once(names, examples)
        graded.append(seconds)
        splits.append(split)
    differ = sorted(k for k in set(points) | set(floor_points) if points.get(k) != floor_points.get(k))
    return {"names": names, "runs": runs, "examples": examples, "floor": statistics.median(floors),
            "graded": statistics.median(graded), "split": _median_split(splits),
            "floor_split": _median_split(floor_splits), "process_start": process_start(), "differ": differ}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercises", nargs="+", help="default: every image exercise (no TensorFlow)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--examples", type=int, default=api.DEFAULT_EXAMPLES)
    args = parser.parse_args(argv)
    found = measure(args.exercises, runs=args.runs, examples=args.examples)
    floor, grading = found["floor"], found["graded"]
    split, in_process = found["split"], found["floor_split"]
    print(f"exercises: {', '.join(found['names'])}; --examples {args.examples}; median of {args.runs} runs")
    print(f"floor (in-process calls): {floor:6.2f} s")
    print(f"graded (sandboxed workers): {grading:6.2f} s   ratio {grading / floor:.2f} (target <= 1.5)")
    print(f"split (seconds):{'graded':>33} {'floor':>7}")
    print(f"  {'process start (import grader.cli.main, fresh):':<41} {found['process_start']:6.2f}")
    for label in ("collection", "worker start", "reference calls", "learner calls", "serialisation",
                  "describing", "pictures"):
        print(f"  {label + ':':<41} {split.get(label, 0.0):6.2f} {in_process.get(label, 0.0):7.2f}")
    print(f"  {'checks and Hypothesis (the rest):':<41} {grading - sum(split.values()):6.2f} "
          f"{floor - sum(in_process.values()):7.2f}")
    if found["differ"]:
        print(f"POINTS DIFFER between the floor and the grader: {found['differ'][:10]}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
