"""The trusted inspector: loads a saved Keras model without running its code, describes it, runs it.

A learner's Keras model never crosses to the grader, and nothing the learner's worker
says about it is believed: the worker only saves it to a ``.keras`` file
(:func:`grader.sandbox.adapters.save_keras`). The grader copies that file
(:mod:`grader.core.models`) into this process's scratch folder, and this module,
run in a sandboxed worker of its own that never imported learner code, loads it with
Keras' safe mode (no Python lambda, no custom class: only Keras' own layers, losses
and metrics are rebuilt) and answers with plain data: the model's structure (what the
checks of ``networks`` compare) and its outputs on inputs the grader sent.

It is started by the grader as an ordinary worker module (a private copy of this one
file), so it must import nothing of the grader's: the worker refuses ``grader.*``
imports made after start-up. Every answer is a dict; whatever goes wrong with the
file or the model is a sentence under ``"problem"``, never an exception.
"""

from __future__ import annotations

import os
import tempfile
import zipfile

import keras  # imported at start-up, while the learner's call runs: the first model is quicker
import numpy as np

SHOWN_CHARACTERS = 300
# The layer settings the checks compare (those a layer has; the others are left out).
LAYER_KEYS = ("units", "filters", "kernel_size", "strides", "padding", "activation", "pool_size", "rate",
              "use_bias")
PREDICT_BATCH = 500
REFUSED = ("the model could not be loaded without running its code (the grader loads every model with Keras' "
           "safe mode, which runs none)")
HOW_TO_FIX = ("Build it from Keras' own layers, with activations, losses and metrics given by name: a `Lambda` "
              "layer, a layer class of your own or a Python function in the model cannot be loaded that way")


