"""The optional speed checks: "the naive loop is slow: can you make it faster?"

A speed check is a bonus check (``@graded(function, 1, bonus=True)``): it never
counts towards the maximum, and failing it never makes an exercise incomplete.
It calls the learner's function on a large input and compares the time with the
reference solution's on the same input, in the same grading run:

- the learner's call is timed by the grader, never by the worker (learner code runs
  there and could stop or rewind its clock): ``learner.last.seconds`` is the call's round
  trip (:attr:`grader.sandbox.client.Reply.seconds`), from writing the request to having
  read the reply. Wall-clock time, not CPU time: a ``time.sleep`` in the function counts
  in full. It includes sending the arguments and the result (about a millisecond for a
  512 x 512 image), which the generous rule below absorbs;
- the reference is timed here, in the grader process, with ``time.perf_counter``;
- each side gets one warm-up call, then ``RUNS`` timed calls, taken in turns
  (learner, reference, learner, ...) so that a burst of load on a shared machine
  slows both alike; the median of each side is compared.

The rule: the check passes when the learner's median is at most ``SLOWER_AT_MOST``
(10) times the reference's. Ten times is generous on purpose: any vectorised
NumPy solution passes (even on a busy machine, where timings wobble by a factor
of two), while a Python loop over the pixels is hundreds of times slower. The
result must also be right: a fast wrong answer earns nothing.

Every learner call gets ``TIMEOUT_S`` (60 s), so a slow but correct function
fails only this bonus, never a functional check. When the warm-up call alone
already shows the function far beyond the limit, it is not called again. Put a
speed check last in its file: a call that times out marks the function as hung,
and the proxy does not call it again in that run.
"""

from __future__ import annotations

import inspect
import statistics
import time

from grader.kit.expect import expect

SLOWER_AT_MOST = 10.0
RUNS = 3
TIMEOUT_S = 60.0


def _timed(function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - started


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.0095 else f"{seconds * 1000:.1f} ms"


def expect_fast(learner, function: str, reference_function, *args, check=None, what: str = "",
                record=None, **kwargs) -> float:
    """The learner's ``function(*args, **kwargs)`` must be at most ``SLOWER_AT_MOST`` x the reference's time.

    ``check(got, expected)`` compares the learner's result with the reference's
    first (a comparison helper of :mod:`grader.kit.expect`). ``what`` names the input
    in the message ("a 512 x 512 image and a 5 x 5 kernel"). ``record``: pytest's
    ``record_property``, to keep the times in the results (the class report shows them).
    Returns the ratio.
    """
    # The reference's own code, not its remembered answers (grader.core.answers): a remembered
    # answer comes back in microseconds, and it is the computation that is timed here.
    reference_function = inspect.unwrap(reference_function)
    got = learner.call(function, *args, _timeout=TIMEOUT_S, **kwargs)
    call = learner.last
    first = call.seconds
    expected, reference_first = _timed(reference_function, *args, **kwargs)
    if check is not None:
        check(got, expected)
    on = f" on {what}" if what else ""
    if first > SLOWER_AT_MOST * 3 * reference_first and first > 1.0:
        # Far too slow already: do not spend another minute calling it again.
        learner_times, reference_times = [first], [reference_first]
    else:
        learner_times, reference_times = [], []
        for _ in range(RUNS):
            learner.call(function, *args, _timeout=TIMEOUT_S, **kwargs)
            learner_times.append(learner.last.seconds)
            reference_times.append(_timed(reference_function, *args, **kwargs)[1])
    mine, theirs = statistics.median(learner_times), statistics.median(reference_times)
    ratio = mine / max(theirs, 1e-9)
    if record is not None:
        record("seconds", round(mine, 6))
        record("reference_seconds", round(theirs, 6))
        record("ratio", round(ratio, 3))
    runs = f"median of {RUNS} calls each" if len(learner_times) > 1 else "one call: too slow to repeat"
    expect(
        ratio <= SLOWER_AT_MOST,
        f"your {function} took {ratio:.1f}× the reference's time{on} ({_ms(mine)} against {_ms(theirs)}, "
        f"{runs}). This bonus asks for at most {SLOWER_AT_MOST:g}×: a loop over "
        "the pixels in Python is slow; can you make it faster with whole-array NumPy operations? "
        "(Your other points do not depend on speed.)",
        call=call,
    )
    return ratio
