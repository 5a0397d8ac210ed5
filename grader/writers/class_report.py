"""The class report: one self-contained HTML page that shows an instructor what a class did not understand.

``summarise`` turns a :class:`~grader.instructor.batch.BatchReport` into plain data (per exercise
the score distribution, the checks failed most often with their most common message
and the misconception they point to; the submissions not graded; the speed-bonus
times); ``render_html`` only lays that data out, with a Jinja2 template and charts
drawn by matplotlib as inline SVG. The page needs no server, no script and no file
beside it: it opens in any browser. Jinja2 escapes every value the template shows
(autoescape on, whatever the template's name), and every text from a submission is
cleaned and cut in :func:`summarise` (:mod:`grader.writers.escaping`). Entries that are no
submission (README.txt) are listed as skipped and not counted.
"""

from __future__ import annotations

import io
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grader.core import diagnosis, results
from grader.core.results import CheckStatus, ExerciseStatus
from grader.instructor import batch as batches
from grader.instructor.batch import RowStatus
from grader.writers import escaping

TEMPLATES = Path(__file__).resolve().parent / "templates"
TOP_CHECKS = 5


@dataclass(frozen=True)
class FailedCheck:
    """A check many submissions failed: how many, what they were told most often, and why."""

    exercise: str
    title: str
    function: str
    failed: int
    attempted: int
    message: str  # the most common message's first line
    misconception: str = ""  # the most common diagnosis among the failures: its name
    misconception_sentence: str = ""
    misconception_count: int = 0


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


def _first_line(text: str, limit: int = 300) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return escaping.one_line(line, limit)


def _detail(check: results.CheckResult) -> str:
    """The message without the misconception's sentence (that is shown apart)."""
    message = check.message or ""
    if check.misconception and "\n" in message:
        message = message.split("\n", 1)[1]
    return _first_line(message)


def _misconception_text(identifier: str) -> tuple[str, str]:
    try:
        entry = diagnosis.catalog().by_id(identifier)
    except KeyError:
        return identifier, ""
    return entry.name, entry.explanation


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
            message = Counter(_detail(c) for c in failed).most_common(1)[0][0]
            diagnosed = Counter(c.misconception for c in failed if c.misconception)
            misconception, count = diagnosed.most_common(1)[0] if diagnosed else ("", 0)
            label, sentence = _misconception_text(misconception) if misconception else ("", "")
            check = titles[check_id]
            failed_checks.append(FailedCheck(name, check.title, check.function, len(failed), attempted[check_id],
                                             message, label, sentence, count))
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
    """The distribution of one exercise's scores as an inline SVG (deterministic: no dates, fixed ids)."""
    import matplotlib

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
