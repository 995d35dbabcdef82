"""flags.toml -> a validated Registry of Flag entries, and archiving a flag in place."""

from __future__ import annotations

import errno
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from flagdebt.fileio import (
    Fingerprint,
    WriteRefused,
    new_file_beside,
    read_fingerprinted,
    read_regular,
    replace_file,
    write_target,
)
from flagdebt.model import FLAG_TYPES, Flag, FlagdebtError, Registry
from flagdebt.printable import printable

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

KeyPath = tuple[str, ...]

# Line scanner. tomllib gives no line numbers, so the lines of header and key lines are
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


@dataclass
class Problems:
    """Problems found in one TOML file, each pinned to the line of the key it is about.

    The full key index costs as much as parsing the file, so it is built only when a line
    is asked for that the table headers do not give.
    """

    display: str
    text: str
    found: list[tuple[int, str]] = field(default_factory=list)
    _headers: dict[KeyPath, int] | None = None
    _lines: dict[KeyPath, int] | None = None

    @property
    def lines(self) -> dict[KeyPath, int]:
        if self._lines is None:
            self._lines = index_keys(self.text)
        return self._lines

    def table_line(self, path: KeyPath) -> int:
        """The line of the `[path]` table header, falling back to the full index."""
        if self._headers is None:
            self._headers = table_headers(self.text)
        return self._headers.get(path) or self.line_of(path)

    def line_of(self, path: KeyPath) -> int:
        """The line of `path`, else of its nearest parent that has one, else 1."""
        for size in range(len(path), 0, -1):
            line = self.lines.get(path[:size])
            if line is not None:
                return line
        return 1

    def add(self, path: KeyPath, message: str) -> None:
        """Record `message` at the line of `path` (on one line: a key may hold a newline)."""
        line = self.line_of(path)
        self.found.append((line, f"{self.display}:{line}: {printable(message)}"))

    def raise_if_any(self) -> None:
        """Raise one FlagdebtError listing every problem, in line order."""
        if self.found:
            ordered = sorted(self.found, key=lambda item: item[0])
            raise FlagdebtError("\n".join(message for _, message in ordered))


def did_you_mean(word: str, choices: Iterable[str], n: int = 1) -> str:
    """` (did you mean 'x'?)` for the closest choice (up to `n` of them), or an empty string."""
    import difflib

    close = difflib.get_close_matches(word, list(dict.fromkeys(choices)), n=n, cutoff=0.6)
    if not close:
        return ""
    quoted = [f"'{choice}'" for choice in close]
    shown = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f" (did you mean {shown}?)"


def describe(value: object) -> str:
    """A TOML value's type and value for messages: `string "x"`, `integer 3`."""
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'string "{shown}"'
    if isinstance(value, datetime):
        return f"datetime {value.isoformat()}"
    kinds = ((int, "integer"), (float, "float"), (date, "date"), (time, "time"))
    for kind, name in kinds:
        if isinstance(value, kind):
            return f"{name} {value}"
    return "an array" if isinstance(value, list) else "a table"


def read_toml(path: Path, display: str, what: str) -> tuple[str, dict[str, Any]]:
    """The text and parsed content of a TOML file; every failure is a FlagdebtError."""
    try:
        data = read_regular(path)
    except FileNotFoundError:
        where = "" if display == str(path) else f" (looked for {path})"
        raise FlagdebtError(f"{display}: {what} not found{where}") from None
    except OSError as error:
        raise FlagdebtError(f"{display}: cannot read {what}: {error.strerror}") from None
    text = _decode(data, display).removeprefix("\ufeff")
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(error, text, display) from None


def _decode(data: bytes, display: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start]
        raise FlagdebtError(f"{display}:{line}: not valid UTF-8 (byte 0x{byte:02x})") from None


def _syntax_error(error: tomllib.TOMLDecodeError, text: str, display: str) -> FlagdebtError:
    message = str(error)
    where = re.search(r" \(at line (\d+), column (\d+)\)$", message)
    if where is not None:
        line = int(where.group(1))
        message = f"{message[: where.start()]} (column {where.group(2)})"
    else:
        line = text.count("\n") + 1
        message = message.replace(" (at end of document)", " at end of file")
    return FlagdebtError(f"{display}:{line}: invalid TOML: {message}")


# Registry validation. Each field reader returns the converted value or raises _Invalid.


class _Invalid(Exception):
    """One field's problem, turned into a registry message by the caller."""


