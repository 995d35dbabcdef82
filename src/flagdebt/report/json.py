"""`{"findings": [...], "summary": {...}}` with every field of every finding."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from flagdebt.model import Finding
from flagdebt.report import Summary
from flagdebt.rules import BY_CODE


def finding_dict(finding: Finding) -> dict[str, Any]:
    """A finding as plain JSON values."""
    rule = BY_CODE.get(finding.code)
    return {
        "code": finding.code,
        "name": rule.name if rule else finding.code,
        "severity": finding.severity,
        "flag": finding.flag,
        "path": finding.path,
        "line": finding.line,
        "col": finding.col,
        "message": finding.message,
        "owner": finding.owner,
        "deadline": finding.deadline.isoformat() if finding.deadline else None,
    }


def render_json(findings: Sequence[Finding], summary: Summary) -> str:
    """The findings and the summary as one indented JSON document."""
    document = {
        "findings": [finding_dict(finding) for finding in findings],
        "summary": {
            "errors": summary.errors,
            "warnings": summary.warnings,
            "flags": summary.flags,
            "call_sites": summary.call_sites,
            "files": summary.files,
            "suppressed": summary.suppressed,
        },
    }
    return json.dumps(document, indent=2) + "\n"
