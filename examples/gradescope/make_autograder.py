"""Build the zip to upload as a Gradescope autograder.

    python3 examples/gradescope/make_autograder.py --hidden-checks examples/hidden_checks --out autograder.zip

The zip holds, at its root, ``setup.sh`` and ``run_autograder`` (from this folder), the
engine's source (``pyproject.toml``, ``README.md``, ``grader/``: setup.sh installs it), the course
(``course/``, with its ``course.toml``, and ``solutions/``) and the hidden checks as
``hidden_checks/``. Learners never see it. Standard library only.

setup.sh installs the engine with what the course requires (``[course] requires`` in its
``course.toml``) and, for the chosen exercises, what they need beyond that (``[course.optional]``).
``--exercises histogram,equalisation`` grades only those (written to ``pixelgrade-exercises.txt``,
which both scripts read): setup.sh then installs only what they need, so a course without
the machine-learning exercises builds no TensorFlow. By default every exercise is graded.
``--mnist FILE`` ships the instructor's own Keras-format digits (``pixelgrade-mnist.npz``),
which setup.sh uses instead of downloading Keras' copy of MNIST.
"""

from __future__ import annotations

import argparse
import stat
import tomllib
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# The engine's source (built and installed by setup.sh), then the course it grades.
COURSE = ("pyproject.toml", "README.md", "grader", "course", "solutions")
CATALOG = ROOT / "course" / "course.toml"
EXERCISES_FILE = "pixelgrade-exercises.txt"  # read by setup.sh and run_autograder
MNIST_FILE = "pixelgrade-mnist.npz"  # read by setup.sh


def _files(path: Path):
    if path.is_file():
        yield path
        return
    for file in sorted(path.rglob("*")):
        if file.is_file() and "__pycache__" not in file.parts and not file.name.endswith(".pyc"):
            yield file


def _info(name: str, executable: bool = False) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = ((stat.S_IFREG | (0o755 if executable else 0o644)) << 16)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _add(bundle: zipfile.ZipFile, file: Path, name: str, executable: bool = False) -> None:
    bundle.writestr(_info(name, executable), file.read_bytes())


def gradable_exercises() -> list[str]:
    """The exercises of the course's catalog that have checks, in course order (as the grader reads them)."""
    entries = tomllib.loads(CATALOG.read_text(encoding="utf-8"))["exercise"]
    return [entry["name"] for entry in entries
            if (ROOT / "course" / "checks" / f"test_{entry['name']}.py").is_file()]


def exercise_list(text: str) -> list[str]:
    """``--exercises``' value: names of gradable exercises, separated by commas (argparse's error otherwise)."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    known = gradable_exercises()
    unknown = [name for name in names if name not in known]
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"expected exercises separated by commas, from: {', '.join(known)}"
                                         + (f"; {', '.join(unknown)} is not one of them" if unknown else ""))
    return list(dict.fromkeys(names))


def build(out: Path, hidden_checks: Path | None = None, exercises: list[str] | None = None,
          mnist: Path | None = None) -> Path:
    """Write the autograder zip to ``out`` (the same bytes for the same files).

    ``exercises``: the names to grade (None: all). ``mnist``: a Keras-format ``.npz`` of
    the instructor's digits to ship (None: setup.sh downloads Keras' copy of MNIST).
    """
    if mnist is not None and not Path(mnist).is_file():
        raise ValueError(f"mnist must be a Keras-format .npz file; {str(mnist)!r} is not a file")
    with zipfile.ZipFile(out, "w") as bundle:
        _add(bundle, HERE / "setup.sh", "setup.sh", executable=True)
        _add(bundle, HERE / "run_autograder", "run_autograder", executable=True)
        for item in COURSE:
            for file in _files(ROOT / item):
                _add(bundle, file, file.relative_to(ROOT).as_posix())
        if hidden_checks is not None:
            for file in sorted(Path(hidden_checks).glob("test_*_hidden.py")):
                _add(bundle, file, f"hidden_checks/{file.name}")
        if exercises:
            bundle.writestr(_info(EXERCISES_FILE), ",".join(exercises) + "\n")
        if mnist is not None:
            _add(bundle, Path(mnist), MNIST_FILE)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden-checks", type=Path, help="a folder of test_<exercise>_hidden.py files")
    parser.add_argument("--exercises", type=exercise_list, metavar="NAME,...",
                        help="grade only these exercises (default: all); setup.sh installs only what they need")
    parser.add_argument("--mnist", type=Path, metavar="FILE",
                        help="a Keras-format MNIST .npz of your own to grade on (default: Keras' copy, downloaded "
                             "by setup.sh)")
    parser.add_argument("--out", type=Path, default=Path("autograder.zip"))
    args = parser.parse_args()
    if args.mnist is not None and not args.mnist.is_file():
        parser.error(f"--mnist {str(args.mnist)!r} is not a file")
    print(build(args.out, args.hidden_checks, args.exercises, args.mnist))


if __name__ == "__main__":
    main()
