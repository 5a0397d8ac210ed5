"""Keras models are judged by the grader's inspector, never by what the learner's worker says.

The file a worker saves is taken out of its scratch folder only if it is a plain file of
the worker's own (``grader.core.models.copy_model_file``); the inspector loads it in
Keras' safe mode in a sandboxed process of its own. A submission that forges the
worker's adapters, plants a link or a FIFO under the model's name, or returns a model
with a ``Lambda`` layer earns nothing and gets a plain message, at the full level and at
the Landlock-only level.
"""

from __future__ import annotations

import importlib.util
import os
import stat
import textwrap
import threading
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import COURSE, SOLUTIONS, needs_tensorflow

from grader import api
from grader.core import failures, models, results
from grader.kit.describe import CallRecord

SECRET = "pixelgrade-secret-7f3a9c1e"


# -- taking the file out of the learner's scratch folder -------------------------------------
@pytest.fixture
def folders(tmp_path):
    scratch, destination = tmp_path / "scratch", tmp_path / "inspector"
    scratch.mkdir()
    destination.mkdir()
    return scratch, destination


@pytest.fixture
def root_only_file(tmp_path):
    """A file only its owner may read, holding SECRET (what a planted link would point at)."""
    path = tmp_path / "private" / "shadow"
    path.parent.mkdir()
    path.write_text(f"root:{SECRET}:19000:0:99999:7:::\n")
    path.chmod(0o600)
    return path


def _take(scratch, name, destination, *, owner=None, limit=models.MAX_MODEL_BYTES):
    models.copy_model_file(scratch, name, destination / "copy.keras", owner=owner, limit=limit)


def test_a_plain_file_is_copied_and_given_back(folders):
    scratch, destination = folders
    name = models.model_file_name()
    (scratch / name).write_bytes(b"PK\x03\x04 a model")
    _take(scratch, name, destination, owner=os.geteuid())
    assert (destination / "copy.keras").read_bytes() == b"PK\x03\x04 a model"
    assert not (scratch / name).exists(), "the learner's scratch space is given back"


def test_a_link_to_a_root_only_file_is_never_followed(folders, root_only_file):
    scratch, destination = folders
    name = models.model_file_name()
    os.symlink(root_only_file, scratch / name)
    with pytest.raises(models.ModelFileRefused) as refused:
        _take(scratch, name, destination)
    assert "not a regular file" in str(refused.value) and SECRET not in str(refused.value)
    assert not (destination / "copy.keras").exists()


def test_a_hard_link_is_refused(folders, root_only_file):
    scratch, destination = folders
    name = models.model_file_name()
    os.link(root_only_file, scratch / name)
    with pytest.raises(models.ModelFileRefused, match="hard link"):
        _take(scratch, name, destination)
    assert not (destination / "copy.keras").exists()


def test_a_fifo_is_refused_without_waiting_for_a_writer(folders):
    scratch, destination = folders
    name = models.model_file_name()
    os.mkfifo(scratch / name)
    outcome = []
    reader = threading.Thread(target=lambda: outcome.append(_refusal(scratch, name, destination)), daemon=True)
    reader.start()
    reader.join(10)
    assert not reader.is_alive(), "opening a FIFO planted as the model blocked the grader"
    assert outcome and "not a regular file" in outcome[0]


def _refusal(scratch, name, destination) -> str:
    try:
        _take(scratch, name, destination)
    except models.ModelFileRefused as refused:
        return str(refused)
    return "copied"


@pytest.mark.parametrize("case, words", [
    ("another owner", "belongs to another user"),
    ("too large", "larger than"),
    ("missing", "no model was saved"),
    ("a name of the learner's", "name the grader did not choose"),
])
def test_other_files_are_refused(folders, case, words):
    scratch, destination = folders
    name = models.model_file_name()
    if case != "missing":
        (scratch / name).write_bytes(b"x" * 4096)
    if case == "a name of the learner's":
        name = "../secret.keras"
    owner = os.geteuid() + 1 if case == "another owner" else None
    limit = 1024 if case == "too large" else models.MAX_MODEL_BYTES
    with pytest.raises(models.ModelFileRefused, match=words):
        _take(scratch, name, destination, owner=owner, limit=limit)
    assert not (destination / "copy.keras").exists()


def test_a_link_planted_where_the_copy_goes_is_not_written_through(folders, root_only_file):
    scratch, destination = folders
    name = models.model_file_name()
    (scratch / name).write_bytes(b"a model")
    os.symlink(root_only_file, destination / "copy.keras")
    with pytest.raises(FileExistsError):
        _take(scratch, name, destination)
    assert SECRET in root_only_file.read_text() and stat.S_IMODE(root_only_file.stat().st_mode) == 0o600


# -- the training budget measures something --------------------------------------------------
def _training_checks():
    spec = importlib.util.spec_from_file_location("training_checks", COURSE.checks_dir / "test_training.py")
    module = importlib.util.module_from_spec(spec)
    with warnings.catch_warnings():  # its marks are registered by the grader's own pytest run only
        warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
        spec.loader.exec_module(module)
    return module


def _trained(seconds: float, outputs=None, problem=None):
    digits = SimpleNamespace(x_test=np.zeros((4, 8, 8), np.uint8), y_test=np.arange(4), description="four digits",
                             source="file")
    if outputs is None and problem is None:
        outputs = np.full((4, 10), 0.1)
    call = CallRecord("training", "train_cnn", (), {}, [])
    return digits, models.Inspection({}, outputs, problem, call, seconds)