def _read_date(name: str, value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise _Invalid(f"'{name}' must be a date like 2026-09-01, got {describe(value)}")


def _read_text(name: str, value: object) -> str:
    if isinstance(value, str):
        return value
    raise _Invalid(f"'{name}' must be a string, got {describe(value)}")


def _read_owner(name: str, value: object) -> str:
    owner = _read_text(name, value)
    if not owner.strip():
        raise _Invalid(f"'{name}' must not be empty")
    return owner


def _read_type(name: str, value: object) -> str:
    if isinstance(value, str) and value in FLAG_TYPES:
        return value
    hint = did_you_mean(value, FLAG_TYPES) if isinstance(value, str) else ""
    expected = ", ".join(FLAG_TYPES)
    raise _Invalid(f"'{name}' must be one of {expected}; got {describe(value)}{hint}")


def _read_aliases(name: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _Invalid(f"'{name}' must be a list of strings, got {describe(value)}")
    for number, alias in enumerate(value, start=1):
        if not isinstance(alias, str) or not alias:
            shown = describe(alias)
            raise _Invalid(f"'{name}' entry {number} must be a non-empty string, got {shown}")
    return tuple(dict.fromkeys(value))


_FIELDS: dict[str, Callable[[str, object], object]] = {
    "type": _read_type,
    "owner": _read_owner,
    "created": _read_date,
    "description": _read_text,
    "rolled_out": _read_date,
    "rolled_back": _read_date,
    "remove_by": _read_date,
    "archived": _read_date,
    "aliases": _read_aliases,
}
_LATER_DATES = ("rolled_out", "rolled_back", "remove_by", "archived")


def load_registry(path: Path, display: str | None = None) -> Registry:
    """Read and validate flags.toml; raise one FlagdebtError listing every problem."""
    shown = str(path) if display is None else display
    text, data = read_toml(path, shown, "registry")
    return _validated(text, data, shown)


def parse_registry(text: str, display: str) -> Registry:
    """Validate flags.toml text as load_registry validates the file, e.g. before writing it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(error, text, display) from None
    return _validated(text, data, display)


def _validated(text: str, data: dict[str, Any], shown: str) -> Registry:
    problems = Problems(shown, text)
    _check_top_level(data, problems)
    table = data.get("flags", {})
    flags: dict[str, Flag] = {}
    if isinstance(table, dict):
        for key, entry in table.items():
            flag = _read_flag(key, entry, problems)
            if flag is not None:
                flags[key] = flag
    _check_aliases(flags, problems)
    problems.raise_if_any()
    return Registry(shown, flags)


def _check_top_level(data: dict[str, Any], problems: Problems) -> None:
    for key in data:
        if key != "flags":
            hint = did_you_mean(key, ["flags"])
            message = "unknown top-level key; the registry holds only [flags.KEY] tables"
            problems.add((key,), f"'{key}': {message}{hint}")
    if not isinstance(data.get("flags", {}), dict):
        found = describe(data["flags"])
        problems.add(("flags",), f"'flags' must be a table of [flags.KEY] tables, got {found}")


def _read_flag(key: str, entry: object, problems: Problems) -> Flag | None:
    where = ("flags", key)
    if not key.strip():
        problems.add(where, f"flag {key!r}: the key must not be empty")
        return None
    if not isinstance(entry, dict):
        found = describe(entry)
        problems.add(where, f"flag '{key}': must be a table like [flags.{key}], got {found}")
        return None
    values: dict[str, Any] = {}
    for name, value in entry.items():
        reader = _FIELDS.get(name)
        try:
            if reader is None:
                raise _Invalid(f"unknown field '{name}'{did_you_mean(name, _FIELDS)}")
            values[name] = reader(name, value)
        except _Invalid as problem:
            problems.add((*where, name), f"flag '{key}': {problem}")
    _check_dates(key, values, problems)
    return Flag(key=key, line=problems.table_line(where), **values)


def _check_dates(key: str, values: dict[str, Any], problems: Problems) -> None:
    if "rolled_out" in values and "rolled_back" in values:
        message = "'rolled_out' and 'rolled_back' are both set; keep only the final one"
        problems.add(("flags", key, "rolled_back"), f"flag '{key}': {message}")
    created = values.get("created")
    if created is None:
        return
    for name in _LATER_DATES:
        day = values.get(name)
        if day is not None and day < created:
            message = f"'{name}' ({day}) is before 'created' ({created})"
            problems.add(("flags", key, name), f"flag '{key}': {message}")


def _check_aliases(flags: dict[str, Flag], problems: Problems) -> None:
    owners: dict[str, str] = {}
    for flag in flags.values():
        for alias in flag.aliases:
            if alias in flags and alias != flag.key:
                message = f"alias '{alias}' is the key of flag '{alias}'"
            elif owners.setdefault(alias, flag.key) != flag.key:
                message = f"alias '{alias}' is also an alias of flag '{owners[alias]}'"
            else:
                continue
            problems.add(("flags", flag.key, "aliases"), f"flag '{flag.key}': {message}")


def future_created(registry: Registry, today: date) -> list[str]:
    """A warning for each flag whose `created` date is later than `today`."""
    return [f"{registry.path}:{flag.line}: flag '{flag.key}': 'created' ({flag.created}) is "
            f"later than today ({today}); check the date (or --today)"
            for flag in registry.flags.values() if flag.created is not None and flag.created > today]


# Archiving.


@dataclass(frozen=True)
class ArchivePlan:
    """The new bytes of flags.toml with `archived` set, checked before any file is touched."""

    path: Path
    data: bytes
    read_as: Fingerprint
    keys: tuple[str, ...]
    day: date


def plan_archive(path: Path, keys: Iterable[str], day: date, display: str | None = None
                 ) -> ArchivePlan:
    """Set `archived = day` on each flag, keeping every other byte; validate the result.

    Raises FlagdebtError when a key is not in the registry, the new registry would not be
    valid (archived before created), or flags.toml cannot be written.
    """
    shown = str(path) if display is None else display
    keys = tuple(keys)
    try:
        raw, read_as = read_fingerprinted(path)
    except OSError as error:
        raise FlagdebtError(f"{shown}: cannot read registry: {error.strerror}") from None
    text, _ = read_toml(path, shown, "registry")
    for key in keys:
        text = _archived_text(text, key, day, shown)
    _validated(text, tomllib.loads(text), shown)
    _check_writable(path, shown)
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    return ArchivePlan(path, bom + text.encode("utf-8"), read_as, keys, day)


def _archived_text(text: str, key: str, day: date, shown: str) -> str:
    flags = tomllib.loads(text).get("flags")
    if not isinstance(flags, dict) or not isinstance(flags.get(key), dict):
        raise FlagdebtError(f"{shown}: flag '{printable(key)}': not in the registry")
    line = index_keys(text).get(("flags", key), 1)
    created = flags[key].get("created")
    if isinstance(created, date) and day < created:
        raise FlagdebtError(f"{shown}:{line}: flag '{printable(key)}': cannot archive on {day} before "
                            f"its 'created' date {created} (check --today)")
    updated = _insert_archived(text, key, day) or _set_with_tomlkit(text, key, day)
    if _archived_day(updated, key) != day:
        raise FlagdebtError(f"{shown}:{line}: flag '{printable(key)}': could not set 'archived'")
    return updated


def _check_writable(path: Path, shown: str) -> None:
    try:
        target = write_target(path, None)
        mode = target.stat().st_mode
    except (WriteRefused, OSError) as error:
        raise FlagdebtError(f"{shown}: cannot archive: {error}") from None
    if not mode & 0o200 or not os.access(target, os.W_OK):
        raise FlagdebtError(f"{shown}: registry is read-only: cannot archive; nothing was changed")
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise FlagdebtError(f"{shown}: cannot archive: its folder is not writable; "
                            "nothing was changed")


def write_archive(plan: ArchivePlan, display: str) -> None:
    """Write a planned archive, unless flags.toml changed since it was planned."""
    try:
        replace_file(plan.path, plan.data, plan.read_as)
    except WriteRefused as error:
        raise FlagdebtError(f"{display}: not archived: {error}") from None


def archive_flag(path: Path, key: str, day: date, display: str | None = None) -> None:
    """Set `archived = day` on flag `key` in flags.toml, keeping every other byte as it was."""
    shown = str(path) if display is None else display
    write_archive(plan_archive(path, [key], day, shown), shown)


def _insert_archived(text: str, key: str, day: date) -> str | None:
    """Add the line after the last field of a `[flags.KEY]` table; None for other layouts."""
    section = _table_section(scan_keys(text), ("flags", key))
    if section is None or any(entry.path[2:] == ("archived",) for entry in section[1:]):
        return None
    last = section[-1]
    lines = text.split("\n")
    field_line = lines[last.line - 1] if len(section) > 1 else ""
    indent = field_line[: len(field_line) - len(field_line.lstrip(" \t"))]
    if last.end == len(lines):  # the table ends the file, which has no final newline
        lines[-1] += "\r" if "\r\n" in text else ""
        ending = ""
    else:
        ending = "\r" if lines[last.end - 1].endswith("\r") else ""
    lines.insert(last.end, f"{indent}archived = {day.isoformat()}{ending}")
    return "\n".join(lines)


def _table_section(entries: list[KeyLine], path: KeyPath) -> list[KeyLine] | None:
    """The `[path]` header entry and the key lines under it, if it has exactly one header."""
    heads = [number for number, entry in enumerate(entries) if entry.header and entry.path == path]
    if len(heads) != 1:
        return None
    section = [entries[heads[0]]]
    for entry in entries[heads[0] + 1 :]:
        if entry.header:
            break
        section.append(entry)
    return section


def _set_with_tomlkit(text: str, key: str, day: date) -> str:
    """Inline tables, dotted keys and an existing `archived` are left to tomlkit."""
    import tomlkit

    try:
        document = tomlkit.parse(text)
        document["flags"][key]["archived"] = day
    except (ValueError, KeyError, TypeError):  # tomlkit disagrees with tomllib
        return text
    return tomlkit.dumps(document)


def _archived_day(text: str, key: str) -> object:
    """The `archived` value of flag `key` in `text`, to check an edit before writing it."""
    try:
        return tomllib.loads(text)["flags"][key].get("archived")
    except (tomllib.TOMLDecodeError, KeyError, AttributeError):
        return None


def write_atomically(path: Path, data: bytes) -> None:
    """Replace (or create) `path` with `data` via a temporary file, keeping mode, owner and links."""
    if not os.path.lexists(path):
        _create_atomically(path, data)
        return
    try:
        replace_file(path, data, None)
    except WriteRefused as error:
        raise OSError(errno.EACCES, str(error)) from None


def _create_atomically(path: Path, data: bytes) -> None:
    temporary = new_file_beside(path, data)
    try:
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
