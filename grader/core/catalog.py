"""A course, as the engine sees it: read from its ``course.toml`` and handed to whatever grades.

A course is a folder with a ``course.toml`` (the catalog). The catalog lists the exercises
in order (an exercise's number is its position) and, for each, its title, its functions,
the calls each function may not make (the oracle it is graded against), the worker's
limits, the optional packages its checks need, its accuracy thresholds and its hints. Its
``[course]`` table says where the course keeps its stubs, solutions, checks and pages, what
it must have installed, and its hooks (:mod:`grader.hookspec`). The engine knows no
exercise by name and holds no course: everything it grades, lists, hints or shows comes
from the :class:`Course` it was given.

Which course: ``--course DIR`` (``Settings.course``), else ``PIXELGRADE_COURSE``, else the
nearest ``course.toml`` (or ``course/course.toml``) in the current folder or above it, the
way tools find ``pyproject.toml``. Nothing is read when this module is imported: the
command that grades chooses the course (:func:`activate`), and the first use of
:func:`active` finds it otherwise. Every field of the catalog is checked when it is read:
a wrong type, a value out of range or an unknown key raises :class:`CatalogError` naming
the file, the entry and the key.
"""

from __future__ import annotations

import importlib.util
import math
import os
import shlex
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from grader import hookspec
from grader.sandbox import isolation
from grader.sandbox.client import Limits

DEFAULT_EXAMPLES = 30  # Hypothesis examples per property in a full grade (grader.core.runner's default)

CATALOG_NAME = "course.toml"
COURSE_ENV = "PIXELGRADE_COURSE"  # names a course: its folder or its course.toml

# How the message of a check that an instructor's grading could not run for want of a package or data begins
# (Exercise.misconfigured_reason, grader.core.runner): the learner-facing writers recognise it by this.
MISCONFIGURED = "the autograder is misconfigured"

HIDDEN_SUFFIX = "_hidden"  # an instructor's hidden checks: test_<exercise>_hidden.py


class CatalogError(ValueError):
    """The catalog file is malformed: the message names the file, the entry and the key."""


class CourseNotFound(ValueError):
    """No course was named and none was found above the current folder."""


@dataclass(frozen=True)
class Exercise:
    name: str
    number: int
    title: str
    functions: tuple = ()  # the contract's functions, in the stub's order
    off_limits: dict = field(default_factory=dict)  # function -> oracles it may not call
    limits: Limits = Limits()
    needs: tuple = ()  # optional packages the checks need ("tensorflow")
    thresholds: dict = field(default_factory=dict)  # source of data -> held-out accuracy that earns the points
    hints: tuple = ()  # from gentle to specific
    # Where its files are (from the course's [course] table), and the course's install advice.
    checks_file: Path = field(default=Path(), compare=False, repr=False)
    stub_file: Path = field(default=Path(), compare=False, repr=False)
    solution_file: Path = field(default=Path(), compare=False, repr=False)
    page: Path = field(default=Path(), compare=False, repr=False)  # docs/NN-<name>.md
    picture: Path = field(default=Path(), compare=False, repr=False)  # docs/images/<name>.png
    requirements: dict = field(default_factory=dict, compare=False, repr=False)  # need -> pip requirements
    course_root: Path = field(default=Path(), compare=False, repr=False)

    @property
    def has_checks(self) -> bool:
        return self.checks_file.is_file()

    def missing_needs(self) -> list[str]:
        """The optional packages its checks need (``needs``) that this Python cannot import."""
        return [name for name in self.needs if importlib.util.find_spec(name) is None]

    def install_command(self, missing) -> str:
        """The exact command that installs ``missing`` into the Python running the grader.

        The course's requirements for them (``[course.optional]``), those whose environment
        marker holds on this machine, without the marker (``tensorflow-cpu>=2.16``).
        """
        specs = [spec for name in missing for spec in _for_this_machine(self.requirements.get(name, (name,)))]
        return f"{shlex.quote(sys.executable)} -m pip install {' '.join(shlex.quote(spec) for spec in specs)}"

    def install_advice(self, missing) -> str:
        """One sentence: the install command, and the nox session that grades it with what it needs."""
        advice = f"Install it with: {self.install_command(missing)}"
        if (self.course_root / "noxfile.py").exists():
            advice += (f" (or grade it in an environment of its own: `python3 -m nox -s {self.name}`, "
                       f"run in {self.course_root})")
        return advice + "."

    def unavailable_reason(self, missing) -> str:
        """Why its checks are skipped here (``missing`` optional packages), with the command that installs them."""
        return f"needs {', '.join(missing)}, which is not installed for this Python. {self.install_advice(missing)}"

    def misconfigured_reason(self, missing) -> str:
        """Why its checks did not run where an instructor grades (``missing`` optional packages): the set-up's fault.

        For the instructor (a grader error's message, which no learner-facing output shows):
        the install command is for the grading machine.
        """
        return (f"{MISCONFIGURED}: {self.name} needs {', '.join(missing)}, which is not installed where it was "
                f"graded, so none of its checks ran. This is the set-up's fault, not the submission's; it keeps its "
                f"points in the maximum. Install it with: {self.install_command(missing)}, then grade again.")


