"""The learner's module as the checks see it: a proxy whose calls run in a worker.

``learner.histogram(image)`` sends the call to the worker, waits within the time
limit, and returns the value, or raises a :mod:`grader.core.failures` exception that
explains in plain words what went wrong. The latest call is kept, so a failed
comparison can say what was called and attach a snippet that reproduces it.
"""

from __future__ import annotations

import contextvars
import dataclasses
import sys
import time
from pathlib import Path
from typing import NamedTuple

from grader.core import catalog, failures
from grader.kit.describe import CallRecord, parameter_names
from grader.sandbox import adapters
from grader.sandbox.client import Limits, WorkerProcess
from grader.sandbox.processes import exit_words

# The latest call a learner proxy made, which :mod:`grader.kit.expect` explains when a comparison
# fails. A context variable rather than a module global: the checks run in one thread, so
# it is the same thing there, but a grading run in another thread or context (the watch
# loop's, a test's) neither sees nor overwrites another's call.
CURRENT_CALL: contextvars.ContextVar[CallRecord | None] = contextvars.ContextVar("pixelgrade_current_call",
                                                                                  default=None)
MIN_IMPORT_TIMEOUT_S = 5.0


def last_call() -> CallRecord | None:
    """The most recent call a learner proxy made in this context (what a failed check was about)."""
    return CURRENT_CALL.get()


def _size(n: int | None) -> str:
    if not n:
        return "the machine's"
    return f"{n / 1024**3:.0f} GiB" if n >= 1024**3 else f"{n / 1024**2:.0f} MiB"


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


class _Stopped(NamedTuple):
    """Why a function is not called again: its failure, what befell the call, and that call."""

    failure: failures.LearnerFailure
    what: str  # "did not finish within 2 s", to follow the call's description
    call: CallRecord


