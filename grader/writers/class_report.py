"""The class report: one self-contained HTML page that shows an instructor what a class did not understand.

``summarise`` turns a :class:`~grader.instructor.batch.BatchReport` into plain data (per exercise
the score distribution, the checks failed most often and what their failures point to; the
submissions not graded; the speed-bonus times); ``render_html`` only lays that data out, with a
Jinja2 template and charts drawn by matplotlib as inline SVG (left out where matplotlib is not
installed). The page needs no server, no script and no file beside it: it opens in any
browser. Jinja2 escapes every value the template shows (autoescape on, whatever the
template's name), and every text from a submission is cleaned and cut in :func:`summarise`
(:mod:`grader.writers.escaping`). Entries that are no submission (README.txt) are listed as
skipped and not counted.

What a failed check points to is told by counts, never by one learner's message: the
failures are grouped by cause (:func:`cause_of`: the mistake the grader named, else the
kind of failure, else the message with its values taken out), and only a cause that at
least :data:`COMMON_CAUSE` failures share is shown, as "5 of 7: ...". When no two
failures share one, the page says there is no common cause.
"""

from __future__ import annotations

import io
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grader.core import diagnosis, results
from grader.core.results import CheckStatus, ExerciseStatus
from grader.writers import batch_report as batches
from grader.writers import escaping
from grader.writers.batch_report import RowStatus

TEMPLATES = Path(__file__).resolve().parent / "templates"
TOP_CHECKS = 5
# A cause is shown once two failures share it: one learner's failure is an anecdote, two
# that failed the same way (each on their own) already say something about the teaching,
# and every cause is shown with its count ("2 of 40"), so a small group cannot pass for
# the class's. A share (say half) would hide the pair of named mistakes in a class of 40.
COMMON_CAUSE = 2
MOST_CAUSES = 4  # per check; the failures of any other cause are counted together


@dataclass(frozen=True)
class Cause:
    """What some failures of one check have in common, and how many of them share it."""

    label: str  # a named mistake's name, or a kind of failure: "raised TypeError", "returned the wrong dtype"
    count: int
    explanation: str = ""  # a named mistake's sentence (why it gives this result); "" for a kind of failure
    mistake: bool = False  # a mistake the grader named (grader.core.diagnosis), not a kind of failure


@dataclass(frozen=True)
class FailedCheck:
    """A check many submissions failed: how many, and the causes their failures share, with counts."""

    exercise: str
    title: str
    function: str
    failed: int
    attempted: int
    causes: tuple[Cause, ...] = ()  # each shared by at least COMMON_CAUSE failures, the most shared first
    rest: int = 0  # the failures of no cause shown
    rest_label: str = ""  # what they are: "each a cause of its own", "other causes"


@dataclass(frozen=True)
class ExerciseSummary:
    name: str
    number: int
    title: str
    max_points: float
    scores: tuple[float, ...]  # one per graded submission that has the exercise
    complete: int
    failed_checks: tuple[FailedCheck, ...]
    chart_svg: str = ""
    not_started: int = 0  # submissions whose module is still the stub (left out of the failure counts)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.scores) if self.scores else 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.scores) if self.scores else 0.0


@dataclass(frozen=True)
class Problem:
    """A submission that was not graded in full, and why."""

    id: str
    status: str
    notes: str


@dataclass(frozen=True)
class SpeedCheck:
    exercise: str
    title: str
    attempted: int
    passed: int
    ratios: tuple[float, ...]  # learner time / reference time, per submission that got that far

    @property
    def median_ratio(self) -> float | None:
        return statistics.median(self.ratios) if self.ratios else None


@dataclass(frozen=True)
class ClassSummary:
    submissions: int
    graded: int
    max_total: float
    totals: tuple[float, ...]
    exercises: tuple[ExerciseSummary, ...]
    problems: tuple[Problem, ...]
    speed: tuple[SpeedCheck, ...]
    warnings: tuple[str, ...] = ()
    settings: dict = field(default_factory=dict)
    skipped: tuple[Problem, ...] = ()  # entries that are no submission (README.txt): listed, not counted

    @property
    def median_total(self) -> float:
        return statistics.median(self.totals) if self.totals else 0.0


def _misconception_text(identifier: str) -> tuple[str, str]:
    try:
        entry = diagnosis.mistakes().by_id(identifier)
    except KeyError:
        return identifier, ""
    return entry.name, entry.explanation


