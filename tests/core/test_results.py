"""Typed results: the statuses, a report's round trip through its JSON, specs, exit codes (no grading)."""

from __future__ import annotations

import contextvars
import dataclasses
import json
import threading
import types

import pytest

from grader.cli import main as cli
from grader.core import failures, learner, results
from grader.core.results import CheckResult, CheckSpec, CheckStatus, ExerciseResult, ExerciseStatus, GradeReport
from grader.exitcodes import ExitCode
from grader.instructor import batch, devcheck
from grader.instructor.batch import ExpectedCheck, RowStatus, SubmissionRow
from grader.kit import expect


# -- statuses ---------------------------------------------------------------------------------------
def test_statuses_are_the_strings_they_always_were():
    assert {s.name: str(s) for s in CheckStatus} == {
        "PASSED": "passed", "FAILED": "failed", "ERROR": "error", "NOT_STARTED": "not_started",
        "OFF_LIMITS": "off_limits", "MISSING": "missing", "SKIPPED": "skipped", "GRADER_ERROR": "grader_error",
        "NOT_GRADED": "not_graded"}
    assert {s.name: str(s) for s in ExerciseStatus} == {
        "COMPLETE": "complete", "PARTIAL": "partial", "FAILING": "failing", "NOT_STARTED": "not started",
        "MISSING": "missing", "SKIPPED": "skipped", "GRADER_ERROR": "grader error"}
    assert {s.name: str(s) for s in RowStatus} == {
        "GRADED": "graded", "INCOMPLETE": "incomplete", "GRADER_ERROR": "grader error",
        "GRADER_CRASHED": "grader crashed", "TIMED_OUT": "timed out", "UNREADABLE_ZIP": "unreadable zip",
        "UNREADABLE": "unreadable submission", "NOT_A_SUBMISSION": "not graded"}
    # Equal to, hashed like, formatted and serialised as their words: old code and files keep working.
    assert CheckStatus.PASSED == "passed" and {"passed": 1}[CheckStatus.PASSED] == 1
    assert f"{ExerciseStatus.NOT_STARTED:<12}|" == "not started |"
    assert json.dumps({RowStatus.TIMED_OUT: [CheckStatus.NOT_GRADED]}) == '{"timed out": ["not_graded"]}'
    # The old names are the members themselves.
    assert results.PASSED is CheckStatus.PASSED and results.GRADER_ERROR is CheckStatus.GRADER_ERROR


def _check(name: str, status: CheckStatus, *, bonus: bool = False, points: float = 1.0) -> CheckResult:
    return CheckResult(f"x::{name}", "x", "f", name, points, points=points if status == CheckStatus.PASSED else 0.0,
                       status=status, bonus=bonus)


P, F, E, N, M, S, G, O = (CheckStatus.PASSED, CheckStatus.FAILED, CheckStatus.ERROR, CheckStatus.NOT_STARTED,
                          CheckStatus.MISSING, CheckStatus.SKIPPED, CheckStatus.GRADER_ERROR, CheckStatus.OFF_LIMITS)


