"""``pixelgrade new DIR``: write a new course, with one example exercise that ``pixelgrade dev check`` passes.

The course is a copy of ``grader/templates/new_course/`` (its ``course.toml``, ``README.md``,
the stub, the solution, the checks and the page of the example exercise ``averages``), with
the course's title written in. ``DIR`` must not exist yet, or be empty: nothing is ever
overwritten. The course author's guide (``docs/course-authors.md``) goes on from there.
"""

from __future__ import annotations

import argparse
import json
import shlex
from importlib import resources
from pathlib import Path

from grader.exitcodes import ExitCode

TEMPLATE = ("templates", "new_course")
EXAMPLE = "averages"  # the template's one exercise
TITLE_MARK = "__TITLE__"  # where course.toml and README.md take the course's title
SKIPPED = {"__pycache__"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pixelgrade new",
        description=f"Write a new course in DIR, with one example exercise ({EXAMPLE}: its stub, solution, "
                    f"checks, page and hints) that `pixelgrade dev check` passes as written.",
        epilog="Exit status: 0 written, 2 bad usage (DIR exists and is not empty).")
    parser.add_argument("folder", metavar="DIR", help="the course's folder: a new one, or an empty one")
    parser.add_argument("--title", help="the course's title (default: from DIR's name, 'my-course' -> 'My course')")
    return parser


def template_files():
    """The template's files, as (path relative to the template, traversable) pairs, in a fixed order."""
    root = resources.files("grader").joinpath(*TEMPLATE)
    found, folders = [], [(Path(), root)]
    while folders:
        relative, folder = folders.pop()
        for item in sorted(folder.iterdir(), key=lambda item: item.name):
            if item.name in SKIPPED or item.name.endswith(".pyc"):
                continue
            if item.is_dir():
                folders.append((relative / item.name, item))
            else:
                found.append((relative / item.name, item))
    return sorted(found, key=lambda pair: pair[0].as_posix())


def write_course(folder: Path, title: str) -> list[Path]:
    """Copy the template into ``folder`` (which must not exist or be empty), the title written in; the files."""
    written = []
    for relative, item in template_files():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = item.read_text(encoding="utf-8")
        if relative.suffix == ".toml":  # a TOML string there: quotes and backslashes escaped
            text = text.replace(f'"{TITLE_MARK}"', json.dumps(title, ensure_ascii=False))
        path.write_text(text.replace(TITLE_MARK, title), encoding="utf-8")
        written.append(path)
    return written


def default_title(folder: Path) -> str:
    words = folder.resolve().name.replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "My course"


def next_steps(folder: Path) -> str:
    """The commands that take the new course from here, as the author types them."""
    from grader.writers.invocation import command

    program = command(cwd=folder.resolve())
    steps = [
        (f"cd {shlex.quote(str(folder))}", ""),
        (f"{program} dev check", "# the course is complete: the stub fails, the solution passes"),
        (f"{program} --target solutions", "# the reference solution earns full marks"),
        (f"{program} {EXAMPLE}", "# grade the stub in exercises/, as a learner would"),
        (f"{program} hint {EXAMPLE}", "# the first hint"),
    ]
    width = max(len(step) for step, _ in steps)
    return "\n".join(f"  {step.ljust(width)}  {why}".rstrip() for step, why in steps)


def main(argv: list[str]) -> ExitCode:
    args = build_parser().parse_args(argv)
    folder = Path(args.folder)
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        print(f"pixelgrade new: {folder} is a file or a link; expected a new folder (or an empty one) for the course")
        return ExitCode.USAGE
    if folder.is_dir() and any(folder.iterdir()):
        print(f"pixelgrade new: {folder} exists and is not empty; give a new folder (or an empty one): "
              f"nothing is overwritten")
        return ExitCode.USAGE
    title = args.title or default_title(folder)
    if not title.isprintable():
        print(f"pixelgrade new: --title {title!r}: expected one line of printable text")
        return ExitCode.USAGE
    written = write_course(folder, title)
    print(f"Wrote the course {title!r} in {folder}, with one example exercise, {EXAMPLE}:")
    for path in written:
        print(f"  {path.relative_to(folder).as_posix()}")
    print(f"\nNext steps:\n{next_steps(folder)}\n\nThen add your own exercises: an [[exercise]] entry in "
          f"course.toml and its four files (the course author's guide, docs/course-authors.md in pixelgrade's "
          f"repository, says how).")
    return ExitCode.OK
