"""The learner's report for a terminal: rich text, or the same as plain text (no colour, no escape codes).

:func:`render` lays a :class:`~grader.core.results.GradeReport` out once, for any :class:`Writer`;
:class:`TerminalWriter` writes it to a rich console, and :mod:`grader.writers.notebook_html`
writes the same layout as HTML for a notebook. Whatever a report quotes (a learner's
exception message, their output, a file name) is shown as text: no escape code in it
reaches the terminal (:func:`grader.writers.escaping.terminal`).

A report read away from the machine that graded it (``elsewhere``: a batch's feedback,
Gradescope, a CI summary, a notebook) speaks in the learner's terms: their file's name,
the course's page as ``docs/03-histogram.md``, no command naming the grader's folders, a
grader error as "pixelgrade itself failed" without its internals, and no path of the
grading machine anywhere (:mod:`grader.writers.grader_paths`).
"""

from __future__ import annotations

import io
import shlex
import textwrap
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax
from rich.text import Text

from grader.core import catalog, results, visibility
from grader.core.results import CheckStatus, ExerciseStatus, GradeReport
from grader.writers import escaping, grader_paths, invocation

# An exercise's status in colour, wherever one is shown (the report, pixelgrade list).
STATUS_STYLE = {
    ExerciseStatus.COMPLETE: "bold green",
    ExerciseStatus.PARTIAL: "yellow",
    ExerciseStatus.FAILING: "red",
    ExerciseStatus.NOT_STARTED: "dim",
    ExerciseStatus.MISSING: "red",
    ExerciseStatus.SKIPPED: "dim",
    ExerciseStatus.GRADER_ERROR: "bold magenta",
}
_CHECK_MARK = {
    CheckStatus.PASSED: "[green]✓[/]",
    CheckStatus.NOT_STARTED: "[dim]·[/]",
    CheckStatus.SKIPPED: "[dim]-[/]",
    CheckStatus.GRADER_ERROR: "[magenta]![/]",
}


def _points(value: float) -> str:
    return f"{value:g}"


def print_report(report: GradeReport, console: Console | None = None, *, verbose: bool = False,
                 learner_view: bool = False, watching: bool = False, elsewhere: bool = False) -> None:
    """Print the report for a person: a line per exercise, then what to fix.

    ``learner_view``: what a learner may see when an instructor holds checks back; while
    the report has hidden checks, it shows the public checks only (never a hidden check's
    name, message or input) and "public checks passed: N/M" instead of a grade.

    Prose (messages) wraps at the console's width; code (snippets, commands, the line of a
    syntax error under its caret) is never wrapped or cut, so it can be copied and run.
    ``watching``: printed by ``pixelgrade watch``, which re-grades by itself (no command to grade).
    ``elsewhere``: read away from the grading machine (see the module's docstring).
    """
    render(report, TerminalWriter(console or Console()), verbose=verbose, learner_view=learner_view,
           watching=watching, elsewhere=elsewhere)


