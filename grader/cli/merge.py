"""``pixelgrade merge``: join the shard results of one batch into one gradebook."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from grader.cli import arguments
from grader.exitcodes import ExitCode
from grader.instructor import batch
from grader.writers import gradebook


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pixelgrade merge",
        description="Join the outputs of `pixelgrade batch --shard i/n` (one folder per shard) into one "
                    "gradebook, summary, JUnit report and batch.json. Refuses shards that overlap, that leave "
                    "a shard or a submission out, or that come from different batches.",
    )
    parser.add_argument("shards", nargs="+", metavar="SHARD_DIR", help="a shard's output folder (or its batch.json)")
    parser.add_argument("--out", required=True, metavar="DIR", help="where the merged outputs go")
    arguments.add_hidden_visibility(parser)
    arguments.add_course(parser)
    return parser


def main(argv: list[str]) -> ExitCode:
    args = build_parser().parse_args(argv)
    console = Console()
    try:
        batch.check_out_folder(args.out, args.shards)  # before anything is read or written
        merged = batch.merge([batch.load_batch(path) for path in args.shards])
    except batch.MergeError as error:
        Console(stderr=True).print(f"[red]pixelgrade merge: {escape(str(error))}[/]")
        return ExitCode.USAGE
    written = gradebook.write_all(merged, Path(args.out), hidden_visibility=args.hidden_visibility)
    problems = gradebook.audit(merged, args.out)
    for problem in problems:
        console.print(f"[bold red]incomplete output:[/] {escape(problem)}")
    console.print(f"Merged {len(args.shards)} shard(s), {len(merged.rows)} submissions: "
                  f"{escape(str(written['gradebook']))}")
    return ExitCode.GRADER_ERROR if problems else ExitCode.OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
