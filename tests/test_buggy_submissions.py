"""Deliberately buggy submissions lose the points of the broken function, and only those."""

import pytest
from conftest import assert_diagnosis, make_submission, points_by_function

from grader import api, results

BUGS = {
    "histogram over 0..254": ("histogram", "histogram", """
        def histogram(image):
            image = _check_uint8(image)
            return np.bincount(image.ravel(), minlength=255)[:255].astype(np.int64)
    """),
    "float output from equalise": ("equalisation", "equalise", """
        def equalise(image):
            image = np.asarray(image)
            if image.dtype != np.uint8:
                raise TypeError(f"image must be uint8; got {image.dtype}")
            lookup = (255 * _cumulative_histogram(image)) // image.size
            return lookup[image].astype(np.float64)
    """),
    "equalise modifies its input in place": ("equalisation", "equalise", """
        def equalise(image):
            if image.dtype != np.uint8:
                raise TypeError(f"image must be uint8; got {image.dtype}")
            lookup = ((255 * _cumulative_histogram(image)) // image.size).astype(np.uint8)
            image[...] = lookup[image]
            return image.copy()
    """),
    "Fortran-order flatten": ("arrays", "flatten", """
        def flatten(images):
            images = np.asarray(images)
            return images.reshape(images.shape[0], -1, order="F").copy()
    """),
    "cumulative histogram off by one": ("histogram", "cumulative_histogram", """
        def cumulative_histogram(image):
            counts = _counts(image)
            return np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    """),
    "normalise returns float64": ("arrays", "normalise", """
        def normalise(images):
            return np.asarray(images) / 255
    """),
    "one_hot accepts bad labels": ("arrays", "one_hot", """
        def one_hot(labels, num_classes):
            labels = np.asarray(labels)
            return np.eye(num_classes, dtype=np.float32)[labels % num_classes]
    """),
    "equalise_colour equalises each channel": ("equalisation", "equalise_colour", """
        def equalise_colour(image):
            rgb = np.asarray(image)[:, :, :3]
            return np.stack([equalise(rgb[:, :, c]) for c in range(3)], axis=2)
    """),
}


@pytest.mark.parametrize("bug", BUGS)
def test_bug_costs_only_its_function(tmp_path, solutions_report, bug):
    module, function, source = BUGS[bug]
    target = make_submission(tmp_path, [module], replace={module: {function: source}})
    report = api.grade([module], target=target)
    full = points_by_function(solutions_report, module)
    got = points_by_function(report, module)
    for name, (points, most) in got.items():
        if name == function:
            assert points < most, f"{bug}: {function} kept all its points"
        else:
            assert (points, most) == full[name], f"{bug}: {name} lost points it should not have"
    failed = [c for c in report.exercise(module).checks if c.status != results.PASSED]
    # Each says what was called, or that a guard waits for a value check (grader.marks).
    assert all(c.status in (results.FAILED, results.ERROR) and _details(c).startswith(("Called `", "Not counted yet"))
               for c in failed), [
        (c.status, c.message) for c in failed]
    assert_diagnosis(report, module, function, bug)


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
    guards = [c for e in solutions_report.exercises for c in e.checks if c.guard]
    assert guards and all(c.status == results.PASSED and c.points == c.max_points for c in guards)


def _details(check) -> str:
    """The message after the sentence that names a misconception (if the failure was diagnosed)."""
    return check.message.split("\n", 1)[1] if check.misconception else check.message
