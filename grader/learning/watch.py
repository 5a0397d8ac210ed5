"""``pixelgrade watch``: re-grade the exercise you are editing every time you save it.

Like rustlings' watch mode: it grades the current exercise, then waits for the
operating system to say that something in the target directory changed
(``watchfiles``: inotify, FSEvents or ReadDirectoryChangesW), and compares the
modification times and sizes of the exercise modules to see which one did (any
editor, whatever way it saves). Where no change can be notified (a network file
system, too many watches), it polls every ``--interval`` seconds instead. When a
module changes, it re-grades that
exercise with the grader API, prints the report and the progress across the
course ("7/14 exercises done"), and when the exercise is complete it announces
the next one and grades it straight away. Results are saved in the state file
(:mod:`grader.learning.state`), so ``pixelgrade list --saved`` and the next ``watch`` know
where you are.

``--once`` (:meth:`Watcher.once`) grades the current exercise once, says what comes
next and ends, without waiting for a save. For tests and scripts, :meth:`Watcher.step`
runs one "poll and re-grade" step, and :func:`run`'s ``stop_after`` and ``max_regrades``
end the loop (the command's ``--stop-after SECONDS`` / ``--max-regrades N``,
:mod:`grader.cli.watch`).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from grader import api
from grader.core import catalog
from grader.core.results import ExerciseStatus
from grader.exitcodes import ExitCode
from grader.learning import lookup
from grader.learning.state import State, progress_line
from grader.writers import invocation, terminal

# Polling (only where changes cannot be notified) is one stat() of each of the 14 modules:
# at ten a second it costs nothing measurable, and a save waits 0.05 s on average before it is seen.
DEFAULT_INTERVAL_S = 0.1
SETTLE_S = 0.1  # polling: editors may write a file in several steps: wait until it stops changing
# Notified: a save is reported once the folder has been quiet this long (an editor's
# several writes, a rename over the old file, come as one change), then graded at once.
QUIET_MS = 30
TICK_MS = 500  # with no change, wake up this often anyway (to stop on time with --stop-after)


class Watcher:
    """Watch one target directory and re-grade what changes."""

    def __init__(self, target: str | Path = "exercises", *, console: Console | None = None,
                 max_examples: int = api.DEFAULT_EXAMPLES, timeout_s: float | None = None,
                 state_dir: str | Path | None = None, start: str | None = None,
                 interval: float = DEFAULT_INTERVAL_S, settle: float = SETTLE_S):
        self.target = Path(target)
        if not self.target.is_dir():
            raise ValueError(f"target must be a directory of exercise modules; {str(target)!r} is not a directory")
        self.console = console or Console()
        self.max_examples = max_examples
        self.timeout_s = timeout_s
        self.state = State.for_target(self.target, state_dir)
        self.interval = interval
        self.settle = settle
        self.start = lookup.find_exercise(start) if start else None
        self.current: catalog.Exercise | None = None
        self.regrades = 0
        self.ready = threading.Event()  # set once the first grade is printed and watching begins
        self.stamps = self._stamps()

    # -- files ----------------------------------------------------------------------
    def _path(self, name: str) -> Path:
        return self.target / f"{name}.py"

    def _stamps(self) -> dict:
        stamps = {}
        for exercise in catalog.active().exercises:
            try:
                info = self._path(exercise.name).stat()
                stamps[exercise.name] = (info.st_mtime_ns, info.st_size)
            except OSError:
                stamps[exercise.name] = None
        return stamps

    def changed(self, *, settle: float | None = None) -> list[str]:
        """The exercises whose module changed (edited, created or removed) since the last look.

        ``settle``: how long a changed module must stay the same before it counts (default:
        the watcher's; the notified loop passes 0, as it was told only after a quiet spell).
        """
        settle = self.settle if settle is None else settle
        now = self._stamps()
        if now == self.stamps:
            return []
        while True:  # let a save that is still being written finish
            time.sleep(settle)
            later = self._stamps()
            if later == now:
                break
            now = later
        changed = [name for name in now if now[name] != self.stamps.get(name)]
        self.stamps = now
        return changed

    # Two saves within a second (same recorded mtime, same size) cannot grade the older
    # code through a stale .pyc: the worker imports from a fresh copy of the folder that
    # leaves __pycache__ out (grader.sandbox.isolation) and writes no bytecode itself
    # (grader.sandbox.worker), and the grader's own process never imports learner code.

    # -- grading --------------------------------------------------------------------
    def done(self) -> list[str]:
        return self.state.done(self.target)

    def progress(self) -> str:
        """The progress bar and "N/14 exercises done" (markup-escaped for printing)."""
        return escape(progress_line(len(self.done())))

    def grade(self, name: str):
        """Grade one exercise, print its report, save its result; the ExerciseResult, or None."""
        exercise = catalog.active().by_name[name]
        if not exercise.has_checks:
            self.console.print(f"{exercise.number}. {name} has no checks yet: there is nothing to grade.")
            return None
        try:
            report = api.grade([name], target=self.target, max_examples=self.max_examples,
                               timeout_s=self.timeout_s)
        except ValueError as error:
            self.console.print(f"[red]pixelgrade watch: {escape(str(error))}[/]")
            return None
        except Exception as error:  # a bug in pixelgrade: say so and keep watching
            self.console.print(f"[magenta]pixelgrade itself failed while grading {name} (not your fault): "
                               f"{escape(type(error).__name__)}: {escape(str(error))}[/]")
            return None
        terminal.print_report(report, self.console, watching=True)
        self.state.record(report)
        try:
            self.state.save()
        except OSError as error:
            self.console.print(f"[yellow]Could not save progress in {self.state.path}: {error}[/]")
        return report.exercise(name)

    def _first(self) -> catalog.Exercise | None:
        """Where to begin: the first exercise with a module here that is not saved as complete."""
        if self.start is not None:
            return self.start
        done = set(self.done())
        waiting = [e for e in catalog.active().exercises if e.name not in done]
        present = [e for e in waiting if e.has_checks and self._path(e.name).exists()]
        return (present or waiting or [None])[0]

    def next_after(self, name: str) -> catalog.Exercise | None:
        """What to do after ``name`` is complete: the first exercise, in course order, not saved as complete.

        Earlier unfinished work comes first (completing a later exercise never skips it). Only
        exercises with a module here count; when none is left, the next one after ``name`` in
        course order (then from the start), whose module is still to be created.
        """
        done = set(self.done()) | {name}
        present = [e for e in catalog.active().exercises
                   if e.name not in done and e.has_checks and self._path(e.name).exists()]
        if present:
            return present[0]
        names = [e.name for e in catalog.active().exercises]
        at = names.index(name)
        for candidate in names[at + 1:] + names[:at]:
            if candidate not in done:
                return catalog.active().by_name[candidate]
        return None

    def _settle_on(self, exercise: catalog.Exercise | None) -> None:
        """Make ``exercise`` current, grade it, and move on for as long as it is complete."""
        while exercise is not None:
            self.current = exercise
            if not exercise.has_checks or not self._path(exercise.name).exists():
                self._announce(exercise)
                return
            result = self.grade(exercise.name)
            if result is None or result.status != ExerciseStatus.COMPLETE:
                self._encourage(exercise, result)
                return
            exercise = self._complete(exercise)

    def _complete(self, exercise: catalog.Exercise) -> catalog.Exercise | None:
        """Celebrate, then name the next exercise (None when the course is done)."""
        self.console.print(f"[bold green]✓ {exercise.number}. {exercise.name} is complete![/]  {self.progress()}",
                           highlight=False, soft_wrap=True)
        following = self.next_after(exercise.name)
        if following is None:
            self.current = None
            self.console.print(f"[bold green]Every exercise is complete: {self.progress()}. Well done![/]",
                               highlight=False, soft_wrap=True)
            return None
        self.console.print(f"[bold]Next: {following.number}. {following.name}[/] — {following.title}.",
                           highlight=False, soft_wrap=True)
        return following

    def _announce(self, exercise: catalog.Exercise, *, watching: bool = True) -> None:
        path = self._path(exercise.name)
        if not path.exists():
            then = "it is graded as soon as it is saved" if watching else "grade it"
            self.console.print(f"There is no {escape(str(path))} yet: copy it from the course's exercises/ "
                               f"(or create it) and {then}.", highlight=False, soft_wrap=True)
        elif not exercise.has_checks:
            self.console.print(f"{exercise.name} has no checks yet, so it cannot be graded; "
                               f"`{escape(invocation.command())} hint {exercise.name}` still helps.",
                               highlight=False, soft_wrap=True)

    def _encourage(self, exercise: catalog.Exercise, result) -> None:
        if result is not None and result.status not in (ExerciseStatus.COMPLETE, ExerciseStatus.MISSING,
                                                        ExerciseStatus.SKIPPED):
            self.console.print(f"Keep going with {escape(str(self._path(exercise.name)))}. "
                               f"Stuck? `{escape(invocation.command())} hint {exercise.name}`.",
                               highlight=False, soft_wrap=True)

    def once(self) -> None:
        """Grade the current exercise once, say what comes next, and end: ``pixelgrade watch --once``.

        Unlike :meth:`begin` it does not go on to grade the next exercise when this one is
        complete (it names it), and it does not wait for a save.
        """
        exercise = self._first()
        self.current = exercise
        if exercise is None:
            self.console.print(f"[bold green]Every exercise is complete: {self.progress()}. Well done![/]",
                               highlight=False, soft_wrap=True)
            return
        if not exercise.has_checks or not self._path(exercise.name).exists():
            self._announce(exercise, watching=False)
        else:
            result = self.grade(exercise.name)
            if result is not None and result.status == ExerciseStatus.COMPLETE:
                self._complete(exercise)
            else:
                self._encourage(exercise, result)
        self.console.print(f"\n{self.progress()}", highlight=False, soft_wrap=True)

    def begin(self) -> None:
        """Grade the current exercise (moving on while it is complete) and start watching."""
        self._settle_on(self._first())
        self._waiting()
        self.ready.set()

    def _waiting(self) -> None:
        self.console.print(f"\n{self.progress()}", highlight=False, soft_wrap=True)
        self.console.print(f"[dim]Watching {escape(str(self.target))} for changes: save a file to re-grade it; "
                           "Ctrl-C stops.[/]", soft_wrap=True)

    def step(self, *, settle: float | None = None) -> list[str]:
        """One look: re-grade every exercise whose module changed; the names re-graded."""
        changed = self.changed(settle=settle)
        regraded = []
        for name in changed:
            path = self._path(name)
            if self.console.is_terminal:
                self.console.clear()
            self.console.rule(f"{name}.py changed: re-grading", style="dim")
            if not path.exists():
                self.console.print(f"{escape(str(path))} was removed.", highlight=False, soft_wrap=True)
                continue
            exercise = catalog.active().by_name[name]
            result = self.grade(name)
            self.regrades += 1
            regraded.append(name)
            if result is not None and result.status == ExerciseStatus.COMPLETE:
                self._settle_on(self._complete(exercise))
            else:
                self.current = exercise
                self._encourage(exercise, result)
            self._waiting()
        return regraded

    def wake_ups(self, stop: threading.Event | None = None):
        """Yield ``settle`` (seconds) each time a module may have changed, and at least every ``TICK_MS``.

        Notified by ``watchfiles`` (0: it reported the change after a quiet spell); polling
        every ``interval`` where it cannot watch this folder (the watcher's ``settle``).
        """
        try:
            import watchfiles

            changes = watchfiles.watch(self.target, debounce=1600, step=QUIET_MS, rust_timeout=TICK_MS,
                                       yield_on_timeout=True, recursive=False, stop_event=stop,
                                       watch_filter=lambda change, path: path.endswith(".py"))
            for _ in changes:
                yield 0.0
        except (ImportError, OSError, RuntimeError) as error:  # watchfiles cannot watch here: poll
            if not isinstance(error, ImportError):
                self.console.print(f"[dim]Cannot be told of changes here ({escape(str(error))}): "
                                   f"looking every {self.interval:g} s.[/]")
            while stop is None or not stop.is_set():
                time.sleep(self.interval)
                yield None

    def run(self, *, stop_after: float | None = None, max_regrades: int | None = None,
            stop: threading.Event | None = None) -> None:
        """Begin, then re-grade what changes until stopped (time, count, ``stop`` set, or Ctrl-C)."""
        started = time.monotonic()
        self.begin()
        for settle in self.wake_ups(stop):
            if max_regrades is not None and self.regrades >= max_regrades:
                return
            if stop_after is not None and time.monotonic() - started >= stop_after:
                self.console.print("[dim]Stopped watching (time is up).[/]")
                return
            self.step(settle=settle)
            if max_regrades is not None and self.regrades >= max_regrades:
                return


def run(start: str | None = None, *, target: str | Path = "exercises", max_examples: int = api.DEFAULT_EXAMPLES,
        timeout_s: float | None = None, state_dir: str | Path | None = None, interval: float = DEFAULT_INTERVAL_S,
        stop_after: float | None = None, max_regrades: int | None = None, once: bool = False,
        console: Console | None = None) -> ExitCode:
    """Watch ``target`` and re-grade on every save until stopped: ``pixelgrade watch``.

    Parameters
    ----------
    start
        The exercise (or one of its functions) to begin with; None: the first not complete yet.
    target, max_examples, timeout_s, state_dir, interval
        As for :class:`Watcher`.
    stop_after, max_regrades
        Stop after this many seconds or re-grades (None: only Ctrl-C stops).
    once
        Grade the current exercise once and end, without watching (:meth:`Watcher.once`).

    Returns
    -------
    ExitCode
        ``USAGE`` when ``target`` is not a folder or ``start`` no exercise, else ``OK``.
    """
    console = console or Console()
    try:
        watcher = Watcher(target, console=console, max_examples=max_examples, timeout_s=timeout_s,
                          state_dir=state_dir, start=start, interval=interval)
    except ValueError as error:
        console.print(f"[red]pixelgrade watch: {escape(str(error))}[/]")
        return ExitCode.USAGE
    try:
        if once:
            watcher.once()
        else:
            watcher.run(stop_after=stop_after, max_regrades=max_regrades)
    except KeyboardInterrupt:
        console.print("\nStopped watching.")
    return ExitCode.OK
