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

Points follow the one rule of every total (README: Totals): an exercise's points out of
its maximum, its bonus on top, and a last line with the same total as the grade's
("Total: 36/36 points + 1 bonus = 37").
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape

from grader import api
from grader.core import catalog
from grader.core.results import ExerciseStatus, Totals
from grader.exitcodes import ExitCode
from grader.learning.state import State, exercise_digest, progress_line
from grader.writers import invocation
from grader.writers.progress import CheckProgress
from grader.writers.terminal import STATUS_STYLE

QUICK_EXAMPLES = 5
SLOW_CALL_S = 60.0  # exercises allowed calls longer than this are graded only with --all


def is_slow(exercise: catalog.Exercise) -> bool:
    return bool(exercise.needs) or exercise.limits.timeout_s > SLOW_CALL_S


def rows(report, saved: dict, slow: frozenset = frozenset(), unchanged: frozenset = frozenset()) -> list[dict]:
    """One row per exercise of the course: number, name, title, status, points, max_points, bonus, source.

    ``slow``: the exercises left out of this grade because they are slow (they say so);
    ``unchanged``: those shown from a saved result because nothing changed since.
    """
    graded = {e.name: e for e in report.exercises} if report is not None else {}
    table = []
    for exercise in catalog.active().exercises:
        row = {"number": exercise.number, "name": exercise.name, "title": exercise.title,
               "status": "", "points": None, "max_points": None, "bonus": 0.0, "source": ""}
        if exercise.name in graded:
            result = graded[exercise.name]
            row.update(status=result.status, points=result.points, max_points=result.max_points,
                       bonus=result.bonus_points, source="now")
        elif isinstance(saved.get(exercise.name), dict):
            entry = saved[exercise.name]
            row.update(status=str(entry.get("status", "")), points=entry.get("points"),
                       max_points=entry.get("max_points"), bonus=_number(entry.get("bonus_points")),
                       source="unchanged" if exercise.name in unchanged else "saved")
        elif not exercise.has_checks:  # this and "not graded": the list's own words, no ExerciseStatus
            row.update(status="no checks yet")
        else:
            row.update(status="not graded", source="slow" if exercise.name in slow else "")
        table.append(row)
    return table


def _number(value) -> float:
    """A saved number as a float; 0 for one that is missing (a file of before bonuses were saved) or not a number."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _has_points(row: dict) -> bool:
    return isinstance(row["points"], int | float) and isinstance(row["max_points"], int | float)


def _points(row: dict) -> str:
    if not _has_points(row):
        return ""
    return f"{row['points']:g}/{row['max_points']:g}"


def totals(table: list[dict]) -> Totals:
    """The points, maximum and bonus of every row that has points: the same total a grade of them prints."""
    counted = [row for row in table if _has_points(row)]
    return Totals(sum(row["points"] for row in counted), sum(row["max_points"] for row in counted),
                  sum(row["bonus"] for row in counted))


def print_rows(table: list[dict], console: Console, *, target: str, note: str) -> None:
    command = invocation.command()
    console.print(f"\n[bold]pixelgrade[/] — {escape(target)}  [dim]{escape(note)}[/]\n")
    console.print(f" [bold]{'#':>2}  {'exercise':<14}{'status':<16}{'points':>9}[/]")
    for row in table:
        style = STATUS_STYLE.get(row["status"], "dim")
        status = f"[{style}]{row['status']:<16}[/]"
        saved = {"saved": "  [dim](saved)[/]", "unchanged": "  [dim](unchanged)[/]"}.get(row["source"], "")
        bonus = f"  [cyan]+{row['bonus']:g} bonus[/]" if row["bonus"] and _has_points(row) else ""
        hint = ""
        if row["source"] == "slow":
            hint = f"  [dim]slow: run `{escape(command)} {row['name']}`[/]"
        console.print(f" {row['number']:>2}  {row['name']:<14}{status}{_points(row):>9}{bonus}{saved}{hint}",
                      highlight=False)
    if any(_has_points(row) for row in table):
        console.print(f"\n[bold]Total: {totals(table)}[/]", highlight=False)
    done = sum(row["status"] == ExerciseStatus.COMPLETE for row in table)
    console.print(f"\n{escape(progress_line(done, len(table)))}", highlight=False)
    following = next((row for row in table if row["status"] != ExerciseStatus.COMPLETE), None)
    if following is None:
        console.print("[bold green]Every exercise is complete. Well done![/]")
    else:
        console.print(f"Next: {following['number']}. {following['name']} ({following['title']}): "
                      f"`{escape(command)} {following['name']}` grades it, `{escape(command)} watch` re-grades "
                      f"on every save, `{escape(command)} hint {following['name']}` helps.", highlight=False)


def run(*, target: str | Path = "exercises", examples: int = QUICK_EXAMPLES, saved: bool = False,
        regrade: bool = False, include_slow: bool = False, state_dir: str | Path | None = None,
        jobs: int = 1, console: Console | None = None) -> ExitCode:
    """Grade quickly what changed and print every exercise with its status and points: ``pixelgrade list``.

    Parameters
    ----------
    target
        The folder of exercise modules.
    examples
        Hypothesis examples per property for the quick grade.
    saved
        Grade nothing; show the saved results.
    regrade
        Grade every exercise, even those unchanged since their saved result.
    include_slow
        Grade the slow exercises too (those that train models; see :func:`is_slow`).
    state_dir
        The folder of the state file (None: see :mod:`grader.learning.state`).
    jobs
        Exercises graded side by side (:mod:`grader.core.parallel`).

    Returns
    -------
    ExitCode
        ``USAGE`` when grading is refused (``target`` is no folder, ``examples`` below 1), else ``OK``.
    """
    console = console or Console()
    target = str(target)  # the heading of the table shows it as it was given
    state = State.for_target(target, state_dir)
    report, slow, unchanged = None, frozenset(), frozenset()
    if saved:
        note = "(saved results; nothing graded)"
    else:
        chosen = [e.name for e in catalog.active().gradable() if include_slow or not is_slow(e)]
        slow = frozenset(e.name for e in catalog.active().gradable()) - set(chosen)
        note = f"(quick grade: {examples} examples per property)"
        digests = {name: exercise_digest(target, name) for name in chosen} if Path(target).is_dir() else {}
        if not regrade:
            unchanged = frozenset(name for name in digests if state.unchanged(
                target, name, examples=examples, digest=digests[name]) is not None)
        to_grade = [name for name in chosen if name not in unchanged]
        try:
            if to_grade:
                with CheckProgress(Console(stderr=True)) as progress:
                    report = api.grade(to_grade, target=target, max_examples=examples, progress=progress,
                                        jobs=jobs)
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
    print_rows(rows(report, state.results(target), slow, unchanged), console, target=target, note=note)
    return ExitCode.OK
