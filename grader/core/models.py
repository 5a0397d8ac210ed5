"""Keras models inspected outside the learner's process (the grader's side).

A learner's Keras model cannot cross to the grader as data, and nothing the learner's
worker says about it can be believed: the learner's code runs in that process and can
replace any of the grader's code there. So a model is judged in three steps:

1. the learner's call ends with the ``save_keras`` adapter, which writes the model to a
   ``.keras`` file in the worker's scratch folder, under a name the grader chose;
2. the grader takes that file, and that name only, out of the scratch folder, refusing
   anything but a regular file of the learner's own under :data:`MAX_MODEL_BYTES` (a link
   or a FIFO planted there must not make the grader, often root, read another file or
   wait forever), and copies it into the scratch folder of the inspector;
3. the inspector (:mod:`grader.sandbox.inspector`), a sandboxed worker at the same
   isolation that never imported learner code, loads it in Keras' safe mode and answers
   with its structure and its outputs on inputs the grader sends.

One inspector serves every model of one learner's module (:func:`inspector_for`) and is
stopped with it (:func:`close_inspector`, or when the proxy is garbage collected).
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import secrets
import shutil
import stat
import tempfile
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.core.learner import LearnerModule
from grader.kit.describe import CallRecord, shorten
from grader.sandbox.client import Limits, Reply, WorkerProcess

# The inspector loads and runs one model at a time; TensorFlow needs its virtual memory
# unlimited (as the learner's own Keras worker does), and its import takes a while on a
# busy machine.
INSPECTOR_LIMITS = Limits(timeout_s=180.0, import_timeout_s=180.0, memory_bytes=None, threads=2)
# The largest model file taken out of a learner's scratch folder: the course's models
# weigh 2.5-10 MB with their optimiser's state.
MAX_MODEL_BYTES = 256 * 1024**2
MODEL_NAME = re.compile(r"pixelgrade-model-[0-9]+-[0-9a-f]{16}\.keras")
_INSPECTOR_MODULE = "inspector"
_SOURCE = Path(__file__).resolve().parents[1] / "sandbox" / "inspector.py"
_COPY_CHUNK = 1 << 20
# Opening a file relative to a folder, without following links or blocking (POSIX).
_SAFE_OPEN = os.open in os.supports_dir_fd and hasattr(os, "O_NOFOLLOW") and hasattr(os, "O_NONBLOCK")
_names = itertools.count()


class ModelFileRefused(ValueError):
    """The model file in the learner's scratch folder is missing or not one the grader will read."""


class InspectorFailed(RuntimeError):
    """The inspector itself could not start or answer: a fault of the grader or the machine."""


@dataclass(frozen=True)
class Inspection:
    """What the inspector found of the model one learner call returned.

    ``summary``: the model's structure (:func:`grader.sandbox.inspector.summary`), or None;
    ``outputs``: its outputs (float64) on the inputs sent, or None; ``problem``: why either is
    missing, a phrase for the learner ("it returned a `list`, not a Keras model ..."), or None;
    ``call``: the learner's call; ``seconds``: the call's wall-clock time measured by the
    grader (the worker's own figure is the learner's to forge), saving the model included.
    """

    summary: dict | None
    outputs: np.ndarray | None
    problem: str | None
    call: CallRecord | None
    seconds: float


def model_file_name() -> str:
    """A fresh name for a model file: a counter and a random part, so no learner can plant it in advance."""
    return f"pixelgrade-model-{next(_names)}-{secrets.token_hex(8)}.keras"


def copy_model_file(scratch: Path, name: str, destination: Path, *, owner: int | None,
                    limit: int = MAX_MODEL_BYTES) -> None:
    """Copy the model file ``name`` out of a learner's ``scratch`` folder into ``destination`` (a new file).

    The file is opened without following a link and without blocking, and read only if
    it is a regular file with one link, owned by ``owner`` (the worker's uid; None: not
    checked) and at most ``limit`` bytes long; it is then removed from ``scratch``. Raises
    :class:`ModelFileRefused` with a reason that never quotes the file.
    """
    if not isinstance(name, str) or not MODEL_NAME.fullmatch(name):
        raise ModelFileRefused("the model file has a name the grader did not choose")
    if not _SAFE_OPEN:  # Windows: no links or FIFOs for a learner to plant at the floor's level
        _refuse_unless_plain(os.lstat(scratch / name), owner, limit)
        with open(scratch / name, "rb") as source:
            _copy_at_most(source.fileno(), destination, limit)
        os.unlink(scratch / name)
        return
    folder = os.open(scratch, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        try:
            source = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC,
                             dir_fd=folder)
        except FileNotFoundError:
            raise ModelFileRefused("no model was saved under the name the grader asked for") from None
        except OSError:  # ELOOP: a symbolic link; anything else: not a file the grader may read
            raise ModelFileRefused("the saved model is not a regular file (a link?), so the grader did not read it") \
                from None
        try:
            _refuse_unless_plain(os.fstat(source), owner, limit)
            _copy_at_most(source, destination, limit)
        finally:
            os.close(source)
        try:
            os.unlink(name, dir_fd=folder)  # the learner's scratch space is limited: give it back
        except OSError:
            pass
    finally:
        os.close(folder)


