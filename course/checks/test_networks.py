"""Checks for `networks`: Keras models checked by structure and by a forward pass.

A model cannot cross from the worker to the grader, and the worker runs learner code,
so nothing it says about the model is believed: it only saves the model to a file,
which the grader hands to a separate sandboxed process that never ran learner code
(:mod:`grader.core.models`). That process loads it in Keras' safe mode, describes it
(layer kinds and settings in order, output shapes, parameters, loss, optimiser,
metrics) and runs it on inputs the grader sends. Nothing here reads the learner's
source text.

That a model's outputs are probabilities is true of any model ending in a softmax, the
smallest wrong one included: those checks are guards, counted once one of the function's
checks of the model itself (layers, shapes, compilation) passes.
"""

import numpy as np
import pytest

from grader.core import models
from grader.kit.expect import expect, fail
from grader.kit.marks import graded

FORWARD_BATCH = 6


@pytest.fixture(scope="module", autouse=True)
def inspector(learner):
    """One model inspector for every model of this module, stopped with it."""
    yield
    models.close_inspector(learner)


def inspected(learner, function, *args, inputs=None):
    """The learner's model as the inspector found it (fails unless there is a Keras model to grade)."""
    found = models.keras_model(learner, function, *args, inputs=inputs)
    if found.problem:
        fail(f"{found.problem}.", call=found.call)
    return found


def model_summary(learner, function, *args):
    """The learner's model described by the inspector, and the call that returned it."""
    found = inspected(learner, function, *args)
    return found.summary, found.call


def mlp_layers(num_pixels, num_classes):
    return [{"class": "Dense", "units": num_pixels, "activation": "relu"},
            {"class": "Dense", "units": num_classes, "activation": "softmax"}]


def cnn_layers(num_classes):
    return [{"class": "Conv2D", "filters": 32, "kernel_size": [5, 5], "padding": "same", "activation": "relu"},
            {"class": "MaxPooling2D", "pool_size": [2, 2]},
            {"class": "Dropout", "rate": 0.2},
            {"class": "Flatten"},
            {"class": "Dense", "units": 128, "activation": "relu"},
            {"class": "Dense", "units": num_classes, "activation": "softmax"}]


def mlp_shapes(num_pixels, num_classes):
    params = num_pixels * num_pixels + num_pixels + num_pixels * num_classes + num_classes
    return [[None, num_pixels], [None, num_classes]], params


