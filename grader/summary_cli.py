"""``pixelgrade summary``: a Markdown summary (and JUnit XML) of results already written.

For CI: ``pixelgrade --json results.json`` grades; ``pixelgrade summary results.json >>
"$GITHUB_STEP_SUMMARY"`` shows the outcome on the job's page. Also reads a batch's
``batch.json`` (or its output folder).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from grader import batch, gradebook

EXIT_OK, EXIT_USAGE = 0, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pixelgrade summary",
        description="Print a Markdown summary of `pixelgrade --json` results (or of a batch's batch.json).",
    )
    parser.add_argument("results", metavar="RESULTS", help="a JSON file from `pixelgrade --json`, or a batch folder")
    parser.add_argument("--learner-view", action="store_true",
                        help="leave hidden checks out; show 'public checks passed' instead of a grade")
    parser.add_argument("--junit", metavar="PATH", help="also write JUnit XML to PATH")
    parser.add_argument("--text", action="store_true",
                        help="print the terminal report of `pixelgrade --json` results instead of Markdown")
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    path = Path(args.results)
    file = path / "batch.json" if path.is_dir() else path
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"pixelgrade summary: cannot read {str(file)!r}: {error}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(data, dict) and data.get("format") == batch.FORMAT:
        report = batch.BatchReport.from_dict(data)
        text, junit = gradebook.markdown_summary(report), gradebook.junit_text(report)
    elif isinstance(data, dict) and "exercises" in data:
        report = batch.report_from_dict(data)
        text = gradebook.markdown_for_report(report, learner_view=args.learner_view)
        junit = gradebook.junit_for_report(report)
        if args.text:
            text = gradebook.learner_text(report) if args.learner_view else _terminal_text(report)
    else:
        print(f"pixelgrade summary: {str(file)!r} holds no pixelgrade results", file=sys.stderr)
        return EXIT_USAGE
    if args.junit:
        Path(args.junit).write_text(junit, encoding="utf-8")
    sys.stdout.write(text)
    return EXIT_OK


def _terminal_text(report) -> str:
    import io

    from rich.console import Console

    from grader import reports

    buffer = io.StringIO()
    reports.print_report(report, Console(file=buffer, width=100, color_system=None, soft_wrap=True))
    return buffer.getvalue()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