class LearnerModule:
    """Calls into one learner module, each in the worker, each within its limits."""

    def __init__(self, module: str, path: Path, *, reference=None, limits: Limits = Limits(),
                 off_limits: dict | None = None, env: dict | None = None,
                 course_adapters: adapters.CourseAdapters | None = None):
        self.module = module
        self.path = Path(path)
        self.reference = reference
        self.limits = limits
        self.off_limits = {name: tuple(oracles) for name, oracles in (off_limits or {}).items()}
        oracles = {oracle for names in self.off_limits.values() for oracle in names}
        self._worker = WorkerProcess(module, self.path, limits=limits, off_limits=oracles, env=env,
                                     adapters=course_adapters)
        # A function that hung or killed its worker is not called again: one
        # timeout per function, not one per Hypothesis example. What is kept: the failure
        # and the call that had it, for the calls that follow.
        self._broken: dict[str, _Stopped] = {}
        self.last: CallRecord | None = None

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)

        def call(*args, **kwargs):
            return self.call(name, *args, **kwargs)

        call.__name__ = name
        return call

    def prestart(self) -> None:
        """Start the worker now (its imports overlap with other work); calls wait for it."""
        if self.path.exists():
            self._worker.spawn()

    def close(self) -> None:
        self._worker.stop()

    def call(self, function: str, *args, _timeout: float | None = None, _then: str | None = None,
             _then_args=(), **kwargs):
        """Call ``function(*args, **kwargs)`` in the worker and return its value."""
        names = parameter_names(getattr(self.reference, function, None)) if self.reference else []
        record = CallRecord(self.module, function, tuple(args), dict(kwargs), names, then=_then,
                            reference=self.reference)
        self.last = record
        CURRENT_CALL.set(record)
        if function in self._broken:
            failure = self._stopped_earlier(record)
        else:
            if not self.path.exists():
                raise failures.MissingModule(f"There is no `{self.path.name}` in {self.path.parent}.")
            reply = self._worker.call(function, args, kwargs, timeout_s=_timeout, then=_then, then_args=_then_args)
            if reply.ok:
                record.mutated = [record.argument_name(key) for key in reply.mutated]
                record.seconds = reply.seconds
                record.value = reply.value
                self._check_off_limits(record, reply.tripped)
                return reply.value
            failure = self._failure(record, reply, _timeout or self.limits.timeout_s)
        # One raise for both: Hypothesis tells failures apart by their type and the line that
        # raised them, so a timeout and the later calls it stops count as one failure of the
        # check (two would make it report an error group, not the learner's failure).
        raise failure

    def _check_off_limits(self, record: CallRecord, tripped) -> None:
        used = [name for name in tripped if name in self.off_limits.get(record.function, ())]
        if used:
            names = ", ".join(f"`{name}`" for name in used)
            raise failures.OffLimits(
                f"`{record.function}` called {names}, the very function it is graded against. "
                f"The point of this exercise is to implement the idea yourself, so these points are withheld.",
                snippet=record.snippet(),
            )

    def _stopped_earlier(self, record: CallRecord) -> failures.LearnerFailure:
        """This call's own failure, for a function stopped on an earlier call: it is not made again."""
        stopped = self._broken[record.function]
        kind, earlier, snippet = type(stopped.failure), stopped.call, record.snippet()
        if record.describe() == earlier.describe() and snippet == earlier.snippet():
            # The very call again (Hypothesis replays the example that failed): its own words.
            return kind(stopped.failure.message, snippet=snippet)
        return kind(
            f"Called `{record.describe()}`: not run, because `{record.function}` was stopped on an earlier "
            f"call (`{_short(earlier.describe())}` {stopped.what}); it is not called again in this run. Fix "
            "that call first: this one may well pass then.",
            snippet=snippet)

    def _break(self, record: CallRecord, error: failures.LearnerFailure, what: str) -> failures.LearnerFailure:
        """Remember that ``record.function`` is not to be called again, and why (``what`` befell that call)."""
        self._broken[record.function] = _Stopped(error, what, record)
        return error

    def _failure(self, record: CallRecord, reply, timeout: float) -> failures.LearnerFailure:
        call = f"Called `{record.describe()}`"
        printed = f"\nIt printed, last:\n{reply.output[-600:]}" if reply.output.strip() else ""
        snippet = record.snippet()
        load_failure = self._worker.load_failure
        if load_failure is reply:
            return self._import_failure(reply, printed)
        if reply.missing:
            return failures.MissingFunction(f"`{self.path.name}` has no function `{record.function}`.")
        if reply.limit == "memory":
            return self._break(record, failures.OutOfMemory(
                f"{call}: together with the processes it started, it ran out of memory (the limit is "
                f"{_size(self.limits.memory_bytes)} for all of them) and was stopped.{printed}", snippet=snippet),
                "ran out of memory")
        if reply.limit == "processes":
            return self._break(record, failures.WorkerDied(
                f"{call}: it started more processes and threads than the {self.limits.processes} allowed at "
                f"once, and was stopped. Does it start processes (or threads) in a loop?{printed}",
                snippet=snippet), "started too many processes")
        if reply.limit == "scratch":
            return self._break(record, failures.WorkerDied(
                f"{call}: it wrote more than the {_size(self.limits.scratch_bytes)} its scratch folder may hold "
                f"(`HOME`, `TMPDIR`), and was stopped. Does it write large files, or many?{printed}",
                snippet=snippet), "wrote more than its scratch folder may hold")
        if reply.problem == "corrupt":
            return self._break(record, failures.WorkerDied(
                f"{call}: its process sent back something that is not a reply ({reply.detail}), so it was "
                "stopped. Only a result of about the size of its input reaches the grader, through the "
                "grader's own channel: does it return far more than it was given, or write to file "
                f"descriptors it did not open itself?{printed}", snippet=snippet),
                "sent back something that is not a reply")
        if reply.error and "types" in reply.error:
            types, text = reply.error["types"], reply.error.get("message", "")
            where = reply.error.get("where") or []
            at = f" (at {where[-1]})" if where else ""
            name = types[0] if types else "an exception"
            if "NotImplementedError" in types:
                return failures.NotStarted(f"`{record.function}` is not started yet (it raises NotImplementedError).")
            if "MemoryError" in types:
                return self._break(record, failures.OutOfMemory(
                    f"{call}: it ran out of memory (the limit is {_size(self.limits.memory_bytes)}){at}.",
                    snippet=snippet), "ran out of memory")
            if "SystemExit" in types:
                code = reply.error.get("code")
                return failures.LearnerRaised(
                    f"{call}: it called `sys.exit({'' if code is None else code})`{at}. "
                    "A function should return its result, not end the program.",
                    types=types, text=text, snippet=snippet)
            return failures.LearnerRaised(f"{call}: it raised {name}: {text}{at}.{printed}",
                                          types=types, text=text, snippet=snippet)
        if reply.problem == "timeout":
            return self._break(record, self._timed_out(record, reply, timeout, call, printed, snippet),
                               f"was stopped after {_limit_words(reply, timeout)}")
        if reply.problem == "unsendable":
            return failures.LearnerRaised(f"{call}: its result could not be sent back as plain data.",
                                          types=[], text="", snippet=snippet)
        how = exit_words((reply.error or {}).get("returncode"), for_learner=True)
        return self._break(record, failures.WorkerDied(f"{call}: the process running it {how}.{printed}",
                                                       snippet=snippet), f"ended its process ({how})")

    def _timed_out(self, record: CallRecord, reply, timeout: float, call: str, printed: str,
                   snippet: str) -> failures.TimedOut:
        """What a stopped call did, in facts the grader measured: CPU time computed, or a wait."""
        limit = _limit_words(reply, timeout)
        if reply.stopped_by == "wall" and reply.cpu_limit is not None:
            computed = reply.cpu_seconds or 0.0
            return failures.TimedOut(
                f"{call}: it did not finish within {reply.seconds:.0f} s and was stopped, although it computed "
                f"for only {computed:.1f} s of that time: was it waiting (`time.sleep`, `input()`, a lock, a "
                f"process it started)?{printed}", snippet=snippet)
        reference = self._reference_seconds(record, timeout)
        compared = f" (the reference solution takes {reference} on this input)" if reference else ""
        return failures.TimedOut(
            f"{call}: it ran for {limit} without finishing and was stopped{compared}. Is there a loop that "
            f"never ends, or a loop over every pixel that could be vectorised?{printed}", snippet=snippet)

    def _reference_seconds(self, record: CallRecord, timeout: float) -> str:
        """The reference's CPU time on the very call that was stopped, in words ("" when not measured).

        Only for calls whose limit is short (a reference that trains a model is not run
        again here); the reference's own code, not its remembered answer.
        """
        import inspect

        function = getattr(self.reference, record.function, None) if self.reference is not None else None
        if function is None or timeout > 60:
            return ""
        started = time.process_time()
        try:
            inspect.unwrap(function)(*record.args, **record.kwargs)
        except Exception:  # noqa: BLE001 - the reference refuses this input: nothing to compare with
            return ""
        seconds = time.process_time() - started
        return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"

    def _import_failure(self, reply, printed: str) -> failures.LearnerFailure:
        name = self.path.name
        if reply.problem == "timeout":
            return failures.ImportFailed(
                f"Importing `{name}` did not finish within {self.limits.import_timeout_s:g} s. "
                "Code at the top level of a module runs on import: a loop that never ends, a long "
                f"computation or a large library imported there all look like this.{printed}")
        if reply.limit == "memory":
            return failures.ImportFailed(
                f"Importing `{name}` ran out of memory (the limit is {_size(self.limits.memory_bytes)}). "
                f"Does code at the top level of the module build something large?{printed}")
        if reply.limit == "processes":
            return failures.ImportFailed(
                f"Importing `{name}` started more processes and threads than the {self.limits.processes} allowed "
                f"at once. Code at the top level of a module runs on import: move it into a function.{printed}")
        if reply.problem == "corrupt":
            return failures.ImportFailed(
                f"Importing `{name}`: its process sent back something that is not a reply ({reply.detail}). "
                f"Only the grader's own worker may write to its file descriptors.{printed}")
        if reply.problem == "died":
            how = exit_words((reply.error or {}).get("returncode"), for_learner=True)
            return failures.ImportFailed(f"Importing `{name}`: the process {how}.{printed}")
        error = reply.error or {}
        types = error.get("types") or ["Exception"]
        where = error.get("where") or []
        # The learner's line goes on a line of its own, as Python shows it: a full stop of
        # ours after it would read as part of their code.
        located = f"\n  {where[-1]}" if where else ""
        if "SystemExit" in types:
            return failures.ImportFailed(
                f"Importing `{name}` called `sys.exit()`. Code at the top level of a module runs on "
                f"import: move it under `if __name__ == \"__main__\":`.{located}")
        if "SyntaxError" in types and isinstance(error.get("syntax"), dict):
            return failures.ImportFailed(self._syntax_message(types[0], error["syntax"]))
        return failures.ImportFailed(f"Importing `{name}` raised {types[0]}: {error.get('message', '')}{located}")

    def _syntax_message(self, kind: str, syntax: dict) -> str:
        """Python's own "file, line, the line, a caret, the error" for a module it cannot read."""
        import traceback

        shown = self.path.parent / (syntax.get("filename") or self.path.name)
        exception_type = {"IndentationError": IndentationError, "TabError": TabError}.get(kind, SyntaxError)
        details = (str(shown), syntax.get("lineno"), syntax.get("offset"), syntax.get("text"),
                   syntax.get("end_lineno"), syntax.get("end_offset"))
        try:
            located = "".join(traceback.format_exception_only(exception_type(syntax.get("msg", ""), details)))
        except Exception:  # an odd location (a caret past the line...): the plain words still help
            located = f"  File \"{shown}\", line {syntax.get('lineno')}\n{kind}: {syntax.get('msg', '')}\n"
        return f"Python cannot read `{shown.name}`, so none of its checks could run:\n{located.rstrip()}"


