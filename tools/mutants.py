"""Mutation testing of the grader: how many wrong reference solutions do the checks let through?

    python tools/mutants.py [EXERCISE ...] [--sample N] [--report PATH] [--mutant ID ...] [--list]

For each exercise, cosmic-ray (https://cosmic-ray.readthedocs.io) enumerates the mutants of
``solutions/<exercise>.py``: every place each of its operators applies, one change at a time, in
a fixed order (operators sorted by name, then cosmic-ray's occurrence order). Each mutant is
written into a fresh temporary copy of ``solutions/`` (the project's ``solutions/`` is only ever
read) and graded by pixelgrade (``grader.api.grade``) on that exercise alone, with the
reference checks comparing it against the untouched reference:

- killed: a non-bonus check did not pass (the grading run stops at the first such check);
- timeout: a learner call ran out of its time limit, or the grading run passed the time limit
  per mutant (``--timeout-factor`` times the unmutated run, at least ``--min-timeout`` s);
  counted as killed, as mutation tools do;
- incompetent: the mutated module does not compile (nothing to grade);
- equivalent: it survived and ``course/checks/equivalent_mutants.toml`` says why it computes
  what the contract asks on every valid input;
- survived: full marks; either a gap in the checks or an equivalent mutant still to be listed.

A mutant first graded at ``--examples`` Hypothesis examples per property that survives is graded
again at the grader's default budget before it is counted as a survivor. Bonus checks (speed) are
left out: they never count towards full marks. The mutation score is (killed + timeout) /
(mutants - incompetent - equivalent).

``--sample N`` grades a fixed, seeded sample of N mutants per exercise (the same ones every run);
``--mutant ID`` grades named mutants only (IDs as ``--list`` prints them, ``histogram:12``).
The exercises that need TensorFlow are left out unless named: grading a model per mutant takes
minutes. The Markdown report (default /tmp/mutants/report.md) is rewritten after each exercise.
Exit status: 0 when every graded mutant was killed or is a listed equivalent and no entry of the
equivalents file is stale, 1 otherwise, 2 for a usage error (including an entry without a reason).
"""

from __future__ import annotations