def test_the_time_budget_check_can_fail_on_its_own():
    """The call may run past the budget (its limit is twice it), so the budget check has something to measure."""
    from imagecourse import mlcheck

    checks = _training_checks()
    assert mlcheck.TRAINING_LIMIT_S > mlcheck.TRAINING_BUDGET_S
    checks.test_within_time_budget(_trained(mlcheck.TRAINING_BUDGET_S - 1))
    with pytest.raises(failures.CheckFailed, match="the budget is"):
        checks.test_within_time_budget(_trained(mlcheck.TRAINING_BUDGET_S + 1))
    with pytest.raises(failures.CheckFailed, match="not a Keras model"):
        checks.test_within_time_budget(_trained(1.0, problem="it returned a `list`, not a Keras model"))


# -- hostile submissions, graded ----------------------------------------------------------------
HOSTILE_NETWORKS = '''
import os
import sys
import tempfile

import numpy as np

SECRET_FILE = {secret_file!r}


def _adapters():
    return sys.modules["grader.sandbox.adapters"].ADAPTERS


GRADERS_SAVE = _adapters()["save_keras"]


def _at(name):
    return os.path.join(tempfile.gettempdir(), name)


def _forge_every_adapter():
    """What a summary of the right model looked like, and probabilities, without any model."""
    layers = [{{"class": "Dense", "units": 784, "activation": "relu", "output_shape": [None, 784], "params": 615440}},
              {{"class": "Dense", "units": 10, "activation": "softmax", "output_shape": [None, 10], "params": 7850}}]
    summary = {{"is_model": True, "type": "keras.Sequential", "layers": layers, "problem": None,
               "input_shape": [None, 784], "output_shape": [None, 10], "params": 623290, "compiled": True,
               "loss": "categorical_crossentropy", "from_logits": False, "optimizer": "Adam", "metrics": ["accuracy"]}}
    table = _adapters()
    table["keras_summary"] = lambda value, *args: summary
    table["predict_probabilities"] = lambda value, x: {{"type": "keras.Sequential", "problem": None,
                                                        "probabilities": np.full((len(x), 10), 0.1)}}
    table["save_keras"] = lambda value, name: {{"file": name}}  # and nothing saved


def _plant(how):
    def save_keras(value, name):
        try:
            if how == "link":
                os.symlink(SECRET_FILE, _at(name))
            elif how == "fifo":
                os.mkfifo(_at(name))
            else:
                with open(_at(name), "wb") as garbage:
                    garbage.write(b"PK\\x03\\x04 not a model at all")
        except OSError as error:  # a sandbox that forbids making one: say so in the file's place
            with open(_at(name), "w") as note:
                note.write(f"could not plant a {{how}}: {{error}}")
        return {{"file": name}}

    _adapters()["save_keras"] = save_keras


def build_mlp(num_pixels=784, num_classes=10):
    if num_pixels == 784:
        _forge_every_adapter()
    else:
        _plant("link" if num_pixels == 64 else "fifo")
    return None


def build_cnn(input_shape=(28, 28, 1), num_classes=10):
    if tuple(input_shape) == (28, 28, 1):
        _plant("garbage")
        return None
    _adapters()["save_keras"] = GRADERS_SAVE  # the Lambda layer is saved as the grader would
    import keras

    model = keras.Sequential([
        keras.Input(shape=tuple(input_shape)),
        keras.layers.Lambda(lambda x: x * 2.0),
        keras.layers.Flatten(),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model
'''


@pytest.mark.ml
@needs_tensorflow
@pytest.mark.parametrize("level", ["auto", "landlock"])
def test_forged_adapters_planted_files_and_lambda_layers_earn_nothing(tmp_path, monkeypatch, root_only_file, level):
    monkeypatch.setenv("PIXELGRADE_ISOLATION", level)
    target = tmp_path / "submission"
    target.mkdir()
    (target / "networks.py").write_text(textwrap.dedent(HOSTILE_NETWORKS.format(secret_file=str(root_only_file))))
    report = api.grade(["networks"], target=target)
    checks = report.exercise("networks").checks
    assert report.exercise("networks").points == 0, [(c.id, c.points) for c in checks if c.points]
    assert all(c.status in (results.FAILED, results.ERROR) for c in checks), [(c.id, c.status, c.message)
                                                                             for c in checks]
    assert not any(SECRET in f"{c.message}{c.snippet}" for c in checks), "the planted link was followed"
    by_case = {c.id.split("::")[-1]: c.message for c in checks}
    assert "no model was saved under the name the grader asked for" in by_case["test_mlp_layers"]
    assert "no model was saved" in by_case["test_mlp_gives_probabilities"]
    assert "not a regular file" in by_case["test_mlp_follows_its_arguments[64-5]"]  # the link
    fifo = by_case["test_mlp_follows_its_arguments[100-3]"]  # the FIFO, or a note where none can be made
    assert "not a regular file" in fifo or "not a Keras model (a `.keras` zip archive)" in fifo
    assert "not a Keras model (a `.keras` zip archive)" in by_case["test_cnn_layers"]  # garbage bytes
    lambda_layer = by_case["test_cnn_follows_its_arguments[8x8x1-10]"]
    assert "could not be loaded without running its code" in lambda_layer and "Lambda" in lambda_layer
    assert "safe mode" in lambda_layer


@pytest.mark.ml
@needs_tensorflow
def test_references_get_full_marks_at_the_landlock_level(monkeypatch):
    """The networks references, inspected by an inspector under Landlock alone (the full level: tests/curriculum)."""
    monkeypatch.setenv("PIXELGRADE_ISOLATION", "landlock")
    report = api.grade(["networks"], target=SOLUTIONS)
    assert "namespaces" not in report.settings["isolation"] and "landlock" in report.settings["isolation"]
    lost = [f"{c.id}: {c.status}: {c.message}" for c in report.exercise("networks").checks
            if c.status != results.PASSED]
    assert not lost, "\n".join(lost)
    assert report.points == report.max_points > 0
