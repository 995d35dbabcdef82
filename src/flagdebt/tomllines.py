"""Where each table header and key of a TOML file sits, for messages with line numbers
and for edits that keep every other byte (tomllib gives no line numbers)."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, replace

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

KeyPath = tuple[str, ...]

# The lines of header and key lines are
# found with these patterns; values that span lines (arrays, multi-line strings) are
# skipped by tracking brackets and quotes. The file has already parsed, so it is valid TOML.
_BARE = r"[A-Za-z0-9_-]+"
_BASIC = r'"(?:[^"\\\n]|\\.)*"'
_LITERAL = r"'[^'\n]*'"
_PART = re.compile(rf"{_BARE}|{_BASIC}|{_LITERAL}")
_DOTTED = rf"(?:{_PART.pattern})(?:[ \t]*\.[ \t]*(?:{_PART.pattern}))*"
_HEADER = re.compile(rf"[ \t]*\[\[?[ \t]*({_DOTTED})[ \t]*\]")
_ASSIGN = re.compile(rf"[ \t]*({_DOTTED})[ \t]*=")
_TOKEN = re.compile(rf'"""|\'\'\'|{_BASIC}|{_LITERAL}|#|[\[\]{{}}]')
_CLOSE = {
    '"""': re.compile(r'(?:\\.|[^\\])*?"""(?:""?)?'),
    "'''": re.compile(r".*?'''(?:''?)?"),
}


@dataclass(frozen=True)
class KeyLine:
    """Where a TOML table header or key/value line sits: first and last line (1-based)."""

    path: KeyPath
    line: int
    end: int
    header: bool


def scan_keys(text: str) -> list[KeyLine]:
    """Every table header and key line of a valid TOML document, in file order."""
    found: list[KeyLine] = []
    table: KeyPath = ()
    depth, quote = 0, ""
    entry: KeyLine | None = None  # the entry whose value is being read
    for number, line in enumerate(text.split("\n"), start=1):
        rest = line
        if entry is None:
            started = _entry_at(line, number, table)
            if started is None:
                continue
            entry, rest = started
            table = entry.path if entry.header else table
        depth, quote = _advance(rest, depth, quote)
        if depth <= 0 and not quote:
            found.append(replace(entry, end=number))
            entry, depth = None, 0
    return found


def _entry_at(line: str, number: int, table: KeyPath) -> tuple[KeyLine, str] | None:
    """The header or key that starts on `line`, and the rest of the line (its value)."""
    if line.lstrip().startswith("["):
        header = _HEADER.match(line)
        if header is None:
            return None
        return KeyLine(_split_key(header.group(1)), number, number, True), ""
    assign = _ASSIGN.match(line)
    if assign is None:
        return None
    key = KeyLine(table + _split_key(assign.group(1)), number, number, False)
    return key, line[assign.end() :]


_HEADER_LINE = re.compile(rf"^{_HEADER.pattern}", re.MULTILINE)


def table_headers(text: str) -> dict[KeyPath, int]:
    """The line of each `[table]` header: a quick look that needs no full scan of the file."""
    lines: dict[KeyPath, int] = {}
    position, number = 0, 1
    for match in _HEADER_LINE.finditer(text):
        number += text.count("\n", position, match.start())
        position = match.start()
        lines.setdefault(_split_key(match.group(1)), number)
    return lines


def index_keys(text: str) -> dict[KeyPath, int]:
    """The first line that defines each key path, or any key below it (a dotted prefix)."""
    lines: dict[KeyPath, int] = {}
    for entry in scan_keys(text):
        for size in range(1, len(entry.path) + 1):
            lines.setdefault(entry.path[:size], entry.line)
    return lines


def _split_key(dotted: str) -> KeyPath:
    return tuple(_unquote(part.group()) for part in _PART.finditer(dotted))


def _unquote(part: str) -> str:
    if part.startswith("'"):
        return part[1:-1]
    if part.startswith('"'):
        return str(tomllib.loads(f"k = {part}")["k"])
    return part


def _advance(fragment: str, depth: int, quote: str) -> tuple[int, str]:
    """Bracket depth and open multi-line string quote after reading `fragment`."""
    position = 0
    while True:
        if quote:
            closing = _CLOSE[quote].match(fragment, position)
            if closing is None:
                return depth, quote
            position, quote = closing.end(), ""
            continue
        token = _TOKEN.search(fragment, position)
        if token is None or token.group() == "#":
            return depth, quote
        position, text = token.end(), token.group()
        if text in _CLOSE:
            quote = text
        elif text in ("[", "{"):
            depth += 1
        elif text in ("]", "}"):
            depth -= 1
