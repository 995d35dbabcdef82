"""JUnit XML: one test suite "flagdebt", one failing test case per finding.

Every finding, error or warning, is a `<failure>`: the check ran and found debt. `<error>`
would mean the tool itself broke, which flagdebt reports through its exit code (2) instead.
With no findings there is one passing test case, so CI shows a green test.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from flagdebt.model import Finding
from flagdebt.printable import printable
from flagdebt.report import Summary

NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def render_junit(findings: Sequence[Finding], summary: Summary) -> str:
    """The findings as a JUnit report."""
    ordered = sorted(findings)
    counts = {"tests": str(max(len(ordered), 1)), "failures": str(len(ordered)), "errors": "0"}
    root = ET.Element("testsuites", {"name": "flagdebt", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": "flagdebt", **counts, "skipped": "0",
                                              "time": "0"})
    for finding in ordered:
        testcase(suite, finding)
    if not ordered:
        ET.SubElement(suite, "testcase", {"classname": "flagdebt", "name": "flagdebt", "time": "0"})
    ET.indent(root)
    return DECLARATION + ET.tostring(root, encoding="unicode") + "\n"


def testcase(suite: ET.Element, finding: Finding) -> ET.Element:
    """A `<testcase>` with the finding's `<failure>`."""
    path = finding.path.replace("\\", "/")
    name = " ".join(part for part in (finding.code, finding.flag,
                                      f"{finding.line}:{finding.col}") if part)
    case = ET.SubElement(suite, "testcase", {"classname": xml_text(path), "name": xml_text(name),
                                             "file": xml_text(path), "line": str(finding.line),
                                             "time": "0"})
    failure = ET.SubElement(case, "failure", {"type": finding.code,
                                              "message": xml_text(finding.message)})
    failure.text = xml_text(f"{path}:{finding.line}:{finding.col}: {finding.code} "
                            f"{finding.message} ({finding.severity})")
    return case


def xml_text(text: str) -> str:
    """Text with control characters escaped (`\\x1b`, see `printable`) and any other
    character XML 1.0 cannot hold replaced by U+FFFD."""
    return NOT_XML.sub("\ufffd", printable(text))
