"""Do the grades stay the same? Every check's result for ``solutions/``, the stubs and the buggy submissions.

Grades ``solutions/``, ``exercises/`` (the untouched stubs) and every buggy
submission of the project's one table (``tests/curriculum/buggy_submissions.py``: the bugs, the
off-limits calls, the misconceptions; the exercises that need no TensorFlow only)
with :func:`grader.api.grade`, and keeps for every
check its status, points and misconception: the grade, check by check. Speed
bonuses are left out (they time real calls, so a busy machine may change them;
their own tests look at them).

    python3 benchmarks/grades.py --record benchmarks/expected_grades.json   # before a change
    python3 benchmarks/grades.py --compare benchmarks/expected_grades.json  # after it: exit 1 on any difference

``benchmarks/expected_grades.json`` was recorded before the speed work of issue 13
(the code of commit 2fda627) with one change: Hypothesis drawing no constants from the
modules loaded in the process (``grader.core.runner.fixed_example_constants``). Without it
the examples, hence 4 grades of the buggy submissions, depended on what the recording
process had graded before; with it, ``--compare`` says whether anything since changed a grade.
It was recorded again for issue 22, which added checks (inputs that are not sorted, images
past an int32's range, near misses) and buggy submissions, split the check of Otsu's ties
in two, and names a mistake only when every call agrees: against the earlier recording, no
check that both have changed its status or points; 6 changed only the misconception named.
Recorded again after the full mutation run of issue 22 (calls with the contract's defaults and
keywords, more error cases, one new check, kmeans::test_quantise_rejects_bad_k): against the
earlier recording, only that new check differs.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import multiprocessing
import pathlib
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "curriculum")]

EXAMPLES = 15  # what the image exercises' buggy submissions were graded with when the grades were recorded
# Where the buggy submissions are: the one table (tests/curriculum/buggy_submissions.py).
TABLE = ("buggy_submissions", "SUBMISSIONS")


def buggy_submissions() -> dict[str, tuple[str, str, str]]:
    """{name: (module, function, new source)} from the tests' table, the exercises without TensorFlow only."""
    import importlib

    from grader.core import catalog

    image = {e.name for e in catalog.active().gradable() if not e.needs}
    found = {}
    module_name, table = TABLE
    for entry in getattr(importlib.import_module(module_name), table):
        if entry.exercise in image:
            found[f"{module_name}: {entry.id}"] = (entry.exercise, entry.function, entry.source)
    return found


def submission_id(name: str) -> str:
    """A submission's name without its table: ``"test_image_exercises.BUGS: edges uses >="`` -> ``"edges uses >="``.

    Grades are compared by this id, so that grades recorded when the buggy submissions
    were in other tables (test_buggy_submissions.BUGS, test_image_exercises.BUGS and
    .OFF_LIMITS, test_misconceptions.MISTAKES, test_data_exercises.BUGS) line up with the
    one table's entries (issue 12): the entries kept the names as ids. ``solutions`` and
    the stubs have no table.
    """
    return name.partition(": ")[2] or name


def by_id(grades: dict) -> dict:
    """``grades`` keyed by :func:`submission_id`; two submissions with one id would hide one: refused."""
    keyed = {submission_id(name): value for name, value in grades.items()}
    if len(keyed) != len(grades):
        raise ValueError("two submissions have the same id; give one another name")
    return keyed


def fingerprint(report) -> dict[str, list]:
    """{check id: [status, points, misconception]} of a report, speed bonuses left out."""
    return {check.id: [check.status, check.points, check.misconception]
            for exercise in report.exercises for check in exercise.checks if not check.bonus}


def _grade(job: tuple[str, str | None, str, str | None, str | None]) -> tuple[str, dict]:
    name, module, function, source, target = job
    from conftest import make_submission

    from grader import api
    from grader.core import catalog

    with tempfile.TemporaryDirectory() as scratch:
        if target is None:
            target = make_submission(pathlib.Path(scratch), [module], replace={module: {function: source}})
        names = [module] if module else [e.name for e in catalog.active().gradable() if not e.needs]
        return name, fingerprint(api.grade(names, target=target, max_examples=EXAMPLES))


def all_grades(jobs: int = 2) -> dict[str, dict]:
    """Every submission's fingerprint, by name, graded ``jobs`` at a time (separate processes)."""
    work = [("solutions", None, "", None, str(ROOT / "solutions")),
            ("exercises (stubs)", None, "", None, str(ROOT / "exercises"))]
    work += [(name, *entry, None) for name, entry in buggy_submissions().items()]
    # Fresh interpreters, not forks: run_all.py calls this after the rest of its work, when its
    # process has threads (TensorFlow's, the watch loop's) that a forked child may crash on.
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
        return dict(sorted(pool.map(_grade, work)))


def differences(expected: dict, actual: dict) -> list[str]:
    """Each check whose grade differs, in words; submissions matched by id (:func:`submission_id`)."""
    lines = []
    expected, actual = by_id(expected), by_id(actual)
    for name in sorted(set(expected) | set(actual)):
        before, after = expected.get(name), actual.get(name)
        if before is None or after is None:
            lines.append(f"{name}: only {'after' if before is None else 'before'}")
            continue
        for check in sorted(set(before) | set(after)):
            if before.get(check) != after.get(check):
                lines.append(f"{name} / {check}: {before.get(check)} -> {after.get(check)}")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", metavar="PATH", help="write the grades to PATH")
    parser.add_argument("--compare", metavar="PATH", help="compare the grades with those recorded in PATH")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    grades = all_grades(args.jobs)
    checks = sum(len(g) for g in grades.values())
    if args.record:
        pathlib.Path(args.record).write_text(json.dumps(grades, indent=1, sort_keys=True) + "\n")
        print(f"recorded {len(grades)} submissions, {checks} checks, in {args.record}")
    if args.compare:
        found = differences(json.loads(pathlib.Path(args.compare).read_text()), grades)
        print(f"grades: {len(grades)} submissions, {checks} checks, {len(found)} differences")
        for line in found:
            print("  " + line)
        return 1 if found else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