def cnn_shapes(input_shape, num_classes):
    h, w, c = input_shape
    shapes = [[None, h, w, 32], [None, h // 2, w // 2, 32], [None, h // 2, w // 2, 32],
              [None, (h // 2) * (w // 2) * 32], [None, 128], [None, num_classes]]
    params = (5 * 5 * c * 32 + 32) + ((h // 2) * (w // 2) * 32 * 128 + 128) + (128 * num_classes + num_classes)
    return shapes, params


def _settings(layer) -> str:
    shown = {key: value for key, value in layer.items() if key not in ("class", "output_shape", "params")}
    inner = ", ".join(f"{key}={value!r}" for key, value in shown.items())
    return f"{layer['class']}({inner})"


def expect_layers(summary, expected, call):
    """The layers (Input left out) must be ``expected``: kinds in order, then each one's settings."""
    got = summary["layers"]
    kinds = [layer["class"] for layer in got]
    wanted = [layer["class"] for layer in expected]
    if kinds != wanted:
        fail(f"the model's layers are {' -> '.join(kinds) or 'none'}; expected "
             f"{' -> '.join(_settings(layer) for layer in expected)}.", call=call)
    for position, (have, want) in enumerate(zip(got, expected)):
        for key, value in want.items():
            if key == "class":
                continue
            found = have.get(key)
            same = np.isclose(found, value) if isinstance(value, float) and isinstance(found, (int, float)) \
                else found == value
            if not same:
                fail(f"layer {position + 1} ({have['class']}) has {key}={found!r}; expected {key}={value!r} "
                     f"(the model should be {' -> '.join(_settings(layer) for layer in expected)}).", call=call)


def expect_shapes(summary, shapes, params, call):
    got = [layer.get("output_shape") for layer in summary["layers"]]
    if len(got) != len(shapes):
        fail(f"the model has {len(got)} layers (besides its Input); expected {len(shapes)}.", call=call)
    for position, (have, want) in enumerate(zip(got, shapes)):
        if have is None:
            fail("the model has no input shape, so Keras cannot tell its output shapes: start it with "
                 "`keras.Input(shape=...)`.", call=call)
        if list(have) != want:
            fail(f"layer {position + 1} ({summary['layers'][position]['class']}) gives outputs of shape "
                 f"{tuple(have)}; expected {tuple(want)}.", call=call)
    if summary.get("params") != params:
        fail(f"the model has {summary.get('params')} parameters; expected {params:,}.", call=call)


def _plain_name(name) -> str:
    return str(name).lower().replace("_", "") if name is not None else ""


def expect_compiled(summary, call):
    if not summary.get("compiled"):
        fail("the model is not compiled: call `model.compile(optimizer=\"adam\", "
             "loss=\"categorical_crossentropy\", metrics=[\"accuracy\"])` before returning it.", call=call)
    loss = summary.get("loss")
    if _plain_name(loss) != "categoricalcrossentropy":
        fail(f"the model is compiled with the loss {loss!r}; expected \"categorical_crossentropy\" (one-hot labels, "
             "softmax outputs).", call=call)
    if summary.get("from_logits"):
        fail("the loss is told `from_logits=True`, but the model's last layer already gives probabilities "
             "(softmax).", call=call)
    if _plain_name(summary.get("optimizer")) != "adam":
        fail(f"the model is compiled with the optimizer {summary.get('optimizer')!r}; expected \"adam\".", call=call)
    metrics = [_plain_name(metric) for metric in summary.get("metrics") or []]
    if not any(metric in ("accuracy", "acc", "categoricalaccuracy") for metric in metrics):
        fail(f"the model's metrics are {summary.get('metrics')!r}; expected [\"accuracy\"].", call=call)


def expect_probabilities(learner, function, args, x, num_classes):
    """A forward pass on ``x``: one row of ``num_classes`` probabilities per input, each summing to 1."""
    found = inspected(learner, function, *args, inputs=x)
    p, call = found.outputs, found.call
    expect(type(p) is np.ndarray and p.shape == (len(x), num_classes),
           f"on a batch of {len(x)} inputs of shape {x.shape[1:]} the model returned "
           f"{getattr(p, 'shape', p)}; expected shape ({len(x)}, {num_classes}).", call=call)
    expect(np.all(np.isfinite(p)) and np.all(p >= 0) and np.all(p <= 1),
           "the model's outputs are not probabilities (some lie outside [0, 1]): does the last layer use "
           "activation=\"softmax\"?", call=call)
    sums = p.sum(axis=1)
    expect(np.allclose(sums, 1, atol=1e-4),
           f"each row of the model's output should sum to 1 (softmax); the rows sum to {sums.min():.4g} .. "
           f"{sums.max():.4g}.", call=call)


def random_inputs(shape, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, size=(FORWARD_BATCH, *shape)).astype(np.float32)


# -- build_mlp -----------------------------------------------------------------------------
@graded("build_mlp", 3)
def test_mlp_layers(learner):
    """build_mlp(): Dense(784, relu) -> Dense(10, softmax), in that order"""
    summary, call = model_summary(learner, "build_mlp")
    expect_layers(summary, mlp_layers(784, 10), call)


@graded("build_mlp", 2)
def test_mlp_shapes_and_parameters(learner):
    """build_mlp() takes (784,) inputs, gives (None, 10) outputs and has 623,290 parameters"""
    summary, call = model_summary(learner, "build_mlp")
    if summary.get("input_shape") != [None, 784]:
        fail(f"the model takes inputs of shape {summary.get('input_shape')}; expected (None, 784): start it with "
             "`keras.Input(shape=(num_pixels,))`.", call=call)
    expect_shapes(summary, *mlp_shapes(784, 10), call)


@graded("build_mlp", 2)
def test_mlp_compiled(learner):
    """build_mlp() is compiled with adam, categorical_crossentropy and the accuracy metric"""
    expect_compiled(*model_summary(learner, "build_mlp"))


@graded("build_mlp", 1)
@pytest.mark.parametrize("num_pixels, num_classes", [(64, 5), (100, 3)])
def test_mlp_follows_its_arguments(learner, num_pixels, num_classes):
    """build_mlp(num_pixels, num_classes) follows its arguments"""
    summary, call = model_summary(learner, "build_mlp", num_pixels, num_classes)
    expect_layers(summary, mlp_layers(num_pixels, num_classes), call)
    expect_shapes(summary, *mlp_shapes(num_pixels, num_classes), call)


@graded("build_mlp", 2, guard=True)
def test_mlp_gives_probabilities(learner):
    """build_mlp()'s outputs are probabilities: one row per image, each summing to 1"""
    expect_probabilities(learner, "build_mlp", (), random_inputs((784,)), 10)


# -- build_cnn -----------------------------------------------------------------------------
@graded("build_cnn", 3)
def test_cnn_layers(learner):
    """build_cnn(): Conv2D(32, 5, same, relu) -> MaxPooling2D(2) -> Dropout(0.2) -> Flatten -> Dense -> Dense"""
    summary, call = model_summary(learner, "build_cnn")
    expect_layers(summary, cnn_layers(10), call)


@graded("build_cnn", 2)
def test_cnn_shapes_and_parameters(learner):
    """build_cnn() keeps 28 x 28 through the convolution, halves it by pooling, and has 805,066 parameters"""
    summary, call = model_summary(learner, "build_cnn")
    if summary.get("input_shape") != [None, 28, 28, 1]:
        fail(f"the model takes inputs of shape {summary.get('input_shape')}; expected (None, 28, 28, 1): start it "
             "with `keras.Input(shape=input_shape)`.", call=call)
    expect_shapes(summary, *cnn_shapes((28, 28, 1), 10), call)


@graded("build_cnn", 2)
def test_cnn_compiled(learner):
    """build_cnn() is compiled with adam, categorical_crossentropy and the accuracy metric"""
    expect_compiled(*model_summary(learner, "build_cnn"))


@graded("build_cnn", 1)
# 7 x 9: on an odd side, pooling with padding="same" keeps the last row and column (4 x 5)
# where the contract's MaxPooling2D(2) (padding="valid") drops them (3 x 4); on even sides
# the two agree.
@pytest.mark.parametrize("input_shape, num_classes", [((8, 8, 1), 10), ((12, 16, 3), 4), ((7, 9, 1), 3)],
                         ids=["8x8x1-10", "12x16x3-4", "7x9x1-3"])
def test_cnn_follows_its_arguments(learner, input_shape, num_classes):
    """build_cnn(input_shape, num_classes) follows its arguments"""
    summary, call = model_summary(learner, "build_cnn", input_shape, num_classes)
    expect_layers(summary, cnn_layers(num_classes), call)
    expect_shapes(summary, *cnn_shapes(input_shape, num_classes), call)


@graded("build_cnn", 2, guard=True)
def test_cnn_gives_probabilities(learner):
    """build_cnn()'s outputs are probabilities: one row per image, each summing to 1"""
    expect_probabilities(learner, "build_cnn", (), random_inputs((28, 28, 1)), 10)
