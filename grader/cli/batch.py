"""``pixelgrade batch``: grade many submissions into a gradebook (a thin layer over :mod:`grader.instructor.batch`)."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from grader import api
from grader.cli import arguments
from grader.exitcodes import ExitCode
from grader.instructor import batch, ipynb
from grader.instructor.batch import exports
from grader.sandbox import isolation
from grader.writers import gradebook, markdown
from grader.writers.progress import SubmissionProgress


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pixelgrade batch",
        description="Grade every submission (a directory or a .zip of exercise modules), each in its own "
                    "processes, several at once, into a gradebook (CSV), a Markdown summary, JUnit XML, "
                    "per-submission JSON, Gradescope results and learner feedback.",
        epilog="Every submission gets a row, whatever it does; its status says why it has the grades it has. "
               "Exit status: 0 done, 2 bad usage, 3 the batch is not trustworthy (the reference solutions lost "
               "points, the grader's files changed, or an output lacks a check).",
    )
    parser.add_argument("submissions", nargs="+", metavar="SUBMISSIONS",
                        help="a submission (a directory holding exercise modules, a .zip, .tar.gz or .ipynb), or a "
                             "folder of them: plain, or a Canvas, Moodle or GitHub Classroom export")
    parser.add_argument("-e", "--exercise", action="append", default=[], metavar="EXERCISE",
                        help="an exercise to grade (repeat, or separate with commas; default: all)")
    parser.add_argument("--out", default="pixelgrade-batch", metavar="DIR",
                        help="where the outputs go (default: pixelgrade-batch)")
    parser.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                        help=f"submissions graded at once (default: the number of cores, {batch.default_jobs()})")
    parser.add_argument("--shard", metavar="I/N", help="grade only shard I of N (merge them with pixelgrade merge)")
    arguments.add_require_isolation(parser)
    arguments.add_course(parser)
    arguments.add_trust_submissions(parser)
    arguments.add_allow_public_heldout(parser)
    parser.add_argument("--hidden-checks", metavar="DIR",
                        help="a folder of hidden checks, test_<exercise>_hidden.py (never shown to learners)")
    arguments.add_hidden_visibility(parser)
    arguments.add_examples(parser)
    arguments.add_timeout(parser)
    parser.add_argument("--submission-timeout", type=arguments.positive_seconds, metavar="SECONDS",
                        help="time limit for grading one whole submission (default: 600, 1800 with the ML exercises)")
    parser.add_argument("--notebook-map", action="append", default=[], metavar="NOTEBOOK=EXERCISE,...",
                        help="the exercises a notebook holds, e.g. 'homework.ipynb=histogram,equalisation' "
                             "(repeat; default: found by the functions it defines)")
    parser.add_argument("--single", action="store_true",
                        help="each SUBMISSIONS path is one submission, whatever it holds (Gradescope)")
    parser.add_argument("--assignment", type=assignment_title, metavar="TITLE",
                        help="the Canvas assignment canvas-import.csv fills, as Canvas's Gradebook export names its "
                             "column: 'Homework 1 (12345)' (default: 'pixelgrade: <exercises>', which Canvas's "
                             "import adds as a new assignment)")
    parser.add_argument("--gradescope-results", metavar="PATH",
                        help="also write the (single) submission's Gradescope results.json to PATH")
    parser.add_argument("--summary-to", metavar="PATH",
                        help="also append the Markdown summary to PATH (e.g. $GITHUB_STEP_SUMMARY)")
    parser.add_argument("--workdir", metavar="DIR", help="where submissions are staged (default: a temporary folder)")
    parser.add_argument("--launcher", choices=("fork", "exec"),
                        help="start each grading from a warm fork server (fork) or a fresh interpreter (exec)")
    return parser


def assignment_title(text: str) -> str:
    """``--assignment``'s value: one line of text, not empty (argparse's usage error otherwise)."""
    title = " ".join(text.split())
    if not title:
        raise argparse.ArgumentTypeError("expected the Canvas assignment's column title, like 'Homework 1 (12345)'")
    return title


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def main(argv: list[str]) -> ExitCode:
    args = build_parser().parse_args(argv)
    console = Console()
    errors = Console(stderr=True)

    def usage(message: str) -> ExitCode:
        errors.print(f"[red]pixelgrade batch: {escape(message)}[/]")
        return ExitCode.USAGE

    names = [name.strip() for value in args.exercise for name in value.split(",") if name.strip()]
    if args.jobs is not None and args.jobs < 1:
        return usage("--jobs must be at least 1")
    if args.require_isolation:
        try:
            isolation.require_full()
        except isolation.IsolationUnavailable as error:
            return usage(str(error))
    try:
        level = api.refuse_unprotected(purpose="pixelgrade batch", trust_submissions=args.trust_submissions,
                                       hidden_checks=args.hidden_checks)
    except api.LearnerCodeRefused as error:
        return usage(str(error))
    if args.trust_submissions and not level.protects_others:
        errors.print(f"[bold red]--trust-submissions: grading other people's code unprotected[/] "
                     f"({escape('; '.join(level.unprotected()))}); every report records it.")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        return usage(f"--out {args.out!r} is a file; name a folder")
    try:
        shard = batch.parse_shard(args.shard) if args.shard else None
        notebook_map = ipynb.parse_mapping(args.notebook_map)
        found = exports.discover(args.submissions, single=args.single, shard=shard)  # warns about its rows only
        submissions = found.submissions
        if any(_inside(out, submission.path) for submission in submissions):
            return usage(f"--out {args.out!r} lies inside a submission; choose a folder of its own")
        if args.gradescope_results and len(submissions) != 1:
            return usage(f"--gradescope-results needs exactly one submission; found {len(submissions)}")
        for line in found.describe():
            errors.print(f"[bold]layout:[/] {escape(line)}")
        with SubmissionProgress(errors) as progress:
            report = batch.grade_batch(submissions, exercises=names or None, jobs=args.jobs, shard=shard,
                                       hidden_checks=args.hidden_checks, max_examples=args.examples,
                                       timeout_s=args.timeout, submission_timeout_s=args.submission_timeout,
                                       progress=progress, workdir=args.workdir, launcher=args.launcher,
                                       notebook_map=notebook_map, trust_submissions=args.trust_submissions,
                                       allow_public_heldout=args.allow_public_heldout)
    except (ValueError, api.LearnerCodeRefused) as error:
        return usage(str(error))
    if args.assignment:  # in batch.json's settings, so that the shards' merge writes the same canvas-import.csv
        report.settings["assignment"] = args.assignment
    written = gradebook.write_all(report, out, hidden_visibility=args.hidden_visibility)
    if args.gradescope_results and report.rows:
        target = Path(args.gradescope_results)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out / "gradescope" / f"{report.rows[0].id}.json", target)
    if args.summary_to:
        with open(args.summary_to, "a", encoding="utf-8") as summary:
            summary.write(markdown.for_batch(report))
    problems = gradebook.audit(report, out)
    _print_outcome(console, report, written, problems, found)
    return ExitCode.GRADER_ERROR if problems or report.warnings else ExitCode.OK


def _print_outcome(console: Console, report: batch.BatchReport, written: dict, problems: list[str],
                   found: exports.Discovery | None = None) -> None:
    shard = f" (shard {report.shard[0]}/{report.shard[1]})" if report.shard[1] > 1 else ""
    counted = report.submission_rows  # a README.txt beside the submissions is listed, never counted
    rate = len(counted) / report.seconds * 60 if report.seconds else 0.0
    plural = "" if len(counted) == 1 else "s"
    console.print(f"\n[bold]pixelgrade batch[/]: {len(counted)} submission{plural}{shard} in "
                  f"{report.seconds:.1f} s ({rate:.1f} per minute, {report.jobs} at a time)")
    for line in found.describe() if found else []:
        console.print(f"  layout: {escape(line)}")
    skipped = report.skipped_rows
    if skipped:
        console.print(f"  [yellow]skipped, not submissions:[/] {escape(', '.join(row.id for row in skipped))}")
    for status, count in sorted(report.status_counts(submissions_only=True).items()):
        style = "green" if status == batch.RowStatus.GRADED else "yellow"
        console.print(f"  [{style}]{count:>5}  {escape(status)}[/]")
    for warning in found.warnings if found else []:
        console.print(f"[yellow]warning:[/] {escape(warning)}")
    for warning in report.warnings:
        console.print(f"[bold red]warning:[/] {escape(warning)}")
    refused = report.settings.get("refused") or {}
    for why in dict.fromkeys(refused.values()):
        names = ", ".join(name for name, reason in refused.items() if reason == why)
        console.print(f"[yellow]not graded:[/] {escape(names)}. {escape(why)}")
    for problem in problems:
        console.print(f"[bold red]incomplete output:[/] {escape(problem)}")
    console.print("Gradebook: " + escape(str(written["gradebook"])) + "; summary: " + escape(str(written["summary"]))
                  + "; JUnit: " + escape(str(written["junit"])) + "; class report: "
                  + escape(str(written["class report"])))
    imports = [f"{what}: {written[what]}" for what in gradebook.LMS_IMPORTS if what in written]
    if imports:
        console.print("LMS import files (README: Importing the grades): " + escape("; ".join(imports)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
