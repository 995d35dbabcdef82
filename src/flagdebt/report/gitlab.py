"""GitLab Code Quality: a JSON array of issues, one per finding.

Fingerprints are the SARIF report's (see `flagdebt.report.sarif.fingerprints`): stable when
lines shift, distinct for two findings of the same kind in one file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from flagdebt.model import Finding
from flagdebt.report import Summary
from flagdebt.report.sarif import fingerprints

SEVERITY = {"error": "major", "warning": "minor"}


def render_gitlab(findings: Sequence[Finding], summary: Summary) -> str:
    """The findings as a Code Quality report."""
    ordered = sorted(findings)
    issues = [issue(finding, fingerprint)
              for finding, fingerprint in zip(ordered, fingerprints(ordered))]
    return json.dumps(issues, indent=2) + "\n"


def issue(finding: Finding, fingerprint: str) -> dict[str, Any]:
    """One Code Quality issue; the description leads with the rule code."""
    return {
        "description": f"{finding.code} {finding.message}",
        "check_name": finding.code,
        "fingerprint": fingerprint,
        "severity": SEVERITY.get(finding.severity, "major"),
        "location": {
            "path": finding.path.replace("\\", "/"),
            "lines": {"begin": max(finding.line, 1)},
        },
    }