def report_text(report: GradeReport, *, verbose: bool = False, learner_view: bool = False,
                width: int = 100, elsewhere: bool = False) -> str:
    """The terminal report as plain text: no colour, no escape codes (a notebook's text/plain)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False, force_jupyter=False,
                      highlight=False)
    render(report, TerminalWriter(console), verbose=verbose, learner_view=learner_view, elsewhere=elsewhere)
    return buffer.getvalue()


def render(report: GradeReport, out: Writer, *, verbose: bool = False, learner_view: bool = False,
           watching: bool = False, elsewhere: bool = False) -> None:
    """Write the report with ``out`` (terminal, plain text or HTML).

    ``elsewhere``: the report is read away from the grading machine, in the learner's
    terms (see the module's docstring); every text goes through
    :func:`grader.writers.grader_paths.hide` on its way to ``out``.
    """
    if elsewhere:
        out = GraderPathsHidden(out, report.target)
    if learner_view and visibility.has_hidden(report):
        _render_public_report(visibility.public_view(report), out, verbose, watching, elsewhere)
        return
    out.line(f"\n[bold]pixelgrade[/] — {escape(_target_shown(report, elsewhere))}\n")
    for exercise in report.exercises:
        style = STATUS_STYLE.get(exercise.status, "")
        bonus = f"  [cyan]+{_points(exercise.bonus_points)} bonus[/]" if exercise.bonus_points else ""
        out.line(
            f" {exercise.number:>2} {exercise.name:<14} "
            f"{_points(exercise.points):>5}/{_points(exercise.max_points):<5} [{style}]{exercise.status}[/]{bonus}"
        )
    _render_body(report, out, verbose, watching, elsewhere)
    # The one rule of every output (README: Totals; grader.core.results.Totals).
    out.line(f"\n[bold]Total: {report.totals}[/] in {report.seconds:.1f} s")
    _print_isolation(out, report)


def _target_shown(report: GradeReport, elsewhere: bool) -> str:
    return grader_paths.YOUR_SUBMISSION if elsewhere else report.target


def _render_body(report: GradeReport, out: Writer, verbose: bool, watching: bool = False,
                 elsewhere: bool = False, public: bool = False) -> None:
    said_before: set = set()
    for exercise in report.exercises:
        _print_details(out, exercise, verbose, said_before, elsewhere, public)
    _print_unavailable(out, report, elsewhere)
    _print_start_here(out, report, watching, elsewhere)
    _print_grader_errors(out, report, elsewhere)


def _print_isolation(out: Writer, report: GradeReport) -> None:
    # Which sandbox protected the run: a plain fact in the footer, never a warning.
    if report.settings.get("isolation"):
        out.line(f"[dim]isolation: {escape(report.settings['isolation'])}[/]")
    unprotected = report.settings.get("isolation_unprotected") or []
    if unprotected:  # a learner's own folder is graded all the same: say once what this level leaves open
        out.line(f"[yellow]not protected here:[/] {escape('; '.join(map(str, unprotected)))}")
    out.line("")


def _print_details(out: Writer, exercise: results.ExerciseResult, verbose: bool,
                   said_before: set | None = None, elsewhere: bool = False, public: bool = False) -> None:
    said_before = set() if said_before is None else said_before  # exercise messages already printed
    if exercise.status in (ExerciseStatus.SKIPPED, ExerciseStatus.MISSING) and not verbose:
        if exercise.status == ExerciseStatus.MISSING:
            out.line(f"\n[bold]{exercise.name}[/]: there is no {exercise.name}.py in the target directory.")
        return
    failing = [c for c in exercise.checks if c.status not in (CheckStatus.PASSED, CheckStatus.GRADER_ERROR)]
    if exercise.status == ExerciseStatus.COMPLETE:
        # Only optional (bonus) checks can be left: show why, without calling it a failure.
        failing = [c for c in failing if c.bonus and c.status != CheckStatus.SKIPPED]
    if (exercise.status == ExerciseStatus.NOT_STARTED or not failing) and not verbose:
        return
    out.line(f"\n[bold underline]{exercise.number}. {exercise.name}[/]")
    # A module that does not import fails every check the same way: say why once, for the exercise.
    not_run = [c for c in failing if exercise.message and c.message == exercise.message]
    if not_run:
        said, _, located = exercise.message.partition("\n")  # the words may wrap; a line and its caret may not
        if exercise.message in said_before:  # a submission that could not be read: said once, for all
            out.prose("Not graded, for the reason given above.", 2)
        else:
            out.prose(said, 2)
            if located:
                out.block(located, 2)
            said_before.add(exercise.message)
        if not verbose:
            checks = _not_run_count(not_run, public)
            if all(c.status == CheckStatus.NOT_GRADED for c in not_run):  # the submission could not be graded at all
                out.line(f"  [red]✗[/] {checks}, for the reason above.")
            else:
                out.line(f"  [red]✗[/] {checks}: the module does not import. Fix the error above and grade again.")
    for check in exercise.checks if verbose else [c for c in failing if c not in not_run]:
        mark = _CHECK_MARK.get(check.status, "[red]✗[/]")
        if check.bonus and check.status in (CheckStatus.FAILED, CheckStatus.ERROR):
            mark = "[cyan]○[/]"  # a bonus not earned is no failure
        worth = f"{_points(check.points)}/{_points(check.max_points)}" + (" bonus" if check.bonus else "")
        out.line(f"  {mark} {escape(check.title)} [dim]({escape(check.function)}, {worth})[/]")
        if check in not_run:
            out.line("      [dim]not run: the module does not import[/]")
            continue
        if check.status == CheckStatus.GRADER_ERROR and elsewhere:
            out.prose(GRADER_FAILED, 6)  # its traceback is the grader's business, not the learner's
            continue
        if check.status != CheckStatus.PASSED and check.message:
            out.prose(check.message, 6)
        if check.status != CheckStatus.PASSED and check.picture and not elsewhere:  # a file of the grader's
            out.prose(f"Picture: {_shown_path(check.picture)}", 6, style="cyan", wrap=False)
        if check.status in (CheckStatus.FAILED, CheckStatus.ERROR) and check.snippet:
            out.line("      [dim]To reproduce:[/]")
            out.code(check.snippet, 8)


def _print_unavailable(out: Writer, report: GradeReport, elsewhere: bool = False) -> None:
    """Exercises skipped because an optional package is missing: why, and the command that installs it.

    ``elsewhere``: it is missing where the learner's work was graded, which only the
    instructor can change: no command.
    """
    by_needs: dict[tuple, list[results.ExerciseResult]] = {}
    for exercise in report.exercises:
        known = catalog.active().by_name.get(exercise.name)
        if (exercise.status == ExerciseStatus.SKIPPED and known is not None and known.needs
                and any(c.message.startswith("needs ") for c in exercise.checks)):
            by_needs.setdefault(known.needs, []).append(exercise)
    for needs, skipped in by_needs.items():
        names = ", ".join(f"{e.number}. {e.name}" for e in skipped)
        they = "they need" if len(skipped) > 1 else "it needs"
        if elsewhere:
            out.line(f"\n[bold]{escape(names)}[/]: skipped, because {they} {escape(', '.join(needs))}, which is not "
                     "installed where your work was graded; it counts for nothing. Your instructor can install it.")
            continue
        out.line(f"\n[bold]{escape(names)}[/]: skipped, because {they} {escape(', '.join(needs))}, which is not "
                 "installed for this Python. Install it with:")
        out.code(catalog.active().by_name[skipped[0].name].install_command(needs), 4)
        root = catalog.active().root
        if (root / "noxfile.py").exists():
            out.line("  or grade in an environment of its own, which nox builds with it installed:")
            out.code("\n".join(f"cd {shlex.quote(str(root))} && python3 -m nox -s {e.name}"
                               for e in skipped), 4)


def _print_start_here(out: Writer, report: GradeReport, watching: bool = False, elsewhere: bool = False) -> None:
    """For exercises not started yet: the file to edit, its page, the hint command (once, for the first).

    ``elsewhere``: the learner's file by its name, the page within the course, and the
    commands as the learner runs them in their own folder (no ``--target``).
    """
    waiting = sorted((e for e in report.exercises if e.status == ExerciseStatus.NOT_STARTED), key=lambda e: e.number)
    if not waiting:
        return
    started = [e for e in report.exercises
               if e.status not in (ExerciseStatus.NOT_STARTED, ExerciseStatus.MISSING, ExerciseStatus.SKIPPED)]
    first = waiting[0]
    known = catalog.active().by_name.get(first.name)
    heading = "Start here" if not started else "Not started yet"
    out.line(f"\n[bold]{heading}: {first.number}. {escape(first.name)}[/] — {escape(first.title)}")
    if elsewhere:
        target, edit = "", f"{first.name}.py"
    else:
        default = Path(report.target).resolve() == Path("exercises").resolve()
        target = "" if default else f" --target {shlex.quote(report.target)}"
        edit = _shown_path(str(Path(report.target) / f"{first.name}.py"))
    out.line(f"  Edit    {escape(edit)}  [dim](every place to fill in is marked # TODO:)[/]", wrap=False)
    if known is not None and known.page.exists():
        page = grader_paths.course_page(known.page) if elsewhere else _shown_path(str(known.page))
        out.line(f"  Read    {escape(page)}  [dim](the idea, the pitfalls, a picture)[/]", wrap=False)
    # As the learner's own shell can run it: under nox, `pixelgrade` is not on their PATH.
    command = escape(invocation.command())
    out.line(f"  Stuck?  {command} hint {escape(first.name)}", wrap=False)
    if not watching:
        out.line(f"  Grade   {command} {escape(first.name)}{escape(target)}", wrap=False)
        out.line(f"  Watch   {command} watch{escape(target)}  [dim](re-grades on every save)[/]", wrap=False)
    more = len(waiting) - 1
    if more:
        out.line(f"  [dim]{more} more exercise{'s are' if more > 1 else ' is'} not started yet: "
                 f"{'take them' if more > 1 else 'it comes'} after this one, in course order.[/]")


GRADER_FAILED = "pixelgrade itself failed while running this check (not your fault); your instructor has been told."


def _print_misconfigured(out: Writer, report: GradeReport, errors: list) -> list:
    """The exercises an instructor's grading could not run for want of a package or data, said once; the rest.

    The learner reads that the autograder is misconfigured, which is their instructor's to
    fix, and never the install command or the data's path (they are the grading machine's).
    """
    misconfigured = [c for c in errors if c.message.startswith(catalog.MISCONFIGURED)]
    names = {c.exercise for c in misconfigured}
    if names:
        shown = ", ".join(f"{e.number}. {e.name}" for e in report.exercises if e.name in names)
        out.line(f"\n[bold magenta]{escape(shown)}: checks not run, because the autograder is misconfigured[/] "
                 "(something they need is missing where your work was graded). This is not your fault: your "
                 "instructor has been told, and their points stay in the maximum until your work is graded again.")
    return [c for c in errors if c not in misconfigured]


def _print_grader_errors(out: Writer, report: GradeReport, elsewhere: bool = False) -> None:
    """The checks pixelgrade failed in; ``elsewhere``: which ones, without the grader's internals."""
    errors = report.grader_errors
    if not errors:
        return
    if elsewhere:
        errors = _print_misconfigured(out, report, errors)
        if not errors:
            return
        out.line(f"\n[bold magenta]pixelgrade itself failed in {len(errors)} check(s) (not your fault).[/] "
                 "Your instructor has been told.")
        for check in errors:
            out.line(f"  [magenta]![/] {escape(check.title)} [dim]({escape(check.function or check.exercise)})[/]")
        return
    out.line(f"\n[bold magenta]pixelgrade itself failed in {len(errors)} check(s).[/] "
             "This is not your fault; please report it to your instructor.")
    for check in errors:
        out.line(f"  [magenta]![/] {escape(check.id)}")
        out.prose(check.message, 6)