@pytest.mark.parametrize(("statuses", "bonus", "expected"), [
    ([P, P], [], ExerciseStatus.COMPLETE),
    ([P, S], [], ExerciseStatus.COMPLETE),  # a check that cannot run here costs nothing
    ([P], [F], ExerciseStatus.COMPLETE),  # a bonus not earned is no failure
    ([P, F], [], ExerciseStatus.PARTIAL),
    ([P, O], [], ExerciseStatus.PARTIAL),
    ([F, E], [P], ExerciseStatus.FAILING),  # a bonus earned does not make a failing exercise partial
    ([N, F], [], ExerciseStatus.FAILING),
    ([N, N, S], [], ExerciseStatus.NOT_STARTED),
    ([M, M], [], ExerciseStatus.MISSING),
    ([S, S], [], ExerciseStatus.SKIPPED),
    ([], [P], ExerciseStatus.SKIPPED),  # only bonus checks: nothing counts
    ([P, G], [], ExerciseStatus.GRADER_ERROR),  # pixelgrade's failure outranks everything
    ([M, G], [], ExerciseStatus.GRADER_ERROR),
    ([CheckStatus.NOT_GRADED, P], [], ExerciseStatus.PARTIAL),  # a check a batch lost counts as failed
])
def test_an_exercise_status_follows_from_its_checks(statuses, bonus, expected):
    checks = [_check(f"c{i}", s) for i, s in enumerate(statuses)]
    checks += [_check(f"b{i}", s, bonus=True) for i, s in enumerate(bonus)]
    exercise = ExerciseResult("x", "X", 1, checks)
    assert exercise.status is expected
    assert GradeReport("t", [exercise]).complete == (expected in (ExerciseStatus.COMPLETE, ExerciseStatus.SKIPPED))


# -- a report and its JSON --------------------------------------------------------------------------
def _report() -> GradeReport:
    histogram = ExerciseResult("histogram", "Histograms", 3, [
        CheckResult("histogram::test_counts", "histogram", "histogram", "counts each value", 2.0, points=2.0,
                    status=CheckStatus.PASSED, seconds=0.25),
        CheckResult("histogram::test_sums", "histogram", "histogram", "sums to the pixel count", 1.0,
                    status=CheckStatus.FAILED, message="Called `histogram(image)`: wrong", snippet="print(1)",
                    misconception="off-by-one", picture="/tmp/p.png"),
        CheckResult("histogram::hidden::test_board", "histogram", "histogram", "a checkerboard", 2.0,
                    status=CheckStatus.OFF_LIMITS, hidden=True),
        CheckResult("histogram::test_speed", "histogram", "histogram", "is fast", 1.0, status=CheckStatus.ERROR,
                    bonus=True, measurements={"seconds": 0.5, "ratio": 12.5}),
        CheckResult("histogram::test_guard", "histogram", "histogram", "leaves its input alone", 1.0,
                    status=CheckStatus.FAILED, guard=True, message="Not counted yet"),
    ])
    networks = ExerciseResult("networks", "Networks", 13, [
        CheckResult("networks::test_fit", "networks", "fit", "fits", 3.0, status=CheckStatus.SKIPPED,
                    message="needs tensorflow, which is not installed"),
    ])
    stub = ExerciseResult("arrays", "Arrays", 1, [
        CheckResult("arrays::test_flatten", "arrays", "flatten", "flattens", 1.0, status=CheckStatus.NOT_STARTED),
        CheckResult("arrays::<collection>", "arrays", "", "collect the checks", 0, status=CheckStatus.GRADER_ERROR,
                    message="SyntaxError"),
        CheckResult("arrays::test_one_hot", "arrays", "one_hot", "one-hot", 1.0, status=CheckStatus.NOT_GRADED),
    ], message="Importing `arrays.py` raised ...")
    return GradeReport("/work/sub", [stub, histogram, networks], seconds=1.5, settings={"max_examples": 5})


def test_a_report_comes_back_from_its_dict_and_its_json():
    report = _report()
    assert GradeReport.from_dict(report.to_dict()) == report
    back = GradeReport.from_dict(json.loads(json.dumps(report.to_dict())))
    assert back == report
    assert all(type(c.status) is CheckStatus for e in back.exercises for c in e.checks)
    assert [e.status for e in back.exercises] == [ExerciseStatus.GRADER_ERROR, ExerciseStatus.PARTIAL,
                                                   ExerciseStatus.SKIPPED]
    for exercise in report.exercises:
        assert ExerciseResult.from_dict(exercise.to_dict()) == exercise
        for check in exercise.checks:
            assert CheckResult.from_dict(check.to_dict()) == check


