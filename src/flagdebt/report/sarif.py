"""SARIF 2.1.0 for GitHub code scanning: one run, every rule sorted by id, one result per finding.

`partialFingerprints["flagdebt/v1"]` is the sha256 of the finding's code, flag, path, scope
and message with its numbers blanked, plus an occurrence counter among findings that share
all of those. It survives lines shifting and the daily "31 days ago" tick, and still tells
apart two identical findings in one scope. The GitLab report reuses it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from flagdebt import __version__
from flagdebt.model import Finding, Rule
from flagdebt.report import Summary
from flagdebt.rules import RULES, rule_doc

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/flagdebt/flagdebt"
FINGERPRINT = "flagdebt/v1"
NUMBER = re.compile(r"\d+")
HEADING = re.compile(r"^## +(.+?)\s*$", re.MULTILINE)
SENTENCE = re.compile(r"(.+?[.!?])(?=\s|$)")
WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:/")


def render_sarif(findings: Sequence[Finding], summary: Summary) -> str:
    """The findings as one SARIF log with a single run."""
    ordered = sorted(findings)
    rules = sorted(RULES, key=lambda rule: rule.code)
    index = {rule.code: position for position, rule in enumerate(rules)}
    results = [_result(finding, index, fingerprint)
               for finding, fingerprint in zip(ordered, fingerprints(ordered))]
    log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [_run(rules, results)]}
    return json.dumps(log, indent=2) + "\n"


def _run(rules: Sequence[Rule], results: list[dict[str, Any]]) -> dict[str, Any]:
    driver = {
        "name": "flagdebt",
        "version": __version__,
        "informationUri": INFORMATION_URI,
        "rules": [rule_descriptor(rule) for rule in rules],
    }
    return {"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results}


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    """A rule's SARIF `reportingDescriptor`: its name, summary, documentation and level."""
    doc = rule_doc(rule)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": first_sentence(section(doc, "What it does")) or rule.name},
        "fullDescription": {"text": doc or rule.name},
        "help": {"text": doc or rule.name, "markdown": doc or rule.name},
        "defaultConfiguration": {"level": rule.severity},
        "properties": {"tags": ["feature-flags", "maintainability"]},
    }


def section(doc: str, title: str) -> str:
    """The text under a `## title` heading of a rule doc, up to the next heading."""
    parts = HEADING.split(doc)
    for heading, body in zip(parts[1::2], parts[2::2]):
        if heading.lower() == title.lower():
            return body.strip()
    return ""


def first_sentence(text: str) -> str:
    """The first sentence of a paragraph, with its line breaks folded into spaces."""
    flat = " ".join(text.split())
    match = SENTENCE.match(flat)
    return match.group(1) if match else flat


def _result(finding: Finding, index: dict[str, int], fingerprint: str) -> dict[str, Any]:
    result: dict[str, Any] = {"ruleId": finding.code}
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    result.update({
        "level": finding.severity,
        "message": {"text": finding.message},
        "locations": [_location(finding)],
        "partialFingerprints": {FINGERPRINT: fingerprint},
    })
    return result


def _location(finding: Finding) -> dict[str, Any]:
    region = {"startLine": max(finding.line, 1), "startColumn": max(finding.col, 1)}
    return {"physicalLocation": {"artifactLocation": artifact_location(finding.path),
                                 "region": region}}


def artifact_location(path: str) -> dict[str, str]:
    """A path as a SARIF artifact location: relative paths are relative to %SRCROOT%."""
    posix = path.replace("\\", "/")
    if posix.startswith("/"):
        return {"uri": "file://" + quote(posix)}
    if WINDOWS_DRIVE.match(posix):
        return {"uri": "file:///" + posix[:2] + quote(posix[2:])}
    while posix.startswith("./"):
        posix = posix[2:]
    return {"uri": quote(posix), "uriBaseId": "%SRCROOT%"}


def fingerprint_key(finding: Finding) -> str:
    """What identifies a finding across runs: no line, no column, no numbers in the message."""
    parts = [finding.code, finding.flag, finding.path.replace("\\", "/"), finding.scope,
             NUMBER.sub("0", finding.message)]
    return json.dumps(parts, ensure_ascii=False)


def fingerprints(findings: Sequence[Finding]) -> list[str]:
    """A stable sha256 per finding, in order; repeats of a key are numbered to stay distinct."""
    seen: Counter[str] = Counter()
    result = []
    for finding in findings:
        key = fingerprint_key(finding)
        text = f"{key}#{seen[key]}"
        seen[key] += 1
        result.append(hashlib.sha256(text.encode("utf-8", "backslashreplace")).hexdigest())
    return result