def _not_run_count(not_run: list, public: bool) -> str:
    """"23 checks not run (0/30 points)": the checks the exercise's line counts, in its unit.

    That line counts points over the checks that count (no bonus, none skipped), or, in
    the public view (no grade), public checks passed: "(0/2 public checks passed)". Said
    in the same unit, a submission that could not be read shows one number twice, not
    "0/2" above and "(0/3)" below.
    """
    counted = visibility.counted(not_run) or not_run  # only bonus checks not run: those are what there is to say
    checks = f"{len(counted)} check{'s' if len(counted) != 1 else ''} not run"
    if public:
        return f"{checks} [dim](0/{len(counted)} public checks passed)[/]"
    return f"{checks} [dim](0/{_points(sum(c.max_points for c in counted if not c.bonus))} points)[/]"


def _render_public_report(public: GradeReport, out: Writer, verbose: bool, watching: bool = False,
                          elsewhere: bool = False) -> None:
    """The learner view of a report whose hidden checks were left out: counts, no grade."""
    out.line(f"\n[bold]pixelgrade[/] — {escape(_target_shown(public, elsewhere))}\n")
    for exercise in public.exercises:
        style = STATUS_STYLE.get(exercise.status, "")
        passed, total = visibility.exercise_public_counts(exercise)
        # Columns: number, name, status, then the count in words (never run together).
        out.line(f" {exercise.number:>2} {exercise.name:<14} [{style}]{exercise.status:<12}[/] "
                 f"{passed:>3}/{total:<3} public checks passed")
    _render_body(public, out, verbose, watching, elsewhere, public=True)
    passed, total = visibility.public_counts(public)
    out.line(f"\n[bold]Public checks passed: {passed}/{total}[/]. Your instructor also grades with checks "
             "that are not shown here, so this is not your final grade.")
    _print_isolation(out, public)


