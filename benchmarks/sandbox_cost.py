"""What does the sandbox cost? Worker start-up, per-call time and grading time for each isolation mode.

Runs the same work under each ``PIXELGRADE_ISOLATION`` mode in this one process
(``plain``: a separate process with a clean environment and a private copy;
``landlock``: plus Landlock and no capabilities; ``auto``: plus bubblewrap
namespaces and the unprivileged uid, whatever this machine offers) and prints,
for each mode:

- **start-up**: from ``WorkerProcess(...)`` to the first call's reply, for a
  trivial module; the median over fresh workers, the modes interleaved round
  robin (each round starting with the next mode) so that the machine's load
  falls on all of them alike. ``stop`` is the time ``worker.stop()`` then takes.
  Their differences from ``plain`` are medians of the differences within a round;
- **call**: the median time of one call to a function taking and returning a
  small NumPy array, on warm workers (one per mode, calls interleaved); its ratio
  is the median of the ratios of calls made in the same round;
- **grading**: the median wall-clock time of ``grader.api.grade`` on ``solutions/``
  for a few image exercises, also without the time spent in ``WorkerProcess.stop``
  (the graders' own stops, timed by wrapping the method); the points must be the
  same in every mode.

Then the differences and ratios against ``plain``, measured in the same run, next
to the target (issue: "the sandbox costs at most 50 ms per worker start and nothing
measurable per call"), and where the start-up of the strongest mode goes (staging
copy, the bubblewrap wrapper, the Landlock call, the one-off detection).

    python3 benchmarks/sandbox_cost.py                   # 15 workers, 200 calls, 3 gradings per mode
    python3 benchmarks/sandbox_cost.py --quick           # fewer of each
    python3 benchmarks/sandbox_cost.py --exercises histogram sobel --examples 20 --runs 5

This is a benchmark, not a test: it asserts only that every call answers rightly
and that each mode grades ``solutions/`` to the same points (exit status 1 if not).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from grader import api  # noqa: E402
from grader.sandbox import isolation  # noqa: E402
from grader.sandbox.client import Limits, WorkerProcess  # noqa: E402

MODES = ("plain", "landlock", "auto")
START_TARGET_MS = 50.0
DEFAULT_EXERCISES = ("histogram", "thresholding", "convolution")
TRIVIAL_MODULE = "def f():\n    return 1\n\n\ndef g(a):\n    return a + 1\n"
SMALL_ARRAY = np.arange(64, dtype=np.uint8).reshape(8, 8)


@contextlib.contextmanager
def isolation_mode(mode: str):
    """``PIXELGRADE_ISOLATION=mode`` while the block runs (workers read it when created)."""
    before = os.environ.get(isolation.MODE_ENV)
    os.environ[isolation.MODE_ENV] = mode
    try:
        yield isolation.current()
    finally:
        if before is None:
            os.environ.pop(isolation.MODE_ENV, None)
        else:
            os.environ[isolation.MODE_ENV] = before


def rounds(modes, count):
    """``count`` rounds of every mode, each round starting one mode further on."""
    for i in range(count):
        shift = i % len(modes)
        yield from modes[shift:] + modes[:shift]


def ms(seconds: float) -> float:
    return seconds * 1e3


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# -- the three measurements -------------------------------------------------------------
def start_once(module: pathlib.Path, mode: str) -> tuple[float, float]:
    """(start-up, stop) seconds of one fresh worker of ``module`` under ``mode``."""
    with isolation_mode(mode):
        started = time.perf_counter()
        worker = WorkerProcess(module.stem, module, limits=Limits())
        reply = worker.call("f")
        start = time.perf_counter() - started
    try:
        if not reply.ok or reply.value != 1:
            raise RuntimeError(f"{mode}: the trivial worker answered {reply}")
    finally:
        started = time.perf_counter()
        worker.stop()
        stop = time.perf_counter() - started
    return start, stop


def start_up(module: pathlib.Path, modes, count: int) -> dict[str, list[tuple[float, float]]]:
    """(start-up, stop) seconds of ``count`` fresh workers per mode (the i-th of every mode: round i)."""
    for mode in modes:
        start_once(module, mode)  # warm-up: detection, the runtime copy, the file cache
    times = {mode: [] for mode in modes}
    for mode in rounds(list(modes), count):
        times[mode].append(start_once(module, mode))
    return times


def per_call(module: pathlib.Path, modes, count: int) -> dict[str, list[float]]:
    """Seconds of ``count`` calls ``g(small array)`` per mode, on warm workers, calls interleaved
    (the i-th time of every mode comes from the same round)."""
    workers = {}
    try:
        for mode in modes:
            with isolation_mode(mode):
                workers[mode] = WorkerProcess(module.stem, module, limits=Limits())
        expected = SMALL_ARRAY + 1
        times = {mode: [] for mode in modes}
        for i, mode in enumerate(rounds(list(modes), count + 10)):
            started = time.perf_counter()
            reply = workers[mode].call("g", [SMALL_ARRAY])
            seconds = time.perf_counter() - started
            if not reply.ok or not np.array_equal(reply.value, expected):
                raise RuntimeError(f"{mode}: g(array) answered {reply}")
            if i >= 10 * len(modes):  # the first ten rounds warm up (the first starts the workers)
                times[mode].append(seconds)
        return times
    finally:
        for worker in workers.values():
            worker.stop()


@contextlib.contextmanager
def time_in_stop():
    """The seconds spent in ``WorkerProcess.stop`` while the block runs (a list of one float)."""
    spent = [0.0]
    original = WorkerProcess.stop

    def stop(self):
        started = time.perf_counter()
        try:
            return original(self)
        finally:
            spent[0] += time.perf_counter() - started

    WorkerProcess.stop = stop
    try:
        yield spent
    finally:
        WorkerProcess.stop = original


def grading(names, modes, runs: int, examples: int):
    """Median wall-clock seconds of grading ``solutions/`` per mode (with and without the
    time spent stopping workers), and every run's points."""
    seconds = {mode: [] for mode in modes}
    working = {mode: [] for mode in modes}
    points = {mode: [] for mode in modes}
    errors = {mode: 0 for mode in modes}
    with isolation_mode(modes[0]):
        # Warm-up, not timed: the first grading in a process imports the checks and Hypothesis' strategies.
        api.grade(list(names), target=ROOT / "solutions", max_examples=1)
    for mode in rounds(list(modes), runs):
        with isolation_mode(mode), time_in_stop() as stopping:
            started = time.perf_counter()
            report = api.grade(list(names), target=ROOT / "solutions", max_examples=examples)
            seconds[mode].append(time.perf_counter() - started)
        working[mode].append(seconds[mode][-1] - stopping[0])
        points[mode].append(tuple((e.name, e.points, e.max_points) for e in report.exercises))
        errors[mode] += len(report.grader_errors)
    medians = {mode: (statistics.median(seconds[mode]), statistics.median(working[mode])) for mode in modes}
    return medians, points, errors


