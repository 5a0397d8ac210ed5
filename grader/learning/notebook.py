"""Grade from a Jupyter notebook (or any Python session): ``check("otsu")``.

    >>> from grader import check            # doctest: +SKIP
    >>> check("otsu")                        # doctest: +SKIP

prints the same report as ``pixelgrade thresholding`` (in a notebook: as HTML that
reads in light and dark themes, with a plain-text form free of escape codes,
:class:`ReportView`), saves the result where
``pixelgrade list`` and ``watch`` find it, and shows failure pictures inline
when IPython can display them. The grader reads your module from disk: save the
file (or write it with ``%%writefile exercises/thresholding.py``) before checking.

The name may be an exercise (``thresholding``), one of its functions
(``otsu_threshold``) or an unambiguous part of either (``otsu``). The target
directory defaults to ``exercises/`` under the working directory, else the
working directory itself when it holds the module (a notebook next to the
exercises), else the project's ``exercises/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from grader import api
from grader.core import catalog
from grader.core.results import GradeReport
from grader.learning import lookup
from grader.learning.state import State
from grader.writers import notebook_html, terminal


@dataclass
class Checked:
    """What ``check`` returns: the full report, with a one-line summary as its repr."""

    report: GradeReport

    @property
    def points(self) -> float:
        return self.report.points

    @property
    def max_points(self) -> float:
        return self.report.max_points

    @property
    def complete(self) -> bool:
        return self.report.complete

    def __repr__(self) -> str:
        parts = [f"{e.name}: {e.points:g}/{e.max_points:g} ({e.status})" for e in self.report.exercises]
        return f"<checked {'; '.join(parts) or 'nothing'}>"

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython's plain text: the same, never an escape code
        printer.text(repr(self))

    def view(self, *, verbose: bool = False) -> ReportView:
        """The whole report, to display in a notebook (HTML, or plain text)."""
        return ReportView(self.report, verbose=verbose)


class ReportView:
    """A report as a notebook displays it: HTML that reads in light and dark themes, or plain text.

    The plain-text form (``text/plain``, ``repr``, IPython's pretty printer) has no ANSI
    escape codes; the HTML inherits the theme's text colour, gives code blocks a
    translucent background, and escapes every text that comes from the learner's code.
    """

    def __init__(self, report: GradeReport, *, verbose: bool = False):
        self.report = report
        self.verbose = verbose

    def text(self) -> str:
        return terminal.report_text(self.report, verbose=self.verbose).strip("\n") + "\n"

    def html(self) -> str:
        return notebook_html.report_html(self.report, verbose=self.verbose)

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(self.text())

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/plain": self.text(), "text/html": self.html()}


def in_notebook() -> bool:
    """Whether this runs in a notebook kernel (Jupyter, Colab...), where output is HTML, not a terminal."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    return type(shell).__name__ in ("ZMQInteractiveShell", "Shell", "DatabricksShell") or "IPKernelApp" in getattr(
        shell, "config", {})


def default_target(exercise: str) -> Path:
    """``./exercises`` if it exists, else ``.`` if it holds the module, else the project's ``exercises``."""
    here = Path.cwd()
    if (here / "exercises").is_dir():
        return here / "exercises"
    if (here / f"{exercise}.py").is_file():
        return here
    return catalog.active().stubs_dir


def check(*names: str, target: str | Path | None = None, max_examples: int = api.DEFAULT_EXAMPLES,
          timeout_s: float | None = None, verbose: bool = False, pictures: bool = True, console=None,
          state_dir: str | Path | None = None) -> Checked | None:
    """Grade the exercises that ``names`` mean and print the report; returns a :class:`Checked`.

    A name that matches no exercise, or several, prints why and returns None
    (nothing raises in a notebook cell for a typo).
    """
    notebook = console is None and in_notebook()
    console = console or Console()
    try:
        exercises = [lookup.find_exercise(name) for name in names] or None
    except ValueError as error:
        console.print(f"[red]check: {error}[/]", highlight=False)
        return None
    if exercises is None:
        console.print("[red]check: name an exercise, e.g. check(\"histogram\") or check(\"otsu\")[/]")
        return None
    unique = list(dict.fromkeys(e.name for e in exercises))
    without = [name for name in unique if not catalog.active().by_name[name].has_checks]
    if without:
        console.print(f"check: {', '.join(without)} {'has' if len(without) == 1 else 'have'} no checks yet; "
                      "there is nothing to grade.", highlight=False)
        unique = [name for name in unique if name not in without]
        if not unique:
            return None
    folder = Path(target) if target is not None else default_target(unique[0])
    try:
        report = api.grade(unique, target=folder, max_examples=max_examples, timeout_s=timeout_s)
    except ValueError as error:
        console.print(f"[red]check: {error}[/]", highlight=False)
        return None
    if notebook:
        _display(ReportView(report, verbose=verbose))  # HTML for the theme, clean text/plain: not the terminal's
    else:
        terminal.print_report(report, console, verbose=verbose)
    try:
        saved = State.for_target(folder, state_dir)
        saved.record(report)
        saved.save()
    except OSError:
        pass  # progress is a convenience; the report was printed
    if pictures:
        _display_pictures(report)
    return Checked(report)


def _display(view: ReportView) -> None:
    from IPython.display import display

    display(view)


def _display_pictures(report: GradeReport) -> None:
    """Show failure pictures inline when running under IPython (a no-op anywhere else)."""
    paths = [c.picture for e in report.exercises for c in e.checks if c.picture]
    if not paths:
        return
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:
        return
    if get_ipython() is None:
        return
    for path in paths:
        try:
            display(Image(filename=path))
        except Exception:  # a picture is a nicety
            pass
