"""Grader-side code that runs inside the worker, after a learner's function returns.

Some results cannot cross to the grader as data (a Keras model, a fitted
scikit-learn classifier). An adapter, named by the grader in its request, turns
such a result into plain data inside the worker: a structural summary, or
predictions on inputs the grader sends. Adapters are the grader's code, never the
learner's, and run after the learner's call has ended.
"""

from __future__ import annotations

import sys

import numpy as np

from grader.kit import describe

ADAPTERS: dict = {}


def adapter(function):
    """Register an adapter under its function name."""
    ADAPTERS[function.__name__] = function
    return function


@adapter
def type_name(value):
    """The exact type of the returned value (for checks that only need that)."""
    return describe.type_name(value)


# -- models (the data exercises) ------------------------------------------------------------
# Everything below imports only third-party packages, lazily: the worker does not let
# code loaded after the learner's module import `grader.*`. An adapter never raises (the
# worker calls it after the learner's call, outside its error handling): whatever goes
# wrong is described in a plain dict under "problem", for the check to report.


def _is_keras_model(value) -> bool:
    keras = sys.modules.get("keras")  # a Keras model cannot exist unless Keras was imported
    if keras is None:
        return False
    try:
        return isinstance(value, keras.Model)
    except Exception:  # noqa: BLE001
        return False


def _plain(value):
    """JSON-like plain data for a layer's config value (tuples become lists)."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, dict):  # a serialised object: its class name says enough
        name = value.get("class_name") or value.get("config", {}).get("name")
        return describe.shorten(name) if name is not None else describe.shorten(value)
    return describe.shorten(value)


def _name_of(thing):
    """The name of a loss, metric or activation however it was given (str, object, function)."""
    if thing is None or isinstance(thing, str):
        return thing
    if isinstance(thing, dict):
        config = thing.get("config")
        if isinstance(config, dict) and isinstance(config.get("name"), str):
            return config["name"]
        return describe.shorten(thing.get("class_name", thing))
    for attribute in ("name", "__name__"):
        name = getattr(thing, attribute, None)
        if isinstance(name, str):
            return name
    return describe.type_name(thing, qualified=False)


_LAYER_KEYS = ("units", "filters", "kernel_size", "strides", "padding", "activation", "pool_size", "rate",
               "use_bias")


def _shape(tensor_or_shape):
    shape = getattr(tensor_or_shape, "shape", tensor_or_shape)
    return [None if s is None else int(s) for s in tuple(shape)]


def _layer_summary(layer) -> dict:
    entry = {"class": describe.type_name(layer, qualified=False)}
    try:
        config = layer.get_config()
    except Exception as error:  # noqa: BLE001
        config = {}
        entry["config_problem"] = describe.shorten(error)
    for key in _LAYER_KEYS:
        if key in config:
            entry[key] = _plain(config[key])
    try:
        entry["output_shape"] = _shape(layer.output)
    except Exception:  # noqa: BLE001 - never called (an unbuilt model)
        entry["output_shape"] = None
    try:
        entry["params"] = int(layer.count_params())
    except Exception:  # noqa: BLE001
        entry["params"] = None
    return entry


@adapter
def keras_summary(model):
    """A plain description of a Keras model: its layers in order, shapes, parameters and compilation.

    Input layers are left out (a Sequential model built with ``keras.Input`` has
    none in ``model.layers``, a functional model has one). Anything that is not a
    Keras model gives ``{"is_model": False, "type": ...}``.
    """
    if not _is_keras_model(model):
        return {"is_model": False, "type": describe.type_name(model)}
    summary = {"is_model": True, "type": describe.type_name(model), "layers": [], "problem": None}
    try:
        summary["layers"] = [_layer_summary(layer) for layer in model.layers if type(layer).__name__ != "InputLayer"]
        for key, getter in (("input_shape", lambda: _shape(model.inputs[0])),
                            ("output_shape", lambda: _shape(model.outputs[0])),
                            ("params", lambda: int(model.count_params()))):
            try:
                summary[key] = getter()
            except Exception:  # noqa: BLE001 - not built: no input shape was given
                summary[key] = None
        summary["compiled"] = bool(getattr(model, "compiled", getattr(model, "optimizer", None) is not None))
        try:
            config = model.get_compile_config() or {}
        except Exception:  # noqa: BLE001 - not compiled
            config = {}
        loss = config.get("loss", getattr(model, "loss", None))
        summary["loss"] = _name_of(loss)
        summary["from_logits"] = bool((loss.get("config") or {}).get("from_logits")) if isinstance(loss, dict) \
            else bool(getattr(loss, "from_logits", False))
        optimizer = getattr(model, "optimizer", None)
        summary["optimizer"] = describe.type_name(optimizer, qualified=False) if optimizer is not None else None
        metrics = config.get("metrics") or []
        if not isinstance(metrics, (list, tuple)):
            metrics = [metrics]
        summary["metrics"] = [_name_of(metric) for metric in metrics]
    except Exception as error:  # noqa: BLE001 - a model that breaks when looked at
        summary["problem"] = f"looking at the model raised {type(error).__name__}: {describe.shorten(error)}"
    return summary


def _predict(model, x, what: str):
    """``model``'s output on ``x`` as a plain ndarray, or a problem string."""
    predict = getattr(model, "predict", None)
    if not callable(predict):
        return None, f"it returned {describe.shorten(describe.type_name(model), 120)}, which has no `predict` method"
    try:
        if _is_keras_model(model):
            out = predict(x, batch_size=500, verbose=0)
        else:
            out = predict(x)
        out = np.asarray(out)
    except Exception as error:  # noqa: BLE001
        return None, f"calling `predict` on the {what} raised {type(error).__name__}: {describe.shorten(error)}"
    if out.dtype.hasobject or out.dtype.fields is not None:
        return None, f"`predict` returned an array of dtype {out.dtype}; expected numbers"
    return np.ascontiguousarray(out), None


@adapter
def predict_classes(model, x):
    """Predicted classes for ``x``: ``predict`` of a scikit-learn classifier, argmax for Keras.

    Returns ``{"type", "predictions" (int64 (N,)), "problem"}``.
    """
    result = {"type": describe.type_name(model), "predictions": None, "problem": None}
    out, problem = _predict(model, x, "held-out images")
    if problem:
        result["problem"] = problem
        return result
    if out.ndim == 2 and _is_keras_model(model):
        out = np.argmax(out, axis=1)
    if out.dtype.kind == "f" and out.size and np.all(np.isfinite(out)) and np.all(out == np.rint(out)):
        out = out.astype(np.int64)  # whole numbers stored as floats are labels all the same
    if out.dtype.kind in "iub":
        out = out.astype(np.int64)
    result["predictions"] = out
    return result


@adapter
def predict_probabilities(model, x):
    """The output of a Keras model on ``x`` (float64), for checks on probabilities and accuracy.

    Returns ``{"type", "probabilities", "problem"}``.
    """
    result = {"type": describe.type_name(model), "probabilities": None, "problem": None}
    if not _is_keras_model(model):
        result["problem"] = f"it returned {describe.shorten(result['type'], 120)}, not a Keras model"
        return result
    out, problem = _predict(model, x, "images")
    if problem:
        result["problem"] = problem
        return result
    try:
        result["probabilities"] = out.astype(np.float64)
    except (TypeError, ValueError) as error:
        result["problem"] = f"`predict` returned values that are not numbers ({describe.shorten(error)})"
    return result