def test_the_json_of_a_check_holds_plain_words():
    check = _report().exercise("histogram").checks[1]
    written = {"id": "histogram::test_sums", "exercise": "histogram", "function": "histogram",
               "title": "sums to the pixel count", "max_points": 1.0, "points": 0.0, "status": "failed",
               "message": "Called `histogram(image)`: wrong", "snippet": "print(1)", "seconds": 0.0, "bonus": False,
               "picture": "/tmp/p.png", "hidden": False, "guard": False, "misconception": "off-by-one",
               "measurements": {}}
    assert json.dumps(check.to_dict()) == json.dumps(written)  # the same text, key for key, as plain strings
    exercise = json.loads(json.dumps(_report().exercise("histogram").to_dict()))
    assert (exercise["status"], exercise["points"], exercise["max_points"], exercise["bonus_points"]) == \
        ("partial", 2.0, 6.0, 0.0)


def test_from_dict_refuses_an_unknown_status_and_ignores_unknown_keys():
    data = _report().exercise("histogram").checks[0].to_dict()
    assert CheckResult.from_dict({**data, "colour": "green"}) == _report().exercise("histogram").checks[0]
    with pytest.raises(ValueError):
        CheckResult.from_dict({**data, "status": "so-so"})


def test_a_batch_row_comes_back_from_its_dict():
    row = SubmissionRow("ada", "/subs/ada", RowStatus.INCOMPLETE, _report(), notes=["a note"],
                        missing_checks=["arrays::test_one_hot"], seconds=2.5, feedback=["rename it"])
    back = SubmissionRow.from_dict(json.loads(json.dumps(row.to_dict())))
    assert back == row and back.status is RowStatus.INCOMPLETE
    with pytest.raises(ValueError):
        SubmissionRow.from_dict({**row.to_dict(), "status": "graded, mostly"})


# -- the check specification --------------------------------------------------------------------------
def test_a_spec_is_frozen_and_makes_results():
    spec = CheckSpec("x::a", "x", "f", "does a", 2, bonus=True, guard=True, hidden=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.max_points = 3.0
    assert type(spec.max_points) is float
    check = CheckResult.from_spec(spec, status=CheckStatus.PASSED, points=2.0)
    assert (check.id, check.title, check.max_points, check.bonus, check.guard, check.hidden, check.points) == \
        ("x::a", "does a", 2.0, True, True, True, 2.0)
    assert check.spec == spec


def test_expected_checks_keep_batch_json_as_it_was():
    expected = batch.expected_checks(_report())
    assert [e.spec.id for e in expected["arrays"]] == ["arrays::test_flatten", "arrays::test_one_hot"]  # no error
    skipped = expected["networks"][0]
    assert skipped.skipped and skipped.message.startswith("needs tensorflow")
    assert skipped.to_dict() == {"id": "networks::test_fit", "function": "fit", "title": "fits", "max_points": 3.0,
                                 "bonus": False, "hidden": False, "skipped": True,
                                 "message": "needs tensorflow, which is not installed"}
    for name, checks in expected.items():
        for check in checks:  # batch.json has no guard: it comes back False
            assert ExpectedCheck.from_dict(check.to_dict(), name) == dataclasses.replace(
                check, spec=dataclasses.replace(check.spec, guard=False))


def test_reconcile_adds_placeholders_from_the_specs():
    expected = batch.expected_checks(_report())
    report = GradeReport("/work/other")
    missing = batch.reconcile(report, expected, ["histogram", "networks"], reason="Not graded: it timed out.")
    assert missing == [c.id for c in _report().exercise("histogram").checks]
    counts = report.exercise("histogram").checks
    assert {c.status for c in counts} == {CheckStatus.NOT_GRADED} and {c.message for c in counts} == {
        "Not graded: it timed out."}
    assert [c.guard for c in counts] == [False, False, False, False, True]
    fit = report.exercise("networks").checks[0]
    assert fit.status is CheckStatus.SKIPPED and fit.message.startswith("needs tensorflow")


# -- failures decide the status --------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "status"), [
    (failures.CheckFailed, CheckStatus.FAILED),
    (failures.LearnerFailure, CheckStatus.ERROR),
    (failures.TimedOut, CheckStatus.ERROR),
    (failures.WorkerDied, CheckStatus.ERROR),
    (failures.OutOfMemory, CheckStatus.ERROR),
    (failures.ImportFailed, CheckStatus.ERROR),
    (failures.MissingFunction, CheckStatus.ERROR),
    (failures.NotStarted, CheckStatus.NOT_STARTED),
    (failures.OffLimits, CheckStatus.OFF_LIMITS),
    (failures.MissingModule, CheckStatus.MISSING),
    (failures.Unavailable, CheckStatus.SKIPPED),
])
def test_each_failure_class_carries_its_status(kind, status):
    assert kind.status is status
    assert issubclass(kind, failures.EXPLAINED)


