"""Golden output of the CI report formats, plus the properties each format promises.

`FLAGDEBT_UPDATE_GOLDEN=1 pytest tests/test_report_formats.py` rewrites fixtures/golden/.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Callable, Sequence

import pytest
from jsonschema import Draft4Validator

from flagdebt.model import Finding
from flagdebt.report import FORMATS, Summary, renderer, summarize
from flagdebt.report.github import escape_data, escape_property, render_github
from flagdebt.report.gitlab import render_gitlab
from flagdebt.report.junit import render_junit
from flagdebt.report.markdown import render_markdown
from flagdebt.report.sarif import artifact_location, fingerprints, render_sarif
from flagdebt.report.statistics import render_statistics
from flagdebt.rules import RULES

ROOT = Path(__file__).parent.parent
GOLDEN = ROOT / "fixtures" / "golden"
SCHEMA = ROOT / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"
UPDATE = os.environ.get("FLAGDEBT_UPDATE_GOLDEN") == "1"

Render = Callable[[Sequence[Finding], Summary], str]
RENDERERS: dict[str, tuple[Render, str]] = {
    "sarif": (render_sarif, "sarif.json"),
    "github": (render_github, "github.txt"),
    "gitlab": (render_gitlab, "gitlab.json"),
    "junit": (render_junit, "junit.xml"),
    "markdown": (render_markdown, "md"),
    "statistics": (render_statistics, "statistics.txt"),
}

EXPIRED = ("flag 'new-checkout' expired on 2026-10-27, 31 days ago (release flag, fully rolled "
           "out 2026-09-01, owner: payments)")
TRICKY = ("flag \"a&b<c>\" is not in the registry (flags.toml); did you mean 'a&b'? "
          "100% | 50%: ünïcødé → ✓, done")
FINDINGS = (
    Finding("src/shop/cart.py", 12, 8, "FD001", "new-checkout", EXPIRED, "error", "payments",
            date(2026, 10, 27), "checkout"),
    Finding("src/shop/cart.py", 30, 12, "FD001", "new-checkout", EXPIRED, "error", "payments",
            date(2026, 10, 27), "checkout"),
    Finding("src/shop/search.py", 5, 4, "FD002", "search-v2",
            "flag 'search-v2' expires on 2026-12-15, in 18 days (release flag, fully rolled out "
            "2026-10-01, owner: search)", "warning", "search", date(2026, 12, 15), "Search.run"),
    Finding("src/shop/search.py", 9, 16, "FD003", "a&b<c>", TRICKY, "error", scope="Search.run"),
    Finding("src/shop/views.py", 3, 20, "FD006", "name",
            "flag key 'name' is a runtime value that flagdebt cannot check", "warning",
            scope="guarded"),
    Finding("flags.toml", 7, 1, "FD005", "old-banner",
            "flag 'old-banner' has no type, owner in the registry", "error"),
    Finding("flags.toml", 12, 1, "FD007", "old-search",
            "flag 'old-search' is registered but no code reads it (owner: none)", "warning"),
    Finding("src\\legacy\\café views.py", 1, 1, "FD900", "",
            "could not parse file, skipped: invalid syntax", "error"),
)
SUMMARY = summarize(FINDINGS, flags=6, call_sites=9, files=4, suppressed=1)
EMPTY = summarize((), flags=6, call_sites=9, files=4)
CASES = {"findings": (FINDINGS, SUMMARY), "empty": ((), EMPTY)}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_golden(name: str, case: str) -> None:
    render, extension = RENDERERS[name]
    findings, summary = CASES[case]
    output = render(findings, summary)
    path = GOLDEN / f"{case}.{extension}"
    if UPDATE:
        path.write_bytes(output.encode("utf-8"))
    assert output.encode("utf-8") == path.read_bytes()


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_output_does_not_depend_on_input_order(name: str) -> None:
    render, _ = RENDERERS[name]
    assert render(FINDINGS[::-1], SUMMARY) == render(FINDINGS, SUMMARY)


@pytest.mark.parametrize("name", ["sarif", "github", "gitlab", "junit", "markdown"])
def test_format_is_registered(name: str) -> None:
    assert renderer(name) is RENDERERS[name][0]


def test_statistics_is_not_a_report_format() -> None:
    assert "statistics" not in FORMATS


def _sarif(findings: Sequence[Finding] = FINDINGS) -> dict:
    return json.loads(render_sarif(findings, SUMMARY))


@pytest.mark.parametrize("case", sorted(CASES))
def test_sarif_is_valid_against_the_schema(case: str) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    errors = [error.message for error in validator.iter_errors(_sarif(CASES[case][0]))]
    assert errors == []


def test_sarif_lists_every_rule_sorted_and_indexes_them() -> None:
    (run,) = _sarif()["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == sorted(rule.code for rule in RULES)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_rule_metadata_comes_from_the_rule_doc() -> None:
    (run,) = _sarif(())["runs"]
    expired = run["tool"]["driver"]["rules"][0]
    assert expired["shortDescription"]["text"] == (
        "Reports every place that reads a flag whose removal deadline has passed.")
    assert expired["fullDescription"]["text"].startswith("## What it does\n")
    assert expired["help"]["markdown"] == expired["fullDescription"]["text"]
    assert expired["defaultConfiguration"]["level"] == "error"


def test_sarif_uris_are_relative_with_forward_slashes() -> None:
    (run,) = _sarif()["runs"]
    locations = [result["locations"][0]["physicalLocation"]["artifactLocation"]
                 for result in run["results"]]
    assert {"uri": "src/legacy/caf%C3%A9%20views.py", "uriBaseId": "%SRCROOT%"} in locations
    assert all(location["uriBaseId"] == "%SRCROOT%" for location in locations)


@pytest.mark.parametrize(("path", "uri"), [
    ("./src/app.py", "src/app.py"),
    ("src\\pkg\\mod.py", "src/pkg/mod.py"),
    ("a:b.py", "a%3Ab.py"),
    ("/abs/app.py", "file:///abs/app.py"),
    ("C:\\proj\\app.py", "file:///C:/proj/app.py"),
], ids=["dot-slash", "backslashes", "colon", "posix-absolute", "windows-absolute"])
def test_sarif_artifact_location(path: str, uri: str) -> None:
    assert artifact_location(path)["uri"] == uri
    assert ("uriBaseId" in artifact_location(path)) == (not uri.startswith("file:"))


def test_sarif_rule_descriptions_fit_github_limits() -> None:
    (run,) = _sarif(())["runs"]
    for rule in run["tool"]["driver"]["rules"]:
        assert len(rule["shortDescription"]["text"]) <= 1024
        assert len(rule["fullDescription"]["text"]) <= 1024


def _shifted(finding: Finding) -> Finding:
    later = re.sub(r"\d+ days", "40 days", finding.message)
    return replace(finding, line=finding.line + 7, col=finding.col + 2, message=later)


def test_fingerprints_survive_shifted_lines_and_passing_days() -> None:
    moved = sorted(_shifted(finding) for finding in FINDINGS)
    assert fingerprints(moved) == fingerprints(sorted(FINDINGS))


def test_fingerprints_change_with_flag_path_or_scope() -> None:
    base = FINDINGS[2]
    variants = [base, replace(base, flag="other"), replace(base, path="src/other.py"),
                replace(base, scope="elsewhere")]
    assert len({fingerprints([variant])[0] for variant in variants}) == 4


def test_gitlab_fingerprints_are_unique() -> None:
    issues = json.loads(render_gitlab(FINDINGS, SUMMARY))
    prints = [issue["fingerprint"] for issue in issues]
    assert len(set(prints)) == len(prints) == len(FINDINGS)
    assert {issue["severity"] for issue in issues} == {"major", "minor"}


def test_github_escapes_properties_and_data() -> None:
    assert escape_data("100% a:b,c\r\nd") == "100%25 a:b,c%0D%0Ad"
    assert escape_property("100% a:b,c\r\nd") == "100%25 a%3Ab%2Cc%0D%0Ad"
    lines = render_github(FINDINGS, SUMMARY).splitlines()
    assert ("::warning file=src/shop/views.py,line=3,col=20,title=FD006 dynamic-flag-key::"
            "flag key 'name' is a runtime value that flagdebt cannot check") in lines
    assert len(lines) == len(FINDINGS)


def test_junit_counts_failures_and_escapes() -> None:
    suite = ET.fromstring(render_junit(FINDINGS, SUMMARY)).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("8", "8", "0")
    messages = [case.find("failure").get("message") for case in suite]  # type: ignore[union-attr]
    assert TRICKY in messages


def test_junit_escapes_characters_xml_cannot_hold() -> None:
    odd = replace(FINDINGS[0], message="colour \x1b[31mred\x1b[0m \ud800")
    suite = ET.fromstring(render_junit([odd], SUMMARY)).find("testsuite")
    assert suite is not None  # escaped as in the text report, so the key stays recognisable
    assert suite[0][0].get("message") == "colour \\x1b[31mred\\x1b[0m \\ud800"


def test_junit_without_findings_has_one_passing_test() -> None:
    suite = ET.fromstring(render_junit((), EMPTY)).find("testsuite")
    assert suite is not None
    (case,) = list(suite)
    assert case.get("name") == "flagdebt" and list(case) == []
    assert (suite.get("tests"), suite.get("failures")) == ("1", "0")


def test_markdown_rows_have_five_cells() -> None:
    rows = [line for line in render_markdown(FINDINGS, SUMMARY).splitlines()
            if line.startswith("| ") and not line.startswith(("| Severity", "| ---"))]
    assert len(rows) == len(FINDINGS)
    for row in rows:
        assert len(re.split(r"(?<!\\)\|", row)) == 7


def test_markdown_without_findings_says_so() -> None:
    assert "No flag debt found" in render_markdown((), EMPTY)


def test_statistics_sorts_by_count_then_code() -> None:
    lines = render_statistics(FINDINGS, SUMMARY).splitlines()
    assert lines[0] == "   2  FD001  expired-flag"
    assert [line.split()[1] for line in lines[1:-1]] == [
        "FD002", "FD003", "FD005", "FD006", "FD007", "FD900"]
    assert lines[-1] == "   8  total"