# -- where the start-up goes --------------------------------------------------------------
_LANDLOCK_CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from grader.sandbox import landlock
settings = json.loads(sys.argv[2])
started = time.perf_counter()
landlock.restrict(read=settings["read"], write=settings["write"], devices=settings["devices"],
                  version=int(settings["landlock_abi"]))
print(time.perf_counter() - started)
"""


def _median_run(command, count: int) -> float:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def breakdown(folder: pathlib.Path, modes, count: int) -> list[tuple[str, str, float]]:
    """(mode, part, seconds) for the parts of a start-up that the sandbox adds."""
    parts = []
    true = shutil.which("true") or "/bin/true"
    detect = getattr(isolation._detect, "__wrapped__", None)  # uncached: what a fresh process pays once
    for mode in modes:
        with isolation_mode(mode) as level:
            if detect is not None:
                started = time.perf_counter()
                detect(mode)
                parts.append((mode, "detection (once per process)", time.perf_counter() - started))
            times = []
            for _ in range(count):
                started = time.perf_counter()
                stage = isolation.stage_submission(folder, level)
                stage.remove()
                times.append(time.perf_counter() - started)
            parts.append((mode, "private copy (stage + remove)", statistics.median(times)))
            stage = isolation.stage_submission(folder, level)
            try:
                command = isolation.command(stage, level)
                if level.namespaces:
                    wrapper = command[:command.index("--") + 1] + [true]
                    parts.append((mode, "bubblewrap wrapper (bwrap true - true)",
                                  _median_run(wrapper, count) - _median_run([true], count)))
                if level.landlock_abi:
                    settings = isolation.confinement(stage, level)
                    times = []
                    for _ in range(min(count, 5)):
                        done = subprocess.run([sys.executable, "-c", _LANDLOCK_CHILD, str(ROOT), json.dumps(settings)],
                                              capture_output=True, text=True, check=True)
                        times.append(float(done.stdout.strip()))
                    parts.append((mode, f"Landlock restrict ({len(settings['read'])} read paths)",
                                  statistics.median(times)))
            finally:
                stage.remove()
    return parts


# -- the report ------------------------------------------------------------------------------
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=15, help="fresh workers per mode for the start-up median")
    parser.add_argument("--calls", type=int, default=200, help="calls per mode for the per-call median")
    parser.add_argument("--runs", type=int, default=3, help="gradings of solutions/ per mode")
    parser.add_argument("--examples", type=int, default=10, help="Hypothesis examples per property (as graded)")
    parser.add_argument("--exercises", nargs="+", default=list(DEFAULT_EXERCISES), help="exercises graded")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES),
                        help="isolation modes (ratios are against plain, else the first one)")
    parser.add_argument("--quick", action="store_true", help="5 workers, 50 calls, 1 grading per mode")
    parser.add_argument("--no-breakdown", action="store_true", help="skip where the start-up goes")
    args = parser.parse_args(argv)
    if args.quick:
        args.workers, args.calls, args.runs = min(args.workers, 5), min(args.calls, 50), min(args.runs, 1)
    modes = list(dict.fromkeys(args.modes))
    base = "plain" if "plain" in modes else modes[0]

    print("isolation modes:")
    for mode in modes:
        with isolation_mode(mode) as level:
            print(f"  {mode:<9} {level.describe()}")
    print(f"{args.workers} fresh workers, {args.calls} calls, {args.runs} gradings per mode "
          f"({' '.join(args.exercises)}, --examples {args.examples}); medians; "
          f"{os.cpu_count()} cores, load average before {load_average()}")

    with tempfile.TemporaryDirectory(prefix="sandbox-cost-") as folder:
        folder = pathlib.Path(folder)
        module = folder / "m.py"
        module.write_text(TRIVIAL_MODULE)
        start_times = start_up(module, modes, args.workers)
        starts = {mode: tuple(statistics.median(column) for column in zip(*times))
                  for mode, times in start_times.items()}
        # The differences within a round (workers started one after the other) cancel the drifting load.
        start_deltas = {mode: tuple(statistics.median(m - b for m, b in zip(*columns)) for columns in
                                    zip(zip(*start_times[mode]), zip(*start_times[base])))
                        for mode in modes}
        call_times = per_call(module, modes, args.calls)
        calls = {mode: statistics.median(times) for mode, times in call_times.items()}
        # Each round's calls follow one another: their ratio cancels the load, which drifts slower.
        call_ratios = {mode: statistics.median(t / b for t, b in zip(call_times[mode], call_times[base]))
                       for mode in modes}
        graded, points, errors = grading(args.exercises, modes, args.runs, args.examples)
        parts = [] if args.no_breakdown else breakdown(folder, modes, args.workers)

    print(f"\n{'mode':<9} {'start-up ms':>11} {'stop ms':>8} {'call us':>8} {'grading s':>9} "
          f"{'w/o stops s':>11}  points")
    for mode in modes:
        start, stop = starts[mode]
        got = points[mode][0]
        print(f"{mode:<9} {ms(start):11.1f} {ms(stop):8.1f} {calls[mode] * 1e6:8.1f} {graded[mode][0]:9.2f} "
              f"{graded[mode][1]:11.2f}  "
              f"{sum(p for _, p, _ in got):g} / {sum(m for _, _, m in got):g}"
              + (f" ({errors[mode]} grader errors)" if errors[mode] else ""))

    print(f"\n{'vs ' + base:<9} {'start-up +ms':>12} {'target':>17} {'stop +ms':>9} {'call +us':>9} "
          f"{'call x':>7} {'grading x':>9} {'w/o stops x':>11}")
    for mode in modes:
        if mode == base:
            continue
        delta = ms(start_deltas[mode][0])
        verdict = "PASS" if delta <= START_TARGET_MS else "OVER target"
        print(f"{mode:<9} {delta:+12.1f} {f'<= {START_TARGET_MS:g} ms {verdict}':>17} "
              f"{ms(start_deltas[mode][1]):+9.1f} {(calls[mode] - calls[base]) * 1e6:+9.1f} "
              f"{call_ratios[mode]:7.2f} {graded[mode][0] / graded[base][0]:9.2f} "
              f"{graded[mode][1] / graded[base][1]:11.2f}")

    if parts:
        print("\nwhere a start-up goes (medians; detection is paid once per process and mode):")
        for mode, part, seconds in parts:
            print(f"  {mode:<9} {part:<42} {ms(seconds):8.2f} ms")
    print(f"\nload average after {load_average()}")

    reference = points[base][0]
    differing = {mode: runs for mode, runs in points.items() if any(run != reference for run in runs)}
    if differing:
        print(f"\nerror: the modes grade solutions/ differently (every run of {base}: {points[base]}; "
              + "; ".join(f"{mode}: {runs}" for mode, runs in differing.items()) + ")", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