def _refuse_unless_plain(info: os.stat_result, owner: int | None, limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise ModelFileRefused("the saved model is not a regular file, so the grader did not read it")
    if info.st_nlink != 1:
        # A second name for the same file: it may be any file the learner's uid could link.
        raise ModelFileRefused("the saved model is a hard link to another file, so the grader did not read it")
    if owner is not None and info.st_uid != owner:
        raise ModelFileRefused("the saved model belongs to another user, so the grader did not read it")
    if info.st_size > limit:
        raise ModelFileRefused(f"the saved model is larger than {limit // 1024**2} MiB, so the grader did not read it")


def _copy_at_most(source: int, destination: Path, limit: int) -> None:
    """Copy the open file ``source`` to the new file ``destination``, refusing one that grows past ``limit``."""
    # O_EXCL (which never follows a link) and a fresh name: nothing the inspector's
    # process left in its scratch folder can redirect this write.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) \
        | getattr(os, "O_BINARY", 0)
    target = os.open(destination, flags, 0o644)
    copied = 0
    try:
        while chunk := os.read(source, _COPY_CHUNK):
            copied += len(chunk)
            if copied > limit:  # still being written to by something the learner left running
                raise ModelFileRefused(f"the saved model grew past {limit // 1024**2} MiB while it was read")
            os.write(target, chunk)
    except BaseException:
        os.close(target)
        os.unlink(destination)
        raise
    os.close(target)


@functools.cache
def _inspector_folder() -> Path:
    """A folder holding only the inspector's module, made once per process (what its worker copies)."""
    folder = Path(tempfile.mkdtemp(prefix="pixelgrade-inspector-"))
    shutil.copyfile(_SOURCE, folder / f"{_INSPECTOR_MODULE}.py")
    creator = os.getpid()
    import atexit

    # Removed at exit by the process that made it only: a forked child (batch mode) shares it.
    atexit.register(lambda: os.getpid() == creator and shutil.rmtree(folder, ignore_errors=True))
    return folder


class Inspector:
    """A sandboxed process that loads saved Keras models in safe mode, describes and runs them."""

    def __init__(self, limits: Limits = INSPECTOR_LIMITS):
        self.limits = limits
        self._worker = WorkerProcess(_INSPECTOR_MODULE, _inspector_folder() / f"{_INSPECTOR_MODULE}.py",
                                     limits=limits)

    def start(self) -> None:
        """Start the process now, without waiting for its Keras import (it overlaps other work)."""
        self._worker.spawn()

    def close(self) -> None:
        self._worker.stop()

    def inspect(self, scratch: Path, name: str, *, owner: int | None, inputs=None) -> dict:
        """Copy the model file ``name`` from a learner's ``scratch`` folder and inspect it.

        Returns the inspector's answer, checked to be ``{"summary", "outputs", "problem"}``
        of the right types. Raises :class:`ModelFileRefused` (the file was not read) or
        :class:`InspectorFailed` (the inspector could not start).
        """
        failed = self._worker.ensure_loaded()
        if failed is not None:
            raise InspectorFailed(f"the model inspector could not start: {_reply_words(failed)}")
        own_scratch = self._worker.scratch
        copy = model_file_name()
        copy_model_file(scratch, name, own_scratch / copy, owner=owner)
        try:
            reply = self._worker.call("inspect", (copy, inputs))
        finally:
            try:
                os.unlink(own_scratch / copy)
            except OSError:
                pass  # the inspector was restarted, and its old scratch folder is gone with it
        return _answer(reply, self.limits.timeout_s)


def _reply_words(reply: Reply) -> str:
    if reply.problem == "timeout":
        return "it did not answer in time"
    if reply.error and "types" in reply.error:
        return f"{reply.error['types'][0]}: {shorten(reply.error.get('message', ''), 300)}"
    return f"its process ended ({reply.problem or 'no reply'}); it printed: {shorten(reply.output, 300)}"


def _answer(reply: Reply, timeout: float) -> dict:
    """The inspector's answer, or a problem for a model it could not get through."""
    if reply.ok and isinstance(reply.value, dict):
        value = reply.value
        summary, outputs, problem = value.get("summary"), value.get("outputs"), value.get("problem")
        if (summary is None or isinstance(summary, dict)) and (outputs is None or type(outputs) is np.ndarray) \
                and (problem is None or isinstance(problem, str)):
            return {"summary": summary, "outputs": outputs, "problem": problem}
        raise InspectorFailed(f"the model inspector gave an answer of the wrong form: {shorten(value, 300)}")
    if reply.problem == "timeout":  # a model this slow to load or run is the learner's to make faster
        return {"summary": None, "outputs": None,
                "problem": f"the grader could not load and run the model within {timeout:g} s"}
    if reply.problem == "died":  # say, a model too large for memory
        return {"summary": None, "outputs": None,
                "problem": "the process that loads the model for the grader ended while loading or running it "
                           "(is the model very large?)"}
    raise InspectorFailed(f"the model inspector failed: {_reply_words(reply)}")


# -- one inspector per learner module -----------------------------------------------------
_INSPECTORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def inspector_for(learner: LearnerModule) -> Inspector:
    """The inspector of ``learner``'s models (made when first needed; stopped with :func:`close_inspector`)."""
    inspector = _INSPECTORS.get(learner)
    if inspector is None:
        _INSPECTORS[learner] = inspector = Inspector()
        weakref.finalize(learner, inspector.close)  # a proxy dropped without close_inspector
    return inspector


def prepare(learner: LearnerModule) -> None:
    """Start ``learner``'s inspector now, so that its Keras import overlaps a long call (a training)."""
    inspector_for(learner).start()


def close_inspector(learner: LearnerModule) -> None:
    """Stop ``learner``'s inspector, if it has one."""
    inspector = _INSPECTORS.pop(learner, None)
    if inspector is not None:
        inspector.close()


def _not_saved(reply, name: str) -> str | None:
    """Why the learner's worker saved no model, from its reply (None: it says it saved one)."""
    if isinstance(reply, dict) and reply.get("file") == name and len(reply) == 1:
        return None
    if isinstance(reply, dict) and isinstance(reply.get("problem"), str):
        # Both words are the worker's, so the learner's to forge: they only ever explain a failure.
        kind = shorten(str(reply.get("type", "something else")).replace("`", ""), 120)
        if reply["problem"] == "not a Keras model":
            return f"it returned a `{kind}`, not a Keras model (a `keras.Model`, such as a `keras.Sequential`)"
        return f"it returned a `{kind}` that could not be saved for the grader: {shorten(reply['problem'], 300)}"
    return "the grader could not save the model it returned (the worker's reply was not the grader's)"


def keras_model(learner: LearnerModule, function: str, *args, inputs=None, timeout: float | None = None,
                **kwargs) -> Inspection:
    """Call ``function(*args, **kwargs)`` in ``learner``'s worker and inspect the Keras model it returns.

    Parameters
    ----------
    learner : LearnerModule
        The learner's module.
    function : str
        The function that returns a model.
    inputs : numpy.ndarray, optional
        A batch to run the model on: :attr:`Inspection.outputs` holds its outputs.
    timeout : float, optional
        The call's wall-clock limit (default: the learner's limits).

    Returns
    -------
    Inspection
        With ``problem`` set when there is no model to grade. A failure of the learner's
        call itself (it raised, hung...) raises :class:`grader.core.failures.LearnerFailure`
        as any call does; a fault of the inspector raises :class:`InspectorFailed`.
    """
    worker = learner._worker
    if learner.path.exists() and function not in learner._broken:
        # The module's import is not the call's time (an import that fails is the call's to report).
        worker.ensure_loaded()
    name = model_file_name()
    started = time.monotonic()
    reply = learner.call(function, *args, _timeout=timeout, _then="save_keras", _then_args=(name,), **kwargs)
    seconds = time.monotonic() - started
    call = learner.last
    problem = _not_saved(reply, name)
    if problem is None:
        scratch = worker.scratch
        owner = worker.isolation.uid if worker.isolation.uid is not None else getattr(os, "geteuid", lambda: None)()
        try:
            if scratch is None:
                raise ModelFileRefused("the worker that saved the model has ended")
            answer = inspector_for(learner).inspect(scratch, name, owner=owner, inputs=inputs)
        except ModelFileRefused as refused:
            problem = f"the grader could not take the model it returned: {refused}"
        else:
            return Inspection(answer["summary"], answer["outputs"], answer["problem"], call, seconds)
    return Inspection(None, None, problem, call, seconds)
