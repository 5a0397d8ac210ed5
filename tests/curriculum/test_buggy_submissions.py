"""Every buggy submission of the table (tests/curriculum/buggy_submissions.py) gets the grade its entry says.

The broken function loses points and no other function loses any; each failed check
says what was called (or, for an off-limits call, that the oracle was called); the
checks the entry names fail; the expected misconception is named in that function's
checks and nowhere else, and a bug the catalog does not know is named nowhere. The
TensorFlow exercises' entries are marked ``ml`` and skipped, with the reason, where it
is missing; they are compared with the references' grade from ``ml_solutions_report``.
"""

from __future__ import annotations

import pytest
from buggy_submissions import SUBMISSIONS, Buggy, by_id
from conftest import BY_NAME, ML_EXERCISES, counted_points, diagnoses, make_submission, needs_tensorflow

from grader import api
from grader.core import diagnosis, results


def needs_ml(entry: Buggy) -> bool:
    return entry.exercise in ML_EXERCISES


def rounds(entries) -> list[list[Buggy]]:
    """The entries in rounds of at most one per exercise (and one number of examples each).

    One round is one submission (each exercise's module broken by its own entry) and one
    ``api.grade`` call: the exercises' modules never import one another and each has its
    own worker, so an entry's exercise grades as it would alone, while pytest starts, the
    checks are collected and the workers start once a round rather than once an entry.
    The TensorFlow exercises' entries have rounds of their own: they are skipped where it
    is missing (or deselected, ``-m "not ml"``), and no other entry waits for a training.
    """
    found: list[list[Buggy]] = []
    for entry in entries:
        fits = (r for r in found if r[0].examples == entry.examples and needs_ml(r[0]) == needs_ml(entry)
                and all(e.exercise != entry.exercise for e in r))
        here = next(fits, None)
        if here is None:
            found.append([entry])
        else:
            here.append(entry)
    return found


ROUNDS = rounds(SUBMISSIONS)
ROUND_OF = {entry.id: i for i, r in enumerate(ROUNDS) for entry in r}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The report of an entry's round, graded when first asked for (so ``-k`` grades only what it selects)."""
    done: dict = {}

    def report_of(entry: Buggy):
        i = ROUND_OF[entry.id]
        if i not in done:
            target = tmp_path_factory.mktemp(f"round-{i}")
            for e in ROUNDS[i]:
                make_submission(target, [e.exercise], replace={e.exercise: {e.function: e.source}})
            done[i] = api.grade([e.exercise for e in ROUNDS[i]], target=target, max_examples=ROUNDS[i][0].examples)
        return done[i]

    return report_of


def param(entry: Buggy):
    """``entry`` as a test's parameter, with its id; the TensorFlow exercises' are marked ``ml``."""
    return pytest.param(entry, id=entry.id, marks=(pytest.mark.ml, needs_tensorflow) if needs_ml(entry) else ())


def check_name(check) -> str:
    """A check's test function: its id without the module and the parameters."""
    return check.id.split("::")[-1].split("[")[0]


def test_the_table_names_known_functions_once():
    assert len({entry.id for entry in SUBMISSIONS}) == len(SUBMISSIONS), "two entries with one id"
    for entry in SUBMISSIONS:
        exercise = BY_NAME[entry.exercise]
        assert entry.function in exercise.functions, entry.id
        assert entry.oracle is None or entry.oracle in exercise.off_limits.get(entry.function, ()), entry.id
        assert all(diagnosis.mistakes().by_id(identifier) for identifier in entry.misconceptions), entry.id


