"""Mutation testing of the checks (tools/mutants.py, nox -s mutants): a small fixed sample.

The whole run takes an hour and more; here a few named mutants of `histogram` go through the
driver: one the old checks killed, one only the uint8-dtype check kills, one listed as equivalent.
"""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
import tomllib

import pytest
from conftest import BY_NAME, PROJECT_ROOT

pytest.importorskip("cosmic_ray", reason="needs cosmic-ray (the dev extra: pip install -e '.[dev]', or nox -s tests)")

DRIVER = PROJECT_ROOT / "tools" / "mutants.py"
SOLUTIONS = PROJECT_ROOT / "solutions"


def _load_driver():
    spec = importlib.util.spec_from_file_location("pixelgrade_mutants_driver", DRIVER)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


mutants = _load_driver()


def _solutions_digest() -> dict:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(SOLUTIONS.rglob("*.py"))}


def _mutants_of(name):
    return mutants.enumerate_mutants(name, (SOLUTIONS / f"{name}.py").read_text())


def _find(found, function, original_part, mutated_part):
    """The one mutant of ``function`` whose changed line holds these texts (stable across unrelated edits)."""
    hits = [m for m in found if m.function == function
            and original_part in m.changed()[0] and mutated_part in m.changed()[1]]
    assert len(hits) == 1, [(m.id, m.changed()) for m in hits]
    return hits[0]


def _run(*args, timeout=240):
    # Few Hypothesis examples: these mutants die (or survive) on the checks' fixed inputs.
    fast = ["--examples", "5", "--confirm-examples", "5"]
    return subprocess.run([sys.executable, str(DRIVER), *args, *fast], capture_output=True, text=True, timeout=timeout,
                          cwd=PROJECT_ROOT)


# -- the equivalents file -----------------------------------------------------------------------------
def test_equivalents_file_parses_and_every_entry_has_a_reason():
    data = tomllib.loads(mutants.EQUIVALENTS.read_text())
    assert data["mutant"], "the file lists no mutant"
    for entry in data["mutant"]:
        assert entry.get("reason", "").strip(), entry
        assert entry["module"] in BY_NAME, entry
    assert len(mutants.load_equivalents()) == len(data["mutant"])


def test_every_equivalent_entry_matches_a_mutant():
    """No entry is stale: each still names a mutant of the current reference."""
    entries = mutants.load_equivalents()
    for module in sorted({e.module for e in entries}):
        of_module = [e for e in entries if e.module == module]
        mutants.match_equivalents(_mutants_of(module), of_module)
        assert all(e.matched for e in of_module), [e.describe() for e in of_module if not e.matched]


def test_an_entry_without_a_reason_is_refused(tmp_path):
    path = tmp_path / "equivalent_mutants.toml"
    path.write_text('[[mutant]]\nmodule = "histogram"\nfunction = "normalised_cdf"\n'
                    'original = "if image.size == 0:"\nmutated = "if image.size <= 0:"\n')
    with pytest.raises(mutants.UsageError, match="reason"):
        mutants.load_equivalents(path)
    result = _run("histogram", "--list", "--equivalents", str(path), timeout=60)
    assert result.returncode == 2 and "reason" in result.stderr


def test_the_mutants_and_the_sample_are_the_same_every_run():
    first, second = _mutants_of("histogram"), _mutants_of("histogram")
    assert [(m.operator, m.occurrence, m.line, m.code) for m in first] == \
        [(m.operator, m.occurrence, m.line, m.code) for m in second]
    assert len(first) > 20
    picked = [m.index for m in mutants.sample(first, 7)]
    assert picked == [m.index for m in mutants.sample(second, 7)] and len(set(picked)) == 7
    assert picked == sorted(picked)


# -- the driver, on three named mutants -------------------------------------------------------------------
@pytest.fixture(scope="module")
def histogram_mutants():
    found = _mutants_of("histogram")
    return {
        # dividing by the size turned into a multiplication: the CDF checks kill it
        "killed": _find(found, "normalised_cdf", "/ np.float64(image.size)", ") * np.float64(image.size)"),
        # `dtype > np.uint8` lets int8 and bool images through: only test_histogram_rejects_other_integer_dtypes
        "dtype": _find(found, "_check_uint8", "image.dtype != np.uint8", "image.dtype > np.uint8"),
        # listed in equivalent_mutants.toml: a size is never negative
        "equivalent": _find(found, "normalised_cdf", "image.size == 0", "image.size <= 0"),
    }


def test_killed_and_equivalent_mutants_are_reported_and_solutions_stay_unchanged(tmp_path, histogram_mutants):
    before = _solutions_digest()
    report = tmp_path / "report.md"
    ids = [m.id for m in histogram_mutants.values()]
    result = _run("histogram", *(arg for i in ids for arg in ("--mutant", i)), "--report", str(report))
    assert _solutions_digest() == before
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    text = report.read_text()
    assert "| histogram | " in text and "| 100.0% |" in text, text
    assert "### Survivors (0)" in text
    reason = next(e.reason for e in mutants.load_equivalents() if e.mutated == "if image.size <= 0:")
    assert "### Equivalent (1)" in text and reason in text
    log = result.stderr
    assert f"{histogram_mutants['killed'].id} " in log and f"{histogram_mutants['dtype'].id} " in log
    for key in ("killed", "dtype"):
        line = next(row for row in log.splitlines() if f" {histogram_mutants[key].id} " in row)
        assert ": killed (" in line, line
    line = next(row for row in log.splitlines() if f" {histogram_mutants['equivalent'].id} " in row)
    assert ": equivalent (" in line, line


def test_a_survivor_is_reported_with_its_diff_and_a_stale_entry_is_named(tmp_path, histogram_mutants):
    before = _solutions_digest()
    equivalents = tmp_path / "equivalent_mutants.toml"
    equivalents.write_text('[[mutant]]\nmodule = "histogram"\nfunction = "histogram"\n'
                           'original = "return 42"\nmutated = "return 43"\nreason = "no such line."\n')
    report = tmp_path / "report.md"
    survivor = histogram_mutants["equivalent"]
    result = _run("histogram", "--mutant", survivor.id, "--equivalents", str(equivalents), "--report", str(report))
    assert _solutions_digest() == before
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    text = report.read_text()
    assert "| 0.0% |" in text and "### Survivors (1)" in text
    assert f"#### {survivor.id}: ReplaceComparisonOperator_Eq_LtE" in text
    assert "```diff\n--- a/solutions/histogram.py\n+++ b/solutions/histogram.py" in text
    assert "\n-    if image.size == 0:\n+    if image.size <= 0:\n" in text
    assert "## Stale entries" in text and "`return 42` -> `return 43`" in text
    assert "stale entry" in result.stdout
