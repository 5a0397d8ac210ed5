"""The course's catalog, as the engine sees it: read from ``course/course.toml``.

The catalog lists the exercises in order (an exercise's number is its position) and,
for each, its title, its functions, the calls each function may not make (the
oracle it is graded against), the worker's limits, the optional packages its checks
need, its accuracy thresholds and its hints. The engine knows no exercise by name:
everything it grades, lists, hints or shows comes from here. ``PIXELGRADE_COURSE``
names another catalog file (a course of one's own, or a copy under test); the
folders beside it follow the same layout (see CONTRIBUTING.md).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shlex
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from grader.sandbox.client import Limits

DEFAULT_EXAMPLES = 30  # Hypothesis examples per property in a full grade (grader.core.runner's default)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CATALOG_FILE = Path(os.environ.get("PIXELGRADE_COURSE") or PROJECT_ROOT / "course" / "course.toml").resolve()
COURSE_DIR = CATALOG_FILE.parent  # course/: the catalog, the checks, the course's own modules
COURSE_ROOT = COURSE_DIR.parent  # beside it: exercises/, solutions/, docs/
CHECKS_DIR = COURSE_DIR / "checks"
SOLUTIONS_DIR = COURSE_ROOT / "solutions"
STUBS_DIR = COURSE_ROOT / "exercises"
DOCS_DIR = COURSE_ROOT / "docs"
IMAGES_DIR = DOCS_DIR / "images"


class CatalogError(ValueError):
    """The catalog file is malformed: the message names the entry and the key."""


@dataclass(frozen=True)
class Exercise:
    name: str
    number: int
    title: str
    functions: tuple = ()  # the contract's functions, in the stub's order
    off_limits: dict = field(default_factory=dict)  # function -> oracles it may not call
    limits: Limits = Limits()
    needs: tuple = ()  # optional packages the checks need ("tensorflow")
    thresholds: dict = field(default_factory=dict)  # source of digits -> held-out accuracy that earns the points
    hints: tuple = ()  # from gentle to specific

    @property
    def checks_file(self) -> Path:
        return CHECKS_DIR / f"test_{self.name}.py"

    @property
    def stub_file(self) -> Path:
        return STUBS_DIR / f"{self.name}.py"

    @property
    def solution_file(self) -> Path:
        return SOLUTIONS_DIR / f"{self.name}.py"

    @property
    def has_checks(self) -> bool:
        return self.checks_file.exists()

    @property
    def page(self) -> Path:
        """Its page in the course: ``docs/NN-<name>.md``."""
        return DOCS_DIR / f"{self.number:02d}-{self.name}.md"

    @property
    def picture(self) -> Path:
        """Its picture (``pixelgrade show <name>`` of the reference): ``docs/images/<name>.png``."""
        return IMAGES_DIR / f"{self.name}.png"

    def missing_needs(self) -> list[str]:
        """The optional packages its checks need (``needs``) that this Python cannot import."""
        return [name for name in self.needs if importlib.util.find_spec(name) is None]

    def unavailable_reason(self, missing) -> str:
        """Why its checks are skipped here (``missing`` optional packages), with the command that installs them."""
        return f"needs {', '.join(missing)}, which is not installed for this Python. {install_advice(self, missing)}"

    def misconfigured_reason(self, missing) -> str:
        """Why its checks did not run where an instructor grades (``missing`` optional packages): the set-up's fault.

        For the instructor (a grader error's message, which no learner-facing output shows):
        the install command is for the grading machine.
        """
        return (f"{MISCONFIGURED}: {self.name} needs {', '.join(missing)}, which is not installed where it was "
                f"graded, so none of its checks ran. This is the set-up's fault, not the submission's; it keeps its "
                f"points in the maximum. Install it with: {install_command(missing)}, then grade again.")


@functools.cache
def course_module(relative: str):
    """The course's Python module at ``COURSE_DIR / relative`` (``"renderings.py"``), loaded from its file.

    By its file, not by a package name, so that the engine follows whichever catalog
    ``PIXELGRADE_COURSE`` names.
    """
    path = COURSE_DIR / relative
    name = "pixelgrade_course." + relative.removesuffix(".py").replace("/", ".")
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or not path.is_file():
        raise FileNotFoundError(f"the course has no {relative} (looked for {path})")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # registered first, so that its dataclasses can find their module
    spec.loader.exec_module(module)
    return module


# Optional packages the checks may need -> the extra of pyproject.toml that installs them.
EXTRAS = {"tensorflow": "ml"}

# How the message of a check that an instructor's grading could not run for want of a package or data begins
# (Exercise.misconfigured_reason, grader.core.runner): the learner-facing writers recognise it by this.
MISCONFIGURED = "the autograder is misconfigured"


def install_command(missing) -> str:
    """The exact command that installs ``missing`` into the Python running the grader."""
    extras = sorted({EXTRAS.get(name, "") for name in missing} - {""})
    if extras:
        editable = (PROJECT_ROOT / "pyproject.toml").exists()
        spec = f"{PROJECT_ROOT if editable else 'pixelgrade'}[{','.join(extras)}]"
        return f"{shlex.quote(sys.executable)} -m pip install {'-e ' if editable else ''}{shlex.quote(spec)}"
    return f"{shlex.quote(sys.executable)} -m pip install {' '.join(shlex.quote(name) for name in missing)}"


def install_advice(exercise: Exercise, missing) -> str:
    """One sentence: the install command, and the nox session that grades ``exercise`` with what it needs."""
    advice = f"Install it with: {install_command(missing)}"
    if (PROJECT_ROOT / "noxfile.py").exists():
        advice += (f" (or grade it in an environment of its own: `python3 -m nox -s {exercise.name}`, "
                   f"run in {PROJECT_ROOT})")
    return advice + "."


_ENTRY_KEYS = {"name", "title", "functions", "off_limits", "limits", "needs", "thresholds", "hints"}
_LIMIT_KEYS = set(Limits.__dataclass_fields__)


def _limits(value, presets: dict, where: str) -> Limits:
    if isinstance(value, str):
        if value not in presets:
            raise CatalogError(f"{where}: limits = {value!r} names no preset; choose from: {', '.join(presets)}")
        return presets[value]
    if not isinstance(value, dict) or set(value) - _LIMIT_KEYS:
        raise CatalogError(f"{where}: limits must be a preset's name or a table of {', '.join(sorted(_LIMIT_KEYS))}")
    return Limits(**{key: None if item == "unlimited" else item for key, item in value.items()})


def _exercise(number: int, entry: dict, presets: dict) -> Exercise:
    where = f"{CATALOG_FILE.name}: exercise {number} ({entry.get('name', 'no name')})"
    if not isinstance(entry.get("name"), str) or not entry["name"].isidentifier():
        raise CatalogError(f"{where}: name must be the exercise's module name, a Python identifier")
    unknown = set(entry) - _ENTRY_KEYS
    if unknown:
        raise CatalogError(f"{where}: unknown keys {sorted(unknown)}; allowed: {', '.join(sorted(_ENTRY_KEYS))}")
    off_limits: dict = {}
    for group in entry.get("off_limits", []):
        if set(group) != {"functions", "calls"}:
            raise CatalogError(f"{where}: every [[exercise.off_limits]] has exactly `functions` and `calls`")
        for function in group["functions"]:
            off_limits[function] = off_limits.get(function, ()) + tuple(group["calls"])
    return Exercise(
        name=entry["name"], number=number, title=entry.get("title", entry["name"]),
        functions=tuple(entry.get("functions", ())), off_limits=off_limits,
        limits=_limits(entry["limits"], presets, where) if "limits" in entry else Limits(),
        needs=tuple(entry.get("needs", ())), thresholds=dict(entry.get("thresholds", {})),
        hints=tuple(entry.get("hints", ())),
    )


def load_catalog(path: Path = CATALOG_FILE) -> tuple[Exercise, ...]:
    """Every exercise of the catalog file ``path``, in order; a malformed entry raises :class:`CatalogError`."""
    with open(path, "rb") as file:
        data = tomllib.load(file)
    presets = {}
    for key, table in data.get("limits", {}).items():
        presets[key] = _limits(table, {}, f"{path.name}: [limits.{key}]")
    exercises = tuple(_exercise(number, entry, presets)
                      for number, entry in enumerate(data.get("exercise", []), start=1))
    names = [exercise.name for exercise in exercises]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise CatalogError(f"{path.name}: exercises listed twice: {', '.join(repeated)}")
    return exercises


EXERCISES: tuple[Exercise, ...] = load_catalog()

BY_NAME = {exercise.name: exercise for exercise in EXERCISES}


HIDDEN_SUFFIX = "_hidden"  # an instructor's hidden checks: test_<exercise>_hidden.py


def hidden_check_files(directory: Path | None, exercises) -> list[Path]:
    """The hidden check files in ``directory`` for ``exercises`` (those that exist), in course order."""
    if directory is None:
        return []
    found = [Path(directory) / f"test_{e.name}{HIDDEN_SUFFIX}.py" for e in exercises]
    return [path for path in found if path.is_file()]


def gradable() -> list[Exercise]:
    """The exercises that have checks, in course order."""
    return [exercise for exercise in EXERCISES if exercise.has_checks]


def resolve(names) -> list[Exercise]:
    """Exercises by name, in the order given; an unknown name raises ValueError naming the choices."""
    chosen = []
    for name in names:
        if name not in BY_NAME:
            raise ValueError(f"unknown exercise {name!r}; choose from: {', '.join(BY_NAME)}")
        exercise = BY_NAME[name]
        if not exercise.has_checks:
            raise ValueError(f"exercise {name!r} has no checks yet")
        chosen.append(exercise)
    return chosen