def _shown_path(path: str) -> str:
    """``path`` relative to the working directory when it lies inside it (shorter to read)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line.strip() else "" for line in text.splitlines())


# -- writers: where the report goes (a terminal here; HTML in grader.writers.notebook_html) ---
class Writer:
    """Where a report goes: lines of report markup, prose that may wrap, code that never does."""

    def line(self, markup: str, *, wrap: bool = True) -> None:
        """A line of the report's own markup (rich markup; learner text in it is ``escape``d)."""
        raise NotImplementedError

    def prose(self, text: str, indent: int, *, style: str = "", wrap: bool = True) -> None:
        """Plain text (a message, which may hold the learner's own words), indented; it may wrap."""
        raise NotImplementedError

    def code(self, text: str, indent: int) -> None:
        """Python or shell code to copy: indented, highlighted, never wrapped or cut."""
        raise NotImplementedError

    def block(self, text: str, indent: int) -> None:
        """Preformatted text whose lines must stay as they are (a syntax error's line and caret)."""
        raise NotImplementedError


class GraderPathsHidden(Writer):
    """A writer for a report read elsewhere: every text it is given loses the grading machine's paths first."""

    def __init__(self, out: Writer, target: str):
        self.out, self.target = out, target

    def _hide(self, text: str) -> str:
        return grader_paths.hide(text, self.target)

    def line(self, markup: str, *, wrap: bool = True) -> None:
        self.out.line(self._hide(markup), wrap=wrap)

    def prose(self, text: str, indent: int, *, style: str = "", wrap: bool = True) -> None:
        self.out.prose(self._hide(text), indent, style=style, wrap=wrap)

    def code(self, text: str, indent: int) -> None:
        self.out.code(self._hide(text), indent)

    def block(self, text: str, indent: int) -> None:
        self.out.block(self._hide(text), indent)


