"""`path:line:col: CODE message` lines and a one-line summary."""

from __future__ import annotations

from collections.abc import Sequence

from flagdebt.model import Finding
from flagdebt.printable import printable
from flagdebt.report import Summary

RED, YELLOW, BOLD, DIM, RESET = "\033[31m", "\033[33m", "\033[1m", "\033[2m", "\033[0m"


def render_text(findings: Sequence[Finding], summary: Summary) -> str:
    """One line per finding in report order, then the summary line."""
    lines = [_line(finding, summary.color) for finding in findings]
    lines.append(summary_line(summary))
    return "\n".join(lines) + "\n"


def _line(finding: Finding, color: bool) -> str:
    where = f"{printable(finding.path)}:{finding.line}:{finding.col}:"
    message = printable(finding.message)
    if not color:
        return f"{where} {finding.code} {message}"
    tint = RED if finding.severity == "error" else YELLOW
    return f"{BOLD}{where}{RESET} {tint}{finding.code}{RESET} {message}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def summary_line(summary: Summary) -> str:
    """`Found 2 errors and 1 warning in 14 files (5 flags, 9 call sites).`"""
    scope = (f"in {_count(summary.files, 'file')} ({_count(summary.flags, 'flag')} in the registry, "
             f"{_count(summary.call_sites, 'call site')}")
    if summary.suppressed:
        scope += f", {summary.suppressed} suppressed"
    scope += ")."
    if not summary.errors and not summary.warnings:
        return f"No flag debt found {scope}"
    return f"Found {_count(summary.errors, 'error')} and {_count(summary.warnings, 'warning')} {scope}"
