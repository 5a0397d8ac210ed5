"""Every speed benchmark of issue 13 in one run, printed as one table: figure, target, met or not.

``nox -s bench`` runs this (``nox -s bench -- --ml`` adds the machine-learning
exercises, which need TensorFlow; ``-- --quick`` uses fewer runs and smaller
batches). Every ratio compares two things measured here, in this run, on this
machine; the "before" column holds the figures measured at commit 2fda627 (the
last commit before this work) on the same kind of machine, or the issue's own
figures where it says so.

The parts:

- **floor**: ``benchmarks/floor.py`` (the same checks with in-process calls);
- **learners**: a cold ``pixelgrade --target solutions EXERCISE`` per image
  exercise (a fresh process, as a learner types it; after one grading has filled
  the caches), ``pixelgrade list``, and ``pixelgrade watch``'s time from a save
  to the new result (the real polling loop);
- **instructors**: ``pixelgrade batch`` of the image exercises at ``--jobs`` 1 and
  2, otter-grader side by side (``benchmarks/otter_peer.py``), and the batch's
  peak resident memory (the grader and every process it starts) for 10 and 100
  submissions;
- **grades**: ``benchmarks/grades.py`` compares every check's grade of
  ``solutions/``, the stubs and the buggy submissions with those recorded before
  this work. A benchmark, not a test: it asserts nothing but exits 1 if a grade changed.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

# Measured at 2fda627 on this kind of machine (2 cores), 2026-12-02; "issue" = the issue's own table.
BEFORE = {
    "floor ratio": "1.46 (13.70 s / 9.40 s)",
    "cold exercise": "2.86-4.58 s (histogram 2.86, thresholding 3.14, convolution 4.58)",
    "list": "11.47 s",
    "watch": "about 1.6 s (issue)",
    "batch image": "about 4/min per core (issue)",
    "jobs speed-up": "x1.8 (issue: 34 s / 19 s)",
    "three vs otter": "x1.4 at --jobs 2 (issue: 10 in 19 s vs 26.8 s)",
}


def _pixelgrade(*args: str, env=None) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader", *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def cold_commands(names: list[str]) -> dict[str, float]:
    """Seconds of a fresh ``pixelgrade --target solutions NAME`` for each exercise (after a warm-up)."""
    for name in names:
        _pixelgrade("--target", "solutions", name)  # fills the answer and sample caches, as a first run does
    return {name: _pixelgrade("--target", "solutions", name) for name in names}


def watch_latency(name: str = "histogram", saves: int = 5) -> float:
    """Median seconds from saving ``name``.py to watch's new result (printed), through its real loop."""
    import io

    from rich.console import Console

    from grader.learning.watch import Watcher

    with tempfile.TemporaryDirectory() as folder:
        target = pathlib.Path(folder) / "work"
        shutil.copytree(ROOT / "solutions", target)
        watcher = Watcher(target, console=Console(file=io.StringIO()), state_dir=folder, start=name)
        stop = threading.Event()
        loop = threading.Thread(target=watcher.run, kwargs={"stop": stop}, daemon=True)
        loop.start()
        watcher.ready.wait()
        seen = []
        for save in range(saves):
            time.sleep(0.3)  # a learner saves some time after the last result
            before = watcher.regrades
            path = target / f"{name}.py"
            path.write_text(path.read_text() + f"\n# save {save}\n")
            saved = time.perf_counter()
            while watcher.regrades == before:  # counted once the report is printed
                time.sleep(0.001)
            seen.append(time.perf_counter() - saved)
        stop.set()
        loop.join(5)
        return statistics.median(seen)


def _tree_rss() -> int:
    import psutil

    me = psutil.Process()
    total = 0
    for process in [me, *me.children(recursive=True)]:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            pass
    return total