class TerminalWriter(Writer):
    """The report on a rich console: colour where it has colour, prose wrapped at its width.

    Every text is cleaned first (:func:`grader.writers.escaping.terminal`): an escape code in
    a learner's message is never sent to the terminal.
    """

    def __init__(self, console: Console):
        self.console = console

    def line(self, markup: str, *, wrap: bool = True) -> None:
        markup = escaping.terminal(markup)
        self.console.print(markup, soft_wrap=None if wrap else True)  # None: the console's own setting

    def prose(self, text: str, indent: int, *, style: str = "", wrap: bool = True) -> None:
        text = escaping.terminal(text)
        if not wrap:
            self.console.print(Text(_indent(text, indent), style=style), soft_wrap=True)
            return
        # Wrapped lines keep the indent, so that a message stays under its check.
        width = max(self.console.width, indent + 20)
        lines = []
        for line in text.splitlines():
            lead = " " * (indent + len(line) - len(line.lstrip(" ")))  # a line's own indent is kept too
            lines.append(textwrap.fill(line.strip(" "), width, initial_indent=lead, subsequent_indent=lead,
                                       break_long_words=False, break_on_hyphens=False) if line.strip() else "")
        self.console.print(Text("\n".join(lines), style=style), soft_wrap=True)

    def code(self, text: str, indent: int) -> None:
        text = escaping.terminal(text)
        # soft_wrap: printed as is, however wide the terminal (a cut or wrapped line would not run).
        syntax = Syntax("", "python", theme="ansi_dark", background_color="default")
        highlighted = syntax.highlight(_indent(text, indent))
        highlighted.rstrip()
        self.console.print(highlighted, soft_wrap=True)

    def block(self, text: str, indent: int) -> None:
        self.console.print(Text(_indent(escaping.terminal(text), indent)), soft_wrap=True)