# A failure whose status says it all, whatever its message.
_CAUSE_OF_STATUS = {
    CheckStatus.NOT_GRADED: "not graded (the submission could not be graded)",
    CheckStatus.OFF_LIMITS: "called the function it is graded against",
    CheckStatus.MISSING: "the module is missing",
    CheckStatus.GRADER_ERROR: "pixelgrade's own error (not the learner's)",
}
_NAME = r"([A-Za-z_][\w.]{0,79})"  # an exception's or a dtype's name, as the grader quotes it
# The kinds of failure, read from the words the grader writes (grader.kit.expect, grader.core.learner)
# once the call ("Called `f(...)`: ") is taken off: the first pattern that matches the message's
# start names its kind. Two failures of one kind are the same whatever values their messages quote.
_KINDS = tuple((re.compile(pattern), label) for pattern, label in (
    (rf"it raised {_NAME}", "raised {0}"),
    (r"it called `sys\.exit", "called sys.exit()"),
    (r"it (?:did not finish within|ran for) ", "timed out"),
    (r"(?:together with the processes it started, )?it ran out of memory", "ran out of memory"),
    (r"it started more processes", "started too many processes"),
    (r"it wrote more than", "wrote too much to its scratch folder"),
    (r"(?:the process running it|its process sent back)", "its process ended or crashed"),
    (r"its result could not be sent back", "returned something that cannot be sent back"),
    (r"returned an array of dtype", "returned the wrong dtype"),
    (r"returned an array of shape", "returned the wrong shape"),
    (rf"raised {_NAME}\(.*\); expected {_NAME}\.$", "raised {0} instead of {1}"),
    (r"raised .*; the message should name the argument", "its error message does not name the argument"),
    (rf"returned .*; expected it to raise {_NAME}\.$", "did not raise {0}"),
    (r"returned .*; expected (?:a plain |a numpy\.ndarray|an int\.|True or False\.)", "returned the wrong type"),
    (r"it modified its input", "modified its input in place"),
    (r"returned .*(?:that differs from|, expected )", "returned wrong values"),
    (rf"Importing `.*` raised {_NAME}", "importing the module raised {0}"),
    (r"Importing `.*` did not finish", "importing the module timed out"),
    (r"Python cannot read", "Python cannot read the module"),
    (r"Importing `", "the module cannot be imported"),
    (r"`.*` has no function", "the function is missing"),
))
_CALLED = re.compile(r"^Called `.*?`: ")
_QUOTED = re.compile(r"`[^`]*`|(?<!\w)'[^']*'(?!\w)|\"[^\"]*\"")  # not the ' of "isn't"
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_LABEL_LIMIT = 120
_CLASSIFIED_LIMIT = 2000  # the start of a message is enough to tell its kind, and bounds the matching


def cause_of(check: results.CheckResult) -> tuple[str, str]:
    """What makes this failure "the same" as another: ``(key, label)``, equal keys for the same cause.

    In order: the mistake the grader named (:mod:`grader.core.diagnosis`); a status that
    says it all (not graded, off limits...); the kind of failure its message tells
    (raised TypeError, wrong dtype, timed out...); else the message itself with the values
    it quotes (numbers, quoted text) taken out, so that "expected 15" and "expected 16" agree.
    """
    key, label = _cause_words(check)
    # A label can quote a submission (an exception's name, a message's words): cleaned and cut as any such text.
    return key, escaping.one_line(label, _LABEL_LIMIT)


def _cause_words(check: results.CheckResult) -> tuple[str, str]:
    if check.misconception:
        return f"mistake:{check.misconception}", _misconception_text(check.misconception)[0]
    if check.status in _CAUSE_OF_STATUS:
        return f"status:{check.status}", _CAUSE_OF_STATUS[check.status]
    detail = _message_detail(check.message)
    for pattern, label in _KINDS:
        found = pattern.match(detail)
        if found:
            label = label.format(*found.groups())
            return f"kind:{label}", label
    shape = _message_shape(detail)
    return f"message:{shape}", shape


def _message_detail(message: str) -> str:
    """The message's first line without the call it is about: what the grader said went wrong."""
    lines = (message or "").strip().splitlines()
    line = lines[0] if lines else ""
    return _CALLED.sub("", line[:_CLASSIFIED_LIMIT], count=1).strip()


def _message_shape(detail: str) -> str:
    """The message with the values it quotes taken out: "the counts add up to #; expected #"."""
    shape = _NUMBER.sub("#", _QUOTED.sub("…", detail))
    return " ".join(shape.split()).rstrip(".") or "no message"


def _failed_check(exercise: str, check: results.CheckResult, failed: list[results.CheckResult],
                  attempted: int) -> FailedCheck:
    """One row of "checks failed most often": the causes at least COMMON_CAUSE failures share, with counts."""
    labels: dict[str, str] = {}
    counts: Counter = Counter()
    for failure in failed:
        key, label = cause_of(failure)
        labels.setdefault(key, label)
        counts[key] += 1
    # The most shared first; named mistakes before kinds of failure at equal counts (they explain more).
    shared = sorted((key for key, count in counts.items() if count >= COMMON_CAUSE),
                    key=lambda key: (-counts[key], not key.startswith("mistake:"), labels[key]))
    shown = shared[:MOST_CAUSES]
    causes = tuple(_cause(key, labels[key], counts[key]) for key in shown)
    rest = len(failed) - sum(cause.count for cause in causes)
    return FailedCheck(exercise, check.title, check.function, len(failed), attempted, causes, rest,
                       _rest_label(rest, shared_left=len(shared) > len(shown)))


def _rest_label(rest: int, *, shared_left: bool) -> str:
    """What the failures of no cause shown are: shared causes left out (MOST_CAUSES), or each its own."""
    if not rest:
        return ""
    if shared_left:
        return "other causes"
    return "a cause of its own" if rest == 1 else "each a cause of its own"