def _for_this_machine(specs) -> list[str]:
    """The pip requirements of ``specs`` whose environment marker holds here, without it."""
    try:
        from packaging.requirements import InvalidRequirement, Requirement
    except ImportError:  # packaging comes with pip and pytest; without it, the requirements as written
        return list(specs)
    chosen = []
    for spec in specs:
        try:
            requirement = Requirement(spec)
        except InvalidRequirement:
            chosen.append(spec)
            continue
        if requirement.marker is None or requirement.marker.evaluate():
            requirement.marker = None
            chosen.append(str(requirement))
    return chosen


@dataclass(frozen=True)
class Course:
    """One course: its catalog file, its folders, its exercises in order, its hooks."""

    catalog_file: Path
    title: str
    stubs_dir: Path
    solutions_dir: Path
    checks_dir: Path
    docs_dir: Path
    exercises: tuple[Exercise, ...]
    requires: tuple[str, ...] = ()
    optional: dict = field(default_factory=dict)  # need -> pip requirements
    hooks: dict = field(default_factory=dict)  # hook name -> "file.py" or "file.py:attribute", relative to folder

    @property
    def folder(self) -> Path:
        """The folder of ``course.toml``: the course's own modules (its hooks) are found from here."""
        return self.catalog_file.parent

    @property
    def root(self) -> Path:
        """The folder that holds the course's stubs, solutions, checks and catalog: what a learner's copy holds."""
        return _root(self.folder, self.stubs_dir, self.solutions_dir, self.checks_dir)

    @property
    def images_dir(self) -> Path:
        return self.docs_dir / "images"

    @property
    def by_name(self) -> dict[str, Exercise]:
        return {exercise.name: exercise for exercise in self.exercises}

    def gradable(self) -> list[Exercise]:
        """The exercises that have checks, in course order."""
        return [exercise for exercise in self.exercises if exercise.has_checks]

    def resolve(self, names) -> list[Exercise]:
        """Exercises by name, in the order given; an unknown name raises ValueError naming the choices."""
        by_name, chosen = self.by_name, []
        for name in names:
            if name not in by_name:
                raise ValueError(f"unknown exercise {name!r}; choose from: {', '.join(by_name)}")
            exercise = by_name[name]
            if not exercise.has_checks:
                raise ValueError(f"exercise {name!r} has no checks yet")
            chosen.append(exercise)
        return chosen

    def hook(self, name: str):
        """The course's hook ``name`` (:mod:`grader.hookspec`), or None when the catalog declares none.

        A hook is declared in ``[course.hooks]`` as ``"module"`` or ``"module:attribute"``, the
        way entry points are: the module is imported by its name with the catalog's folder
        first on ``sys.path`` (so ``"renderings"`` is ``renderings.py`` beside ``course.toml``,
        and ``"checks.misconceptions:MISCONCEPTIONS"`` an attribute of ``checks/misconceptions.py``).
        """
        declared = self.hooks.get(name)
        if declared is None:
            return None
        module_name, _, attribute = declared.partition(":")
        self.importable()
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise CatalogError(f"{self.catalog_file}: [course.hooks] {name} = {declared!r}: cannot import "
                               f"{module_name!r} from {self.folder}: {error}") from None
        if not attribute:
            return module
        try:
            return getattr(module, attribute)
        except AttributeError:
            raise CatalogError(f"{self.catalog_file}: [course.hooks] {name} = {declared!r}: "
                               f"{module_name} has no {attribute!r}") from None

    def importable(self) -> None:
        """Put the catalog's folder first on ``sys.path``: the course's own modules import by their names."""
        if str(self.folder) not in sys.path:
            sys.path.insert(0, str(self.folder))


