"""``pixelgrade list``: every exercise of the course with its status and points.

By default ``list`` grades quickly: every exercise that has checks, with a small
Hypothesis budget (``--examples``, default 5), so what it shows is current. A
quick grade can miss a bug that the full grade (``pixelgrade EXERCISE``, 30
examples per property) finds, so "complete" here means "complete at a glance".
Exercises whose calls may take minutes (training models: ``baseline``,
``networks``, ``training``) are graded only with ``--all``; otherwise they show
their last saved result. ``--saved`` grades nothing and shows what ``watch``,
``check()`` and earlier ``list`` runs saved (:mod:`grader.learning.state`).

An exercise whose saved result was graded from exactly what is there now (its
module, the sibling modules it imports, the reference and the grader: the same
digest) and with at least as many examples is shown from that result, not graded
again: grading is deterministic, so the grade would be the same (``--regrade``
grades everything anyway). Only what changed since costs time.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from grader import api
from grader.cli.exitcodes import ExitCode
from grader.cli.progress import CheckProgress
from grader.core import catalog as course
from grader.core.results import ExerciseStatus
from grader.learning.state import State, exercise_digest, progress_line

QUICK_EXAMPLES = 5
SLOW_CALL_S = 60.0  # exercises allowed calls longer than this are graded only with --all

_STYLE = {
    ExerciseStatus.COMPLETE: "bold green",
    ExerciseStatus.PARTIAL: "yellow",
    ExerciseStatus.FAILING: "red",
    ExerciseStatus.NOT_STARTED: "dim",
    ExerciseStatus.MISSING: "red",
    ExerciseStatus.SKIPPED: "dim",
    ExerciseStatus.GRADER_ERROR: "bold magenta",
}


def is_slow(exercise: course.Exercise) -> bool:
    return bool(exercise.needs) or exercise.limits.timeout_s > SLOW_CALL_S


def rows(report, saved: dict, slow: frozenset = frozenset(), unchanged: frozenset = frozenset()) -> list[dict]:
    """One row per exercise of the course: number, name, title, status, points, max_points, source.

    ``slow``: the exercises left out of this grade because they are slow (they say so);
    ``unchanged``: those shown from a saved result because nothing changed since.
    """
    graded = {e.name: e for e in report.exercises} if report is not None else {}
    table = []
    for exercise in course.EXERCISES:
        row = {"number": exercise.number, "name": exercise.name, "title": exercise.title,
               "status": "", "points": None, "max_points": None, "source": ""}
        if exercise.name in graded:
            result = graded[exercise.name]
            row.update(status=result.status, points=result.points, max_points=result.max_points, source="now")
        elif isinstance(saved.get(exercise.name), dict):
            entry = saved[exercise.name]
            row.update(status=str(entry.get("status", "")), points=entry.get("points"),
                       max_points=entry.get("max_points"),
                       source="unchanged" if exercise.name in unchanged else "saved")
        elif not exercise.has_checks:  # this and "not graded": the list's own words, no ExerciseStatus
            row.update(status="no checks yet")
        else:
            row.update(status="not graded", source="slow" if exercise.name in slow else "")
        table.append(row)
    return table


def _points(row: dict) -> str:
    if row["points"] is None or row["max_points"] is None:
        return ""
    return f"{row['points']:g}/{row['max_points']:g}"


def print_rows(table: list[dict], console: Console, *, target: str, note: str) -> None:
    console.print(f"\n[bold]pixelgrade[/] — {escape(target)}  [dim]{escape(note)}[/]\n")
    console.print(f" [bold]{'#':>2}  {'exercise':<14}{'status':<16}{'points':>9}[/]")
    for row in table:
        style = _STYLE.get(row["status"], "dim")
        status = f"[{style}]{row['status']:<16}[/]"
        saved = {"saved": "  [dim](saved)[/]", "unchanged": "  [dim](unchanged)[/]"}.get(row["source"], "")
        hint = ""
        if row["source"] == "slow":
            hint = f"  [dim]slow: run `pixelgrade {row['name']}`[/]"
        console.print(f" {row['number']:>2}  {row['name']:<14}{status}{_points(row):>9}{saved}{hint}",
                      highlight=False)
    done = sum(row["status"] == ExerciseStatus.COMPLETE for row in table)
    console.print(f"\n{escape(progress_line(done, len(table)))}", highlight=False)
    following = next((row for row in table if row["status"] != ExerciseStatus.COMPLETE), None)
    if following is None:
        console.print("[bold green]Every exercise is complete. Well done![/]")
    else:
        console.print(f"Next: {following['number']}. {following['name']} ({following['title']}): "
                      f"`pixelgrade {following['name']}` grades it, `pixelgrade watch` re-grades on every save, "
                      f"`pixelgrade hint {following['name']}` helps.", highlight=False)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pixelgrade list",
                                     description="Every exercise with its status and points.")
    parser.add_argument("--target", default="exercises", help="directory of exercise modules (default: exercises)")
    parser.add_argument("--examples", type=int, default=QUICK_EXAMPLES,
                        help=f"Hypothesis examples per property for the quick grade (default: {QUICK_EXAMPLES})")
    parser.add_argument("--saved", action="store_true", help="grade nothing; show the last saved results")
    parser.add_argument("--regrade", action="store_true",
                        help="grade every exercise, even those unchanged since their saved result")
    parser.add_argument("--all", action="store_true",
                        help="also grade the slow exercises (those that train models)")
    parser.add_argument("--state", metavar="DIR", help="folder of the state file (default: .pixelgrade next to "
                                                       "the target, or $PIXELGRADE_STATE_DIR)")
    return parser


def main(argv: list[str]) -> ExitCode:
    args = _parser().parse_args(argv)
    console = Console()
    if args.examples < 1:
        console.print("[red]pixelgrade list: --examples must be at least 1[/]")
        return ExitCode.USAGE
    state = State.for_target(args.target, args.state)
    report, slow, unchanged = None, frozenset(), frozenset()
    if args.saved:
        note = "(saved results; nothing graded)"
    else:
        chosen = [e.name for e in course.gradable() if args.all or not is_slow(e)]
        slow = frozenset(e.name for e in course.gradable()) - set(chosen)
        note = f"(quick grade: {args.examples} examples per property)"
        digests = {name: exercise_digest(args.target, name) for name in chosen} if Path(args.target).is_dir() else {}
        if not args.regrade:
            unchanged = frozenset(name for name in digests if state.unchanged(
                args.target, name, examples=args.examples, digest=digests[name]) is not None)
        to_grade = [name for name in chosen if name not in unchanged]
        try:
            if to_grade:
                with CheckProgress(Console(stderr=True)) as progress:
                    report = api.grade(to_grade, target=args.target, max_examples=args.examples, progress=progress)
        except ValueError as error:
            console.print(f"[red]pixelgrade list: {escape(str(error))}[/]")
            return ExitCode.USAGE
        if unchanged:
            note += f"; {len(unchanged)} unchanged since their saved result, not graded again (--regrade grades them)"
    if report is not None:
        state.record(report, digests)  # the digests of before grading: a save meanwhile counts as a change
        try:
            state.save()
        except OSError as error:
            console.print(f"[yellow]pixelgrade list: could not save the results in {state.path}: {error}[/]")
    print_rows(rows(report, state.results(args.target), slow, unchanged), console, target=args.target, note=note)
    return ExitCode.OK