import argparse
import difflib
import importlib.metadata
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = Path(__file__).resolve().parent
for _path in (str(ROOT), str(TOOLS)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import cosmic_ray.plugins  # noqa: E402
import mutants_pytest  # noqa: E402
from cosmic_ray.ast import ast_nodes, get_ast  # noqa: E402
from cosmic_ray.ast.ast_query import ASTQuery  # noqa: E402
from cosmic_ray.mutating import mutate_code  # noqa: E402

SOLUTIONS = ROOT / "solutions"
EQUIVALENTS = ROOT / "course" / "checks" / "equivalent_mutants.toml"
DEFAULT_REPORT = Path(tempfile.gettempdir()) / "mutants" / "report.md"
SEED = "pixelgrade-mutants-1"  # the sample's seed: change it and the sample changes
DEFAULT_FAST_EXAMPLES = 10
KILLED, TIMEOUT, INCOMPETENT, EQUIVALENT, SURVIVED = "killed", "timeout", "incompetent", "equivalent", "survived"


class UsageError(Exception):
    """A bad command line or equivalents file (exit status 2)."""


# -- mutants ------------------------------------------------------------------------------------

@dataclass
class Mutant:
    exercise: str
    index: int  # position in the exercise's fixed enumeration: the ID
    operator: str  # cosmic-ray's operator name, e.g. core/ReplaceBinaryOperator_Add_Sub
    occurrence: int  # cosmic-ray's occurrence of that operator in the module
    line: int
    function: str  # the enclosing function or class ("<module>" at the top level)
    source: str = field(repr=False)
    _code: str | None = field(default=None, repr=False)
    _applied: bool = field(default=False, repr=False)

    @property
    def id(self) -> str:
        return f"{self.exercise}:{self.index}"

    @property
    def code(self) -> str | None:
        """The mutated module (None when cosmic-ray makes no change)."""
        if not self._applied:
            operator = cosmic_ray.plugins.get_operator(self.operator)()
            self._code, self._applied = mutate_code(self.source, operator, self.occurrence), True
        return self._code

    def changed(self) -> tuple[str, str]:
        """The changed lines (stripped, joined by newlines): before and after."""
        before, after = [], []
        mutated = self.code or self.source
        for line in difflib.unified_diff(self.source.splitlines(), mutated.splitlines(), lineterm="", n=0):
            if line.startswith(("---", "+++", "@@")):
                continue
            (before if line.startswith("-") else after).append(line[1:].strip())
        return "\n".join(before), "\n".join(after)

    def diff(self) -> str:
        path = f"solutions/{self.exercise}.py"
        return "\n".join(difflib.unified_diff(self.source.splitlines(), (self.code or self.source).splitlines(),
                                              fromfile=f"a/{path}", tofile=f"b/{path}", lineterm=""))


def operators() -> list[str]:
    """cosmic-ray's operators that take no arguments, sorted (a fixed order on every run)."""
    names = []
    for name in sorted(cosmic_ray.plugins.operator_names()):
        if not cosmic_ray.plugins.get_operator(name).arguments():
            names.append(name)
    if not names:
        raise RuntimeError("cosmic-ray found no mutation operators (is it installed properly?)")
    return names


def enumerate_mutants(exercise: str, source: str) -> list[Mutant]:
    """Every mutant cosmic-ray makes of ``source``, in a fixed order (as ``cosmic-ray init`` does)."""
    module_ast = get_ast(source)
    found = []
    for name in operators():
        operator = cosmic_ray.plugins.get_operator(name)()
        positions = ((node, start) for node in ast_nodes(module_ast)
                     for start, _end in operator.mutation_positions(node))
        for occurrence, (node, start) in enumerate(positions):
            function = ASTQuery(node).get_definition_name() or "<module>"
            found.append(Mutant(exercise, len(found), name, occurrence, start[0], function, source))
    return found


def sample(mutants: list[Mutant], size: int | None) -> list[Mutant]:
    """A fixed, seeded sample of ``size`` mutants (all of them without a size), in enumeration order."""
    if size is None or size >= len(mutants):
        return list(mutants)
    chosen = random.Random(f"{SEED}:{mutants[0].exercise}").sample(range(len(mutants)), size)
    return [mutants[i] for i in sorted(chosen)]


# -- the equivalents file -----------------------------------------------------------------------

@dataclass
class Equivalent:
    """One entry of equivalent_mutants.toml: a mutant named by its function and changed line."""

    module: str
    function: str
    original: str
    mutated: str
    reason: str
    operator: str | None = None
    occurrence: int | None = None  # which of several mutants with the same lines (0-based), if needed
    matched: list = field(default_factory=list)

    def key_matches(self, mutant: Mutant) -> bool:
        if (mutant.exercise, mutant.function) != (self.module, self.function):
            return False
        if self.operator is not None and mutant.operator != self.operator:
            return False
        if self.original.splitlines()[0].strip() not in mutant.source.splitlines()[mutant.line - 1]:
            return False  # cheap test first: the mutated line must hold the original text
        return mutant.changed() == (self.original, self.mutated)

    def describe(self) -> str:
        return f"{self.module}.{self.function}: `{self.original}` -> `{self.mutated}`"


def load_equivalents(path: Path = EQUIVALENTS) -> list[Equivalent]:
    """The entries of the equivalents file; an entry without a reason (or a bad one) is a UsageError."""
    if not path.exists():
        return []
    with path.open("rb") as handle:
        try:
            data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            raise UsageError(f"{path}: {error}") from error
    entries = []
    allowed = {"module", "function", "original", "mutated", "reason", "operator", "occurrence"}
    for number, raw in enumerate(data.get("mutant", []), start=1):
        where = f"{path.name}, [[mutant]] #{number}"
        unknown = set(raw) - allowed
        if unknown:
            raise UsageError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")
        for key in ("module", "function", "original", "mutated"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise UsageError(f"{where}: `{key}` is required (a non-empty string)")
        reason = raw.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise UsageError(f"{where} ({raw['module']}.{raw['function']}: `{raw['original']}`): every equivalent "
                             "mutant needs a `reason`, one sentence on why it computes what the contract asks")
        entries.append(Equivalent(raw["module"], raw["function"], raw["original"].strip(), raw["mutated"].strip(),
                                  reason.strip(), raw.get("operator"), raw.get("occurrence")))
    unknown_sections = set(data) - {"mutant"}
    if unknown_sections:
        raise UsageError(f"{path.name}: unknown tables {sorted(unknown_sections)}; entries are [[mutant]] tables")
    return entries


def match_equivalents(mutants: list[Mutant], entries: list[Equivalent]) -> dict[int, Equivalent]:
    """Mutant index -> the entry that lists it (over every mutant of the module, sampled or not)."""
    by_index = {}
    for entry in entries:
        entry.matched = [m for m in mutants if entry.key_matches(m)]
        if entry.occurrence is not None:
            entry.matched = entry.matched[entry.occurrence:entry.occurrence + 1]
        for mutant in entry.matched:
            by_index.setdefault(mutant.index, entry)
    return by_index


# -- grading ------------------------------------------------------------------------------------

@dataclass
class Outcome:
    mutant: Mutant
    status: str
    detail: str = ""
    seconds: float = 0.0
    equivalent: Equivalent | None = None


class Grader:
    """Grades copies of solutions/ in-process with pixelgrade's API, one exercise at a time."""

    def __init__(self, workdir: Path, *, examples: int, call_timeout: float | None):
        from grader import api  # imported here: the grader is a heavy import

        self.api = api
        self.workdir = workdir
        self.examples = examples
        self.call_timeout = call_timeout
        self.template = workdir / "solutions"
        shutil.copytree(SOLUTIONS, self.template, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        self._count = 0

    def grade(self, exercise: str, code: str | None, *, examples: int, limit_s: float | None):
        """(status, detail, seconds) of grading ``code`` as solutions/<exercise>.py (None: unmutated)."""
        from grader.core import results

        self._count += 1
        target = self.workdir / f"{exercise}-{self._count}"  # a fresh copy: no stale bytecode, no leftovers
        shutil.copytree(self.template, target)
        if code is not None:
            (target / f"{exercise}.py").write_text(code, encoding="utf-8")
        saved = os.environ.get("PYTEST_PLUGINS")
        os.environ["PYTEST_PLUGINS"] = "mutants_pytest"
        mutants_pytest.STATE.reset(limit_s)
        started = time.perf_counter()
        try:
            report = self.api.grade([exercise], target=target, max_examples=examples, timeout_s=self.call_timeout)
        finally:
            if saved is None:
                os.environ.pop("PYTEST_PLUGINS", None)
            else:
                os.environ["PYTEST_PLUGINS"] = saved
            shutil.rmtree(target, ignore_errors=True)
        seconds = time.perf_counter() - started
        if mutants_pytest.STATE.interrupted or _SIGNALLED:
            raise KeyboardInterrupt  # pytest ended its run on Ctrl-C; end ours (the copies are removed)
        result = report.exercises[0]
        failing = [c for c in result.checks if not c.bonus and c.status not in (results.PASSED, results.SKIPPED)]
        if mutants_pytest.STATE.timed_out:
            return TIMEOUT, f"grading passed the time limit of {limit_s:.0f} s", seconds
        if failing:
            first = failing[0]
            message = " ".join(first.message.split())[:300]
            status = TIMEOUT if "did not finish within" in first.message else KILLED
            kind = " (grader error)" if first.status == results.GRADER_ERROR else ""
            return status, f"{first.id}{kind}: {message}", seconds
        if not any(c.status == results.PASSED for c in result.checks):
            return KILLED, "no check ran", seconds
        return SURVIVED, "", seconds


def run_exercise(grader: Grader, exercise: str, mutants: list[Mutant], equivalents: dict[int, Equivalent], *,
                 timeout_factor: float, min_timeout: float, confirm_examples: int, log=print) -> dict:
    """Grade the unmutated copy (it must get full marks), then every mutant in ``mutants``."""
    status, detail, baseline = grader.grade(exercise, None, examples=grader.examples, limit_s=None)
    if status != SURVIVED:
        raise RuntimeError(f"the reference solution of {exercise} does not get full marks unmutated: {detail}")
    limit = max(min_timeout, timeout_factor * baseline)
    log(f"{exercise}: {len(mutants)} mutants; unmutated grading {baseline:.1f} s, limit per mutant {limit:.0f} s")
    outcomes = []
    for number, mutant in enumerate(mutants, start=1):
        code = mutant.code
        problem = "cosmic-ray made no change" if code is None else None
        if code is not None:
            try:
                compile(code, f"{exercise}.py", "exec")
            except SyntaxError as error:
                problem = f"does not compile: {error}"
        if problem:
            outcomes.append(Outcome(mutant, INCOMPETENT, problem))
            log(f"  [{number}/{len(mutants)}] {mutant.id} {short(mutant.operator)} line {mutant.line}: "
                f"incompetent (0.0 s) {problem}")
            continue
        status, detail, seconds = grader.grade(exercise, code, examples=grader.examples, limit_s=limit)
        if status == SURVIVED and confirm_examples > grader.examples:
            status, detail, more = grader.grade(exercise, code, examples=confirm_examples, limit_s=limit)
            seconds += more
            if status != SURVIVED:
                detail = f"(only at {confirm_examples} examples) {detail}"
        entry = equivalents.get(mutant.index)
        if entry is not None:
            if status == SURVIVED:
                status = EQUIVALENT
            else:
                detail = f"LISTED AS EQUIVALENT BUT {status.upper()}: {detail}"
        outcomes.append(Outcome(mutant, status, detail, seconds, entry))
        log(f"  [{number}/{len(mutants)}] {mutant.id} {short(mutant.operator)} line {mutant.line}: "
            f"{status} ({seconds:.1f} s){' ' + detail[:100] if detail else ''}")
    return {"exercise": exercise, "outcomes": outcomes, "baseline_s": baseline, "limit_s": limit,
            "enumerated": None}


def short(operator: str) -> str:
    return operator.split("/", 1)[-1]


# -- the report ---------------------------------------------------------------------------------

def counts(outcomes: list[Outcome]) -> dict:
    tally = {key: 0 for key in (KILLED, TIMEOUT, INCOMPETENT, EQUIVALENT, SURVIVED)}
    for outcome in outcomes:
        tally[outcome.status] += 1
    tally["mutants"] = len(outcomes)
    scored = tally["mutants"] - tally[INCOMPETENT] - tally[EQUIVALENT]
    tally["score"] = (tally[KILLED] + tally[TIMEOUT]) / scored if scored else 1.0
    return tally


def write_report(path: Path, runs: list[dict], *, settings: dict, stale: list[Equivalent], skipped: list[str]) -> None:
    lines = ["# Mutation testing of the pixelgrade checks", ""]
    lines += [f"- mutation tool: cosmic-ray {importlib.metadata.version('cosmic-ray')}",
              *(f"- {key}: {value}" for key, value in settings.items()), ""]
    if skipped:
        lines += [f"Not run: {', '.join(skipped)} (they need TensorFlow: grading a trained model per mutant "
                  "takes minutes; name them to run them anyway).", ""]
    lines += ["| exercise | enumerated | graded | killed | timeout | incompetent | equivalent | survived | score |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for run in runs:
        tally = counts(run["outcomes"])
        lines.append(f"| {run['exercise']} | {run['enumerated']} | {tally['mutants']} | {tally[KILLED]} | "
                     f"{tally[TIMEOUT]} | {tally[INCOMPETENT]} | {tally[EQUIVALENT]} | {tally[SURVIVED]} | "
                     f"{tally['score']:.1%} |")
    lines.append("")
    for run in runs:
        survivors = [o for o in run["outcomes"] if o.status == SURVIVED]
        contradicted = [o for o in run["outcomes"] if o.equivalent is not None and o.status != EQUIVALENT]
        equivalent = [o for o in run["outcomes"] if o.status == EQUIVALENT]
        lines += [f"## {run['exercise']}", "",
                  f"Unmutated grading took {run['baseline_s']:.1f} s; time limit per mutant {run['limit_s']:.0f} s.",
                  ""]
        lines += [f"### Survivors ({len(survivors)})", ""]
        for outcome in survivors:
            mutant = outcome.mutant
            lines += [f"#### {mutant.id}: {short(mutant.operator)} #{mutant.occurrence} in `{mutant.function}`, "
                      f"line {mutant.line}", "", "```diff", mutant.diff(), "```", ""]
        if contradicted:
            lines += ["### Listed as equivalent, but not surviving", ""]
            lines += [f"- {o.mutant.id} ({o.equivalent.describe()}): {o.detail}" for o in contradicted] + [""]
        if equivalent:
            lines += [f"### Equivalent ({len(equivalent)})", ""]
            for outcome in equivalent:
                before, after = outcome.mutant.changed()
                lines.append(f"- {outcome.mutant.id} `{outcome.mutant.function}`: `{before}` -> `{after}`: "
                             f"{outcome.equivalent.reason}")
            lines.append("")
        incompetent = [o for o in run["outcomes"] if o.status == INCOMPETENT]
        if incompetent:
            lines += [f"### Incompetent ({len(incompetent)})", ""]
            lines += [f"- {o.mutant.id} {short(o.mutant.operator)} line {o.mutant.line}: {o.detail}"
                      for o in incompetent] + [""]
        timeouts = [o for o in run["outcomes"] if o.status == TIMEOUT]
        if timeouts:
            lines += [f"### Timeouts ({len(timeouts)})", ""]
            lines += [f"- {o.mutant.id} {short(o.mutant.operator)} line {o.mutant.line}: {o.detail}"
                      for o in timeouts] + [""]
    if stale:
        lines += ["## Stale entries of equivalent_mutants.toml", "",
                  "These entries match no mutant any more (the solution changed): remove or update them.", ""]
        lines += [f"- {entry.describe()}" for entry in stale] + [""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


# -- the command line ---------------------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python tools/mutants.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("exercises", nargs="*", metavar="EXERCISE",
                        help="exercises to mutate (default: every exercise with checks but those needing TensorFlow)")
    parser.add_argument("--sample", type=int, metavar="N", help="grade a fixed sample of N mutants per exercise")
    parser.add_argument("--mutant", action="append", default=[], metavar="ID",
                        help="grade only this mutant (as --list prints it, e.g. histogram:12); repeatable")
    parser.add_argument("--list", action="store_true", help="list the mutants (ID, operator, line, change); no grading")
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT,
                        help=f"the Markdown report (default {DEFAULT_REPORT})")
    parser.add_argument("--equivalents", type=Path, default=EQUIVALENTS, help="the equivalent mutants file")
    parser.add_argument("--examples", type=int, default=DEFAULT_FAST_EXAMPLES,
                        help=f"Hypothesis examples per property, first pass (default {DEFAULT_FAST_EXAMPLES})")
    parser.add_argument("--confirm-examples", type=int, default=None,
                        help="examples for the second pass over survivors (default: the grader's default)")
    parser.add_argument("--call-timeout", type=float, default=None,
                        help="time limit per learner call, seconds (default: each exercise's own)")
    parser.add_argument("--timeout-factor", type=float, default=5.0,
                        help="time limit per mutant, as a multiple of the unmutated grading (default 5)")
    parser.add_argument("--min-timeout", type=float, default=30.0,
                        help="time limit per mutant, at least (default 30 s)")
    return parser


def _choose(args) -> tuple[list[str], list[str]]:
    from grader.core import catalog

    if args.exercises:
        try:
            return [e.name for e in catalog.active().resolve(args.exercises)], []
        except ValueError as error:
            raise UsageError(str(error)) from error
    names = [e.name for e in catalog.active().gradable()]
    by_name = catalog.active().by_name
    return [n for n in names if not by_name[n].needs], [n for n in names if by_name[n].needs]


_SIGNALLED = []  # set by SIGTERM: a KeyboardInterrupt raised inside a learner call may be scored, not raised


def _terminate(signum, frame):
    _SIGNALLED.append(signum)
    raise KeyboardInterrupt  # SIGTERM too: unwind, so that the temporary copies are removed


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return _main(args)
    except UsageError as error:
        print(f"mutants: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mutants: interrupted; solutions/ was never written to, the temporary copies are removed",
              file=sys.stderr)
        return 130


def _main(args) -> int:
    from grader.api import DEFAULT_EXAMPLES

    if args.examples < 1 or (args.sample is not None and args.sample < 1):
        raise UsageError("--examples and --sample must be at least 1")
    names, skipped = _choose(args)
    entries = load_equivalents(args.equivalents)
    from grader.core import catalog

    known = set(catalog.active().by_name)
    for entry in entries:
        if entry.module not in known:
            raise UsageError(f"{args.equivalents.name}: unknown module {entry.module!r} in {entry.describe()}")
    wanted = {}
    for ident in args.mutant:
        exercise, _, index = ident.partition(":")
        if not index.isdigit():
            raise UsageError(f"--mutant {ident!r}: expected EXERCISE:INDEX, as --list prints")
        wanted.setdefault(exercise, set()).add(int(index))
    if wanted and not args.exercises:
        names, skipped = [], []
    for exercise in wanted:  # an exercise named by --mutant only: just those mutants of it
        if exercise not in names:
            names += _choose(argparse.Namespace(exercises=[exercise]))[0]
    confirm = args.confirm_examples or DEFAULT_EXAMPLES
    settings = {"examples (first pass)": args.examples, "examples (survivors, second pass)": confirm,
                "sample per exercise": args.sample or "all", "sample seed": SEED,
                "time limit per mutant":
                    f"{args.timeout_factor:g} x unmutated grading, at least {args.min_timeout:g} s",
                "bonus (speed) checks": "left out (never part of full marks)"}
    if args.mutant:
        settings["mutants"] = ", ".join(args.mutant)
    stale_all: list[Equivalent] = []
    runs = []
    with tempfile.TemporaryDirectory(prefix="pixelgrade-mutants-") as tmp:
        grader = None
        for name in names:
            source = (SOLUTIONS / f"{name}.py").read_text(encoding="utf-8")
            mutants = enumerate_mutants(name, source)
            module_entries = [e for e in entries if e.module == name]
            equivalents = match_equivalents(mutants, module_entries)
            stale_all += [e for e in module_entries if not e.matched]
            if name in wanted:
                unknown = sorted(wanted[name] - set(range(len(mutants))))
                if unknown:
                    raise UsageError(f"{name} has mutants {name}:0 to {name}:{len(mutants) - 1}; no {unknown}")
                chosen = [m for m in mutants if m.index in wanted[name]]
            else:
                chosen = sample(mutants, args.sample)
            if args.list:
                for mutant in chosen:
                    before, after = mutant.changed()
                    tag = "  [equivalent]" if mutant.index in equivalents else ""
                    print(f"{mutant.id}\t{short(mutant.operator)}\t{mutant.function}:{mutant.line}\t"
                          f"{before!r} -> {after!r}{tag}")
                continue
            if grader is None:
                grader = Grader(Path(tmp), examples=args.examples, call_timeout=args.call_timeout)
            run = run_exercise(grader, name, chosen, equivalents, timeout_factor=args.timeout_factor,
                               min_timeout=args.min_timeout, confirm_examples=confirm,
                               log=lambda text: print(text, file=sys.stderr, flush=True))
            run["enumerated"] = len(mutants)
            runs.append(run)
            write_report(args.report, runs, settings=settings, stale=stale_all, skipped=skipped)
        if args.list:
            return 0
    write_report(args.report, runs, settings=settings, stale=stale_all, skipped=skipped)
    print(f"Report written to {args.report}")
    for run in runs:
        tally = counts(run["outcomes"])
        print(f"{run['exercise']:>13}: {tally['mutants']} mutants, {tally[KILLED]} killed, {tally[TIMEOUT]} timeout, "
              f"{tally[EQUIVALENT]} equivalent, {tally[SURVIVED]} survived, score {tally['score']:.1%}")
    for entry in stale_all:
        print(f"stale entry in {args.equivalents.name}: {entry.describe()}")
    bad = any(o.status == SURVIVED or (o.equivalent is not None and o.status != EQUIVALENT)
              for run in runs for o in run["outcomes"])
    return 1 if bad or stale_all else 0


if __name__ == "__main__":
    sys.exit(main())
