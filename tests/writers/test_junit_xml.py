"""JUnit XML (grader/writers/junit_xml.py): it parses, it counts, and a learner's control characters do not break it."""

import xml.etree.ElementTree as ET

import batch_samples
import pytest

from grader.core import results
from grader.writers import junit_xml


@pytest.fixture
def small_batch():
    return batch_samples.small_batch()


def test_junit_xml_parses_and_counts(small_batch):
    root = ET.fromstring(junit_xml.for_batch(small_batch))
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == ["alice", "bob", "carol"]
    assert [(s.get("tests"), s.get("failures"), s.get("errors")) for s in suites.values()] == [
        ("5", "0", "0"), ("5", "2", "0"), ("5", "5", "0")]
    assert (root.get("tests"), root.get("failures")) == ("15", "7")
    failure = suites["bob"].find("testcase[@name='test_flatten']/failure")
    assert failure.get("type") == "failed" and "wrong" in failure.get("message")
    assert suites["carol"].find("properties/property[@name='status']").get("value") == "timed out"


def test_junit_xml_holds_a_message_with_control_characters(small_batch):
    """A learner's exception text may carry a bell or an escape code: the XML stays well-formed."""
    check = next(c for row in small_batch.rows for e in row.report.exercises for c in e.checks
                 if c.status != results.PASSED)
    check.message = "Called `f()`: it raised RuntimeError: bell \x07 and escape \x1b[31m red"
    root = ET.fromstring(junit_xml.for_batch(small_batch))
    texts = [f.get("message") for f in root.iter("failure")]
    # The bell is shown as what it is; the colour code is left out (a CI page is no terminal).
    assert any("bell \\x07 and escape  red" in text for text in texts)
    assert not any("\x1b" in text or "[31m" in text for text in texts)
