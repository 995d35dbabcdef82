"""What both scanning engines produce for one file, and how it becomes call sites."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flagdebt.flagcall import FileSymbols, KeyExpr, Lookup, resolve
from flagdebt.lines import split_lines
from flagdebt.model import CallSite, Finding, Suppression

SUPPRESSION = re.compile(
    r"#\s*flagdebt:\s*ignore(?:\[(?P<codes>[^\]]*)\])?"
    r"(?:\s+until=(?P<until>\S+))?(?:\s*--\s*(?P<reason>.*))?"
)


@dataclass(frozen=True, slots=True)
class RawSite:
    """A matched flag call before its key is resolved against other modules."""

    line: int
    col: int
    stmt_line: int
    callee: str
    key: KeyExpr
    decorator: bool = False
    scope: str = ""


@dataclass
class FileScan:
    """One file's flag calls, symbols and suppressions, or the error that stopped its scan."""

    path: str
    sites: list[RawSite] = field(default_factory=list)
    symbols: FileSymbols = field(default_factory=FileSymbols)
    suppressions: list[Suppression] = field(default_factory=list)
    error: Finding | None = None
    transient: bool = False  # the file could not be read: not a result to cache


def call_sites(scan: FileScan, lookup: Lookup) -> list[CallSite]:
    """Resolve the keys of a file's raw sites into call sites."""
    sites = []
    for raw in scan.sites:
        resolved = resolve(raw.key, scan.symbols, lookup)
        sites.append(CallSite(
            path=scan.path, line=raw.line, col=raw.col, key=resolved.key,
            spelling=resolved.spelling, callee=raw.callee, stmt_line=raw.stmt_line,
            dynamic=resolved.dynamic, decorator=raw.decorator, scope=raw.scope,
        ))
    return sites


def parse_suppressions(source: str, path: str) -> list[Suppression]:
    """Every `# flagdebt: ignore[...]` comment of a file (found by line, only when the text has one)."""
    if "flagdebt:" not in source:
        return []
    found = []
    for number, line in enumerate(split_lines(source), start=1):
        match = SUPPRESSION.search(line) if "flagdebt:" in line else None
        if match:
            found.append(_suppression(path, number, match))
    return found


def _suppression(path: str, line: int, match: re.Match[str]) -> Suppression:
    codes = frozenset(c.strip().upper() for c in (match["codes"] or "").split(",") if c.strip())
    until = None
    if match["until"]:
        try:
            until = date.fromisoformat(match["until"])
        except ValueError:
            until = None
    return Suppression(path, line, codes, until, (match["reason"] or "").strip())


def syntax_error(path: str, line: int, col: int, reason: str) -> Finding:
    """The FD900 finding for a file that could not be read or parsed."""
    return Finding(path, max(line, 1), max(col, 1), "FD900", "",
                   f"could not parse file, skipped: {reason}", "error")
