"""One progress bar on stderr for the commands that grade: one exercise's checks, or a class's submissions.

``grade`` and ``grade_batch`` report progress through a callback ``(event, payload)``;
:class:`CheckProgress` and :class:`SubmissionProgress` are such callbacks, each a
rich progress bar that disappears when the work is done (the report follows it).
Terminal output like :mod:`grader.writers.terminal`: ``pixelgrade list`` (a learning tool)
shows it as well as the command line.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape


class _Bar:
    """A transient rich progress bar: ``start`` sets its total, ``advance`` moves it one step."""

    def __init__(self, console: Console, *columns):
        from rich.progress import Progress

        self._progress = Progress(*columns, console=console, transient=True)
        self._task = None

    def __enter__(self):
        self._progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self._progress.__exit__(*exc)

    def start(self, total: int) -> None:
        """Set the total: a first bar, or a larger total (side by side gradings count theirs in turn)."""
        if self._task is None:
            self._task = self._progress.add_task("", total=total)
        else:
            self._progress.update(self._task, total=total)

    def advance(self, description: str) -> None:
        if self._task is not None:
            self._progress.update(self._task, advance=1, description=escape(description))


class CheckProgress(_Bar):
    """The checks of one grading run (``api.grade``'s events ``collected`` and ``checked``)."""

    def __init__(self, console: Console):
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn

        super().__init__(console, TextColumn("grading {task.description}"), BarColumn(), MofNCompleteColumn())

    def __call__(self, event: str, payload) -> None:
        if event == "collected":
            self.start(payload)
        elif event == "checked":
            self.advance(payload.exercise)


class SubmissionProgress(_Bar):
    """The submissions of a batch (``grade_batch``'s events ``start`` and ``done``), with the time left."""

    def __init__(self, console: Console):
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        super().__init__(console, TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                         TextColumn("eta"), TimeRemainingColumn(), TextColumn("{task.description}"))

    def __call__(self, event: str, payload) -> None:
        if event == "start":
            self.start(payload)
        elif event == "done":
            submission_id, status = payload
            self.advance(f"{submission_id}: {status}")
