"""A count per rule, like `ruff --statistics`: most frequent first, then a total."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from flagdebt.model import Finding
from flagdebt.report import Summary
from flagdebt.rules import BY_CODE


def render_statistics(findings: Sequence[Finding], summary: Summary) -> str:
    """`   3  FD001  expired-flag` lines by count (descending), then code, then the total."""
    counts = Counter(finding.code for finding in findings)
    width = max(4, len(str(len(findings))))
    code_width = max((len(code) for code in counts), default=0)
    lines = [f"{count:>{width}}  {code:<{code_width}}  {_name(code)}".rstrip()
             for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    lines.append(f"{len(findings):>{width}}  total")
    return "\n".join(lines) + "\n"


def _name(code: str) -> str:
    rule = BY_CODE.get(code)
    return rule.name if rule else ""
