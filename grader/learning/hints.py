"""``pixelgrade hint [EXERCISE]``: reveal the next numbered hint, one at a time.

Hints are the exercise's ``hints`` in the catalog (``course/course.toml``), from
gentle to specific. Each call shows every hint revealed so far plus one more, and remembers
the count in the state file (:mod:`grader.learning.state`), so the next call goes on where
this one stopped. After the last hint it says there are no more. ``--reset``
starts again from the first; without an EXERCISE the current one (the first not
yet complete, by the saved results) is used.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape

from grader.cli.exitcodes import ExitCode
from grader.core import catalog as course
from grader.learning import lookup
from grader.learning.state import State


def hints_for(exercise: str) -> list[str]:
    return list(course.BY_NAME[exercise].hints)


def reveal(exercise: str, state: State, *, reset: bool = False) -> tuple[list[str], int, bool]:
    """Advance the count of shown hints by one (up to all) and save it.

    Returns (the hints to show now, how many there are, whether they had all been shown already).
    """
    hints = hints_for(exercise)
    shown = 0 if reset else min(state.hints_shown(exercise), len(hints))
    exhausted = bool(hints) and shown >= len(hints)
    count = min(shown + 1, len(hints))
    state.set_hints_shown(exercise, count)
    state.save()
    return hints[:count], len(hints), exhausted


def current_exercise(state: State, target) -> course.Exercise:
    """The first exercise, in course order, not saved as complete for ``target``."""
    done = set(state.done(target))
    for exercise in course.EXERCISES:
        if exercise.name not in done:
            return exercise
    return course.EXERCISES[-1]


def run(name: str | None = None, *, target: str | Path = "exercises", state_dir: str | Path | None = None,
        reset: bool = False, console: Console | None = None) -> ExitCode:
    """Print the hints of exercise ``name`` revealed so far and one more: ``pixelgrade hint``.

    Parameters
    ----------
    name
        An exercise or one of its functions (``"otsu"``); None: the current exercise of ``target``.
    target
        The folder of exercise modules, whose saved results say which exercise is current.
    state_dir
        The folder of the state file, which counts the hints shown (None: see :mod:`grader.learning.state`).
    reset
        Start again from the first hint.

    Returns
    -------
    ExitCode
        ``USAGE`` for an unknown or ambiguous ``name``, ``GRADER_ERROR`` when the count
        cannot be saved, else ``OK``.
    """
    console = console or Console()
    state = State.for_target(target, state_dir)
    if name:
        try:
            exercise = lookup.find_exercise(name)
        except ValueError as error:
            console.print(f"[red]pixelgrade hint: {escape(str(error))}[/]")
            return ExitCode.USAGE
    else:
        exercise = current_exercise(state, target)
        console.print(f"[dim]No exercise given: the hints for the current one, {exercise.name}.[/]")
    try:
        shown, total, exhausted = reveal(exercise.name, state, reset=reset)
    except OSError as error:
        console.print(f"[red]pixelgrade hint: could not save the hint count in {state.path}: {error}[/]")
        return ExitCode.GRADER_ERROR
    if not total:
        console.print(f"There are no hints for {exercise.name} yet.")
        return ExitCode.OK
    console.print(f"\n[bold]Hints for {exercise.number}. {exercise.name}[/] ({len(shown)} of {total})\n")
    for number, hint in enumerate(shown, start=1):
        style = "bold" if number == len(shown) and not exhausted else ""
        text = escape(hint)
        console.print(f" {number}. [{style}]{text}[/]" if style else f" {number}. {text}")
    console.print()
    if exhausted:
        console.print(f"There are no more hints for {exercise.name}: that was all {total}. "
                      f"`pixelgrade hint {exercise.name} --reset` starts again from the first.")
    elif len(shown) == total:
        console.print(f"That was the last hint for {exercise.name}.")
    else:
        console.print(f"[dim]{total - len(shown)} more: run `pixelgrade hint {exercise.name}` again.[/]")
    return ExitCode.OK
