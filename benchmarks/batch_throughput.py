"""How many submissions per minute does `pixelgrade batch` grade, one at a time and side by side?

Generates a batch of submissions (half correct copies of ``solutions/``, a quarter
with one function broken, a quarter untouched stubs from ``exercises/``), grades it
with ``grade_batch`` for each ``--jobs`` value, and prints submissions per minute and
the speed-up over the first value (each batch also grades the reference solutions once, as
every batch does), with the load average before and after (on a shared
machine other work competes for the cores: read the figures with the load in mind).

    python3 benchmarks/batch_throughput.py                       # image exercises, --jobs 1 then 2
    python3 benchmarks/batch_throughput.py --submissions 20 --examples 30 --jobs 1 2 4
    python3 benchmarks/batch_throughput.py --ml                  # also the machine-learning exercises
    python3 benchmarks/batch_throughput.py --launcher exec       # fresh interpreters, no fork server

This is a benchmark, not a test: it asserts only that every submission got its row.
"""

import argparse
import ast
import os
import pathlib
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.core import catalog  # noqa: E402
from grader.instructor import batch  # noqa: E402


def _break_first_function(source: str) -> str:
    """``source`` with its first public function returning None (a bug that costs that function)."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            lines = source.splitlines(keepends=True)
            start = (node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1
            args = ast.get_source_segment(source, node.args)
            stub = f"def {node.name}({args}):\n    return None\n"
            return "".join(lines[:start]) + stub + "".join(lines[node.end_lineno:])
    return source


def make_batch(folder: pathlib.Path, count: int, names: list[str]) -> list[batch.Submission]:
    for i in range(count):
        kind = ("correct", "correct", "buggy", "stub")[i % 4]
        target = folder / f"{kind}-{i:03d}"
        target.mkdir(parents=True)
        for name in names:
            source = ((ROOT / "exercises") if kind == "stub" else (ROOT / "solutions")) / f"{name}.py"
            text = source.read_text()
            (target / f"{name}.py").write_text(_break_first_function(text) if kind == "buggy" else text)
    return batch.discover([folder])


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=12)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--examples", type=int, default=30, help="Hypothesis examples per property (as graded)")
    parser.add_argument("--exercises", nargs="+", help="exercise names (default: every image exercise with checks)")
    parser.add_argument("--ml", action="store_true", help="also the machine-learning exercises (need TensorFlow)")
    parser.add_argument("--launcher", choices=("fork", "exec"), default=None)
    args = parser.parse_args()

    gradable = catalog.active().gradable()
    names = args.exercises or [e.name for e in gradable if args.ml or not e.needs]
    skipped_ml = [e.name for e in gradable if e.needs] if args.ml else []
    print(f"exercises: {', '.join(names)}")
    missing = [e.name for e in catalog.active().exercises if e.needs and not e.has_checks]
    if args.ml and missing:
        print(f"  (no checks yet for: {', '.join(missing)})")
    if skipped_ml:
        unavailable = [n for n in skipped_ml if any(__import__("importlib").util.find_spec(m) is None
                                                     for m in catalog.active().by_name[n].needs)]
        if unavailable:
            print(f"  ({', '.join(unavailable)}: TensorFlow is not installed, so their checks are skipped)")
    print(f"{args.submissions} submissions (1/2 correct, 1/4 one function broken, 1/4 stubs), "
          f"--examples {args.examples}, launcher {args.launcher or batch.default_launcher()}, "
          f"{batch.default_jobs()} cores")
    with tempfile.TemporaryDirectory() as folder:
        submissions = make_batch(pathlib.Path(folder) / "submissions", args.submissions, names)
        first = None
        for jobs in args.jobs:
            before = load()
            started = time.perf_counter()
            report = batch.grade_batch(submissions, exercises=names, jobs=jobs, max_examples=args.examples,
                                       launcher=args.launcher, workdir=pathlib.Path(folder) / "stage")
            seconds = time.perf_counter() - started
            assert len(report.rows) == len(submissions)
            rate = len(submissions) / seconds * 60
            first = first or rate
            statuses = ", ".join(f"{n} {s}" for s, n in sorted(report.status_counts().items()))
            print(f"--jobs {jobs}: {seconds:6.1f} s, {rate:5.1f} submissions/min, x{rate / first:.2f} "
                  f"(load average before {before}, after {load()}; {statuses})")


if __name__ == "__main__":
    main()
