"""``pixelgrade hint [EXERCISE or FUNCTION]``: reveal the next numbered hint, one at a time.

Hints are the exercise's ``hints`` in the catalog (``course/course.toml``), from
gentle to specific. A hint that begins with the function it is about, in backticks and
followed by a colon (``"`otsu_threshold`: ..."``, or several: ``"`kmeans`, `assign`: ..."``),
belongs to that function; a hint without such a label is about the whole exercise, and so
about each of its functions.

Asking for an exercise (``pixelgrade hint thresholding``) goes through all of its hints;
asking for a function, or a part of its name (``pixelgrade hint otsu``), goes through the
hints of the functions it names only. Each call shows every hint of what was asked for
that was revealed so far, plus the next one, and remembers which ones were shown in the
state file (:mod:`grader.learning.state`), so the next call goes on where this one
stopped, however it is asked. After the last hint it says there are no more; ``--reset``
starts that set again from its first. Without a name the current exercise (the first
not yet complete, by the saved results) is used.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from grader.core import catalog
from grader.exitcodes import ExitCode
from grader.learning import lookup
from grader.learning.state import State
from grader.writers import invocation

# "`name`:" or "`one`, `two`:" or "`one` and `two`:" at the start of a hint.
_LABEL = re.compile(r"\s*((?:`\w+`(?:\s*,\s*|\s+and\s+)?)+):")


def hints_for(exercise: str) -> list[str]:
    return list(catalog.active().by_name[exercise].hints)


def about(hint: str, exercise: catalog.Exercise) -> tuple[str, ...]:
    """The functions of ``exercise`` that ``hint`` is labelled with; empty for a hint about the whole exercise."""
    label = _LABEL.match(hint)
    if not label:
        return ()
    named = re.findall(r"`(\w+)`", label.group(1))
    return tuple(name for name in exercise.functions if name in named)


def numbers_for(selection: lookup.Selection) -> list[int]:
    """The numbers (from 1, in the catalog's order) of the hints that answer ``selection``."""
    exercise = selection.exercise
    chosen = []
    for number, hint in enumerate(exercise.hints, start=1):
        functions = about(hint, exercise)
        if selection.whole_exercise or not functions or set(functions) & set(selection.functions):
            chosen.append(number)
    return chosen


@dataclass(frozen=True)
class Revealed:
    """What one ``pixelgrade hint`` shows: the hints' numbers and texts, and where the learner is."""

    shown: list[tuple[int, str]]  # (number, text), in the catalog's order
    new: int | None  # the number of the hint revealed by this call (None when there was none left)
    total: int  # how many hints answer what was asked


def reveal(selection: lookup.Selection, state: State, *, reset: bool = False) -> Revealed:
    """Reveal the next hint of ``selection`` not shown yet, save which were shown, and return what to show."""
    exercise = selection.exercise
    numbers = numbers_for(selection)
    seen = state.hints_seen(exercise.name)
    if reset:
        seen -= set(numbers)
    waiting = [number for number in numbers if number not in seen]
    new = waiting[0] if waiting else None
    if new is not None:
        seen.add(new)
    state.set_hints_seen(exercise.name, seen)
    state.save()
    shown = [(number, exercise.hints[number - 1]) for number in numbers if number in seen]
    return Revealed(shown, new, len(numbers))


def current_exercise(state: State, target) -> catalog.Exercise:
    """The first exercise, in course order, not saved as complete for ``target``."""
    done = set(state.done(target))
    for exercise in catalog.active().exercises:
        if exercise.name not in done:
            return exercise
    return catalog.active().exercises[-1]


def run(name: str | None = None, *, target: str | Path = "exercises", state_dir: str | Path | None = None,
        reset: bool = False, console: Console | None = None) -> ExitCode:
    """Print the hints of what ``name`` means revealed so far and one more: ``pixelgrade hint``.

    Parameters
    ----------
    name
        An exercise, one of its functions or a part of their names (``"otsu"``); None:
        the current exercise of ``target``.
    target
        The folder of exercise modules, whose saved results say which exercise is current.
    state_dir
        The folder of the state file, which records the hints shown (None: see :mod:`grader.learning.state`).
    reset
        Start again from the first hint (of the function, when one is named).

    Returns
    -------
    ExitCode
        ``USAGE`` for an unknown or ambiguous ``name``, ``GRADER_ERROR`` when the hints
        shown cannot be saved, else ``OK``.
    """
    console = console or Console()
    state = State.for_target(target, state_dir)
    if name:
        try:
            selection = lookup.find(name)
        except ValueError as error:
            console.print(f"[red]pixelgrade hint: {escape(str(error))}[/]")
            return ExitCode.USAGE
    else:
        selection = lookup.Selection(current_exercise(state, target))
        console.print(f"[dim]No exercise given: the hints for the current one, {selection.exercise.name}.[/]")
    exercise = selection.exercise
    try:
        revealed = reveal(selection, state, reset=reset)
    except OSError as error:
        console.print(f"[red]pixelgrade hint: could not save the hints shown in {state.path}: {error}[/]")
        return ExitCode.GRADER_ERROR
    what = exercise.name if selection.whole_exercise else ", ".join(selection.functions)
    if not revealed.total:
        console.print(f"There are no hints for {what} yet.")
        return ExitCode.OK
    again = f"{invocation.command()} hint {shlex.quote(name or exercise.name)}"
    heading = f"{exercise.number}. {exercise.name}" + ("" if selection.whole_exercise else f": {what}")
    console.print(f"\n[bold]Hints for {escape(heading)}[/] ({len(revealed.shown)} of {revealed.total})\n",
                  highlight=False)
    for number, hint in revealed.shown:
        text = escape(hint)
        console.print(f" {number}. [bold]{text}[/]" if number == revealed.new else f" {number}. {text}",
                      highlight=False)
    console.print()
    left = revealed.total - len(revealed.shown)
    if revealed.new is None:
        console.print(f"There are no more hints for {escape(what)}: that was all {revealed.total}. "
                      f"`{escape(again)} --reset` starts again from the first.", highlight=False)
    elif not left:
        console.print(f"That was the last hint for {escape(what)}.", highlight=False)
    else:
        console.print(f"[dim]{left} more: run `{escape(again)}` again.[/]", highlight=False)
    return ExitCode.OK