def _limit_words(reply, timeout: float) -> str:
    """The limit a stopped call reached: ``10 s of CPU time``, or wall-clock seconds where CPU time is not read."""
    if reply.cpu_limit is not None:
        return f"{reply.cpu_limit:g} s of CPU time"
    return f"{timeout:g} s"


def learner_for(target: Path, exercise, *, timeout_s: float | None = None) -> LearnerModule:
    """The proxy of ``exercise``'s module in ``target``, within the exercise's limits.

    ``timeout_s`` overrides the limit per call (and, at least ``MIN_IMPORT_TIMEOUT_S``, the import's).
    """
    limits = exercise.limits
    if timeout_s is not None:
        # Importing numpy & co. in a fresh worker takes a moment even when a
        # learner function may only take a fraction of one.
        limits = dataclasses.replace(limits, timeout_s=timeout_s,
                                     import_timeout_s=max(timeout_s, MIN_IMPORT_TIMEOUT_S))
    return LearnerModule(exercise.name, Path(target) / f"{exercise.name}.py", limits=limits,
                         off_limits=exercise.off_limits, course_adapters=course_adapters(catalog.active()))


def course_adapters(course: catalog.Course) -> adapters.CourseAdapters | None:
    """The course's own adapters (its ``adapters`` hook, :mod:`grader.hookspec`), checked; None without the hook.

    The hook names a module of the course (``"shapes_adapters"``: its ``ADAPTERS``) or a dict in
    one (``"shapes_adapters:TABLE"``). Its names are checked here, in the grader, so that a course's
    mistake (an adapter named like a built-in one, a table that is no dict of functions) is a
    :class:`~grader.core.catalog.CatalogError` naming the hook, before any worker starts.
    """
    declared = course.hooks.get("adapters")
    if declared is None:
        return None
    where = f"{course.catalog_file}: [course.hooks] adapters = {declared!r}"
    found = course.hook("adapters")  # imported, or a CatalogError naming the hook
    module_name, _, attribute = declared.partition(":")
    module = sys.modules[module_name]
    file = getattr(module, "__file__", None) or ""
    if not file.endswith(".py"):
        raise catalog.CatalogError(f"{where}: expected a module of Python source (a .py file, which each worker "
                                   f"imports a copy of), got {file or 'a module without a file'}")
    secret = [folder for folder in (course.solutions_dir, course.checks_dir)
              if Path(file).resolve().is_relative_to(folder.resolve())]
    if secret:  # each worker gets a copy of the file, which learner code can read
        raise catalog.CatalogError(f"{where}: the module lies in {secret[0].name}/, whose files learners must never "
                                   "read, and every worker gets a copy of it: keep the adapters in a module of "
                                   "their own, beside course.toml")
    if not attribute and not hasattr(module, adapters.COURSE_TABLE):
        raise catalog.CatalogError(f"{where}: {module_name} defines no {adapters.COURSE_TABLE} (a dict of "
                                   "adapters by name)")
    try:
        names = adapters.check_table(found if attribute else getattr(module, adapters.COURSE_TABLE))
    except ValueError as error:
        raise catalog.CatalogError(f"{where}: {error}") from None
    return adapters.CourseAdapters(file=str(Path(file).resolve()), table=attribute or adapters.COURSE_TABLE,
                                   names=names)


def start_workers(target: Path, exercises, *, timeout_s: float | None = None) -> dict[str, LearnerModule]:
    """Start the workers of the exercises that need no extra library, before the grader imports pytest.

    A worker's start (a sandbox, an interpreter, NumPy: about 0.2 s) then runs on another
    core while this process imports pytest and Hypothesis (about 0.5 s), rather than after.
    The machine-learning exercises are left to the runner, which knows whether their
    libraries are installed.
    """
    started = {}
    for exercise in exercises:
        if not exercise.needs:
            started[exercise.name] = proxy = learner_for(target, exercise, timeout_s=timeout_s)
            proxy.prestart()
    return started
