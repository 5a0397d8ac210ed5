"""Run the checks (pytest tests in course/checks) and turn outcomes into results.

The grader drives pytest in-process with :class:`GradingPlugin`, which provides
the ``learner`` and ``reference`` fixtures, applies the grading Hypothesis
profile, and records one :class:`~grader.core.results.CheckResult` per test.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import traceback
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import InvalidArgument

from grader.core import answers, catalog, diagnosis, failures, results
from grader.core.catalog import (
    DEFAULT_EXAMPLES,
    HIDDEN_SUFFIX,
    MISCONFIGURED,
    Exercise,
    hidden_check_files,
)
from grader.core.learner import LearnerModule, last_call, learner_for
from grader.core.reference import load_reference
from grader.core.replay import ExampleReplay
from grader.core.results import CheckResult, CheckSpec, CheckStatus
from grader.kit import pictures

# The pytest configuration of every grading: the engine's, so that a course needs none (nor may change it).
CHECKS_INI = Path(__file__).with_name("checks_pytest.ini")


def hypothesis_profile(max_examples: int) -> str:
    """Register (once) and name the grading profile: derandomised, fixed budget."""
    name = f"pixelgrade-{max_examples}"
    try:
        settings.get_profile(name)
        return name  # registered again, it would be a new object unequal to the loaded one (a deprecation)
    except InvalidArgument:
        pass
    settings.register_profile(
        name,
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        report_multiple_bugs=False,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )
    return name


def use_grading_settings(item, profile: str) -> None:
    """A property check runs with this grading's profile, not the one loaded when its file was imported.

    ``@given`` takes ``settings.default`` once, when it decorates the check; a check file is
    imported once per process (pytest finds it in ``sys.modules`` the next time), so a
    second grading in the same process (``watch``, a notebook's ``check()``, a batch's
    fork server) would otherwise run with the first grading's number of examples. A check
    with its own ``@settings`` keeps them.
    """
    check = getattr(item, "obj", None)
    if getattr(check, "hypothesis", None) is None or getattr(check, "_hypothesis_internal_settings_applied", False):
        return
    check._hypothesis_internal_use_settings = settings.get_profile(profile)


@contextlib.contextmanager
def fixed_example_constants():
    """Hypothesis draws only its own constants while the checks run, none of the loaded modules'.

    Recent Hypothesis releases (6.170 here) sometimes draw a literal constant found in the
    source of any non-library module loaded in the process, collected anew
    whenever ``sys.modules`` grows. The examples of a derandomised check would then
    depend on what the grader happened to import before (scikit-learn or not, which
    exercises were graded earlier in a `watch` loop, a remembered answer or a computed
    one): the same submission could get another grade. An empty pool of local constants
    keeps them a function of the check alone. Hypothesis's own constants (0, -1, nan,
    the powers of two...) are still drawn.
    """
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
    except ImportError:  # a Hypothesis without local constants: nothing to fix
        yield
        return
    if not hasattr(providers, "_get_local_constants"):
        yield
        return
    original = providers._get_local_constants
    empty = Constants()
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()  # allowed values computed from an earlier pool
    try:
        yield
    finally:
        providers._get_local_constants = original
        providers.CONSTANTS_CACHE.cache.clear()


def exercise_of(node) -> Exercise:
    stem = Path(str(node.fspath if hasattr(node, "fspath") else node.__file__)).stem
    return catalog.active().by_name[stem.removeprefix("test_").removesuffix(HIDDEN_SUFFIX)]


def is_hidden_file(path) -> bool:
    """Whether ``path`` is a file of hidden checks (``test_<exercise>_hidden.py``)."""
    return Path(str(path)).stem.endswith(HIDDEN_SUFFIX)


def _plain_failure(excinfo, style=None) -> str:
    return f"{excinfo.type.__name__}: {excinfo.value}"[:4000]


def _parameter(item, name: str) -> str:
    callspec = getattr(item, "callspec", None)
    return str(callspec.params.get(name, "")) if callspec else ""


def _key(item) -> tuple[str, str]:
    return str(item.path), item.nodeid


def _missing_needs(exercise: Exercise) -> list[str]:
    return exercise.missing_needs()


class GradingPlugin:
    """Fixtures and result collection for one grading run of one target directory."""

    def __init__(self, target: Path, exercises: list[Exercise], *, profile: str, progress=None,
                 timeout_s: float | None = None, pictures_folder: Path | None = None, require_needs: bool = False):
        self.target = Path(target)
        # An instructor's grading (a batch, Gradescope): a missing optional package (or data set) is
        # the set-up's fault, so the checks that need it are grader errors that keep their points, never skipped.
        self.require_needs = require_needs
        self._misconfigured: set[tuple[str, str]] = set()  # the checks not run for want of a package, by key
        self.pictures_folder = pictures_folder  # where failure pictures go (None: none are drawn)
        self.timeout_s = timeout_s
        self.profile = profile
        self.progress = progress
        self.results = {e.name: results.ExerciseResult(e.name, e.title, e.number) for e in exercises}
        self.by_id: dict[tuple[str, str], results.CheckResult] = {}
        self._started: dict[tuple[str, str], float] = {}
        self._proxies: dict[str, LearnerModule] = {}
        # The learner call each check ended with, by check id (a failure's: the call it is about):
        # what grader.core.diagnosis compares with the catalog's mistakes once every check has run.
        self.calls: dict = {}
        self._latest_before: dict = {}

    # -- fixtures -------------------------------------------------------------
    @pytest.fixture(scope="module")
    def reference(self, request):
        # Its answers are remembered by input (grader.core.answers): the inputs are fixed,
        # so a class, or a learner's every save, asks for the same answers again.
        return answers.RememberedModule(load_reference(exercise_of(request.module).name))

    @pytest.fixture(scope="module")
    def learner(self, request, reference):
        exercise = exercise_of(request.module)
        proxy = self._proxies.pop(exercise.name, None) or self._proxy(exercise)
        proxy.reference = reference
        yield proxy
        proxy.close()

    def _proxy(self, exercise: Exercise) -> LearnerModule:
        return learner_for(self.target, exercise, timeout_s=self.timeout_s)

    def pytest_collection_finish(self, session):
        # Start every exercise's worker now (those not started already: see run_checks),
        # so their start-up runs side by side (and alongside the first checks).
        for name in self.results:
            exercise = catalog.active().by_name[name]
            if name not in self._proxies and not _missing_needs(exercise):
                self._proxies[name] = self._proxy(exercise)
                self._proxies[name].prestart()

    def pytest_unconfigure(self, config):
        for proxy in self._proxies.values():
            proxy.close()

    # -- hooks ----------------------------------------------------------------
    def pytest_configure(self, config):
        # The engine's own marker: a course needs no pytest.ini of its own (-c names the engine's, empty).
        config.addinivalue_line("markers", "pixelgrade(function, points, bonus): a graded check")
        settings.load_profile(self.profile)

    def pytest_collectreport(self, report):
        if report.failed:
            name = Path(report.fspath).stem.removeprefix("test_").removesuffix(HIDDEN_SUFFIX)
            hidden = is_hidden_file(report.fspath)
            if not report.fspath:  # a file outside the checks' folder (hidden checks): pytest names no path
                text = str(report.longrepr)
                found = [n for n in self.results if f"test_{n}{HIDDEN_SUFFIX}.py" in text]
                name, hidden = (found[0], True) if found else (name, hidden)
            if name in self.results:
                check = CheckResult(f"{name}::{'hidden::' if hidden else ''}<collection>", name, "",
                                    "collect the checks", 0, status=CheckStatus.GRADER_ERROR,
                                    message=str(report.longrepr)[-2000:], hidden=hidden)
                self.results[name].checks.append(check)

    def pytest_collection_modifyitems(self, session, config, items):
        for item in items:
            exercise = exercise_of(item.module)
            mark = item.get_closest_marker("pixelgrade")
            options = mark.kwargs if mark else {}
            doc = (getattr(item.function, "__doc__", None) or item.name).strip().splitlines()[0]
            case = f" [{item.callspec.id}]" if hasattr(item, "callspec") else ""
            hidden = is_hidden_file(item.fspath)
            spec = CheckSpec(
                id=f"{exercise.name}::{'hidden::' if hidden else ''}{item.name}",
                exercise=exercise.name,
                function=options.get("function") or _parameter(item, "function"),
                title=doc + case,
                max_points=float(options.get("points", 1)),
                bonus=bool(options.get("bonus", False)),
                guard=bool(options.get("guard", False)),
                hidden=hidden,
            )
            check = CheckResult.from_spec(spec)
            missing = _missing_needs(exercise)
            if missing and self.require_needs:  # not run either way; reported as the set-up's grader error
                self._misconfigured.add(_key(item))
                item.add_marker(pytest.mark.skip(reason=exercise.misconfigured_reason(missing)))
            elif missing:
                item.add_marker(pytest.mark.skip(reason=exercise.unavailable_reason(missing)))
            use_grading_settings(item, self.profile)
            # The report uses our own messages; pytest's traceback rendering (which
            # parses source for every frame, Hypothesis' included) would cost ~1 s per failure.
            item.repr_failure = item._repr_failure_py = _plain_failure
            # Checks from another folder (hidden ones) get node ids without their file: key by both.
            self.by_id[_key(item)] = check
            self.results[exercise.name].checks.append(check)
        if self.progress:
            self.progress("collected", len(items))

    def pytest_runtest_setup(self, item):
        self._started[_key(item)] = time.perf_counter()
        self._latest_before[_key(item)] = last_call()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        check = self.by_id.get(_key(item))
        if check is None:
            return
        if report.when == "call":
            check.measurements = {str(name): value for name, value in report.user_properties
                                  if isinstance(value, (int, float, str))}
            self._keep_call(item, check, call.excinfo)
        if report.when == "call" and report.passed:
            check.status, check.points = CheckStatus.PASSED, check.max_points
        elif report.skipped and report.when in ("setup", "call"):
            check.status = CheckStatus.GRADER_ERROR if _key(item) in self._misconfigured else CheckStatus.SKIPPED
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            check.message = reason.removeprefix("Skipped: ")
        elif report.failed and report.when in ("setup", "call"):
            self._record_failure(check, call.excinfo)
        elif report.failed and report.when == "teardown" and check.status == CheckStatus.PASSED:
            check.status, check.points = CheckStatus.GRADER_ERROR, 0.0
            check.message = "the check failed while cleaning up: " + str(call.excinfo.value)
        if report.when == "teardown" or (report.when == "call" and report.passed):
            check.seconds = time.perf_counter() - self._started.get(_key(item), time.perf_counter())
        if report.when == "teardown" and self.progress:
            self.progress("checked", check)

    def _keep_call(self, item, check: results.CheckResult, excinfo) -> None:
        """Keep the learner call ``check`` ended with: the one its failure is about, else the latest it made."""
        about = getattr(excinfo.value, "call", None) if excinfo is not None else None
        latest = last_call()
        if about is None and latest is not self._latest_before.pop(_key(item), None):
            about = latest
        if about is not None:
            self.calls[check.id] = about

    def _record_failure(self, check: results.CheckResult, excinfo) -> None:
        error = _learner_failure_in(excinfo.value)
        check.points = 0.0
        if isinstance(error, failures.Unavailable) and self.require_needs:  # the data it needs is missing here
            check.status, check.message = CheckStatus.GRADER_ERROR, f"{MISCONFIGURED}: {error}"
            return
        if isinstance(error, failures.EXPLAINED):  # its class says what the check's status is
            check.status = error.status
            check.message = getattr(error, "message", str(error))
            check.snippet = getattr(error, "snippet", "")
            check.picture = pictures.save_for(error, check, self.pictures_folder)  # best-effort, never raises
            if isinstance(error, failures.ImportFailed):  # said once, for the exercise (grader.writers.terminal)
                self.results[check.exercise].message = check.message
            return
        if isinstance(error, AssertionError):  # a plain assert in a check
            check.status, check.message = CheckStatus.FAILED, str(error) or "a check failed"
            return
        check.status = CheckStatus.GRADER_ERROR
        tail = "".join(traceback.format_exception(type(error), error, error.__traceback__)[-3:])
        # The error itself, which a Hypothesis check's notes (its falsifying example) push out of the tail.
        said = "".join(traceback.format_exception_only(type(error), error)[:1])
        if said.strip() not in tail:
            tail = f"{said}{tail}"
        check.message = f"pixelgrade itself failed while running this check (not your fault):\n{tail}"


def withhold_guards(result: results.ExerciseResult) -> None:
    """Guards (grader.kit.marks.graded) of a function none of whose other checks passed earn nothing.

    A guard that is also a bonus (a speed check) waits for more: every value check of its
    function must pass, since a fast wrong answer earns nothing.
    """
    values = [c for c in result.checks if not c.guard and not c.bonus]
    computing = {c.function for c in values if c.status == CheckStatus.PASSED}
    wrong = {c.function for c in values if c.status != CheckStatus.PASSED}
    for check in result.checks:
        if not (check.guard and check.status == CheckStatus.PASSED):
            continue
        if check.bonus and check.function in wrong:
            check.status, check.points = CheckStatus.FAILED, 0.0
            check.message = (f"Not counted yet: `{check.function}` is fast enough, but some of its checks of the "
                             "values it returns do not pass, and a fast wrong answer earns nothing. This bonus "
                             f"counts once every value check of `{check.function}` passes.")
        elif check.function not in computing:
            check.status, check.points = CheckStatus.FAILED, 0.0
            check.message = (f"Not counted yet: `{check.function}` passes this check, but none of its checks of "
                             "the values it returns. This check (leaving the input unchanged, raising on bad "
                             "input, a shape, probabilities, a time) is something a function that computes "
                             "nothing right can pass too, so its points count once "
                             f"`{check.function}` also computes right values.")


# The plugins a grading run loads: Hypothesis's (as the checks were written with it) and
# pytest's own that the checks use. Every plugin some other installed package declares
# (anyio's, platformdirs'...) stays out (see _no_plugin_autoload), and so do pytest's own
# plugins that do nothing for checks of learner code run elsewhere, each of which costs
# time on every run: assertion rewriting (the checks use grader.kit.expect, not bare
# asserts: about 0.3 s of compiling), the garbage collections at the end that look for
# unraisable exceptions (0.15 s), the cache, the terminal reporter and stepwise. (junitxml
# stays: it provides record_property, which the speed checks keep their times with.)
_PLUGIN_ARGS = (
    "-p", "_hypothesis_pytestplugin",
    "--assert=plain",
    "-p", "no:cacheprovider",
    "-p", "no:terminal",
    "-p", "no:stepwise",
    "-p", "no:unraisableexception",
    "-p", "no:threadexception",
    "-p", "no:pastebin",
    "-p", "no:doctest",
)


def _no_plugin_autoload():
    """No pytest plugin is loaded just for being installed, while the checks run.

    Finding them reads every installed distribution's entry points (about 0.3 s on a
    machine with TensorFlow, on every run), and a plugin a learner happens to have
    installed (pytest-xdist, pytest-randomly, a coverage plugin...) must not change how
    the checks run or what they grade. ``PYTEST_DISABLE_PLUGIN_AUTOLOAD`` works on every
    pytest this project supports (``--disable-plugin-autoload`` only from 8.4).
    """
    return mock.patch.dict(os.environ, {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})


def run_checks(target: Path, exercises: list[Exercise], *, max_examples: int = DEFAULT_EXAMPLES,
               timeout_s: float | None = None, progress=None, hidden_checks: Path | None = None,
               started: dict[str, LearnerModule] | None = None,
               pictures_choice: str | Path | None = pictures.BESIDE_TARGET,
               require_needs: bool = False) -> list[results.ExerciseResult]:
    """Run the checks of ``exercises`` against the modules in ``target``.

    ``timeout_s`` overrides every exercise's time limit per call (and for the import, at
    least ``MIN_IMPORT_TIMEOUT_S``). ``hidden_checks``: a directory of an instructor's
    ``test_<exercise>_hidden.py`` files, run after every public check (so no hidden input
    can reach a public check's message) and marked ``hidden`` in the results.
    ``started``: learner proxies already started (:func:`grader.core.learner.start_workers`), by exercise.
    ``pictures_choice``: where failure pictures go (:func:`grader.kit.pictures.folder_for`).
    ``require_needs``: a check that cannot run here (its exercise's optional packages are not
    installed, or :class:`~grader.core.failures.Unavailable`: the course's data cannot be loaded) is
    reported as a grader error (the set-up's, worth its points) rather than skipped.
    """
    plugin = GradingPlugin(target, exercises, profile=hypothesis_profile(max_examples), progress=progress,
                           timeout_s=timeout_s, pictures_folder=pictures.folder_for(target, pictures_choice),
                           require_needs=require_needs)
    plugin._proxies.update(started or {})
    course = catalog.active()
    files = [e.checks_file for e in exercises] + hidden_check_files(hidden_checks, exercises)
    args = [str(path) for path in files] + [
        "-c", str(CHECKS_INI),
        "--rootdir", str(course.checks_dir),
        # No conftest.py at all: the checks get their fixtures from the engine's plugin, and a course or
        # an instructor's hidden checks kept inside a project (its tests/, say) must not be graded with that
        # project's fixtures and settings, which would change or break the grade.
        "--noconftest",
        "--import-mode=importlib",
        *_PLUGIN_ARGS,
        "--continue-on-collection-errors",  # a broken check file costs its own exercise, not every other one
        "-W", "ignore",
    ]
    saved_path = list(sys.path)
    # The checks import the course's own modules (its folder) and each other (its checks' folder) by name.
    sys.path[:0] = [str(course.checks_dir), str(course.folder)]
    try:
        with fixed_example_constants(), _no_plugin_autoload():
            code = pytest.main(args, plugins=[plugin, ExampleReplay(max_examples)])
    finally:
        sys.path[:] = saved_path
    if code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        for result in plugin.results.values():
            result.checks.append(CheckResult(f"{result.name}::<pytest>", result.name, "", "run the checks", 0,
                                             status=CheckStatus.GRADER_ERROR, message=f"pytest ended with {code!r}"))
    for result in plugin.results.values():
        diagnosis.name_mistakes(result.checks, plugin.calls)
        withhold_guards(result)
        if not result.checks:
            result.checks.append(CheckResult(f"{result.name}::<none>", result.name, "", "collect the checks", 0,
                                             status=CheckStatus.GRADER_ERROR, message="no checks were found"))
    return [plugin.results[e.name] for e in exercises]


def _learner_failure_in(error: BaseException) -> BaseException:
    """The learner's own failure inside an exception group, else ``error`` itself.

    Hypothesis reports a call that ended two ways when replayed (say, answered once and
    ran out of time the next: learner code need not behave the same twice) as a
    ``FlakyFailure``, a group of both failures. Each is the learner's: the first is
    reported, never "pixelgrade itself failed".
    """
    if not isinstance(error, BaseExceptionGroup):
        return error
    pending = list(error.exceptions)
    while pending:
        inner = pending.pop(0)
        if isinstance(inner, BaseExceptionGroup):
            pending[:0] = list(inner.exceptions)
        elif isinstance(inner, (failures.EXPLAINED, AssertionError)):
            return inner
    return error

