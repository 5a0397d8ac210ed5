"""What does grading cost now, against the project at an earlier commit? Both measured in this run.

Grades ``solutions/`` (the image exercises by default: every exercise but those that need
TensorFlow) with the project as it is and with the project at ``--against`` (a commit,
checked out into a temporary git worktree), alternating, ``--runs`` times each, each run in
a fresh ``python -m grader`` with an empty cache folder (no kept answers or examples:
every run does the same work) and one job. Each run's cost is the CPU time of the whole
process tree (the grader, its sandboxed workers; ``os.wait4`` of the command) and its
wall time; the figures are medians and the ratio is now / then.

CPU time is the figure to read on a shared machine: the wall time of a run also counts
what other processes took from it. Both sides run under the same load, interleaved, so
the ratio stays a comparison of two things measured here.

    python3 benchmarks/grading_cost.py --against 8752a5d^      # before issue 22's checks
    python3 benchmarks/grading_cost.py --against HEAD~3 --exercises histogram convolution --runs 5

A benchmark, not a test: it prints figures and exits 0, or 1 if a run did not end in full
marks (a broken reference would make the comparison meaningless).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def image_exercises(root: pathlib.Path) -> list[str]:
    """The exercises of ``root``'s catalog that need no TensorFlow, in course order."""
    catalog = tomllib.loads((root / "course" / "course.toml").read_text(encoding="utf-8"))
    return [entry["name"] for entry in catalog["exercise"] if "tensorflow" not in entry.get("needs", [])]


def grade_once(root: pathlib.Path, exercises: list[str], scratch: pathlib.Path) -> tuple[float, float, float]:
    """(CPU seconds of the whole tree, wall seconds, points) of one grading of ``root``'s solutions."""
    cache = pathlib.Path(tempfile.mkdtemp(prefix="cache-", dir=scratch))
    report = cache / "report.json"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PIXELGRADE_STATE_DIR": str(cache / "state")}
    command = [sys.executable, "-m", "grader", *exercises, "--target", "solutions", "--jobs", "1",
               "--json", str(report)]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if not report.exists():
        raise SystemExit(f"grading {root} wrote no report (exit {process.returncode}):\n{stderr[-2000:]}")
    data = json.loads(report.read_text(encoding="utf-8"))
    return usage.ru_utime + usage.ru_stime, wall, (data["points"], data["max_points"])


def worktree(revision: str, scratch: pathlib.Path) -> pathlib.Path:
    """``revision`` of this repository, checked out (detached) under ``scratch``."""
    path = scratch / "then"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(path), revision],
                   check=True)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="the commit to compare with (e.g. 8752a5d^)")
    parser.add_argument("--exercises", nargs="+", help="exercises to grade (default: every image exercise of both)")
    parser.add_argument("--runs", type=int, default=3, help="gradings of each side (default 3)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be at least 1; got {args.runs}")
    with tempfile.TemporaryDirectory(prefix="grading-cost-") as folder:
        scratch = pathlib.Path(folder)
        then = worktree(args.against, scratch)
        try:
            exercises = args.exercises or [e for e in image_exercises(ROOT) if e in image_exercises(then)]
            sides = {"now": ROOT, "then": then}
            figures: dict[str, list[tuple[float, float]]] = {side: [] for side in sides}
            failed = False
            for run in range(args.runs):
                for side, root in sides.items():
                    cpu, wall, (points, maximum) = grade_once(root, exercises, scratch)
                    figures[side].append((cpu, wall))
                    failed |= points != maximum
                    print(f"run {run + 1} {side:>4}: {cpu:6.1f} s CPU, {wall:6.1f} s wall, {points:g}/{maximum:g}",
                          flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(then)], check=False)
    median = {side: tuple(statistics.median(v[k] for v in values) for k in (0, 1)) for side, values in figures.items()}
    print(f"\n{len(exercises)} exercises of solutions/, {args.runs} runs each, medians:")
    print(f"  then ({args.against}): {median['then'][0]:.1f} s CPU, {median['then'][1]:.1f} s wall")
    print(f"  now: {median['now'][0]:.1f} s CPU, {median['now'][1]:.1f} s wall")
    cpu, wall = (median["now"][k] / median["then"][k] for k in (0, 1))
    print(f"  now / then: CPU x{cpu:.3f}, wall x{wall:.3f}")
    if failed:
        print("a run did not end in full marks: the figures compare something broken", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