def _short(text, limit: int = SHOWN_CHARACTERS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _plain(value):
    """JSON-like plain data for a layer's setting (tuples become lists, objects their names)."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, dict):  # a serialised object: its class name says enough
        name = value.get("class_name") or (value.get("config") or {}).get("name")
        return _short(name if name is not None else value)
    return _short(value)


def _name_of(thing):
    """The name of a loss, metric or optimiser however it was given (a name, a config, an object)."""
    if thing is None or isinstance(thing, str):
        return thing
    if isinstance(thing, dict):
        config = thing.get("config")
        if isinstance(config, dict) and isinstance(config.get("name"), str):
            return config["name"]
        return _short(thing.get("class_name", thing))
    for attribute in ("name", "__name__"):
        name = getattr(thing, attribute, None)
        if isinstance(name, str):
            return name
    return type(thing).__name__


def _shape(tensor_or_shape) -> list:
    shape = getattr(tensor_or_shape, "shape", tensor_or_shape)
    return [None if s is None else int(s) for s in tuple(shape)]


def _layer_summary(layer) -> dict:
    entry = {"class": type(layer).__name__}
    try:
        config = layer.get_config()
    except Exception as error:  # noqa: BLE001 - a layer that cannot say its settings
        config = {}
        entry["config_problem"] = _short(error)
    for key in LAYER_KEYS:
        if key in config:
            entry[key] = _plain(config[key])
    try:
        entry["output_shape"] = _shape(layer.output)
    except Exception:  # noqa: BLE001 - never called: a model saved without an input shape
        entry["output_shape"] = None
    try:
        entry["params"] = int(layer.count_params())
    except Exception:  # noqa: BLE001
        entry["params"] = None
    return entry


def _optional(getter):
    try:
        return getter()
    except Exception:  # noqa: BLE001 - not built: no input shape was given
        return None


def summary(model) -> dict:
    """A plain description of a Keras model: its layers in order, shapes, parameters and compilation.

    Input layers are left out (a Sequential model built with ``keras.Input`` has none
    in ``model.layers``, a functional model has one).
    """
    described = {
        "type": f"{type(model).__module__}.{type(model).__qualname__}",
        "layers": [_layer_summary(layer) for layer in model.layers if type(layer).__name__ != "InputLayer"],
        "input_shape": _optional(lambda: _shape(model.inputs[0])),
        "output_shape": _optional(lambda: _shape(model.outputs[0])),
        "params": _optional(lambda: int(model.count_params())),
        # Loaded with compile=True, a model is compiled exactly when it was saved compiled:
        # model.save keeps the compile configuration (loss, optimiser, metrics) and rebuilds it.
        "compiled": bool(getattr(model, "compiled", False)),
    }
    config = _optional(model.get_compile_config) or {}
    loss = config.get("loss", getattr(model, "loss", None))
    described["loss"] = _name_of(loss)
    described["from_logits"] = bool((loss.get("config") or {}).get("from_logits")) if isinstance(loss, dict) \
        else bool(getattr(loss, "from_logits", False))
    optimizer = getattr(model, "optimizer", None)
    described["optimizer"] = type(optimizer).__name__ if optimizer is not None else None
    metrics = config.get("metrics") or []
    if not isinstance(metrics, (list, tuple)):
        metrics = [metrics]
    described["metrics"] = [_name_of(metric) for metric in metrics]
    return described


def outputs(model, inputs) -> tuple[np.ndarray | None, str | None]:
    """The model's output on ``inputs`` as a float64 ndarray, or the reason there is none."""
    try:
        out = np.asarray(model.predict(inputs, batch_size=PREDICT_BATCH, verbose=0))
    except Exception as error:  # noqa: BLE001 - the learner's model, the grader's inputs: say why they do not fit
        return None, (f"running the model on a batch of shape {tuple(np.shape(inputs))} raised "
                      f"{type(error).__name__}: {_short(error)}")
    if out.dtype.kind not in "biuf":
        return None, f"the model's output has dtype {out.dtype}; expected numbers"
    return np.ascontiguousarray(out, dtype=np.float64), None


def _load(path: str):
    """The model saved at ``path``, loaded in safe mode, or the reason it cannot be."""
    if not zipfile.is_zipfile(path):  # Keras would call it "not found"
        return None, "the file saved for the grader is not a Keras model (a `.keras` zip archive)"
    try:
        return keras.saving.load_model(path, compile=True, safe_mode=True), None
    except Exception as error:  # noqa: BLE001 - a model safe mode refuses, or a broken archive
        # Keras' first sentence says what it refused; the rest tells whoever loads the file how to
        # trust it anyway, which is not the learner's to do.
        why = str(error).replace(path, os.path.basename(path)).split(". ")[0]
        return None, f"{REFUSED}: {type(error).__name__}: {_short(why).rstrip('.')}. {HOW_TO_FIX}"


def inspect(name: str, inputs=None) -> dict:
    """Load the model file ``name`` (in this worker's scratch folder), describe it and run it on ``inputs``.

    Parameters
    ----------
    name : str
        A plain file name that the grader copied into this worker's scratch folder.
    inputs : numpy.ndarray, optional
        A batch to run the model on (none: the model is only described).

    Returns
    -------
    dict
        ``{"summary": dict or None, "outputs": ndarray or None, "problem": str or None}``;
        ``problem`` says, in the learner's terms, why there is no summary or no outputs.
    """
    answer = {"summary": None, "outputs": None, "problem": None}
    if not isinstance(name, str) or os.path.basename(name) != name or name in ("", ".", ".."):
        answer["problem"] = "the grader asked for a file outside its scratch folder"
        return answer
    model, problem = _load(os.path.join(tempfile.gettempdir(), name))
    if problem:
        answer["problem"] = problem
        return answer
    try:
        answer["summary"] = summary(model)
    except Exception as error:  # noqa: BLE001 - a model that breaks when looked at
        answer["problem"] = f"looking at the model raised {type(error).__name__}: {_short(error)}"
        return answer
    if inputs is not None:
        answer["outputs"], answer["problem"] = outputs(model, inputs)
    keras.backend.clear_session()  # the next model of this grading starts from a clean slate
    return answer
