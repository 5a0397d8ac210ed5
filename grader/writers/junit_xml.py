"""JUnit XML for CI test reports: a ``<testcase>`` per check, a ``<testsuite>`` per grading.

A batch gives a suite per submission (``junit.xml``; an entry that is no submission, such
as README.txt, has none); one grading (``pixelgrade --json`` output) gives one suite, for a
learner's CI run. Every text is one XML 1.0 can hold, with no terminal escape code
(:func:`grader.writers.escaping.xml_text`), and a check's detail is cut at
:data:`MAX_DETAIL` characters.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from grader.core.results import CheckResult, CheckStatus, GradeReport
from grader.writers import escaping
from grader.writers.batch_report import BatchReport

MAX_DETAIL = 8 * 1024  # a check's title, message and snippet in its <failure>


def _g(value: float) -> str:
    return f"{value:g}"


def _short_id(check: CheckResult) -> str:
    return check.id.split("::", 1)[1] if "::" in check.id else check.id


def _xml_text(text: str, limit: int | None = None) -> str:
    """Text XML 1.0 can hold (a learner's message may carry a bell or an escape code), cut to ``limit``."""
    return escaping.xml_text(escaping.cut(str(text), limit))


def _testcase(parent: ET.Element, classname: str, check: CheckResult) -> str:
    case = ET.SubElement(parent, "testcase", classname=classname, name=_xml_text(_short_id(check)),
                         time=f"{check.seconds:.3f}")
    detail = _xml_text("\n".join(part for part in (check.title, check.message, check.snippet) if part), MAX_DETAIL)
    first = _xml_text((check.message.strip().splitlines() or [check.status])[0], 300)
    if check.status == CheckStatus.PASSED:
        return "passed"
    if check.status == CheckStatus.SKIPPED:
        ET.SubElement(case, "skipped", message=first).text = detail
        return "skipped"
    if check.status == CheckStatus.GRADER_ERROR:
        ET.SubElement(case, "error", message=first, type=check.status).text = detail
        return "error"
    if check.bonus:  # a bonus not earned is no failure
        ET.SubElement(case, "skipped", message="bonus not earned: " + first).text = detail
        return "skipped"
    ET.SubElement(case, "failure", message=first, type=check.status).text = detail
    return "failure"


def _suite(parent: ET.Element, name: str, report: GradeReport, properties: dict) -> dict:
    suite = ET.SubElement(parent, "testsuite", name=name)
    props = ET.SubElement(suite, "properties")
    for key, value in properties.items():
        ET.SubElement(props, "property", name=key, value=_xml_text(str(value), escaping.CSV_CELL_LIMIT))
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    seconds = 0.0
    for exercise in report.exercises:
        for check in exercise.checks:
            outcome = _testcase(suite, f"{name}.{exercise.name}", check)
            counts["tests"] += 1
            if outcome != "passed":
                counts[{"failure": "failures", "error": "errors", "skipped": "skipped"}[outcome]] += 1
            seconds += check.seconds
    suite.set("tests", str(counts["tests"]))
    for key in ("failures", "errors", "skipped"):
        suite.set(key, str(counts[key]))
    suite.set("time", f"{seconds:.3f}")
    return counts


def _xml(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def for_batch(batch: BatchReport) -> str:
    """JUnit XML: a ``<testsuite>`` per submission, a ``<testcase>`` per check (hidden ones too)."""
    root = ET.Element("testsuites", name="pixelgrade")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for row in batch.submission_rows:
        counts = _suite(root, row.id, row.report, {"status": row.status, "points": _g(row.total),
                                                   "bonus": _g(row.bonus), "total_with_bonus": _g(row.total_with_bonus),
                                                   "max_points": _g(row.max_total), "notes": "; ".join(row.notes)})
        for key in totals:
            totals[key] += counts[key]
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{batch.seconds:.3f}")
    return _xml(root)


def for_report(report: GradeReport, name: str = "pixelgrade") -> str:
    """JUnit XML for one grading (``pixelgrade --json`` output), for a learner's CI run."""
    root = ET.Element("testsuites", name="pixelgrade")
    counts = _suite(root, name, report, {"points": _g(report.points), "bonus": _g(report.bonus_points),
                                         "total_with_bonus": _g(report.total_with_bonus),
                                         "max_points": _g(report.max_points)})
    for key, value in counts.items():
        root.set(key, str(value))
    root.set("time", f"{report.seconds:.3f}")
    return _xml(root)
