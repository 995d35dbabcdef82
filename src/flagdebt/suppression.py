"""Apply `# flagdebt: ignore[...]` comments to findings, and report the ones that silence nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from flagdebt.model import CallSite, Finding, Suppression

UNUSED_CODE = "FD009"
INVALID_CODE = "FD010"


@dataclass
class Suppressed:
    """Findings left after suppressions, how many were silenced, and the unused or malformed ones."""

    findings: list[Finding] = field(default_factory=list)
    silenced: int = 0
    unused: list[Finding] = field(default_factory=list)


def apply_suppressions(findings: Sequence[Finding], sites: Sequence[CallSite],
                       suppressions: Sequence[Suppression], today: date,
                       selected: Callable[[str], bool]) -> Suppressed:
    """Drop the findings a live suppression covers; an expired one only annotates the finding."""
    by_line: dict[tuple[str, int], Suppression] = {(s.path, s.line): s for s in suppressions}
    statement = {(site.path, site.line, site.col): site.stmt_line for site in sites}
    used: set[Suppression] = set()
    result = Suppressed()
    for finding in findings:
        stmt = statement.get((finding.path, finding.line, finding.col), finding.line)
        match = _covering(by_line, finding, stmt)
        if match is None:
            result.findings.append(finding)
        elif match.until is not None and today > match.until:
            note = f" (suppression expired {match.until.isoformat()})"
            result.findings.append(replace(finding, message=finding.message + note))
        else:
            used.add(match)
            result.silenced += 1
    result.unused = [_unused(s) for s in suppressions
                     if not s.problem and s not in used and _checked(s, selected)]
    if selected(INVALID_CODE):
        result.unused += [_invalid(s) for s in suppressions if s.problem]
    return result


def _covering(by_line: dict[tuple[str, int], Suppression], finding: Finding,
              stmt: int) -> Suppression | None:
    for line in dict.fromkeys((finding.line, stmt)):
        found = by_line.get((finding.path, line))
        if found is not None and found.covers(finding.code):
            return found
    return None


def _checked(suppression: Suppression, selected: Callable[[str], bool]) -> bool:
    if not selected(UNUSED_CODE):
        return False
    return not suppression.codes or any(selected(code) for code in suppression.codes)


def _unused(suppression: Suppression) -> Finding:
    codes = ",".join(sorted(suppression.codes)) or "all codes"
    return Finding(suppression.path, suppression.line, 1, UNUSED_CODE, "",
                   f"suppression of {codes} silences nothing here", "warning")


def _invalid(suppression: Suppression) -> Finding:
    return Finding(suppression.path, suppression.line, 1, INVALID_CODE, "",
                   f"malformed suppression, silences nothing: {suppression.problem}", "warning")
