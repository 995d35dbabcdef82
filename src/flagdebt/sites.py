"""What both scanning engines produce for one file, and how it becomes call sites."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flagdebt.flagcall import FileSymbols, KeyExpr, Lookup, resolve
from flagdebt.lines import split_lines
from flagdebt.model import CallSite, Finding, Suppression, parse_day

SUPPRESSION = re.compile(r"#\s*flagdebt:\s*ignore\b")
_SUPPRESSION_REST = re.compile(
    r"(?:\[(?P<codes>[^\]\[#]*)\])?(?:\s+until=(?P<until>\S*))?(?:\s*--\s*(?P<reason>[^#]*))?"
    r"\s*(?:#.*)?"
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
    object_read: bool = False  # `NAME.is_enabled()`: a read only when NAME resolves to a key


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
        if raw.object_read and resolved.key is None:
            continue
        sites.append(CallSite(
            path=scan.path, line=raw.line, col=raw.col, key=resolved.key,
            spelling=resolved.spelling, callee=raw.callee, stmt_line=raw.stmt_line,
            dynamic=resolved.dynamic, decorator=raw.decorator, scope=raw.scope,
        ))
    return sites


def parse_suppressions(source: str, path: str) -> list[Suppression]:
    """Every `# flagdebt: ignore[...]` comment of a file: real comments only, not strings."""
    if "flagdebt:" not in source:
        return []
    found = []
    for number, comment in _comments(source):
        match = SUPPRESSION.search(comment) if "flagdebt:" in comment else None
        if match:
            found.append(_suppression(path, number, comment[match.end():]))
    return found


def _comments(source: str) -> list[tuple[int, str]]:
    """(line, text) of each comment, by the tokenizer; by line when the file does not tokenize."""
    import io
    import tokenize

    try:
        tokens = tokenize.generate_tokens(io.StringIO(source, newline=None).readline)
        return [(token.start[0], token.string) for token in tokens
                if token.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError):
        return [(number, line[line.index("#"):]) for number, line
                in enumerate(split_lines(source), start=1) if "#" in line]


def _suppression(path: str, line: int, rest: str) -> Suppression:
    match = _SUPPRESSION_REST.fullmatch(rest)
    if match is None:
        return Suppression(path, line, problem=_malformed(rest))
    codes = frozenset(c.strip().upper() for c in (match["codes"] or "").split(",") if c.strip())
    reason = (match["reason"] or "").strip()
    text = match["until"]
    if text is None:
        return Suppression(path, line, codes, None, reason)
    until = parse_day(text)
    if until is None:
        return Suppression(path, line, codes, None, reason,
                           f"'until={text}' is not a date like 2026-12-31")
    return Suppression(path, line, codes, until, reason)


def _malformed(rest: str) -> str:
    """What is wrong with the text after `# flagdebt: ignore`."""
    if rest.lstrip().startswith("[") and "]" not in rest:
        return "unclosed '[' after 'ignore'"
    until = re.search(r"until=(\S*)", rest)
    if until is not None and parse_day(until[1]) is None:
        return f"'until={until[1]}' is not a date like 2026-12-31"
    return "not of the form `# flagdebt: ignore[CODES] until=YYYY-MM-DD -- reason`"


def syntax_error(path: str, line: int, col: int, reason: str) -> Finding:
    """The FD900 finding for a file that could not be read or parsed."""
    return Finding(path, max(line, 1), max(col, 1), "FD900", "",
                   f"could not parse file, skipped: {reason}", "error")
