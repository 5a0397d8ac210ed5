"""Report writers: they only serialise a GradeReport (terminal text, JSON)."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax
from rich.text import Text

from grader import results, visibility
from grader.results import GradeReport

_STATUS_STYLE = {
    "complete": "bold green",
    "partial": "yellow",
    "failing": "red",
    "not started": "dim",
    "missing": "red",
    "skipped": "dim",
    "grader error": "bold magenta",
}
_CHECK_MARK = {
    results.PASSED: "[green]✓[/]",
    results.NOT_STARTED: "[dim]·[/]",
    results.SKIPPED: "[dim]-[/]",
    results.GRADER_ERROR: "[magenta]![/]",
}


def _points(value: float) -> str:
    return f"{value:g}"


def write_json(report: GradeReport, path: str | Path) -> None:
    """Write the report as JSON: one object per exercise with its checks."""
    Path(path).write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")


def print_report(report: GradeReport, console: Console | None = None, *, verbose: bool = False,
                 learner_view: bool = False) -> None:
    """Print the report for a person: a line per exercise, then what to fix.

    ``learner_view``: what a learner may see when an instructor holds checks back; while
    the report has hidden checks, it shows the public checks only (never a hidden check's
    name, message or input) and "public checks passed: N/M" instead of a grade.
    """
    console = console or Console()
    if learner_view and visibility.has_hidden(report):
        _print_public_report(visibility.public_view(report), console, verbose)
        return
    console.print(f"\n[bold]pixelgrade[/] — {escape(report.target)}\n")
    for exercise in report.exercises:
        style = _STATUS_STYLE.get(exercise.status, "")
        bonus = f"  [cyan]+{_points(exercise.bonus_points)} bonus[/]" if exercise.bonus_points else ""
        console.print(
            f" {exercise.number:>2} {exercise.name:<14} "
            f"{_points(exercise.points):>5}/{_points(exercise.max_points):<5} [{style}]{exercise.status}[/]{bonus}"
        )
    for exercise in report.exercises:
        _print_details(console, exercise, verbose)
    _print_grader_errors(console, report)
    console.print(
        f"\n[bold]Total: {_points(report.points)}/{_points(report.max_points)} points[/] "
        f"in {report.seconds:.1f} s"
    )
    _print_isolation(console, report)


def _print_isolation(console: Console, report: GradeReport) -> None:
    # Which sandbox protected the run: a plain fact in the footer, never a warning.
    if report.settings.get("isolation"):
        console.print(f"[dim]isolation: {escape(report.settings['isolation'])}[/]")
    console.print()


def _print_details(console: Console, exercise: results.ExerciseResult, verbose: bool) -> None:
    if exercise.status in ("skipped", "missing") and not verbose:
        if exercise.status == "missing":
            console.print(f"\n[bold]{exercise.name}[/]: there is no {exercise.name}.py in the target directory.")
        return
    failing = [c for c in exercise.checks if c.status not in (results.PASSED, results.GRADER_ERROR)]
    if exercise.status == "complete":
        # Only optional (bonus) checks can be left: show why, without calling it a failure.
        failing = [c for c in failing if c.bonus and c.status != results.SKIPPED]
    if (exercise.status == "not started" or not failing) and not verbose:
        return
    console.print(f"\n[bold underline]{exercise.number}. {exercise.name}[/]")
    for check in exercise.checks if verbose else failing:
        mark = _CHECK_MARK.get(check.status, "[red]✗[/]")
        if check.bonus and check.status in (results.FAILED, results.ERROR):
            mark = "[cyan]○[/]"  # a bonus not earned is no failure
        worth = f"{_points(check.points)}/{_points(check.max_points)}" + (" bonus" if check.bonus else "")
        console.print(f"  {mark} {escape(check.title)} [dim]({check.function}, {worth})[/]")
        if check.status != results.PASSED and check.message:
            console.print(Text(_indent(check.message, 6)))
        if check.status != results.PASSED and check.picture:
            console.print(Text(f"      Picture: {_shown_path(check.picture)}", style="cyan"), soft_wrap=True)
        if check.status in (results.FAILED, results.ERROR) and check.snippet:
            console.print("      [dim]To reproduce:[/]")
            console.print(Syntax(_indent(check.snippet, 8), "python", theme="ansi_dark", background_color="default"))


def _print_grader_errors(console: Console, report: GradeReport) -> None:
    errors = report.grader_errors
    if not errors:
        return
    console.print(f"\n[bold magenta]pixelgrade itself failed in {len(errors)} check(s).[/] "
                  "This is not your fault; please report it to your instructor.")
    for check in errors:
        console.print(f"  [magenta]![/] {escape(check.id)}")
        console.print(Text(_indent(check.message, 6)))


def _print_public_report(public: GradeReport, console: Console, verbose: bool) -> None:
    """The learner view of a report whose hidden checks were left out: counts, no grade."""
    console.print(f"\n[bold]pixelgrade[/] — {escape(public.target)}\n")
    for exercise in public.exercises:
        style = _STATUS_STYLE.get(exercise.status, "")
        passed, total = visibility.exercise_public_counts(exercise)
        console.print(f" {exercise.number:>2} {exercise.name:<14} {passed:>3}/{total:<3} public checks passed "
                      f"[{style}]{exercise.status}[/]")
    for exercise in public.exercises:
        _print_details(console, exercise, verbose)
    _print_grader_errors(console, public)
    passed, total = visibility.public_counts(public)
    console.print(f"\n[bold]Public checks passed: {passed}/{total}[/]. Your instructor also grades with checks "
                  "that are not shown here, so this is not your final grade.")
    _print_isolation(console, public)


def _shown_path(path: str) -> str:
    """``path`` relative to the working directory when it lies inside it (shorter to read)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line for line in text.splitlines())


class Progress:
    """A one-line progress display while grading (a callback for ``grade``)."""

    def __init__(self, console: Console):
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
        from rich.progress import Progress as RichProgress

        self._progress = RichProgress(TextColumn("grading {task.description}"), BarColumn(), MofNCompleteColumn(),
                                      console=console, transient=True)
        self._task = None

    def __enter__(self):
        self._progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self._progress.__exit__(*exc)

    def __call__(self, event: str, payload) -> None:
        if event == "collected":
            self._task = self._progress.add_task("", total=payload)
        elif event == "checked" and self._task is not None:
            self._progress.update(self._task, advance=1, description=payload.exercise)
