"""Build the zip to upload as a Gradescope autograder.

    python3 examples/gradescope/make_autograder.py --hidden-checks examples/hidden_checks --out autograder.zip

The zip holds, at its root, ``setup.sh`` and ``run_autograder`` (from this folder), the
course (``pyproject.toml``, ``README.md``, ``grader/``, ``course/``, ``solutions/``) and the hidden
checks as ``hidden_checks/``. Learners never see it. Standard library only.
"""

from __future__ import annotations

import argparse
import stat
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
COURSE = ("pyproject.toml", "README.md", "grader", "course", "solutions")


def _files(path: Path):
    if path.is_file():
        yield path
        return
    for file in sorted(path.rglob("*")):
        if file.is_file() and "__pycache__" not in file.parts and not file.name.endswith(".pyc"):
            yield file


def _add(bundle: zipfile.ZipFile, file: Path, name: str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = ((stat.S_IFREG | (0o755 if executable else 0o644)) << 16)
    info.compress_type = zipfile.ZIP_DEFLATED
    bundle.writestr(info, file.read_bytes())


def build(out: Path, hidden_checks: Path | None = None) -> Path:
    """Write the autograder zip to ``out`` (the same bytes for the same files)."""
    with zipfile.ZipFile(out, "w") as bundle:
        _add(bundle, HERE / "setup.sh", "setup.sh", executable=True)
        _add(bundle, HERE / "run_autograder", "run_autograder", executable=True)
        for item in COURSE:
            for file in _files(ROOT / item):
                _add(bundle, file, file.relative_to(ROOT).as_posix())
        if hidden_checks is not None:
            for file in sorted(Path(hidden_checks).glob("test_*_hidden.py")):
                _add(bundle, file, f"hidden_checks/{file.name}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden-checks", type=Path, help="a folder of test_<exercise>_hidden.py files")
    parser.add_argument("--out", type=Path, default=Path("autograder.zip"))
    args = parser.parse_args()
    print(build(args.out, args.hidden_checks))


if __name__ == "__main__":
    main()