def _cause(key: str, label: str, count: int) -> Cause:
    if key.startswith("mistake:"):
        return Cause(label, count, explanation=_misconception_text(key.removeprefix("mistake:"))[1], mistake=True)
    return Cause(label, count)


def _graded_rows(batch: batches.BatchReport):
    return [row for row in batch.rows if row.status in (RowStatus.GRADED, RowStatus.INCOMPLETE)]


def summarise(batch: batches.BatchReport) -> ClassSummary:
    """The class report's data, from a whole batch (hidden checks included: this is the instructor's view)."""
    graded = _graded_rows(batch)
    exercises = []
    speed = []
    for name in batch.exercises:
        reports = [row.exercise(name) for row in graded if any(e.name == name for e in row.report.exercises)]
        if not reports:
            continue
        first = reports[0]
        failures: dict[str, list[results.CheckResult]] = {}
        attempted: Counter = Counter()
        titles: dict[str, results.CheckResult] = {}
        timings: dict[str, list[results.CheckResult]] = {}
        for exercise in reports:
            for check in exercise.checks:
                # A stub left untouched says nothing about what the class misunderstood.
                if check.status in (CheckStatus.SKIPPED, CheckStatus.NOT_STARTED):
                    continue
                if check.bonus:
                    timings.setdefault(check.id, []).append(check)
                    continue
                attempted[check.id] += 1
                titles.setdefault(check.id, check)
                if check.status != CheckStatus.PASSED:
                    failures.setdefault(check.id, []).append(check)
        ranked = sorted(failures.items(), key=lambda item: (-len(item[1]), item[0]))[:TOP_CHECKS]
        failed_checks = []
        for check_id, failed in ranked:
            check = titles[check_id]
            failed_checks.append(_failed_check(name, check, failed, attempted[check_id]))
        for _, checks in sorted(timings.items()):
            ratios = tuple(float(c.measurements["ratio"]) for c in checks if "ratio" in c.measurements)
            speed.append(SpeedCheck(name, checks[0].title, len(checks),
                                    sum(c.status == CheckStatus.PASSED for c in checks), ratios))
        scores = tuple(float(e.points) for e in reports)
        exercises.append(ExerciseSummary(
            name=name, number=first.number, title=first.title, max_points=float(first.max_points), scores=scores,
            complete=sum(e.status == ExerciseStatus.COMPLETE for e in reports), failed_checks=tuple(failed_checks),
            not_started=sum(e.status == ExerciseStatus.NOT_STARTED for e in reports),
            chart_svg=_histogram_svg(scores, float(first.max_points), f"{first.number}. {name}")))
    problems = tuple(_problem(row) for row in batch.submission_rows if row.status != RowStatus.GRADED)
    max_total = batch.max_total or max((row.max_total for row in graded), default=0.0)
    return ClassSummary(submissions=len(batch.submission_rows), graded=len(graded), max_total=float(max_total),
                        totals=tuple(float(row.total) for row in graded), exercises=tuple(exercises),
                        problems=problems, speed=tuple(speed),
                        warnings=tuple(escaping.note(w) for w in batch.warnings),
                        settings={key: escaping.one_line(value, escaping.NOTE_LIMIT) if isinstance(value, str)
                                  else value for key, value in batch.settings.items()},
                        skipped=tuple(map(_problem, batch.skipped_rows)))


def _problem(row: batches.SubmissionRow) -> Problem:
    return Problem(row.id, str(row.status), escaping.one_line("; ".join(row.notes), escaping.CSV_CELL_LIMIT))


def _histogram_svg(scores, most: float, title: str) -> str:
    """The distribution of one exercise's scores as an inline SVG (deterministic: no dates, fixed ids).

    "" where matplotlib is not installed (the engine without its ``pictures`` extra): the
    page then shows the exercise's figures without the chart.
    """
    try:
        import matplotlib
    except ImportError:
        return ""

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4.2, 2.2), dpi=100)
    axes = figure.add_subplot()
    top = max(most, max(scores, default=0.0), 1.0)
    if top <= 20:  # a bar per whole score
        edges = np.arange(-0.5, np.ceil(top) + 1)
        axes.xaxis.get_major_locator().set_params(integer=True)
    else:
        edges = np.linspace(0, top, 11)
    axes.hist(scores, bins=edges, color="#3b7dd8", edgecolor="white")
    axes.set_xlim(edges[0], edges[-1])
    axes.set_xlabel("points")
    axes.set_ylabel("submissions")
    axes.set_title(title, fontsize=10)
    axes.yaxis.get_major_locator().set_params(integer=True)
    figure.tight_layout()
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "pixelgrade", "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]  # inline: no XML declaration or DOCTYPE inside the HTML


def render_html(summary: ClassSummary) -> str:
    """The page, from the summary's data (the template only lays it out)."""
    import jinja2

    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                     undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters["points"] = lambda value: f"{value:g}"
    return environment.get_template("class_report.html.j2").render(summary=summary)


def class_report_html(batch: batches.BatchReport) -> str:
    return render_html(summarise(batch))
