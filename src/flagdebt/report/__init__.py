"""Renderers: pure functions from findings and a summary to text, one module per format."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flagdebt.model import Finding

Renderer = Callable[[Sequence[Finding], "Summary"], str]
FORMATS = {
    "text": "flagdebt.report.text:render_text",
    "json": "flagdebt.report.json:render_json",
    "sarif": "flagdebt.report.sarif:render_sarif",
    "github": "flagdebt.report.github:render_github",
    "gitlab": "flagdebt.report.gitlab:render_gitlab",
    "junit": "flagdebt.report.junit:render_junit",
    "markdown": "flagdebt.report.markdown:render_markdown",
}


@dataclass(frozen=True)
class Summary:
    """The counts a report closes with."""

    errors: int = 0
    warnings: int = 0
    flags: int = 0
    call_sites: int = 0
    files: int = 0
    suppressed: int = 0
    color: bool = False


def summarize(findings: Sequence[Finding], flags: int, call_sites: int, files: int,
              suppressed: int = 0) -> Summary:
    """Count errors and warnings of the findings."""
    errors = sum(1 for f in findings if f.severity == "error")
    return Summary(errors, len(findings) - errors, flags, call_sites, files, suppressed)


def renderer(name: str) -> Renderer:
    """The render function of a format, imported only when it is used."""
    module, _, function = FORMATS[name].partition(":")
    render: Renderer = getattr(importlib.import_module(module), function)
    return render