@pytest.mark.parametrize("entry", [param(entry) for entry in SUBMISSIONS])
def test_a_buggy_submission_gets_its_grade(graded, request, entry):
    # The references' grade, graded once a session: the TensorFlow exercises' apart (it trains a CNN).
    reference = request.getfixturevalue("ml_solutions_report" if needs_ml(entry) else "solutions_report")
    report = graded(entry)
    exercise, function = entry.exercise, entry.function
    checks = report.exercise(exercise).checks
    assert [c.id for c in checks if c.status == results.GRADER_ERROR] == []

    # Points: the broken function loses some, every other one keeps all the reference's.
    # Speed bonuses are left out: they time real calls, and a busy machine must not fail this.
    full, got = counted_points(reference, exercise), counted_points(report, exercise)
    assert got[function][0] < got[function][1], f"{function} kept all its points"
    assert {name: p for name, p in got.items() if name != function} == {
        name: p for name, p in full.items() if name != function}, "another function lost points"

    # An oracle call is caught wherever the function runs, the speed check included.
    lost = [c for c in checks if c.status != results.PASSED and (entry.oracle or not c.bonus)]
    assert lost and all(c.function == function for c in lost), [(c.id, c.status) for c in lost]
    if entry.oracle:
        # Every check that ran the function to the end found the call; the ones that passed
        # are the checks of its argument errors, raised before it. Its guards (such as
        # "input unchanged") wait for a value check, which the oracle call lost.
        value_checks = [c for c in lost if not c.guard]
        assert {c.status for c in value_checks} == {results.OFF_LIMITS}, [(c.id, c.status, c.message) for c in lost]
        assert all(f"`{function}` called `{entry.oracle}`" in c.message for c in value_checks), value_checks[0].message
        assert all(c.status == results.OFF_LIMITS or c.message.startswith("Not counted yet") for c in lost if c.guard)
    else:
        # Each says what was called, or that a guard waits for a value check (grader.kit.marks).
        assert all(c.status in (results.FAILED, results.ERROR)
                   and _details(c).startswith(("Called `", "Not counted yet")) for c in lost), [
            (c.id, c.status, c.message) for c in lost]

    for name in entry.fails:
        named = [c for c in checks if check_name(c) == name]
        assert named and all(c.status == results.FAILED and c.points == 0 for c in named), [
            (c.id, c.status, c.points) for c in named]
    if entry.breaks:
        named = [c for c in checks if check_name(c) == entry.breaks]
        assert any(c.status != results.PASSED for c in named), (f"{entry.breaks} passed", [c.id for c in named])

    # The misconception: named in the function's checks only, first, and only in checks it failed.
    found = diagnoses(report, exercise)
    assert found == ({function: set(entry.misconceptions)} if entry.misconceptions else {}), f"diagnosed as {found}"
    for check in checks:
        if check.misconception:
            sentence = diagnosis.mistakes().by_id(check.misconception).sentence()
            assert check.message.startswith(sentence + "\n") and check.status != results.PASSED, check.id

    # A fast wrong answer earns nothing: the broken function's speed bonus waits for all its value checks.
    assert all(c.status != results.PASSED for c in checks if c.bonus and c.function == function), [
        (c.id, c.status) for c in checks if c.bonus]


@pytest.mark.parametrize("name", ["Otsu in floating point (a loop over t)", "Otsu in floating point (cumulative sums)"])
def test_otsu_in_floating_point_is_taught_why_ties_need_exact_scores(graded, name):
    report = graded(by_id(name))
    ties = [c for c in report.exercise("thresholding").checks if check_name(c) == "test_otsu_compares_exactly_on_ties"]
    assert len(ties) == 2  # the worked examples, and random symmetric histograms
    for check in ties:
        assert check.status == results.FAILED and check.points == 0, check.id
        assert "exactly the same between-class variance" in check.message and "floating point" in check.message


@pytest.mark.parametrize("entry", [param(entry) for entry in SUBMISSIONS if entry.exercise == "training"])
def test_a_training_bug_is_told_what_its_model_did(graded, entry):
    checks = graded(entry).exercise("training").checks
    accuracy = next(c for c in checks if "held_out_accuracy" in c.id)
    assert "held-out images" in accuracy.message or "not a Keras model" in accuracy.message, accuracy.message
    # A model that learned nothing earns none of the structural points: its outputs may well be
    # probabilities, in time, with the input unchanged, but those count behind the accuracy (guards).
    structural = [c for c in checks if c is not accuracy]
    assert structural and all(c.guard and c.points == 0 for c in structural), [(c.id, c.points) for c in structural]
    if entry.id == "train_cnn returns an untrained model":
        assert all(c.message.startswith("Not counted yet") for c in structural), [c.message for c in structural]


DO_NOTHING = {
    "returns None": "return None",
    "raises TypeError whatever it is given": "raise TypeError('image: no')",
}


@pytest.mark.parametrize("kind", DO_NOTHING)
def test_a_function_that_does_nothing_earns_nothing(tmp_path, kind):
    """Guards (inputs unchanged, errors for bad input) count only once the function computes right values."""
    body = DO_NOTHING[kind]
    replace = {name: f"def {name}(*args, **kwargs):\n    {body}\n"
               for name in ("histogram", "cumulative_histogram", "normalised_cdf")}
    target = make_submission(tmp_path, ["histogram"], replace={"histogram": replace})
    report = api.grade(["histogram"], target=target, max_examples=5)
    assert report.exercise("histogram").points == 0, [(c.id, c.points) for c in report.exercise("histogram").checks
                                                       if c.points]
    guards = [c for c in report.exercise("histogram").checks if c.guard]
    assert guards and all(c.points == 0 for c in guards)
    if kind == "returns None":  # it leaves its input unchanged, as doing nothing does: said so
        unchanged = [c for c in guards if "unchanged" in c.title]
        assert unchanged and all(c.message.startswith("Not counted yet") for c in unchanged)


def test_guards_count_for_a_correct_function(solutions_report):
    # The speed bonuses are guards too, but they time real calls: a busy machine must not fail this.
    guards = [c for e in solutions_report.exercises for c in e.checks if c.guard and not c.bonus]
    assert guards and all(c.status == results.PASSED and c.points == c.max_points for c in guards)


def _details(check) -> str:
    """The message after the sentence that names a misconception (if the failure was diagnosed)."""
    return check.message.split("\n", 1)[1] if check.misconception else check.message