def _root(folder: Path, stubs: Path, solutions: Path, checks: Path) -> Path:
    """The folder that holds a course's catalog, stubs, solutions and checks (its pages may lie elsewhere)."""
    return Path(os.path.commonpath([folder, stubs, solutions, checks]))


# -- finding a course --------------------------------------------------------------------------
def _catalog_in(folder: Path) -> Path | None:
    for candidate in (folder / CATALOG_NAME, folder / "course" / CATALOG_NAME):
        if candidate.is_file():
            return candidate
    return None


def find_catalog(named: str | Path | None = None, *, start: Path | None = None, environ=None) -> Path:
    """The catalog file of the course ``named`` (a folder or a ``course.toml``), else of ``PIXELGRADE_COURSE``,
    else the nearest one in ``start`` (default: the current folder) or above it.

    A folder holds its course as ``course.toml`` or ``course/course.toml``. Raises
    :class:`CourseNotFound`, saying what was tried. ``environ``: where ``PIXELGRADE_COURSE`` is
    read (default: ``os.environ``).
    """
    environ = os.environ if environ is None else environ
    for source, value in (("--course", named), (COURSE_ENV, environ.get(COURSE_ENV))):
        if value in (None, ""):
            continue
        path = Path(value).expanduser()
        found = path if path.is_file() else _catalog_in(path) if path.is_dir() else None
        if found is None:
            raise CourseNotFound(f"{source} {str(value)!r}: expected a course folder (one with {CATALOG_NAME}) "
                                 f"or a {CATALOG_NAME} file; there is none there")
        return found.resolve()
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        found = _catalog_in(folder)
        if found is not None:
            doubt = _untrusted(found)
            if doubt:
                raise CourseNotFound(f"found {found}, but {doubt}: a course is code that pixelgrade runs, so one "
                                     f"found by looking around is used only when it is yours (or root's) and no one "
                                     f"else can change it. If you trust it, name it: --course {found.parent}")
            return found
    raise CourseNotFound(f"no course here: no {CATALOG_NAME} in {here} or above it. Name one with --course DIR "
                         f"or {COURSE_ENV}=DIR, or write one with `pixelgrade new DIR`")


def _untrusted(catalog_file: Path) -> str:
    """Why a catalog found by walking up from the working folder is not to be trusted ("" when it is).

    Its hooks and checks run in the grader's process: a ``course.toml`` planted in a shared
    folder (``/tmp``, a class share) above where someone runs ``pixelgrade`` must not be
    picked up, the way git refuses a repository another user owns.
    """
    me = os.geteuid() if hasattr(os, "geteuid") else None
    if me is None:  # no owners to compare (Windows): trusted as found
        return ""
    for path in (catalog_file, catalog_file.parent):
        info = path.stat()
        if info.st_uid not in (me, 0):
            return f"{path} belongs to another user (uid {info.st_uid})"
        if info.st_mode & 0o002:  # writable by everyone (a group's write is a user's own choice, umask 002)
            return f"{path} can be changed by every user (mode {info.st_mode & 0o777:o})"
    return ""


_active: Course | None = None


def activate(course: Course | str | Path | None) -> Course:
    """Make ``course`` (a :class:`Course`, a folder, a catalog file; None: found as :func:`find_catalog` does)
    the one this process grades, and return it."""
    global _active
    if not isinstance(course, Course):
        path = find_catalog(course)
        course = _active if _active is not None and _active.catalog_file == path else load_course(path)
    # Its catalog, checks and solutions are never a worker's to read, wherever they are.
    isolation.protect(course.folder, course.checks_dir, course.solutions_dir)
    _active = course
    return course


def active() -> Course:
    """The course this process grades: the one :func:`activate` chose, else the one :func:`find_catalog` finds."""
    return _active if _active is not None else activate(None)


def hidden_check_files(directory: Path | None, exercises) -> list[Path]:
    """The hidden check files in ``directory`` for ``exercises`` (those that exist), in course order."""
    if directory is None:
        return []
    found = [Path(directory) / f"test_{e.name}{HIDDEN_SUFFIX}.py" for e in exercises]
    return [path for path in found if path.is_file()]


