"""A Markdown table for pull-request comments: a heading with the counts, then one row per finding."""

from __future__ import annotations

import re
from collections.abc import Sequence

from flagdebt.model import Finding
from flagdebt.printable import printable
from flagdebt.report import Summary
from flagdebt.report.text import summary_line
from flagdebt.rules import BY_CODE

HEADER = "| Severity | Code | Flag | Location | Message |\n| --- | --- | --- | --- | --- |"
SPECIAL = re.compile(r"([\\`*_\[\]<>|&~])")


def render_markdown(findings: Sequence[Finding], summary: Summary) -> str:
    """The heading, the summary sentence and, when there are findings, the table."""
    lines = [f"## flagdebt: {heading_counts(summary)}", "", summary_line(summary)]
    if findings:
        lines += ["", HEADER, *(row(finding) for finding in sorted(findings))]
    return "\n".join(lines) + "\n"


def heading_counts(summary: Summary) -> str:
    """`2 errors, 1 warning`, or `no flag debt`."""
    if not summary.errors and not summary.warnings:
        return "no flag debt"
    return f"{_plural(summary.errors, 'error')}, {_plural(summary.warnings, 'warning')}"


def row(finding: Finding) -> str:
    """One table row; every cell escaped."""
    rule = BY_CODE.get(finding.code)
    code = f"{finding.code} {rule.name}" if rule else finding.code
    where = f"{finding.path.replace(chr(92), '/')}:{finding.line}:{finding.col}"
    cells = (finding.severity, code, finding.flag, where, finding.message)
    return "| " + " | ".join(cell(text) for text in cells) + " |"


def cell(text: str) -> str:
    """Text safe in a table cell: one line (controls shown as `\\n`, `\\x1b`), Markdown and
    HTML punctuation backslash-escaped."""
    return SPECIAL.sub(r"\\\1", printable(text))


def _plural(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")