def _recorded(error: BaseException, tmp_path) -> CheckResult:
    from grader.core.runner import GradingPlugin

    plugin = GradingPlugin(tmp_path, [], profile="pixelgrade-test")
    check = CheckResult("x::a", "x", "f", "does a", 1.0, points=1.0)
    plugin._record_failure(check, types.SimpleNamespace(value=error))
    return check


def test_the_runner_takes_the_status_from_the_error(tmp_path):
    class Sulking(failures.LearnerFailure):
        status = CheckStatus.NOT_STARTED  # a class of its own says so: the runner has no table to update

    check = _recorded(Sulking("it sulks", snippet="sulk()"), tmp_path)
    assert (check.status, check.points, check.message, check.snippet) == (CheckStatus.NOT_STARTED, 0.0, "it sulks",
                                                                          "sulk()")
    assert _recorded(failures.OffLimits("used np.histogram"), tmp_path).status is CheckStatus.OFF_LIMITS
    assert _recorded(AssertionError("plain"), tmp_path).status is CheckStatus.FAILED
    broken = _recorded(KeyError("a bug of ours"), tmp_path)
    assert broken.status is CheckStatus.GRADER_ERROR and "not your fault" in broken.message


# -- the current call ----------------------------------------------------------------------------------
def _call_and_look(tmp_path) -> None:
    proxy = learner.LearnerModule("nowhere", tmp_path / "nowhere.py")
    try:
        with pytest.raises(failures.MissingModule):
            proxy.call("histogram", 7)
    finally:
        proxy.close()
    assert learner.last_call() is proxy.last and learner.last_call().function == "histogram"
    with pytest.raises(failures.CheckFailed, match="^Called `"):
        expect.fail("it is wrong")  # about the current call
    assert contextvars.Context().run(learner.last_call) is None  # a fresh context has no call of its own
    seen = []
    thread = threading.Thread(target=lambda: seen.append(learner.last_call()))
    thread.start()
    thread.join()
    assert seen == [None]


def test_the_current_call_is_kept_per_context(tmp_path):
    contextvars.copy_context().run(_call_and_look, tmp_path)  # in a copy: no call is left for later tests


# -- exit codes -------------------------------------------------------------------------------------------
def test_exit_codes_keep_their_numbers():
    assert {code.name: int(code) for code in ExitCode} == {"OK": 0, "NOT_FULL": 1, "USAGE": 2, "GRADER_ERROR": 3}


def test_commands_return_exit_codes(capsys):
    assert type(cli.main(["histogrm"])) is ExitCode
    assert devcheck.run(["nonsense"]) is ExitCode.USAGE  # an unknown exercise
    for argv in (["dev"], ["dev", "nonsense"]):  # arguments argparse refuses: it exits, with the same status
        with pytest.raises(SystemExit) as exited:
            cli.main(argv)
        assert exited.value.code == ExitCode.USAGE
    capsys.readouterr()