# -- reading a catalog, every field checked ------------------------------------------------------
_COURSE_KEYS = {"title": str, "exercises": str, "solutions": str, "checks": str, "docs": str,
                "requires": list, "optional": dict, "hooks": dict}
_ENTRY_KEYS = {"name", "title", "functions", "off_limits", "limits", "needs", "thresholds", "hints"}
# The limits a catalog may set (grader.sandbox.client.Limits): how each is checked, and whether "unlimited" is allowed.
_LIMIT_KEYS = {"timeout_s": ("seconds", False), "import_timeout_s": ("seconds", False),
               "memory_bytes": ("bytes", True), "threads": ("count", False), "output_bytes": ("bytes", False),
               "scratch_bytes": ("bytes", False), "processes": ("count", True)}


def _type_name(value) -> str:
    return {str: "a string", int: "a whole number", float: "a number", bool: "true or false", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)


def _expect(value, kind, where: str, what: str):
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise CatalogError(f"{where}: expected {what}, got {_type_name(value)} ({value!r})")
    return value


def _strings(value, where: str, what: str = "a list of strings") -> tuple[str, ...]:
    _expect(value, list, where, what)
    for item in value:
        _expect(item, str, where, what)
    return tuple(value)


def _unknown(table: dict, allowed, where: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise CatalogError(f"{where}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                           f"allowed: {', '.join(sorted(allowed))}")


def _limit(key: str, value, where: str):
    kind, unlimited_allowed = _LIMIT_KEYS[key]
    where = f"{where} {key}"
    if value == "unlimited" and unlimited_allowed:
        return None
    also = ' or "unlimited"' if unlimited_allowed else ""
    if kind == "seconds":
        seconds = _expect(value, float, where, f"a number of seconds above 0{also}")
        if not (math.isfinite(seconds) and seconds > 0):
            raise CatalogError(f"{where}: expected a number of seconds above 0{also}, got {value!r}")
        return seconds
    number = _expect(value, int, where, f"a whole number of at least 1{also}")
    if number < 1:
        raise CatalogError(f"{where}: expected a whole number of at least 1{also}, got {value!r}")
    return number


def _limits(value, presets: dict, where: str) -> Limits:
    if isinstance(value, str):
        if value not in presets:
            raise CatalogError(f"{where}: limits = {value!r} names no preset; choose from: "
                               f"{', '.join(presets) or '(none: define one under [limits.NAME])'}")
        return presets[value]
    _expect(value, dict, f"{where} limits", "a preset's name or a table of limits")
    _unknown(value, _LIMIT_KEYS, f"{where} limits")
    return Limits(**{key: _limit(key, item, f"{where} limits:") for key, item in value.items()})


def _off_limits(groups, functions: tuple, where: str) -> dict:
    off_limits: dict = {}
    _expect(groups, list, f"{where} off_limits", "a list of [[exercise.off_limits]] tables")
    for index, group in enumerate(groups, start=1):
        at = f"{where} off_limits #{index}"
        _expect(group, dict, at, "a table with `functions` and `calls`")
        _unknown(group, {"functions", "calls"}, at)
        if set(group) != {"functions", "calls"}:
            raise CatalogError(f"{at}: expected both `functions` and `calls`")
        calls = _strings(group["calls"], f"{at} calls", "a list of dotted names (\"numpy.histogram\")")
        for function in _strings(group["functions"], f"{at} functions"):
            if function not in functions:
                raise CatalogError(f"{at} functions: {function!r} is not one of the exercise's functions "
                                   f"({', '.join(functions) or 'none listed'})")
            off_limits[function] = off_limits.get(function, ()) + calls
    return off_limits


def _thresholds(value, where: str) -> dict:
    _expect(value, dict, f"{where} thresholds", "a table of data source = accuracy")
    checked = {}
    for source, accuracy in value.items():
        accuracy = _expect(accuracy, float, f"{where} thresholds.{source}", "an accuracy between 0 and 1")
        if not 0 < accuracy <= 1:
            raise CatalogError(f"{where} thresholds.{source}: expected an accuracy above 0 and at most 1, "
                               f"got {accuracy!r}")
        checked[source] = accuracy
    return checked


def _exercise(number: int, entry, presets: dict, course: dict, label: str) -> Exercise:
    where = f"{label}: exercise {number}"
    _expect(entry, dict, where, "an [[exercise]] table")
    name = entry.get("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise CatalogError(f"{where} name: expected the exercise's module name, a Python identifier, got {name!r}")
    where = f"{label}: exercise {number} ({name})"
    _unknown(entry, _ENTRY_KEYS, where)
    functions = _strings(entry.get("functions", []), f"{where} functions", "a list of function names")
    for function in functions:
        if not function.isidentifier():
            raise CatalogError(f"{where} functions: {function!r} is not a Python identifier")
    needs = _strings(entry.get("needs", []), f"{where} needs", "a list of importable package names")
    return Exercise(
        name=name, number=number, title=_expect(entry.get("title", name), str, f"{where} title", "a string"),
        functions=functions, off_limits=_off_limits(entry.get("off_limits", []), functions, where),
        limits=_limits(entry["limits"], presets, where) if "limits" in entry else Limits(),
        needs=needs, thresholds=_thresholds(entry.get("thresholds", {}), where),
        hints=_strings(entry.get("hints", []), f"{where} hints"),
        checks_file=course["checks"] / f"test_{name}.py", stub_file=course["exercises"] / f"{name}.py",
        solution_file=course["solutions"] / f"{name}.py", page=course["docs"] / f"{number:02d}-{name}.md",
        picture=course["docs"] / "images" / f"{name}.png",
        requirements={need: course["optional"].get(need, (need,)) for need in needs},
        course_root=course["root"],
    )


def load_course(path: str | Path) -> Course:
    """The course whose catalog is the file ``path``; a malformed catalog raises :class:`CatalogError`."""
    path = Path(path).resolve()
    label = str(path)
    try:
        with open(path, "rb") as file:
            data = tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise CatalogError(f"{label}: not valid TOML: {error}") from None
    except OSError as error:
        raise CatalogError(f"{label}: cannot be read: {error.strerror or error}") from None
    _unknown(data, {"course", "limits", "exercise"}, label)
    table = _expect(data.get("course", {}), dict, f"{label} [course]", "a table")
    _unknown(table, _COURSE_KEYS, f"{label} [course]")
    for key, kind in _COURSE_KEYS.items():
        if key in table:
            _expect(table[key], kind, f"{label} [course] {key}", _type_name(kind()))
    folder = path.parent
    folders = {key: (folder / table.get(key, key)).resolve() for key in ("exercises", "solutions", "checks", "docs")}
    optional = {}
    for need, specs in table.get("optional", {}).items():
        optional[need] = _strings(specs, f"{label} [course.optional] {need}", "a list of pip requirements")
    hooks = {}
    for hook, declared in table.get("hooks", {}).items():
        if hook not in hookspec.HOOKS:
            raise CatalogError(f"{label} [course.hooks]: unknown hook {hook!r}; the hooks are: "
                               f"{', '.join(hookspec.HOOKS)}")
        what = '"module" or "module:attribute" (a module of the course, by its name)'
        declared = _expect(declared, str, f"{label} [course.hooks] {hook}", what)
        module_name, _, attribute = declared.partition(":")
        named = all(part.isidentifier() for part in module_name.split("."))
        if not named or (attribute and not attribute.isidentifier()):
            raise CatalogError(f"{label} [course.hooks] {hook}: expected {what}, got {declared!r}")
        hooks[hook] = declared
    presets = {}
    limits = _expect(data.get("limits", {}), dict, f"{label} [limits]", "a table of named presets")
    for key, preset in limits.items():
        presets[key] = _limits(preset, {}, f"{label} [limits.{key}]")
    root = _root(folder, folders["exercises"], folders["solutions"], folders["checks"])
    shared = {**folders, "optional": optional, "root": root}
    entries = _expect(data.get("exercise", []), list, f"{label} [[exercise]]", "a list of [[exercise]] tables")
    exercises = tuple(_exercise(number, entry, presets, shared, label)
                      for number, entry in enumerate(entries, start=1))
    names = [exercise.name for exercise in exercises]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise CatalogError(f"{label}: exercises listed twice: {', '.join(repeated)}")
    return Course(catalog_file=path, title=table.get("title", folder.name), stubs_dir=folders["exercises"],
                  solutions_dir=folders["solutions"], checks_dir=folders["checks"], docs_dir=folders["docs"],
                  exercises=exercises, requires=_strings(table.get("requires", []), f"{label} [course] requires"),
                  optional=optional, hooks=hooks)