def batch_figures(names: list[str], count: int, jobs: int, *, kind: str = "mixed") -> dict:
    """Seconds, submissions per minute and peak resident memory (this process and its children)."""
    from batch_throughput import make_batch

    from grader.instructor import batch

    with tempfile.TemporaryDirectory() as folder:
        submissions = make_batch(pathlib.Path(folder) / "submissions", count, names)
        peak, done = [0], threading.Event()

        def sample():
            while not done.wait(0.05):
                peak[0] = max(peak[0], _tree_rss())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        report = batch.grade_batch(submissions, exercises=names, jobs=jobs, workdir=pathlib.Path(folder) / "stage")
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
    assert len(report.rows) == count
    return {"seconds": seconds, "per_minute": count / seconds * 60, "peak_mib": peak[0] / 1024**2}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, smaller batches")
    parser.add_argument("--ml", action="store_true", help="also time the training exercise and five CNN seeds")
    parser.add_argument("--skip-otter", action="store_true", help="do not run otter (no otter ratio)")
    args = parser.parse_args(argv)

    from grader.core import catalog

    image = [e.name for e in catalog.active().gradable() if not e.needs]
    rows = []

    def row(area, figure, value, target, met, before=""):
        # met None: a retired target (the figure is still shown, with no verdict).
        rows.append((area, figure, value, target, "-" if met is None else "yes" if met else "NO", before))
        print(f"  {figure}: {value}", flush=True)

    print("floor ...", flush=True)
    import floor

    found = floor.measure(image, runs=1 if args.quick else 3)
    ratio = found["graded"] / found["floor"]
    row("floor", "grading solutions/ / floor (12 image exercises)",
        f"{ratio:.2f} ({found['graded']:.2f} s / {found['floor']:.2f} s)", "<= 1.5", ratio <= 1.5,
        BEFORE["floor ratio"])
    split = found["split"]
    print("  split: process start {:.2f} s, ".format(found["process_start"]) + ", ".join(
        f"{label} {split.get(label, 0):.2f} s" for label in ("collection", "worker start", "reference calls",
                                                             "learner calls", "serialisation", "describing",
                                                             "pictures")))

    print("learners ...", flush=True)
    cold = cold_commands(image)
    worst = max(cold, key=cold.get)
    row("learners", "one image exercise, cold command (slowest; median)",
        f"{cold[worst]:.2f} s ({worst}); {statistics.median(cold.values()):.2f} s", "<= 1.0 s",
        cold[worst] <= 1.0, BEFORE["cold exercise"])
    listed = _pixelgrade("list", "--target", "solutions")
    row("learners", "pixelgrade list", f"{listed:.2f} s", "<= 3 s", listed <= 3, BEFORE["list"])
    latency = watch_latency()
    row("learners", "watch: save to new result (histogram)", f"{latency:.2f} s", "<= 0.5 s", latency <= 0.5,
        BEFORE["watch"])

    print("instructors ...", flush=True)
    count = 4 if args.quick else 8
    one = batch_figures(image, count, 1)
    two = batch_figures(image, count, 2)
    row("instructors", f"batch, 12 image exercises, --jobs 2 ({count} submissions)",
        f"{two['per_minute']:.1f}/min", "retired (was >= 30/min)", None, BEFORE["batch image"])
    speedup = two["per_minute"] / one["per_minute"]
    row("instructors", "--jobs 2 / --jobs 1", f"x{speedup:.2f}", ">= x1.8", speedup >= 1.8, BEFORE["jobs speed-up"])
    try:
        import otter_peer

        # pixelgrade on the very submissions otter graded (ten correct ones), in the same run.
        peer = otter_peer.measure(10, skip_otter=args.skip_otter, jobs=(2,))
        otter_rate = peer["otter_per_minute"]
        ours = peer["pixelgrade_jobs2_per_minute"]
        if otter_rate:  # a ratio only when both sides ran here, in this run
            row("instructors", "3 functions, batch --jobs 2 / otter's API (both measured in this run)",
                f"x{ours / otter_rate:.2f} ({ours:.1f} vs {otter_rate:.1f}/min)", "retired (was >= x4)", None,
                BEFORE["three vs otter"])
        else:
            print(f"  (no otter comparison: otter {peer['otter_note']})")
    except ImportError as error:
        print(f"  (no otter comparison: {error})")
    small, large = batch_figures(["histogram"], 10, 2), batch_figures(["histogram"], 40 if args.quick else 100, 2)
    row("instructors", "batch peak memory, 10 vs 100 submissions",
        f"{small['peak_mib']:.0f} vs {large['peak_mib']:.0f} MiB", "no growth",
        large["peak_mib"] <= small["peak_mib"] * 1.25, "")

    if args.ml:
        print("machine learning ...", flush=True)
        trained = _pixelgrade("--target", "solutions", "training")
        row("ML", "training exercise graded (TensorFlow's import included)", f"{trained:.1f} s", "<= 45 s",
            trained <= 45)
        import cnn_seeds

        accuracies = [cnn_seeds.in_fresh_process(["--one", str(seed)])["accuracy"] for seed in range(5)]
        row("ML", "reference CNN, held-out accuracy over five seeds (lowest)", f"{min(accuracies):.4f}",
            ">= 0.985", min(accuracies) >= 0.985)

    print("grades ...", flush=True)
    import grades

    changed = grades.differences(json.loads((ROOT / "benchmarks" / "expected_grades.json").read_text()),
                                 grades.all_grades())
    row("grades", "checks whose grade changed since 2fda627", str(len(changed)), "0", not changed)
    for line in changed[:20]:
        print("    " + line)

    print(f"\n{os.cpu_count()} cores; load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    widths = [max(len(str(r[i])) for r in rows + [("area", "figure", "now", "target", "met", "before")])
              for i in range(6)]
    for line in [("area", "figure", "now", "target", "met", "before"), *rows]:
        print(" | ".join(str(cell).ljust(width) for cell, width in zip(line, widths)))
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
